// CSV writing: same layout, delimiter, line ending and header as the source; exact round trip; atomic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseCsvBuffer, readCsvFile } from '../../src/core/csv/read';
import { formatCsv, quoteCell, writeCsvFile } from '../../src/core/csv/write';
import { CancelledError, NumericalError } from '../../src/core/errors';
import type { Dataset } from '../../src/core/dataset';

function randomSeries(m: number, seed: number): Float64Array {
  const a = new Float64Array(m);
  let s = seed;
  for (let j = 0; j < m; j++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[j] = Math.sin(j * 0.07 + seed) * 10 ** ((s % 13) - 6) + s / 2147483648;
  }
  return a;
}

test('round trip: tidy with a time column in the middle, CRLF, semicolons and a quoted header', async () => {
  const text = '"a;b";Time;c\r\n' + Array.from({ length: 20 }, (_, j) => `${j * 1.5};${j * 0.1 + (j % 2) * 0.01};${-j}`).join('\r\n') + '\r\n';
  const ds = parseCsvBuffer(Buffer.from(text), 'in.csv');
  assert.equal(ds.source.timeColumn, 1);
  const out = Buffer.from(await formatCsv(ds)).toString('utf8');
  assert.equal(out, text);
});

test('round trip of random doubles is bit-exact in both layouts', async () => {
  const series = [randomSeries(500, 1), randomSeries(500, 2), randomSeries(500, 3)];
  series[1][7] = -0;
  series[2][9] = 1e300;
  series[2][10] = -1e-300;
  const time = new Float64Array(500).map((_, j) => j * 0.001 + j * j * 1e-7);
  for (const layout of ['rows', 'columns'] as const) {
    const ds: Dataset = {
      names: ['p', 'q', 'r'],
      series,
      time,
      source: layout === 'rows'
        ? { layout, delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' }
        : { layout, delimiter: '\t', header: ['p', 'q', 'r', 't'], timeColumn: 3, lineEnding: '\n' },
    };
    const back = parseCsvBuffer(await formatCsv(ds), 'x.csv');
    assert.equal(back.source.layout, layout);
    assert.deepEqual(back.series, series);
    assert.ok(Object.is(back.series[1][7], -0));
    if (layout === 'columns') assert.deepEqual(back.time, time);
  }
});

test('header cells that need quotes are quoted', () => {
  assert.equal(quoteCell('x', ','), 'x');
  assert.equal(quoteCell('a,b', ','), '"a,b"');
  assert.equal(quoteCell('say "hi"', ','), '"say ""hi"""');
  assert.equal(quoteCell(' pad', ','), '" pad"');
  assert.equal(quoteCell('a,b', ';'), 'a,b');
});

test('writeCsvFile writes atomically, reports bytes, and leaves nothing on cancel or bad data', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wsindy-w-'));
  try {
    const m = 200000;
    const ds: Dataset = {
      names: ['x', 'y'],
      series: [randomSeries(m, 5), randomSeries(m, 6)],
      time: new Float64Array(m).map((_, j) => j),
      source: { layout: 'columns', delimiter: ',', header: ['t', 'x', 'y'], timeColumn: 0, lineEnding: '\n' },
    };
    const path = join(tmp, 'out.csv');
    const fractions: number[] = [];
    const bytes = await writeCsvFile(path, ds, (e) => fractions.push(e.fraction));
    assert.equal(bytes, readFileSync(path).length);
    assert.equal(fractions[fractions.length - 1], 1);
    assert.ok(fractions.length <= 52);
    const back = await readCsvFile(path);
    assert.deepEqual(back.series, ds.series);

    writeFileSync(path, 'old contents');
    const ac = new AbortController();
    const p = writeCsvFile(path, ds, () => ac.abort(), ac.signal);
    await assert.rejects(p, CancelledError);
    assert.equal(readFileSync(path, 'utf8'), 'old contents');
    assert.deepEqual(readdirSync(tmp), ['out.csv']);

    ds.series[1][123] = Number.NaN;
    await assert.rejects(writeCsvFile(join(tmp, 'nan.csv'), ds), NumericalError);
    assert.equal(existsSync(join(tmp, 'nan.csv')), false);
    assert.deepEqual(readdirSync(tmp), ['out.csv']);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('decimal step: fixed decimals (or integers at 10^k, k ≥ 0), time column exact, both layouts', async () => {
  const time = Float64Array.of(0, 0.1, 0.30000000000000004);
  const series = [Float64Array.of(-7.999999819413574, -0.0004, 123.4567), Float64Array.of(1e6 + 0.12345, 5e15, -1e300)];
  const cols: Dataset = { names: ['x', 'y'], series, time, source: { layout: 'columns', delimiter: ';', header: ['t', 'x', 'y'], timeColumn: 0, lineEnding: '\r\n' }, decimalStep: 1e-3 };
  assert.equal(Buffer.from(await formatCsv(cols)).toString(), 't;x;y\r\n0;-8.000;1000000.123\r\n0.1;0.000;5000000000000000\r\n0.30000000000000004;123.457;-1e+300\r\n');
  const rows: Dataset = { ...cols, source: { layout: 'rows', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' }, decimalStep: 100 };
  assert.equal(Buffer.from(await formatCsv(rows)).toString(), '0,0,100\n1000000,5000000000000000,-1e+300\n');
  const tiny: Dataset = { ...rows, series: [Float64Array.of(1.5e-21, -2.5e-22, 0), Float64Array.of(0, 0, 0)], decimalStep: 1e-22 };
  assert.equal(Buffer.from(await formatCsv(tiny)).toString().split('\n')[0], '0.0000000000000000000015,-0.0000000000000000000002,0.0000000000000000000000');
  await assert.rejects(formatCsv({ ...rows, decimalStep: 0.003 }), /not a power of ten/);
});

test('decimal step: the cells are N = round(x·10^-k) with the point inserted, at every step 1e-9 … 1e3 (both digit paths, rows and columns layouts)', async () => {
  const { stepMultiple } = await import('../../src/core/csv/outputStep');
  let seed = 5;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let k = -9; k <= 3; k++) {
    const step = Number(`1e${k}`);
    // magnitudes from a tenth of a step to past 2^31 steps (the int32 path's edge) and 2^53 (exact text)
    const special = [0, -0, 0.5 * step, -0.5 * step, 1.5 * step, -2.5 * step, 2147483647 * step, -2147483647 * step, 2147483648 * step, -2147483649 * step, 2 ** 53 * step, -1e300];
    const values = Float64Array.from({ length: 3000 }, (_, j) => (j < special.length ? special[j] : (rand() - 0.5) * step * 10 ** (rand() * 12)));
    const time = Float64Array.from(values, (_, j) => j);
    const text = Buffer.from(await formatCsv({ names: ['x'], series: [values], time, source: { layout: 'rows', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' }, decimalStep: step })).toString();
    const rowCells = text.trimEnd().split(',');
    // the columns layout's own fill loop (the time column exact, the series fixed): the same cells
    const colText = Buffer.from(await formatCsv({ names: ['x'], series: [values], time, source: { layout: 'columns', delimiter: ',', header: ['t', 'x'], timeColumn: 0, lineEnding: '\n' }, decimalStep: step })).toString();
    const colLines = colText.trimEnd().split('\n').slice(1);
    assert.deepEqual(colLines.map((l) => l.split(',')[0]), Array.from(time, String), `k ${k}: time column exact`);
    for (const cells of [rowCells, colLines.map((l) => l.split(',')[1])]) values.forEach((x, j) => {
      const N = stepMultiple(x, k);
      if (N !== N) {
        assert.equal(Number(cells[j]), x, `k ${k}: ${x} written exactly`);
        return;
      }
      const digits = String(Math.abs(N));
      const dec = Math.max(0, -k);
      const padded = digits.padStart(dec + 1, '0');
      const body = dec > 0 ? `${padded.slice(0, padded.length - dec)}.${padded.slice(padded.length - dec)}` : N === 0 ? '0' : digits + '0'.repeat(k);
      assert.equal(cells[j], (N < 0 ? '-' : '') + body, `k ${k}: ${x}`);
    });
  }
});

test('decimal step: every printed cell parses back to within half a step (random magnitudes and steps)', async () => {
  for (let k = -22; k <= 22; k += 3) {
    const step = Number(`1e${k}`);
    const series = [randomSeries(2000, k + 40).map((v) => v * 10 ** (k + 3))];
    const time = Float64Array.from({ length: 2000 }, (_, j) => j);
    const text = await formatCsv({ names: ['x'], series, time, source: { layout: 'columns', delimiter: ',', header: ['t', 'x'], timeColumn: 0, lineEnding: '\n' }, decimalStep: step });
    const back = parseCsvBuffer(Buffer.from(text), 'fixed');
    for (let j = 0; j < 2000; j++) {
      const x = series[0][j];
      const err = Math.abs(back.series[0][j] - x);
      // 0.75 steps: the rounding of x·10^-k itself (see stepMultiple), plus the parse's last-bit rounding
      assert.ok(err <= 0.75 * step + Math.abs(x) * 2 ** -52, `k ${k}: ${x} → ${back.series[0][j]}`);
    }
  }
});
