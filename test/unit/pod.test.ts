import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRank, computePod, DENSE_TILE, noiseFloorRank, rankEstimate } from '../../src/core/numerics/pod';
import { addRows4, gramMatrix } from '../../src/core/numerics/gram';
import { liftFromPod } from '../../src/core/sindy/simulate';
import { gaussian, lowRankField, mulberry32 } from '../support/systems';

function relError(a: Float64Array[], b: Float64Array[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < a[i].length; j++) {
      num += (a[i][j] - b[i][j]) ** 2;
      den += b[i][j] ** 2;
    }
  }
  return Math.sqrt(num / den);
}

/**
 * X = mean + U diag(σ) Vᵀ with exactly orthonormal U (discrete sine vectors) and V (cosines with
 * zero temporal mean), so the centred data's singular values are exactly σ and its modes are U.
 */
function closedForm(n: number, m: number, sigma: number[]): { series: Float64Array[]; U: Float64Array[] } {
  const U = sigma.map((_, c) => Float64Array.from({ length: n }, (_, i) => Math.sqrt(2 / (n + 1)) * Math.sin(((c + 1) * Math.PI * (i + 1)) / (n + 1))));
  const V = sigma.map((_, c) => Float64Array.from({ length: m }, (_, j) => Math.sqrt(2 / m) * Math.cos((2 * Math.PI * (c + 1) * j) / m)));
  const series = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(m).fill(1 + 0.01 * i);
    sigma.forEach((s, c) => { for (let j = 0; j < m; j++) row[j] += s * U[c][i] * V[c][j]; });
    return row;
  });
  return { series, U };
}

test('a 200-variable field of known rank gives that rank and reconstructs to < 1e-10', () => {
  const field = lowRankField(200, 1000);
  for (const energy of [0.999999, 1]) {
    const { basis, coordinates } = computePod(field.series, { rank: 'auto', energy });
    assert.equal(basis.rank, field.rank, `energy ${energy}`);
    const err = relError(liftFromPod(basis, coordinates), field.series);
    assert.ok(err < 1e-10, `reconstruction error ${err}`);
  }
});

test('singular values and modes match a closed-form construction, on both routes', () => {
  const sigma = [40, 7, 3, 0.05];
  for (const [n, m] of [[50, 120], [120, 50]]) {
    const { series, U } = closedForm(n, m, sigma);
    const results = (['spatial', 'snapshots'] as const).map((method) => computePod(series, { rank: 'auto', energy: 1, method }));
    for (const { basis, coordinates } of results) {
      assert.equal(basis.rank, 4);
      sigma.forEach((s, c) => {
        assert.ok(Math.abs(basis.singularValues[c] - s) < 1e-10 * sigma[0], `σ${c + 1} = ${basis.singularValues[c]} vs ${s}`);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += basis.modes[c * n + i] * U[c][i];
        assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `mode ${c + 1} alignment ${dot}`);
      });
      // Energy captured: all of it at rank 4.
      assert.ok(Math.abs(basis.energy - 1) < 1e-12);
      assert.ok(relError(liftFromPod(basis, coordinates), series) < 1e-12);
    }
    // The two routes agree mode by mode (same sign convention) and coordinate by coordinate.
    const [a, b] = results;
    for (let k = 0; k < n * 4; k++) assert.ok(Math.abs(a.basis.modes[k] - b.basis.modes[k]) < 1e-9, `mode entry ${k}`);
    for (let c = 0; c < 4; c++) for (let j = 0; j < m; j++) assert.ok(Math.abs(a.coordinates[c][j] - b.coordinates[c][j]) < 1e-9 * sigma[0]);
  }
});

test('energy rule and fixed rank', () => {
  const sigma = [10, 5, 2, 1];
  const { series } = closedForm(30, 200, sigma);
  const total = sigma.reduce((s, v) => s + v * v, 0);
  // 100 + 25 = 125 of 130: 0.9615 → rank 2 for energy 0.95, rank 3 for 0.97.
  assert.equal(computePod(series, { rank: 'auto', energy: 0.95 }).basis.rank, 2);
  const three = computePod(series, { rank: 'auto', energy: 0.97 }).basis;
  assert.equal(three.rank, 3);
  assert.ok(Math.abs(three.energy - 129 / total) < 1e-12);
  assert.equal(computePod(series, { rank: 1, energy: 0.5 }).basis.rank, 1);
  // A fixed rank above the numerical rank is capped to it.
  assert.equal(computePod(series, { rank: 10, energy: 0.5 }).basis.rank, 4);
  assert.throws(() => computePod(series, { rank: 0, energy: 0.5 }), RangeError);
});

