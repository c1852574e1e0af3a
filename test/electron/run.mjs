// `npm run test:electron`: the same integration suite as the offline runner (test/vscode/suite), run
// in a downloaded VS Code desktop through @vscode/test-electron (needs internet access to
// update.code.visualstudio.com; on machines without it use `npm test`, which runs code-server).
// Env: VSCODE_VERSION (default 'stable'; the extension needs ≥ 1.100), WSINDY_SUITE_GREP.
import { runTests } from '@vscode/test-electron';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleSuite, ROOT } from '../vscode/bundle.mjs';

if (!existsSync(join(ROOT, 'dist', 'extension.js'))) {
  console.error('dist/extension.js missing: run `npm run build` first');
  process.exit(1);
}
const testsPath = await bundleSuite();
const outDir = join(ROOT, 'dist-test', 'electron-out');
mkdirSync(outDir, { recursive: true });
const resultFile = join(outDir, 'suite-result.json');
rmSync(resultFile, { force: true });
const workspace = mkdtempSync(join(tmpdir(), 'wsindy-electron-ws-'));
let code = 0;
try {
  code = await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: testsPath,
    extensionTestsEnv: { WSINDY_SUITE_RESULT: resultFile, ...(process.env.WSINDY_SUITE_GREP ? { WSINDY_SUITE_GREP: process.env.WSINDY_SUITE_GREP } : {}) },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (e) {
  console.error('test-electron run failed:', e);
  code = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
const r = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : { passed: 0, failed: 0, pending: 0 };
console.log(`[electron] ${r.passed} passed, ${r.failed} failed, ${r.pending ?? 0} pending`);
process.exit(code !== 0 || r.failed > 0 || r.pending > 0 || r.passed === 0 ? 1 : 0);
