// Resolution screening of the weak-form rows and the Nyquist noise estimate (sindy/rowScreen.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseTestFunctions } from '../../src/core/sindy/testFunctions';
import { buildWeakSystem } from '../../src/core/sindy/weakForm';
import { nyquistSigma, screenRows, selectKth } from '../../src/core/sindy/rowScreen';
import { dystsSystem, sampleDysts } from '../support/dysts';
import { gaussian, mulberry32, uniformTime } from '../support/systems';

function weakOf(name: string, noise = 0): { weak: ReturnType<typeof buildWeakSystem>; tf: ReturnType<typeof chooseTestFunctions>; sigma: number[] } {
  const s = dystsSystem(name);
  const time = uniformTime(s.steps, s.dt);
  const g = gaussian(mulberry32(5));
  const sigma: number[] = [];
  const scaled = sampleDysts(s, time).map((x) => {
    const mx = x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    sigma.push(noise);
    return x.map((v) => v / mx + noise * g());
  });
  const tf = chooseTestFunctions(scaled, time, {}, 10);
  return { weak: buildWeakSystem(tf, time, scaled, scaled), tf, sigma };
}

test('screening drops the rows over LiuChen’s unresolved bursts and keeps Lorenz whole', () => {
  const liu = weakOf('LiuChen');
  const kept = screenRows(liu.weak, liu.tf);
  assert.ok(kept, 'LiuChen has burst rows');
  assert.ok(kept.keep.length < 0.95 * liu.weak.K && kept.keep.length > 0.5 * liu.weak.K, `${kept.keep.length} of ${liu.weak.K}`);
  assert.equal(kept.tf.centres.length, kept.keep.length);
  assert.equal(kept.weak.K, kept.keep.length);
  // the kept rows are the originals
  const k = kept.keep[7];
  assert.deepEqual(Array.from(kept.weak.G.subarray(7 * liu.weak.J, 8 * liu.weak.J)), Array.from(liu.weak.G.subarray(k * liu.weak.J, (k + 1) * liu.weak.J)));
  const lorenz = weakOf('Lorenz');
  assert.equal(screenRows(lorenz.weak, lorenz.tf), null);
});

test('Nyquist noise estimate: white noise is measured, a clean resolved signal gives next to nothing', () => {
  const noisy = weakOf('Lorenz', 0.004);
  const est = nyquistSigma(noisy.weak);
  assert.ok(est);
  est.forEach((v, e) => assert.ok(Math.abs(v / noisy.sigma[e] - 1) < 0.15, `state ${e}: ${v} for σ = ${noisy.sigma[e]}`));
  const clean = nyquistSigma(weakOf('Lorenz').weak);
  assert.ok(clean);
  clean.forEach((v) => assert.ok(v < 1e-7, `clean: ${v}`));
});

test('selectKth agrees with sorting', () => {
  const rand = mulberry32(3);
  for (let t = 0; t < 300; t++) {
    const n = 1 + Math.floor(rand() * 40);
    const a = Float64Array.from({ length: n }, () => Math.floor(rand() * 8));
    const k = Math.floor(rand() * n);
    const sorted = a.slice().sort();
    assert.equal(selectKth(a, k), sorted[k]);
  }
});
