// Decimal output step: the encoder quantises with b' = b − b/16 and the writer prints every value rounded
// to a multiple of 10^k (10^k / 2 ≤ b/16). Checked on the written CSV text, parsed back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWsindy } from '../../src/core/codec/decode';
import { encodeWsindy } from '../../src/core/codec/encode';
import { exponentOfStep, outputExponent, printedValue, stepMultiple } from '../../src/core/csv/outputStep';
import { compressFile, reconstructFile } from '../../src/core/api';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { formatCsv } from '../../src/core/csv/write';
import { parseCsvBuffer } from '../../src/core/csv/read';
import type { Dataset } from '../../src/core/dataset';
import type { IdentifiedSystem, LibraryTerm } from '../../src/core/model';
import { mulberry32, uniformTime } from '../support/systems';

const dir = mkdtempSync(join(tmpdir(), 'wsindy-step-'));

/** Linear library with a constant and the given diagonal decay (zero: pure residual coding). */
function linearModel(r: number, decay: number): IdentifiedSystem {
  const terms: LibraryTerm[] = [{ kind: 'poly', powers: new Array<number>(r).fill(0) }];
  for (let i = 0; i < r; i++) terms.push({ kind: 'poly', powers: Array.from({ length: r }, (_, k) => (k === i ? 1 : 0)) });
  const coefficients = new Float64Array(terms.length * r);
  for (let i = 0; i < r; i++) coefficients[(1 + i) * r + i] = decay;
  return {
    model: { stateNames: Array.from({ length: r }, (_, i) => `a${i}`), library: { degree: 1, constant: true, trigFrequencies: [] }, terms, termNames: terms.map((_, k) => `t${k}`), coefficients },
    pod: null,
    diagnostics: { weakResidual: 0, r2: new Array<number>(r).fill(1), activeTerms: 0, threshold: 0, testFunctions: { count: 1, halfWidth: 1, exponent: 2 } },
  };
}

function dataset(series: Float64Array[], time: Float64Array): Dataset {
  const names = series.map((_, i) => `v${i}`);
  return { names, series, time, source: { layout: 'columns', delimiter: ',', header: ['t', ...names], timeColumn: 0, lineEnding: '\n' } };
}

type Kind = 'walk' | 'offset' | 'negative' | 'tiny' | 'wave';
function makeSeries(kind: Kind, n: number, m: number, seed: number): Float64Array[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const s = new Float64Array(m);
    let w = 0;
    for (let j = 0; j < m; j++) {
      w += rnd() - 0.5;
      switch (kind) {
        case 'walk': s[j] = w; break;
        case 'offset': s[j] = 1e6 + Math.sin(0.05 * j + i) + 0.01 * w; break;
        case 'negative': s[j] = -1000 - 50 * Math.abs(Math.cos(0.03 * j * (i + 1))) - w; break;
        case 'tiny': s[j] = 1e-8 * Math.sin(0.1 * j + i) + 1e-10 * w; break;
        case 'wave': s[j] = Math.sin(0.02 * j + 0.7 * i) * 3.7; break;
      }
    }
    return s;
  });
}

/** Encode, decode, write the CSV text, parse it back; every cell within the bound, time exact. */
async function checkText(series: Float64Array[], opts: { tolerance: number; absError?: number }, label: string): Promise<{ step: number | undefined; bytes: number }> {
  const m = series[0].length;
  const time = uniformTime(m, 0.004);
  const ds = dataset(series, time);
  const res = encodeWsindy({ dataset: ds, system: linearModel(series.length, -0.1), mode: 'error-bounded', tolerance: opts.tolerance, absError: opts.absError, source: { fileName: 'x.csv', bytes: 1, crc32: 0 }, settings: {} });
  const bound = res.bound ?? NaN;
  const dec = decodeWsindy(res.bytes);
  const text = await formatCsv(dec.dataset);
  const back = parseCsvBuffer(Buffer.from(text), label);
  assert.deepEqual(Array.from(back.time), Array.from(time), `${label}: time column`);
  let maxErr = 0;
  for (let i = 0; i < series.length; i++) {
    for (let j = 0; j < m; j++) {
      const err = Math.abs(back.series[i][j] - series[i][j]);
      if (!(err <= bound)) assert.fail(`${label}: |printed − x| = ${err} > ${bound} at (${i}, ${j})`);
      if (err > maxErr) maxErr = err;
    }
  }
  assert.equal(res.maxError, maxErr, `${label}: stored max error is that of the printed values`);
  return { step: dec.header.outputStep, bytes: text.length };
}

test('the printed CSV text is within the bound on every cell (datasets × relative and absolute bounds)', async () => {
  const kinds: Kind[] = ['walk', 'offset', 'negative', 'tiny', 'wave'];
  for (const kind of kinds) {
    const series = makeSeries(kind, 3, 1500, 11);
    for (const tol of [1e-2, 1e-3, 1e-5]) {
      const { step } = await checkText(series, { tolerance: tol }, `${kind} tol ${tol}`);
      assert.ok(step !== undefined, `${kind} tol ${tol}: the file carries an output step`);
    }
    const abs = kind === 'tiny' ? 3e-11 : kind === 'offset' ? 0.08 : 0.005;
    await checkText(series, { tolerance: 1e-3, absError: abs }, `${kind} abs ${abs}`);
  }
});

test('bounds at a decade edge (δ = 10^k / 2 exactly, e.g. b = 0.08): still within the bound', async () => {
  const series = makeSeries('walk', 2, 3000, 5);
  for (const abs of [0.08, 0.8, 8e-5, 1.6e-3, 16]) await checkText(series, { tolerance: 0, absError: abs }, `abs ${abs}`);
});

