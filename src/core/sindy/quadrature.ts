// Quadrature of the weak-form integrals ∫ φ_k f dt from samples f_i on the record's time grid, as sample
// weights: ∫ φ_k f dt ≈ Σ_i W_k(i) f_i (and the same for φ_k′).
//
// - 'trapezoid' (uniform grids): W_k(i) = φ_k(t_i)·(t_{i+1} − t_{i−1})/2. On a uniform grid this is
//   spectrally accurate, because φ_k is smooth and vanishes with its derivatives at the support ends
//   (Euler–Maclaurin: every correction term is zero).
// - 'quintic' (non-uniform grids, where the trapezoid rule drops to O(h²)): f is replaced by its local
//   quintic interpolant — on the interval [t_a, t_{a+1}] the polynomial through t_{a−2} … t_{a+3} (shifted
//   inwards at the record's ends) — and φ_k times that polynomial is integrated by Gauss–Legendre on each
//   interval (clipped to the support), with enough points to be exact to round-off: exact for polynomial
//   data of degree ≤ 5, O(h⁶) otherwise. Measured on Lorenz at 100 points per period with jittered stamps
//   (gaps 0.3–1.7 h), worst coefficient error: trapezoid 7e-4 … 3e-3, cubic (4 nodes) 2.5e-5 … 4e-5,
//   quintic 2e-6 … 6e-6, 7 nodes 4e-7 … 1e-6 (the fit's own floor on the uniform grid is 5e-10).
// A sample's weight depends on the stamps up to quadratureReach samples either side of it, so sums over
// consecutive chunks of samples add up to the whole record's, given the stamps around each chunk
// (WeakFormAccumulator).

import type { TestFunctions } from './testFunctions';

export type WeakQuadrature = 'trapezoid' | 'quintic';

/** Nodes of the local interpolant (6: quintic). */
const STENCIL = 6;

/**
 * A grid counts as uniform when every step is within this fraction of the mean step (the trapezoid rule's
 * error grows with the step deviation; decimal stamps such as 0.01·j, uniform to round-off, stay uniform).
 */
export const UNIFORM_STEP_TOLERANCE = 1e-5;

/**
 * The quadrature for a record's time grid and test functions of half-width `radius` and exponent p:
 * trapezoid when uniform (to UNIFORM_STEP_TOLERANCE), else quintic with Gauss points for the widest step
 * (fixed for the record, so chunked sums match the whole record's).
 */
export function quadratureFor(time: Float64Array, radius: number, exponent: number): { quadrature: WeakQuadrature; gaussPoints: number } {
  const m = time.length;
  if (m < STENCIL) return { quadrature: 'trapezoid', gaussPoints: 0 };
  const h = (time[m - 1] - time[0]) / (m - 1);
  const tol = UNIFORM_STEP_TOLERANCE * h;
  let widest = 0;
  let uniform = true;
  for (let j = 1; j < m; j++) {
    const d = time[j] - time[j - 1];
    if (!(Math.abs(d - h) <= tol)) uniform = false;
    if (d > widest) widest = d;
  }
  return uniform ? { quadrature: 'trapezoid', gaussPoints: 0 } : { quadrature: 'quintic', gaussPoints: gaussPoints(exponent, widest / radius) };
}

/**
 * Stamps a sample's weight depends on, on either side: for the quintic, the stencils holding sample i span
 * t_{i−5} … t_{i+5}, and whether the record ends within them (the end stencils are shifted inwards) is
 * known only from the sixth stamp.
 */
export function quadratureReach(q: WeakQuadrature): number {
  return q === 'quintic' ? STENCIL : 1;
}

/** The most stamps any quadrature needs either side of a part of the record (a shard's halo). */
export const MAX_QUADRATURE_REACH = STENCIL;

/** Samples outside a support (either side) that still get a weight from it. */
export function quadratureSpread(q: WeakQuadrature): number {
  return q === 'quintic' ? STENCIL / 2 : 1;
}

const MIN_GAUSS = 3;
const MAX_GAUSS = 12;
const gaussCache = new Map<number, { x: Float64Array; w: Float64Array }>();

/** n-point Gauss–Legendre nodes and weights on [−1, 1] (Newton on the Legendre recurrence). */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const hit = gaussCache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let j = 2; j <= n; j++) {
        const p2 = ((2 * j - 1) * z * p1 - (j - 1) * p0) / j;
        p0 = p1;
        p1 = p2;
      }
      if (n === 1) p0 = 1;
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
  const out = { x, w };
  gaussCache.set(n, out);
  return out;
}

