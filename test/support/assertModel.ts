// The acceptance check of a fit: a known system comes back with exactly its true terms.
import assert from 'node:assert/strict';
import type { IdentifiedSystem } from '../../src/core/model';
import type { KnownSystem } from './systems';

/** Every equation has exactly the true terms, each within `tol` relative; returns the worst error. */
export function assertTrueModel(res: { system: IdentifiedSystem }, sys: KnownSystem, tol: number): number {
  const { model, pod } = res.system;
  assert.equal(pod, null, `${sys.name}: few full-rank variables must be fitted without POD`);
  assert.deepEqual(model.stateNames, sys.stateNames);
  const r = model.stateNames.length;
  let worst = 0;
  model.stateNames.forEach((eq, e) => {
    const truth = sys.trueTerms[eq];
    const found: Record<string, number> = {};
    model.termNames.forEach((name, j) => {
      const c = model.coefficients[j * r + e];
      if (c !== 0) found[name] = c;
    });
    assert.deepEqual(Object.keys(found).sort(), Object.keys(truth).sort(), `${sys.name}: terms of ${eq}' = ${JSON.stringify(found)}`);
    for (const [name, coef] of Object.entries(truth)) {
      const err = Math.abs(found[name] - coef) / Math.abs(coef);
      worst = Math.max(worst, err);
      assert.ok(err < tol, `${sys.name}: ${eq}' term ${name} = ${found[name]}, expected ${coef} (relative error ${err.toExponential(2)})`);
    }
  });
  return worst;
}
