// The bad-input corpus (test/fixtures/bad/expected.json): every file ends in the expected InputError, with
// file, line and column in the message, or parses to the expected shape; never another exception type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readCsvFile, parseCsvBuffer, MIN_TIME_STEPS } from '../../src/core/csv/read';
import { InputError } from '../../src/core/errors';

const dir = join(__dirname, '..', 'fixtures', 'bad');

interface Expected {
  expect: 'ok' | 'error';
  message?: string;
  line?: number;
  column?: number;
  n?: number;
  m?: number;
  layout?: 'rows' | 'columns';
  names?: string[];
  timeColumn?: number | null;
  delimiter?: string;
  lineEnding?: string;
  /** Missing cells kept (with their spellings). */
  missing?: number;
  /** Which SourceExtras the file carries (none when absent). */
  extras?: string[];
}

const manifest = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;

test('the corpus has at least 40 files and every file has an expectation', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv'));
  assert.ok(files.length >= 40, `only ${files.length} files`);
  assert.deepEqual(files.sort(), Object.keys(manifest).sort());
});

for (const [file, exp] of Object.entries(manifest)) {
  test(`corpus: ${file} → ${exp.expect === 'ok' ? 'parses' : exp.message}`, async () => {
    const path = join(dir, file);
    // Small chunks so that streaming crosses chunk boundaries even on these small files.
    const run = () => readCsvFile(path, { displayName: file, chunkBytes: 64 });
    if (exp.expect === 'ok') {
      const ds = await run();
      assert.equal(ds.series.length, exp.n);
      assert.equal(ds.time.length, exp.m);
      for (const s of ds.series) assert.equal(s.length, exp.m);
      if (exp.layout) assert.equal(ds.source.layout, exp.layout);
      if (exp.names) assert.deepEqual(ds.names, exp.names);
      if (exp.timeColumn !== undefined) assert.equal(ds.source.timeColumn, exp.timeColumn);
      if (exp.delimiter) assert.equal(ds.source.delimiter, exp.delimiter);
      if (exp.lineEnding) assert.equal(ds.source.lineEnding, exp.lineEnding);
      assert.deepEqual(Object.keys(ds.source.extras ?? {}).sort(), (exp.extras ?? []).slice().sort());
      assert.equal(ds.source.extras?.missing?.cells.length ?? 0, exp.missing ?? 0);
      for (const s of ds.series) for (const v of s) assert.ok(Number.isFinite(v), 'gaps are bridged');
      // Same result from the in-memory entry point.
      const again = parseCsvBuffer(readFileSync(path), file);
      assert.deepEqual(again.series, ds.series);
      return;
    }
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
      const loc = exp.line === undefined ? '' : exp.column === undefined ? `:${exp.line}` : `:${exp.line}:${exp.column}`;
      assert.ok(e.message.startsWith(`${file}${loc}: `), `message "${e.message}" should start with "${file}${loc}: "`);
      assert.ok(e.message.includes(exp.message ?? ''), `message "${e.message}" should include "${exp.message}"`);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
    // The in-memory parser gives the same message.
    assert.throws(() => parseCsvBuffer(readFileSync(path), file), (e: unknown) => e instanceof InputError && e.message.includes(exp.message ?? ''));
  });
}

test('a 10 MB file with a non-numeric cell in the middle names its line and column', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wsindy-bad-'));
  try {
    const rows: string[] = ['t,a,b,c'];
    const m = 200_000;
    const badRow = 123_456;
    for (let j = 0; j < m; j++) {
      const b = j === badRow ? 'oops' : String(Math.cos(j * 1e-3));
      rows.push(`${j * 0.01},${Math.sin(j * 1e-3)},${b},${(j % 97) * 0.5}`);
    }
    const text = rows.join('\n') + '\n';
    assert.ok(text.length > 10e6, `only ${text.length} bytes`);
    const path = join(tmp, 'big.csv');
    writeFileSync(path, text);
    await assert.rejects(readCsvFile(path, { displayName: 'big.csv' }), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.message, `big.csv:${badRow + 2}:3: not a number: "oops"`);
      return true;
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('10 000 variables × 20 steps: tidy with header, and the seed layout with layout "rows"', () => {
  const n = 10_000;
  const m = 20;
  const head = Array.from({ length: n }, (_, i) => `v${i}`).join(',');
  const rows = [head];
  for (let j = 0; j < m; j++) rows.push(Array.from({ length: n }, (_, i) => String(Math.sin(0.01 * i + 0.3 * j))).join(','));
  const ds = parseCsvBuffer(Buffer.from(rows.join('\n')), 'wide.csv');
  assert.equal(ds.series.length, n);
  assert.equal(ds.time.length, m);
  assert.equal(ds.names[9999], 'v9999');
  assert.equal(ds.series[1234][7], Math.sin(0.01 * 1234 + 0.3 * 7));
  // Seed layout: 10 000 rows of 20 steps has more rows than columns, so auto would read it as tidy;
  // the override wins.
  const seed = Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => String(i + j * 0.5)).join(',')).join('\n');
  const auto = parseCsvBuffer(Buffer.from(seed), 'seed.csv');
  assert.equal(auto.source.layout, 'columns');
  assert.equal(auto.series.length, m);
  const forced = parseCsvBuffer(Buffer.from(seed), 'seed.csv', { layout: 'rows' });
  assert.equal(forced.source.layout, 'rows');
  assert.equal(forced.series.length, n);
  assert.equal(forced.time.length, m);
  assert.equal(forced.series[4321][3], 4321 + 1.5);
});

test('the minimum number of time steps is 16 and is what the corpus assumes', () => {
  assert.equal(MIN_TIME_STEPS, 16);
});
