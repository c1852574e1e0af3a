import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLibrary, compileRhs, evaluateLibrary, termDegree, termName } from '../../src/core/sindy/library';
import type { LibrarySpec, SparseModel } from '../../src/core/model';
import { allSystems, mulberry32, sampleSystem, uniformTime } from '../support/systems';

const names3 = ['x', 'y', 'z'];

test('canonical order and names: degree 2 over x, y, z', () => {
  const { names } = buildLibrary({ degree: 2, constant: true, trigFrequencies: [] }, names3);
  assert.deepEqual(names, ['1', 'x', 'y', 'z', 'x^2', 'x y', 'x z', 'y^2', 'y z', 'z^2']);
});

test('degree 3 over two variables, no constant, with trig terms', () => {
  const { names, terms } = buildLibrary({ degree: 3, constant: false, trigFrequencies: [1, 2] }, ['x', 'y']);
  assert.deepEqual(names, [
    'x', 'y', 'x^2', 'x y', 'y^2', 'x^3', 'x^2 y', 'x y^2', 'y^3',
    'sin(x)', 'cos(x)', 'sin(y)', 'cos(y)', 'sin(2 x)', 'cos(2 x)', 'sin(2 y)', 'cos(2 y)',
  ]);
  assert.deepEqual(terms.slice(0, 9).map(termDegree), [1, 1, 2, 2, 2, 3, 3, 3, 3]);
});

test('library size is C(r + d, d) for the polynomial part', () => {
  const binom = (a: number, b: number): number => { let c = 1; for (let i = 1; i <= b; i++) c = (c * (a - b + i)) / i; return c; };
  for (const r of [1, 2, 3, 5]) {
    for (const d of [1, 2, 3, 4]) {
      const { terms } = buildLibrary({ degree: d, constant: true, trigFrequencies: [] }, Array.from({ length: r }, (_, i) => `a${i + 1}`));
      assert.equal(terms.length, binom(r + d, d), `r=${r} d=${d}`);
    }
  }
});

test('termName examples', () => {
  assert.equal(termName({ kind: 'poly', powers: [0, 0, 0] }, names3), '1');
  assert.equal(termName({ kind: 'poly', powers: [1, 0, 1] }, names3), 'x z');
  assert.equal(termName({ kind: 'poly', powers: [2, 1, 0] }, names3), 'x^2 y');
  assert.equal(termName({ kind: 'poly', powers: [0, 0, 4] }, names3), 'z^4');
  assert.equal(termName({ kind: 'sin', variable: 1, frequency: 2 }, names3), 'sin(2 y)');
  assert.equal(termName({ kind: 'cos', variable: 0, frequency: 1 }, ['a1']), 'cos(a1)');
});

test('evaluateLibrary matches direct products and trig values cell by cell', () => {
  const m = 257;
  const rand = mulberry32(3);
  const states = [0, 1, 2].map(() => Float64Array.from({ length: m }, () => 4 * rand() - 2));
  const { terms } = buildLibrary({ degree: 4, constant: true, trigFrequencies: [0.5, 3] }, names3);
  const cols = evaluateLibrary(terms, states, m);
  assert.equal(cols.length, terms.length);
  terms.forEach((term, k) => {
    for (let j = 0; j < m; j++) {
      let expected: number;
      if (term.kind === 'poly') expected = term.powers.reduce((acc, p, i) => acc * states[i][j] ** p, 1);
      else expected = (term.kind === 'sin' ? Math.sin : Math.cos)(term.frequency * states[term.variable][j]);
      assert.ok(Math.abs(cols[k][j] - expected) <= 1e-13 * Math.max(1, Math.abs(expected)), `term ${k} row ${j}`);
    }
  });
  // A subset whose parents are absent from the list, and columns independent of each other.
  const subset = [{ kind: 'poly' as const, powers: [0, 3, 1] }, { kind: 'poly' as const, powers: [0, 0, 0] }];
  const sub = evaluateLibrary(subset, states, m);
  assert.ok(Math.abs(sub[0][5] - states[1][5] ** 3 * states[2][5]) < 1e-13);
  assert.ok(sub[1].every((v) => v === 1));
  sub[1][0] = 7;
  assert.equal(evaluateLibrary(subset, states, m)[1][0], 1);
});

function modelFromTrueTerms(spec: LibrarySpec, stateNames: string[], trueTerms: Record<string, Record<string, number>>): SparseModel {
  const { terms, names } = buildLibrary(spec, stateNames);
  const r = stateNames.length;
  const coefficients = new Float64Array(terms.length * r);
  stateNames.forEach((eq, j) => {
    for (const [term, c] of Object.entries(trueTerms[eq])) {
      const k = names.indexOf(term);
      assert.ok(k >= 0, `term ${term} is in the library`);
      coefficients[k * r + j] = c;
    }
  });
  return { stateNames, library: spec, terms, termNames: names, coefficients };
}

test('compileRhs reproduces every known system\'s right-hand side from its true terms', () => {
  for (const sys of allSystems()) {
    const model = modelFromTrueTerms({ degree: 3, constant: true, trigFrequencies: [1] }, sys.stateNames, sys.trueTerms);
    const rhs = compileRhs(model);
    const states = sampleSystem(sys, uniformTime(200, 0.01));
    const r = sys.stateNames.length;
    const y = new Float64Array(r), got = new Float64Array(r), want = new Float64Array(r);
    for (let j = 0; j < 200; j += 7) {
      for (let i = 0; i < r; i++) y[i] = states[i][j];
      rhs(0, y, got);
      sys.rhs(0, y, want);
      for (let i = 0; i < r; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * (1 + Math.abs(want[i])), `${sys.name} eq ${i}`);
    }
  }
});

test('compileRhs with trig and high powers, inactive terms ignored', () => {
  const model = modelFromTrueTerms({ degree: 5, constant: true, trigFrequencies: [2] }, ['u', 'v'], {
    u: { 'u^5': 0.5, 'sin(2 v)': -3, '1': 1 },
    v: { 'u^2 v^3': 2, 'cos(2 u)': 4 },
  });
  const rhs = compileRhs(model);
  const d = new Float64Array(2);
  rhs(0, Float64Array.of(1.3, -0.7), d);
  assert.ok(Math.abs(d[0] - (0.5 * 1.3 ** 5 - 3 * Math.sin(-1.4) + 1)) < 1e-14);
  assert.ok(Math.abs(d[1] - (2 * 1.3 ** 2 * (-0.7) ** 3 + 4 * Math.cos(2.6))) < 1e-14);
  assert.throws(() => compileRhs({ ...model, coefficients: new Float64Array(3) }), RangeError);
});
