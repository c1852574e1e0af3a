// The weak form of ȧ = Θ(a)Ξ: multiply by each test function φ_k and integrate by parts (φ_k vanishes
// at both ends of its support), giving G Ξ ≈ b with
//   G[k, j] = ∫ φ_k Θ_j(a) dt,   b[k, i] = −∫ φ_k′ a_i dt.
// Quadrature is the trapezoid rule on the actual time stamps, so non-uniform grids are handled; on a
// uniform grid it is spectrally accurate here because φ_k is smooth and vanishes with its derivatives
// at the support ends. Each row only visits its own support: O(K · support · J).
// The sums are written per time interval, so G and b are additive over time chunks
// (WeakFormAccumulator), for a streaming fit of very long series.

import { fillTestFunction, supportRange, type TestFunctions } from './testFunctions';

/** G (K × J) and b (K × r), row-major. */
export interface WeakSystem {
  K: number;
  J: number;
  r: number;
  G: Float64Array;
  b: Float64Array;
}

/** Library evaluation: r state arrays of ≥ len samples → J columns of length len. */
export type LibraryEvaluator = (states: Float64Array[], len: number) => Float64Array[];

/** Whole-series weak system from precomputed library columns Θ_j (each of length time.length). */
export function buildWeakSystem(tf: TestFunctions, time: Float64Array, states: Float64Array[], columns: Float64Array[]): WeakSystem {
  const K = tf.centres.length;
  const sys: WeakSystem = { K, J: columns.length, r: states.length, G: new Float64Array(K * columns.length), b: new Float64Array(K * states.length) };
  const m = time.length;
  const w = trapezoidWeights(time, 0, m);
  accumulateChunk(sys, tf, time, w, states, columns, 0, K);
  return sys;
}

/** Trapezoid weights of samples [i0, i1): each sample gets half of each neighbouring interval inside the range. */
export function trapezoidWeights(time: Float64Array, i0: number, i1: number): Float64Array {
  const n = i1 - i0;
  const w = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) {
    const h = 0.5 * (time[i0 + i + 1] - time[i0 + i]);
    w[i] += h;
    w[i + 1] += h;
  }
  return w;
}

/**
 * Add the contributions of one set of consecutive samples (with their trapezoid weights) to G and b,
 * for test functions kLo..kHi−1. Within a support, G gets Σ_i w_i φ_k(t_i) Θ_j(t_i), b gets
 * −Σ_i w_i φ_k′(t_i) a(t_i).
 */
function accumulateChunk(
  sys: WeakSystem,
  tf: TestFunctions,
  time: Float64Array,
  w: Float64Array,
  states: Float64Array[],
  columns: Float64Array[],
  kLo: number,
  kHi: number,
): void {
  const { J, r, G, b } = sys;
  let phi = new Float64Array(0);
  let dphi = new Float64Array(0);
  for (let k = kLo; k < kHi; k++) {
    const [i0, i1] = supportRange(tf, k, time);
    const len = i1 - i0 + 1;
    if (len <= 0) continue;
    if (phi.length < len) {
      phi = new Float64Array(len);
      dphi = new Float64Array(len);
    }
    fillTestFunction(tf, k, time, i0, len, phi, dphi);
    for (let i = 0; i < len; i++) {
      phi[i] *= w[i0 + i];
      dphi[i] *= w[i0 + i];
    }
    const gRow = k * J;
    for (let j = 0; j < J; j++) {
      const col = columns[j];
      let s = 0;
      for (let i = 0; i < len; i++) s += phi[i] * col[i0 + i];
      G[gRow + j] += s;
    }
    const bRow = k * r;
    for (let e = 0; e < r; e++) {
      const a = states[e];
      let s = 0;
      for (let i = 0; i < len; i++) s += dphi[i] * a[i0 + i];
      b[bRow + e] -= s;
    }
  }
}

/**
 * Builds G and b from consecutive, non-overlapping time chunks. The last sample of each chunk is
 * remembered so the interval joining two chunks is counted once: the sums equal buildWeakSystem's
 * on the concatenated series (up to rounding).
 */
export class WeakFormAccumulator {
  private readonly sys: WeakSystem;
  private prevTime = Number.NaN;
  private prevState: Float64Array | null = null;

  constructor(
    private readonly tf: TestFunctions,
    J: number,
    r: number,
    private readonly evaluate: LibraryEvaluator,
  ) {
    const K = tf.centres.length;
    this.sys = { K, J, r, G: new Float64Array(K * J), b: new Float64Array(K * r) };
  }

  /** Add samples time[0..len) with states (r arrays of length ≥ len); times must continue increasing. */
  add(time: Float64Array, states: Float64Array[]): void {
    const { r } = this.sys;
    const len = time.length;
    if (len === 0) return;
    if (states.length !== r) throw new RangeError(`expected ${r} state arrays, got ${states.length}`);
    const carry = this.prevState !== null ? 1 : 0;
    const L = len + carry;
    const t = new Float64Array(L);
    const s = Array.from({ length: r }, () => new Float64Array(L));
    if (this.prevState) {
      t[0] = this.prevTime;
      for (let e = 0; e < r; e++) s[e][0] = this.prevState[e];
    }
    t.set(time.subarray(0, len), carry);
    for (let e = 0; e < r; e++) s[e].set(states[e].subarray(0, len), carry);
    if (carry && !(t[1] > t[0])) throw new RangeError('chunk times must continue strictly increasing');
    // Weights count each interval of this extended chunk once; the carried sample's left interval
    // was counted with the previous chunk.
    const w = trapezoidWeights(t, 0, L);
    const columns = this.evaluate(s, L);
    const [kLo, kHi] = this.rowsTouching(t[0], t[L - 1]);
    accumulateChunk(this.sys, this.tf, t, w, s, columns, kLo, kHi);
    this.prevTime = t[L - 1];
    this.prevState = Float64Array.from(s, (x) => x[L - 1]);
  }

  /** The accumulated system (a live view: later add() calls keep changing it). */
  result(): WeakSystem {
    return this.sys;
  }

  /** Test functions whose support meets [ta, tb]. */
  private rowsTouching(ta: number, tb: number): [number, number] {
    const c = this.tf.centres;
    const H = this.tf.radius;
    let lo = 0;
    while (lo < c.length && c[lo] + H <= ta) lo++;
    let hi = lo;
    while (hi < c.length && c[hi] - H < tb) hi++;
    return [lo, hi];
  }
}
