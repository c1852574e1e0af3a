// Number codings of the compact headers (FORMAT.md §8.2, §11): exact short decimals, float32 bounds from
// below, and v4's two-byte display numbers (three significant digits: what `info` prints).
import type { ByteReader, ByteWriter } from './bytes';

/** The largest float32 ≤ x (x itself when it is one). */
export function f32AtMost(x: number): number {
  const f = Math.fround(x);
  if (!(f > x)) return f;
  const b = new Float32Array([f]);
  const u = new Uint32Array(b.buffer);
  if (f > 0) u[0]--;
  else u[0]++;
  return b[0];
}

/**
 * An exact number in few bytes: u8 e ≠ 0, varint M, value = the double nearest M·10^(e − 128) (when that
 * reproduces it, |M| < 2^51); or e = 0 and a raw f64.
 */
export function writeNumber(w: ByteWriter, v: number): void {
  if (Number.isFinite(v) && !Object.is(v, -0)) {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(v));
    if (m) {
      const digits = (m[2] + (m[3] ?? '')).replace(/^0+(?=\d)/, '');
      const exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
      const M = Number(m[1] + digits);
      if (Number.isSafeInteger(M) && Math.abs(M) < 2 ** 51 && exp >= -127 && exp <= 127 && Number(`${M}e${exp}`) === v) {
        w.u8(exp + 128);
        w.varint(M);
        return;
      }
    }
  }
  w.u8(0);
  w.f64(v);
}

export function readNumber(r: ByteReader, what: string): number {
  const e = r.u8();
  if (e === 0) return r.f64();
  const M = r.varint();
  const v = Number(`${M}e${e - 128}`);
  if (!Number.isFinite(v)) r.fail(`${what} is not finite`);
  return v;
}

// v4 display numbers: three significant digits (what `info` prints) in two bytes. Code 0 = 0;
// 1 + (E + 60)·900 + (M − 100) = M·10^E for M in 100 … 999 and E in −60 … 11; 65533 +Infinity, 65534 NaN,
// 65535 = an f64 follows (negative values, −0, and anything out of range).
const D16_INF = 65533;
const D16_NAN = 65534;
const D16_RAW = 65535;
const D16_EMIN = -60;
const D16_EMAX = 11;

/** The 3-digit display value of v (rounded to nearest, or down with `down`) as M and E, or null when out of range. */
function displayDigits(v: number, down: boolean): { M: number; E: number } | null {
  const [mant, exp] = v.toExponential(2).split('e');
  let M = Math.round(Number(mant) * 100);
  let E = Number(exp) - 2;
  if (down && Number(`${M}e${E}`) > v) {
    M--;
    if (M < 100) {
      M = 999;
      E--;
    }
  }
  return E >= D16_EMIN && E <= D16_EMAX ? { M, E } : null;
}

/** A display-only number in two bytes (three significant digits; `down`: never above v, for error maxima). */
export function writeDisplay(w: ByteWriter, v: number, down = false): void {
  if (v === 0 && !Object.is(v, -0)) return w.u16(0);
  if (v === Infinity) return w.u16(D16_INF);
  if (Number.isNaN(v)) return w.u16(D16_NAN);
  const d = v > 0 && Number.isFinite(v) ? displayDigits(v, down) : null;
  if (!d) {
    w.u16(D16_RAW);
    return w.f64(v);
  }
  w.u16(1 + (d.E - D16_EMIN) * 900 + (d.M - 100));
}

export function readDisplay(r: ByteReader): number {
  const c = r.u16();
  if (c === 0) return 0;
  if (c === D16_INF) return Infinity;
  if (c === D16_NAN) return NaN;
  if (c === D16_RAW) return r.f64();
  if (c > 1 + (D16_EMAX - D16_EMIN + 1) * 900 - 1) r.fail(`bad display number ${c}`);
  const M = 100 + ((c - 1) % 900);
  const E = Math.floor((c - 1) / 900) + D16_EMIN;
  return Number(`${M}e${E}`);
}

/** The value v4 keeps for a maximum (three digits, rounded down): what a reader gets back for `writeDisplay(w, v, true)`. */
export function displayAtMost(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return v;
  const d = displayDigits(v, true);
  return d ? Number(`${d.M}e${d.E}`) : v;
}