/**
 * Gauss points per interval for φ = (1 − v²)^p times a degree-(S − 1) polynomial, on intervals up to
 * `widest` (in units of H): exact when p is an integer and 2G − 1 ≥ 2p + S − 1; otherwise the fewest points
 * whose error estimate (1.6·δ·√(2p + 1))^{2G} / (2G)! is below 1e-15 (fitted to measured errors against
 * 20 points over half-widths 3 … 200 steps; it overestimates them), at most MAX_GAUSS.
 */
export function gaussPoints(p: number, widest: number): number {
  const exact = Number.isInteger(p) ? Math.ceil((2 * p + STENCIL) / 2) : Infinity;
  const y = 1.6 * widest * Math.sqrt(2 * p + 1);
  let G = MIN_GAUSS;
  for (; G < MAX_GAUSS && G < exact; G++) {
    let e = 1;
    for (let i = 1; i <= 2 * G; i++) e *= y / i;
    if (e <= 1e-15) break;
  }
  return Math.min(G, exact);
}

/** x^n for an integer n ≥ 0, by squaring. */
function powInt(x: number, n: number): number {
  let r = 1;
  let b = x;
  let e = n;
  while (e > 0) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return r;
}

/** First index with T[i] > x (strict) or T[i] ≥ x, in T[0..L). */
function lowerBound(T: Float64Array, L: number, x: number, strict: boolean): number {
  let lo = 0;
  let hi = L;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? T[mid] <= x : T[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sample weights of every test function on the stamps T[0..L), for the samples [s0, s1). atStart / atEnd:
 * T[0] / T[L − 1] is the record's first / last stamp (otherwise T must hold quadratureReach stamps beyond
 * every sample asked for). The grid's part of the interpolant (Gauss points and Lagrange values per
 * interval) is computed once; each test function then costs G evaluations of φ per interval.
 */
export class GridWeights {
  private readonly S: number;
  private readonly G: number;
  private readonly gx: Float64Array;
  private readonly gw: Float64Array;
  /** Per interval a: first stencil node q(a) (−1: no stencil in T), Gauss points X and Lagrange values (× Gauss weight × half-width). */
  private readonly q: Int32Array;
  private readonly X: Float64Array;
  private readonly LV: Float64Array;
  private readonly h: Float64Array;
  private readonly nodes: Float64Array;
  private readonly den: Float64Array;

  constructor(
    private readonly tf: TestFunctions,
    private readonly T: Float64Array,
    private readonly L: number,
    atStart: boolean,
    atEnd: boolean,
    private readonly s0: number,
    private readonly s1: number,
  ) {
    this.S = STENCIL;
    const S = this.S;
    this.nodes = new Float64Array(S);
    this.den = new Float64Array(S);
    if (tf.quadrature !== 'quintic' || L < S) {
      this.G = 0;
      this.gx = this.gw = this.X = this.LV = new Float64Array(0);
      this.q = new Int32Array(0);
      // Trapezoid: half the neighbouring intervals (one-sided at the record's ends).
      this.h = new Float64Array(L);
      for (let i = 0; i < L; i++) this.h[i] = (i > 0 ? 0.5 * (T[i] - T[i - 1]) : 0) + (i + 1 < L ? 0.5 * (T[i + 1] - T[i]) : 0);
      return;
    }
    this.h = new Float64Array(0);
    this.G = tf.gaussPoints;
    const G = this.G;
    ({ x: this.gx, w: this.gw } = gaussLegendre(G));
    // Intervals whose stencil can hold one of the samples asked for.
    const A = L - 1;
    this.q = new Int32Array(A).fill(-1);
    this.X = new Float64Array(A * G);
    this.LV = new Float64Array(A * G * S);
    for (let a = 0; a < A; a++) {
      let q = a - (S / 2 - 1);
      if (q < 0) q = atStart ? 0 : -1;
      else if (q + S - 1 > L - 1) q = atEnd ? L - S : -1;
      if (q < 0 || q > s1 - 1 || q + S - 1 < s0) continue;
      this.q[a] = q;
      this.lagrange(q, T[a], T[a + 1], this.X.subarray(a * G, (a + 1) * G), this.LV.subarray(a * G * S, (a + 1) * G * S));
    }
  }

