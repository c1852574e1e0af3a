// Automatic library degree: the weak system is built once for the largest candidate degree D (library
// columns in canonical order, so the degree-d library is a prefix of the columns), and the degree is
// raised from 1 while it still pays:
//
//   raise d → d + 1 while  res(d) > NOISE_MARGIN · floor(d)  and  min_{d' > d} res(d') < res(d) / CLEAR_DROP
//
// res(d): weak residual ‖Gξ − b‖/‖b‖ of the least-squares fit on HELD-BACK test functions (two folds of
// alternating blocks of consecutive test functions; each fold's fit is scored on the other).
// floor(d): the residual that noise alone leaves, to first order, for the degree-d fit f = Θξ:
//   var(b_ke) = σ_e² Σ_i (w_i φ_k′)²  +  Σ_v σ_v² Σ_i (w_i φ_k)² (∂f_e/∂a_v)²,
// with σ_v estimated from third differences of the data (robust median; white noise dominates them on a
// resolved grid). A degree that already explains the data down to its noise is not raised: more columns
// would only fit noise (seen on noisy HyperYan: degree 3 lowers the held-out residual 1.5× by absorbing
// errors-in-variables bias). Clean data have a floor near zero, so there only a clear drop counts.
// Candidate degrees stop at MAX_AUTO_DEGREE, at the library column cap, and where the columns would
// exceed a quarter of the test functions (the library size the data support).

import type { WeakSystem } from './weakForm';
import { householder, type ReducedProblem } from './regression';
import { fillTestFunction, supportRange, type TestFunctions } from './testFunctions';
import type { LibraryTerm } from '../model';

export const MAX_AUTO_DEGREE = 5;
/** res(d) must exceed its noise floor by this factor for a higher degree to be considered. */
export const NOISE_MARGIN = 1.2;
/** …and the next degree must lower the held-out residual by this factor. */
export const CLEAR_DROP = 1.1;
/** Test functions per block of the two held-back folds (a support spans about 8 centre spacings). */
const FOLD_BLOCK = 8;

export interface DegreeChoice {
  degree: number;
  /** Held-back weak residual of the least-squares fit at degrees 1 … (index d − 1). */
  residuals: number[];
  /** First-order noise floor of the fits the rule looked at (NaN where it did not need one). */
  noiseFloors: number[];
  /** Per equation, ‖noise part of b_e‖ (absolute, first order) for the chosen degree's fit. */
  equationFloors: Float64Array;
  /** The top candidate was chosen and still leaves more than noise: a higher degree might pay. */
  atTop: boolean;
  /**
   * The regression's QR of the chosen degree's columns, read off the whole-record factor (the degree-d
   * library is a prefix of the columns); absent when some column is zero. Saves sparseRegression its
   * own K-row factorisation.
   */
  reduced?: ReducedProblem;
}

/** Columns of the degree-d polynomial library with a constant in r variables: C(r + d, d). */
export function polynomialColumns(r: number, d: number): number {
  let c = 1;
  for (let i = 1; i <= d; i++) c = (c * (r + i)) / i;
  return Math.round(c);
}

/** Largest degree ≤ maxDegree whose library fits under maxColumns and a quarter of the K test functions. */
export function maxCandidateDegree(r: number, K: number, maxColumns: number, maxDegree = MAX_AUTO_DEGREE): number {
  let d = maxDegree;
  while (d > 1 && (polynomialColumns(r, d) > maxColumns || 4 * polynomialColumns(r, d) > K)) d--;
  return d;
}

/** Noise standard deviation of a series from its third differences: MAD / 0.6745 / √20. */
export function noiseSigma(x: Float64Array): number {
  const m = x.length;
  if (m < 8) return 0;
  // A sample of at most 4096 differences is enough for a median.
  const step = Math.max(1, Math.floor((m - 3) / 4096));
  const d = new Float64Array(Math.floor((m - 4) / step) + 1);
  let n = 0;
  for (let j = 3; j < m && n < d.length; j += step) d[n++] = Math.abs(x[j] - 3 * x[j - 1] + 3 * x[j - 2] - x[j - 3]);
  const sorted = d.subarray(0, n).sort();
  return sorted[n >> 1] / 0.6745 / Math.sqrt(20);
}

