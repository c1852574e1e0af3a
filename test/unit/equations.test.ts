import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equationsJson, equationsLatex, equationsLatexTerms, equationsPython, equationsText, formatCoefficient } from '../../src/core/sindy/equations';
import { buildLibrary } from '../../src/core/sindy/library';
import type { LibrarySpec, SparseModel } from '../../src/core/model';
import katex from 'katex';

function model(stateNames: string[], spec: LibrarySpec, equations: Record<string, Record<string, number>>): SparseModel {
  const { terms, names } = buildLibrary(spec, stateNames);
  const r = stateNames.length;
  const coefficients = new Float64Array(terms.length * r);
  stateNames.forEach((eq, j) => {
    for (const [term, c] of Object.entries(equations[eq] ?? {})) {
      const k = names.indexOf(term);
      assert.ok(k >= 0, term);
      coefficients[k * r + j] = c;
    }
  });
  return { stateNames, library: spec, terms, termNames: names, coefficients };
}

const poly2: LibrarySpec = { degree: 2, constant: true, trigFrequencies: [] };
// Terms given out of library order on purpose: output must follow the library.
const lorenz = model(['x', 'y', 'z'], poly2, {
  x: { y: 10, x: -10 },
  y: { 'x z': -1, x: 28, y: -1 },
  z: { 'x y': 1, z: -8 / 3 },
});

test('formatCoefficient: significant digits, no trailing zeros, %g exponent form', () => {
  const cases: [number, number, string][] = [
    [1, 4, '1'], [-10, 4, '-10'], [8 / 3, 4, '2.667'], [1.5e-5, 4, '1.5e-05'], [0.0001234, 4, '0.0001234'],
    [12345.6, 4, '1.235e+04'], [1234.4, 4, '1234'], [0.5, 4, '0.5'], [-0.19999999, 4, '-0.2'], [9.99996, 4, '10'],
    [2.5e300, 3, '2.5e+300'], [0, 4, '0'], [1.23456, 2, '1.2'],
  ];
  for (const [v, s, want] of cases) assert.equal(formatCoefficient(v, s), want, `${v} @ ${s}`);
});

test('plain text: Lorenz', () => {
  assert.deepEqual(equationsText(lorenz), ["x' = -10 x + 10 y", "y' = 28 x - y - x z", "z' = -2.667 z + x y"]);
  assert.deepEqual(equationsText(lorenz, 2), ["x' = -10 x + 10 y", "y' = 28 x - y - x z", "z' = -2.7 z + x y"]);
});

test('LaTeX: Lorenz, with products joined by \\,', () => {
  assert.deepEqual(equationsLatex(lorenz), [
    '\\dot{x} = -10\\,x + 10\\,y',
    '\\dot{y} = 28\\,x - y - x\\,z',
    '\\dot{z} = -2.667\\,z + x\\,y',
  ]);
});

// Library order: degree 1 (temp) comes before degree 3 (a1^2 x0).
test('constant term, powers, subscripted and multi-letter names, all-zero equation, tiny coefficient', () => {
  const m = model(['a1', 'x0', 'temp'], { degree: 3, constant: true, trigFrequencies: [] }, {
    a1: { '1': 0.2, 'a1^2 x0': -3, temp: 1.5e-5 },
    x0: {},
    temp: { '1': -1, 'temp^3': 1 },
  });
  assert.deepEqual(equationsText(m), ["a1' = 0.2 + 1.5e-05 temp - 3 a1^2 x0", "x0' = 0", "temp' = -1 + temp^3"]);
  assert.deepEqual(equationsLatex(m), [
    '\\dot{a}_{1} = 0.2 + 1.5 \\cdot 10^{-5}\\,\\mathrm{temp} - 3\\,a_{1}^{2}\\,x_{0}',
    '\\dot{x}_{0} = 0',
    '\\dot{\\mathrm{temp}} = -1 + \\mathrm{temp}^{3}',
  ]);
});

