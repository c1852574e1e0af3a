// Flow-map refinement for records the weak form cannot resolve. When the samples are too coarse for any
// quadrature (AtmosphericRegime at the database's 100 points per period puts about two samples on each
// turn of its ω ≈ 3 rotation), the weak fit's residual stays far above the noise floor whatever the terms,
// and small real terms drown in the quadrature error. One step of the model's flow, though, is computed
// accurately from the samples themselves: the model ẋ = Θ(x)ξ integrated from x(t_i) must land on x(t_{i+1}).
// refineByFlow fits ξ to that (Gauss–Newton on the one-step residuals, sensitivities from the variational
// equations, fixed-step RK4 fine enough for the model's Jacobian), starting from the weak fit's support
// and coefficients, then adds the missing term that lowers the one-step residual most while it halves it
// (as addBackTerms does for the weak residual). Used only where the weak residual is well above the noise
// floor (identify.ts): with noise the one-step residuals are errors in the variables, and resolved data
// need nothing of this.

import type { LibraryTerm } from '../model';

/** Intervals used (evenly spread over the record): plenty for the few dozen coefficients of a support. */
const MAX_INTERVALS = 300;
const MAX_GAUSS_NEWTON = 8;
/** Supports of more coefficients are left to the weak fit (the cost grows like their square per step). */
const MAX_ACTIVE = 40;
/** RK4 sub-steps per interval: enough that h·‖∂f/∂x‖ ≤ STEP_STIFFNESS, at most MAX_SUBSTEPS. */
const STEP_STIFFNESS = 0.07;
const MAX_SUBSTEPS = 48;
/** A term is added when it cuts the one-step residual at least this much… */
const ADD_FACTOR = 2;
const MAX_ADDED = 4;
/** …and the refined model is kept only when its one-step residual is this much below the weak fit's. */
const ACCEPT_FACTOR = 4;
/**
 * Nothing to refine when the weak fit already predicts each next sample to this fraction of the step
 * (the resolved systems sit at 1e-10 … 1e-8; AtmosphericRegime without its −0.01 y at 1e-3)…
 */
const MIN_RELATIVE_RESIDUAL = 1e-5;
/** …or to within this multiple of what the noise alone leaves (2σ² per component and step). */
const NOISE_MARGIN = 10;
/** Terms are only added on libraries of at most this many coefficients (the search needs all their sensitivities). */
const MAX_SEARCH_PARAMS = 60;

export interface FlowRefinement {
  /** J × r coefficients (same units as the input). */
  xi: Float64Array;
  /** √(Σ one-step residual²) of the weak fit and of the refined model, over the intervals used. */
  before: number;
  after: number;
  added: number;
}

/** Powers and derivatives of the polynomial library at one state. */
class PolyEval {
  readonly theta: Float64Array;
  /** ∂Θ_j/∂x_v at [j * r + v]. */
  readonly dtheta: Float64Array;
  private readonly pw: Float64Array;
  private readonly maxPow: number;
  constructor(
    private readonly powers: Int32Array,
    private readonly J: number,
    private readonly r: number,
  ) {
    let mp = 1;
    for (const p of powers) mp = Math.max(mp, p);
    this.maxPow = mp + 1;
    this.pw = new Float64Array(r * this.maxPow);
    this.theta = new Float64Array(J);
    this.dtheta = new Float64Array(J * r);
  }
  at(x: Float64Array, withDerivatives: boolean): void {
    const { r, J, pw, maxPow, powers, theta, dtheta } = this;
    for (let v = 0; v < r; v++) {
      let acc = 1;
      for (let k = 0; k < maxPow; k++) {
        pw[v * maxPow + k] = acc;
        acc *= x[v];
      }
    }
    for (let j = 0; j < J; j++) {
      let t = 1;
      for (let v = 0; v < r; v++) t *= pw[v * maxPow + powers[j * r + v]];
      theta[j] = t;
      if (!withDerivatives) continue;
      for (let v = 0; v < r; v++) {
        const p = powers[j * r + v];
        if (p === 0) {
          dtheta[j * r + v] = 0;
          continue;
        }
        let d = p * pw[v * maxPow + p - 1];
        for (let u = 0; u < r; u++) if (u !== v) d *= pw[u * maxPow + powers[j * r + u]];
        dtheta[j * r + v] = d;
      }
    }
  }
}

interface FlowProblem {
  r: number;
  J: number;
  states: Float64Array[];
  time: Float64Array;
  intervals: Int32Array;
  ev: PolyEval;
  substeps: Int32Array;
}

/**
 * One pass over the intervals: the one-step residuals of ξ and, for the parameters `params` ((j, e) as
 * j * r + e), the normal equations A = Σ SᵀS, g = Σ Sᵀε of their sensitivities S = ∂x(t_{i+1})/∂ξ.
 * Returns the residual sum of squares (NaN when the flow blows up).
 */
