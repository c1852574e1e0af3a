// The coder's budget (encode.ts trialSaysDirect): trial segments decide whether the model can pay before
// the full window search; data without structure then cost about what the plain predictor costs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GRID_PREDICTOR } from '../../src/core/codec/residual';
import { decodeWsindy, readWsindyHeader } from '../../src/core/codec/decode';
import { readContainer } from '../../src/core/codec/container';
import { encodeWsindy, planEncoding, trialSaysDirect, type PlanInput } from '../../src/core/codec/encode';
import type { Dataset } from '../../src/core/dataset';
import type { IdentifiedSystem } from '../../src/core/model';
import { identify, identifyOptionsOf } from '../../src/core/sindy/identify';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { gaussian, lorenz, mulberry32, sampleSystem, uniformTime } from '../support/systems';

function randomWalk(n: number, m: number, seed: number): Float64Array[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, () => {
    let w = 0;
    return Float64Array.from({ length: m }, () => (w += g()));
  });
}

function planInputOf(series: Float64Array[], time: Float64Array, tolerance: number): { input: PlanInput } {
  const names = series.map((_, i) => `x${i}`);
  const { system } = identify(series, time, names, identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const v of s) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  return { input: { mode: 'error-bounded', tolerance, n: series.length, min, max, system, amax: null } };
}

/** The predictor id of a v4 RESI payload (no bound code: the id is its first byte; 0 = the plain bins). */
function dataGridId(payload: Uint8Array): number {
  return payload[0];
}

function dataset(series: Float64Array[], time: Float64Array): Dataset {
  const names = series.map((_, i) => `x${i}`);
  return { names, series, time, source: { layout: 'columns', delimiter: ',', header: ['t', ...names], timeColumn: 0, lineEnding: '\n' } };
}

test('trial segments: a random walk goes straight to the no-model route, Lorenz keeps its model search', () => {
  const time = uniformTime(5000, 0.01);
  const walk = planInputOf(randomWalk(8, 5000, 3), time, 1e-3);
  assert.equal(trialSaysDirect(walk.input, randomWalk(8, 5000, 3), time), true);
  const sys = lorenz();
  const lt = uniformTime(10000, sys.dt);
  const ls = sampleSystem(sys, lt);
  const lz = planInputOf(ls, lt, 1e-3);
  assert.equal(trialSaysDirect(lz.input, ls, lt), false);
  // the plan itself is untouched by the trial (sub-steps are chosen on the real first segment)
  assert.equal(planEncoding(lz.input).substeps, null);
});

