// Bundles every entry with esbuild: node extension, worker and CLI (CommonJS), browser webview (IIFE).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

const builds = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/worker/worker.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The parallel CSV parser's worker (src/core/csv/readParallel.ts starts dist/csvParallel.js next to the bundle).
  { ...node, entryPoints: ['src/core/csv/readParallel.ts'], outfile: 'dist/csvParallel.js' },
  // The parallel CSV writer's worker (src/core/csv/writeParallel.ts starts dist/csvWriteParallel.js).
  { ...node, entryPoints: ['src/core/csv/writeParallel.ts'], outfile: 'dist/csvWriteParallel.js' },
  // The dense POD's helper threads (src/core/numerics/podThreads.ts starts dist/podThreads.js).
  { ...node, entryPoints: ['src/core/numerics/podThreads.ts'], outfile: 'dist/podThreads.js' },
];
if (existsSync('webview/main.ts')) {
  builds.push({ ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' });
  // The notebook renderer (contributes.notebookRenderer): an ES module VS Code imports in the output webview.
  builds.push({ ...common, platform: 'browser', target: 'es2022', format: 'esm', entryPoints: ['webview/notebook.ts'], outfile: 'dist/notebookRenderer.js' });
}
await Promise.all(builds.map((b) => (existsSync(b.entryPoints[0]) ? esbuild.build(b) : null)));

// KaTeX stylesheet and fonts are loaded by the model view from dist/katex (localResourceRoots).
if (existsSync('node_modules/katex/dist/katex.min.css')) {
  mkdirSync('dist/katex', { recursive: true });
  cpSync('node_modules/katex/dist/katex.min.css', 'dist/katex/katex.min.css');
  cpSync('node_modules/katex/dist/fonts', 'dist/katex/fonts', { recursive: true, filter: (f) => !/\.(ttf|woff)$/.test(f) });
}

// The notebook renderer loads the view's stylesheet next to its bundle: VS Code's notebook output
// webview may load only from the folder of a renderer's entrypoint (dist/), not from media/.
if (existsSync('media/view.css')) cpSync('media/view.css', 'dist/view.css');