function flowPass(fp: FlowProblem, xi: Float64Array, params: number[], A: Float64Array | null, g: Float64Array | null): number {
  const { r, J, states, time, intervals, ev, substeps } = fp;
  const P = A ? params.length : 0;
  const n = r + r * P;
  const y = new Float64Array(n);
  const k1 = new Float64Array(n);
  const k2 = new Float64Array(n);
  const k3 = new Float64Array(n);
  const k4 = new Float64Array(n);
  const tmp = new Float64Array(n);
  const x = new Float64Array(r);
  const jac = new Float64Array(r * r);
  const deriv = (yy: Float64Array, out: Float64Array): void => {
    for (let v = 0; v < r; v++) x[v] = yy[v];
    ev.at(x, P > 0);
    const { theta, dtheta } = ev;
    for (let e = 0; e < r; e++) {
      let s = 0;
      for (let j = 0; j < J; j++) s += theta[j] * xi[j * r + e];
      out[e] = s;
    }
    if (P === 0) return;
    jac.fill(0);
    for (let j = 0; j < J; j++) {
      for (let e = 0; e < r; e++) {
        const c = xi[j * r + e];
        if (c === 0) continue;
        for (let v = 0; v < r; v++) jac[e * r + v] += c * dtheta[j * r + v];
      }
    }
    for (let q = 0; q < P; q++) {
      const o = r + q * r;
      for (let e = 0; e < r; e++) {
        let s = 0;
        for (let v = 0; v < r; v++) s += jac[e * r + v] * yy[o + v];
        out[o + e] = s;
      }
      const jp = params[q];
      out[o + (jp % r)] += theta[Math.floor(jp / r)];
    }
  };
  let rss = 0;
  const res = new Float64Array(r);
  for (let q = 0; q < intervals.length; q++) {
    const i = intervals[q];
    y.fill(0);
    for (let v = 0; v < r; v++) y[v] = states[v][i];
    const S = substeps[q];
    const h = (time[i + 1] - time[i]) / S;
    for (let s = 0; s < S; s++) {
      deriv(y, k1);
      for (let u = 0; u < n; u++) tmp[u] = y[u] + 0.5 * h * k1[u];
      deriv(tmp, k2);
      for (let u = 0; u < n; u++) tmp[u] = y[u] + 0.5 * h * k2[u];
      deriv(tmp, k3);
      for (let u = 0; u < n; u++) tmp[u] = y[u] + h * k3[u];
      deriv(tmp, k4);
      for (let u = 0; u < n; u++) y[u] += (h / 6) * (k1[u] + 2 * k2[u] + 2 * k3[u] + k4[u]);
    }
    for (let v = 0; v < r; v++) {
      res[v] = states[v][i + 1] - y[v];
      rss += res[v] * res[v];
    }
    if (!Number.isFinite(rss)) return Number.NaN;
    if (A && g) {
      for (let a = 0; a < P; a++) {
        const oa = r + a * r;
        let ga = 0;
        for (let v = 0; v < r; v++) ga += y[oa + v] * res[v];
        g[a] += ga;
        for (let b = 0; b <= a; b++) {
          const ob = r + b * r;
          let s = 0;
          for (let v = 0; v < r; v++) s += y[oa + v] * y[ob + v];
          A[a * P + b] += s;
        }
      }
    }
  }
  if (A) for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) A[b * P + a] = A[a * P + b];
  return rss;
}

/** Solve the symmetric system A x = g (P × P) by Gaussian elimination with partial pivoting; null when singular. */
function solveSymmetric(A: Float64Array, g: Float64Array, P: number): Float64Array | null {
  const M = Float64Array.from(A);
  const x = Float64Array.from(g);
  for (let c = 0; c < P; c++) {
    let piv = c;
    for (let rr = c + 1; rr < P; rr++) if (Math.abs(M[rr * P + c]) > Math.abs(M[piv * P + c])) piv = rr;
    if (!(Math.abs(M[piv * P + c]) > 0)) return null;
    if (piv !== c) {
      for (let k = 0; k < P; k++) [M[c * P + k], M[piv * P + k]] = [M[piv * P + k], M[c * P + k]];
      [x[c], x[piv]] = [x[piv], x[c]];
    }
    for (let rr = c + 1; rr < P; rr++) {
      const f = M[rr * P + c] / M[c * P + c];
      if (f === 0) continue;
      for (let k = c; k < P; k++) M[rr * P + k] -= f * M[c * P + k];
      x[rr] -= f * x[c];
    }
  }
  for (let c = P - 1; c >= 0; c--) {
    let s = x[c];
    for (let k = c + 1; k < P; k++) s -= M[c * P + k] * x[k];
    x[c] = s / M[c * P + c];
  }
  return x.every(Number.isFinite) ? x : null;
}