test('trigonometric terms and names that need escaping', () => {
  const m = model(['theta', 'p_q'], { degree: 1, constant: false, trigFrequencies: [1, 2] }, {
    theta: { p_q: 1 },
    p_q: { 'sin(theta)': -9.81, 'cos(2 p_q)': 0.5 },
  });
  assert.deepEqual(equationsText(m), ["theta' = p_q", "p_q' = -9.81 sin(theta) + 0.5 cos(2 p_q)"]);
  assert.deepEqual(equationsLatex(m), [
    '\\dot{\\theta} = \\mathrm{p\\_q}',
    '\\dot{\\mathrm{p\\_q}} = -9.81\\,\\sin(\\theta) + 0.5\\,\\cos(2\\,\\mathrm{p\\_q})',
  ]);
  assert.equal(
    equationsPython(m),
    [
      'import numpy as np',
      '',
      '',
      'def rhs(t, state):',
      '    """Identified model: d/dt [theta, p_q]."""',
      '    theta, p_q = state',
      '    return np.array([',
      "        p_q,  # theta'",
      "        -9.81 * np.sin(theta) + 0.5 * np.cos(2 * p_q),  # p_q'",
      '    ])',
      '',
    ].join('\n'),
  );
});

test('Python: Lorenz, with sanitised identifiers and a zero equation', () => {
  assert.equal(
    equationsPython(lorenz),
    [
      'import numpy as np',
      '',
      '',
      'def rhs(t, state):',
      '    """Identified model: d/dt [x, y, z]."""',
      '    x, y, z = state',
      '    return np.array([',
      "        -10 * x + 10 * y,  # x'",
      "        28 * x - y - x * z,  # y'",
      "        -2.667 * z + x * y,  # z'",
      '    ])',
      '',
    ].join('\n'),
  );
  const odd = model(['temp (C)', 'lambda', 't'], poly2, { 'temp (C)': { 'temp (C)^2': -0.5, '1': 2 } });
  const py = equationsPython(odd);
  assert.match(py, /^ {4}temp__C_, lambda_, t_ = state$/m);
  assert.match(py, /^ {8}2 - 0\.5 \* temp__C_\*\*2, {2}# temp \(C\)'$/m);
  assert.match(py, /^ {8}0\.0, {2}# lambda'$/m);
  const single = equationsPython(model(['u'], poly2, { u: { u: -1 } }));
  assert.match(single, /^ {4}\(u,\) = state$/m);
  assert.match(single, /^ {8}-u, {2}# u'$/m);
});

test('JSON: full-precision coefficients of the active terms in library order', () => {
  assert.deepEqual(equationsJson(lorenz), [
    { lhs: 'x', terms: [{ term: 'x', coef: -10 }, { term: 'y', coef: 10 }] },
    { lhs: 'y', terms: [{ term: 'x', coef: 28 }, { term: 'y', coef: -1 }, { term: 'x z', coef: -1 }] },
    { lhs: 'z', terms: [{ term: 'z', coef: -8 / 3 }, { term: 'x y', coef: 1 }] },
  ]);
});

test('KaTeX parses every LaTeX equation, including escaped and Greek names', () => {
  const spec: LibrarySpec = { degree: 3, constant: true, trigFrequencies: [1, 0.5] };
  const names = ['temp (C)', 'lambda', 'a1', 'x_0', 'theta2', 'v#%&'];
  const { terms, names: termNames } = buildLibrary(spec, names);
  const coefficients = new Float64Array(terms.length * names.length).map((_, i) => (i % 5 === 0 ? (i - 40) / 3e6 : 0));
  const latex = equationsLatex({ stateNames: names, library: spec, terms, termNames, coefficients });
  assert.equal(latex.length, names.length);
  for (const tex of latex) assert.doesNotThrow(() => katex.renderToString(tex, { throwOnError: true }), tex);
  assert.match(latex[1], /^\\dot\{\\lambda\} = /);
});

test('LaTeX per term (for folding): joins back to the whole line, signs on the terms, each term KaTeX-valid', () => {
  const withConst = model(['x', 'y'], poly2, { x: { '1': -3, x: 1, 'x y': -1.5e-5 }, y: {} });
  for (const m of [lorenz, withConst]) {
    const whole = equationsLatex(m);
    const parts = equationsLatexTerms(m);
    parts.forEach((p, j) => assert.equal(`${p.lhs} = ${p.terms.join(' ')}`, whole[j]));
  }
  assert.deepEqual(equationsLatexTerms(lorenz)[0], { lhs: '\\dot{x}', terms: ['-10\\,x', '+ 10\\,y'] });
  assert.deepEqual(equationsLatexTerms(withConst)[1].terms, ['0']);
  for (const t of equationsLatexTerms(withConst)[0].terms) assert.doesNotThrow(() => katex.renderToString(t, { throwOnError: true }), t);
});
