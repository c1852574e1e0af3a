// The candidate-function library Θ: canonical term order, term names, column evaluation, and a
// compiled right-hand side ȧ = Θ(a)Ξ over the active terms only.

import type { LibrarySpec, LibraryTerm, SparseModel } from '../model';

/**
 * All terms of a library over `stateNames.length` variables, in canonical order:
 * the constant `1` (if asked), then monomials of degree 1, 2, …, spec.degree — within a degree in
 * lexicographic order of the variable-index multiset (x, y, z; x^2, x y, x z, y^2, y z, z^2; …),
 * the same order as PySINDy's PolynomialLibrary — then for each frequency k, for each variable,
 * sin(k v) and cos(k v).
 */
export function buildLibrary(spec: LibrarySpec, stateNames: string[]): { terms: LibraryTerm[]; names: string[] } {
  const r = stateNames.length;
  if (!Number.isInteger(spec.degree) || spec.degree < 0) throw new RangeError(`library degree must be a non-negative integer, got ${spec.degree}`);
  const terms = libraryTerms(spec, r);
  return { terms, names: terms.map((t) => termName(t, stateNames)) };
}

/** The terms alone, in the canonical order above, over r variables (the format derives them too). */
export function libraryTerms(spec: LibrarySpec, r: number): LibraryTerm[] {
  const terms: LibraryTerm[] = [];
  if (spec.constant) terms.push({ kind: 'poly', powers: new Array<number>(r).fill(0) });
  const combo: number[] = [];
  // Non-decreasing index sequences of length d, lexicographic.
  const emit = (d: number, start: number): void => {
    if (combo.length === d) {
      const powers = new Array<number>(r).fill(0);
      for (const i of combo) powers[i]++;
      terms.push({ kind: 'poly', powers });
      return;
    }
    for (let i = start; i < r; i++) {
      combo.push(i);
      emit(d, i);
      combo.pop();
    }
  };
  for (let d = 1; d <= spec.degree; d++) emit(d, 0);
  for (const frequency of spec.trigFrequencies) {
    for (let v = 0; v < r; v++) {
      terms.push({ kind: 'sin', variable: v, frequency });
      terms.push({ kind: 'cos', variable: v, frequency });
    }
  }
  return terms;
}

/** `1`, `x`, `x z`, `x^2 y`, `sin(x)`, `cos(2 y)`: factors joined by one space, powers as ^k. */
export function termName(term: LibraryTerm, stateNames: string[]): string {
  if (term.kind === 'poly') {
    const factors: string[] = [];
    term.powers.forEach((p, i) => {
      if (p === 1) factors.push(stateNames[i]);
      else if (p > 1) factors.push(`${stateNames[i]}^${p}`);
    });
    return factors.length === 0 ? '1' : factors.join(' ');
  }
  const arg = term.frequency === 1 ? stateNames[term.variable] : `${term.frequency} ${stateNames[term.variable]}`;
  return `${term.kind}(${arg})`;
}

/** Total degree of a polynomial term (0 for the constant); trigonometric terms count as 0. */
export function termDegree(term: LibraryTerm): number {
  if (term.kind !== 'poly') return 0;
  let d = 0;
  for (const p of term.powers) d += p;
  return d;
}

/**
 * Evaluate the columns of Θ at m samples: states are r arrays of length ≥ m; returns one column of
 * length m per term. Each monomial is one earlier monomial times one variable, so a degree-d library
 * costs one multiply per cell per term.
 */
export function evaluateLibrary(terms: LibraryTerm[], states: Float64Array[], m: number): Float64Array[] {
  const cache = new Map<string, Float64Array>();
  const monomial = (powers: number[]): Float64Array => {
    const key = powers.join(',');
    const hit = cache.get(key);
    if (hit) return hit;
    let last = -1;
    for (let i = powers.length - 1; i >= 0; i--) {
      if (powers[i] > 0) {
        last = i;
        break;
      }
    }
    const col = new Float64Array(m);
    if (last < 0) {
      col.fill(1);
    } else {
      const parentPowers = powers.slice();
      parentPowers[last]--;
      const x = states[last];
      if (parentPowers.every((p) => p === 0)) {
        for (let j = 0; j < m; j++) col[j] = x[j];
      } else {
        const parent = monomial(parentPowers);
        for (let j = 0; j < m; j++) col[j] = parent[j] * x[j];
      }
    }
    cache.set(key, col);
    return col;
  };
  return terms.map((term) => {
    // Each monomial appears once among the terms; its cached column is handed out as is (no copy).
    if (term.kind === 'poly') return monomial(term.powers);
    const x = states[term.variable];
    const k = term.frequency;
    const col = new Float64Array(m);
    if (term.kind === 'sin') for (let j = 0; j < m; j++) col[j] = Math.sin(k * x[j]);
    else for (let j = 0; j < m; j++) col[j] = Math.cos(k * x[j]);
    return col;
  });
}