/** Gauss–Newton on the parameters `params` from xi (in place); returns the final residual sum of squares. */
function gaussNewton(fp: FlowProblem, xi: Float64Array, params: number[]): number {
  const P = params.length;
  let rss = flowPass(fp, xi, [], null, null);
  for (let it = 0; it < MAX_GAUSS_NEWTON && Number.isFinite(rss); it++) {
    const A = new Float64Array(P * P);
    const g = new Float64Array(P);
    flowPass(fp, xi, params, A, g);
    // A little Levenberg damping keeps nearly collinear parameters from running off.
    for (let a = 0; a < P; a++) A[a * P + a] *= 1 + 1e-10;
    const d = solveSymmetric(A, g, P);
    if (!d) break;
    let step = 1;
    let improved = false;
    for (let tries = 0; tries < 6; tries++) {
      const trial = Float64Array.from(xi);
      params.forEach((p, q) => (trial[p] += step * d[q]));
      const t = flowPass(fp, trial, [], null, null);
      if (t < rss) {
        const gain = rss - t;
        xi.set(trial);
        improved = gain > 1e-8 * rss;
        rss = t;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return rss;
}

/**
 * Refine the coefficients xi (J × r, for ẋ = Θ(x)ξ on these states) by the one-step flow residuals;
 * null when the refinement does not clearly beat the weak fit (or the flow blows up).
 */
export function refineByFlow(terms: LibraryTerm[], xi0: Float64Array, states: Float64Array[], time: Float64Array, sigma?: Float64Array): FlowRefinement | null {
  const r = states.length;
  const J = terms.length;
  const m = time.length;
  if (m < 3 || terms.some((t) => t.kind !== 'poly')) return null;
  const powers = new Int32Array(J * r);
  terms.forEach((t, j) => {
    if (t.kind === 'poly') t.powers.forEach((p, v) => (powers[j * r + v] = p));
  });
  const ev = new PolyEval(powers, J, r);
  const N = Math.min(m - 1, MAX_INTERVALS);
  const intervals = Int32Array.from({ length: N }, (_, q) => Math.floor(((q + 0.5) * (m - 1)) / N));
  // Sub-steps from the model's Jacobian at the interval's start (its largest row sum).
  const substeps = new Int32Array(N);
  const x = new Float64Array(r);
  intervals.forEach((i, q) => {
    for (let v = 0; v < r; v++) x[v] = states[v][i];
    ev.at(x, true);
    let norm = 0;
    for (let e = 0; e < r; e++) {
      let row = 0;
      for (let v = 0; v < r; v++) {
        let s = 0;
        for (let j = 0; j < J; j++) s += xi0[j * r + e] * ev.dtheta[j * r + v];
        row += Math.abs(s);
      }
      norm = Math.max(norm, row);
    }
    substeps[q] = Math.max(1, Math.min(MAX_SUBSTEPS, Math.ceil(((time[i + 1] - time[i]) * norm) / STEP_STIFFNESS)));
  });
  const fp: FlowProblem = { r, J, states, time, intervals, ev, substeps };
  const before = flowPass(fp, xi0, [], null, null);
  if (!Number.isFinite(before) || before === 0) return null;
  let steps = 0;
  for (const i of intervals) for (let v = 0; v < r; v++) steps += (states[v][i + 1] - states[v][i]) ** 2;
  if (before < MIN_RELATIVE_RESIDUAL ** 2 * steps) return null;
  if (sigma && before < NOISE_MARGIN * 2 * N * sigma.reduce((a, v) => a + v * v, 0)) return null;
  const xi = Float64Array.from(xi0);
  const active = new Set<number>();
  xi.forEach((c, p) => {
    if (c !== 0) active.add(p);
  });
  if (active.size > MAX_ACTIVE) return null;
  let rss = gaussNewton(fp, xi, [...active].sort((a, b) => a - b));
  let added = 0;
  const all = Array.from({ length: J * r }, (_, p) => p);
  while (added < MAX_ADDED && J * r <= MAX_SEARCH_PARAMS && Number.isFinite(rss)) {
    // Linearised around the current fit: the residual left by the active set plus one more parameter.
    const P = all.length;
    const A = new Float64Array(P * P);
    const g = new Float64Array(P);
    flowPass(fp, xi, all, A, g);
    const act = [...active].sort((a, b) => a - b);
    let best = -1;
    let bestRss = rss;
    for (const c of all) {
      if (active.has(c)) continue;
      const set = [...act, c];
      const S = set.length;
      const As = new Float64Array(S * S);
      const gs = new Float64Array(S);
      set.forEach((a, ia) => {
        gs[ia] = g[a];
        set.forEach((b, ib) => (As[ia * S + ib] = A[a * P + b]));
      });
      const d = solveSymmetric(As, gs, S);
      if (!d) continue;
      let red = 0;
      for (let ia = 0; ia < S; ia++) red += d[ia] * gs[ia];
      const t = rss - red;
      if (t < bestRss) {
        bestRss = t;
        best = c;
      }
    }
    if (best < 0 || !(bestRss * ADD_FACTOR < rss)) break;
    active.add(best);
    added++;
    const next = gaussNewton(fp, xi, [...active].sort((a, b) => a - b));
    if (!(next * ADD_FACTOR < rss)) {
      active.delete(best);
      xi[best] = 0;
      added--;
      rss = gaussNewton(fp, xi, [...active].sort((a, b) => a - b));
      break;
    }
    rss = next;
  }
  if (!(Number.isFinite(rss) && rss * ACCEPT_FACTOR < before)) return null;
  return { xi, before: Math.sqrt(before), after: Math.sqrt(rss), added };
}
