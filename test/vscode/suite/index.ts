// Mocha entry run inside VS Code's extension host (by @vscode/test-electron or the offline
// code-server runner). Writes {passed, failed, failures} next to itself (or to WSINDY_SUITE_RESULT)
// so the runner can count tests; a run where no test passed or failed counts as a failure.
import Mocha from 'mocha';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SuiteResult {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
  durationMs: number;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, color: false, reporter: 'spec' });
  const grep = process.env.WSINDY_SUITE_GREP;
  if (grep) mocha.grep(grep);
  for (const f of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, f));
  const resultPath = process.env.WSINDY_SUITE_RESULT || join(__dirname, 'results.json');
  const result: SuiteResult = { passed: 0, failed: 0, pending: 0, failures: [], durationMs: 0 };
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      result.durationMs = Date.now() - t0;
      writeFileSync(resultPath, JSON.stringify(result, null, 2));
      console.log(`[suite] ${result.passed} passing, ${result.failed} failing, ${result.pending} pending (${result.durationMs} ms)`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else if (result.passed === 0) reject(new Error('no test ran'));
      else resolve();
    });
    runner.on('pass', () => result.passed++);
    runner.on('pending', () => result.pending++);
    runner.on('fail', (test, err: Error) => {
      result.failed++;
      result.failures.push({ title: test.fullTitle(), error: err.stack ?? String(err) });
    });
  });
}
