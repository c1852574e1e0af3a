// Section WIND: the window schedule (starts and model/no-model flags), the integrator's anchor step,
// and the anchor corrections (integers on the anchor step, or exact float64 when the step is 0).
import { ByteReader, ByteWriter } from './bytes';
import { decodeIntRows, encodeIntRows } from './entropy';
import { readFloatsLossless, writeFloatsLossless } from './floatPack';
import type { Window } from './predictor';

export function writeWindows(windows: readonly Window[], anchorStep: number, corrections: readonly Float64Array[], r: number): Uint8Array {
  const w = new ByteWriter();
  w.varuint(windows.length);
  for (let k = 1; k < windows.length; k++) w.varuint(windows[k].start - windows[k - 1].start - 1);
  const flags = new Uint8Array(Math.ceil(windows.length / 8));
  windows.forEach((win, k) => {
    if (win.model) flags[k >> 3] |= 1 << (k & 7);
  });
  w.bytes(flags);
  w.f64(anchorStep);
  if (corrections.length > 0) {
    // one row per state coordinate, one column per model window
    const rows = Array.from({ length: r }, (_, j) => Float64Array.from(corrections, (c) => c[j]));
    if (anchorStep > 0) w.blob(encodeIntRows(rows));
    else {
      const flat = new Float64Array(r * corrections.length);
      rows.forEach((row, j) => flat.set(row, j * corrections.length));
      writeFloatsLossless(w, flat);
    }
  }
  return w.finish();
}

export function readWindows(r: ByteReader, m: number, rank: number): { windows: Window[]; anchorStep: number; corrections: Float64Array[] } {
  const count = r.count(m, 'window count');
  if (count < 1 && m > 0) r.fail('no windows');
  r.need(count - 1 + Math.ceil(count / 8)); // one byte per gap at least, before allocating
  const starts = [0];
  for (let k = 1; k < count; k++) {
    const s = starts[k - 1] + r.varuint() + 1;
    if (s >= m) r.fail(`window ${k} starts at ${s}, past the end (${m})`);
    starts.push(s);
  }
  const flags = r.take(Math.ceil(count / 8));
  const windows: Window[] = starts.map((start, k) => ({
    start,
    end: k + 1 < count ? starts[k + 1] : m,
    model: ((flags[k >> 3] >> (k & 7)) & 1) === 1,
  }));
  const anchorStep = r.finite('anchor step');
  if (anchorStep < 0) r.fail('negative anchor step');
  const nModel = windows.filter((w) => w.model).length;
  const corrections: Float64Array[] = [];
  if (nModel > 0) {
    let rows: Float64Array[];
    if (anchorStep > 0) rows = decodeIntRows(r.blob(), rank, nModel, 'anchor');
    else {
      const flat = readFloatsLossless(r, rank * nModel, 'anchors');
      rows = Array.from({ length: rank }, (_, j) => flat.subarray(j * nModel, (j + 1) * nModel));
    }
    for (let k = 0; k < nModel; k++) corrections.push(Float64Array.from(rows, (row) => row[k]));
  }
  r.end();
  return { windows, anchorStep, corrections };
}
