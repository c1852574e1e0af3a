// The identified equations as people and programs read them: LaTeX, plain text, Python, JSON.
// Terms in library order, zero terms omitted, coefficients at a given number of significant digits.

import type { LibraryTerm, SparseModel } from '../model';

export interface EquationJson {
  lhs: string;
  terms: { term: string; coef: number }[];
}

/**
 * A coefficient at `sigDigits` significant digits without trailing zeros, like C's %g:
 * 1, -10, 2.667, 0.0001234, 1.5e-05, 1.235e+04.
 */
export function formatCoefficient(value: number, sigDigits = 4): string {
  if (value === 0 || !Number.isFinite(value)) return String(value === 0 ? 0 : value);
  const { mantissa, exponent } = splitExponent(value, sigDigits);
  if (exponent < -4 || exponent >= sigDigits) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(Math.max(0, sigDigits - 1 - exponent)));
}

/** Mantissa (trailing zeros stripped) and decimal exponent after rounding to sigDigits. */
function splitExponent(value: number, sigDigits: number): { mantissa: string; exponent: number } {
  const [m, e] = value.toExponential(Math.max(0, sigDigits - 1)).split('e');
  return { mantissa: stripZeros(m), exponent: Number(e) };
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** `x' = -10 x + 10 y` per equation. */
export function equationsText(model: SparseModel, sigDigits = 4): string[] {
  return model.stateNames.map((name, j) => {
    const rhs = joinTerms(activeTerms(model, j), sigDigits, (k) => (isConstant(model.terms[k]) ? null : model.termNames[k]), ' ', (c) => formatCoefficient(c, sigDigits));
    return `${name}' = ${rhs}`;
  });
}

/** `\dot{x} = -10\,x + 10\,y` per equation (KaTeX-safe). */
export function equationsLatex(model: SparseModel, sigDigits = 4): string[] {
  const names = model.stateNames.map(latexName);
  return model.stateNames.map((name, j) => {
    const rhs = joinTerms(
      activeTerms(model, j),
      sigDigits,
      (k) => latexTerm(model.terms[k], names),
      '\\,',
      (c) => latexNumber(c, sigDigits),
    );
    return `${latexDot(name)} = ${rhs}`;
  });
}

/**
 * The same LaTeX as `equationsLatex`, cut per term so a view can fold a long equation: `lhs` is
 * `\dot{x}`, `terms[0]` carries its own sign (`-10\,x`), the others start with `+ ` or `- `.
 * `[lhs, '=', ...terms].join(' ')` is the whole line; no terms → `['0']`.
 */
export function equationsLatexTerms(model: SparseModel, sigDigits = 4): { lhs: string; terms: string[] }[] {
  const names = model.stateNames.map(latexName);
  return model.stateNames.map((name, j) => {
    const terms = activeTerms(model, j).map(({ k, coef }, idx) => {
      const line = joinTerms([{ k, coef: idx === 0 ? coef : Math.abs(coef) }], sigDigits, (kk) => latexTerm(model.terms[kk], names), '\\,', (c) => latexNumber(c, sigDigits));
      return idx === 0 ? line : `${coef < 0 ? '-' : '+'} ${line}`;
    });
    return { lhs: latexDot(name), terms: terms.length ? terms : ['0'] };
  });
}

/** A complete NumPy right-hand side `def rhs(t, state)` for the model. */
export function equationsPython(model: SparseModel, sigDigits = 4): string {
  const ids = pythonIdentifiers(model.stateNames);
  const lines = [
    'import numpy as np',
    '',
    '',
    'def rhs(t, state):',
    `    """Identified model: d/dt [${model.stateNames.join(', ')}]."""`,
    `    ${ids.length === 1 ? `(${ids[0]},)` : ids.join(', ')} = state`,
    '    return np.array([',
  ];
  model.stateNames.forEach((name, j) => {
    const expr = joinTerms(activeTerms(model, j), sigDigits, (k) => pythonTerm(model.terms[k], ids), ' * ', (c) => formatCoefficient(c, sigDigits));
    lines.push(`        ${expr === '0' ? '0.0' : expr},  # ${name}'`);
  });
  lines.push('    ])', '');
  return lines.join('\n');
}

/** Full-precision coefficients of the non-zero terms, per equation. */
export function equationsJson(model: SparseModel): EquationJson[] {
  return model.stateNames.map((lhs, j) => ({
    lhs,
    terms: activeTerms(model, j).map(({ k, coef }) => ({ term: model.termNames[k], coef })),
  }));
}

function activeTerms(model: SparseModel, equation: number): { k: number; coef: number }[] {
  const r = model.stateNames.length;
  const out: { k: number; coef: number }[] = [];
  for (let k = 0; k < model.terms.length; k++) {
    const coef = model.coefficients[k * r + equation];
    if (coef !== 0) out.push({ k, coef });
  }
  return out;
}

function isConstant(term: LibraryTerm): boolean {
  return term.kind === 'poly' && term.powers.every((p) => p === 0);
}

/**
 * `a - b + c`: signs as ` - ` / ` + `, a coefficient that prints as 1 is left out before a
 * non-constant term, the constant term prints as its coefficient alone; no terms → `0`.
 */
function joinTerms(
  terms: { k: number; coef: number }[],
  sigDigits: number,
  render: (k: number) => string | null,
  times: string,
  number: (absCoef: number) => string,
): string {
  if (terms.length === 0) return '0';
  let s = '';
  terms.forEach(({ k, coef }, idx) => {
    const negative = coef < 0;
    const magnitude = number(Math.abs(coef));
    const body = render(k);
    let piece: string;
    if (body === null) piece = magnitude;
    else piece = formatCoefficient(Math.abs(coef), sigDigits) === '1' ? body : `${magnitude}${times}${body}`;
    if (idx === 0) s = negative ? `-${piece}` : piece;
    else s += negative ? ` - ${piece}` : ` + ${piece}`;
  });
  return s;
}

const GREEK = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu',
  'nu', 'xi', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega',
  'Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Pi', 'Sigma', 'Upsilon', 'Phi', 'Psi', 'Omega',
]);

