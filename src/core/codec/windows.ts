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

// ---- format v3: the anchor step as a code on the quantiser's bound instead of an f64 ----

/** Byte offset of the f64 anchor step in a v1 WIND payload. */
function anchorStepAt(payload: Uint8Array, what: string): number {
  const r = new ByteReader(payload, what);
  const count = r.varuint();
  for (let k = 1; k < count; k++) r.varuint();
  r.take(Math.ceil(count / 8));
  return r.pos;
}

/** v1 WIND payload → v3: the f64 anchor step becomes u8 code (0: step 0, c < 255: prec · 2^-(c−1), 255: f64 follows). */
export function windowsToV3(payload: Uint8Array, prec: number): Uint8Array {
  const at = anchorStepAt(payload, 'windows');
  const step = new DataView(payload.buffer, payload.byteOffset + at, 8).getFloat64(0, true);
  let code = 255;
  if (step === 0) code = 0;
  else if (prec > 0) {
    const bits = Math.round(-Math.log2(step / prec));
    if (bits >= 0 && bits < 254 && Object.is(prec * 2 ** -bits, step)) code = bits + 1;
  }
  const w = new ByteWriter();
  w.bytes(payload.subarray(0, at));
  w.u8(code);
  if (code === 255) w.f64(step);
  w.bytes(payload.subarray(at + 8));
  return w.finish();
}

/** v3 WIND payload → the v1 layout readWindows parses. */
export function windowsFromV3(payload: Uint8Array, prec: number, base: number): Uint8Array {
  const r = new ByteReader(payload, 'windows', base);
  r.pos = anchorStepAt(payload, 'windows');
  const at = r.pos;
  const code = r.u8();
  const step = code === 0 ? 0 : code === 255 ? r.f64() : prec * 2 ** -(code - 1);
  const w = new ByteWriter();
  w.bytes(payload.subarray(0, at));
  w.f64(step);
  w.bytes(payload.subarray(r.pos));
  return w.finish();
}

// ---- format v4: single-span files take the window count (and, when all or none use the model, the flags) from the header ----

/**
 * v1 WIND payload → v4 (files without segments): the window count goes (the header has it), the model
 * flags go when every window or none uses the model (the header says which), the anchor step as in v3.
 */
export function windowsToV4(payload: Uint8Array, prec: number): Uint8Array {
  const v3 = windowsToV3(payload, prec);
  const r = new ByteReader(v3, 'windows');
  const count = r.varuint();
  const gapsAt = r.pos;
  for (let k = 1; k < count; k++) r.varuint();
  const flagsAt = r.pos;
  const flags = r.take(Math.ceil(count / 8));
  let used = 0;
  for (let k = 0; k < count; k++) used += (flags[k >> 3] >> (k & 7)) & 1;
  const w = new ByteWriter();
  w.bytes(v3.subarray(gapsAt, flagsAt));
  if (used > 0 && used < count) w.bytes(flags);
  w.bytes(v3.subarray(r.pos));
  return w.finish();
}

/** v4 WIND payload → the v1 layout readWindows parses, with the header's window and model-window counts. */
export function windowsFromV4(payload: Uint8Array, prec: number, base: number, windows: number, modelWindows: number): Uint8Array {
  const r = new ByteReader(payload, 'windows', base);
  for (let k = 1; k < windows; k++) r.varuint();
  const gapsEnd = r.pos;
  const w = new ByteWriter();
  w.varuint(windows);
  w.bytes(payload.subarray(0, gapsEnd));
  const bytes = Math.ceil(windows / 8);
  if (modelWindows > 0 && modelWindows < windows) {
    const flags = r.take(bytes);
    let used = 0;
    for (let k = 0; k < windows; k++) used += (flags[k >> 3] >> (k & 7)) & 1;
    if (used !== modelWindows) r.fail(`${used} model windows, the header says ${modelWindows}`);
    w.bytes(flags);
  } else {
    const flags = new Uint8Array(bytes);
    if (modelWindows === windows) for (let k = 0; k < windows; k++) flags[k >> 3] |= 1 << (k & 7);
    w.bytes(flags);
  }
  w.bytes(payload.subarray(r.pos));
  return windowsFromV3(w.finish(), prec, base);
}