test('the automatic rank is capped by maxRank on full-rank data', () => {
  const rand = mulberry32(11);
  const series = Array.from({ length: 80 }, () => Float64Array.from({ length: 100 }, () => rand()));
  assert.equal(computePod(series, { rank: 'auto', energy: 1 }).basis.rank, 64);
  assert.equal(computePod(series, { rank: 'auto', energy: 1, maxRank: 10 }).basis.rank, 10);
});

test('huge and tiny magnitudes neither overflow nor underflow', () => {
  const sigma = [3, 2, 1];
  const { series } = closedForm(20, 60, sigma);
  for (const factor of [1e300, 1e-300]) {
    const scaled = series.map((row) => row.map((v) => v * factor));
    const { basis, coordinates } = computePod(scaled, { rank: 'auto', energy: 1 });
    assert.equal(basis.rank, 3);
    sigma.forEach((s, c) => assert.ok(Math.abs(basis.singularValues[c] / (s * factor) - 1) < 1e-10, `factor ${factor} σ${c + 1}`));
    const back = liftFromPod(basis, coordinates);
    let maxRel = 0;
    for (let i = 0; i < 20; i++) for (let j = 0; j < 60; j++) maxRel = Math.max(maxRel, Math.abs(back[i][j] - scaled[i][j]) / Math.abs(scaled[i][j]));
    assert.ok(maxRel < 1e-12, `factor ${factor}: ${maxRel}`);
  }
});

test('sign convention: the first component within 1e-6 of the largest magnitude is positive; constant data has rank 0', () => {
  const { basis } = computePod(lowRankField(60, 300).series, { rank: 'auto', energy: 1 });
  for (let c = 0; c < basis.rank; c++) {
    const mode = basis.modes.subarray(c * 60, (c + 1) * 60);
    const maxAbs = Math.max(...Array.from(mode, Math.abs));
    const pivot = mode.findIndex((v) => Math.abs(v) >= (1 - 1e-6) * maxAbs);
    assert.ok(mode[pivot] > 0);
  }
  const flat = computePod([new Float64Array(10).fill(3), new Float64Array(10).fill(-1)], { rank: 'auto', energy: 0.99 });
  assert.equal(flat.basis.rank, 0);
  assert.deepEqual(Array.from(flat.basis.mean), [3, -1]);
});

test('gramMatrix equals the naive product, tile by tile to the bit (11 rows: every blocking, length not a multiple of the tile)', () => {
  const rand = mulberry32(5);
  const N = 11;
  const L = 5000;
  const rows = Array.from({ length: N }, () => Float64Array.from({ length: L }, () => rand() - 0.5));
  const G = gramMatrix(rows);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < N; k++) {
      let s = 0;
      let exact = 0;
      for (let l0 = 0; l0 < L; l0 += DENSE_TILE) {
        let t = 0;
        for (let l = l0; l < Math.min(L, l0 + DENSE_TILE); l++) t += rows[Math.max(i, k)][l] * rows[Math.min(i, k)][l];
        s += t;
      }
      for (let l = 0; l < L; l++) exact += rows[i][l] * rows[k][l];
      assert.equal(G[i * N + k], s, `G[${i},${k}]`);
      assert.ok(Math.abs(G[i * N + k] - exact) < 1e-11);
    }
  }
});

