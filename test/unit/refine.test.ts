// Flow-map refinement (sindy/refine.ts) against known coefficients: from a wrong start, coarse samples of
// Lorenz give back σ, ρ, β through the one-step flow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refineByFlow } from '../../src/core/sindy/refine';
import { buildLibrary } from '../../src/core/sindy/library';
import { lorenz, sampleSystem, uniformTime } from '../support/systems';

test('refineByFlow: a missing term added back and every coefficient fixed, on samples 0.05 apart', () => {
  const sys = lorenz(10, 28, 8 / 3);
  const time = uniformTime(1500, 0.05);
  const states = sampleSystem(sys, time);
  const { terms, names } = buildLibrary({ degree: 2, constant: true, trigFrequencies: [] }, sys.stateNames);
  const r = 3;
  const truth = new Float64Array(terms.length * r);
  const set = (term: string, e: number, v: number): void => {
    truth[names.indexOf(term) * r + e] = v;
  };
  set('x', 0, -10);
  set('y', 0, 10);
  set('x', 1, 28);
  set('y', 1, -1);
  set('x z', 1, -1);
  set('z', 2, -8 / 3);
  set('x y', 2, 1);
  // The start: 2 % off everywhere and without the −y of y′.
  const start = truth.map((v) => v * 1.02);
  start[names.indexOf('y') * r + 1] = 0;
  const out = refineByFlow(terms, start, states, time);
  assert.ok(out, 'refined');
  assert.equal(out.added, 1);
  assert.ok(out.after < out.before / 100, `${out.before} → ${out.after}`);
  truth.forEach((v, p) => {
    if (v === 0) assert.equal(out.xi[p], 0, `${names[Math.floor(p / r)]} in equation ${p % r}`);
    else assert.ok(Math.abs(out.xi[p] - v) < 1e-6 * Math.abs(v), `${names[Math.floor(p / r)]} in equation ${p % r}: ${out.xi[p]} vs ${v}`);
  });
});

test('refineByFlow leaves a model alone that already predicts each next sample', () => {
  const sys = lorenz(10, 28, 8 / 3);
  const time = uniformTime(800, 0.01);
  const states = sampleSystem(sys, time);
  const { terms, names } = buildLibrary({ degree: 2, constant: true, trigFrequencies: [] }, sys.stateNames);
  const xi = new Float64Array(terms.length * 3);
  [['x', 0, -10], ['y', 0, 10], ['x', 1, 28], ['y', 1, -1], ['x z', 1, -1], ['z', 2, -8 / 3], ['x y', 2, 1]].forEach(([t, e, v]) => (xi[names.indexOf(t as string) * 3 + (e as number)] = v as number));
  assert.equal(refineByFlow(terms, xi, states, time), null);
});
