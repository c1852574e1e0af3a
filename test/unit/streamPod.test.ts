import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/core/dataset';
import { CancelledError } from '../../src/core/errors';
import { computePod, type PodOptions } from '../../src/core/numerics/pod';
import { memoryBlockSource } from '../../src/core/stream/blocks';
import { STREAM_GRAM_MAX_N, streamingPod, type StreamingPodResult } from '../../src/core/stream/streamPod';
import { addNoise, lowRankField, mulberry32 } from '../support/systems';

function dataset(series: Float64Array[]): Dataset {
  const m = series[0].length;
  return {
    names: series.map((_, i) => `x${i}`),
    series,
    time: Float64Array.from({ length: m }, (_, j) => j),
    source: { layout: 'columns', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' },
  };
}

function run(series: Float64Array[], opts: PodOptions, blockLength = 100, signal?: AbortSignal): Promise<StreamingPodResult> {
  return streamingPod(memoryBlockSource(dataset(series), blockLength), opts, undefined, signal);
}

interface ClosedForm {
  series: Float64Array[];
  U: Float64Array[];
  mean: Float64Array;
}

/**
 * X = mean + amp·U diag(σ) Vᵀ with exactly orthonormal U (discrete sine vectors over i) and V (cosines
 * over j with zero temporal mean): the centred data's singular values are amp·σ, its modes U.
 */
function closedForm(n: number, m: number, sigma: number[], offset = 1, amp = 1): ClosedForm {
  const U = sigma.map((_, c) => Float64Array.from({ length: n }, (_, i) => Math.sqrt(2 / (n + 1)) * Math.sin(((c + 1) * Math.PI * (i + 1)) / (n + 1))));
  const V = sigma.map((_, c) => Float64Array.from({ length: m }, (_, j) => Math.sqrt(2 / m) * Math.cos((2 * Math.PI * (c + 1) * j) / m)));
  const mean = Float64Array.from({ length: n }, (_, i) => offset * (1 + 0.01 * i));
  const series = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(m);
    sigma.forEach((s, c) => {
      for (let j = 0; j < m; j++) row[j] += amp * s * U[c][i] * V[c][j];
    });
    for (let j = 0; j < m; j++) row[j] += mean[i];
    return row;
  });
  return { series, U, mean };
}

function extremes(series: Float64Array[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) for (const v of s) { min = Math.min(min, v); max = Math.max(max, v); }
  return { min, max };
}

/** Checks a result against the closed form: rank, σ (relative), modes (|u·û|), mean, min/max. */
function checkKnown(r: StreamingPodResult, cf: ClosedForm, sigma: number[], rank: number, sigmaTol: number, label: string, amp = 1): void {
  const n = cf.U[0].length;
  assert.equal(r.basis.rank, rank, `${label}: rank`);
  // Fixed rank on the sketch route computes only the leading max(rank, …) values.
  assert.ok(r.basis.singularValues.length >= rank, `${label}: ${r.basis.singularValues.length} singular values`);
  for (let c = 0; c < Math.min(sigma.length, r.basis.singularValues.length); c++) {
    const err = Math.abs(r.basis.singularValues[c] - amp * sigma[c]) / (amp * sigma[c]);
    assert.ok(err < sigmaTol, `${label}: σ${c + 1} relative error ${err}`);
  }
  for (let c = 0; c < rank; c++) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += r.basis.modes[c * n + i] * cf.U[c][i];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `${label}: mode ${c + 1} alignment ${dot}`);
  }
  const scale = Math.max(...cf.mean.map(Math.abs));
  for (let i = 0; i < n; i++) assert.ok(Math.abs(r.basis.mean[i] - cf.mean[i]) <= 1e-14 * scale + 1e-13 * amp, `${label}: mean ${i}`);
  const { min, max } = extremes(cf.series);
  assert.equal(r.min, min, `${label}: min`);
  assert.equal(r.max, max, `${label}: max`);
}

const SIGMA = [40, 7, 3, 0.5];
const TOTAL = SIGMA.reduce((s, v) => s + v * v, 0);

test('Gram route (small n): rank, singular values, modes, mean, energy and extremes match the closed form', async () => {
  const cf = closedForm(60, 1500, SIGMA);
  const r = await run(cf.series, { rank: 'auto', energy: 1 });
  assert.equal(r.passes, 1);
  checkKnown(r, cf, SIGMA, 4, 1e-8, 'auto, energy 1');
  assert.ok(Math.abs(r.basis.energy - 1) < 1e-12);
  assert.equal(r.basis.singularValues.length, 60); // all of them, as computePod's dense route
  // 1600 + 49 = 1649 of 1658.25 = 0.9944: rank 2 for energy 0.99.
  const r2 = await run(cf.series, { rank: 'auto', energy: 0.99 });
  checkKnown(r2, cf, SIGMA, 2, 1e-8, 'auto, energy 0.99');
  assert.ok(Math.abs(r2.basis.energy - 1649 / TOTAL) < 1e-12);
  checkKnown(await run(cf.series, { rank: 3, energy: 0.5 }), cf, SIGMA, 3, 1e-8, 'fixed rank 3');
  // A fixed rank above the numerical rank is capped to it.
  checkKnown(await run(cf.series, { rank: 10, energy: 0.5 }), cf, SIGMA, 4, 1e-8, 'fixed rank 10');
});