test('iterative solver (leading pairs only) matches the closed form and the dense solver, both orientations', () => {
  const sigma = [40, 7, 3, 0.05];
  for (const [n, m] of [[300, 700], [700, 300]]) {
    const { series, U } = closedForm(n, m, sigma);
    const [it, dense] = (['iterative', 'dense'] as const).map((solver) => computePod(series, { rank: 'auto', energy: 1, solver }));
    assert.equal(it.basis.rank, 4);
    assert.equal(dense.basis.rank, 4);
    // Only the leading values are computed, at least rank + 1.
    assert.ok(it.basis.singularValues.length > 4 && it.basis.singularValues.length < 64, `${it.basis.singularValues.length} values`);
    sigma.forEach((s, c) => {
      assert.ok(Math.abs(it.basis.singularValues[c] - s) < 1e-10 * sigma[0], `σ${c + 1} = ${it.basis.singularValues[c]} vs ${s}`);
      let d = 0;
      for (let i = 0; i < n; i++) d += it.basis.modes[c * n + i] * U[c][i];
      assert.ok(Math.abs(Math.abs(d) - 1) < 1e-9, `mode ${c + 1} alignment ${d}`);
    });
    assert.ok(Math.abs(it.basis.energy - 1) < 1e-12);
    for (let k = 0; k < n * 4; k++) assert.ok(Math.abs(it.basis.modes[k] - dense.basis.modes[k]) < 1e-9, `mode entry ${k}`);
    for (let c = 0; c < 4; c++) for (let j = 0; j < m; j++) assert.ok(Math.abs(it.coordinates[c][j] - dense.coordinates[c][j]) < 1e-9 * sigma[0]);
    assert.ok(relError(liftFromPod(it.basis, it.coordinates), series) < 1e-12);
  }
});

test('iterative solver: the block grows until the energy rule is settled; fixed rank; same answers as dense', () => {
  // σ_c = 0.7^c for 30 modes: energy 0.999999 needs rank 20 (1 − 0.49^20 ≥ 1 − 1e-6 > 1 − 0.49^19).
  const sigma = Array.from({ length: 30 }, (_, c) => 0.7 ** c);
  const { series } = closedForm(260, 600, sigma);
  for (const opts of [{ rank: 'auto' as const, energy: 0.999999 }, { rank: 7, energy: 0.5 }, { rank: 'auto' as const, energy: 1, maxRank: 12 }]) {
    const it = computePod(series, { ...opts, solver: 'iterative' });
    const dense = computePod(series, { ...opts, solver: 'dense' });
    const want = opts.rank === 'auto' ? (opts.energy === 1 ? 12 : 20) : 7;
    assert.equal(it.basis.rank, want, JSON.stringify(opts));
    assert.ok(it.basis.singularValues.length < 260, 'leading values only (no dense fallback)');
    assert.equal(dense.basis.rank, want, JSON.stringify(opts));
    assert.ok(Math.abs(it.basis.energy - dense.basis.energy) < 1e-12, `energy ${it.basis.energy} vs ${dense.basis.energy}`);
    for (let c = 0; c < want; c++) assert.ok(Math.abs(it.basis.singularValues[c] - sigma[c]) < 1e-10, `σ${c + 1}`);
    const err = relError(liftFromPod(it.basis, it.coordinates), liftFromPod(dense.basis, dense.coordinates));
    assert.ok(err < 1e-9, `iterative vs dense reconstruction ${err}`);
  }
});

test('iterative solver on full-rank random data falls back to dense and agrees with it', () => {
  const rand = mulberry32(3);
  const series = Array.from({ length: 160 }, () => Float64Array.from({ length: 400 }, () => rand()));
  const it = computePod(series, { rank: 'auto', energy: 0.9, solver: 'iterative' });
  const dense = computePod(series, { rank: 'auto', energy: 0.9, solver: 'dense' });
  assert.equal(it.basis.rank, dense.basis.rank);
  assert.ok(Math.abs(it.basis.energy - dense.basis.energy) < 1e-9);
  for (let c = 0; c < it.basis.rank; c++) assert.ok(Math.abs(it.basis.singularValues[c] / dense.basis.singularValues[c] - 1) < 1e-9, `σ${c + 1}`);
});

test('rankEstimate: exact on a geometric spectrum, never above the rule on a power law; capped', () => {
  // λ_c = 2^-c (c = 0, 1, …): the rule needs 1 − 2^-r ≥ e, r = ⌈log2(1/(1 − e))⌉ = 20 for e = 0.999999
  const geometric = Array.from({ length: 200 }, (_, c) => 2 ** -c);
  const trace = geometric.reduce((a, b) => a + b, 0);
  const rule = chooseRank(geometric, 200, 200, trace, { rank: 'auto', energy: 0.999999, maxRank: 200 });
  assert.equal(rule?.rank, 20);
  assert.equal(rankEstimate(geometric.slice(0, 8), trace, 0.999999, 200), 20);
  // a random walk's spectrum, λ_c ∝ 1/(c + ½)²: flattens out, so the estimate from 8 values is low
  const walk = Array.from({ length: 400 }, (_, c) => 1 / (c + 0.5) ** 2);
  const wTrace = walk.reduce((a, b) => a + b, 0);
  const wRule = chooseRank(walk, 400, 400, wTrace, { rank: 'auto', energy: 0.999, maxRank: 400 })?.rank ?? 0;
  const est = rankEstimate(walk.slice(0, 8), wTrace, 0.999, 400);
  assert.ok(est > 8 && est <= wRule, `estimate ${est}, rule ${wRule}`);
  assert.equal(rankEstimate(walk.slice(0, 8), wTrace, 0.999999, 20), 20);
  assert.equal(rankEstimate([1, 1, 1, 1], 40, 0.99, 64), 64); // no decay seen: the cap
  // the leading values already hold the energy: the rule's own answer
  assert.equal(rankEstimate([4, 1, 1e-9], 5 + 1e-9, 0.99, 64), 2);
});

