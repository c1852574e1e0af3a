// Fast, exact number text: parse decimal numbers straight from bytes, format doubles for CSV.
//
// Parsing is bit-identical to `Number(text)` for the decimal forms it accepts
//   [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
// It takes one of four routes (the CSV row loop in read.ts scans the digits itself and uses the same
// routes through decimalToDouble / longDivide):
//   1. Clinger's fast path: significand W < 2^53 and |e10| <= 22, so W·10^e10 is one correctly rounded
//      IEEE operation on exact operands (up to 15 digits, and 16 when W < 2^53).
//   2. longDivide for 16–19 digit significands with -22 <= e10 < 0 (String() output of 17 digits, the
//      usual case in data files): x = fl(W·10^-s), then the exact residual W − x·10^s (Dekker's product)
//      picks x or its neighbour; undecided only within 2^-30 of a tie or next to a power of two.
//   3. Eisel–Lemire (the fast_float algorithm) for other significands of up to 19 digits, with 64×64-bit
//      products done in 32-bit limbs on doubles; only the high 64 bits of each 128-bit power of five are
//      needed because we fall back whenever the low half could matter (about 1 case in 512).
//   4. `Number(latin1 slice)` for everything else: more than 19 significant digits, subnormals, overflow,
//      and the rare undecided cases above.
// Measured (node --import tsx bench/csv.ts and a 9-run parse loop, 400×8000 String()-printed doubles, 95 %
// of cells with 16–17 digits, this 2-core machine at load 2–4): readCsvFile ≈ 71 → ≈ 240 MB/s; route 2
// instead of Eisel–Lemire ≈ 1.6× on its own, the SWAR 4-digit fraction loop ≈ 1.2×.

const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p; // 10^0..10^22 are exact doubles

const TWO32 = 4294967296;
const SPLITTER = 134217729; // 2^27 + 1: Dekker's split
const TWO53 = 9007199254740992;
const MIN_Q = -342;
const MAX_Q = 308;

/** End position of the last `scanNumber` call (one past the last byte it consumed). */
export const scanState = { end: 0 };

// High 64 bits (two uint32 words) of the 128-bit normalised powers of five used by fast_float, built lazily
// with BigInt the first time a long significand shows up (≈ 2 ms once; bit lengths by toString(2) instead of
// one-bit shift loops, which took ≈ 20 ms cold and showed in the seed-layout read profile).
let pow5Hi: Uint32Array | null = null;

/** Bit length of x > 0. */
function bitLength(x: bigint): number {
  return x.toString(2).length;
}

function buildPow5Table(): Uint32Array {
  const t = new Uint32Array((MAX_Q - MIN_Q + 1) * 2);
  const one = BigInt(1);
  const five = BigInt(5);
  for (let q = MIN_Q; q <= MAX_Q; q++) {
    let c: bigint;
    if (q < 0) {
      const p5 = five ** BigInt(-q);
      const z = bitLength(p5); // smallest z with 2^z >= p5 (5^n is never a power of two)
      const b = q >= -27 ? z + 127 : 2 * z + 128;
      c = (one << BigInt(b)) / p5 + one;
    } else {
      c = five ** BigInt(q);
    }
    // Normalise to [2^127, 2^128): the same as shifting one bit at a time (floor divisions compose).
    const L = bitLength(c);
    if (L < 128) c <<= BigInt(128 - L);
    else if (L > 128) c >>= BigInt(L - 128);
    const hi = c >> BigInt(64);
    const k = (q - MIN_Q) * 2;
    t[k] = Number(hi >> BigInt(32));
    t[k + 1] = Number(hi & BigInt(0xffffffff));
  }
  return t;
}

// Scratch for composing a double from its bits (little-endian hosts; checked below).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// 32×32 → 64-bit product, split into two uint32 words (mulHi, mulLo); exact: partial products are < 2^48.
let mulHi = 0;
let mulLo = 0;
function mul32(a: number, b: number): void {
  const t1 = a * (b & 0xffff);
  const t2 = a * (b >>> 16);
  mulLo = Math.imul(a, b) >>> 0;
  mulHi = Math.floor((t2 + Math.floor(t1 / 65536)) / 65536);
}

/**
 * Eisel–Lemire: the double nearest to W·10^q, W = wHi·2^32 + wLo (non-zero, < 2^64), or NaN when this
 * route cannot decide (caller falls back to Number()).
 */