test('sketch route (n above the Gram limit, and forced for small n): same known answers', async () => {
  const n = STREAM_GRAM_MAX_N + 188; // 700
  const cf = closedForm(n, 2000, SIGMA);
  const r = await run(cf.series, { rank: 'auto', energy: 1 });
  assert.ok(r.passes >= 2, `passes ${r.passes}`);
  checkKnown(r, cf, SIGMA, 4, 1e-6, 'n = 700, auto');
  assert.ok(Math.abs(r.basis.energy - 1) < 1e-12);
  const r2 = await run(cf.series, { rank: 'auto', energy: 0.99 });
  checkKnown(r2, cf, SIGMA, 2, 1e-6, 'n = 700, energy 0.99');
  assert.ok(Math.abs(r2.basis.energy - 1649 / TOTAL) < 1e-10);
  checkKnown(await run(cf.series, { rank: 2, energy: 0.5 }), cf, SIGMA, 2, 1e-6, 'n = 700, fixed rank 2');
  checkKnown(await run(cf.series, { rank: 9, energy: 0.5 }), cf, SIGMA, 4, 1e-6, 'n = 700, fixed rank 9');

  const small = closedForm(60, 1500, SIGMA);
  const rs = await run(small.series, { rank: 'auto', energy: 1, solver: 'iterative' });
  assert.ok(rs.passes >= 2);
  checkKnown(rs, small, SIGMA, 4, 1e-6, 'n = 60, forced sketch');
});

test('ragged block lengths (7, 100, m) give the same answers on both routes', async () => {
  for (const [n, solver] of [[40, 'dense'], [40, 'iterative']] as const) {
    const m = 1301; // not a multiple of any block length or of the internal chunk
    const cf = closedForm(n, m, SIGMA);
    const results: StreamingPodResult[] = [];
    for (const bl of [7, 100, m]) {
      const r = await run(cf.series, { rank: 'auto', energy: 1, solver }, bl);
      checkKnown(r, cf, SIGMA, 4, solver === 'dense' ? 1e-8 : 1e-6, `${solver}, block ${bl}`);
      results.push(r);
    }
    const [a] = results;
    for (const b of results.slice(1)) {
      assert.equal(b.passes, a.passes);
      for (let k = 0; k < n * 4; k++) assert.ok(Math.abs(a.basis.modes[k] - b.basis.modes[k]) < 1e-10, `${solver}: mode entry ${k}`);
      for (let c = 0; c < 4; c++) assert.ok(Math.abs(a.basis.singularValues[c] - b.basis.singularValues[c]) < 1e-12 * SIGMA[0]);
    }
  }
});

test('a large offset (mean 1e6, fluctuation 1e-3) keeps the accuracy', async () => {
  // Values carry 1e6·ε ≈ 1e-10 absolute representation error, ~1e-8 of the fluctuation amplitude.
  for (const [n, solver] of [[50, 'auto'], [50, 'iterative']] as const) {
    const cf = closedForm(n, 3000, [4, 2, 1], 1e6, 1e-3);
    const r = await run(cf.series, { rank: 'auto', energy: 0.999999, solver }, 64);
    const c = computePod(cf.series, { rank: 'auto', energy: 0.999999 });
    assert.equal(r.basis.rank, 3, solver);
    assert.equal(c.basis.rank, 3);
    checkKnown(r, cf, [4, 2, 1], 3, 1e-6, `offset, ${solver}`, 1e-3);
    // The shifted sums give the mean to ~1e-16 of the fluctuation; computePod's plain sums only to ~1e-7.
    let errStream = 0;
    let errMemory = 0;
    for (let i = 0; i < n; i++) {
      errStream = Math.max(errStream, Math.abs(r.basis.mean[i] - cf.mean[i]));
      errMemory = Math.max(errMemory, Math.abs(c.basis.mean[i] - cf.mean[i]));
    }
    assert.ok(errStream < 1e-9 && errStream <= errMemory, `mean error ${errStream} (computePod ${errMemory})`);
  }
});

