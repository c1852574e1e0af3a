// Lossless coder for matrices of integers (quantised residuals, basis, anchors, time stamps).
// Rows are coded one after another in blocks of BLOCK values; each block picks the integer transform
// that makes it smallest (none, delta, second delta along the row, delta against the previous row,
// or 2-D Lorenzo), then the symbols go through the adaptive binary range coder with contexts taken
// from the neighbouring symbols. Integers must satisfy |v| ≤ 2^50 (so every transform stays exact).
import { FormatError } from '../errors';
import { ContextModel, RangeDecoder, RangeEncoder } from './rangeCoder';

export const BLOCK = 256;
export const MAX_INT = 2 ** 50;
const MAX_EXP = 53;
const N_TRANSFORMS = 5;

/** floor(log2(m)) for 1 ≤ m < 2^53. */
function ilog2(m: number): number {
  if (m < 4294967296) return 31 - Math.clz32(m);
  return 63 - Math.clz32(Math.floor(m / 4294967296));
}

function cls(v: number): number {
  return v === 0 ? 0 : v === 1 || v === -1 ? 1 : 2;
}

function magClass(v: number): number {
  const a = Math.abs(v);
  if (a === 0) return 0;
  const k = ilog2(a);
  return k >= 3 ? 4 : k + 1;
}

/** Transformed symbol at index j of `row`, given the previous row (or null). */
function transform(t: number, row: Float64Array, prev: Float64Array | null, j: number): number {
  const v = row[j];
  const l = j > 0 ? row[j - 1] : 0;
  switch (t) {
    case 0:
      return v;
    case 1:
      return v - l;
    case 2:
      return v - 2 * l + (j > 1 ? row[j - 2] : 0);
    case 3:
      return v - (prev ? prev[j] : 0);
    default:
      return prev ? v - l - prev[j] + (j > 0 ? prev[j - 1] : 0) : v - l;
  }
}

/** Inverse of `transform`: the value from the symbol and the already decoded neighbours. */
function untransform(t: number, s: number, row: Float64Array, prev: Float64Array | null, j: number): number {
  const l = j > 0 ? row[j - 1] : 0;
  switch (t) {
    case 0:
      return s;
    case 1:
      return s + l;
    case 2:
      return s + 2 * l - (j > 1 ? row[j - 2] : 0);
    case 3:
      return s + (prev ? prev[j] : 0);
    default:
      return prev ? s + l + prev[j] - (j > 0 ? prev[j - 1] : 0) : s + l;
  }
}

function symbolCost(s: number): number {
  if (s === 0) return 0.4;
  const a = Math.abs(s);
  return 3 + 2 * (a < 4294967296 ? 31 - Math.clz32(a) : 40);
}

class Models {
  readonly zero = new ContextModel(9);
  readonly sign = new ContextModel(3);
  readonly exp = new ContextModel(5 * MAX_EXP);
  readonly mant = new ContextModel(MAX_EXP);
  readonly same = new ContextModel(2);
  readonly tree = new ContextModel(8);
}

function zeroCtx(left: number, up: number): number {
  return cls(left) * 3 + cls(up);
}
function signCtx(left: number): number {
  return left === 0 ? 0 : left > 0 ? 1 : 2;
}

function encodeSymbol(enc: RangeEncoder, md: Models, s: number, left: number, up: number): void {
  if (s === 0) {
    enc.bit(md.zero, zeroCtx(left, up), 0);
    return;
  }
  enc.bit(md.zero, zeroCtx(left, up), 1);
  enc.bit(md.sign, signCtx(left), s < 0 ? 1 : 0);
  const m = Math.abs(s);
  const k = ilog2(m);
  const c = Math.max(magClass(left), magClass(up)) * MAX_EXP;
  for (let i = 0; i < k; i++) enc.bit(md.exp, c + i, 1);
  if (k < MAX_EXP - 1) enc.bit(md.exp, c + k, 0);
  if (k === 0) return;
  let rest = m - 2 ** k;
  const top = Math.floor(rest / 2 ** (k - 1));
  enc.bit(md.mant, k, top);
  rest -= top * 2 ** (k - 1);
  let bits = k - 1;
  while (bits > 0) {
    const chunk = Math.min(bits, 24);
    bits -= chunk;
    enc.direct(Math.floor(rest / 2 ** bits) % 2 ** chunk, chunk);
  }
}