function eiselLemire(wHi: number, wLo: number, q: number): number {
  if (q < MIN_Q || q > MAX_Q || !LITTLE_ENDIAN) return NaN;
  const table = pow5Hi ?? (pow5Hi = buildPow5Table());
  // Normalise W so that its top bit is set.
  const lz = wHi !== 0 ? Math.clz32(wHi) : 32 + Math.clz32(wLo);
  let a1: number;
  let a0: number;
  if (lz >= 32) {
    a1 = (wLo << (lz - 32)) >>> 0;
    a0 = 0;
  } else if (lz > 0) {
    a1 = ((wHi << lz) | (wLo >>> (32 - lz))) >>> 0;
    a0 = (wLo << lz) >>> 0;
  } else {
    a1 = wHi;
    a0 = wLo;
  }
  const k = (q - MIN_Q) * 2;
  const b1 = table[k];
  const b0 = table[k + 1];
  // 128-bit product (r3 r2 r1 r0) of (a1 a0) × (b1 b0).
  mul32(a0, b0);
  const r0 = mulLo;
  let c = mulHi;
  mul32(a0, b1);
  let c2 = mulHi;
  c += mulLo;
  mul32(a1, b0);
  c2 += mulHi;
  c += mulLo;
  const r1 = c >>> 0;
  c2 += Math.floor(c / TWO32);
  mul32(a1, b1);
  c2 += mulLo;
  const r2 = c2 >>> 0;
  const r3 = (mulHi + Math.floor(c2 / TWO32)) >>> 0;
  // The truncated table could matter here: let Number() decide (fast_float would use the low half).
  if ((r2 & 0x1ff) === 0x1ff) return NaN;
  if (r1 === 0xffffffff && r0 === 0xffffffff) return NaN;
  const upperbit = r3 >>> 31;
  const shift = 9 + upperbit;
  let mHi = r3 >>> shift;
  let mLo = ((r3 << (32 - shift)) | (r2 >>> shift)) >>> 0;
  let power2 = ((217706 * q) >> 16) + 63 + upperbit - lz + 1023;
  if (power2 <= 0 || power2 >= 2046) return NaN; // subnormal or near overflow: rare, let Number() do it
  // Exactly halfway between two doubles: round to even instead of up.
  if (r1 === 0 && r0 <= 1 && q >= -4 && q <= 23 && (mLo & 3) === 1 && (r2 & ((1 << shift) - 1)) === 0) {
    mLo -= 1;
  }
  if (mLo & 1) {
    mLo += 1;
    if (mLo === TWO32) {
      mLo = 0;
      mHi += 1;
    }
  }
  mLo = ((mLo >>> 1) | ((mHi & 1) << 31)) >>> 0;
  mHi >>>= 1;
  if (mHi >= 0x200000) {
    mHi = 0x100000;
    mLo = 0;
    power2++;
  }
  u32[0] = mLo;
  u32[1] = ((power2 << 20) | (mHi & 0xfffff)) >>> 0;
  return f64[0];
}

export function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * Scan one decimal number starting at `p` (no leading spaces), stopping at the first byte that cannot
 * continue it or at `limit`. Returns its value and sets `scanState.end`; returns NaN (with `scanState.end`
 * where scanning stopped) when the bytes do not start with a complete decimal number.
 */
