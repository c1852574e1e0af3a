// Multilevel interpolation over a 3-D grid: a 2-D field u(x, y, t) written one grid point per row, the n
// rows seen as nx × ny (row i = ix·ny + iy, ny stored in RESI after the predictor id) × m time steps. A
// flattened field has neighbours at row distance 1 (along y) and ny (along x); the 2-D predictors
// (interpolation.ts) see only the former. Same scheme as there: coarse to fine, for each stride s from
// the top down the points at odd multiples of s along one axis are predicted by `predict` from the
// reconstructed points at multiples of 2s along it, one axis after the other (ids 8, 9: the axes already
// done at this stride at multiples of s, the others at multiples of 2s; ids 10, 11: time outermost),
// closed loop, r̂ = P + k·step. The bound proof is that of interpolation.ts: the encoder checks every
// value as the decoder computes it (violators to UNPR).
import { MAX_INT } from './entropy';
import { predict, topStride } from './interpolation';

/** Module constants: an imported binding is a getter call per use under tsx's loader (see residual.ts). */
const LIMIT: number = MAX_INT;
const predictAt: typeof predict = predict;

/** Axes: along time (within a row), along y (row step 1), along x (row step ny). */
const T = 0;
const Y = 1;
const X = 2;

/**
 * 3-D, linear / cubic, the strides of all axes together: at each stride along y, then x, then time. Time
 * last (it predicts half the points at each stride) was the smallest of the six orders on smooth fields
 * (bits of the cubic's integers at 1e-3, y-x-t / x-y-t / time first / best 2-D id: a 64×64×200 blob
 * 42.0 / 42.9 / 52.0 / 51.5 KB; a 40×48×300 blob 37.8 / 36.4 / 43.8 / 40.6).
 */
export const INTERP_LINEAR_3D = 8;
export const INTERP_CUBIC_3D = 9;
/**
 * 3-D with time outermost: the key frames t = 0, S, 2S, … < m (S the top time stride) each by the spatial
 * strides (y, then x), then every row along time from S/2 down, as the 1-D predictors do (which start
 * every row from 0 and reach t = S by extrapolation). For fields smoother in time than in space: the
 * bench's 32×32×200 field 15.6 KB (1-D cubic) → 14.5 (y-x-t 16.1) at 1e-3, 30.3 → 29.1 at 1e-4.
 */
export const INTERP_LINEAR_3D_TIME = 10;
export const INTERP_CUBIC_3D_TIME = 11;
export const INTERP_3D_IDS = [INTERP_LINEAR_3D, INTERP_CUBIC_3D, INTERP_LINEAR_3D_TIME, INTERP_CUBIC_3D_TIME] as const;

export function isThreeD(id: number): boolean {
  return id >= INTERP_LINEAR_3D && id <= INTERP_CUBIC_3D_TIME;
}

const ORDER: readonly number[] = [Y, X, T];

/**
 * Encoder-side choices carry the stored stride with the id in one number (id + 256·ny): the no-model
 * route's sampled sizes and its plan keep a single predictor number.
 */
export function withStride(id: number, ny: number): number {
  return isThreeD(id) ? id + 256 * ny : id;
}
export function choiceId(choice: number): number {
  return choice % 256;
}
export function choiceStride(choice: number): number {
  return Math.floor(choice / 256);
}

/** One point: decode (res null: x[t] holds k) or encode (k and r̂ from the residual r). */
function codeAt(x: Float64Array, t: number, pred: number, step: number, r: Float64Array | null, k: Float64Array | null): void {
  if (r === null || k === null) x[t] = pred + x[t] * step;
  else {
    let q = Math.round((r[t] - pred) / step);
    if (!(Math.abs(q) <= LIMIT) || q === 0) q = 0; // no −0 in the stream
    k[t] = q;
    x[t] = pred + q * step;
  }
}