function decodeSymbol(dec: RangeDecoder, md: Models, left: number, up: number): number {
  if (dec.bit(md.zero, zeroCtx(left, up)) === 0) return 0;
  const neg = dec.bit(md.sign, signCtx(left)) === 1;
  const c = Math.max(magClass(left), magClass(up)) * MAX_EXP;
  let k = 0;
  while (k < MAX_EXP - 1 && dec.bit(md.exp, c + k) === 1) k++;
  let m = 2 ** k;
  if (k > 0) {
    m += dec.bit(md.mant, k) * 2 ** (k - 1);
    let bits = k - 1;
    while (bits > 0) {
      const chunk = Math.min(bits, 24);
      bits -= chunk;
      m += dec.direct(chunk) * 2 ** bits;
    }
  }
  return neg ? -m : m;
}

function encodeTransform(enc: RangeEncoder, md: Models, t: number, prevT: number): void {
  enc.bit(md.same, 0, t === prevT ? 0 : 1);
  if (t === prevT) return;
  let node = 1;
  for (let b = 2; b >= 0; b--) {
    const bit = (t >> b) & 1;
    enc.bit(md.tree, node, bit);
    node = node * 2 + bit;
  }
}

function decodeTransform(dec: RangeDecoder, md: Models, prevT: number): number {
  if (dec.bit(md.same, 0) === 0) return prevT;
  let node = 1;
  for (let b = 0; b < 3; b++) node = node * 2 + dec.bit(md.tree, node);
  const t = node - 8;
  if (t >= N_TRANSFORMS) throw new FormatError('corrupt integer stream: unknown transform');
  return t;
}

/** Code equal-length rows of integers. The shape is not stored: the caller knows it. */
export function encodeIntRows(rows: readonly Float64Array[]): Uint8Array {
  const enc = new RangeEncoder();
  const md = new Models();
  const len = rows.length > 0 ? rows[0].length : 0;
  let prevSyms = new Float64Array(len);
  let syms = new Float64Array(len);
  let prevT = 1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.length !== len) throw new RangeError('rows must have equal length');
    const prev = i > 0 ? rows[i - 1] : null;
    const nT = prev ? N_TRANSFORMS : 3;
    for (let b0 = 0; b0 < len; b0 += BLOCK) {
      const b1 = Math.min(len, b0 + BLOCK);
      let bestT = 0;
      let bestCost = Infinity;
      for (let t = 0; t < nT; t++) {
        let cost = t === prevT ? 0 : 4;
        for (let j = b0; j < b1 && cost < bestCost; j++) cost += symbolCost(transform(t, row, prev, j));
        if (cost < bestCost) {
          bestCost = cost;
          bestT = t;
        }
      }
      encodeTransform(enc, md, bestT, prevT);
      prevT = bestT;
      for (let j = b0; j < b1; j++) {
        const v = row[j];
        if (!(Math.abs(v) <= MAX_INT) || !Number.isInteger(v)) throw new RangeError(`not a codable integer: ${v}`);
        const s = transform(bestT, row, prev, j);
        syms[j] = s;
        encodeSymbol(enc, md, s, j > 0 ? syms[j - 1] : 0, i > 0 ? prevSyms[j] : 0);
      }
    }
    [prevSyms, syms] = [syms, prevSyms];
  }
  return enc.finish();
}

export function decodeIntRows(bytes: Uint8Array, nRows: number, len: number, what: string): Float64Array[] {
  const dec = new RangeDecoder(bytes);
  const md = new Models();
  const rows: Float64Array[] = [];
  let prevSyms = new Float64Array(len);
  let syms = new Float64Array(len);
  let prevT = 1;
  for (let i = 0; i < nRows; i++) {
    const row = new Float64Array(len);
    const prev = i > 0 ? rows[i - 1] : null;
    for (let b0 = 0; b0 < len; b0 += BLOCK) {
      const b1 = Math.min(len, b0 + BLOCK);
      const t = decodeTransform(dec, md, prevT);
      if (!prev && t > 2) throw new FormatError(`corrupt ${what} stream: row transform on the first row`);
      prevT = t;
      for (let j = b0; j < b1; j++) {
        const s = decodeSymbol(dec, md, j > 0 ? syms[j - 1] : 0, i > 0 ? prevSyms[j] : 0);
        syms[j] = s;
        const v = untransform(t, s, row, prev, j);
        if (!(Math.abs(v) <= MAX_INT)) throw new FormatError(`corrupt ${what} stream: value out of range`);
        row[j] = v;
      }
      if (dec.overrun > 8) throw new FormatError(`corrupt ${what} stream: ends early`);
    }
    rows.push(row);
    [prevSyms, syms] = [syms, prevSyms];
  }
  return rows;
}
