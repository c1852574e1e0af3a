// Writing on two threads: exactly writeCsvFile's bytes whatever the split, in both layouts, with a header
// and time column, CRLF, a decimal step; the same refusal of non-finite values; nothing left on cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeCsvFile, type CsvData } from '../../src/core/csv/write';
import { writeCsvFileParallel } from '../../src/core/csv/writeParallel';
import { CancelledError, NumericalError } from '../../src/core/errors';
import { mulberry32 } from '../support/systems';

const dir = mkdtempSync(join(tmpdir(), 'wsindy-write-par-'));

function data(n: number, m: number, layout: 'rows' | 'columns', seed: number, extra: Partial<CsvData> = {}): CsvData {
  const rand = mulberry32(seed);
  const series = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6)));
  const time = Float64Array.from({ length: m }, (_, j) => j * 0.01 + (j % 3) * 1e-9);
  const header = layout === 'columns' ? ['v0', 'time', ...Array.from({ length: n - 1 }, (_, i) => `v${i + 1}`)] : null;
  return {
    names: Array.from({ length: n }, (_, i) => `v${i}`),
    series,
    time,
    source: { layout, delimiter: layout === 'columns' ? ';' : ',', header, timeColumn: layout === 'columns' ? 1 : null, lineEnding: layout === 'columns' ? '\r\n' : '\n' },
    ...extra,
  };
}

test('the same bytes as writeCsvFile for any number of pieces, both layouts, with and without a decimal step', async () => {
  const cases: [string, CsvData][] = [
    ['tidy', data(7, 1000, 'columns', 1)],
    ['rows', data(9, 700, 'rows', 2)],
    ['tidy, decimal step', data(5, 800, 'columns', 3, { decimalStep: 1e-3 })],
    ['rows, decimal step 10', data(6, 300, 'rows', 4, { decimalStep: 10 })],
  ];
  for (const [name, d] of cases) {
    const expected = join(dir, 'expected.csv');
    const bytes = await writeCsvFile(expected, d);
    const want = readFileSync(expected);
    for (const pieces of [1, 2, 3, 7, 64]) {
      const out = join(dir, `${pieces}.csv`);
      const got = await writeCsvFileParallel(out, d, undefined, undefined, { minBytes: 0, pieces });
      assert.equal(got, bytes, `${name}, ${pieces} pieces: byte count`);
      assert.ok(readFileSync(out).equals(want), `${name}, ${pieces} pieces: the bytes differ from writeCsvFile's`);
    }
  }
});

test('a non-finite value is refused as writeCsvFile refuses it, and no file is written', async () => {
  const d = data(4, 500, 'columns', 5);
  d.series[2][321] = Number.NaN;
  const out = join(dir, 'nan.csv');
  const single = await writeCsvFile(out, d).then(() => null, (e: unknown) => e);
  const par = await writeCsvFileParallel(out, d, undefined, undefined, { minBytes: 0, pieces: 5 }).then(() => null, (e: unknown) => e);
  assert.ok(single instanceof NumericalError && par instanceof NumericalError);
  assert.equal(par.message, single.message);
  assert.ok(!readdirSync(dir).includes('nan.csv'));
});

test('cancel: CancelledError, no output and no temporary file', async () => {
  const sub = mkdtempSync(join(dir, 'cancel-'));
  const ac = new AbortController();
  const job = writeCsvFileParallel(join(sub, 'x.csv'), data(8, 20_000, 'columns', 6), (e) => e.fraction > 0 && ac.abort(), ac.signal, { minBytes: 0, pieces: 16 });
  await assert.rejects(job, CancelledError);
  assert.deepEqual(readdirSync(sub), []);
});

test('a prestarted worker: the options it returns write the same bytes; nothing started for small files or without a spare core', async () => {
  const { prestartCsvWorker, PRESTARTED_WRITE_MIN_BYTES } = await import('../../src/core/csv/writeParallel');
  assert.deepEqual(prestartCsvWorker(PRESTARTED_WRITE_MIN_BYTES - 1, 1), {});
  // no spare core (other jobs keep the machine busy): one formatter
  assert.deepEqual(prestartCsvWorker(PRESTARTED_WRITE_MIN_BYTES, 0.2), {});
  // 120 × 4000 values at 19 bytes each (estimated): above the prestarted threshold, below the cold one
  const d = data(120, 4000, 'columns', 9);
  const opts = prestartCsvWorker(PRESTARTED_WRITE_MIN_BYTES, 1);
  assert.deepEqual(opts, { minBytes: PRESTARTED_WRITE_MIN_BYTES });
  const expected = join(dir, 'prestart-expected.csv');
  const got = join(dir, 'prestart.csv');
  await writeCsvFile(expected, d);
  assert.equal(await writeCsvFileParallel(got, d, undefined, undefined, opts), readFileSync(expected).length);
  assert.ok(readFileSync(got).equals(readFileSync(expected)));
});