  /** Gauss points of [xa, xb] ⊂ interval a and, per point, the stencil's Lagrange values × Gauss weight × half-width. */
  private lagrange(q: number, xa: number, xb: number, X: Float64Array, LV: Float64Array): void {
    const { S, G, gx, gw, T, nodes, den } = this;
    for (let u = 0; u < S; u++) nodes[u] = T[q + u];
    for (let u = 0; u < S; u++) {
      let d = 1;
      for (let z = 0; z < S; z++) if (z !== u) d *= nodes[u] - nodes[z];
      den[u] = 1 / d;
    }
    const mid = 0.5 * (xa + xb);
    const half = 0.5 * (xb - xa);
    for (let g = 0; g < G; g++) {
      const t = mid + half * gx[g];
      X[g] = t;
      const wt = gw[g] * half;
      for (let z = 0; z < S; z++) {
        let l = den[z] * wt;
        for (let y = 0; y < S; y++) if (y !== z) l *= t - nodes[y];
        LV[g * S + z] = l;
      }
    }
  }

  /** W[i], dW[i]: the weights of sample i for ∫φ_k f and ∫φ_k′ f; written on [lo, hi] only, which is returned (hi < lo: none). */
  weights(k: number, W: Float64Array, dW: Float64Array): [number, number] {
    const { tf, T, L, s0, s1 } = this;
    const c = tf.centres[k];
    const H = tf.radius;
    const invH = 1 / H;
    const p = tf.exponent;
    const sc = tf.scale;
    // Math.pow costs about five times a few multiplications, and p is usually an integer.
    const intPow = Number.isInteger(p) && p >= 1 && p <= 64;
    if (this.G === 0) {
      const lo = Math.max(s0, lowerBound(T, L, c - H, true));
      const hi = Math.min(s1 - 1, lowerBound(T, L, c + H, false) - 1);
      for (let i = lo; i <= hi; i++) {
        const v = (T[i] - c) * invH;
        const w = 1 - v * v;
        if (w <= 0) {
          W[i] = 0;
          dW[i] = 0;
          continue;
        }
        const h = this.h[i];
        const wp1 = intPow ? powInt(w, p - 1) : Math.pow(w, p - 1);
        W[i] = sc * wp1 * w * h;
        dW[i] = -2 * p * v * invH * sc * wp1 * h;
      }
      return [lo, hi];
    }
    const { S, G } = this;
    // Intervals [T[a], T[a+1]] meeting the support (c − H, c + H).
    const a0 = Math.max(0, lowerBound(T, L, c - H, true) - 1);
    const a1 = Math.min(L - 2, lowerBound(T, L, c + H, false) - 1);
    let lo = Infinity;
    let hi = -1;
    for (let a = a0; a <= a1; a++) {
      const q = this.q[a];
      if (q < 0) continue;
      lo = Math.min(lo, Math.max(s0, q));
      hi = Math.max(hi, Math.min(s1 - 1, q + S - 1));
    }
    if (!(lo <= hi)) return [0, -1];
    W.fill(0, lo, hi + 1);
    dW.fill(0, lo, hi + 1);
    const Xc = new Float64Array(G);
    const LVc = new Float64Array(G * S);
    for (let a = a0; a <= a1; a++) {
      const q = this.q[a];
      if (q < 0) continue;
      let X = this.X;
      let LV = this.LV;
      let xo = a * G;
      if (T[a] < c - H || T[a + 1] > c + H) {
        // an interval holding a support end: Gauss points on the part inside
        const xa = Math.max(T[a], c - H);
        const xb = Math.min(T[a + 1], c + H);
        if (!(xb > xa)) continue;
        this.lagrange(q, xa, xb, Xc, LVc);
        X = Xc;
        LV = LVc;
        xo = 0;
      }
      for (let g = 0; g < G; g++) {
        const v = (X[xo + g] - c) * invH;
        const u = 1 - v * v;
        if (u <= 0) continue;
        const up1 = intPow ? powInt(u, p - 1) : Math.pow(u, p - 1);
        const f = sc * up1 * u;
        const df = -2 * p * v * invH * sc * up1;
        const o = (xo + g) * S;
        for (let z = 0; z < S; z++) {
          const l = LV[o + z];
          W[q + z] += f * l;
          dW[q + z] += df * l;
        }
      }
    }
    // Stencil nodes outside [s0, s1) got sums too; the caller reads [lo, hi] only (and clears before writing).
    return [lo, hi];
  }
}
