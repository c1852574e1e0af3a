import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLibrary } from '../../src/core/sindy/library';
import type { LibrarySpec, PodBasis, SparseModel } from '../../src/core/model';
import { NumericalError } from '../../src/core/errors';
import { liftFromPod, projectOnPod, simulateModel } from '../../src/core/sindy/simulate';
import { jitteredTime, mulberry32, uniformTime } from '../support/systems';

function model(stateNames: string[], degree: number, equations: Record<string, Record<string, number>>): SparseModel {
  const library: LibrarySpec = { degree, constant: true, trigFrequencies: [] };
  const { terms, names } = buildLibrary(library, stateNames);
  const r = stateNames.length;
  const coefficients = new Float64Array(terms.length * r);
  stateNames.forEach((eq, j) => {
    for (const [term, c] of Object.entries(equations[eq] ?? {})) coefficients[names.indexOf(term) * r + j] = c;
  });
  return { stateNames, library, terms, termNames: names, coefficients };
}

test('linear damped rotation matches its closed form on a jittered grid', () => {
  const m = model(['a1', 'a2'], 2, { a1: { a1: -0.5, a2: 2 }, a2: { a1: -2, a2: -0.5 } });
  const t = jitteredTime(400, 0.025, 3);
  const [x, y] = simulateModel(m, Float64Array.of(3, -1), t);
  for (let j = 0; j < t.length; j++) {
    const d = Math.exp(-t[j] / 2), c = Math.cos(2 * t[j]), s = Math.sin(2 * t[j]);
    assert.ok(Math.abs(x[j] - d * (3 * c - 1 * s)) < 1e-8, `x at ${t[j]}`);
    assert.ok(Math.abs(y[j] - d * (-1 * c - 3 * s)) < 1e-8, `y at ${t[j]}`);
  }
});

test('logistic growth x\' = x - x^2 matches 1 / (1 + (1/x0 - 1) e^-t)', () => {
  const m = model(['x'], 2, { x: { x: 1, 'x^2': -1 } });
  const t = uniformTime(201, 0.05);
  // Default rtol 1e-9: a global error of a few rtol is expected after growth by 100×.
  const [x] = simulateModel(m, Float64Array.of(0.01), t);
  for (let j = 0; j < t.length; j++) {
    const exact = 1 / (1 + 99 * Math.exp(-t[j]));
    assert.ok(Math.abs(x[j] - exact) < 1e-8 * exact, `t=${t[j]}: ${x[j]} vs ${exact}`);
  }
});

test('a diverging model throws NumericalError naming the time and the coordinate', () => {
  // a1' = a1^2 from 2: a1 = 2 / (1 - 2t), blows up at t = 0.5.
  const m = model(['a1'], 2, { a1: { 'a1^2': 1 } });
  assert.throws(
    () => simulateModel(m, Float64Array.of(2), uniformTime(101, 0.01)),
    (err: unknown) => err instanceof NumericalError && err.time !== undefined && Math.abs(err.time - 0.5) < 1e-3 && /a1 = /.test(err.message),
  );
  // With limits from the data range, the report comes as soon as the range is left: a1 > 10 at t = 0.4.
  const limits = { lo: Float64Array.of(-10), hi: Float64Array.of(10) };
  assert.throws(
    () => simulateModel(m, Float64Array.of(2), uniformTime(101, 0.01), { limits }),
    (err: unknown) => err instanceof NumericalError && err.time !== undefined && err.time >= 0.4 && err.time < 0.5,
  );
});

test('liftFromPod and projectOnPod: closed-form example and round trip', () => {
  // n = 3, r = 2, orthonormal modes e1 and (e2 + e3)/√2.
  const h = Math.SQRT1_2;
  const pod: PodBasis = {
    mean: Float64Array.of(1, 2, 3),
    modes: Float64Array.of(1, 0, 0, 0, h, h),
    singularValues: Float64Array.of(2, 1),
    rank: 2,
    energy: 1,
  };
  const a = [Float64Array.of(1, -1), Float64Array.of(Math.SQRT2, 0)];
  const x = liftFromPod(pod, a);
  assert.deepEqual(x.map((row) => Array.from(row, (v) => Math.round(v * 1e12) / 1e12)), [[2, 0], [3, 2], [4, 3]]);
  const back = projectOnPod(pod, x);
  for (let c = 0; c < 2; c++) for (let j = 0; j < 2; j++) assert.ok(Math.abs(back[c][j] - a[c][j]) < 1e-14);

  // Larger round trip over several column blocks: random orthonormal modes by Gram–Schmidt.
  const n = 40, r = 5, mSteps = 2500;
  const rand = mulberry32(9);
  const modes = new Float64Array(n * r);
  for (let c = 0; c < r; c++) {
    const v = Float64Array.from({ length: n }, () => rand() - 0.5);
    for (let p = 0; p < c; p++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i] * modes[p * n + i];
      for (let i = 0; i < n; i++) v[i] -= d * modes[p * n + i];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) modes[c * n + i] = v[i] / norm;
  }
  const big: PodBasis = { mean: Float64Array.from({ length: n }, (_, i) => i), modes, singularValues: new Float64Array(r), rank: r, energy: 1 };
  const coords = Array.from({ length: r }, () => Float64Array.from({ length: mSteps }, () => 10 * rand() - 5));
  const round = projectOnPod(big, liftFromPod(big, coords));
  for (let c = 0; c < r; c++) for (let j = 0; j < mSteps; j++) assert.ok(Math.abs(round[c][j] - coords[c][j]) < 1e-12);
});