test('the budgeted random walk: no model in the file, every value within the bound, far below the raw size', () => {
  const m = 5000;
  const time = uniformTime(m, 0.01);
  const series = randomWalk(8, m, 5);
  const names = series.map((_, i) => `x${i}`);
  const { system } = identify(series, time, names, identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  for (const tolerance of [1e-2, 1e-3, 1e-4]) {
    const res = encodeWsindy({ dataset: dataset(series, time), system, mode: 'error-bounded', tolerance, source: { fileName: 'w.csv', bytes: 0, crc32: 0 }, settings: {} });
    assert.equal(res.modelWindows, 0);
    assert.equal(res.outcome.kind, 'none');
    const dec = decodeWsindy(res.bytes);
    const bound = res.bound ?? 0;
    series.forEach((s, i) => {
      const d = dec.dataset.series[i];
      for (let j = 0; j < m; j++) assert.ok(Math.abs(s[j] - d[j]) <= bound, `x${i}[${j}] off by ${Math.abs(s[j] - d[j])} > ${bound}`);
    });
    // a plain predictor on the raw float64 data: the walk's file is far below 8 bytes a value
    assert.ok(res.bytes.length < 8 * m * 8 * 0.5, `${res.bytes.length} bytes`);
  }
});

test('large no-model data: the predictor picked on a stretch of time, coded in full, bound held on every value', () => {
  // 72 × 8192 values (above the size where the no-model route samples its choice) of a travelling wave with noise
  const n = 72;
  const m = 8192;
  const time = uniformTime(m, 0.01);
  const g = gaussian(mulberry32(9));
  const series = Array.from({ length: n }, (_, i) => Float64Array.from({ length: m }, (_, j) => Math.sin(0.2 * i - 0.01 * j) + 0.3 * Math.cos(0.05 * i + 0.003 * j) + 1e-4 * g()));
  const names = series.map((_, i) => `x${i}`);
  // no fit: a model in the variables with no terms (as the no-model route stores it)
  const system: IdentifiedSystem = {
    model: { stateNames: names, library: { degree: 1, constant: false, trigFrequencies: [] }, terms: [], termNames: [], coefficients: new Float64Array(0) },
    pod: null,
    diagnostics: { weakResidual: 1, r2: [], activeTerms: 0, threshold: 0, testFunctions: { count: 0, halfWidth: 0, exponent: 0 } },
  };
  for (const tolerance of [1e-3, 1e-5]) {
    const res = encodeWsindy({ dataset: dataset(series, time), system, mode: 'error-bounded', tolerance, source: { fileName: 'f.csv', bytes: 0, crc32: 0 }, settings: {} });
    assert.equal(res.modelWindows, 0);
    const dec = decodeWsindy(res.bytes);
    const bound = res.bound ?? 0;
    let worst = 0;
    series.forEach((s, i) => {
      const d = dec.dataset.series[i];
      for (let j = 0; j < m; j++) worst = Math.max(worst, Math.abs(s[j] - d[j]));
    });
    assert.ok(worst <= bound, `max error ${worst} > bound ${bound}`);
    // smooth along both axes: far below the 1e-3 bins' ~10 bits a value of plain quantisation
    assert.ok(res.bytes.length < (n * m * (tolerance === 1e-3 ? 2 : 6)) / 8, `${res.bytes.length} bytes at ${tolerance}`);
  }
});

test('a no-model file of many variables stores no blank R² (v4 flag) and reads them back as blank', () => {
  const n = 64;
  const m = 300;
  const time = uniformTime(m, 0.01);
  const series = Array.from({ length: n }, (_, i) => Float64Array.from({ length: m }, (_, j) => Math.sin(0.1 * i + 0.02 * j)));
  const names = series.map((_, i) => `x${i}`);
  const system: IdentifiedSystem = {
    model: { stateNames: names, library: { degree: 1, constant: false, trigFrequencies: [] }, terms: [], termNames: [], coefficients: new Float64Array(0) },
    pod: null,
    diagnostics: { weakResidual: 1, r2: [], activeTerms: 0, threshold: 0, testFunctions: { count: 0, halfWidth: 0, exponent: 0 } },
  };
  const res = encodeWsindy({ dataset: dataset(series, time), system, mode: 'error-bounded', tolerance: 1e-3, source: { fileName: 'f.csv', bytes: 0, crc32: 0 }, settings: {} });
  const h = readWsindyHeader(res.bytes);
  assert.equal(h.diagnostics.r2.length, n);
  assert.ok(h.diagnostics.r2.every((v) => Number.isNaN(v)));
  // the same file with figures to show stores them, 2 bytes a state (less the flag's bytes)
  const shown = encodeWsindy({ dataset: dataset(series, time), system: { ...system, diagnostics: { ...system.diagnostics, r2: names.map(() => 0.5) } }, mode: 'error-bounded', tolerance: 1e-3, source: { fileName: 'f.csv', bytes: 0, crc32: 0 }, settings: {} });
  const headOf = (b: Uint8Array) => readContainer(b).sections.get('HEAD')?.payload.length ?? 0;
  assert.ok(headOf(shown.bytes) - headOf(res.bytes) >= 2 * n - 3, `headers ${headOf(shown.bytes)} and ${headOf(res.bytes)} bytes`);
  assert.deepEqual(readWsindyHeader(shown.bytes).diagnostics.r2, names.map(() => 0.5));
  const dec = decodeWsindy(res.bytes);
  series.forEach((s, i) => s.forEach((v, j) => assert.ok(Math.abs(v - dec.dataset.series[i][j]) <= (res.bound ?? 0))));
});

test('data on an ADC grid coarser than the bins: coded as the grid integers (RESI predictor 5), bound held (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 16, max: 400 }), fc.constantFrom(0.005, 0.001, 0.25, 3), fc.constantFrom(1e-3, 1e-4, 1e-5), fc.integer({ min: 0, max: 1e6 }), (n, m, adc, tolerance, seed) => {
      const g = gaussian(mulberry32(seed));
      const series = Array.from({ length: n }, (_, i) => Float64Array.from({ length: m }, (_, j) => Math.round((Math.sin(0.05 * j + i) * 100 * adc + 2 * adc * g()) / adc) * adc));
      const names = series.map((_, i) => `x${i}`);
      const system: IdentifiedSystem = {
        model: { stateNames: names, library: { degree: 1, constant: false, trigFrequencies: [] }, terms: [], termNames: [], coefficients: new Float64Array(0) },
        pod: null,
        diagnostics: { weakResidual: 1, r2: [], activeTerms: 0, threshold: 0, testFunctions: { count: 0, halfWidth: 0, exponent: 0 } },
      };
      const res = encodeWsindy({ dataset: dataset(series, uniformTime(m, 0.01)), system, mode: 'error-bounded', tolerance, source: { fileName: 'a.csv', bytes: 0, crc32: 0 }, settings: {} });
      const dec = decodeWsindy(res.bytes);
      const bound = res.bound ?? 0;
      series.forEach((s, i) => s.forEach((v, j) => assert.ok(Math.abs(v - dec.dataset.series[i][j]) <= bound, `x${i}[${j}]`)));
      const resi = readContainer(res.bytes).sections.get('RESI');
      // on a long enough record (neighbours one step apart among the sampled ones) the grid coarser than the bins is used
      if (m >= 200 && adc > 2 * bound && resi) assert.equal(dataGridId(resi.payload), GRID_PREDICTOR);
    }),
    { numRuns: 40 },
  );
});

test('the grid predictor: an ADC-quantised signal at a bound below half its step costs far less than the bins would', () => {
  const m = 20000;
  const g = gaussian(mulberry32(2));
  const x = Float64Array.from({ length: m }, (_, j) => Math.round((Math.sin(j / 50) + 0.01 * g()) / 0.005) * 0.005);
  const names = ['x0'];
  const system: IdentifiedSystem = {
    model: { stateNames: names, library: { degree: 1, constant: false, trigFrequencies: [] }, terms: [], termNames: [], coefficients: new Float64Array(0) },
    pod: null,
    diagnostics: { weakResidual: 1, r2: [], activeTerms: 0, threshold: 0, testFunctions: { count: 0, halfWidth: 0, exponent: 0 } },
  };
  const res = encodeWsindy({ dataset: dataset([x], uniformTime(m, 0.01)), system, mode: 'error-bounded', tolerance: 1e-5, source: { fileName: 'a.csv', bytes: 0, crc32: 0 }, settings: {} });
  // noise of 2 ADC steps: about 3-4 bits a sample on the grid; the 1e-5 bins would need ~11
  assert.ok(res.bytes.length * 8 < 5 * m, `${res.bytes.length} bytes`);
  assert.equal(res.maxError < 1e-12, true);
});
