import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideOutcome, outcomeText, SPARSE_TERMS_PER_EQUATION } from '../../src/core/codec/outcome';

test('outcome rules: no model window → none; more than the sparse limit per equation → dense; else sparse', () => {
  // Lorenz: 7 terms for 3 equations, used by its window
  assert.deepEqual(decideOutcome({ equations: 3, activeTerms: 7, windows: 1, modelWindows: 1 }), { kind: 'sparse', reason: '', activeTerms: 7 });
  // a random walk's 8 × 165 terms: used → dense, unused → none with both reasons
  const dense = decideOutcome({ equations: 8, activeTerms: 1320, windows: 4, modelWindows: 3 });
  assert.equal(dense.kind, 'dense');
  assert.match(outcomeText(dense, 3, 4), /^Dense model, 1320 terms, used as predictor in 3 of 4 windows$/);
  const none = decideOutcome({ equations: 8, activeTerms: 1320, windows: 1, modelWindows: 0 });
  assert.equal(none.kind, 'none');
  assert.match(none.reason, /not sparse .*no window uses the model/);
  assert.equal(outcomeText(decideOutcome({ equations: 3, activeTerms: 7, windows: 1, modelWindows: 0 })), 'No governing equations found: no window uses the model');
  assert.equal(decideOutcome({ equations: 3, activeTerms: 0, windows: 1, modelWindows: 1 }).kind, 'none');
  // the limit itself is sparse, one more is dense
  assert.equal(decideOutcome({ equations: 2, activeTerms: 2 * SPARSE_TERMS_PER_EQUATION, windows: 1, modelWindows: 1 }).kind, 'sparse');
  assert.equal(decideOutcome({ equations: 2, activeTerms: 2 * SPARSE_TERMS_PER_EQUATION + 1, windows: 1, modelWindows: 1 }).kind, 'dense');
  // forced: a model no window uses is still reported as the model
  assert.equal(decideOutcome({ equations: 3, activeTerms: 7, windows: 1, modelWindows: 0, forced: true }).kind, 'sparse');
});
