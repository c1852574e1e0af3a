import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planBasis, readBasis, storeBasis } from '../../src/core/codec/basis';
import { ByteReader } from '../../src/core/codec/bytes';
import { encodeIntRows } from '../../src/core/codec/entropy';
import { mulberry32 } from '../support/systems';

/** mean and r modes (column-major) from f(i, j) (j = −1: the mean). */
function basisOf(n: number, r: number, f: (i: number, j: number) => number): { mean: Float64Array; modes: Float64Array } {
  const mean = Float64Array.from({ length: n }, (_, i) => f(i, -1));
  const modes = new Float64Array(n * r);
  for (let j = 0; j < r; j++) for (let i = 0; i < n; i++) modes[j * n + i] = f(i, j);
  return { mean, modes };
}

function roundTrip(mean: Float64Array, modes: Float64Array, meanStep: number, modeStep: number) {
  const n = mean.length;
  const r = modes.length / n;
  const stored = storeBasis(mean, modes, { meanStep, modeStep });
  const read = readBasis(new ByteReader(stored.bytes, 'basis', 0), n, r);
  return { stored, read, predictor: stored.bytes[16] === 0 ? 0 : stored.bytes[16 + (stored.bytes[16] & 0x80 ? 2 : 1)] };
}

test('smooth modes (a field on 256 points) are coded by the cubic predictor along the variables: smaller, each value within step/2, read back bit-identical', () => {
  const n = 256;
  const r = 6;
  const { mean, modes } = basisOf(n, r, (i, j) => (j < 0 ? 0.3 * Math.cos((2 * Math.PI * i) / n) : Math.sin(((j + 1) * 2 * Math.PI * i) / n + j) / Math.sqrt(n / 2)));
  const plan = planBasis(1e-3, [2, 1.5, 1, 0.5, 0.3, 0.1]);
  const { stored, read, predictor } = roundTrip(mean, modes, plan.meanStep, plan.modeStep);
  assert.equal(predictor, 2);
  assert.deepEqual(Array.from(read.mean), Array.from(stored.basis.mean));
  assert.deepEqual(Array.from(read.modes), Array.from(stored.basis.modes));
  stored.basis.mean.forEach((v, i) => assert.ok(Math.abs(v - mean[i]) <= plan.meanStep / 2 * (1 + 1e-9)));
  stored.basis.modes.forEach((v, i) => assert.ok(Math.abs(v - modes[i]) <= plan.modeStep / 2 * (1 + 1e-9)));
  // against the rounded integers with the block transforms (what BASI held before): far smaller
  const q = [Float64Array.from(mean, (v) => Math.round(v / plan.meanStep) + 0), ...Array.from({ length: r }, (_, j) => Float64Array.from(modes.subarray(j * n, (j + 1) * n), (v) => Math.round(v / plan.modeStep) + 0))];
  const legacy = 16 + 2 + encodeIntRows(q).length;
  assert.ok(stored.bytes.length < 0.8 * legacy, `${stored.bytes.length} bytes, rounded integers ${legacy}`);
});

test('random modes keep the rounded integers (predictor 0); any basis reads back as the encoder stored it', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom('noise', 'smooth', 'steps', 'huge'), fc.constantFrom(1e-2, 1e-5, 1e-9), (n, r, seed, kind, step) => {
      const rnd = mulberry32(seed);
      const f = (i: number, j: number): number =>
        kind === 'noise' ? rnd() - 0.5 : kind === 'smooth' ? Math.sin(i / 7 + j) : kind === 'steps' ? (i % 9 < 4 ? 1 : -1) * (j + 2) : (rnd() - 0.5) * 1e12;
      const { mean, modes } = basisOf(n, r, f);
      const { stored, read } = roundTrip(mean, modes, step, step / 3);
      assert.deepEqual(Array.from(read.mean), Array.from(stored.basis.mean));
      assert.deepEqual(Array.from(read.modes), Array.from(stored.basis.modes));
      // within half a step (up to rounding), or stored exactly when the integers would not fit
      const exact = new DataView(stored.bytes.buffer, stored.bytes.byteOffset).getFloat64(0, true) === 0;
      const tol = (s: number) => (exact ? 0 : s / 2 + 64 * Number.EPSILON * (kind === 'huge' ? 1e12 : 4));
      stored.basis.mean.forEach((v, i) => assert.ok(Math.abs(v - mean[i]) <= tol(step), `mean ${v} vs ${mean[i]}`));
      stored.basis.modes.forEach((v, i) => assert.ok(Math.abs(v - modes[i]) <= tol(step / 3), `mode ${v} vs ${modes[i]}`));
    }),
    { numRuns: 150, seed: 3 },
  );
  const rnd = mulberry32(9);
  const { mean, modes } = basisOf(64, 3, () => rnd() - 0.5);
  assert.equal(roundTrip(mean, modes, 1e-4, 1e-4).predictor, 0);
});
