// Resolution screening of the weak-form rows. At 100 samples per period some systems (LiuChen,
// AtmosphericRegime) still move through most of their range within one or two steps in short bursts;
// no quadrature can integrate φ_k Θ(a) over such a burst from the samples, and those few rows alone
// corrupt the whole fit (clean LiuChen at its true degree: weak R² 0.90 with every term wrong; without
// the burst rows: every coefficient within 4e-6). A row is dropped when its data have content at the
// grid's Nyquist frequency (WeakSystem.nyquist: the row's integral on all samples minus that on every
// other one) well beyond what noise alone puts there:
//   |nyquist_ke| > max(NYQUIST_NOISE_FACTOR · σ_e · √(Σ_i W_k(i)²), NYQUIST_FLOOR)   for some e,
// σ_e from the rows' own Nyquist sums (nyquistSigma: a median, so the burst rows — a minority where this
// applies — do not move it); NYQUIST_FLOOR (the states are scaled to max |a| = 1) keeps clean resolved
// data whole: there the sums sit at 1e-10 … 1e-8.

import type { TestFunctions } from './testFunctions';
import type { WeakSystem } from './weakForm';

/** White noise gives |nyquist| ≈ σ√ΣW² (Gaussian): 10 is far out in its tail (max over 2000 rows × 6 ≈ 4). */
export const NYQUIST_NOISE_FACTOR = 10;
/** Below this (relative to max |a| = 1) a row counts as resolved whatever the noise estimate. */
export const NYQUIST_FLOOR = 1e-6;
/** Screening is skipped when it would keep fewer than this share of the rows: then the record is under-resolved throughout. */
const MIN_KEPT_SHARE = 0.25;

export interface ScreenedRows {
  /** Indices of the rows kept (increasing). */
  keep: number[];
  tf: TestFunctions;
  weak: WeakSystem;
}

/**
 * Rows of `weak` (built with test functions `tf` on the scaled series) whose quadrature the samples
 * support; null when every row is kept (or the screening does not apply).
 */
export function screenRows(weak: WeakSystem, tf: TestFunctions): ScreenedRows | null {
  const { K, r, nyquist, weightSq } = weak;
  const sigma = nyquistSigma(weak);
  if (!nyquist || !weightSq || !sigma || K === 0) return null;
  const keep: number[] = [];
  for (let k = 0; k < K; k++) {
    const spread = Math.sqrt(weightSq[k]);
    let ok = true;
    for (let e = 0; e < r && ok; e++) {
      if (Math.abs(nyquist[k * r + e]) > Math.max(NYQUIST_NOISE_FACTOR * sigma[e] * spread, NYQUIST_FLOOR)) ok = false;
    }
    if (ok) keep.push(k);
  }
  if (keep.length === K || keep.length < MIN_KEPT_SHARE * K) return null;
  return { keep, tf: keepTestFunctions(tf, keep), weak: keepRows(weak, keep) };
}

/** The test functions `keep` of tf. */
export function keepTestFunctions(tf: TestFunctions, keep: number[]): TestFunctions {
  return { ...tf, centres: Float64Array.from(keep, (k) => tf.centres[k]), spec: { ...tf.spec, count: keep.length } };
}

/** The rows `keep` of a weak system. */
export function keepRows(sys: WeakSystem, keep: number[]): WeakSystem {
  const { J, r } = sys;
  const K = keep.length;
  const out: WeakSystem = { K, J, r, G: new Float64Array(K * J), b: new Float64Array(K * r) };
  if (sys.nyquist) out.nyquist = new Float64Array(K * r);
  if (sys.weightSq) out.weightSq = new Float64Array(K);
  keep.forEach((k, i) => {
    out.G.set(sys.G.subarray(k * J, (k + 1) * J), i * J);
    out.b.set(sys.b.subarray(k * r, (k + 1) * r), i * r);
    out.nyquist?.set((sys.nyquist as Float64Array).subarray(k * r, (k + 1) * r), i * r);
    if (out.weightSq) out.weightSq[i] = (sys.weightSq as Float64Array)[k];
  });
  return out;
}

/**
 * Noise σ per state from the rows' Nyquist sums: white noise gives nyquist_ke ~ N(0, σ_e² ΣW²), and a
 * resolved signal puts next to nothing there, so median(nyquist² / ΣW²) / 0.4549 (the median of χ²₁)
 * estimates σ_e² without the signal's own roughness, which inflates the third differences of clean,
 * coarsely sampled data (clean AtmosphericRegime: 2.5e-3 against 1e-6 from the Nyquist sums).
 */
export function nyquistSigma(weak: WeakSystem): Float64Array | undefined {
  const { K, r, nyquist, weightSq } = weak;
  if (!nyquist || !weightSq || K === 0) return undefined;
  const out = new Float64Array(r);
  const q = new Float64Array(K);
  for (let e = 0; e < r; e++) {
    let n = 0;
    for (let k = 0; k < K; k++) if (weightSq[k] > 0) q[n++] = nyquist[k * r + e] ** 2 / weightSq[k];
    out[e] = n > 0 ? Math.sqrt(selectKth(q.subarray(0, n), n >> 1) / 0.4549) : 0;
  }
  return out;
}

/** The k-th smallest value of a (reordered in place): Hoare's selection, O(n) on average. */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