/** Along time in row `i`: t = s, 3s, … < m from the points at multiples of 2s. */
function alongTime(v: readonly Float64Array[], res: readonly Float64Array[] | null, ks: readonly Float64Array[] | null, i: number, m: number, s: number, step: number, cubic: boolean): void {
  const x = v[i];
  const r = res ? res[i] : null;
  const k = ks ? ks[i] : null;
  for (let t = s; t < m; t += 2 * s) {
    const hasA = t >= 3 * s;
    const hasC = t + s < m;
    const hasD = t + 3 * s < m;
    const pred = predictAt(cubic, hasA, hasA ? x[t - 3 * s] : 0, x[t - s], hasC, hasC ? x[t + s] : 0, hasD, hasD ? x[t + 3 * s] : 0);
    codeAt(x, t, pred, step, r, k);
  }
}

/**
 * Across rows: the line of rows i0 + u·rowStep (u < len), points u = s, 3s, … at every time
 * t = t0, t0 + tStep, … < m.
 */
function acrossRows(v: readonly Float64Array[], res: readonly Float64Array[] | null, ks: readonly Float64Array[] | null, i0: number, rowStep: number, len: number, t0: number, m: number, tStep: number, s: number, step: number, cubic: boolean): void {
  for (let u = s; u < len; u += 2 * s) {
    const hasA = u >= 3 * s;
    const hasC = u + s < len;
    const hasD = u + 3 * s < len;
    const a = hasA ? v[i0 + (u - 3 * s) * rowStep] : null;
    const b = v[i0 + (u - s) * rowStep];
    const c = hasC ? v[i0 + (u + s) * rowStep] : null;
    const d = hasD ? v[i0 + (u + 3 * s) * rowStep] : null;
    const i = i0 + u * rowStep;
    const x = v[i];
    const r = res ? res[i] : null;
    const k = ks ? ks[i] : null;
    for (let t = t0; t < m; t += tStep) {
      const pred = predictAt(cubic, hasA, a ? a[t] : 0, b[t], hasC, c ? c[t] : 0, hasD, d ? d[t] : 0);
      codeAt(x, t, pred, step, r, k);
    }
  }
}

/**
 * The traversal, shared by encoder and decoder (so both visit the same points in the same order with the
 * same arithmetic), written without closures (interpolateDecode: ~5× faster decode). Ids 8, 9: (0, 0, 0)
 * predicted as 0, then for each stride s from the top down, along y, x, time in turn; ids 10, 11: see there.
 */
function run(v: readonly Float64Array[], ny: number, m: number, step: number, id: number, res: readonly Float64Array[] | null, ks: readonly Float64Array[] | null): void {
  const n = v.length;
  if (n === 0 || m === 0) return;
  if (!(ny >= 1 && n % ny === 0)) throw new RangeError(`3-D interpolation: ${n} rows are not a multiple of the stride ${ny}`);
  const nx = n / ny;
  const cubic = id === INTERP_CUBIC_3D || id === INTERP_CUBIC_3D_TIME;
  if (id === INTERP_LINEAR_3D_TIME || id === INTERP_CUBIC_3D_TIME) {
    const top = topStride(m);
    // key frame f: (0, 0, f) predicted as 0, then y and x at each spatial stride (the frame alone: t = f only)
    for (let f = 0; f < m; f += top) {
      codeAt(v[0], f, 0, step, res ? res[0] : null, ks ? ks[0] : null);
      for (let s = topStride(Math.max(nx, ny)); s >= 1; s >>= 1) {
        for (let ix = 0; ix < nx; ix += 2 * s) acrossRows(v, res, ks, ix * ny, 1, ny, f, f + 1, 1, s, step, cubic);
        for (let iy = 0; iy < ny; iy += s) acrossRows(v, res, ks, iy, ny, nx, f, f + 1, 1, s, step, cubic);
      }
    }
    for (let s = top >> 1; s >= 1; s >>= 1) for (let i = 0; i < n; i++) alongTime(v, res, ks, i, m, s, step, cubic);
    return;
  }
  codeAt(v[0], 0, 0, step, res ? res[0] : null, ks ? ks[0] : null);
  for (let s = topStride(Math.max(nx, ny, m)); s >= 1; s >>= 1) {
    // spacing of each axis's coordinates: s once done at this stride, 2s before
    let st = 2 * s;
    let sy = 2 * s;
    let sx = 2 * s;
    for (const axis of ORDER) {
      if (axis === T) {
        for (let ix = 0; ix < nx; ix += sx) for (let iy = 0; iy < ny; iy += sy) alongTime(v, res, ks, ix * ny + iy, m, s, step, cubic);
        st = s;
      } else if (axis === Y) {
        for (let ix = 0; ix < nx; ix += sx) acrossRows(v, res, ks, ix * ny, 1, ny, 0, m, st, s, step, cubic);
        sy = s;
      } else {
        for (let iy = 0; iy < ny; iy += sy) acrossRows(v, res, ks, iy, ny, nx, 0, m, st, s, step, cubic);
        sx = s;
      }
    }
  }
}