export function scanNumber(b: Uint8Array, p: number, limit: number): number {
  const start = p;
  let c = p < limit ? b[p] : 0;
  let negative = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45;
    c = ++p < limit ? b[p] : 0;
  }
  let w = 0; // first 15 significant digits (exact)
  let w2 = 0; // significant digits 16..19
  let k2 = 0; // how many digits are in w2
  let nd = 0; // significant digits kept
  let e10 = 0; // decimal exponent of the kept digits
  let dropped = false; // a non-zero digit beyond the 19th
  let digits = 0;
  let d = c - 48;
  while (d >= 0 && d <= 9) {
    digits++;
    if (nd < 15) {
      if (nd !== 0 || d !== 0) {
        w = w * 10 + d;
        nd++;
      }
    } else if (nd < 19) {
      w2 = w2 * 10 + d;
      k2++;
      nd++;
    } else {
      e10++;
      if (d !== 0) dropped = true;
    }
    d = (++p < limit ? b[p] : 0) - 48;
  }
  if (d === 46 - 48 /* . */) {
    d = (++p < limit ? b[p] : 0) - 48;
    while (d >= 0 && d <= 9) {
      digits++;
      if (nd < 15) {
        if (nd !== 0 || d !== 0) {
          w = w * 10 + d;
          nd++;
        }
        e10--;
      } else if (nd < 19) {
        w2 = w2 * 10 + d;
        k2++;
        nd++;
        e10--;
      } else if (d !== 0) {
        dropped = true;
      }
      d = (++p < limit ? b[p] : 0) - 48;
    }
  }
  if (digits === 0) {
    scanState.end = p;
    return NaN;
  }
  if (d === 101 - 48 || d === 69 - 48) {
    // e / E: exponent
    let q = p + 1;
    let ce = q < limit ? b[q] : 0;
    let eneg = false;
    if (ce === 45 || ce === 43) {
      eneg = ce === 45;
      ce = ++q < limit ? b[q] : 0;
    }
    let de = ce - 48;
    if (de < 0 || de > 9) {
      scanState.end = q;
      return NaN; // "1e" or "1e+" is not a number
    }
    let ex = 0;
    while (de >= 0 && de <= 9) {
      if (ex < 100000) ex = ex * 10 + de;
      de = (++q < limit ? b[q] : 0) - 48;
    }
    e10 += eneg ? -ex : ex;
    p = q;
  }
  scanState.end = p;
  if (nd === 0) return negative ? -0 : 0;
  if (!dropped) {
    const v = decimalToDouble(w, w2, k2, e10);
    if (v === v) return negative ? -v : v;
  }
  return Number(latin1(b, start, p));
}

/**
 * The double nearest to (w·10^k + lo)·10^e10 (w < 10^15; lo < 10^k; 0 <= k <= 4; when k > 0, w >= 10^14),
 * positive, or NaN when the fast routes cannot decide (the caller then uses Number() on the text).
 */
export function decimalToDouble(w: number, lo: number, k: number, e10: number): number {
  let W = w;
  if (k !== 0) W = w * POW10[k] + lo; // exact whenever the result is < 2^53
  if (W < TWO53) {
    // Clinger: exact operands, one rounding.
    if (e10 >= 0) {
      if (e10 <= 22) return W * POW10[e10];
    } else if (e10 >= -22) {
      return W / POW10[-e10];
    }
    if (W === 0) return 0;
    const hi = Math.floor(W / TWO32);
    return eiselLemire(hi, W - hi * TWO32, e10);
  }
  if (e10 < 0 && e10 >= -22) {
    const v = longDivide(w, POW10[k], k, lo, -e10);
    if (v === v) return v;
  }
  // W = w·10^k + lo as two uint32 words; w < 10^15 < 2^50 and 10^k <= 10^4 keep each step exact.
  const P = POW10[k];
  const h = Math.floor(w / TWO32);
  const loT = (w - h * TWO32) * P + lo;
  const carry = Math.floor(loT / TWO32);
  return eiselLemire(h * P + carry, loT - carry * TWO32, e10);
}

// Exact split of 10^s (s <= 22) for Dekker's product: POW10_H + POW10_L = 10^s, each with <= 26 bits.
const POW10_H = new Float64Array(23);
const POW10_L = new Float64Array(23);
for (let i = 0; i < 23; i++) {
  const c = SPLITTER * POW10[i];
  POW10_H[i] = c - (c - POW10[i]);
  POW10_L[i] = POW10[i] - POW10_H[i];
}
// HALF_ULP[E] = half an ulp of a normal double whose biased exponent is E.
const HALF_ULP = new Float64Array(2048);
for (let e = 1; e < 2047; e++) HALF_ULP[e] = 2 ** (e - 1076);
const TIGHT = 1 - 2 ** -30;
const LOOSE = 1 + 2 ** -30;
const INV10 = new Float64Array(23);
for (let i = 0; i < 23; i++) INV10[i] = 1 / POW10[i];
const EPS53 = 2 ** -53;
const EPS52 = 2 ** -52;
const HALF_POW10 = POW10.map((p) => p / 2);

/**
 * 16–19 digit significands W = w·P + lo (P = 10^k; W >= 2^53 in practice) divided by 10^s, 1 <= s <= 22:
 * x = fl(W / 10^s) is within about 1.5 ulp; the residual r = W − x·10^s, computed exactly enough with
 * Dekker's product, says whether x or its neighbour is the correctly rounded result; NaN near a tie or at
 * a power of two (then Eisel–Lemire decides). Kept small so that V8 inlines it into the CSV row loop.
 * Measured (400×8000 file, 95 % of cells 16–17 digits): parse ≈ 1.6× faster than the 32-bit-limb
 * Eisel–Lemire it replaces on that path.
 */
