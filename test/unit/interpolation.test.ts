import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWsindy } from '../../src/core/codec/decode';
import { encodeWsindy } from '../../src/core/codec/encode';
import { INTERP_CUBIC_1D, INTERP_IDS, INTERP_LINEAR_1D, INTERP_SMOOTH_1D, interpolateDecode, interpolateEncode, isTwoD, traverse } from '../../src/core/codec/interpolation';
import { encodeIntRows } from '../../src/core/codec/entropy';
import { readContainer } from '../../src/core/codec/container';
import { printedValue } from '../../src/core/csv/outputStep';
import type { Dataset } from '../../src/core/dataset';
import type { IdentifiedSystem } from '../../src/core/model';
import { mulberry32, uniformTime } from '../support/systems';

function grid(n: number, m: number, f: (i: number, j: number) => number): Float64Array[] {
  return Array.from({ length: n }, (_, i) => Float64Array.from({ length: m }, (_, j) => f(i, j)));
}

test('traverse visits every point exactly once, predicting only from points already visited', () => {
  for (const [n, m] of [[1, 1], [1, 2], [1, 7], [3, 10], [5, 5], [17, 33], [64, 3], [2, 100]]) {
    for (const id of INTERP_IDS) {
      const seen = grid(n, m, () => 0);
      // a visited point holds 1; every prediction is a combination of visited values, so it must be ≤ 1 when
      // all visited hold 1 and an unvisited neighbour (0) would pull it below (or above via extrapolation)
      const v = grid(n, m, () => NaN);
      traverse(v, m, id, (i, j, pred) => {
        assert.equal(seen[i][j], 0, `(${i}, ${j}) visited twice, id ${id}`);
        seen[i][j] = 1;
        assert.ok(i + j === 0 || (!isTwoD(id) && j === 0) ? pred === 0 : pred === 1, `prediction ${pred} at (${i}, ${j}), id ${id}: read an unvisited point`);
        v[i][j] = 1;
      });
      for (const row of seen) assert.ok(row.every((x) => x === 1), `n ${n} m ${m} id ${id}: a point not visited`);
    }
  }
});

test('closed forms: a linear ramp is predicted exactly by every predictor inside the grid, a cubic by the cubic one', () => {
  const n = 33;
  const m = 65;
  const step = 1e-3;
  const ramp = grid(n, m, (i, j) => 0.5 + 0.25 * j + 0.125 * i);
  for (const id of INTERP_IDS) {
    const k = grid(n, m, () => 0);
    const rhat = grid(n, m, () => 0);
    interpolateEncode(ramp, m, step, id, k, rhat);
    // only the first point(s) carry the value; the rest of a ramp is predicted to within the bins
    let nonzero = 0;
    for (const row of k) for (const q of row) if (q !== 0) nonzero++;
    assert.ok(nonzero <= (isTwoD(id) ? 8 : 4 * n), `id ${id}: ${nonzero} non-zero integers on a ramp`);
  }
  const cubic = grid(1, 257, (_i, j) => ((j - 100) / 64) ** 3);
  const k = grid(1, 257, () => 0);
  interpolateEncode(cubic, 257, 1e-6, 2, k, grid(1, 257, () => 0));
  // interior points with four neighbours are exact for a cubic: only the first levels and the ends code anything
  const nz = k[0].filter((q) => q !== 0).length;
  assert.ok(nz <= 24, `${nz} non-zero integers for a cubic`);
});