/**
 * Encoder: quantise the residual rows `res` (r = x − p, n rows of m, n = nx·ny) with the 3-D predictor
 * `id` at `step` = 2b. Writes the integers to `k` and r̂ to `rhat`; `k` may be `res` itself (each value
 * is read once, before its k is written).
 */
export function interpolate3dEncode(res: readonly Float64Array[], ny: number, m: number, step: number, id: number, k: readonly Float64Array[], rhat: readonly Float64Array[]): void {
  if (!(step > 0)) throw new RangeError('interpolation needs a positive step');
  run(rhat, ny, m, step, id, res, k);
}

/** Decoder: `v` holds the integers k (n rows of m) and is turned into r̂ in place. */
export function interpolate3dDecode(v: readonly Float64Array[], ny: number, m: number, step: number, id: number): void {
  run(v, ny, m, step, id, null, null);
}

/**
 * A stride's measure must be below this fraction of both neighbouring lags'. Measured (ratio at the best
 * divisor): flattened fields 0.69 (bench 32×32), 0.71 (64×64 blob), 0.89 (40×48 wave varying faster along
 * x than y, where the diagonal lags are little worse); independent random walks 0.94–1.0, the bench's
 * 1-D fields (Burgers, KdV, KS, heat, advection) ≥ 1.0, noisy sensors 1.06.
 */
const STRIDE_DIP = 0.92;
/** Grid strides tried at most (each costs the 3-D predictors' trial codings). */
const MAX_STRIDES = 2;
/** Time columns the stride measure looks at, and rows pairs per lag at most. */
const STRIDE_COLUMNS = 16;
const STRIDE_PAIRS = 8192;

/**
 * Candidate row strides ny of a flattened 2-D field: divisors d of n, 4 ≤ d ≤ n/4, at which the mean
 * |x_i − x_{i+d}| over a few time columns is a clear local minimum over the lags (below STRIDE_DIP× that at
 * d ± 1: the neighbour along x, where d − 1 and d + 1 are diagonal and wrap at every line); the
 * smallest measures first, a square grid √n before the others. Rows of a 1-D field (the measure grows
 * with d) or independent series (flat) give none. Cost: O(divisors · min(n, 8192) · 16).
 */
export function gridStrides(series: readonly Float64Array[]): number[] {
  const n = series.length;
  if (n < 16) return [];
  const m = series[0].length;
  if (m === 0) return [];
  const cols = Math.min(m, STRIDE_COLUMNS);
  const js = Array.from({ length: cols }, (_, c) => Math.floor(((c + 0.5) * m) / cols));
  const lag = (d: number): number => {
    const count = n - d;
    const g = Math.max(1, Math.floor(count / STRIDE_PAIRS));
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < count; i += g) {
      const a = series[i];
      const b = series[i + d];
      for (const j of js) sum += Math.abs(a[j] - b[j]);
      pairs++;
    }
    return sum / pairs;
  };
  const found: { d: number; measure: number }[] = [];
  for (let d = 4; d <= n / 4; d++) {
    if (n % d !== 0) continue;
    const here = lag(d);
    if (here < STRIDE_DIP * Math.min(lag(d - 1), lag(d + 1))) found.push({ d, measure: here });
  }
  const root = Math.round(Math.sqrt(n));
  found.sort((a, b) => (a.d === root ? -1 : b.d === root ? 1 : a.measure - b.measure));
  return found.slice(0, MAX_STRIDES).map((f) => f.d);
}