test('no output step in model-only mode, at tolerance 0, or without room: full digits as before', async () => {
  const series = makeSeries('walk', 2, 300, 3);
  const time = uniformTime(300, 0.01);
  const base = { dataset: dataset(series, time), system: linearModel(2, -0.1), source: { fileName: 'x.csv', bytes: 1, crc32: 0 }, settings: {} };
  const lossless = decodeWsindy(encodeWsindy({ ...base, mode: 'error-bounded', tolerance: 0 }).bytes);
  assert.equal(lossless.header.outputStep, undefined);
  assert.equal(lossless.dataset.decimalStep, undefined);
  assert.deepEqual(lossless.dataset.series, series);
  const modelOnly = decodeWsindy(encodeWsindy({ ...base, mode: 'model-only', tolerance: 1e-3 }).bytes);
  assert.equal(modelOnly.header.outputStep, undefined);
  // a bound so small that 10^k would be below 1e-22: no step
  assert.equal(outputExponent(1e-30), null);
  const tinyAbs = decodeWsindy(encodeWsindy({ ...base, mode: 'error-bounded', tolerance: 0, absError: 1e-25 }).bytes);
  assert.equal(tinyAbs.header.outputStep, undefined);
});

test('outputExponent picks the largest 10^k with 10^k / 2 ≤ δ; printedValue is what the text parses to', () => {
  assert.equal(outputExponent(0.005), -2);
  assert.equal(outputExponent(0.0049), -3);
  assert.equal(outputExponent(0.5), 0);
  assert.equal(outputExponent(4.9), 0);
  assert.equal(outputExponent(5), 1);
  assert.equal(exponentOfStep(0.001), -3);
  assert.equal(exponentOfStep(0.0011), null);
  assert.equal(exponentOfStep(1e23), null);
  assert.equal(stepMultiple(-7.999999819413574, -3), -8000);
  assert.equal(printedValue(-7.999999819413574, -3), -8);
  assert.equal(printedValue(1.23456, -2), 1.23);
  assert.equal(printedValue(5e15, -3), 5e15); // |N| ≥ 2^53: the value itself (shortest text)
});

test('the Lorenz sample reconstructs at 3 decimals, smaller than the source, within the bound', async () => {
  const model = join(dir, 'lorenz.wsindy');
  const out = join(dir, 'lorenz.csv');
  const c = await compressFile('samples/lorenz.csv', model, { ...DEFAULT_COMPRESS_OPTIONS, tolerance: 1e-3 });
  const r = await reconstructFile(model, out);
  const src = parseCsvBuffer(readFileSync('samples/lorenz.csv'), 'src');
  const rec = parseCsvBuffer(readFileSync(out), 'rec');
  assert.ok(r.bytesWritten < readFileSync('samples/lorenz.csv').length, `${r.bytesWritten} bytes`);
  assert.equal(readFileSync(out, 'utf8').split('\n')[1], '0,-8.000,7.000,27.000');
  assert.deepEqual(Array.from(rec.time), Array.from(src.time));
  const bound = c.bound ?? NaN;
  for (let i = 0; i < 3; i++) for (let j = 0; j < src.time.length; j++) assert.ok(Math.abs(rec.series[i][j] - src.series[i][j]) <= bound);
});

test('v1 header: a bad outputStep is rejected with a clear message; an unknown field is ignored', async () => {
  // rebuild a v1 golden file's header with edited JSON through the v1 writer
  const { readContainer, writeContainer } = await import('../../src/core/codec/container');
  const { readHeaderJson, writeHeaderJson } = await import('../../src/core/codec/header');
  const { ByteReader } = await import('../../src/core/codec/bytes');
  const bytes = new Uint8Array(readFileSync(new URL('../fixtures/golden/lorenz-3x1000.v1.wsindy', `file://${__dirname}/`)));
  const { sections } = readContainer(bytes);
  const order = ['HEAD', 'MODL', 'TIME', 'WIND', 'RESI', 'UNPR', 'CHEK'] as const;
  const rebuild = (edit: (h: Record<string, unknown>) => void): Uint8Array => {
    const head = sections.get('HEAD');
    assert.ok(head);
    const json = readHeaderJson(new ByteReader(head.payload, 'header', 0)) as unknown as Record<string, unknown>;
    edit(json);
    return writeContainer(order.map((tag) => ({ tag, payload: tag === 'HEAD' ? writeHeaderJson(json as never) : (sections.get(tag)?.payload ?? new Uint8Array(0)) })));
  };
  const original = decodeWsindy(bytes).header.outputStep;
  assert.ok(original !== undefined);
  assert.equal(decodeWsindy(rebuild(() => undefined)).header.outputStep, original);
  assert.ok(decodeWsindy(rebuild((h) => { h.futureField = { x: 1 }; })).dataset.series.length === 3);
  assert.throws(() => decodeWsindy(rebuild((h) => { h.outputStep = 0.003; })), /outputStep = 0.003 is not a power of ten/);
  assert.throws(() => decodeWsindy(rebuild((h) => { h.outputStep = 'x'; })), /outputStep is not a number/);
  // a step too coarse for the room between the header bound and the residual's
  assert.throws(() => decodeWsindy(rebuild((h) => { h.outputStep = 1e6; })), /residual bound does not match the header/);
  // the field removed: the residual bound no longer equals the header's
  assert.throws(() => decodeWsindy(rebuild((h) => { delete h.outputStep; })), /residual bound does not match the header/);
});