export function longDivide(w: number, P: number, k: number, lo: number, s: number): number {
  const sk = s - k;
  if (sk < 0) return longDivideDD(w, P, lo, s);
  const x = (w * P + lo) * INV10[s]; // within about 2 ulp; a multiply is much cheaper than a divide here
  // r = P·(w − x·10^(s−k)) + lo, with x·10^(s−k) = qh + ql exactly (Dekker) and w − qh exact (Sterbenz).
  const c = SPLITTER * x;
  const xh = c - (c - x);
  const xl = x - xh;
  const Th = POW10_H[sk];
  const Tl = POW10_L[sk];
  const qh = x * POW10[sk];
  const ql = xh * Th - qh + xh * Tl + xl * Th + xl * Tl;
  const r = P * (w - qh - ql) + lo;
  // ulp(x) without touching its bits: x + x·2^−53 rounds up to the next double unless x is a power of two
  // (then u = 0 and nothing is accepted).
  const u = x + x * EPS53 - x;
  const h = u * HALF_POW10[s];
  const ar = r < 0 ? -r : r;
  if (ar < h * TIGHT) return x;
  if (ar > h * LOOSE && ar < 3 * h * TIGHT) {
    if (r > 0) return x + u;
    const y = x - u;
    return y + y * EPS53 - y === u ? y : NaN; // y a power of two: uneven gaps around it
  }
  return NaN;
}

/** longDivide when s < k (digits left of the point beyond the 15th): W built exactly in double-double. */
function longDivideDD(w: number, P: number, lo: number, s: number): number {
  // P < 2^14, so (P, 0) is a valid Dekker split of P.
  let c = SPLITTER * w;
  const wh = c - (c - w);
  const wl = w - wh;
  const ph = w * P;
  const t = wh * P - ph + wl * P + lo; // exact small integer
  const Wh = ph + t;
  const Wl = t - (Wh - ph);
  const T = POW10[s];
  const x = Wh / T;
  c = SPLITTER * x;
  const xh = c - (c - x);
  const xl = x - xh;
  const Th = POW10_H[s];
  const Tl = POW10_L[s];
  const qh = x * T;
  const ql = xh * Th - qh + xh * Tl + xl * Th + xl * Tl;
  return settle(x, Wh - qh + (Wl - ql), T); // Wh − qh is exact (Sterbenz)
}

/** x if |r| < half an ulp of x (times T), else its neighbour on r's side if that one is, else NaN. */
function settle(x: number, r: number, T: number): number {
  f64[0] = x;
  const hw = u32[1];
  const lw = u32[0];
  if ((hw & 0xfffff) === 0 && lw === 0) return NaN; // power of two: uneven gaps
  const hu = HALF_ULP[hw >>> 20];
  const h = hu * T;
  const ar = r < 0 ? -r : r;
  if (ar < h * TIGHT) return x;
  if (ar > h * LOOSE && ar < 3 * h * TIGHT) {
    if (r > 0) return x + 2 * hu;
    if ((hw & 0xfffff) === 0 && lw === 1) return NaN; // x − ulp is a power of two
    return x - 2 * hu;
  }
  return NaN;
}

/**
 * Parse bytes [start, end) as exactly one decimal number (no surrounding spaces); NaN if they are not one.
 * Bit-identical to Number(text) for every text it accepts.
 */
export function parseDecimal(b: Uint8Array, start: number, end: number): number {
  if (start >= end) return NaN;
  const v = scanNumber(b, start, end);
  return scanState.end === end ? v : NaN;
}

/** parseDecimal over a JS string (ASCII only; other characters make it NaN). */
export function parseDecimalString(s: string): number {
  const n = s.length;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return NaN;
    b[i] = c;
  }
  return parseDecimal(b, 0, n);
}

