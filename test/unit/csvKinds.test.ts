// The CSVs people actually have (issue 15): pandas index columns, ISO 8601 date-time time columns, missing
// values, comment lines and a units row, decimal commas. Each compresses and reconstructs to the same text,
// except data values, which move within the bound; both layouts where they apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compressFile, reconstructFile } from '../../src/core/api';
import { resolveCompressOptions } from '../../src/core/optionsResolve';
import { parseCsvBuffer } from '../../src/core/csv/read';
import { formatCsv } from '../../src/core/csv/write';
import { formatStamp, parseStamp, secondsSince, civilFromDays, daysFromCivil } from '../../src/core/csv/dates';
import { bridgeGaps } from '../../src/core/csv/missing';
import { avoidGaps, makeTestFunctions, supportRange } from '../../src/core/sindy/testFunctions';
import { readWsindyExtras } from '../../src/core/codec/decode';
import { readContainer } from '../../src/core/codec/container';
import { InputError } from '../../src/core/errors';

const samples = join(__dirname, '..', '..', 'samples');

/**
 * Compare a reconstruction with its source: same lines; on data lines the same cells, where a cell that
 * reads as a number in both may differ by `bound` (the time column `timeCol`: equal values), any other
 * cell (stamps, missing spellings, index) must be the same text. Lines before `dataFrom` must be equal.
 */
function assertSameText(src: string, out: string, opts: { bound: number; dataFrom: number; delim: string; comma?: boolean; timeCol?: number; indexCol?: number }): void {
  const a = src.split(/\r?\n/);
  const b = out.split(/\r?\n/);
  assert.equal(b.length, a.length, 'line count');
  assert.equal(/\r\n/.test(out), /\r\n/.test(src), 'line endings');
  const num = (t: string): number => (/^[+-]?\d*[.,]?\d+(e[+-]?\d+)?$/i.test(t.trim()) ? Number(opts.comma ? t.replace(',', '.') : t) : NaN);
  for (let i = 0; i < a.length; i++) {
    if (i < opts.dataFrom || a[i] === '') {
      assert.equal(b[i], a[i], `line ${i + 1}`);
      continue;
    }
    const ca = a[i].split(opts.delim);
    const cb = b[i].split(opts.delim);
    assert.equal(cb.length, ca.length, `line ${i + 1}: cells`);
    for (let j = 0; j < ca.length; j++) {
      const x = num(ca[j]);
      const y = num(cb[j]);
      if (j === opts.indexCol || !(x === x)) assert.equal(cb[j], ca[j], `line ${i + 1} cell ${j + 1}`);
      else if (j === opts.timeCol) assert.equal(y, x, `line ${i + 1}: time`);
      else assert.ok(Math.abs(y - x) <= opts.bound * (1 + 1e-12), `line ${i + 1} cell ${j + 1}: ${cb[j]} vs ${ca[j]} (bound ${opts.bound})`);
    }
  }
}