/**
 * The same on an uneven grid, where third differences mostly measure the unevenness: each sample against
 * the cubic through its four neighbours (t_{j−2}, t_{j−1}, t_{j+1}, t_{j+2}), ε_j = x_j − Σ ℓ_i x_i, which white
 * noise makes N(0, σ²(1 + Σℓ_i²)) and a smooth signal O(h⁴); σ = median |ε_j| / √(1 + Σℓ²) / 0.6745.
 */
export function noiseSigmaOnGrid(x: Float64Array, time: Float64Array): number {
  const m = x.length;
  if (m < 8) return 0;
  const step = Math.max(1, Math.floor((m - 4) / 4096));
  const d = new Float64Array(Math.floor((m - 5) / step) + 1);
  let n = 0;
  for (let j = 2; j + 2 < m && n < d.length; j += step) {
    const t = time[j];
    const nb = [j - 2, j - 1, j + 1, j + 2];
    let pred = 0;
    let sq = 1;
    for (const a of nb) {
      let l = 1;
      for (const b of nb) if (b !== a) l *= (t - time[b]) / (time[a] - time[b]);
      pred += l * x[a];
      sq += l * l;
    }
    d[n++] = Math.abs(x[j] - pred) / Math.sqrt(sq);
  }
  const sorted = d.subarray(0, n).sort();
  return sorted[n >> 1] / 0.6745;
}

/** QR of one fold's rows of [G_s | b] (columns scaled by 1/norm): R (J × J, column-major), c = Qᵀb, rest² = ‖b‖² − ‖c‖². */
interface FoldQr {
  R: Float64Array;
  c: Float64Array[];
  rest: Float64Array;
}

function foldQr(sys: WeakSystem, rows: number[], J: number, invNorm: Float64Array): FoldQr {
  const { r } = sys;
  const K = rows.length;
  const cols = J + r;
  const A = new Float64Array(K * cols);
  for (let i = 0; i < K; i++) {
    const k = rows[i];
    for (let j = 0; j < J; j++) A[j * K + i] = sys.G[k * sys.J + j] * invNorm[j];
    for (let e = 0; e < r; e++) A[(J + e) * K + i] = sys.b[k * r + e];
  }
  const q = Math.min(K, J);
  householder(A, K, cols, q);
  const R = new Float64Array(J * J);
  for (let j = 0; j < J; j++) for (let i = 0; i <= Math.min(j, q - 1); i++) R[j * J + i] = A[j * K + i];
  const c: Float64Array[] = [];
  const rest = new Float64Array(r);
  for (let e = 0; e < r; e++) {
    const ce = new Float64Array(J);
    for (let i = 0; i < q; i++) ce[i] = A[(J + e) * K + i];
    let sq = 0;
    for (let i = q; i < K; i++) sq += A[(J + e) * K + i] ** 2;
    c.push(ce);
    rest[e] = sq;
  }
  return { R, c, rest };
}

/**
 * The QR of both folds' rows together from the two folds' factors: [R₁ c₁; R₂ c₂] (2J rows) has the same
 * R and c as all K rows (up to rounding: orthogonal steps), and rest = rest₁ + rest₂ + what is left below
 * its first J rows. A 2J-row factorisation instead of a K-row one (Lorenz, K = 1593: a third of the
 * degree choice's QR time).
 */
function combineFolds(a: FoldQr, b: FoldQr, J: number, r: number): FoldQr {
  const rows = 2 * J;
  const cols = J + r;
  const A = new Float64Array(rows * cols);
  for (let j = 0; j < J; j++) {
    for (let i = 0; i <= j; i++) {
      A[j * rows + i] = a.R[j * J + i];
      A[j * rows + J + i] = b.R[j * J + i];
    }
  }
  for (let e = 0; e < r; e++) {
    A.set(a.c[e], (J + e) * rows);
    A.set(b.c[e], (J + e) * rows + J);
  }
  householder(A, rows, cols, J);
  const R = new Float64Array(J * J);
  for (let j = 0; j < J; j++) for (let i = 0; i <= j; i++) R[j * J + i] = A[j * rows + i];
  const c: Float64Array[] = [];
  const rest = new Float64Array(r);
  for (let e = 0; e < r; e++) {
    c.push(A.slice((J + e) * rows, (J + e) * rows + J));
    let sq = a.rest[e] + b.rest[e];
    for (let i = J; i < rows; i++) sq += A[(J + e) * rows + i] ** 2;
    rest[e] = sq;
  }
  return { R, c, rest };
}