test('decode inverts encode exactly and every reconstructed value is within half a step (noise, steps, constant, huge)', () => {
  const kinds = ['noise', 'steps', 'constant', 'smooth', 'huge'] as const;
  fc.assert(
    fc.property(fc.constantFrom(...kinds), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 200 }), fc.constantFrom(...INTERP_IDS), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(1e-1, 1e-3, 1e-6), (kind, n, m, id, seed, step) => {
      const rnd = mulberry32(seed);
      const x = grid(n, m, (i, j) => {
        switch (kind) {
          case 'noise':
            return rnd() - 0.5;
          case 'steps':
            return Math.floor(j / 7 + i) % 2 === 0 ? 3 : -1e3;
          case 'constant':
            return 2.5;
          case 'smooth':
            return Math.sin(0.1 * j + 0.3 * i);
          default:
            return 1e8 * (rnd() - 0.5);
        }
      });
      const k = grid(n, m, () => 0);
      const rhat = grid(n, m, () => 0);
      interpolateEncode(x, m, step, id, k, rhat);
      const scale = Math.max(...x.map((row) => Math.max(...row.map(Math.abs))));
      const v = k.map((row) => row.slice());
      interpolateDecode(v, m, step, id);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          assert.ok(Number.isInteger(k[i][j]));
          assert.equal(Object.is(v[i][j], rhat[i][j]) || v[i][j] === rhat[i][j], true, 'decoder differs from encoder');
          // |x − r̂| ≤ step/2 up to the rounding of the prediction and of P + k·step (predictions stay within a
          // few times the data's magnitude); the file-level check stores any value past the bound exactly
          assert.ok(Math.abs(x[i][j] - rhat[i][j]) <= step / 2 + 64 * Number.EPSILON * scale, `|x − r̂| = ${Math.abs(x[i][j] - rhat[i][j])} at step ${step}`);
        }
      }
    }),
    { numRuns: 200, seed: 7 },
  );
});

function noModel(names: string[], degree = 1): IdentifiedSystem {
  return {
    model: { stateNames: names, library: { degree, constant: false, trigFrequencies: [] }, terms: [], termNames: [], coefficients: new Float64Array(0) },
    pod: null,
    diagnostics: { weakResidual: 1, r2: [], activeTerms: 0, threshold: 0, testFunctions: { count: 0, halfWidth: 0, exponent: 0 } },
  };
}

function roundTrip(series: Float64Array[], tolerance: number, absError?: number): { bytes: Uint8Array; maxErr: number; bound: number; version: number } {
  const m = series[0].length;
  const names = series.map((_, i) => `u${i}`);
  const dataset: Dataset = { names, series, time: uniformTime(m, 0.01), source: { layout: 'rows', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' } };
  const res = encodeWsindy({ dataset, system: noModel(names), mode: 'error-bounded', tolerance, absError, source: { fileName: 'f.csv', bytes: 1, crc32: 0 }, settings: {} });
  const dec = decodeWsindy(res.bytes);
  let maxErr = 0;
  series.forEach((s, i) => s.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - dec.dataset.series[i][j])))));
  return { bytes: res.bytes, maxErr, bound: res.bound ?? NaN, version: dec.header.formatVersion };
}

test('a smooth field is coded by an interpolation predictor, far smaller than with the integer transforms, bound held', () => {
  // a travelling Gaussian: smooth along both axes
  const field = grid(64, 400, (i, j) => Math.exp(-(((i / 64 - 0.2 - j / 800) / 0.1) ** 2)) + 0.1 * Math.sin(i / 9));
  const { bytes, maxErr, bound, version } = roundTrip(field, 1e-4);
  assert.ok(maxErr <= bound);
  assert.equal(version, 4);
  // the same data quantised and coded by the v1 integer transforms (what the file held before) is far larger
  const q = field.map((row) => row.map((v) => Math.round(v / (2 * bound)) + 0));
  const legacy = encodeIntRows(q).length;
  // (the whole file, header and all, against the integers alone)
  assert.ok(bytes.length < 0.6 * legacy, `file ${bytes.length} bytes, integer transforms alone ${legacy}`);
});

test('adversarial data (white noise, steps, constants, spikes) keep the bound through the no-model route', () => {
  const rnd = mulberry32(5);
  const cases = [
    grid(6, 300, () => rnd()),
    grid(6, 300, (i, j) => (j % 50 < 25 ? 1 : -1) * (i + 1)),
    grid(6, 300, () => 7),
    grid(6, 300, () => (rnd() < 0.02 ? 1e9 : rnd())),
  ];
  // more than 2^50 bins between neighbours: the integers are clipped, the values stored exactly
  const jumps = grid(3, 200, (i, j) => (j % 3 === 0 ? 1e9 * (i + 1) : -1e9));
  const clipped = roundTrip(jumps, 0, 1e-9);
  assert.ok(clipped.maxErr <= 1e-9);
  for (const c of cases) {
    for (const tol of [1e-2, 1e-4, 1e-7]) {
      const { maxErr, bound } = roundTrip(c, tol);
      assert.ok(maxErr <= bound, `max error ${maxErr} > ${bound}`);
    }
  }
});

