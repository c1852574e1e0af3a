// Sparse regression on synthetic G, b with known sparse Ξ.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { householder, reduceProblem, solveSubset, sparseRegression, stlsq } from '../../src/core/sindy/regression';
import type { WeakSystem } from '../../src/core/sindy/weakForm';
import { gaussian, mulberry32 } from '../support/systems';

/** K × J random G with very different column scales, b = G Ξ (+ noise). */
function synthetic(K: number, J: number, xi: number[][], noise = 0, seed = 1): WeakSystem {
  const g = gaussian(mulberry32(seed));
  const r = xi[0].length;
  const G = new Float64Array(K * J);
  for (let k = 0; k < K; k++) for (let j = 0; j < J; j++) G[k * J + j] = g() * 10 ** (j % 5 - 2);
  const b = new Float64Array(K * r);
  for (let k = 0; k < K; k++) {
    for (let e = 0; e < r; e++) {
      let s = 0;
      for (let j = 0; j < J; j++) s += G[k * J + j] * xi[j][e];
      b[k * r + e] = s;
    }
  }
  let bn = 0;
  for (const v of b) bn = Math.max(bn, Math.abs(v));
  for (let i = 0; i < b.length; i++) b[i] += noise * bn * g();
  return { K, J, r, G, b };
}

test('householder: R and Qᵀb reproduce the least-squares solution of a small system', () => {
  // Fit y = 1 + 2t exactly at t = 0..3: columns [1, t].
  const A = Float64Array.from([1, 1, 1, 1, 0, 1, 2, 3, 1, 3, 5, 7]);
  householder(A, 4, 3, 2);
  // Back-substitute R w = (Qᵀy)[0..2).
  const w1 = A[2 * 4 + 1] / A[1 * 4 + 1];
  const w0 = (A[2 * 4 + 0] - A[1 * 4 + 0] * w1) / A[0];
  assert.ok(Math.abs(w0 - 1) < 1e-12 && Math.abs(w1 - 2) < 1e-12, `${w0}, ${w1}`);
  // Residual part is zero for an exact fit.
  assert.ok(Math.abs(A[2 * 4 + 2]) < 1e-12 && Math.abs(A[2 * 4 + 3]) < 1e-12);
});

test('exact sparse Ξ is recovered with badly scaled columns (automatic threshold)', () => {
  const J = 12;
  const xi = Array.from({ length: J }, () => [0, 0]);
  // Column j is scaled by 10^(j mod 5 − 2): coefficients span 10^-3…10^3, contributions are all O(1).
  xi[1] = [30, 0];
  xi[4] = [-0.005, 0];
  xi[7] = [0, 1.2];
  xi[10] = [200, -700];
  const sys = synthetic(200, J, xi);
  const res = sparseRegression(sys, { threshold: 'auto' });
  for (let j = 0; j < J; j++) {
    for (let e = 0; e < 2; e++) {
      const got = res.xi[j * 2 + e];
      const want = xi[j][e];
      if (want === 0) assert.equal(got, 0, `Ξ[${j},${e}] should be 0, got ${got}`);
      else assert.ok(Math.abs(got - want) < 1e-9 * Math.abs(want), `Ξ[${j},${e}] = ${got}, want ${want}`);
    }
  }
});

test('noisy b: true support kept and coefficients close', () => {
  const J = 10;
  const xi = Array.from({ length: J }, () => [0]);
  xi[0] = [100];
  xi[3] = [-0.2];
  xi[8] = [0.05];
  const sys = synthetic(400, J, xi, 1e-3, 9);
  const res = sparseRegression(sys, { threshold: 'auto' });
  for (let j = 0; j < J; j++) {
    if (xi[j][0] === 0) assert.equal(res.xi[j], 0, `spurious term ${j}: ${res.xi[j]}`);
    else assert.ok(Math.abs(res.xi[j] - xi[j][0]) < 0.02 * Math.abs(xi[j][0]), `term ${j}: ${res.xi[j]}`);
  }
});

test('zero and duplicate columns give finite coefficients, never NaN', () => {
  const K = 50;
  const J = 4;
  const G = new Float64Array(K * J);
  const b = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const t = k / K;
    G[k * J + 0] = 0; // a zero column (e.g. a library term that vanishes on the data)
    G[k * J + 1] = t;
    G[k * J + 2] = t; // exact duplicate
    G[k * J + 3] = Math.sin(5 * t);
    b[k] = 2 * t + Math.sin(5 * t);
  }
  const sys: WeakSystem = { K, J, r: 1, G, b };
  for (const threshold of ['auto', 0, 0.05] as const) {
    const res = sparseRegression(sys, { threshold });
    assert.ok(res.xi.every(Number.isFinite), `threshold ${threshold}: ${Array.from(res.xi)}`);
    assert.equal(res.xi[0], 0);
    assert.deepEqual(res.droppedColumns, [0]);
    // The duplicated pair shares the slope 2.
    assert.ok(Math.abs(res.xi[1] + res.xi[2] - 2) < 1e-6, `${res.xi[1]} + ${res.xi[2]}`);
    assert.ok(Math.abs(res.xi[3] - 1) < 1e-6);
  }
});

test('all-zero b gives an all-zero equation; a fixed threshold is reported as given', () => {
  const sys: WeakSystem = { K: 20, J: 3, r: 1, G: Float64Array.from({ length: 60 }, (_, i) => Math.cos(i)), b: new Float64Array(20) };
  const res = sparseRegression(sys, { threshold: 0.1 });
  assert.deepEqual(Array.from(res.xi), [0, 0, 0]);
  assert.equal(res.thresholds[0], 0.1);
  assert.throws(() => sparseRegression(sys, { threshold: -1 }), RangeError);
});

test('STLSQ threshold is relative to ‖b‖ on unit-norm columns', () => {
  // Two orthogonal unit columns; b = 1·e1 + 0.1·e2, ‖b‖ ≈ 1.005: λ = 0.05 keeps both, λ = 0.2 keeps one.
  const G = Float64Array.from([1, 0, 0, 1, 0, 0]);
  const sys: WeakSystem = { K: 3, J: 2, r: 1, G, b: Float64Array.from([1, 0.1, 0]) };
  const p = reduceProblem(sys);
  assert.equal(stlsq(p, 0, 0.05).filter((v) => v !== 0).length, 2);
  const w = stlsq(p, 0, 0.2);
  assert.ok(Math.abs(Math.abs(w[0]) - 1) < 1e-12 && w[1] === 0, `${Array.from(w)}`);
  assert.ok(Math.abs(Math.abs(solveSubset(p, [1], p.c[0])[0]) - 0.1) < 1e-12);
});