/** Least squares on the first p columns: back substitution on R's leading p × p block (tiny pivots give 0). */
function prefixSolve(f: FoldQr, J: number, p: number, c: Float64Array): Float64Array {
  const w = new Float64Array(p);
  let big = 0;
  for (let i = 0; i < p; i++) big = Math.max(big, Math.abs(f.R[i * J + i]));
  for (let i = p - 1; i >= 0; i--) {
    let v = c[i];
    for (let j = i + 1; j < p; j++) v -= f.R[j * J + i] * w[j];
    const d = f.R[i * J + i];
    w[i] = Math.abs(d) > 1e-12 * big ? v / d : 0;
  }
  return w;
}

/** ‖G ξ − b‖² on a fold, ξ over the first p (scaled) columns: ‖R ξ − c‖² + rest (exact: the rest is orthogonal to all J columns). */
function foldResidualSq(f: FoldQr, J: number, p: number, w: Float64Array, e: number): number {
  let sq = f.rest[e];
  const c = f.c[e];
  for (let i = 0; i < J; i++) {
    let s = -c[i];
    for (let j = i; j < p; j++) s += f.R[j * J + i] * w[j];
    sq += s * s;
  }
  return sq;
}

/**
 * Choose the degree (see the rule at the top). `sys` holds the columns of the degree-D library
 * (D = maxDegree) in canonical order; `terms` are those columns; `states` and `time` are what the sums
 * were taken on (used for the noise floor only; a prefix of the record is enough).
 */
export function chooseDegree(
  sys: WeakSystem,
  terms: LibraryTerm[],
  maxDegree: number,
  states: Float64Array[],
  time: Float64Array,
  tf: TestFunctions,
  sigma?: Float64Array,
): DegreeChoice {
  const { K, r } = sys;
  const J = polynomialColumns(r, maxDegree);
  if (J > sys.J) throw new RangeError(`chooseDegree: ${sys.J} columns, degree ${maxDegree} needs ${J}`);
  const norms = new Float64Array(J);
  for (let k = 0; k < K; k++) for (let j = 0; j < J; j++) norms[j] += sys.G[k * sys.J + j] ** 2;
  const invNorm = norms.map((v) => (v > 0 && Number.isFinite(v) ? 1 / Math.sqrt(v) : 0));
  const folds: number[][] = [[], []];
  for (let k = 0; k < K; k++) folds[Math.floor(k / FOLD_BLOCK) % 2].push(k);
  const qr = folds.map((rows) => foldQr(sys, rows, J, invNorm));
  // Both folds hold at least J rows when the candidates stop at a quarter of K (maxCandidateDegree).
  const whole = folds.every((rows) => rows.length >= J) ? combineFolds(qr[0], qr[1], J, r) : foldQr(sys, Array.from({ length: K }, (_, k) => k), J, invNorm);
  let bSq = 0;
  for (let i = 0; i < K * r; i++) bSq += sys.b[i] ** 2;
  const noise = noiseModel(states, time, tf, K, sigma);
  const residuals: number[] = [];
  for (let d = 1; d <= maxDegree; d++) {
    const p = polynomialColumns(r, d);
    let held = 0;
    for (let f = 0; f < 2; f++) {
      for (let e = 0; e < r; e++) held += foldResidualSq(qr[1 - f], J, p, prefixSolve(qr[f], J, p, qr[f].c[e]), e);
    }
    residuals.push(bSq > 0 ? Math.sqrt(held / bSq) : 0);
  }
  // Floors only where the rule asks (each costs a pass over sample points).
  const noiseFloors: number[] = [];
  const floorsByDegree: Float64Array[] = [];
  const floorAt = (d: number): number => {
    if (floorsByDegree[d - 1] === undefined) {
      const p = polynomialColumns(r, d);
      // The whole-record fit, back in unscaled columns, for the floor's ∂f/∂a.
      const xi: Float64Array[] = [];
      for (let e = 0; e < r; e++) xi.push(prefixSolve(whole, J, p, whole.c[e]).map((v, j) => v * invNorm[j]));
      const perEq = noise.floorSq(terms.slice(0, p), xi);
      floorsByDegree[d - 1] = perEq.map(Math.sqrt);
      noiseFloors[d - 1] = bSq > 0 ? Math.sqrt(perEq.reduce((a, v) => a + v, 0) / bSq) : 0;
    }
    return noiseFloors[d - 1];
  };
  let degree = 1;
  while (degree < maxDegree) {
    const res = residuals[degree - 1];
    if (!(res > NOISE_MARGIN * floorAt(degree))) break;
    // Look past degrees that add nothing: a cubic-only nonlinearity (the jerk systems) gains nothing at 2.
    let best = Infinity;
    for (let d = degree + 1; d <= maxDegree; d++) best = Math.min(best, residuals[d - 1]);
    if (!(best < res / CLEAR_DROP)) break;
    degree++;
  }
  floorAt(degree);
  const atTop = degree === maxDegree && residuals[degree - 1] > NOISE_MARGIN * noiseFloors[degree - 1];
  return { degree, residuals, noiseFloors: Array.from(noiseFloors, (v) => v ?? Number.NaN), equationFloors: floorsByDegree[degree - 1], atTop, reduced: prefixProblem(sys, whole, J, polynomialColumns(r, degree), invNorm) };
}

