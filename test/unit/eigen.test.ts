import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { symmetricEigenDecomposition } from '../../src/core/numerics/eigen';
import { mulberry32 } from '../support/systems';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rand() - 0.5;
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  }
  return A;
}

function mlMatrix(A: Float64Array, n: number): { values: number[]; V: Matrix } {
  const rows = Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, (i + 1) * n)));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  return { values: evd.realEigenvalues, V: evd.eigenvectorMatrix };
}

test('eigenvalues are ml-matrix\'s bit for bit; eigenvectors agree to round-off and satisfy A v = λ v', () => {
  for (const [n, seed] of [[1, 1], [2, 2], [3, 3], [17, 4], [60, 5]]) {
    const A = randomSymmetric(n, seed);
    const ref = mlMatrix(A, n);
    const mine = symmetricEigenDecomposition(A, n);
    assert.deepEqual(Array.from(mine.values), ref.values, `n = ${n}`);
    for (let q = 0; q < n; q++) {
      const v = mine.vector(q);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(v[i] - ref.V.get(i, q)) < 1e-13, `n = ${n}, vector ${q}, component ${i}`);
        let av = 0;
        for (let k = 0; k < n; k++) av += A[i * n + k] * v[k];
        worst = Math.max(worst, Math.abs(av - mine.values[q] * v[i]));
      }
      assert.ok(worst < 1e-13, `residual ${worst}`);
    }
  }
});

test('repeated and zero eigenvalues: the same vectors as ml-matrix (the choice inside an eigenspace included)', () => {
  // a Gram matrix of rank 6 in 30 dimensions with three equal pairs (sines and cosines of equal amplitude)
  const n = 30;
  const rows: Float64Array[] = [];
  for (let k = 1; k <= 3; k++) {
    rows.push(Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * k * i) / n)));
    rows.push(Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * k * i) / n)));
  }
  const A = new Float64Array(n * n);
  rows.forEach((r, c) => {
    const w = 4 - Math.floor(c / 2); // amplitudes 4, 4, 3, 3, 2, 2
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] += w * r[i] * r[j];
  });
  const ref = mlMatrix(A, n);
  const mine = symmetricEigenDecomposition(A, n);
  assert.deepEqual(Array.from(mine.values), ref.values);
  for (let q = n - 6; q < n; q++) {
    const v = mine.vector(q);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(v[i] - ref.V.get(i, q)) < 1e-12, `vector ${q}`);
  }
  // diagonal input with ties
  const D = new Float64Array(16);
  [2, 1, 2, 0].forEach((v, i) => (D[i * 4 + i] = v));
  const dm = symmetricEigenDecomposition(D, 4);
  const dr = mlMatrix(D, 4);
  assert.deepEqual(Array.from(dm.values), dr.values);
  for (let q = 0; q < 4; q++) assert.deepEqual(Array.from(dm.vector(q)), Array.from({ length: 4 }, (_, i) => dr.V.get(i, q)));
});
