// The fit's budget (issue 14, sindy/identify.ts `budget`): POD coordinates no model can predict — the
// least-squares fit on the whole library explains under NO_HORIZON_R2 of every weak derivative — end the
// fit before the sparse regression, with "no model" and the reason; structured data are not touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWsindy, readWsindyHeader } from '../../src/core/codec/decode';
import { encodeWsindy } from '../../src/core/codec/encode';
import { OUTCOME_REASONS } from '../../src/core/codec/outcome';
import type { Dataset } from '../../src/core/dataset';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { identify, identifyOptionsOf, NO_HORIZON_R2 } from '../../src/core/sindy/identify';
import { leastSquaresR2, reduceProblem } from '../../src/core/sindy/regression';
import type { WeakSystem } from '../../src/core/sindy/weakForm';
import { gaussian, lorenz, mulberry32, sampleSystem, uniformTime } from '../support/systems';

function randomWalk(n: number, m: number, seed: number): Float64Array[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, () => {
    let w = 0;
    return Float64Array.from({ length: m }, () => (w += g()));
  });
}

/** n sensors, each a random mix of Lorenz's x, y, z (exactly rank 3: the fit runs on 3 POD coordinates). */
function lorenzSensors(n: number, m: number): { series: Float64Array[]; time: Float64Array } {
  const sys = lorenz();
  const time = uniformTime(m, sys.dt);
  const s = sampleSystem(sys, time);
  const g = gaussian(mulberry32(7));
  const series = Array.from({ length: n }, () => {
    const w = [g(), g(), g()];
    return Float64Array.from(time, (_, j) => w[0] * s[0][j] + w[1] * s[1][j] + w[2] * s[2][j]);
  });
  return { series, time };
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `x${i}`);

test('leastSquaresR2: 1 when b is in the span of G, 0 when b is orthogonal to every column (constant included)', () => {
  const K = 6;
  // columns: constant, t; equation 0: b = 2 − 3t; equation 1: zero-mean, orthogonal to t
  const t = [0, 1, 2, 3, 4, 5];
  const G = new Float64Array(K * 2);
  const b = new Float64Array(K * 2);
  const orth = [1, -1, -1, 1, 1, -1]; // Σ = 0, Σ t·orth = 0 − 1 − 2 + 3 + 4 − 5 = −1 … made orthogonal below
  const dotT = orth.reduce((a, v, k) => a + v * t[k], 0);
  const tMean = t.reduce((a, v) => a + v, 0) / K;
  const tc = t.map((v) => v - tMean);
  const tcSq = tc.reduce((a, v) => a + v * v, 0);
  const o = orth.map((v, k) => v - (dotT / tcSq) * tc[k]); // still Σ = 0, now Σ t·o = 0
  for (let k = 0; k < K; k++) {
    G[k * 2] = 1;
    G[k * 2 + 1] = t[k];
    b[k * 2] = 2 - 3 * t[k];
    b[k * 2 + 1] = o[k];
  }
  const sys: WeakSystem = { K, J: 2, r: 2, G, b };
  const r2 = leastSquaresR2(reduceProblem(sys), sys);
  assert.ok(Math.abs(r2[0] - 1) < 1e-12, `in the span: ${r2[0]}`);
  assert.ok(Math.abs(r2[1]) < 1e-12, `orthogonal: ${r2[1]}`);
});