/**
 * The reduced problem (regression.ts) of the first p columns from the QR of the first J ≥ p: a
 * Householder QR's first p steps see only the first p columns, so R's leading block and c's first p
 * entries are that prefix's factor; the part of b it leaves is the rest plus c's entries p … J − 1.
 */
function prefixProblem(sys: WeakSystem, whole: FoldQr, J: number, p: number, invNorm: Float64Array): ReducedProblem | undefined {
  const { K, r, b } = sys;
  if (K < p) return undefined;
  for (let j = 0; j < p; j++) if (!(invNorm[j] > 0)) return undefined;
  const R = new Float64Array(p * p);
  for (let j = 0; j < p; j++) for (let i = 0; i <= j; i++) R[j * p + i] = whole.R[j * J + i];
  const c: Float64Array[] = [];
  const bNorm = new Float64Array(r);
  const rho = new Float64Array(r);
  for (let e = 0; e < r; e++) {
    c.push(whole.c[e].slice(0, p));
    let sq = 0;
    for (let k = 0; k < K; k++) sq += b[k * r + e] * b[k * r + e];
    bNorm[e] = Math.sqrt(sq);
    let left = whole.rest[e];
    for (let i = p; i < J; i++) left += whole.c[e][i] ** 2;
    rho[e] = Math.sqrt(left);
  }
  return { keep: Array.from({ length: p }, (_, j) => j), invNorm: invNorm.slice(0, p), R, q: p, c, bNorm, rho };
}

/** Per-equation first-order noise floors of the least-squares fit on all columns of `sys` (a fixed degree). */
export function equationNoiseFloors(sys: WeakSystem, terms: LibraryTerm[], states: Float64Array[], time: Float64Array, tf: TestFunctions, sigmaIn?: Float64Array): Float64Array {
  return equationNoiseFloorsAndProblem(sys, terms, states, time, tf, sigmaIn).floors;
}

