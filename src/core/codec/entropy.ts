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
/**
 * Transform 5: every value of the block is 0, no symbols coded (FORMAT.md §3; readers of this version
 * on). A zero costs ≥ 0.0016 bit through the saturated zero flag: on the 400-sensor Lorenz at 1e-3 the
 * 3.2 M zeros of its residual were ~600 B of its 4.6 KB, and each still took a decode step.
 */
const ZERO_BLOCK = 5;
/** Range coder normalisation threshold (rangeCoder.ts's TOP). */
const TOP = 0x1000000;
/** 2^k, k = 0 … MAX_EXP: the decoder's magnitudes. */
const POW2 = Float64Array.from({ length: MAX_EXP + 1 }, (_, k) => 2 ** k);

/** floor(log2(m)) for 1 ≤ m < 2^53. */
function ilog2(m: number): number {
  if (m < 4294967296) return 31 - Math.clz32(m);
  return 63 - Math.clz32(Math.floor(m / 4294967296));
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

class Models {
  readonly zero = new ContextModel(9);
  readonly sign = new ContextModel(3);
  readonly exp = new ContextModel(5 * MAX_EXP);
  readonly mant = new ContextModel(MAX_EXP);
  readonly same = new ContextModel(2);
  readonly tree = new ContextModel(8);
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

function sc(s: number): number {
  if (s === 0) return 0.4;
  const a = s < 0 ? -s : s;
  return 3 + 2 * (a < 4294967296 ? 31 - Math.clz32(a) : 40);
}

/**
 * A run of all-zero blocks goes to transform 5 from its start when it is at least this long (or continues a
 * run already there). Zeros cost only ~0.0016 bit each once the zero flag's context saturates, so a switch
 * into transform 5 and back (~8 bits) pays after ~20 blocks of such zeros; a short run among coded blocks
 * stays as it was (measured: a 48-sensor POD wave file 5 bytes larger with every zero block switched).
 */
const ZERO_RUN = 8;

/** How many consecutive all-zero blocks start at b0 (at most `max`). */
function zeroBlocksFrom(row: Float64Array, b0: number, len: number, max: number): number {
  let count = 0;
  for (let b = b0; b < len && count < max; b += BLOCK, count++) {
    const b1 = Math.min(len, b + BLOCK);
    for (let j = b; j < b1; j++) if (row[j] !== 0) return count;
  }
  return count;
}

/**
 * Streaming coder of equal-length rows of integers: `push` one row at a time (the caller may reuse its
 * buffer), `finish` gives the bytes. Same bytes as coding all rows at once; memory O(row length).
 */
export class IntRowEncoder {
  private readonly enc = new RangeEncoder();
  private readonly md = new Models();
  private prev: Float64Array;
  private cur: Float64Array;
  private prevSyms: Float64Array;
  private syms: Float64Array;
  private prevT = 1;
  private rows = 0;
  private readonly cost = new Float64Array(N_TRANSFORMS);
  constructor(readonly len: number) {
    this.prev = new Float64Array(len);
    this.cur = new Float64Array(len);
    this.prevSyms = new Float64Array(len);
    this.syms = new Float64Array(len);
  }

  push(input: ArrayLike<number>): void {
    const { len, enc, md, cost } = this;
    if (input.length !== len) throw new RangeError('rows must have equal length');
    const row = this.cur;
    for (let j = 0; j < len; j++) {
      const v = input[j];
      if (!(Math.abs(v) <= MAX_INT) || !Number.isInteger(v)) throw new RangeError(`not a codable integer: ${v}`);
      row[j] = v;
    }
    const hasPrev = this.rows > 0;
    const prev = hasPrev ? this.prev : null;
    const syms = this.syms;
    const prevSyms = this.prevSyms;
    const nT = hasPrev ? N_TRANSFORMS : 3;
    const zf = md.zero.fast;
    const zs = md.zero.slow;
    const sf = md.sign.fast;
    const ss = md.sign.slow;
    const ef = md.exp.fast;
    const es = md.exp.slow;
    const mf = md.mant.fast;
    const ms = md.mant.slow;
    let f = 0;
    let sl = 0;
    let bound = 0;
    let ctx = 0;
    for (let b0 = 0; b0 < len; b0 += BLOCK) {
      const b1 = Math.min(len, b0 + BLOCK);
      // all transform costs in one pass (same sums, same order as one pass per transform;
      // measured: 400×8000 mostly-zero values 160 → 90 ms against one early-exit pass per transform)
      let c0 = this.prevT === 0 ? 0 : 4;
      let c1 = this.prevT === 1 ? 0 : 4;
      let c2 = this.prevT === 2 ? 0 : 4;
      let c3 = this.prevT === 3 ? 0 : 4;
      let c4 = this.prevT === 4 ? 0 : 4;
      let nonZero = false;
      for (let j = b0; j < b1; j++) {
        const v = row[j];
        if (v !== 0) nonZero = true;
        const l = j > 0 ? row[j - 1] : 0;
        const l2 = j > 1 ? row[j - 2] : 0;
        c0 += sc(v);
        c1 += sc(v - l);
        c2 += sc(v - 2 * l + l2);
        if (prev) {
          const u = prev[j];
          c3 += sc(v - u);
          c4 += sc(v - l - u + (j > 0 ? prev[j - 1] : 0));
        }
      }
      cost[0] = c0;
      cost[1] = c1;
      cost[2] = c2;
      cost[3] = c3;
      cost[4] = c4;
      let bestT = 0;
      let bestCost = Infinity;
      for (let t = 0; t < nT; t++) {
        if (cost[t] < bestCost) {
          bestCost = cost[t];
          bestT = t;
        }
      }
      if (!nonZero && (this.prevT === ZERO_BLOCK || zeroBlocksFrom(row, b0 + BLOCK, len, ZERO_RUN - 1) === ZERO_RUN - 1)) {
        encodeTransform(enc, md, ZERO_BLOCK, this.prevT);
        this.prevT = ZERO_BLOCK;
        syms.fill(0, b0, b1);
        continue;
      }
      encodeTransform(enc, md, bestT, this.prevT);
      this.prevT = bestT;
      // The symbols with the range coder inlined over locals: the same integer arithmetic, in the same
      // order, as encodeSymbol through RangeEncoder.bit / direct (so the same bytes; IntRowDecoder.next
      // is the mirror). Measured: 400 × 8000 random walk's block pass 0.43 → 0.3 s (see bench/budget.ts).
      let low = enc.low;
      let range = enc.range;
      let left = b0 > 0 ? syms[b0 - 1] : 0;
      for (let j = b0; j < b1; j++) {
        const s = transform(bestT, row, prev, j);
        syms[j] = s;
        const up = prevSyms[j]; // zeros on the first row
        ctx = (left === 0 ? 0 : left === 1 || left === -1 ? 3 : 6) + (up === 0 ? 0 : up === 1 || up === -1 ? 1 : 2);
        f = zf[ctx];
        sl = zs[ctx];
        bound = (range >>> 16) * ((f + sl) >>> 1);
        if (s === 0) {
          range = bound;
          zf[ctx] = f + ((65536 - f) >> 4);
          zs[ctx] = sl + ((65536 - sl) >> 7);
        } else {
          low += bound;
          range -= bound;
          zf[ctx] = f - (f >> 4);
          zs[ctx] = sl - (sl >> 7);
        }
        while (range < TOP) {
          range *= 256;
          enc.low = low;
          enc.shiftLow();
          low = enc.low;
        }
        if (s !== 0) {
          // sign, context the left neighbour's sign
          ctx = left === 0 ? 0 : left > 0 ? 1 : 2;
          f = sf[ctx];
          sl = ss[ctx];
          bound = (range >>> 16) * ((f + sl) >>> 1);
          if (s > 0) {
            range = bound;
            sf[ctx] = f + ((65536 - f) >> 4);
            ss[ctx] = sl + ((65536 - sl) >> 7);
          } else {
            low += bound;
            range -= bound;
            sf[ctx] = f - (f >> 4);
            ss[ctx] = sl - (sl >> 7);
          }
          while (range < TOP) {
            range *= 256;
            enc.low = low;
            enc.shiftLow();
            low = enc.low;
          }
          // exponent k in unary (ones, then a zero unless k = MAX_EXP − 1), contexts by the neighbours' magnitudes
          const a = s < 0 ? -s : s;
          const k = ilog2(a);
          const c = Math.max(magClass(left), magClass(up)) * MAX_EXP;
          const last = k < MAX_EXP - 1 ? k : k - 1;
          for (let i = 0; i <= last; i++) {
            ctx = c + i;
            f = ef[ctx];
            sl = es[ctx];
            bound = (range >>> 16) * ((f + sl) >>> 1);
            if (i === k) {
              range = bound;
              ef[ctx] = f + ((65536 - f) >> 4);
              es[ctx] = sl + ((65536 - sl) >> 7);
            } else {
              low += bound;
              range -= bound;
              ef[ctx] = f - (f >> 4);
              es[ctx] = sl - (sl >> 7);
            }
            while (range < TOP) {
              range *= 256;
              enc.low = low;
              enc.shiftLow();
              low = enc.low;
            }
          }
          if (k > 0) {
            // the mantissa's top bit modelled (context k), the rest equiprobable in chunks of ≤ 24
            let rest = a - POW2[k];
            const top = Math.floor(rest / POW2[k - 1]);
            f = mf[k];
            sl = ms[k];
            bound = (range >>> 16) * ((f + sl) >>> 1);
            if (top === 0) {
              range = bound;
              mf[k] = f + ((65536 - f) >> 4);
              ms[k] = sl + ((65536 - sl) >> 7);
            } else {
              low += bound;
              range -= bound;
              mf[k] = f - (f >> 4);
              ms[k] = sl - (sl >> 7);
            }
            while (range < TOP) {
              range *= 256;
              enc.low = low;
              enc.shiftLow();
              low = enc.low;
            }
            rest -= top * POW2[k - 1];
            let bits = k - 1;
            while (bits > 0) {
              const chunk = Math.min(bits, 24);
              bits -= chunk;
              const value = Math.floor(rest / POW2[bits]) % POW2[chunk];
              for (let i = chunk - 1; i >= 0; i--) {
                range = range >>> 1;
                if (((value >>> i) & 1) === 1) low += range;
                while (range < TOP) {
                  range *= 256;
                  enc.low = low;
                  enc.shiftLow();
                  low = enc.low;
                }
              }
            }
          }
        }
        left = s;
      }
      enc.low = low;
      enc.range = range;
    }
    this.cur = this.prev;
    this.prev = row;
    this.syms = prevSyms;
    this.prevSyms = syms;
    this.rows++;
  }

  /** Bytes written so far: `finish()` returns at least this many. */
  get written(): number {
    return this.enc.written;
  }

  finish(): Uint8Array {
    return this.enc.finish();
  }
}

/** Code equal-length rows of integers. The shape is not stored: the caller knows it. */
export function encodeIntRows(rows: readonly Float64Array[]): Uint8Array {
  const e = new IntRowEncoder(rows.length > 0 ? rows[0].length : 0);
  for (const row of rows) e.push(row);
  return e.finish();
}

/** Streaming decoder: `next(out)` decodes the next row into `out` (which must not be reused for the previous row). */
export class IntRowDecoder {
  private readonly dec: RangeDecoder;
  private readonly md = new Models();
  private prev: Float64Array;
  private prevSyms: Float64Array;
  private syms: Float64Array;
  private prevT = 1;
  private rows = 0;
  constructor(
    bytes: Uint8Array,
    readonly nRows: number,
    readonly len: number,
    private readonly what: string,
  ) {
    this.dec = new RangeDecoder(bytes);
    this.prev = new Float64Array(len);
    this.prevSyms = new Float64Array(len);
    this.syms = new Float64Array(len);
  }

  /**
   * The range decoder and the symbol decoding inlined into one loop over locals (the coder's state, the
   * contexts' probability arrays): the same integer arithmetic, in the same order, as RangeDecoder.bit /
   * direct with the symbol and transform decoding they replace, so the same values. Measured on the 400×8000
   * random walk (829 KB of residual), decodeWsindy CPU time 0.32 → 0.23 s (median of 9, loaded machine).
   */
  next(row: Float64Array = new Float64Array(this.len)): Float64Array {
    const { dec, md, len, what } = this;
    if (this.rows >= this.nRows) throw new RangeError('no more rows');
    const hasPrev = this.rows > 0;
    const prev = hasPrev ? this.prev : null;
    const syms = this.syms;
    const prevSyms = this.prevSyms;
    const bytes = dec.bytes;
    const nb = bytes.length;
    let range = dec.range;
    let code = dec.code;
    let pos = dec.pos;
    let overrun = dec.overrun;
    const zf = md.zero.fast;
    const zs = md.zero.slow;
    const sf = md.sign.fast;
    const ss = md.sign.slow;
    const ef = md.exp.fast;
    const es = md.exp.slow;
    const mf = md.mant.fast;
    const ms = md.mant.slow;
    const af = md.same.fast;
    const as = md.same.slow;
    const tf = md.tree.fast;
    const ts = md.tree.slow;
    let f = 0;
    let sl = 0;
    let bound = 0;
    let ctx = 0;
    for (let b0 = 0; b0 < len; b0 += BLOCK) {
      const b1 = Math.min(len, b0 + BLOCK);
      // the block's transform: "same as before" flag, else three tree bits (decodeTransform)
      let t = this.prevT;
      f = af[0];
      sl = as[0];
      bound = (range >>> 16) * ((f + sl) >>> 1);
      let bit: number;
      if (code < bound) {
        range = bound;
        af[0] = f + ((65536 - f) >> 4);
        as[0] = sl + ((65536 - sl) >> 7);
        bit = 0;
      } else {
        code -= bound;
        range -= bound;
        af[0] = f - (f >> 4);
        as[0] = sl - (sl >> 7);
        bit = 1;
      }
      while (range < TOP) {
        range *= 256;
        code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
      }
      if (bit === 1) {
        let node = 1;
        for (let b = 0; b < 3; b++) {
          f = tf[node];
          sl = ts[node];
          bound = (range >>> 16) * ((f + sl) >>> 1);
          if (code < bound) {
            range = bound;
            tf[node] = f + ((65536 - f) >> 4);
            ts[node] = sl + ((65536 - sl) >> 7);
            node = node * 2;
          } else {
            code -= bound;
            range -= bound;
            tf[node] = f - (f >> 4);
            ts[node] = sl - (sl >> 7);
            node = node * 2 + 1;
          }
          while (range < TOP) {
            range *= 256;
            code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
          }
        }
        t = node - 8;
        if (t > ZERO_BLOCK) throw new FormatError('corrupt integer stream: unknown transform');
      }
      if (!prev && (t === 3 || t === 4)) throw new FormatError(`corrupt ${what} stream: row transform on the first row`);
      this.prevT = t;
      if (t === ZERO_BLOCK) {
        row.fill(0, b0, b1);
        syms.fill(0, b0, b1);
        if (overrun > 8) throw new FormatError(`corrupt ${what} stream: ends early`);
        continue;
      }
      // the left neighbour's symbol carried in a local; prevSyms is all zeros on the first row
      let left = b0 > 0 ? syms[b0 - 1] : 0;
      for (let j = b0; j < b1; j++) {
        const up = prevSyms[j];
        // zero flag, context (class of left, class of up)
        ctx = (left === 0 ? 0 : left === 1 || left === -1 ? 3 : 6) + (up === 0 ? 0 : up === 1 || up === -1 ? 1 : 2);
        f = zf[ctx];
        sl = zs[ctx];
        bound = (range >>> 16) * ((f + sl) >>> 1);
        let s = 0;
        if (code < bound) {
          range = bound;
          zf[ctx] = f + ((65536 - f) >> 4);
          zs[ctx] = sl + ((65536 - sl) >> 7);
          while (range < TOP) {
            range *= 256;
            code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
          }
        } else {
          code -= bound;
          range -= bound;
          zf[ctx] = f - (f >> 4);
          zs[ctx] = sl - (sl >> 7);
          while (range < TOP) {
            range *= 256;
            code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
          }
          // sign, context the sign of left
          ctx = left === 0 ? 0 : left > 0 ? 1 : 2;
          f = sf[ctx];
          sl = ss[ctx];
          bound = (range >>> 16) * ((f + sl) >>> 1);
          let neg = false;
          if (code < bound) {
            range = bound;
            sf[ctx] = f + ((65536 - f) >> 4);
            ss[ctx] = sl + ((65536 - sl) >> 7);
          } else {
            code -= bound;
            range -= bound;
            sf[ctx] = f - (f >> 4);
            ss[ctx] = sl - (sl >> 7);
            neg = true;
          }
          while (range < TOP) {
            range *= 256;
            code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
          }
          // exponent in unary, contexts by the larger magnitude class of left and up (magClass)
          const al = left < 0 ? -left : left;
          const au = up < 0 ? -up : up;
          const am = al > au ? al : au;
          const c = (am === 0 ? 0 : am < 2 ? 1 : am < 4 ? 2 : am < 8 ? 3 : 4) * MAX_EXP;
          let k = 0;
          for (;;) {
            if (k >= MAX_EXP - 1) break;
            ctx = c + k;
            f = ef[ctx];
            sl = es[ctx];
            bound = (range >>> 16) * ((f + sl) >>> 1);
            let one: boolean;
            if (code < bound) {
              range = bound;
              ef[ctx] = f + ((65536 - f) >> 4);
              es[ctx] = sl + ((65536 - sl) >> 7);
              one = false;
            } else {
              code -= bound;
              range -= bound;
              ef[ctx] = f - (f >> 4);
              es[ctx] = sl - (sl >> 7);
              one = true;
            }
            while (range < TOP) {
              range *= 256;
              code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
            }
            if (!one) break;
            k++;
          }
          let mag = POW2[k];
          if (k > 0) {
            // the mantissa's top bit (context k), then k − 1 equiprobable bits in chunks of ≤ 24
            f = mf[k];
            sl = ms[k];
            bound = (range >>> 16) * ((f + sl) >>> 1);
            if (code < bound) {
              range = bound;
              mf[k] = f + ((65536 - f) >> 4);
              ms[k] = sl + ((65536 - sl) >> 7);
            } else {
              code -= bound;
              range -= bound;
              mf[k] = f - (f >> 4);
              ms[k] = sl - (sl >> 7);
              mag += POW2[k - 1];
            }
            while (range < TOP) {
              range *= 256;
              code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
            }
            let bits = k - 1;
            while (bits > 0) {
              const chunk = bits < 24 ? bits : 24;
              bits -= chunk;
              let v = 0;
              for (let q = 0; q < chunk; q++) {
                range = range >>> 1;
                let b = 0;
                if (code >= range) {
                  code -= range;
                  b = 1;
                }
                v = v * 2 + b;
                while (range < TOP) {
                  range *= 256;
                  code = code * 256 + (pos < nb ? bytes[pos++] : (overrun++, 0));
                }
              }
              mag += v * POW2[bits];
            }
          }
          s = neg ? -mag : mag;
        }
        syms[j] = s;
        left = s;
        const v = untransform(t, s, row, prev, j);
        if (!(Math.abs(v) <= MAX_INT)) throw new FormatError(`corrupt ${what} stream: value out of range`);
        row[j] = v;
      }
      if (overrun > 8) throw new FormatError(`corrupt ${what} stream: ends early`);
    }
    dec.range = range;
    dec.code = code;
    dec.pos = pos;
    dec.overrun = overrun;
    // keep our own copy of the row as the next row's context (the caller may overwrite `row`)
    this.prev.set(row);
    this.syms = prevSyms;
    this.prevSyms = syms;
    this.rows++;
    return row;
  }
}

export function decodeIntRows(bytes: Uint8Array, nRows: number, len: number, what: string): Float64Array[] {
  const d = new IntRowDecoder(bytes, nRows, len, what);
  const rows: Float64Array[] = [];
  for (let i = 0; i < nRows; i++) rows.push(d.next());
  return rows;
}
