// Error-bounded residual: q = round((x − p) / 2b), x̂ = p + q·2b, then every value is checked in
// floating point and any |x − x̂| > b (rounding at a bin edge, overflow, huge jumps) is stored exactly
// in the "unpredictable" list, as SZ does. Sections RESI (the integers) and UNPR (the exceptions).
import { ByteReader, ByteWriter } from './bytes';
import { MAX_INT, decodeIntRows, encodeIntRows } from './entropy';
import { readFloatsLossless, writeFloatsLossless } from './floatPack';

export interface Quantised {
  q: Float64Array[];
  recon: Float64Array[];
  /** Flat indices i·m + j, ascending, and the exact values there. */
  unpredictable: { index: number[]; values: number[] };
}

export function quantise(series: readonly Float64Array[], pred: readonly Float64Array[], bound: number): Quantised {
  const step = 2 * bound;
  const m = series.length > 0 ? series[0].length : 0;
  const q: Float64Array[] = [];
  const recon: Float64Array[] = [];
  const index: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < series.length; i++) {
    const x = series[i];
    const p = pred[i];
    const qi = new Float64Array(m);
    const ri = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let k = step > 0 ? Math.round((x[j] - p[j]) / step) : 0;
      if (!(Math.abs(k) <= MAX_INT)) k = 0;
      const xh = p[j] + k * step;
      qi[j] = k === 0 ? 0 : k; // no -0 in the stream
      if (Math.abs(x[j] - xh) <= bound) ri[j] = xh;
      else {
        ri[j] = x[j];
        index.push(i * m + j);
        values.push(x[j]);
      }
    }
    q.push(qi);
    recon.push(ri);
  }
  return { q, recon, unpredictable: { index, values } };
}

/** x̂ = p + q·2b, with the decoder's exact operation order. */
export function dequantise(pred: readonly Float64Array[], q: readonly Float64Array[], bound: number): Float64Array[] {
  const step = 2 * bound;
  return pred.map((p, i) => Float64Array.from(p, (v, j) => v + q[i][j] * step));
}

export function writeResidual(bound: number, q: readonly Float64Array[]): Uint8Array {
  const w = new ByteWriter();
  w.f64(bound);
  w.bytes(encodeIntRows(q));
  return w.finish();
}

export function readResidual(r: ByteReader, n: number, m: number): { bound: number; q: Float64Array[] } {
  const bound = r.finite('bound');
  if (bound < 0) r.fail('negative bound');
  const body = r.take(r.remaining);
  // A zero costs at least ~0.0015 bit: a stream this long cannot describe more values than this.
  if (n * m > (body.length + 64) * 8 * 1024) r.fail(`${body.length} bytes cannot hold ${n * m} values`);
  return { bound, q: decodeIntRows(body, n, m, 'residual') };
}

export function writeUnpredictable(u: Quantised['unpredictable']): Uint8Array {
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
