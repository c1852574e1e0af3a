// Property tests for the rows-layout (seed) fast path, fastRow in src/core/csv/read.ts: every cell is bit-identical to
// Number(text); any chunk size gives the same dataset as parsing in memory; and on inputs with unusual
// cells (spaces, quotes, empty or bad cells, ragged rows, trailing delimiters, stray CRs) the result or the
// error message is exactly the one of the general per-cell path (fast paths switched off).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { csvFastPaths, parseCsvBuffer, readCsvFile, type ReadCsvOptions } from '../../src/core/csv/read';
import type { Dataset } from '../../src/core/dataset';

const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
const digits = (min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: digit, minLength: min, maxLength: max });

/** Finite number texts of the shapes seen in data files (String() output, fixed, exponent, long, short). */
const numberText: fc.Arbitrary<string> = fc
  .oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.double({ min: -100, max: 100, noNaN: true }).map(String),
    fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.integer({ min: 1, max: 21 })).map(([x, p]) => x.toPrecision(p)),
    fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 })).map(([x, p]) => x.toExponential(p)),
    fc
      .tuple(fc.constantFrom('', '-', '+'), fc.constantFrom('', '0'), digits(1, 22), fc.nat(22), fc.option(fc.integer({ min: -40, max: 40 }), { nil: undefined }))
      .map(([sign, zeros, ds, dot, ex]) => {
        const k = Math.min(dot, ds.length);
        return sign + zeros + ds.slice(0, k) + '.' + ds.slice(k) + (ex === undefined ? '' : 'e' + ex);
      }),
    fc.tuple(digits(1, 25)).map(([a]) => `${a}.`),
    fc.tuple(digits(1, 6)).map(([a]) => `.${a}`),
    fc.integer().map(String),
  )
  .filter((t) => Number.isFinite(Number(t)));

/** Bit-exact fingerprint of a dataset (or of the error), for comparing two parses. */
function fingerprint(run: () => Dataset): string {
  try {
    const ds = run();
    const hex = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
    return JSON.stringify({ names: ds.names, source: ds.source, time: hex(ds.time), series: ds.series.map(hex) });
  } catch (e) {
    return 'error: ' + (e as Error).message;
  }
}

async function fingerprintAsync(run: () => Promise<Dataset>): Promise<string> {
  try {
    const ds = await run();
    return fingerprint(() => ds);
  } catch (e) {
    return 'error: ' + (e as Error).message;
  }
}

function withoutFastPaths<T>(f: () => T): T {
  csvFastPaths.enabled = false;
  try {
    return f();
  } finally {
    csvFastPaths.enabled = true;
  }
}

/** Seed-layout rows: 1–4 variables, 17–60 values each (the first one varying: all-constant data is an error). */
const seedRows = fc
  .integer({ min: 17, max: 60 })
  .chain((m) => fc.array(fc.array(numberText, { minLength: m, maxLength: m }), { minLength: 1, maxLength: 4 }))
  .map((rows) => {
    rows[0][0] = '-0.5';
    rows[0][1] = '1.5';
    return rows;
  });

