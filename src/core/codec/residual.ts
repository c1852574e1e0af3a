// Error-bounded residual: q = round((x − p) / 2b), x̂ = p + q·2b, then every value is checked in
// floating point and any |x − x̂| > b (rounding at a bin edge, overflow, huge jumps) is stored exactly
// in the "unpredictable" list, as SZ does. Sections RESI (the integers) and UNPR (the exceptions).
import { ByteReader, ByteWriter } from './bytes';
import { BLOCK, IntRowDecoder, MAX_INT, decodeIntRows, encodeIntRows } from './entropy';
import { readFloatsLossless, writeFloatsLossless } from './floatPack';
import { printedValue } from '../csv/outputStep';
import { isInterpolation } from './interpolation';
import { isThreeD } from './interpolation3d';

/**
 * MAX_INT as a module constant: an imported binding is a getter call per use under tsx's loader (measured with
 * the step test hoisted out of the loop: quantising 4.2M values of the 400×8000 encode 130 → 40 ms).
 */
const LIMIT: number = MAX_INT;

/** Exceptions: flat indices i·m + j, ascending, and the exact values there. */
export interface Unpredictable {
  index: number[];
  values: number[];
}

/**
 * Decimal printing the reconstruction will get: values are written rounded to a multiple of 10^k, and what a
 * reader parses back from that text (`printedValue`) must stay within `bound` (the user's bound b; the
 * quantiser itself works with b' < b). `failed` is set when an exception's printed value would not.
 */
export interface PrintCheck {
  k: number;
  bound: number;
  failed: boolean;
}

/**
 * Quantise row `i` of the data against its prediction: q and the decoder's reconstruction x̂ into the
 * given buffers (length m), exceptions appended to `u`; max |x − x̂| and Σ (x − x̂)² continued in `err`.
 * With `print`, a value is also an exception unless its printed form is within print.bound of x, and the
 * errors measured are those of the printed values.
 */
export function quantiseRow(x: Float64Array, p: Float64Array, bound: number, i: number, q: Float64Array, recon: Float64Array, u: Unpredictable, err: { max: number; sumSq: number }, print: PrintCheck | null = null): void {
  const step = 2 * bound;
  const m = x.length;
  let max = err.max;
  let sumSq = err.sumSq;
  if (!(step > 0)) {
    // bound 0: every value is its own exception unless predicted exactly
    for (let j = 0; j < m; j++) {
      const xj = x[j];
      const xh = p[j] + 0 * step;
      q[j] = 0;
      let d = Math.abs(xj - xh);
      if (d <= bound) recon[j] = xh;
      else {
        recon[j] = xj;
        d = 0;
        u.index.push(i * m + j);
        u.values.push(xj);
      }
      if (!(d <= max)) max = d;
      sumSq += d * d;
    }
  } else if (print) {
    const k10 = print.k;
    const outBound = print.bound;
    for (let j = 0; j < m; j++) {
      const xj = x[j];
      const pj = p[j];
      let k = Math.round((xj - pj) / step);
      if (!(Math.abs(k) <= LIMIT) || k === 0) k = 0;
      const xh = pj + k * step;
      q[j] = k;
      const d = Math.abs(xj - xh);
      const dp = Math.abs(xj - printedValue(xh, k10));
      if (d <= bound && dp <= outBound) {
        recon[j] = xh;
        if (!(dp <= max)) max = dp;
        sumSq += dp * dp;
      } else {
        recon[j] = xj;
        u.index.push(i * m + j);
        u.values.push(xj);
        const de = Math.abs(xj - printedValue(xj, k10));
        if (!(de <= outBound)) print.failed = true;
        if (!(de <= max)) max = de;
        sumSq += de * de;
      }
    }
  } else {
    for (let j = 0; j < m; j++) {
      const xj = x[j];
      const pj = p[j];
      let k = Math.round((xj - pj) / step);
      if (!(Math.abs(k) <= LIMIT) || k === 0) k = 0; // no -0 in the stream, nor in x̂ = p + k·2b
      const xh = pj + k * step;
      q[j] = k;
      const d = Math.abs(xj - xh);
      if (d <= bound) {
        recon[j] = xh;
        if (!(d <= max)) max = d;
        sumSq += d * d;
      } else {
        recon[j] = xj;
        u.index.push(i * m + j);
        u.values.push(xj);
      }
    }
  }
  err.max = max;
  err.sumSq = sumSq;
}

/**
 * Check row `i` of a reconstruction x̂ = p + r̂ (interpolation predictor: r̂ already on the bound's bins)
 * against the data, as `quantiseRow` does: the reconstruction into `recon`, exceptions appended to `u`.
 */
