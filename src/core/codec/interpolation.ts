// Multilevel interpolation predictor for the residual (what the model does not capture), in the spirit
// of SZ3's: the grid is visited coarse to fine; a point at an odd multiple of the stride s = 2^l is
// predicted by a linear or cubic spline through the already reconstructed points at multiples of 2s
// (along time, and for a "2-D" predictor also along the variable axis: fields written one grid point
// per row), and the prediction error is quantised on the bound's bins. Closed loop: every prediction
// uses reconstructed values only, exactly as the decoder will have them.
//
// Bound. With step = 2b and P the prediction of a point, k = round((r − P)/step) and r̂ = P + k·step, so
// in exact arithmetic |r − r̂| = |(r − P) − step·round((r − P)/step)| ≤ step/2 = b. The value written is
// x̂ = p + r̂ (p the model's prediction, r = x − p). Floating-point rounding (and |k| clipped at MAX_INT)
// can move x̂ past the bound; the encoder therefore checks every |x − x̂| in float64 with the very
// operations the decoder performs and stores every violator exactly (UNPR). Exceptions do not feed back:
// the decoder's r̂ is a function of the integers k alone, so both sides predict from identical values.
import { MAX_INT } from './entropy';

/** Predictor ids, stored as the byte after RESI's bound (the legacy integer stream always starts with 0). */
export const INTERP_LINEAR_1D = 1;
export const INTERP_CUBIC_1D = 2;
export const INTERP_LINEAR_2D = 3;
export const INTERP_CUBIC_2D = 4;
/**
 * 2-D with the axes' roles swapped (along the variables first at each stride, then along time): the
 * traversal of ids 3/4 on the transposed grid. Which axis goes first matters: at each stride the second
 * axis predicts twice as many points (measured: a 256 × 1000 wave field 11.8 → 8.4 KB at 1e-3).
 */
export const INTERP_LINEAR_2D_VARS = 6;
export const INTERP_CUBIC_2D_VARS = 7;
/**
 * Smoothing, along time (1-D): at strides up to SMOOTH_MAX_STRIDE the mean of the four neighbours
 * (t ± s, t ± 3s) when all four exist, else the cubic rules. On noise-bound signals the four reconstructed
 * neighbours average their noise (and the bins' rounding) instead of passing it on: a smooth signal with
 * noise 10 × the bound codes 2.5 % smaller than with the linear rule (the best before), 5 % at 2 × the bound.
 */
export const INTERP_SMOOTH_1D = 12;
export const INTERP_IDS = [INTERP_LINEAR_1D, INTERP_CUBIC_1D, INTERP_LINEAR_2D, INTERP_CUBIC_2D, INTERP_LINEAR_2D_VARS, INTERP_CUBIC_2D_VARS, INTERP_SMOOTH_1D] as const;
/** Largest stride at which INTERP_SMOOTH_1D averages (coarser points: the cubic rules, unbiased on smooth data). */
export const SMOOTH_MAX_STRIDE = 8;

export function isCubic(id: number): boolean {
  return id === INTERP_CUBIC_1D || id === INTERP_CUBIC_2D || id === INTERP_CUBIC_2D_VARS || id === INTERP_SMOOTH_1D;
}
export function isTwoD(id: number): boolean {
  return id === INTERP_LINEAR_2D || id === INTERP_CUBIC_2D || id === INTERP_LINEAR_2D_VARS || id === INTERP_CUBIC_2D_VARS;
}
/** 2-D, along the variables first at each stride (ids 6, 7). */
export function varsFirst(id: number): boolean {
  return id === INTERP_LINEAR_2D_VARS || id === INTERP_CUBIC_2D_VARS;
}
/** Whether `id` names an interpolation predictor (RESI ids 1–4, 6, 7; 5 is the data's grid). */
export function isInterpolation(id: number): boolean {
  return (INTERP_IDS as readonly number[]).includes(id);
}

const LIMIT: number = MAX_INT;

