// The wsindy command line, run as a child process on real files (through tsx, no build needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsvBuffer } from '../../src/core/csv/read';
import { readFileSync } from 'node:fs';
import { displayAtMost } from '../../src/core/codec/numbers';
import { listSections } from '../../src/core/codec/container';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const dir = mkdtempSync(join(tmpdir(), 'wsindy-cli-'));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('compress → info --json → reconstruct round-trips the Lorenz sample within the bound', () => {
  const model = join(dir, 'lorenz.wsindy');
  const c = cli('compress', 'samples/lorenz.csv', '-o', model, '--tolerance', '1e-3');
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /x' = -10 x \+ 10 y/);
  assert.match(c.stdout, /z' = -2\.667 z \+ x y/);

  const info = cli('info', model, '--json');
  assert.equal(info.status, 0, info.stderr);
  const doc = JSON.parse(info.stdout) as {
    variables: string[]; pod: boolean; rank: number; mode: string; bound: number; ratio: number; maxError: number;
    equations: { lhs: string; terms: { term: string; coef: number }[] }[];
  };
  assert.deepEqual(doc.variables, ['x', 'y', 'z']);
  assert.equal(doc.pod, false);
  assert.equal(doc.rank, 3);
  assert.equal(doc.mode, 'error-bounded');
  assert.ok(doc.ratio > 50, `ratio ${doc.ratio}`);
  assert.ok(doc.maxError <= doc.bound);
  const y = doc.equations.find((e) => e.lhs === 'y');
  assert.deepEqual(y?.terms.map((t) => t.term), ['x', 'y', 'x z']);
  assert.ok(Math.abs((y?.terms[0].coef ?? 0) - 28) < 0.28);

  const out = join(dir, 'lorenz.out.csv');
  const r = cli('reconstruct', model, '-o', out);
  assert.equal(r.status, 0, r.stderr);
  const src = parseCsvBuffer(readFileSync('samples/lorenz.csv'), 'src');
  const rec = parseCsvBuffer(readFileSync(out), 'rec');
  assert.deepEqual(rec.names, src.names);
  assert.equal(readFileSync(out, 'utf8').split('\n')[0], 't,x,y,z');
  assert.deepEqual(Array.from(rec.time), Array.from(src.time));
  let maxErr = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < src.time.length; j++) maxErr = Math.max(maxErr, Math.abs(rec.series[i][j] - src.series[i][j]));
  assert.ok(maxErr <= doc.bound, `max error ${maxErr} > bound ${doc.bound}`);
  // printed at the decimal step the bound allows: no noise digits, smaller than the 9-digit source
  const outBytes = readFileSync(out).length;
  const srcBytes = readFileSync('samples/lorenz.csv').length;
  assert.ok(outBytes < srcBytes, `reconstruction ${outBytes} bytes ≥ source ${srcBytes}`);
  assert.equal(readFileSync(out, 'utf8').split('\n')[1], '0,-8.000,7.000,27.000');
});

test('a bad CSV exits non-zero with one line naming file, line and column, and writes nothing', () => {
  const bad = join(dir, 'bad.csv');
  const rows = ['t,x,y'];
  for (let j = 0; j < 40; j++) rows.push(`${j},${Math.sin(j)},${j === 17 ? 'oops' : Math.cos(j)}`);
  writeFileSync(bad, rows.join('\n'));
  const before = readdirSync(dir).length;
  const r = cli('compress', bad);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /bad\.csv:19:3: .*not a number: "oops"/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/); // no stack trace
  assert.equal(readdirSync(dir).length, before, 'no file written');
});

test('an existing output is not overwritten without --force', () => {
  const model = join(dir, 'exists.wsindy');
  writeFileSync(model, 'keep me');
  const r = cli('compress', 'samples/vanderpol_rows.csv', '-o', model);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /exists; pass --force/);
  assert.equal(readFileSync(model, 'utf8'), 'keep me');
});

test('a file that is not a model is rejected by info and reconstruct', () => {
  const r = cli('info', 'samples/lorenz.csv');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a \.wsindy file/);
  const out = join(dir, 'never.csv');
  const r2 = cli('reconstruct', 'samples/lorenz.csv', '-o', out);
  assert.equal(r2.status, 1);
  assert.equal(existsSync(out), false);
});

test('usage errors exit 2 with the usage text', () => {
  const r = cli('frobnicate', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.match(r.stderr, /Usage:/);
  const r2 = cli('compress', 'samples/lorenz.csv', '--degree', '9');
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /degree must be an integer from 1 to 5/);
});

test('--streaming runs the streaming pipeline, --no-streaming the in-memory one; both together are refused', () => {
  const on = JSON.parse(cli('compress', 'samples/lorenz.csv', '-o', join(dir, 'st-on.wsindy'), '--streaming', '--json').stdout) as { streaming: boolean; maxError: number; bound: number };
  assert.equal(on.streaming, true);
  assert.ok(on.maxError <= on.bound);
  const off = JSON.parse(cli('compress', 'samples/lorenz.csv', '-o', join(dir, 'st-off.wsindy'), '--no-streaming', '--streaming-above-mb', '0.001', '--json').stdout) as { streaming: boolean };
  assert.equal(off.streaming, false);
  const auto = JSON.parse(cli('compress', 'samples/lorenz.csv', '-o', join(dir, 'st-auto.wsindy'), '--streaming-above-mb', '0.1', '--json').stdout) as { streaming: boolean };
  assert.equal(auto.streaming, true, 'a 0.2 MB file is above 0.1 MB');
  const both = cli('compress', 'samples/lorenz.csv', '-o', join(dir, 'st-both.wsindy'), '--streaming', '--no-streaming');
  assert.equal(both.status, 1);
  assert.match(both.stderr, /--streaming and --no-streaming contradict each other/);
});

test('model-only mode stores no residual and reports the achieved error', () => {
  const eb = join(dir, 'vdp.wsindy');
  const mo = join(dir, 'vdp.model-only.wsindy');
  assert.equal(cli('compress', 'samples/vanderpol_rows.csv', '-o', eb, '--dt', '0.01').status, 0);
  const r = cli('compress', 'samples/vanderpol_rows.csv', '-o', mo, '--dt', '0.01', '--model-only', '--json');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { mode: string; bound: number | null; maxError: number; fileBytes: number };
  assert.equal(s.mode, 'model-only');
  assert.equal(s.bound, null);
  assert.ok(Number.isFinite(s.maxError));
  const info = JSON.parse(cli('info', mo, '--json').stdout) as { maxError: number; mode: string };
  assert.equal(info.mode, 'model-only');
  // stored as float32 (display only), never above the measured value
  assert.equal(info.maxError, displayAtMost(s.maxError));
  const tags = listSections(readFileSync(mo)).sections.map((x) => x.tag);
  assert.ok(!tags.includes('RESI') && !tags.includes('UNPR'), tags.join());
  assert.ok(listSections(readFileSync(eb)).sections.some((x) => x.tag === 'RESI'));
});