test('rows layout fast path: every cell equals Number(text), bit for bit', () => {
  fc.assert(
    fc.property(seedRows, fc.boolean(), fc.boolean(), fc.boolean(), (rows, crlf, trailing, finalEol) => {
      const eol = crlf ? '\r\n' : '\n';
      const text = rows.map((r) => r.join(',') + (trailing ? ',' : '')).join(eol) + (finalEol ? eol : '');
      const ds = parseCsvBuffer(Buffer.from(text), 'seed.csv', { layout: 'rows' });
      assert.equal(ds.series.length, rows.length);
      for (let i = 0; i < rows.length; i++) {
        assert.equal(ds.series[i].length, rows[i].length);
        for (let j = 0; j < rows[i].length; j++) {
          const got = ds.series[i][j];
          const want = Number(rows[i][j]);
          assert.ok(Object.is(got, want), `${rows[i][j]}: got ${got}, Number() gives ${want}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

/** Cells the fast path must hand over (or that are errors), spliced into otherwise plain seed files. */
const oddCell = fc.constantFrom(
  ' 1.5', '1.5 ', '\t7', '"2.5"', ' "2.5" ', '"3', '""', '', 'abc', '1e400', '-1e400', '1e-400', 'nan', '-Infinity', '1e', '1e+',
  '-', '+', '.', '1.5.2', '1;2', '1\t2', '0x10', '+.5', '5.', '-0', '1,5', '12345678901234567890123', 'é',
);

type Mutation =
  | { kind: 'cell'; row: number; col: number; text: string }
  | { kind: 'drop' | 'extra' | 'trailing' | 'blank' | 'loneCR'; row: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('cell' as const), row: fc.nat(), col: fc.nat(), text: oddCell }),
  fc.record({ kind: fc.constantFrom('drop' as const, 'extra' as const, 'trailing' as const, 'blank' as const, 'loneCR' as const), row: fc.nat() }),
);

function seedText(rows: string[][], muts: Mutation[], crlf: boolean, trailingAll: boolean, finalEol: boolean): string {
  const cells = rows.map((r) => r.slice());
  const ends: string[] = rows.map(() => (crlf ? '\r\n' : '\n'));
  const before = rows.map(() => '');
  for (const mu of muts) {
    const i = mu.row % cells.length;
    if (mu.kind === 'cell') cells[i][mu.col % cells[i].length] = mu.text;
    else if (mu.kind === 'drop') cells[i].pop();
    else if (mu.kind === 'extra') cells[i].push('1.25');
    else if (mu.kind === 'trailing') cells[i].push('');
    else if (mu.kind === 'blank') before[i] += crlf ? '\r\n' : '\n';
    else ends[i] = '\r' + ends[i];
  }
  let text = '';
  for (let i = 0; i < cells.length; i++) {
    text += before[i] + cells[i].join(',') + (trailingAll ? ',' : '');
    if (i < cells.length - 1 || finalEol) text += ends[i];
  }
  return text;
}

const layoutOpt = fc.constantFrom<ReadCsvOptions>({}, { layout: 'rows' }, { layout: 'columns' });

test('rows layout: unusual cells give the same dataset or the same error as the general path', () => {
  fc.assert(
    fc.property(
      seedRows,
      fc.array(mutation, { minLength: 0, maxLength: 3 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      layoutOpt,
      (rows, muts, crlf, trailingAll, finalEol, opts) => {
        const bytes = Buffer.from(seedText(rows, muts, crlf, trailingAll, finalEol));
        const fast = fingerprint(() => parseCsvBuffer(bytes, 'm.csv', opts));
        const general = withoutFastPaths(() => fingerprint(() => parseCsvBuffer(bytes, 'm.csv', opts)));
        assert.equal(fast, general);
      },
    ),
    { numRuns: 1500 },
  );
});

test('rows layout: any chunk size (rows longer than a chunk included) gives the same dataset or error', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wsindy-rows-'));
  try {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        seedRows,
        fc.array(mutation, { minLength: 0, maxLength: 2 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 16, max: 700 }),
        async (rows, muts, crlf, finalEol, chunkBytes) => {
          const text = seedText(rows, muts, crlf, false, finalEol);
          const path = join(tmp, `c${n++}.csv`);
          writeFileSync(path, text);
          const mem = fingerprint(() => parseCsvBuffer(Buffer.from(text), 'c.csv'));
          const streamed = await fingerprintAsync(() => readCsvFile(path, { chunkBytes, displayName: 'c.csv' }));
          assert.equal(streamed, mem, `chunkBytes ${chunkBytes}`);
          rmSync(path);
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('rows layout: a long seed file read in the default chunks equals the general path', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wsindy-rows-'));
  try {
    // 3 rows of 300 000 values (about 6 MB each line, longer than the 4 MiB chunk).
    const lines: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r: string[] = [];
      for (let j = 0; j < 300_000; j++) r.push(String(Math.sin(i + j * 1e-3) * 10 ** ((j % 7) - 3)));
      lines.push(r.join(','));
    }
    const text = lines.join('\n') + '\n';
    const path = join(tmp, 'long.csv');
    writeFileSync(path, text);
    const fast = await fingerprintAsync(() => readCsvFile(path));
    csvFastPaths.enabled = false;
    let general: string;
    try {
      general = await fingerprintAsync(() => readCsvFile(path));
    } finally {
      csvFastPaths.enabled = true;
    }
    assert.equal(fast, general);
    assert.ok(!fast.startsWith('error'), fast.slice(0, 200));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