async function roundTrip(text: string, name: string, raw: Record<string, unknown> = {}): Promise<{ out: string; bound: number; equations: string[]; wsindy: Uint8Array }> {
  const dir = mkdtempSync(join(tmpdir(), 'wsindy-kinds-'));
  try {
    const csv = join(dir, name);
    writeFileSync(csv, text);
    const s = await compressFile(csv, join(dir, 'm.wsindy'), resolveCompressOptions({ streaming: 'off', ...raw }));
    await reconstructFile(join(dir, 'm.wsindy'), join(dir, 'out.csv'));
    return { out: readFileSync(join(dir, 'out.csv'), 'utf8'), bound: s.bound as number, equations: s.equations, wsindy: readFileSync(join(dir, 'm.wsindy')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('pandas DataFrame.to_csv() with its unnamed index: 2 variables, x\' = y, y\' = -x, index written back', async () => {
  const text = readFileSync(join(samples, 'pandas_index.csv'), 'utf8');
  assert.ok(text.startsWith(',x,y\n0,0.000000,1.000000\n'));
  const ds = parseCsvBuffer(Buffer.from(text), 'pandas_index.csv');
  assert.deepEqual(ds.names, ['x', 'y']);
  assert.deepEqual(ds.source.extras?.index, { column: 0, start: 0 });
  const r = await roundTrip(text, 'pandas_index.csv');
  assert.deepEqual(r.equations, ["x' = y", "y' = -x"]);
  assertSameText(text, r.out, { bound: r.bound, dataFrom: 1, delim: ',', indexCol: 0 });
});

test('a logger\'s ISO 8601 time column: the fit runs on seconds, the stamps come back character for character', async () => {
  const text = readFileSync(join(samples, 'logger_datetime.csv'), 'utf8');
  const ds = parseCsvBuffer(Buffer.from(text), 'logger_datetime.csv');
  assert.equal(ds.source.timeColumn, 0);
  assert.equal(ds.time[0], 0);
  assert.equal(ds.time[1], 10);
  assert.equal(ds.time[1999], 19990);
  assert.equal(ds.source.extras?.dates?.texts, undefined, 'one layout prints every stamp');
  const r = await roundTrip(text, 'logger_datetime.csv');
  assert.deepEqual(r.equations, ["x' = 0.01 y", "y' = -0.01 x"]);
  assertSameText(text, r.out, { bound: r.bound, dataFrom: 1, delim: ',' });
});

test('date-time stamps: T or space, fractions, Z and offsets, plain dates, a zone change; exact round trip', async () => {
  const layouts: ((j: number) => string)[] = [
    (j) => formatStamp(parseStamp('2024-02-28T23:59:58.125Z') as NonNullable<ReturnType<typeof parseStamp>>, j * 0.25),
    (j) => `2023-12-${String(1 + j).padStart(2, '0')}`,
    (j) => formatStamp(parseStamp('1999-12-31 23:00+05:30') as NonNullable<ReturnType<typeof parseStamp>>, j * 60),
    (j) => (j < 20 ? `2024-03-31T01:${String(j * 2).padStart(2, '0')}:00+01:00` : `2024-03-31T03:${String((j - 20) * 2).padStart(2, '0')}:00+02:00`),
  ];
  assert.equal(layouts[0](9), '2024-02-29T00:00:00.375Z');
  assert.equal(layouts[2](61), '2000-01-01 00:01+05:30');
  for (const stamp of layouts) {
    const rows = Array.from({ length: 30 }, (_, j) => `${stamp(j)};${Math.sin(j / 3)};${Math.cos(j / 5)}`);
    const text = 'when;a;b\n' + rows.join('\n') + '\n';
    const ds = parseCsvBuffer(Buffer.from(text), 'd.csv');
    assert.ok(ds.source.extras?.dates, stamp(0));
    for (let j = 1; j < 30; j++) assert.ok(ds.time[j] > ds.time[j - 1]);
    assert.equal(Buffer.from(await formatCsv(ds)).toString(), text, stamp(0));
  }
  // the zone change keeps every text; seconds are between instants (01:38+01:00 → 03:00+02:00 is 22 min)
  const dst = parseCsvBuffer(Buffer.from('t,x\n' + Array.from({ length: 30 }, (_, j) => `${layouts[3](j)},${j * j}`).join('\n')), 'dst.csv');
  assert.equal(dst.source.extras?.dates?.texts?.length, 30);
  assert.equal(dst.time[20] - dst.time[19], 22 * 60);
});

test('dates: calendar arithmetic against known days, and layouts that must not match', () => {
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(daysFromCivil(2000, 3, 1), 11017);
  assert.deepEqual(civilFromDays(19782), [2024, 2, 29]);
  for (let d = -800000; d < 800000; d += 997) assert.equal(daysFromCivil(...civilFromDays(d)), d);
  assert.equal(parseStamp('2023-02-29'), null);
  assert.equal(parseStamp('2024-01-01 24:00:00'), null);
  assert.equal(parseStamp('2024-01-01T10:00:60'), null);
  assert.equal(parseStamp('01/02/2024'), null);
  const a = parseStamp('2024-01-01 00:00:00.5') as NonNullable<ReturnType<typeof parseStamp>>;
  const b = parseStamp('2024-01-01 00:00:01.25') as NonNullable<ReturnType<typeof parseStamp>>;
  assert.deepEqual(secondsSince(a, b), { t: 0.75, sameLayout: false }); // 1 vs 2 fraction digits
});

test('missing values: NaN, nan, empty, NA, null kept with their spelling; bridged for the fit; bound on every present value', async () => {
  const text = readFileSync(join(samples, 'sensor_gaps.csv'), 'utf8');
  const ds = parseCsvBuffer(Buffer.from(text), 'sensor_gaps.csv');
  const mc = ds.source.extras?.missing;
  assert.ok(mc && mc.cells.length >= 12);
  for (const w of ['NaN', 'nan', '', 'NA', 'null']) assert.ok(mc.spellings.includes(w), w);
  const r = await roundTrip(text, 'sensor_gaps.csv');
  assert.deepEqual(r.equations, ["x' = y", "y' = -x - 0.1 y"]);
  assertSameText(text, r.out, { bound: r.bound, dataFrom: 1, delim: ',', timeCol: 0 });
});

test('bridging: linear between present neighbours, nearest value at the ends', () => {
  const time = Float64Array.of(0, 1, 2, 4, 5);
  const s = [Float64Array.of(NaN, 2, NaN, 8, NaN), Float64Array.of(1, 1, 1, 1, 1)];
  assert.equal(bridgeGaps(s, time, Float64Array.of(0, 2, 4)), -1);
  assert.deepEqual(Array.from(s[0]), [2, 2, 4, 8, 8]);
  assert.equal(bridgeGaps([new Float64Array(5)], time, Float64Array.of(0, 1, 2, 3, 4)), 0);
});

test('the fit drops exactly the test functions whose support touches a gap', () => {
  const time = Float64Array.from({ length: 200 }, (_, j) => j * 0.1);
  const tf = makeTestFunctions(time, 40, 1.05, 4);
  const gaps = new Uint8Array(200);
  gaps[77] = 1;
  const kept = avoidGaps(tf, time, gaps);
  assert.ok(kept.centres.length < 40 && kept.centres.length >= 30);
  assert.equal(kept.spec.count, kept.centres.length);
  for (let k = 0; k < kept.centres.length; k++) {
    const [i0, i1] = supportRange(kept, k, time);
    assert.ok(i1 + 1 < 77 || i0 - 1 > 77, `support [${i0}, ${i1}] touches step 77`);
  }
  const dropped = Array.from(tf.centres).filter((c) => !kept.centres.includes(c));
  for (const c of dropped) assert.ok(Math.abs(c - 7.7) <= 1.05 + 0.1 + 1e-9, `centre ${c} dropped without cause`);
  assert.equal(avoidGaps(tf, time, new Uint8Array(200)), tf);
});

test('a mostly missing file, a variable with no values and too many gaps to fit get clear messages', async () => {
  const many = 't,x,y\n' + Array.from({ length: 40 }, (_, j) => `${j},${j % 3 ? 'NaN' : j},${j % 2 ? '' : j * j}`).join('\n') + '\n';
  assert.throws(() => parseCsvBuffer(Buffer.from(many), 'many.csv'), (e: unknown) => e instanceof InputError && /^many\.csv: 46 of 80 values are missing \(57\.5 %\): too little is left to fit/.test(e.message));
  const none = 't,x,y\n' + Array.from({ length: 40 }, (_, j) => `${j},${j * j},null`).join('\n') + '\n';
  assert.throws(() => parseCsvBuffer(Buffer.from(none), 'none.csv'), /none\.csv: variable "y" has no values: every one of its 40 cells is missing/);
  // every few steps a gap: under half missing, but no test function avoids them all
  const sparse = 't,x,y\n' + Array.from({ length: 400 }, (_, j) => `${j / 10},${j % 9 === 4 ? 'NA' : Math.sin(j / 10)},${Math.cos(j / 10)}`).join('\n') + '\n';
  await assert.rejects(roundTrip(sparse, 'sparse.csv'), /too many gaps to fit: only \d+ of \d+ test functions avoid the missing values/);
});

test('comment lines and a units row are written back verbatim (both layouts); a custom prefix', async () => {
  const text = readFileSync(join(samples, 'instrument_comments.csv'), 'utf8');
  const ds = parseCsvBuffer(Buffer.from(text), 'instrument_comments.csv');
  assert.equal(ds.source.extras?.units, 's,m,m/s');
  assert.deepEqual(ds.names, ['position', 'velocity']);
  const r = await roundTrip(text, 'instrument_comments.csv');
  assert.deepEqual(r.equations, ["position' = velocity", "velocity' = -4 position - 0.2 velocity"]);
  assertSameText(text, r.out, { bound: r.bound, dataFrom: 4, delim: ',', timeCol: 0 });
  // rows layout (one line per variable) with a preamble and gaps
  const rows = '%% simulation 3\n\n%% seed 42\n' + [0, 1, 2].map((i) => Array.from({ length: 300 }, (_, j) => (i === 1 && j % 50 === 7 ? 'NaN' : String(Math.round(1e6 * Math.sin(j / 20 + i)) / 1e6))).join(',')).join('\n') + '\n';
  assert.throws(() => parseCsvBuffer(Buffer.from(rows), 'rows.csv'), InputError, 'without the prefix the comment is data');
  const seed = parseCsvBuffer(Buffer.from(rows), 'rows.csv', { commentPrefix: '%%' });
  assert.equal(seed.source.layout, 'rows');
  assert.equal(seed.source.extras?.preamble, '%% simulation 3\n\n%% seed 42\n');
  assert.equal(seed.source.extras?.missing?.cells.length, 6);
  const rr = await roundTrip(rows, 'rows.csv', { commentPrefix: '%%' });
  assertSameText(rows, rr.out, { bound: rr.bound, dataFrom: 3, delim: ',' });
});

test('decimal commas with ; or tab: read and written back the same way; --decimal forces or refuses them', async () => {
  const text = readFileSync(join(samples, 'locale_decimal_comma.csv'), 'utf8');
  const ds = parseCsvBuffer(Buffer.from(text), 'locale_decimal_comma.csv');
  assert.equal(ds.source.delimiter, ';');
  assert.equal(ds.series[0][1], 1.018779);
  assert.equal(ds.time[1], 0.01);
  const r = await roundTrip(text, 'locale_decimal_comma.csv');
  assert.deepEqual(r.equations, ["x' = -0.1 x + 2 y", "y' = -2 x - 0.1 y"]);
  assertSameText(text, r.out, { bound: r.bound, dataFrom: 1, delim: ';', comma: true, timeCol: 0 });
  assert.match(r.out.split('\r\n')[5], /^0,04;\d,\d{4};\d,\d{4}$/);
  // tab-separated rows layout with gaps
  const rows = [0, 1].map((i) => Array.from({ length: 200 }, (_, j) => (i === 0 && j === 9 ? '' : (Math.round(1e4 * Math.cos(j / 15 + i)) / 1e4).toString().replace('.', ','))).join('\t')).join('\n') + '\n';
  const rr = await roundTrip(rows, 'tabs.csv');
  assertSameText(rows, rr.out, { bound: rr.bound, dataFrom: 0, delim: '\t', comma: true });
  // integers only: nothing to detect; --decimal , reads them the same, and '.' refuses commas
  assert.throws(() => parseCsvBuffer(Buffer.from(text), 'x.csv', { decimal: '.' }), /x.csv:2:1: not a number: "0,00" \(pass --decimal , \(setting wsindy\.decimal\) to read decimal commas\)/);
  assert.throws(() => parseCsvBuffer(Buffer.from('t,x\n1,2\n'), 'c.csv', { decimal: ',' }), /a decimal comma needs ';' or tab/);
});

test('a plain CSV has no SRCX section; a file with extras has one, and old readers of the container see its tag', async () => {
  const plain = 't,x,y\n' + Array.from({ length: 300 }, (_, j) => `${j / 10},${Math.sin(j / 10)},${Math.cos(j / 10)}`).join('\n') + '\n';
  const a = await roundTrip(plain, 'plain.csv');
  assert.equal(readContainer(a.wsindy).sections.has('SRCX'), false);
  assert.equal(readWsindyExtras(a.wsindy), undefined);
  const b = await roundTrip('# note\n' + plain, 'note.csv');
  assert.equal(readContainer(b.wsindy).sections.has('SRCX'), true);
  assert.deepEqual(readWsindyExtras(b.wsindy), { preamble: '# note\n' });
  assert.equal(b.out, '# note\n' + a.out);
});

test('the streaming pipeline refuses what it cannot carry, with a clear message and nothing written', async () => {
  const text = readFileSync(join(samples, 'sensor_gaps.csv'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'wsindy-kinds-'));
  try {
    writeFileSync(join(dir, 'g.csv'), text);
    await assert.rejects(compressFile(join(dir, 'g.csv'), join(dir, 'g.wsindy'), resolveCompressOptions({ streaming: 'on' })), /the streaming pipeline cannot keep missing values \(line 52\) yet; compress this file without streaming/);
    assert.throws(() => readFileSync(join(dir, 'g.wsindy')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
