// Bundles the integration suite (test/vscode/suite/*.ts) for VS Code's extension host:
// dist-test/vscode/suite/index.js (the mocha entry) and one <name>.test.js per test file.
// `vscode` comes from the host; mocha is loaded from the project's node_modules.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUITE_OUT = join(ROOT, 'dist-test', 'vscode', 'suite');

export async function bundleSuite() {
  const src = join(ROOT, 'test', 'vscode', 'suite');
  const entries = readdirSync(src).filter((f) => f === 'index.ts' || f.endsWith('.test.ts')).map((f) => join(src, f));
  rmSync(SUITE_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(SUITE_OUT, 'index.js');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await bundleSuite());
}