test('a flat spectrum handed to the dense route early gives the dense answer bit for bit', () => {
  // 300 random walks: λ_c ∝ 1/(c + ½)², rank at the cap of 64; the iterative route gives up after its first block
  const rand = mulberry32(5);
  const series = Array.from({ length: 300 }, () => {
    let w = 0;
    return Float64Array.from({ length: 1500 }, () => (w += rand() - 0.5));
  });
  const auto = computePod(series, { rank: 'auto', energy: 0.999999 });
  const dense = computePod(series, { rank: 'auto', energy: 0.999999, solver: 'dense' });
  assert.equal(auto.basis.rank, 64);
  assert.deepEqual(auto.basis.modes, dense.basis.modes);
  assert.deepEqual(auto.coordinates, dense.coordinates);
});

test('addRows4 adds four rows in the order of four single sweeps (bit-identical)', () => {
  const rand = mulberry32(9);
  const rows = Array.from({ length: 4 }, () => Float64Array.from({ length: 37 }, () => rand() * 1e3 - 500));
  const w = [0.3, -1.7, 2.9e-3, 11];
  const a = Float64Array.from({ length: 40 }, () => rand());
  const ref = a.slice();
  for (let r = 0; r < 4; r++) for (let j = 3; j < 40; j++) ref[j] += w[r] * rows[r][j - 3];
  addRows4(a, 3, 40, 3, w[0], w[1], w[2], w[3], rows[0], rows[1], rows[2], rows[3]);
  assert.deepEqual(a, ref);
});

test('constant rows whose sum rounds (0.1 × 10) still count as constant', () => {
  const flat = computePod([new Float64Array(10).fill(0.1), new Float64Array(10).fill(1 / 3)], { rank: 'auto', energy: 0.99 });
  assert.equal(flat.basis.rank, 0);
  assert.deepEqual(Array.from(flat.basis.mean), [0.1, 1 / 3]);
});

test('noiseFloorRank: rank k plus white noise gives k (Gavish–Donoho threshold); pure noise 0; no noise floor or a partial spectrum null', () => {
  const g = gaussian(mulberry32(17));
  const n = 150;
  const m = 600;
  for (const k of [1, 3, 6]) {
    // k modes of decreasing strength, all well above the noise's edge σ(√n + √m) ≈ 37
    const u = Array.from({ length: k }, () => Float64Array.from({ length: n }, () => g()));
    const v = Array.from({ length: k }, () => Float64Array.from({ length: m }, () => g()));
    const series = Array.from({ length: n }, (_, i) => Float64Array.from({ length: m }, (_, j) => u.reduce((s, ui, c) => s + (4 - 0.3 * c) * ui[i] * v[c][j] / 2, 0) + g()));
    const pod = computePod(series, { rank: 'auto', energy: 0.999999, solver: 'dense' });
    assert.equal(pod.basis.singularValues.length, n);
    assert.equal(noiseFloorRank(pod.basis.singularValues, n, m), k, `k = ${k}`);
  }
  const noise = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => g()));
  const pn = computePod(noise, { rank: 'auto', energy: 0.999999, solver: 'dense' });
  assert.equal(noiseFloorRank(pn.basis.singularValues, n, m), 0);
  // exactly rank 2, no noise: the median singular value is 0, nothing to threshold against
  assert.equal(noiseFloorRank(Float64Array.of(5, 2, 0, 0, 0, 0), 6, 50), null);
  assert.equal(noiseFloorRank(Float64Array.of(5, 2, 1), 6, 50), null);
});