test('a random walk of 50 variables: no model, the reason recorded, the variables as the states', () => {
  const series = randomWalk(50, 3000, 4);
  const time = uniformTime(3000, 0.01);
  const fit = identify(series, time, names(50), identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  assert.equal(fit.outcome?.kind, 'none');
  assert.ok(fit.outcome?.reason.startsWith(OUTCOME_REASONS.noHorizon), fit.outcome?.reason);
  const r2 = Number(/R² ([\d.]+)/.exec(fit.outcome?.reason ?? '')?.[1]);
  assert.ok(r2 >= 0 && r2 < NO_HORIZON_R2, `recorded R² ${r2}`);
  assert.equal(fit.system.pod, null);
  assert.deepEqual(fit.system.model.stateNames, names(50));
  assert.equal(fit.system.model.terms.length, 0);
  assert.equal(fit.system.diagnostics.activeTerms, 0);
  assert.equal(fit.states, series);

  // the file: no model, the fit's reason, every value within the bound
  const ds: Dataset = { names: names(50), series, time, source: { layout: 'columns', delimiter: ',', header: ['t', ...names(50)], timeColumn: 0, lineEnding: '\n' } };
  const enc = encodeWsindy({ dataset: ds, system: fit.system, mode: 'error-bounded', tolerance: 1e-3, source: { fileName: 'walk.csv', bytes: 0, crc32: 0 }, settings: {}, outcome: fit.outcome });
  const h = readWsindyHeader(enc.bytes);
  assert.deepEqual(h.outcome, fit.outcome);
  assert.equal(h.modelWindows, 0);
  const dec = decodeWsindy(enc.bytes);
  const bound = enc.bound ?? 0;
  for (let i = 0; i < 50; i++) for (let j = 0; j < 3000; j++) assert.ok(Math.abs(dec.dataset.series[i][j] - series[i][j]) <= bound, `x${i}[${j}]`);
});

test('the budget is off for a forced model and in model-only mode: the fit runs in full', () => {
  const series = randomWalk(50, 3000, 4);
  const time = uniformTime(3000, 0.01);
  assert.equal(identifyOptionsOf({ ...DEFAULT_COMPRESS_OPTIONS, forceModel: true }).budget, false);
  assert.equal(identifyOptionsOf({ ...DEFAULT_COMPRESS_OPTIONS, mode: 'model-only' }).budget, false);
  const fit = identify(series, time, names(50), identifyOptionsOf({ ...DEFAULT_COMPRESS_OPTIONS, forceModel: true }));
  assert.equal(fit.outcome, undefined);
  assert.notEqual(fit.system.pod, null);
  assert.ok(fit.system.diagnostics.activeTerms > 0);
});

test('on the variables themselves (8 random walks): no terms, and the file records the rules\' verdict (no reason stored)', () => {
  const series = randomWalk(8, 3000, 6);
  const time = uniformTime(3000, 0.01);
  const fit = identify(series, time, names(8), identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  assert.equal(fit.outcome, undefined);
  assert.equal(fit.system.pod, null);
  assert.equal(fit.system.model.terms.length, 0);
  assert.equal(fit.system.diagnostics.activeTerms, 0);
  const ds: Dataset = { names: names(8), series, time, source: { layout: 'columns', delimiter: ',', header: ['t', ...names(8)], timeColumn: 0, lineEnding: '\n' } };
  const enc = encodeWsindy({ dataset: ds, system: fit.system, mode: 'error-bounded', tolerance: 1e-3, source: { fileName: 'w.csv', bytes: 0, crc32: 0 }, settings: {} });
  assert.deepEqual(readWsindyHeader(enc.bytes).outcome, { kind: 'none', reason: OUTCOME_REASONS.noTerms, activeTerms: 0 });
  // with the budget off the fit runs and keeps terms (none of which any window uses)
  const full = identify(series, time, names(8), { ...identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS), budget: false });
  assert.ok(full.system.diagnostics.activeTerms > 0);
});

test('Lorenz on its own variables: the budget changes nothing, to the bit', () => {
  const sys = lorenz();
  const time = uniformTime(5000, sys.dt);
  const series = sampleSystem(sys, time);
  const on = identify(series, time, ['x', 'y', 'z'], identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  const off = identify(series, time, ['x', 'y', 'z'], { ...identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS), budget: false });
  assert.equal(on.outcome, undefined);
  assert.deepEqual(on.system.model.coefficients, off.system.model.coefficients);
  assert.deepEqual(on.system.diagnostics, off.system.diagnostics);
  assert.equal(on.system.diagnostics.activeTerms, 7);
});

test('structured POD data (40 Lorenz sensors): the budget changes nothing, to the bit', () => {
  const { series, time } = lorenzSensors(40, 4000);
  const on = identify(series, time, names(40), identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  const off = identify(series, time, names(40), { ...identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS), budget: false });
  assert.equal(on.outcome, undefined);
  assert.equal(on.system.model.stateNames.length, 3);
  assert.deepEqual(on.system.model.coefficients, off.system.model.coefficients);
  assert.deepEqual(on.system.diagnostics, off.system.diagnostics);
});

test('a short field of high POD rank: too few test functions for even a linear model, no fit, the counts in the reason', () => {
  // 128 grid points × 150 steps of 40 travelling waves plus noise: the energy rule keeps dozens of modes,
  // the 150 steps give 130 test functions, fewer than 4 for each of a linear model's r + 1 columns
  const n = 128;
  const m = 150;
  const time = uniformTime(m, 0.01);
  const g = gaussian(mulberry32(21));
  const waves = Array.from({ length: 40 }, (_, k) => ({ a: g(), kx: 1 + k, w: 20 + 7 * k }));
  const series = Array.from({ length: n }, (_, i) =>
    Float64Array.from(time, (t) => waves.reduce((s, v) => s + v.a * Math.sin((2 * Math.PI * v.kx * i) / n - v.w * t), 0) + 1e-3 * g()),
  );
  const fit = identify(series, time, names(n), identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  assert.equal(fit.outcome?.kind, 'none');
  const reason = fit.outcome?.reason ?? '';
  assert.ok(reason.startsWith(OUTCOME_REASONS.tooFewTestFunctions), reason);
  const [, K, r] = (/: (\d+) for a linear model in (\d+) coordinates$/.exec(reason) ?? []).map(Number);
  assert.ok(r >= 10 && 4 * (r + 1) > K, `K ${K}, r ${r}`);
  assert.equal(fit.system.pod, null);
  assert.equal(fit.system.model.terms.length, 0);
  // the forced model (budget off) is fitted on the same coordinates
  const forced = identify(series, time, names(n), identifyOptionsOf({ ...DEFAULT_COMPRESS_OPTIONS, forceModel: true }));
  assert.equal(forced.outcome, undefined);
  assert.equal(forced.system.pod?.rank, r);
  // the file: no model, the reason, every value within the bound
  const ds: Dataset = { names: names(n), series, time, source: { layout: 'rows', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' } };
  const enc = encodeWsindy({ dataset: ds, system: fit.system, mode: 'error-bounded', tolerance: 1e-3, source: { fileName: 'f.csv', bytes: 0, crc32: 0 }, settings: {}, outcome: fit.outcome });
  assert.deepEqual(readWsindyHeader(enc.bytes).outcome, fit.outcome);
  const dec = decodeWsindy(enc.bytes);
  const bound = enc.bound ?? 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) assert.ok(Math.abs(dec.dataset.series[i][j] - series[i][j]) <= bound, `x${i}[${j}]`);
});