/** The same, and the QR it took as the regression's reduced problem (the same factorisation sparseRegression would take; absent when a column is zero). */
export function equationNoiseFloorsAndProblem(sys: WeakSystem, terms: LibraryTerm[], states: Float64Array[], time: Float64Array, tf: TestFunctions, sigmaIn?: Float64Array): { floors: Float64Array; reduced?: ReducedProblem } {
  const { K, r, J } = sys;
  const norms = new Float64Array(J);
  for (let k = 0; k < K; k++) for (let j = 0; j < J; j++) norms[j] += sys.G[k * J + j] ** 2;
  const invNorm = norms.map((v) => (v > 0 && Number.isFinite(v) ? 1 / Math.sqrt(v) : 0));
  const whole = foldQr(sys, Array.from({ length: K }, (_, k) => k), J, invNorm);
  const xi: Float64Array[] = [];
  for (let e = 0; e < r; e++) xi.push(prefixSolve(whole, J, J, whole.c[e]).map((v, j) => v * invNorm[j]));
  return { floors: noiseModel(states, time, tf, K, sigmaIn).floorSq(terms, xi).map(Math.sqrt), reduced: prefixProblem(sys, whole, J, J, invNorm) };
}

/** The noise part of the floor: σ per state, the test functions' Σ(wφ′)² and Σ(wφ)², and sample points for ∂f/∂a. */
function noiseModel(states: Float64Array[], time: Float64Array, tf: TestFunctions, K: number, sigmaIn?: Float64Array): { floorSq: (terms: LibraryTerm[], xi: Float64Array[]) => Float64Array } {
  const r = states.length;
  const m = time.length;
  const sigma = sigmaIn ?? states.map(noiseSigma);
  // Mean over a few test functions of Σ_i (w_i φ_k)² and Σ_i (w_i φ_k′)² (trapezoid weights).
  let sPhi = 0;
  let sDphi = 0;
  let rows = 0;
  const probe = Math.min(K, 16);
  for (let q = 0; q < probe; q++) {
    const k = Math.floor(((q + 0.5) * K) / probe);
    const [i0, i1] = supportRange(tf, k, time);
    const len = i1 - i0 + 1;
    if (len <= 0 || i0 < 1 || i1 >= m - 1) continue;
    const phi = new Float64Array(len);
    const dphi = new Float64Array(len);
    fillTestFunction(tf, k, time, i0, len, phi, dphi);
    for (let i = 0; i < len; i++) {
      const w = 0.5 * (time[i0 + i + 1] - time[i0 + i - 1]);
      sPhi += (w * phi[i]) ** 2;
      sDphi += (w * dphi[i]) ** 2;
    }
    rows++;
  }
  if (rows > 0) {
    sPhi /= rows;
    sDphi /= rows;
  }
  // Up to 256 evenly spaced samples for the mean of (∂f_e/∂a_v)², with their powers a_u^p tabulated.
  const P = Math.min(m, 256);
  const idx = Array.from({ length: P }, (_, i) => Math.floor(((i + 0.5) * m) / P));
  const maxPow = MAX_AUTO_DEGREE + 1;
  const pw = new Float64Array(P * r * maxPow);
  idx.forEach((i, q) => {
    for (let u = 0; u < r; u++) {
      let acc = 1;
      for (let k = 0; k < maxPow; k++) {
        pw[(q * r + u) * maxPow + k] = acc;
        acc *= states[u][i];
      }
    }
  });
  return {
    floorSq: (terms, xi) => {
      const total = new Float64Array(r);
      for (let e = 0; e < r; e++) total[e] = sigma[e] ** 2 * sDphi;
      const grad = new Float64Array(r * r);
      for (let q = 0; q < P; q++) {
        grad.fill(0);
        const base = q * r * maxPow;
        terms.forEach((t, j) => {
          if (t.kind !== 'poly') return;
          for (let v = 0; v < r; v++) {
            const pv = t.powers[v];
            if (pv === 0) continue;
            let val = pv;
            for (let u = 0; u < r; u++) val *= pw[base + u * maxPow + (u === v ? pv - 1 : t.powers[u])];
            for (let e = 0; e < r; e++) grad[e * r + v] += xi[e][j] * val;
          }
        });
        for (let e = 0; e < r; e++) for (let v = 0; v < r; v++) total[e] += (sPhi * sigma[v] ** 2 * grad[e * r + v] ** 2) / P;
      }
      return total.map((v) => K * v);
    },
  };
}
