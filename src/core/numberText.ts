// Fast, exact number text: parse decimal numbers straight from bytes, format doubles for CSV.
//
// Parsing is bit-identical to `Number(text)` for the decimal forms it accepts
//   [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
// It takes one of three routes:
//   1. Clinger's fast path: significand W < 2^53 and |e10| <= 22, so W·10^e10 is one correctly rounded
//      IEEE operation on exact operands.
//   2. Eisel–Lemire (the fast_float algorithm) for significands of up to 19 digits (e.g. String() output
//      of 17 digits, numpy's %.18e), with 64×64-bit products done in 32-bit limbs on doubles; only the high
//      64 bits of each 128-bit power of five are needed because we fall back whenever the low half could
//      matter (about 1 case in 512).
//   3. `Number(latin1 slice)` for everything else: more than 19 significant digits, subnormals, overflow,
//      and the rare ambiguous Eisel–Lemire cases.
// Measured (node --import tsx bench/csv.ts, 400×8000 String()-printed doubles, this 2-core machine under a
// shared load average of 3–7): readCsvFile 59–92 MB/s against naive split+Number 41–100 MB/s in the same
// runs; --cpu-prof: scanNumber ≈ 55 %, eiselLemire ≈ 30 % (half the cells have 17 digits), feedCols ≈ 11 %.
// The 400 MB/s target is not yet shown; the next steps are a cheaper 64×64 product and fewer bound checks.

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
// with BigInt the first time a long significand shows up (a few ms, once).
let pow5Hi: Uint32Array | null = null;