export function checkRow(x: Float64Array, p: Float64Array, rhat: Float64Array, bound: number, i: number, recon: Float64Array, u: Unpredictable, err: { max: number; sumSq: number }, print: PrintCheck | null = null): void {
  const m = x.length;
  let max = err.max;
  let sumSq = err.sumSq;
  for (let j = 0; j < m; j++) {
    const xj = x[j];
    const xh = p[j] + rhat[j];
    const d = Math.abs(xj - xh);
    const dp = print ? Math.abs(xj - printedValue(xh, print.k)) : d;
    if (d <= bound && (!print || dp <= print.bound)) {
      recon[j] = xh;
      if (!(dp <= max)) max = dp;
      sumSq += dp * dp;
    } else {
      recon[j] = xj;
      u.index.push(i * m + j);
      u.values.push(xj);
      if (print) {
        const de = Math.abs(xj - printedValue(xj, print.k));
        if (!(de <= print.bound)) print.failed = true;
        if (!(de <= max)) max = de;
        sumSq += de * de;
      }
    }
  }
  err.max = max;
  err.sumSq = sumSq;
}

/**
 * Section RESI from the coded integer rows. `predictor` 0: the integers are the quantised residual q
 * (the integer stream's first byte is always 0, so nothing is written for it: the bytes of v1/v2);
 * 1–4, 6, 7: the interpolation predictor's id (interpolation.ts), one byte, then its integers k; 8–11:
 * the 3-D interpolation predictor's id (interpolation3d.ts), then the grid's row stride ny (varuint).
 */
export function residualSection(bound: number, coded: Uint8Array, predictor = 0, grid = 0, stride = 0): Uint8Array {
  const w = new ByteWriter();
  w.f64(bound);
  if (predictor !== 0) w.u8(predictor);
  if (predictor === GRID_PREDICTOR) w.f64(grid);
  if (isThreeD(predictor)) w.varuint(stride);
  w.bytes(coded);
  return w.finish();
}

/**
 * Predictor id 5, the data's own grid (no-model route, data read from an ADC or printed with few
 * digits): every value is an integer multiple of a step δ coarser than the bound's bins (δ > 2b′), so
 * the integers k = round(x / δ) code the data losslessly and x̂ = p + k·δ. The f64 δ follows the id.
 * As for every predictor, each value is checked and a miss stored exactly (UNPR).
 */
export const GRID_PREDICTOR = 5;

/** The predictor id RESI's payload carries (0: the quantised residual itself, as in v1/v2). */
export function residualPredictor(payload: Uint8Array): number {
  return payload.length > 8 ? payload[8] : 0;
}

/**
 * The bound, the predictor id (with the 3-D predictors' row stride, else 0) and a row-by-row decoder of
 * the integers (n rows of m). `interpolation` false (v1/v2 files): any predictor id is corrupt.
 */
export function readResidual(r: ByteReader, n: number, m: number, interpolation = false): { bound: number; predictor: number; grid: number; stride: number; rows: IntRowDecoder } {
  const bound = r.finite('bound');
  if (bound < 0) r.fail('negative bound');
  const predictor = r.remaining > 0 ? r.bytes[r.pos] : 0;
  let grid = 0;
  let stride = 0;
  if (predictor !== 0) {
    if (!interpolation) r.fail('residual predictor in a file of a version without predictors');
    if (predictor !== GRID_PREDICTOR && !isInterpolation(predictor) && !isThreeD(predictor)) r.fail(`unknown residual predictor ${predictor}`);
    if (!(bound > 0)) r.fail('residual predictor with a zero bound');
    r.u8();
    if (predictor === GRID_PREDICTOR) {
      grid = r.finite('grid step');
      if (!(grid > 2 * bound)) r.fail(`grid step ${grid} not above the bound's bins`);
    }
    if (isThreeD(predictor)) {
      stride = r.varuint();
      if (!(stride >= 1 && stride <= n && n % stride === 0)) r.fail(`grid row stride ${stride} does not divide ${n} rows`);
    }
  }
  const body = r.take(r.remaining);
  // A block of 256 values (an all-zero one: transform 5, §3) costs at least ~0.0015 bit: a stream this
  // long cannot describe more blocks than this.
  if (n * Math.ceil(m / BLOCK) > (body.length + 64) * 8 * 1024) r.fail(`${body.length} bytes cannot hold ${n * m} values`);
  return { bound, predictor, grid, stride, rows: new IntRowDecoder(body, n, m, 'residual') };
}

export function writeUnpredictable(u: Unpredictable): Uint8Array {
  const w = new ByteWriter();
  w.varuint(u.index.length);
  if (u.index.length > 0) {
    const gaps = Float64Array.from(u.index, (v, k) => (k === 0 ? v : v - u.index[k - 1] - 1));
    w.blob(encodeIntRows([gaps]));
    writeFloatsLossless(w, Float64Array.from(u.values));
  }
  return w.finish();
}

export function readUnpredictable(r: ByteReader, total: number): { index: Float64Array; values: Float64Array } {
  const count = r.count(total, 'unpredictable count');
  if (count === 0) {
    r.end();
    return { index: new Float64Array(0), values: new Float64Array(0) };
  }
  const body = r.blob();
  const [gaps] = decodeIntRows(body, 1, count, 'unpredictable index');
  const index = new Float64Array(count);
  let at = -1;
  for (let k = 0; k < count; k++) {
    if (gaps[k] < 0) r.fail('negative index gap');
    at += gaps[k] + 1;
    if (at >= total) r.fail('unpredictable index out of range');
    index[k] = at;
  }
  const values = readFloatsLossless(r, count, 'unpredictable values');
  r.end();
  return { index, values };
}