/** True for the spellings of NaN and ±Infinity people put in CSVs (nan, NaN, inf, -Inf, Infinity, …). */
export function isNonFiniteWord(text: string): boolean {
  return /^[+-]?(nan|inf|infinity|1\.#inf|1\.#ind|1\.#qnan)$/i.test(text.trim());
}

// ---------------------------------------------------------------------------------------------------
// Formatting. V8's String(x) plus copying its characters costs ~0.2–0.3 µs per random double here, far from
// the 150 MB/s write target, so values in [1e-6, 1e15) take an exact route: V = x·10^s with V in
// [1e16, 1e17) as an exact double-double (Dekker's product; 10^s is exact for s <= 22). Every decimal D at
// that scale round-trips to x iff |D − V| is below half the gap to x's neighbour on that side, times 10^s
// (gaps from ulp(x), computed exactly). So the nearest multiple of 100 (15 digits) is taken if it is within
// that bound, else the nearest multiple of 10 (16 digits), else the nearest integer (17 digits, which always
// round-trips); trailing zeros are dropped. That is the shortest round-trip text, with the nearest digits:
// String(x)'s text in all but rare cases (a 16- or 17-digit tie, where either choice round-trips).
// Measured (2M smooth doubles, 17 digits typical, shared 2-core machine): 241 → ≈ 60 ns per value.
// Other magnitudes use String(x).

const POW10_HALF_ULP = POW10.map((p) => p / 2);

function writeAscii(out: Uint8Array, off: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[off++] = s.charCodeAt(i);
  return off;
}

// DIG4[4k..4k+3] = the four ASCII digits of k (0000..9999).
const DIG4 = new Uint8Array(40000);
for (let k = 0; k < 10000; k++) {
  DIG4[4 * k] = 48 + ((k / 1000) | 0);
  DIG4[4 * k + 1] = 48 + (((k / 100) | 0) % 10);
  DIG4[4 * k + 2] = 48 + (((k / 10) | 0) % 10);
  DIG4[4 * k + 3] = 48 + (k % 10);
}

const LOG10_2 = 0.30102999566398120;

// DIG4LE[k] = the four ASCII digits of k as a little-endian uint32 (first digit in the low byte).
const DIG4LE = new Uint32Array(10000);
for (let k = 0; k < 10000; k++) {
  DIG4LE[k] = (DIG4[4 * k] | (DIG4[4 * k + 1] << 8) | (DIG4[4 * k + 2] << 16) | (DIG4[4 * k + 3] << 24)) >>> 0;
}
let dvOut: Uint8Array | null = null;
let dv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

const numScratch = new Uint8Array(32);
/**
 * Write the shortest round-trip text of x at out[off…] (needs room for 25 bytes); returns the new offset.
 * Bytes after the returned offset are left untouched.
 */
export function writeNumber(out: Uint8Array, off: number, x: number): number {
  const n = writeNumberScribble(numScratch, 0, x);
  for (let i = 0; i < n; i++) out[off + i] = numScratch[i];
  return off + n;
}

/**
 * writeNumber for bulk output: same text, but it may also overwrite up to 25 bytes past `off` beyond the
 * returned offset (digits are laid down 17 at a time, then cut), so the caller must own that room.
 */
export function writeNumberScribble(out: Uint8Array, off: number, x: number): number {
  if (x === 0) {
    if (1 / x < 0) out[off++] = 45;
    out[off++] = 48;
    return off;
  }
  const ax = x < 0 ? -x : x;
  if (!(ax >= 1e-6 && ax < 1e15)) return writeAscii(out, off, String(x));
  // ulp(ax): ax + ax·2^−53 rounds to the next double unless ax is a power of two (then it stays, u = 0).
  let uUp = ax + ax * EPS53 - ax;
  let uDown = uUp;
  if (uUp === 0) {
    uUp = ax * EPS52;
    uDown = ax * EPS53;
  }
  // e = floor(log10 ax), possibly one too small; V = ax·10^(16−e) in [1e16, 1e17).
  f64[0] = ax;
  let s = 16 - Math.floor(((u32[1] >>> 20) - 1023) * LOG10_2);
  if (s > 22) s = 22;
  let vh = 0;
  let vl = 0;
  for (let tries = 0; ; tries++) {
    if (tries === 3) return writeAscii(out, off, String(x));
    const T = POW10[s];
    vh = ax * T;
    const c = SPLITTER * ax;
    const ah = c - (c - ax);
    const al = ax - ah;
    const Th = POW10_H[s];
    const Tl = POW10_L[s];
    vl = ah * Th - vh + ah * Tl + al * Th + al * Tl;
    if (vh > 1e17 || (vh === 1e17 && vl >= 0)) s--;
    else if ((vh < 1e16 || (vh === 1e16 && vl < 0)) && s < 22) s++;
    else break;
  }
  let e = 16 - s;
  // V = vh + vl exactly; vh is an integer (>= 2^53), |vl| <= 8. Integer part mq·1e8 + mr, fraction t.
  const lf = Math.floor(vl);
  const t = vl - lf;
  let mq = Math.floor(vh * 1e-8); // may be one off: fixed just below
  let mr = vh - mq * 1e8 + lf;
  while (mr < 0) {
    mr += 1e8;
    mq -= 1;
  }
  while (mr >= 1e8) {
    mr -= 1e8;
    mq += 1;
  }
  if (!(mq >= 1e8 && mq < 1e9)) return writeAscii(out, off, String(x));
  const hUp = uUp * POW10_HALF_ULP[s] * TIGHT;
  const hDown = uDown * POW10_HALF_ULP[s] * TIGHT;
  // 15 digits: nearest multiple of 100; 16: of 10; else 17: nearest integer.
  const mri = mr | 0; // < 1e8: int32 remainders are cheap, float ones are a libc call
  const r100 = mri % 100;
  const m100 = r100 + t;
  let rnd: number;
  if (m100 < 50 ? m100 < hDown : 100 - m100 < hUp) rnd = m100 < 50 ? -r100 : 100 - r100;
  else if (m100 < 50 && 100 - m100 < hUp) rnd = 100 - r100;
  else if (m100 >= 50 && m100 < hDown) rnd = -r100;
  else {
    const r10 = mri % 10;
    const m10 = r10 + t;
    if (m10 < 5 ? m10 < hDown : 10 - m10 < hUp) rnd = m10 < 5 ? -r10 : 10 - r10;
    else if (m10 < 5 && 10 - m10 < hUp) rnd = 10 - r10;
    else if (m10 >= 5 && m10 < hDown) rnd = -r10;
    else rnd = t > 0.5 ? 1 : 0;
  }
  mr += rnd;
  if (mr >= 1e8) {
    mr -= 1e8;
    mq += 1;
  }
  if (mq >= 1e9) {
    mq = 1e8;
    e++;
  }
  // 17 digits: mq (9) then mr (8), into out right after where the digits go; then strip trailing zeros.
  if (x < 0) out[off++] = 45;
  const mqi = mq | 0;
  const q0 = (mqi / 100000000) | 0;
  const q12 = mqi - q0 * 100000000;
  const q1 = (q12 / 10000) | 0;
  const q2 = q12 - q1 * 10000;
  const mri2 = mr | 0;
  const r1 = (mri2 / 10000) | 0;
  const r2 = mri2 - r1 * 10000;
  let L = 17; // significant digits kept
  if (r2 === 0) {
    L = 13;
    if (r1 === 0) {
      L = 9;
      if (q2 === 0) L = q1 === 0 ? 1 : 5;
    }
  }
  let p: number;
  if (e < 0) {
    out[off++] = 48;
    out[off++] = 46;
    for (let j = -1; j > e; j--) out[off++] = 48;
    p = off;
  } else {
    p = off + 1; // leave one byte: the integer digits move left over it and the point goes after them
  }
  out[p] = 48 + q0;
  if (out !== dvOut) {
    dvOut = out;
    dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  }
  // Four digits per little-endian 32-bit store (measured ≈ 10 % faster than byte stores).
  dv.setUint32(p + 1, DIG4LE[q1], true);
  dv.setUint32(p + 5, DIG4LE[q2], true);
  dv.setUint32(p + 9, DIG4LE[r1], true);
  dv.setUint32(p + 13, DIG4LE[r2], true);
  while (out[p + L - 1] === 48) L--;
  if (e < 0) return p + L;
  // Integer part: the first e + 1 digits (zeros beyond L are already in place, e + 1 <= 15).
  for (let j = 0; j <= e; j++) out[off + j] = out[off + 1 + j];
  if (L <= e + 1) return off + e + 1;
  out[off + e + 1] = 46;
  return off + 1 + L;
}

const fmtScratch = new Uint8Array(32);
/** Shortest text that round-trips to the same double (as String(x), but keeps the sign of -0). */
export function formatNumber(x: number): string {
  const n = writeNumberScribble(fmtScratch, 0, x);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(fmtScratch[i]);
  return s;
}
