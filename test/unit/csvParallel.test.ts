// Parallel CSV reading: the same Dataset bit for bit and the same errors as readCsvFile, with the pieces
// forced on small files (tiny pieces put the borders everywhere), parsed here and in a worker or only
// in workers; the CRC of the file; cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { readCsvFile } from '../../src/core/csv/read';
import { crc32Combine, csvParallelStats, readCsvFileParallel, type ParallelCsvOptions } from '../../src/core/csv/readParallel';
import type { Dataset } from '../../src/core/dataset';
import { CancelledError } from '../../src/core/errors';

let rereads = 0;
let parallelRuns = 0;
const dir = mkdtempSync(join(tmpdir(), 'wsindy-csvpar-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function write(text: string): string {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** Forced parallel: every file size, tiny pieces; main thread and worker, or workers only. */
const forced = (pieceBytes: number, mainParses = true, threads = 2): ParallelCsvOptions => ({
  parallelAboveBytes: 0,
  pieceBytes,
  threads,
  mainParses,
});

function bytesOf(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function assertSameDataset(a: Dataset, b: Dataset, what: string): void {
  assert.deepEqual(b.names, a.names, what);
  assert.deepEqual(b.source, a.source, what);
  assert.equal(b.series.length, a.series.length, what);
  for (let i = 0; i < a.series.length; i++) assert.ok(bytesOf(b.series[i]).equals(bytesOf(a.series[i])), `${what}: series ${i}`);
  assert.ok(bytesOf(b.time).equals(bytesOf(a.time)), `${what}: time`);
}

/** readCsvFile's outcome: the Dataset or the error message. */
async function outcome(run: () => Promise<Dataset>): Promise<Dataset | string> {
  try {
    return await run();
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

/**
 * The parallel reader under several piece sizes and thread setups gives readCsvFile's outcome; returns it.
 * Unless `reread`, the outcome must come from the pieces (no second read with readCsvFile).
 */
async function assertSameAsSequential(
  path: string,
  opts: ParallelCsvOptions = {},
  pieceSizes = [1, 17, 64, 333, 4096],
  reread = false,
): Promise<Dataset | string> {
  const ref = await outcome(() => readCsvFile(path, opts));
  const before = { ...csvParallelStats };
  for (const pb of pieceSizes) {
    for (const [mainParses, threads] of [
      [true, 2],
      [false, 2],
      [true, 3],
    ] as const) {
      const what = `${path} pieces ${pb} main ${mainParses} threads ${threads}`;
      const got = await outcome(() => readCsvFileParallel(path, { ...opts, ...forced(pb, mainParses, threads) }));
      if (typeof ref === 'string') assert.equal(got, ref, what);
      else {
        assert.notEqual(typeof got, 'string', `${what}: ${String(got)}`);
        assertSameDataset(ref, got as Dataset, what);
      }
    }
  }
  if (!reread) assert.equal(csvParallelStats.reread, before.reread, `${path}: read again with readCsvFile`);
  rereads += csvParallelStats.reread - before.reread;
  parallelRuns += csvParallelStats.parallel - before.parallel;
  return ref;
}

/** Awkward numbers: long significands, exponents, negative zero, tiny values. */
function cell(i: number, j: number): string {
  const k = (i * 31 + j * 7) % 9;
  const x = Math.sin(j * 0.05 + i) * (1 + i);
  if (k === 0) return String(x);
  if (k === 1) return x.toExponential(12);
  if (k === 2) return x.toFixed(3);
  if (k === 3) return (x * 1e-300).toString();
  if (k === 4) return j % 2 ? '-0' : '0';
  if (k === 5) return (x * 1e20).toPrecision(19);
  return x.toPrecision(17);
}

function tidy(m: number, n: number, o: { header?: boolean; time?: boolean; eol?: string; quote?: boolean; blank?: boolean; trailing?: boolean } = {}): string {
  const eol = o.eol ?? '\n';
  const lines: string[] = [];
  if (o.header !== false) lines.push([...(o.time ? ['time'] : []), ...Array.from({ length: n }, (_, i) => `v${i}`)].join(','));
  for (let j = 0; j < m; j++) {
    const cells = Array.from({ length: n }, (_, i) => (o.quote && (i + j) % 5 === 0 ? `"${cell(i, j)}"` : cell(i, j)));
    if (o.time) cells.unshift(String(j * 0.125 + 1));
    lines.push(cells.join(',') + (o.trailing ? ',' : ''));
    if (o.blank && j % 37 === 5) lines.push('');
  }
  return lines.join(eol) + eol;
}

function seed(n: number, m: number, o: { eol?: string; last?: boolean } = {}): string {
  const eol = o.eol ?? '\n';
  const lines = Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => cell(i, j)).join(','));
  return lines.join(eol) + (o.last === false ? '' : eol);
}

test('crc32Combine matches zlib.crc32 of the concatenation', () => {
  const a = Buffer.from('The quick brown fox ');
  const b = Buffer.from('jumps over the lazy dog, 1234567890'.repeat(37));
  assert.equal(crc32Combine(crc32(a), crc32(b), b.length), crc32(Buffer.concat([a, b])));
  assert.equal(crc32Combine(crc32(a), 0, 0), crc32(a));
  assert.equal(crc32Combine(0, crc32(b), b.length), crc32(b));
});

test('columns layout: header, time column, quotes, blank lines, trailing delimiters, CRLF', async () => {
  const cases: [string, string][] = [
    ['plain', tidy(300, 5)],
    ['time', tidy(300, 4, { time: true })],
    ['no header', tidy(200, 3, { header: false })],
    ['crlf quoted', tidy(250, 4, { time: true, eol: '\r\n', quote: true })],
    ['blank lines trailing', tidy(250, 3, { time: true, blank: true, trailing: true })],
    ['no final eol', tidy(100, 3, { time: true }).trimEnd()],
  ];
  const before = { ...csvParallelStats };
  for (const [name, text] of cases) {
    const ref = await assertSameAsSequential(write(text));
    assert.notEqual(typeof ref, 'string', `${name}: ${String(ref)}`);
  }
  // Small reads: lines carried over between chunks inside a piece.
  await assertSameAsSequential(write(cases[4][1]), { chunkBytes: 64 }, [100, 3000]);
  // Every read went through the pieces, and workers parsed some of them.
  assert.equal(csvParallelStats.parallel - before.parallel, cases.length * 15 + 6);
  assert.ok(csvParallelStats.workerPieces - before.workerPieces > 1000);
});

test('extras in pieces: comments, units, index, decimal commas and gaps parsed in pieces; date-times read on one thread', async () => {
  const body = (m: number, d: string, comma: boolean): string[] =>
    Array.from({ length: m }, (_, j) => [j, j * 0.5, Math.sin(j / 7), Math.cos(j / 9)].map((x) => (comma ? String(x).replace('.', ',') : String(x))).join(d));
  const cases: string[] = [
    '# a comment\n#another\n\nt,x,y\ns,m,m\n' + body(300, ',', false).map((l) => l.replace(/^[^,]*,/, '')).join('\n') + '\n',
    ',t,x,y\n' + body(300, ',', false).join('\n') + '\n',
    'i;t;x;y\r\n' + body(300, ';', true).join('\r\n') + '\r\n',
  ];
  for (const text of cases) {
    const ref = await assertSameAsSequential(write(text), {}, [1, 64, 4096]);
    assert.ok(typeof ref !== 'string' && ref.source.extras, String(ref));
  }
  // missing cells in pieces, both layouts (their lines numbered across the pieces)
  const spell = ['NaN', '', 'NA', 'null', '"nan"'];
  const gaps = 't,x,y\n' + body(300, ',', false).map((l, j) => (j % 41 === 3 ? l.replace(/,[^,]*$/, `,${spell[j % 5]}`) : l).replace(/^[^,]*,/, '')).join('\n') + '\n';
  const seedGaps = Array.from({ length: 3 }, (_, i) => Array.from({ length: 400 }, (_, j) => ((i + j) % 37 === 5 ? spell[j % 5] : String(Math.sin(j / 9 + i)))).join(',')).join('\n') + '\n';
  for (const text of [gaps, seedGaps]) {
    const ref = await assertSameAsSequential(write(text), {}, [1, 64, 4096]);
    assert.ok(typeof ref !== 'string' && (ref.source.extras?.missing?.cells.length ?? 0) > 5, String(ref));
  }
  // date-time stamps: read on one thread (they are parsed in order from the first), same outcome
  const stamps = 'time,x\n' + Array.from({ length: 300 }, (_, j) => `2024-01-01T${String(Math.floor(j / 60)).padStart(2, '0')}:${String(j % 60).padStart(2, '0')}:00Z,${Math.sin(j)}`).join('\n') + '\n';
  const ref = await assertSameAsSequential(write(stamps), {}, [64, 4096], true);
  assert.ok(typeof ref !== 'string' && ref.source.extras?.dates, String(ref));
});

test('rows layout (one line per variable), auto and forced, LF and CRLF, with and without a final line ending', async () => {
  for (const text of [seed(12, 60), seed(5, 200, { eol: '\r\n' }), seed(7, 40, { last: false })]) {
    const path = write(text);
    const ref = await assertSameAsSequential(path);
    assert.equal((ref as Dataset).source.layout, 'rows');
    await assertSameAsSequential(path, { layout: 'rows' }, [1, 100]);
    await assertSameAsSequential(path, { layout: 'columns' }, [1, 100]);
  }
});

test('options pass through: dt, timeColumn, layout, displayName', async () => {
  const path = write(tidy(80, 3, { time: true }));
  await assertSameAsSequential(path, { timeColumn: 'v1', displayName: 'shown.csv' }, [50]);
  await assertSameAsSequential(write(tidy(80, 3)), { dt: 0.25 }, [50]);
  await assertSameAsSequential(path, { dt: -1 }, [50]);
  await assertSameAsSequential(path, { timeColumn: 'nope' }, [50]);
});

test('every fixture in test/fixtures/bad gives readCsvFile outcome (error message or Dataset)', async () => {
  const bad = join(__dirname, '..', 'fixtures', 'bad');
  const manifest = JSON.parse(readFileSync(join(bad, 'expected.json'), 'utf8')) as Record<string, unknown>;
  for (const file of Object.keys(manifest)) {
    await assertSameAsSequential(join(bad, file), { displayName: file }, [1, 5, 40], true);
  }
  console.log(`bad fixtures: ${parallelRuns} parallel reads, ${rereads} read again`);
});

test('errors after the first piece report their absolute line (cell errors, ragged rows, time order across borders)', async () => {
  const base = tidy(400, 3, { time: true }).split('\n');
  const mutate = (line: number, f: (s: string) => string): string => base.map((s, i) => (i === line - 1 ? f(s) : s)).join('\n');
  const cases: [string, number, number][] = [
    [mutate(317, (s) => s.replace(/,[^,]*$/, ',abc')), 317, 4],
    [mutate(250, (s) => s + ',5'), 250, 5],
    [mutate(300, (s) => s.replace(/^[^,]*/, '0')), 300, 1],
    [mutate(301, (s) => s.replace(/^[^,]*/, (t) => String(Number(t) - 0.125))), 301, 1],
    [mutate(200, (s) => s.replace(/^[^,]*,/, '"5",')), 200, 1],
    // Time out of order and a bad cell on the same row: the cell error comes first, as in readCsvFile.
    [mutate(222, (s) => s.replace(/^[^,]*/, '0').replace(/,[^,]*$/, ',x')), 222, 4],
  ];
  for (const [text, line, col] of cases) {
    const ref = await assertSameAsSequential(write(text), { displayName: 'e.csv' }, [1, 30, 64, 200, 999]);
    assert.equal(typeof ref, 'string');
    assert.ok((ref as string).includes(`e.csv:${line}:${col}: `), String(ref));
  }
  // Rows layout: a ragged or bad line after the first piece.
  const rows = seed(10, 50).split('\n');
  const rowsCases = [
    rows.map((s, i) => (i === 6 ? s + ',1' : s)).join('\n'),
    rows.map((s, i) => (i === 7 ? s.replace(/,[^,]*$/, '') : s)).join('\n'),
    rows.map((s, i) => (i === 8 ? s.replace(/,[^,]*,/, ',x,') : s)).join('\n'),
    rows.map((s, i) => (i === 0 ? s + ',1' : s)).join('\n'),
  ];
  for (const text of rowsCases) {
    const ref = await assertSameAsSequential(write(text), { displayName: 'r.csv' }, [1, 100, 500], true);
    assert.equal(typeof ref, 'string');
  }
});

test('too few steps, all-constant data and orientation at the end of the file', async () => {
  await assertSameAsSequential(write(tidy(15, 3, { time: true })), {}, [1, 20]);
  await assertSameAsSequential(write('a,b\n' + '1,2\n'.repeat(40)), {}, [1, 20]);
  await assertSameAsSequential(write('1,2,3\n'.repeat(5)), {}, [1, 3]);
  await assertSameAsSequential(write(Array.from({ length: 30 }, (_, j) => `${j},${j * 2}`).join('\n') + '\n\n\n'), {}, [1, 20]);
});

test('the CRC (onCrc32) is zlib.crc32 of the file; onBytes sees every byte once, in order', async () => {
  for (const text of [tidy(300, 4, { time: true, eol: '\r\n' }), seed(6, 100)]) {
    const path = write(text);
    const file = readFileSync(path);
    for (const pb of [1, 100, 100000]) {
      let crc = -1;
      const chunks: Buffer[] = [];
      await readCsvFileParallel(path, { ...forced(pb), onCrc32: (c) => (crc = c), onBytes: (b) => chunks.push(Buffer.from(b)) });
      assert.equal(crc, crc32(file));
      assert.ok(Buffer.concat(chunks).equals(file));
    }
  }
  // Below the threshold (readCsvFile) onCrc32 is served too.
  const path = write(tidy(50, 2));
  let crc = -1;
  await readCsvFileParallel(path, { onCrc32: (c) => (crc = c) });
  assert.equal(crc, crc32(readFileSync(path)));
});

test('progress ends at 1; cancel before and during the read throws CancelledError', async () => {
  const path = write(tidy(3000, 8, { time: true }));
  const fractions: number[] = [];
  await readCsvFileParallel(path, { ...forced(20000), chunkBytes: 4096 }, (e) => fractions.push(e.fraction));
  assert.equal(fractions[fractions.length - 1], 1);
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(readCsvFileParallel(path, forced(20000), undefined, pre.signal), CancelledError);
  for (const mainParses of [true, false]) {
    const ac = new AbortController();
    await assert.rejects(
      readCsvFileParallel(path, { ...forced(2000, mainParses), chunkBytes: 1024 }, (e) => e.fraction > 0 && ac.abort(), ac.signal),
      CancelledError,
    );
  }
  // The pool still works after an abort.
  assertSameDataset(await readCsvFile(path), await readCsvFileParallel(path, forced(5000)), 'after abort');
});