test('agrees with computePod on a noisy field (rank and leading singular values, both routes)', async () => {
  const field = lowRankField(120, 3000);
  const noisy = addNoise(field.series, 1e-3, 7);
  for (const energy of [0.9999, 0.999999]) {
    const ref = computePod(noisy, { rank: 'auto', energy, solver: 'dense' });
    for (const solver of ['dense', 'iterative'] as const) {
      const r = await run(noisy, { rank: 'auto', energy, solver }, 333);
      assert.equal(r.basis.rank, ref.basis.rank, `${solver}, energy ${energy}: rank`);
      const n = noisy.length;
      for (let c = 0; c < ref.basis.rank; c++) {
        const err = Math.abs(r.basis.singularValues[c] - ref.basis.singularValues[c]) / ref.basis.singularValues[c];
        // Gapped leading values to 1e-10. Noise-floor ones: the Gram route to its round-off ε·σ₁²/σ_c²;
        // the sketch route stops once the rank is settled (decidedByBounds), leaving them as Ritz values,
        // lower bounds within a few per cent.
        const ok = c < field.rank ? err < 1e-10
          : solver === 'dense' ? err < 1e-6
          : err < 0.05 && r.basis.singularValues[c] <= ref.basis.singularValues[c] * (1 + 1e-9);
        assert.ok(ok, `${solver}, energy ${energy}: σ${c + 1} relative difference ${err}`);
      }
      // Modes with a clear gap agree entry by entry (same sign convention).
      for (let c = 0; c < field.rank; c++) {
        for (let i = 0; i < n; i++) assert.ok(Math.abs(r.basis.modes[c * n + i] - ref.basis.modes[c * n + i]) < 1e-6, `${solver}: mode ${c + 1} entry ${i}`);
      }
      // The sketch route's energy is what its (not fully converged) modes capture: at most the optimum.
      const dE = r.basis.energy - ref.basis.energy;
      assert.ok(solver === 'dense' ? Math.abs(dE) < 1e-12 : dE < 1e-12 && dE > -1e-6, `${solver}: energy ${r.basis.energy} vs ${ref.basis.energy}`);
    }
  }
  // Full-rank noise with a rank cap: the cap binds on both.
  const rand = mulberry32(3);
  const noise = Array.from({ length: 90 }, () => Float64Array.from({ length: 800 }, () => rand() - 0.5));
  const ref = computePod(noise, { rank: 'auto', energy: 0.999, maxRank: 10 });
  for (const solver of ['dense', 'iterative'] as const) {
    const r = await run(noise, { rank: 'auto', energy: 0.999, maxRank: 10, solver });
    assert.equal(r.basis.rank, 10, solver);
    // Gram route: the same values. Sketch route: the rank is settled after two iteration passes, the
    // values are Ritz values of a flat spectrum (lower bounds; kept ones within 1 % by BOUND_TOL), the energy what they capture.
    for (let c = 0; c < 10; c++) {
      const err = Math.abs(r.basis.singularValues[c] - ref.basis.singularValues[c]) / ref.basis.singularValues[c];
      const ok = solver === 'dense' ? err < 1e-10 : err < 0.01 && r.basis.singularValues[c] <= ref.basis.singularValues[c] * (1 + 1e-9);
      assert.ok(ok, `${solver}: noise σ${c + 1} relative difference ${err}`);
    }
    assert.ok(r.basis.energy <= ref.basis.energy + 1e-12 && r.basis.energy > 0.99 * ref.basis.energy, `${solver}: energy ${r.basis.energy} vs ${ref.basis.energy}`);
  }
});

test('constant data has rank 0 and its exact mean; non-finite values are rejected', async () => {
  const series = [new Float64Array(500).fill(0.1), new Float64Array(500).fill(-3)];
  for (const solver of ['dense', 'iterative'] as const) {
    const r = await run(series, { rank: 'auto', energy: 0.99, solver }, 7);
    assert.equal(r.basis.rank, 0);
    assert.deepEqual(Array.from(r.basis.mean), [0.1, -3]);
    assert.equal(r.basis.energy, 1);
    assert.equal(r.min, -3);
    assert.equal(r.max, 0.1);
    assert.equal(r.passes, 1);
    const bad = [Float64Array.from({ length: 50 }, (_, j) => j), Float64Array.from({ length: 50 }, (_, j) => (j === 30 ? NaN : j))];
    await assert.rejects(run(bad, { rank: 'auto', energy: 0.99, solver }), RangeError);
  }
});

test('an AbortSignal cancels between blocks with CancelledError', async () => {
  const cf = closedForm(30, 2000, SIGMA);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(run(cf.series, { rank: 'auto', energy: 1 }, 100, ac.signal), CancelledError);
  // Abort in the middle of a pass, from the progress callback.
  for (const solver of ['dense', 'iterative'] as const) {
    const mid = new AbortController();
    const fractions: number[] = [];
    const src = memoryBlockSource(dataset(cf.series), 50);
    await assert.rejects(
      streamingPod(src, { rank: 'auto', energy: 1, solver }, (e) => {
        assert.equal(e.phase, 'pod');
        fractions.push(e.fraction);
        if (e.fraction > 0.1) mid.abort();
      }, mid.signal),
      CancelledError,
    );
    assert.ok(fractions.length > 1);
  }
  // Progress runs from 0 to 1, never backwards.
  const seen: number[] = [];
  await streamingPod(memoryBlockSource(dataset(cf.series), 50), { rank: 'auto', energy: 1, solver: 'iterative' }, (e) => seen.push(e.fraction));
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1] - 1e-12, `progress went back at ${i}: ${seen[i - 1]} → ${seen[i]}`);
  assert.equal(seen[seen.length - 1], 1);
});