/**
 * Compile ȧ = Θ(a)Ξ into a closure over flat arrays of the active terms (those with any non-zero
 * coefficient). Each call fills a table of powers a_i^p once and multiplies table entries per term,
 * so the cost is O(active factors + non-zeros), with no allocation.
 */
export function compileRhs(model: SparseModel): (t: number, y: Float64Array, dydt: Float64Array) => void {
  const r = model.stateNames.length;
  const K = model.terms.length;
  if (model.coefficients.length !== K * r) {
    throw new RangeError(`model has ${model.coefficients.length} coefficients, expected ${K} terms × ${r} equations`);
  }
  // Active terms: factors (variable, power) for monomials; variable and frequency for trig.
  const kinds: number[] = []; // 0 poly, 1 sin, 2 cos
  const factorStart: number[] = [0];
  const factorVar: number[] = [];
  const factorPow: number[] = [];
  const trigVar: number[] = [];
  const trigFreq: number[] = [];
  const entryTerm: number[] = [];
  const entryEq: number[] = [];
  const entryCoef: number[] = [];
  let maxPow = 1;
  for (let k = 0; k < K; k++) {
    let active = false;
    for (let j = 0; j < r; j++) if (model.coefficients[k * r + j] !== 0) active = true;
    if (!active) continue;
    const a = kinds.length;
    const term = model.terms[k];
    if (term.kind === 'poly') {
      kinds.push(0);
      term.powers.forEach((p, i) => {
        if (p > 0) {
          factorVar.push(i);
          factorPow.push(p);
          if (p > maxPow) maxPow = p;
        }
      });
      trigVar.push(0);
      trigFreq.push(0);
    } else {
      kinds.push(term.kind === 'sin' ? 1 : 2);
      trigVar.push(term.variable);
      trigFreq.push(term.frequency);
    }
    factorStart.push(factorVar.length);
    for (let j = 0; j < r; j++) {
      const c = model.coefficients[k * r + j];
      if (c !== 0) {
        entryTerm.push(a);
        entryEq.push(j);
        entryCoef.push(c);
      }
    }
  }
  const nActive = kinds.length;
  const kindArr = Int32Array.from(kinds);
  const fStart = Int32Array.from(factorStart);
  const fVar = Int32Array.from(factorVar);
  const fPow = Int32Array.from(factorPow);
  const tVar = Int32Array.from(trigVar);
  const tFreq = Float64Array.from(trigFreq);
  const eTerm = Int32Array.from(entryTerm);
  const eEq = Int32Array.from(entryEq);
  const eCoef = Float64Array.from(entryCoef);
  const nEntries = eCoef.length;
  const stride = maxPow + 1;
  const powTable = new Float64Array(r * stride);
  const values = new Float64Array(nActive);

  return (_t: number, y: Float64Array, dydt: Float64Array): void => {
    for (let i = 0; i < r; i++) {
      const base = i * stride;
      const v = y[i];
      powTable[base] = 1;
      let acc = 1;
      for (let p = 1; p <= maxPow; p++) {
        acc *= v;
        powTable[base + p] = acc;
      }
    }
    for (let a = 0; a < nActive; a++) {
      const kind = kindArr[a];
      if (kind === 0) {
        let prod = 1;
        for (let f = fStart[a]; f < fStart[a + 1]; f++) prod *= powTable[fVar[f] * stride + fPow[f]];
        values[a] = prod;
      } else {
        const arg = tFreq[a] * y[tVar[a]];
        values[a] = kind === 1 ? Math.sin(arg) : Math.cos(arg);
      }
    }
    for (let j = 0; j < r; j++) dydt[j] = 0;
    for (let e = 0; e < nEntries; e++) dydt[eEq[e]] += eCoef[e] * values[eTerm[e]];
  };
}
