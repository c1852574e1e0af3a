// Staged CSV (streaming input): the blocks of stageCsvFile, concatenated, equal readCsvFile's series bit for
// bit, with the same names, time and source; every bad input fails with readCsvFile's message; the
// temporary file is gone after close, after an error and after a cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readCsvFile, scanCsvFile, type CsvSink, type ReadCsvOptions } from '../../src/core/csv/read';
import type { Dataset } from '../../src/core/dataset';
import { CancelledError, InputError, OptionError } from '../../src/core/errors';
import type { ProgressEvent } from '../../src/core/progress';
import { stageCsvFile, type StageOptions, type StagedCsv } from '../../src/core/stream/stagedCsv';

const badDir = join(__dirname, '..', 'fixtures', 'bad');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wsindy-stage-test-'));
}

/** Deterministic values with 16–17 significant digits, some negative, some -0 and exact integers. */
function value(i: number, j: number): number {
  if ((i * 7 + j) % 53 === 0) return -0;
  if ((i + j) % 31 === 0) return j;
  return Math.sin(j * 0.37 + i) * (1 + i * 0.25) * (i % 3 === 2 ? 1e-7 : 1);
}

interface Shape {
  n: number;
  m: number;
  header?: boolean;
  time?: boolean;
  eol?: string;
  delim?: string;
  trailing?: boolean;
  /** Quote every k-th cell and pad some with spaces (general path instead of the fast loops). */
  quoteEvery?: number;
  blankLines?: boolean;
}

/** Tidy CSV: one line per time step. */
function tidyText(s: Shape): string {
  const d = s.delim ?? ',';
  const eol = s.eol ?? '\n';
  const out: string[] = [];
  if (s.header) out.push((s.time ? ['time'] : []).concat(Array.from({ length: s.n }, (_, i) => `v${i}`)).join(d) + (s.trailing ? d : ''));
  for (let j = 0; j < s.m; j++) {
    const cells = (s.time ? [String(j * 0.01 + (j % 3) * 1e-4)] : []).concat(Array.from({ length: s.n }, (_, i) => cell(value(i, j), i * s.m + j, s)));
    out.push(cells.join(d) + (s.trailing ? d : ''));
    if (s.blankLines && j % 11 === 5) out.push('');
  }
  return out.join(eol) + eol;
}

/** Seed layout: one line per variable. */
function seedText(s: Shape): string {
  const d = s.delim ?? ',';
  const eol = s.eol ?? '\n';
  const out: string[] = [];
  for (let i = 0; i < s.n; i++) {
    out.push(Array.from({ length: s.m }, (_, j) => cell(value(i, j), i * s.m + j, s)).join(d) + (s.trailing ? d : ''));
    if (s.blankLines && i % 2 === 1) out.push('');
  }
  return out.join(eol) + eol;
}

function cell(v: number, k: number, s: Shape): string {
  const t = String(v);
  if (s.quoteEvery && k % s.quoteEvery === 0) return `"${t}"`;
  if (s.quoteEvery && k % s.quoteEvery === 1) return ` ${t} `;
  return t;
}

/** All blocks concatenated, checking j0 and block lengths on the way. */
async function collect(st: StagedCsv): Promise<Float64Array[]> {
  const out = Array.from({ length: st.n }, () => new Float64Array(st.m));
  let expectJ0 = 0;
  await st.forEachBlock((j0, rows) => {
    assert.equal(j0, expectJ0);
    assert.equal(rows.length, st.n);
    const len = rows[0].length;
    assert.ok(len === st.blockLength || (len < st.blockLength && j0 + len === st.m), `block at ${j0} has length ${len}`);
    rows.forEach((r, i) => {
      assert.equal(r.length, len);
      out[i].set(r, j0);
    });
    expectJ0 += len;
  });
  assert.equal(expectJ0, st.m);
  return out;
}

function sameBits(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ba = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const bb = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!ba.equals(bb)) {
    const j = a.findIndex((v, k) => !Object.is(v, b[k]));
    assert.fail(`${what}: differs at ${j}: ${a[j]} vs ${b[j]}`);
  }
}

