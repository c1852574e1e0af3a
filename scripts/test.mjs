// The project's one test command (`npm test`): unit tests, then the suites that need a build,
// a real VS Code (code-server) or headless Chromium. Each stage reports {passed, failed} to a
// JSON file named by WSINDY_TEST_RESULT; the run fails if any stage fails or if no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { homedir, tmpdir } from 'node:os';

const only = process.argv.slice(2); // e.g. `npm test -- unit`
const tmp = mkdtempSync(join(tmpdir(), 'wsindy-test-'));

function findTests(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? findTests(p, suffix) : p.endsWith(suffix) ? [p] : [];
  }).sort();
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

/** Unit tests: node's test runner over TypeScript through tsx; counts read from a TAP copy. */
function unitStage() {
  const files = findTests('test/unit', '.test.ts');
  const tap = join(tmp, 'unit.tap');
  const status = run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  return { passed: count('pass'), failed: count('fail') + (status !== 0 && count('fail') === 0 ? 1 : 0) };
}

/** A stage implemented by a script that writes {passed, failed} to WSINDY_TEST_RESULT. */
function scriptStage(script) {
  return () => {
    const out = join(tmp, `${script.replace(/\W+/g, '_')}.json`);
    const status = run(process.execPath, [script], { WSINDY_TEST_RESULT: out });
    const r = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { passed: 0, failed: 0 };
    if (status !== 0 && r.failed === 0) r.failed = 1;
    return r;
  };
}

const stages = [
  ['unit', unitStage],
  ['build', () => ({ passed: 0, failed: run('npm', ['run', '--silent', 'build']) === 0 ? 0 : 1 })],
  // compress-shards on a real dask-scheduler and two dask-worker processes (test/dask/install.sh installs them)
  ['dask', scriptStage('test/dask/run.mjs')],
  ['webview', scriptStage('test/webview/run.mjs')],
  ['vscode', scriptStage('test/vscode/run.mjs')],
].filter(([name]) => only.length === 0 || only.includes(name))
  // The browser and VS Code stages exist once their runners do.
  .filter(([name]) => !['webview', 'vscode'].includes(name) || existsSync(`test/${name}/run.mjs`));

// The browser stages need Debian's chromium and the VS Code harness: install them on first use.
const harness = join(process.env.HARNESS_PREFIX || join(homedir(), '.cache', 'vscode-harness'), 'cs', 'node_modules', '.bin', 'code-server');
if (stages.some(([name]) => name === 'webview' || name === 'vscode') && !(existsSync('/usr/bin/chromium') && existsSync(harness))) {
  console.log('Installing the browser and the test VS Code (test/vscode/install.sh)…');
  if (run('bash', ['test/vscode/install.sh']) !== 0) {
    console.error('Install of the test browser / VS Code failed.');
    process.exit(1);
  }
}

let passed = 0;
let failed = 0;
for (const [name, fn] of stages) {
  console.log(`\n=== ${name} ===`);
  const r = fn();
  console.log(`=== ${name}: ${r.passed} passed, ${r.failed} failed`);
  passed += r.passed;
  failed += r.failed;
}
console.log(`\n${passed} passed, ${failed} failed`);
if (passed === 0) console.error('No test ran: failing the run.');
process.exit(failed > 0 || passed === 0 ? 1 : 0);