/** LaTeX for a variable: base symbol and optional subscript (a1 → a_{1}, x_0 → x_{0}, theta → \theta). */
function latexParts(name: string): { base: string; sub: string | null } {
  const match = /^([A-Za-z]+)_?(\d+)$/.exec(name);
  const baseName = match ? match[1] : name;
  const sub = match ? match[2] : null;
  if (baseName.length === 1 && /[A-Za-z]/.test(baseName)) return { base: baseName, sub };
  if (GREEK.has(baseName)) return { base: `\\${baseName}`, sub };
  return { base: `\\mathrm{${escapeLatex(name)}}`, sub: null };
}

function latexName(name: string): string {
  const { base, sub } = latexParts(name);
  return sub === null ? base : `${base}_{${sub}}`;
}

function latexDot(name: string): string {
  const { base, sub } = latexParts(name);
  return sub === null ? `\\dot{${base}}` : `\\dot{${base}}_{${sub}}`;
}

function escapeLatex(text: string): string {
  return text.replace(/[\\{}_^#$%&~ ]/g, (ch) => {
    switch (ch) {
      case '\\': return '\\backslash{}';
      case '^': return '\\wedge{}';
      case '~': return '\\sim{}';
      case ' ': return '\\ ';
      default: return `\\${ch}`;
    }
  });
}

/** Coefficient magnitude in LaTeX: 2.667, 1.5 \cdot 10^{-5}. */
function latexNumber(value: number, sigDigits: number): string {
  const text = formatCoefficient(value, sigDigits);
  const match = /^(-?[\d.]+)e([+-])(\d+)$/.exec(text);
  if (!match) return text;
  const exponent = `${match[2] === '-' ? '-' : ''}${Number(match[3])}`;
  return match[1] === '1' ? `10^{${exponent}}` : `${match[1]} \\cdot 10^{${exponent}}`;
}

function latexTerm(term: LibraryTerm, names: string[]): string | null {
  if (isConstant(term)) return null;
  if (term.kind === 'poly') {
    const factors: string[] = [];
    term.powers.forEach((p, i) => {
      if (p === 1) factors.push(names[i]);
      else if (p > 1) factors.push(`${names[i]}^{${p}}`);
    });
    return factors.join('\\,');
  }
  const arg = term.frequency === 1 ? names[term.variable] : `${formatCoefficient(term.frequency, 6)}\\,${names[term.variable]}`;
  return `\\${term.kind}(${arg})`;
}

function pythonTerm(term: LibraryTerm, ids: string[]): string | null {
  if (isConstant(term)) return null;
  if (term.kind === 'poly') {
    const factors: string[] = [];
    term.powers.forEach((p, i) => {
      if (p === 1) factors.push(ids[i]);
      else if (p > 1) factors.push(`${ids[i]}**${p}`);
    });
    return factors.join(' * ');
  }
  const arg = term.frequency === 1 ? ids[term.variable] : `${formatCoefficient(term.frequency, 17)} * ${ids[term.variable]}`;
  return `np.${term.kind}(${arg})`;
}

const PYTHON_RESERVED = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'np', 't', 'state',
]);

/** Valid, distinct Python identifiers for the state names (e.g. `temp (C)` → `temp__C_`). */
function pythonIdentifiers(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let id = name.replace(/[^A-Za-z0-9_]/g, '_');
    if (id === '' || /^\d/.test(id)) id = `_${id}`;
    if (PYTHON_RESERVED.has(id)) id = `${id}_`;
    let unique = id;
    for (let n = 2; used.has(unique); n++) unique = `${id}_${n}`;
    used.add(unique);
    return unique;
  });
}