/** Stage `path` and check everything against readCsvFile; the temp dir is empty after close. */
async function checkSame(path: string, opts: StageOptions, label: string): Promise<{ ds: Dataset; st: StagedCsv }> {
  const dir = tempDir();
  try {
    const readOpts: ReadCsvOptions = { ...opts };
    const ds = await readCsvFile(path, readOpts);
    const st = await stageCsvFile(path, { ...opts, tempDir: dir });
    try {
      assert.equal(readdirSync(dir).length, 1, `${label}: one temp file while open`);
      assert.equal(statSync(st.tempPath).mode & 0o777, 0o600, `${label}: temp file mode`);
      assert.equal(st.n, ds.series.length, `${label}: n`);
      assert.equal(st.m, ds.time.length, `${label}: m`);
      assert.deepEqual(st.names, ds.names, `${label}: names`);
      assert.deepEqual(st.source, ds.source, `${label}: source`);
      sameBits(st.time, ds.time, `${label}: time`);
      assert.equal(st.stagedBytes, st.n * st.m * 8, `${label}: staged bytes`);
      if (opts.blockLength !== undefined) assert.equal(st.blockLength, Math.min(opts.blockLength, st.m));
      const got = await collect(st);
      got.forEach((s, i) => sameBits(s, ds.series[i], `${label}: series ${i}`));
      // A second pass gives the same blocks (buffers are reused, data is not consumed).
      const again = await collect(st);
      again.forEach((s, i) => sameBits(s, ds.series[i], `${label}: second pass, series ${i}`));
    } finally {
      await st.close();
      await st.close(); // idempotent
    }
    assert.deepEqual(readdirSync(dir), [], `${label}: temp dir empty after close`);
    return { ds, st };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeTemp(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('tidy files (header, time column, CRLF, trailing delimiters, quotes, blank lines) stage exactly, across chunk and block sizes', async () => {
  const dir = tempDir();
  try {
    const shapes: [string, Shape][] = [
      ['header+time', { n: 5, m: 300, header: true, time: true }],
      ['header no time', { n: 4, m: 120, header: true }],
      ['no header', { n: 3, m: 200 }],
      ['crlf', { n: 5, m: 150, header: true, time: true, eol: '\r\n' }],
      ['trailing', { n: 3, m: 100, header: true, time: true, trailing: true }],
      ['trailing crlf no header', { n: 3, m: 90, trailing: true, eol: '\r\n' }],
      ['quoted and spaced', { n: 4, m: 80, header: true, time: true, quoteEvery: 5 }],
      ['blank lines', { n: 3, m: 70, header: true, time: true, blankLines: true }],
      ['semicolon', { n: 3, m: 60, header: true, delim: ';' }],
      ['tab', { n: 3, m: 60, header: true, time: true, delim: '\t' }],
      ['one variable', { n: 1, m: 40, header: true, time: true }],
    ];
    for (const [name, shape] of shapes) {
      const path = writeTemp(dir, `${name.replace(/\W/g, '_')}.csv`, tidyText(shape));
      for (const opts of [{}, { chunkBytes: 64, blockLength: 7 }, { chunkBytes: 333, blockLength: 1 }, { chunkBytes: 1000, blockLength: 16 }]) {
        await checkSame(path, opts, `${name} ${JSON.stringify(opts)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seed files (one line per variable) stage exactly: auto and forced rows, CRLF, trailing, quotes', async () => {
  const dir = tempDir();
  try {
    const shapes: [string, Shape, StageOptions][] = [
      ['seed', { n: 3, m: 200 }, {}],
      ['seed forced', { n: 3, m: 200 }, { layout: 'rows' }],
      ['seed crlf trailing', { n: 4, m: 100, eol: '\r\n', trailing: true }, {}],
      ['seed quoted', { n: 3, m: 90, quoteEvery: 7 }, {}],
      ['seed blank lines', { n: 5, m: 50, blankLines: true }, {}],
      ['seed one variable', { n: 1, m: 30 }, {}],
      ['seed read as columns', { n: 40, m: 30 }, { layout: 'columns' }],
    ];
    for (const [name, shape, base] of shapes) {
      const path = writeTemp(dir, `${name.replace(/\W/g, '_')}.csv`, seedText(shape));
      for (const opts of [{}, { chunkBytes: 64, blockLength: 7 }, { chunkBytes: 500, blockLength: 3 }, { dt: 0.25, blockLength: 1000 }]) {
        await checkSame(path, { ...base, ...opts }, `${name} ${JSON.stringify(opts)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The layout the engine guessed at detection (before the end-of-file check). */
async function guessedLayout(path: string): Promise<string> {
  let guess = '';
  const sink: CsvSink = {
    begin: (shape) => {
      assert.equal(shape.autoOrient, true);
      guess = shape.layout;
      return 64;
    },
    columns: () => undefined,
    line: () => undefined,
    anyVarying: () => true,
    timeColumn: () => new Float64Array(0),
    flush: async () => undefined,
  };
  await scanCsvFile(path, {}, sink);
  return guess;
}

test('auto orientation guessed wrong from the sampled lines: staged data is read the other way round', async () => {
  const dir = tempDir();
  try {
    // 100 lines × 60 values; the first 50 (the sample) long, the rest short: the guess says 55 lines
    // (fewer than 60 values, so lines = variables) but there are 100 lines, so lines are time steps.
    const long = (i: number, j: number): string => (Math.sin(i + j * 0.1) * 1e-3 + 0.1234567890123).toPrecision(17);
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) lines.push(Array.from({ length: 60 }, (_, j) => (i < 50 ? long(i, j) : String((i * j) % 7))).join(','));
    const rowsGuess = writeTemp(dir, 'rows-guess.csv', lines.join('\n') + '\n');
    // 60 lines × 200 values; the first 50 short, the last 10 long (values padded with spaces): the guess
    // says well over 200 lines (columns = variables) but there are 60, so lines are variables.
    const lines2: string[] = [];
    for (let i = 0; i < 60; i++) {
      lines2.push(Array.from({ length: 200 }, (_, j) => (i < 50 ? String((i + j) % 5) : ' '.repeat(40) + long(i, j))).join(','));
    }
    const colsGuess = writeTemp(dir, 'cols-guess.csv', lines2.join('\n') + '\n');
    // The engine's first guess really is the wrong one for both files.
    assert.equal(await guessedLayout(rowsGuess), 'rows');
    assert.equal(await guessedLayout(colsGuess), 'columns');
    for (const opts of [{}, { blockLength: 7 }, { blockLength: 7, chunkBytes: 100, blockBytes: 8 * 200 * 3 }, { blockLength: 1 }]) {
      const a = await checkSame(rowsGuess, opts, `rows guessed ${JSON.stringify(opts)}`);
      assert.equal(a.ds.source.layout, 'columns');
      assert.equal(a.st.n, 60);
      const b = await checkSame(colsGuess, opts, `columns guessed ${JSON.stringify(opts)}`);
      assert.equal(b.ds.source.layout, 'rows');
      assert.equal(b.st.n, 60);
    }
    // Staging in small tiles (blockLength 7 sets the tile size too): the reversed read crosses tiles.
    await checkSame(colsGuess, { blockLength: 7, layout: 'auto' }, 'columns guessed, 7-line tiles');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auto orientation reversed: all-constant and too-few-steps checks use the final orientation', async () => {
  const dir = tempDir();
  try {
    // Each line constant but lines differ: constant as lines = variables, varying as columns = variables.
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) lines.push(Array.from({ length: 60 }, () => (i < 50 ? '0.12345678901234567' : String(i % 3))).join(','));
    const path = writeTemp(dir, 'const-lines.csv', lines.join('\n') + '\n');
    await checkSame(path, {}, 'constant lines, reversed to columns');
    const forcedRows = readCsvFile(path, { layout: 'rows' });
    await assert.rejects(forcedRows, /every variable is constant \(100 variables\)/);
    await assert.rejects(stageCsvFile(path, { layout: 'rows', tempDir: dir }), /every variable is constant \(100 variables\)/);
    assert.deepEqual(readdirSync(dir).sort(), ['const-lines.csv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('large tiles and long lines (written without copying, tiles reused after their write)', async () => {
  const dir = tempDir();
  try {
    const tidy = writeTemp(dir, 'big-tidy.csv', tidyText({ n: 200, m: 3000, header: true, time: true }));
    // 200 × 1310 × 8 ≈ 2 MiB tiles: several tiles, each written as is.
    await checkSame(tidy, { blockBytes: 2 << 20, chunkBytes: 256 << 10 }, 'big tidy, 2 MiB tiles');
    await checkSame(tidy, {}, 'big tidy, default');
    // Lines of 140000 values (> 1 MiB of float64 each).
    const seed = writeTemp(dir, 'long-seed.csv', seedText({ n: 3, m: 140_000 }));
    await checkSame(seed, { blockLength: 50_000 }, 'long seed lines');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Expected {
  expect: 'ok' | 'error';
  extras?: string[];
  /** Staging refuses it before reaching its error or outcome (extras found at detection). */
  stagingRefused?: boolean;
}

test('every bad-input fixture: the same message (or the same data) as readCsvFile, and no temp file left', async () => {
  const manifest = JSON.parse(readFileSync(join(badDir, 'expected.json'), 'utf8')) as Record<string, Expected>;
  assert.ok(Object.keys(manifest).length >= 60);
  const dir = tempDir();
  try {
    for (const [file, exp] of Object.entries(manifest)) {
      const path = join(badDir, file);
      for (const chunkBytes of [undefined, 64]) {
        const opts: StageOptions = { displayName: file, chunkBytes, blockLength: 7 };
        if ((exp.expect === 'ok' && (exp.extras ?? []).length > 0) || exp.stagingRefused) {
          // comments, units, index, dates, decimal commas, gaps: refused with a clear message, not dropped
          await assert.rejects(stageCsvFile(path, { ...opts, tempDir: dir }), (e: unknown) => e instanceof InputError && e.message.includes('the streaming pipeline cannot keep'));
          assert.deepEqual(readdirSync(dir), [], `${file}: temp dir empty after the refusal`);
          continue;
        }
        if (exp.expect === 'ok') {
          await checkSame(path, opts, file);
          continue;
        }
        const want = await readCsvFile(path, opts).then(
          () => assert.fail(`${file}: readCsvFile should fail`),
          (e: unknown) => e as Error,
        );
        await assert.rejects(stageCsvFile(path, { ...opts, tempDir: dir }), (e: unknown) => {
          assert.ok(e instanceof InputError, `${file}: expected InputError, got ${String(e)}`);
          assert.equal(e.message, want.message, file);
          return true;
        });
        assert.deepEqual(readdirSync(dir), [], `${file}: temp dir empty after the error`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors found late in a long file: same message, temp file deleted (time order across drained blocks too)', async () => {
  const dir = tempDir();
  const work = tempDir();
  try {
    const good = tidyText({ n: 3, m: 2000, header: true, time: true }).split('\n');
    const cases: [string, (lines: string[]) => void][] = [
      // Time stamp equal to the previous row's exactly at a block boundary (row 7·k) and elsewhere.
      ['duplicate time at block boundary', (l) => (l[1 + 700] = l[1 + 699].replace(/^[^,]*/, l[1 + 699].split(',')[0]))],
      ['decreasing time', (l) => (l[1 + 1501] = '0.5,1,2,3')],
      ['not a number late', (l) => (l[1 + 1900] = l[1 + 1900].replace(/,[^,]*$/, ',abc'))],
      ['ragged late', (l) => (l[1 + 1234] = '99,1,2')],
      ['inf late', (l) => (l[1 + 1999] = l[1 + 1999].replace(/,[^,]*$/, ',Inf'))],
    ];
    for (const [name, edit] of cases) {
      const lines = good.slice();
      edit(lines);
      const path = writeTemp(work, `${name.replace(/\W/g, '_')}.csv`, lines.join('\n'));
      for (const opts of [{ blockLength: 7 }, { blockLength: 100, chunkBytes: 4096 }, {}] as StageOptions[]) {
        const want = await readCsvFile(path, opts).then(
          () => assert.fail(`${name}: readCsvFile should fail`),
          (e: unknown) => e as Error,
        );
        assert.ok(want instanceof InputError, name);
        await assert.rejects(stageCsvFile(path, { ...opts, tempDir: dir }), (e: unknown) => e instanceof InputError && e.message === want.message);
        assert.deepEqual(readdirSync(dir), [], `${name}: temp dir empty`);
      }
    }
    // Time stamps equal across each block boundary for every block length.
    const dupe = good.slice();
    dupe[1 + 1000] = dupe[1 + 999];
    const dupePath = writeTemp(work, 'dupe.csv', dupe.join('\n'));
    for (const blockLength of [1, 2, 3, 999, 1000, 1001]) {
      await assert.rejects(stageCsvFile(dupePath, { blockLength, tempDir: dir }), /dupe\.csv:1002:1: duplicate time stamp/);
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test('option errors and a missing file: same errors, nothing left in the temp dir', async () => {
  const dir = tempDir();
  try {
    const path = join(badDir, 'sixteen-steps.csv');
    await assert.rejects(stageCsvFile(path, { dt: -1, tempDir: dir }), OptionError);
    await assert.rejects(stageCsvFile(join(dir, 'missing.csv'), { tempDir: dir }), /ENOENT/);
    await assert.rejects(stageCsvFile(path, { blockLength: 0, tempDir: dir }), RangeError);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cancel while staging (signal aborted mid-file or before) deletes the temp file', async () => {
  const dir = tempDir();
  const work = tempDir();
  try {
    const path = writeTemp(work, 'c.csv', tidyText({ n: 4, m: 3000, header: true, time: true }));
    const ac = new AbortController();
    let reports = 0;
    const onProgress = (e: ProgressEvent): void => {
      if (e.fraction > 0.3 && ++reports === 1) ac.abort();
    };
    await assert.rejects(stageCsvFile(path, { chunkBytes: 4096, tempDir: dir }, onProgress, ac.signal), CancelledError);
    assert.ok(reports >= 1);
    assert.deepEqual(readdirSync(dir), []);
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(stageCsvFile(path, { tempDir: dir }, undefined, pre.signal), CancelledError);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test('forEachBlock: cancel and a throwing visitor stop the pass; an awaited visitor is awaited; close removes the file', async () => {
  const dir = tempDir();
  const work = tempDir();
  try {
    const path = writeTemp(work, 'f.csv', tidyText({ n: 3, m: 500, header: true, time: true }));
    const st = await stageCsvFile(path, { blockLength: 50, tempDir: dir });
    const ac = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      st.forEachBlock((j0) => {
        seen.push(j0);
        if (j0 === 100) ac.abort();
      }, ac.signal),
      CancelledError,
    );
    assert.deepEqual(seen, [0, 50, 100]);
    await assert.rejects(
      st.forEachBlock((j0) => {
        if (j0 === 200) throw new Error('visitor failed');
      }),
      /visitor failed/,
    );
    const order: string[] = [];
    await st.forEachBlock(async (j0) => {
      order.push(`start ${j0}`);
      await new Promise((r) => setTimeout(r, 1));
      order.push(`end ${j0}`);
    });
    for (let k = 0; k < 10; k++) assert.deepEqual(order.slice(2 * k, 2 * k + 2), [`start ${k * 50}`, `end ${k * 50}`]);
    assert.equal(readdirSync(dir).length, 1);
    await st.close();
    assert.deepEqual(readdirSync(dir), []);
    await assert.rejects(st.forEachBlock(() => undefined), /closed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test('onBytes sees every byte once, in order, and progress matches readCsvFile', async () => {
  const dir = tempDir();
  const work = tempDir();
  try {
    for (const text of [tidyText({ n: 3, m: 400, header: true, time: true, eol: '\r\n' }), seedText({ n: 3, m: 400 })]) {
      const path = writeTemp(work, 'b.csv', text);
      const parts: Buffer[] = [];
      const events: ProgressEvent[] = [];
      const st = await stageCsvFile(
        path,
        { chunkBytes: 1000, tempDir: dir, onBytes: (c) => parts.push(Buffer.from(c)) },
        (e) => events.push(e),
      );
      await st.close();
      assert.ok(Buffer.concat(parts).equals(readFileSync(path)));
      const want: ProgressEvent[] = [];
      await readCsvFile(path, { chunkBytes: 1000 }, (e) => want.push(e));
      assert.deepEqual(events, want);
      assert.equal(events[events.length - 1].fraction, 1);
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});