function buildPow5Table(): Uint32Array {
  const t = new Uint32Array((MAX_Q - MIN_Q + 1) * 2);
  const one = BigInt(1);
  const b128 = one << BigInt(128);
  const b127 = one << BigInt(127);
  for (let q = MIN_Q; q <= MAX_Q; q++) {
    let c: bigint;
    if (q < 0) {
      const p5 = BigInt(5) ** BigInt(-q);
      let z = 0;
      while (one << BigInt(z) < p5) z++;
      const b = q >= -27 ? z + 127 : 2 * z + 128;
      c = (one << BigInt(b)) / p5 + one;
      while (c >= b128) c >>= one;
    } else {
      c = BigInt(5) ** BigInt(q);
      while (c < b127) c <<= one;
      while (c >= b128) c >>= one;
    }
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
// Formatting. V8's String(x) costs ~0.3–1 µs per random double here (≈ 20–50 MB/s of CSV), far from the
// 150 MB/s write target, so values in [1e-6, 1e15) take an exact route: x·10^s as an exact double-double
// (Dekker's product; 10^s is exact for s <= 22), rounded to 15, 16, then 17 digits; the 15/16-digit
// candidates are accepted only if they parse back to x (Clinger: one exact division), and a correctly
// rounded 17-digit decimal always round-trips. The result is the same text as String(x) except, rarely, one
// digit longer at a power-of-two boundary; it always round-trips. Anything else (ties, other magnitudes)
// uses String(x).

let ddHi = 0;
let ddLo = 0;
/** Exact product a·b = ddHi + ddLo (no overflow in our range). */
function twoProduct(a: number, b: number): void {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  ddHi = p;
  ddLo = ah * bh - p + ah * bl + al * bh + al * bl;
}

const digitScratch = new Uint8Array(24);

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

/** Correctly rounded value of (mq·1e8 + mr) / 10^s (0 <= s <= 22), or NaN if undecided. */
function decimalValue(mq: number, mr: number, s: number): number {
  if (mq < 90071992) return (mq * 1e8 + mr) / POW10[s];
  // mq·1e8 = (mq·390625)·2^8: split into 32-bit words exactly.
  const A = mq * 390625;
  const hi = Math.floor(A / 16777216);
  const lo = (A - hi * 16777216) * 256 + mr;
  const carry = Math.floor(lo / TWO32);
  return eiselLemire(hi + carry, lo - carry * TWO32, -s);
}

/**
 * Write the shortest round-trip text of x at out[off…] (needs room for 25 bytes); returns the new offset.
 */
export function writeNumber(out: Uint8Array, off: number, x: number): number {
  if (x === 0) {
    if (1 / x < 0) out[off++] = 45;
    out[off++] = 48;
    return off;
  }
  const ax = x < 0 ? -x : x;
  if (!(ax >= 1e-6 && ax < 1e15)) return writeAscii(out, off, String(x));
  // Decimal exponent estimate from the binary one (may be one too small; fixed below).
  f64[0] = ax;
  let e = Math.floor((((u32[1] >>> 20) & 0x7ff) - 1023) * 0.30102999566398120);
  let s = 16 - e;
  let mq = 0;
  let mr = 0;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 2 || s > 22 || s < 0) return writeAscii(out, off, String(x));
    twoProduct(ax, POW10[s]);
    // Round V = ddHi + ddLo (exact) to the integer mq·1e8 + mr.
    const F = Math.floor(ddHi);
    const Lf = Math.floor(ddLo);
    let t = ddHi - F + (ddLo - Lf);
    let inc = Lf;
    if (t >= 1) {
      t -= 1;
      inc += 1;
    }
    if (t > 0.4999999 && t < 0.5000001) return writeAscii(out, off, String(x)); // near a tie: let V8 decide
    if (t > 0.5) inc += 1;
    mq = Math.floor(F / 1e8);
    mr = F - mq * 1e8 + inc;
    while (mr < 0) {
      mr += 1e8;
      mq -= 1;
    }
    while (mr >= 1e8) {
      mr -= 1e8;
      mq += 1;
    }
    if (mq >= 1e9) {
      e++;
      s--;
      continue;
    }
    if (mq < 1e8) {
      e--;
      s++;
      continue;
    }
    break;
  }
  // 17 digits always round-trip; try 16, then 15 (rounding half up, and down too when the dropped digit is 5).
  let nd = 17;
  for (let p = 16; p >= 15; p--) {
    const d = mr % 10;
    const q10 = mq % 10;
    const bq = (mq - q10) / 10;
    const br = (mr - d) / 10 + q10 * 1e7;
    let cq = bq;
    let cr = br;
    let ok = false;
    if (d >= 5) {
      cr = br + 1;
      if (cr >= 1e8) {
        cr -= 1e8;
        cq += 1;
      }
      ok = decimalValue(cq, cr, s - 1) === ax;
      if (!ok && d === 5) {
        cq = bq;
        cr = br;
        ok = decimalValue(cq, cr, s - 1) === ax;
      }
    } else {
      ok = decimalValue(cq, cr, s - 1) === ax;
    }
    if (!ok) break;
    mq = cq;
    mr = cr;
    s--;
    nd = p;
  }
  // Digits into the scratch: mq (nd − 8 digits) then mr (8 digits).
  const mr1 = (mr / 10000) | 0;
  const mr0 = mr - mr1 * 10000;
  const mq1 = (mq / 10000) | 0;
  const mq0 = mq - mq1 * 10000;
  const mq2 = (mq1 / 10000) | 0;
  const mq1b = mq1 - mq2 * 10000;
  const d = digitScratch;
  d[0] = 48 + mq2;
  for (let i = 0; i < 4; i++) {
    d[1 + i] = DIG4[4 * mq1b + i];
    d[5 + i] = DIG4[4 * mq0 + i];
    d[9 + i] = DIG4[4 * mr1 + i];
    d[13 + i] = DIG4[4 * mr0 + i];
  }
  let first = 17 - nd;
  let last = 16;
  while (last > first && d[last] === 48) last--;
  if (x < 0) out[off++] = 45;
  // Fixed notation, like String(x) in this range: value = 0.d… × 10^(e+1).
  if (e >= 0) {
    for (let j = 0; j <= e; j++, first++) out[off++] = first <= last ? d[first] : 48;
    if (first <= last) {
      out[off++] = 46;
      while (first <= last) out[off++] = d[first++];
    }
  } else {
    out[off++] = 48;
    out[off++] = 46;
    for (let j = -1; j > e; j--) out[off++] = 48;
    while (first <= last) out[off++] = d[first++];
  }
  return off;
}

const fmtScratch = new Uint8Array(32);
/** Shortest text that round-trips to the same double (as String(x), but keeps the sign of -0). */
export function formatNumber(x: number): string {
  const n = writeNumber(fmtScratch, 0, x);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(fmtScratch[i]);
  return s;
}