/**
 * Prediction of the point at offset 0 along a line from the reconstructed values at −3s, −s, +s, +3s
 * (`a`, `b`, `c`, `d`; availability given by the flags). Fixed operation order: part of the format.
 */
export function predict(cubic: boolean, hasA: boolean, a: number, b: number, hasC: boolean, c: number, hasD: boolean, d: number): number {
  if (hasC) {
    if (!cubic) return (b + c) * 0.5;
    if (hasA && hasD) return (9 * (b + c) - (a + d)) * 0.0625;
    if (hasD) return (3 * b + 6 * c - d) * 0.125; // quadratic through −s, +s, +3s
    if (hasA) return (3 * c + 6 * b - a) * 0.125; // quadratic through −3s, −s, +s
    return (b + c) * 0.5;
  }
  // right end: extrapolate from the left
  if (hasA) return 1.5 * b - 0.5 * a;
  return b;
}

/** Largest power of two below `len` (1 when len ≤ 2): the coarsest stride. */
export function topStride(len: number): number {
  let s = 1;
  while (s * 2 < len) s *= 2;
  return s;
}

/**
 * One line of `len` points (t = 0 … len − 1) read and written through `get`/`code`, stride s: visit
 * t = s, 3s, 5s, … `code(t, pred)` must leave the reconstructed value where `get(t)` reads it.
 */
function line(get: (t: number) => number, len: number, s: number, cubic: boolean, code: (t: number, pred: number) => void, smooth = false): void {
  for (let t = s; t < len; t += 2 * s) {
    const hasA = t >= 3 * s;
    const hasC = t + s < len;
    const hasD = t + 3 * s < len;
    if (smooth && hasA && hasD && s <= SMOOTH_MAX_STRIDE) code(t, (get(t - 3 * s) + get(t - s) + get(t + s) + get(t + 3 * s)) * 0.25);
    else code(t, predict(cubic, hasA, hasA ? get(t - 3 * s) : 0, get(t - s), hasC, hasC ? get(t + s) : 0, hasD, hasD ? get(t + 3 * s) : 0));
  }
}

/**
 * Visit every point of the n × m grid `v` (n rows of m) once, coarse to fine: (i, 0) first in 1-D and
 * (0, 0) in 2-D, predicted as 0; then for each stride s from the top down: along time (every row in 1-D,
 * rows at multiples of 2s in 2-D), then along the variables (2-D only: rows at odd multiples of s,
 * columns at multiples of s). Ids 6, 7 swap the axes: for each stride, down the columns at multiples of
 * 2s first, then along the rows at multiples of s. Every prediction reads only points visited before it
 * (those at multiples of 2s along the line). `code(i, j, pred)` must leave the reconstructed value at v[i][j].
 */
export function traverse(v: readonly Float64Array[], m: number, id: number, code: (i: number, j: number, pred: number) => void): void {
  const n = v.length;
  const cubic = isCubic(id);
  const smooth = id === INTERP_SMOOTH_1D;
  const alongTime = (i: number, s: number) => {
    const row = v[i];
    line((t) => row[t], m, s, cubic, (t, pred) => code(i, t, pred), smooth);
  };
  const alongVars = (j: number, s: number) => line((t) => v[t][j], n, s, cubic, (t, pred) => code(t, j, pred));
  if (varsFirst(id)) {
    code(0, 0, 0);
    for (let s = topStride(Math.max(n, m)); s >= 1; s >>= 1) {
      for (let j = 0; j < m; j += 2 * s) alongVars(j, s);
      for (let i = 0; i < n; i += s) alongTime(i, s);
    }
  } else if (isTwoD(id)) {
    code(0, 0, 0);
    for (let s = topStride(Math.max(n, m)); s >= 1; s >>= 1) {
      for (let i = 0; i < n; i += 2 * s) alongTime(i, s);
      for (let j = 0; j < m; j += s) alongVars(j, s);
    }
  } else {
    for (let i = 0; i < n; i++) {
      code(i, 0, 0);
      for (let s = topStride(m); s >= 1; s >>= 1) alongTime(i, s);
    }
  }
}