test('a no-model file over many variables keeps a high-degree library without listing its terms (256 variables, degree 3)', () => {
  // the no-model route keeps the fit's library over all n variables: C(258, 3) = 2.8M terms, which the
  // header writer once built (to compare with the empty term list) and ran out of memory on (Allen–Cahn 256 × 500)
  const n = 256;
  const m = 40;
  const series = grid(n, m, (i, j) => Math.tanh(8 * Math.sin((2 * Math.PI * i) / n + j / 50)));
  const names = series.map((_, i) => `u${i}`);
  const dataset: Dataset = { names, series, time: uniformTime(m, 0.01), source: { layout: 'rows', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' } };
  const res = encodeWsindy({ dataset, system: noModel(names, 3), mode: 'error-bounded', tolerance: 1e-3, source: { fileName: 'f.csv', bytes: 1, crc32: 0 }, settings: {} });
  const dec = decodeWsindy(res.bytes);
  assert.equal(dec.header.library.degree, 3);
  assert.equal(dec.header.termNames.length, 0);
  let maxErr = 0;
  series.forEach((s, i) => s.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - dec.dataset.series[i][j])))));
  assert.ok(maxErr <= (res.bound ?? 0), `max error ${maxErr}`);
});

test('noise-like data in the no-model route: bins as wide as the output step allows (b − 10^k/2), printed values within b', () => {
  // b = 1.5e-3: the output step is 1e-4 (10^k/2 ≤ b/16); the rule's b′ = b − b/16 = 0.9375 b, this one 0.9667 b
  const rnd = mulberry32(11);
  const series = grid(16, 2000, (i, j) => Math.sin(i / 3 + j / 200) + 0.05 * (rnd() - 0.5));
  const absError = 1.5e-3;
  const m = series[0].length;
  const names = series.map((_, i) => `u${i}`);
  const dataset: Dataset = { names, series, time: uniformTime(m, 0.01), source: { layout: 'rows', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' } };
  const res = encodeWsindy({ dataset, system: noModel(names), mode: 'error-bounded', tolerance: 1e-3, absError, source: { fileName: 'f.csv', bytes: 1, crc32: 0 }, settings: {} });
  const resi = readContainer(res.bytes).sections.get('RESI');
  assert.ok(resi);
  const stored = new DataView(resi.payload.buffer, resi.payload.byteOffset).getFloat64(0, true);
  assert.equal(stored, absError - (1e-4 / 2) * (1 + 2 ** -10));
  const dec = decodeWsindy(res.bytes);
  assert.equal(dec.dataset.decimalStep, 1e-4);
  let worst = 0;
  series.forEach((s, i) => s.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - printedValue(dec.dataset.series[i][j], -4))))));
  assert.ok(worst <= absError, `printed error ${worst}`);
  assert.ok(worst > 0.95 * absError, `printed error ${worst}: the wider bins are used`);
});

test('the smoothing predictor (id 12): on a smooth signal with noise well above the bound it codes smaller than linear and cubic; on a clean one cubic stays ahead', () => {
  const rnd = mulberry32(31);
  const g = (): number => {
    // Box–Muller from the seeded uniform
    const u = Math.max(rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const m = 20000;
  const size = (x: Float64Array, step: number, id: number): number => {
    const k = [new Float64Array(m)];
    interpolateEncode([x], m, step, id, k, [new Float64Array(m)]);
    return encodeIntRows(k).length;
  };
  const signal = (noise: number): Float64Array => Float64Array.from({ length: m }, (_, j) => Math.sin((2 * Math.PI * j) / 2400) + 1e-4 * j + noise * g());
  const step = 2 * 1e-3 * 2.1; // 2b at 1e-3 of the range
  for (const noise of [0.02, 0.005]) {
    const x = signal(noise);
    const [lin, cub, smooth] = [INTERP_LINEAR_1D, INTERP_CUBIC_1D, INTERP_SMOOTH_1D].map((id) => size(x, step, id));
    assert.ok(smooth < 0.985 * Math.min(lin, cub), `noise ${noise}: smoothing ${smooth} B, linear ${lin}, cubic ${cub}`);
  }
  const clean = signal(0);
  assert.ok(size(clean, step, INTERP_CUBIC_1D) <= size(clean, step, INTERP_SMOOTH_1D), 'clean: cubic no larger');
});
