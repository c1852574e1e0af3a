// Multi-scale coefficients: AtmosphericRegime's y' = −0.01 y + 3 z − 2 y z − 5 z² − 1.1 x² spans 2.7
// decades (0.01 next to 5, with |y| ~ 0.2 against z² ~ 0.07: a 1e-3 share of ẏ). MSTLS alone drops −0.01 y
// (its share of ‖b‖ is below the sparsity weight); the add-back step keeps it (regression.ts addBackTerms).
// Sampled at 1000 points per period: the database's 100 put ~2 samples on each turn of its ω = 3 rotation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identify, identifyOptionsOf } from '../../src/core/sindy/identify';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { coefficientError, dystsSystem, sampleDysts } from '../support/dysts';
import { uniformTime } from '../support/systems';

test('AtmosphericRegime: every term, the 0.01 ones next to 5, within 1e-5', () => {
  const s = dystsSystem('AtmosphericRegime', 1000, 20);
  const coefs = Object.values(s.trueTerms).flatMap((eq) => Object.values(eq).map(Math.abs));
  assert.ok(Math.max(...coefs) / Math.min(...coefs) >= 500, 'the system spans close to three decades');
  const time = uniformTime(s.steps, s.dt);
  const { system } = identify(sampleDysts(s, time), time, s.stateNames, identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  const e = coefficientError(system.model, s);
  assert.ok(e.exact, `extra ${e.extra}, missing ${e.missing}`);
  assert.ok(e.worst < 1e-5, `worst ${e.worst}`);
});

test('HyperYan: the small −w term of z′ is kept at degree 2 (MSTLS alone dropped it)', () => {
  const s = dystsSystem('HyperYan');
  const time = uniformTime(s.steps, s.dt);
  const { system } = identify(sampleDysts(s, time), time, s.stateNames, identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  assert.equal(system.model.library.degree, 2);
  const e = coefficientError(system.model, s);
  assert.ok(e.exact, `extra ${e.extra}, missing ${e.missing}`);
  assert.ok(e.worst < 1e-4, `worst ${e.worst}`);
});

test('AtmosphericRegime at the database’s 100 points per period (two samples per turn): recovered by the flow refinement', () => {
  // The weak form alone keeps 3 z, −5 z², … but loses −0.01 y in the quadrature error of samples this coarse;
  // the one-step flow refinement (sindy/refine.ts) adds it back and fixes the coefficients.
  const s = dystsSystem('AtmosphericRegime');
  const time = uniformTime(s.steps, s.dt);
  const messages: string[] = [];
  const { system } = identify(sampleDysts(s, time), time, s.stateNames, identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS), (ev) => {
    if (ev.message) messages.push(ev.message);
  });
  assert.ok(messages.some((m) => m.includes('one-step flow')), messages.join('; '));
  const e = coefficientError(system.model, s);
  assert.ok(e.exact, `extra ${e.extra}, missing ${e.missing}`);
  assert.ok(e.worst < 2e-3, `worst ${e.worst}`);
});
