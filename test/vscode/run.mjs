// Offline VS Code stage of `npm test`: needs the build (dist/) and the harness (test/vscode/install.sh).
// 1. bundles the mocha suite (test/vscode/suite) and runs it inside VS Code 1.100.3's extension host
//    (code-server 4.100.3), with this folder's extension loaded as the development extension, then its
//    Restricted Mode tests in a code-server whose folder is untrusted;
// 2. runs the UI tests (ui.mjs) through headless Chromium + playwright-core;
// 3. writes {passed, failed} to $WSINDY_TEST_RESULT. No test run, or a runner failure, counts as failed.
// Options: WSINDY_SUITE_GREP=<mocha grep>, WSINDY_UI_GREP=<regexp>, WSINDY_SKIP_UI=1 / WSINDY_SKIP_SUITE=1 (local use only).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { bundleSuite, ROOT } from './bundle.mjs';
import { runUiTests } from './ui.mjs';

const require = createRequire(import.meta.url);
const t0 = Date.now();
const prefix = process.env.HARNESS_PREFIX || join(homedir(), '.cache', 'vscode-harness');
const resultFile = process.env.WSINDY_TEST_RESULT;
const total = { passed: 0, failed: 0 };

function finish(extra = '') {
  if (total.passed + total.failed === 0) {
    console.error('[vscode] no test ran');
    total.failed = 1;
  }
  if (resultFile) writeFileSync(resultFile, JSON.stringify(total));
  console.log(`[vscode] ${total.passed} passed, ${total.failed} failed in ${((Date.now() - t0) / 1000).toFixed(1)} s${extra}`);
  process.exit(total.failed > 0 ? 1 : 0);
}

if (!existsSync(join(ROOT, 'dist', 'extension.js')) || !existsSync(join(ROOT, 'dist', 'worker.js'))) {
  console.error('[vscode] dist/extension.js or dist/worker.js missing: run `npm run build` first');
  finish();
}
if (!existsSync(join(prefix, 'cs', 'node_modules', '.bin', 'code-server')) || !existsSync(join(prefix, 'pw', 'node_modules', 'playwright-core'))) {
  console.log('[vscode] harness not installed; running test/vscode/install.sh');
  const r = spawnSync('bash', [join(ROOT, 'test', 'vscode', 'install.sh')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[vscode] harness install failed');
    finish();
  }
}

const { runExtTests } = require('./run-ext-tests.js');
const outDir = join(ROOT, 'dist-test', 'vscode-out');
mkdirSync(outDir, { recursive: true });

/** Run the bundled suite in one code-server; `trust`: workspace trust on (the folder in Restricted Mode). */
async function runSuite(label, { env = {}, trust = false } = {}) {
  const testsPath = await bundleSuite();
  const suiteResult = join(outDir, `${label}-result.json`);
  rmSync(suiteResult, { force: true });
  const workspace = mkdtempSync(join(tmpdir(), 'wsindy-vscode-ws-'));
  const t1 = Date.now();
  let code;
  try {
    code = await runExtTests({
      devPath: ROOT,
      testsPath,
      workspace,
      outDir,
      trust,
      timeoutMs: Number(process.env.TEST_TIMEOUT_MS || 600000),
      env: { WSINDY_SUITE_RESULT: suiteResult, ...env },
    });
  } catch (e) {
    console.error(`[vscode] ${label} runner failed:`, e);
    code = 3;
  }
  const r = existsSync(suiteResult) ? JSON.parse(readFileSync(suiteResult, 'utf8')) : { passed: 0, failed: 0, pending: 0, failures: [] };
  for (const f of r.failures ?? []) console.log(`[suite] FAILED ${f.title}\n${f.error}\n`);
  // A skipped test is not a passed one.
  const failed = r.failed + (r.pending ?? 0) + (code !== 0 && r.failed === 0 ? 1 : 0);
  console.log(`[vscode] ${label}: ${r.passed} passed, ${failed} failed (exit ${code}) in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  total.passed += r.passed;
  total.failed += failed;
  rmSync(workspace, { recursive: true, force: true });
}

// 1. Integration suite inside the extension host; then its Restricted Mode part (suite/restricted.test.ts,
//    defined only with WSINDY_RESTRICTED=1) in a second code-server whose folder is not trusted.
if (!process.env.WSINDY_SKIP_SUITE) {
  const grep = process.env.WSINDY_SUITE_GREP;
  if (!grep || !/^restricted/i.test(grep)) await runSuite('suite', { env: grep ? { WSINDY_SUITE_GREP: grep } : {} });
  if (!grep || /restricted/i.test(grep)) await runSuite('restricted', { env: { WSINDY_RESTRICTED: '1', WSINDY_SUITE_GREP: 'Restricted Mode' }, trust: true });
}

// 2. UI tests through the browser.
if (!process.env.WSINDY_SKIP_UI) {
  const t2 = Date.now();
  try {
    const r = await runUiTests({ root: ROOT, outDir });
    console.log(`[vscode] ui: ${r.passed} passed, ${r.failed} failed in ${((Date.now() - t2) / 1000).toFixed(1)} s`);
    total.passed += r.passed;
    total.failed += r.failed;
  } catch (e) {
    console.error('[vscode] ui runner failed:', e);
    total.failed += 1;
  }
}

finish();