/** The integer of (r − P)/step: 0 beyond ±LIMIT, never −0 (the stream has one zero). */
function quantise(r: number, pred: number, step: number): number {
  const q = Math.round((r - pred) / step);
  return !(Math.abs(q) <= LIMIT) || q === 0 ? 0 : q;
}

/**
 * Encoder: quantise the residual rows `res` (r = x − p, n rows of m) with predictor `id` at `step` = 2b.
 * Writes the integers to `k` (which may be `res` itself: each value is read before its integer is written)
 * and the reconstructed residual r̂ to `rhat` (n rows of m each). The points of `traverse`, in the order
 * interpolateDecode visits them (the same predictions from the same values), without its callbacks:
 * measured on a 1024 × 200 field (median of 9), ids 2 / 4 / 7: 5.1–6.9 / 7.4–7.8 / 5.0–8.4 → 3.5–3.9 ms.
 */
export function interpolateEncode(res: readonly Float64Array[], m: number, step: number, id: number, k: readonly Float64Array[], rhat: readonly Float64Array[]): void {
  if (!(step > 0)) throw new RangeError('interpolation needs a positive step');
  const n = res.length;
  const cubic = isCubic(id);
  const smooth = id === INTERP_SMOOTH_1D;
  const origin = (i: number): void => {
    const q = quantise(res[i][0], 0, step);
    k[i][0] = q;
    rhat[i][0] = 0 + q * step;
  };
  const row = (i: number, s: number): void => {
    const r = res[i];
    const kk = k[i];
    const x = rhat[i];
    const mean = smooth && s <= SMOOTH_MAX_STRIDE;
    for (let t = s; t < m; t += 2 * s) {
      const hasA = t >= 3 * s;
      const hasC = t + s < m;
      const hasD = t + 3 * s < m;
      const pred = mean && hasA && hasD ? (x[t - 3 * s] + x[t - s] + x[t + s] + x[t + 3 * s]) * 0.25 : predict(cubic, hasA, hasA ? x[t - 3 * s] : 0, x[t - s], hasC, hasC ? x[t + s] : 0, hasD, hasD ? x[t + 3 * s] : 0);
      const q = quantise(r[t], pred, step);
      kk[t] = q;
      x[t] = pred + q * step;
    }
  };
  // the points t = s, 3s, … < n of every column j = 0, js, 2js, … < m (js = s or 2s), row by row
  const columns = (s: number, js: number): void => {
    for (let t = s; t < n; t += 2 * s) {
      const hasA = t >= 3 * s;
      const hasC = t + s < n;
      const hasD = t + 3 * s < n;
      const a = hasA ? rhat[t - 3 * s] : null;
      const b = rhat[t - s];
      const c = hasC ? rhat[t + s] : null;
      const d = hasD ? rhat[t + 3 * s] : null;
      const r = res[t];
      const kk = k[t];
      const x = rhat[t];
      for (let j = 0; j < m; j += js) {
        const pred = predict(cubic, hasA, a ? a[j] : 0, b[j], hasC, c ? c[j] : 0, hasD, d ? d[j] : 0);
        const q = quantise(r[j], pred, step);
        kk[j] = q;
        x[j] = pred + q * step;
      }
    }
  };
  if (isTwoD(id)) {
    if (n === 0) return;
    origin(0);
    const first = varsFirst(id);
    for (let s = topStride(Math.max(n, m)); s >= 1; s >>= 1) {
      if (first) {
        columns(s, 2 * s);
        for (let i = 0; i < n; i += s) row(i, s);
      } else {
        for (let i = 0; i < n; i += 2 * s) row(i, s);
        columns(s, s);
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (m === 0) continue;
      origin(i);
      for (let s = topStride(m); s >= 1; s >>= 1) row(i, s);
    }
  }
}

/** Decoder: `v` holds the integers k (n rows of m) and is turned into r̂ in place. */
export function interpolateDecode(v: readonly Float64Array[], m: number, step: number, id: number): void {
  // `traverse` with `code(i, j, pred)` = (v[i][j] = pred + v[i][j]·step), the lines written out without
  // closures (same points, same order, same arithmetic; measured: Kuramoto–Sivashinsky 1024×251 decode ~5× faster)
  const n = v.length;
  const cubic = isCubic(id);
  const smooth = id === INTERP_SMOOTH_1D;
  const row = (x: Float64Array, s: number): void => {
    const mean = smooth && s <= SMOOTH_MAX_STRIDE;
    for (let t = s; t < m; t += 2 * s) {
      const hasA = t >= 3 * s;
      const hasC = t + s < m;
      const hasD = t + 3 * s < m;
      if (mean && hasA && hasD) x[t] = (x[t - 3 * s] + x[t - s] + x[t + s] + x[t + 3 * s]) * 0.25 + x[t] * step;
      else x[t] = predict(cubic, hasA, hasA ? x[t - 3 * s] : 0, x[t - s], hasC, hasC ? x[t + s] : 0, hasD, hasD ? x[t + 3 * s] : 0) + x[t] * step;
    }
  };
  // the points t = s, 3s, … < n of every column j = 0, js, 2js, … < m (js = s or 2s), row by row
  const columns = (s: number, js: number): void => {
    for (let t = s; t < n; t += 2 * s) {
      const hasA = t >= 3 * s;
      const hasC = t + s < n;
      const hasD = t + 3 * s < n;
      const a = hasA ? v[t - 3 * s] : null;
      const b = v[t - s];
      const c = hasC ? v[t + s] : null;
      const d = hasD ? v[t + 3 * s] : null;
      const x = v[t];
      for (let j = 0; j < m; j += js) x[j] = predict(cubic, hasA, a ? a[j] : 0, b[j], hasC, c ? c[j] : 0, hasD, d ? d[j] : 0) + x[j] * step;
    }
  };
  if (isTwoD(id)) {
    if (n === 0) return;
    v[0][0] = 0 + v[0][0] * step;
    const first = varsFirst(id);
    for (let s = topStride(Math.max(n, m)); s >= 1; s >>= 1) {
      if (first) {
        // each column's points depend only on that column: visiting them row by row is the same arithmetic
        columns(s, 2 * s);
        for (let i = 0; i < n; i += s) row(v[i], s);
      } else {
        for (let i = 0; i < n; i += 2 * s) row(v[i], s);
        columns(s, s);
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = v[i];
      x[0] = 0 + x[0] * step;
      for (let s = topStride(m); s >= 1; s >>= 1) row(x, s);
    }
  }
}

/**
 * Estimated bits of the integers predictor `id` gives for the residual rows `res` (zeroth-order entropy
 * of k, values beyond ±32 by magnitude class plus their raw bits): ranks the predictors without entropy
 * coding. `rhat` is scratch (n rows of m).
 */
export function interpolationBits(res: readonly Float64Array[], m: number, step: number, id: number, rhat: readonly Float64Array[]): number {
  const counts = new Float64Array(65 + 2 * 64);
  let extra = 0;
  let total = 0;
  traverse(rhat, m, id, (i, j, pred) => {
    let q = Math.round((res[i][j] - pred) / step);
    if (!(Math.abs(q) <= LIMIT) || q === 0) q = 0;
    rhat[i][j] = pred + q * step;
    total++;
    if (q >= -32 && q <= 32) counts[q + 32]++;
    else {
      const e = Math.floor(Math.log2(Math.abs(q)));
      counts[65 + 2 * e + (q < 0 ? 1 : 0)]++;
      extra += e;
    }
  });
  let bits = extra;
  for (const c of counts) if (c > 0) bits -= c * Math.log2(c / total);
  return bits;
}
