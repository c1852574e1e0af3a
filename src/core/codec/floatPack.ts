// Lossless coding of float64 arrays (non-uniform time grids, values stored exactly).
// Three methods, the smallest wins: raw; "decimal" (every value is k / 10^d exactly, as numbers read
// from CSV text usually are: the integers k go through the integer coder); XOR of consecutive
// bit patterns, byte planes transposed and brotli-compressed.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { FormatError } from '../errors';
import { ByteReader, ByteWriter } from './bytes';
import { MAX_INT, decodeIntRows, encodeIntRows } from './entropy';

const RAW = 0;
const DECIMAL = 1;
const XOR = 2;

/** Smallest d ≤ 17 with v === k / 10^d (k integer, |k| ≤ 2^50) for every value, or -1. */
function decimalDigits(values: Float64Array): number {
  for (let d = 0; d <= 17; d++) {
    const p = 10 ** d;
    let ok = true;
    for (let i = 0; i < values.length && ok; i++) {
      const v = values[i];
      const k = Math.round(v * p) + 0;
      ok = Math.abs(k) <= MAX_INT && Object.is(k / p, v);
    }
    if (ok) return d;
  }
  return -1;
}

export function brotli(bytes: Uint8Array, quality = 11): Uint8Array {
  return new Uint8Array(
    brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: quality,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
}

/** Brotli decompression that refuses to produce more than `expected` bytes (no decompression bombs). */
export function unbrotli(bytes: Uint8Array, expected: number, what: string): Uint8Array {
  let out: Buffer;
  try {
    out = brotliDecompressSync(bytes, { maxOutputLength: Math.max(1, expected) });
  } catch {
    throw new FormatError(`corrupt ${what}: compressed data does not decode`);
  }
  if (out.length !== expected) throw new FormatError(`corrupt ${what}: decoded ${out.length} bytes, expected ${expected}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function xorPlanes(values: Float64Array): Uint8Array {
  const n = values.length;
  const bits = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const planes = new Uint8Array(n * 8);
  for (let i = n - 1; i >= 0; i--) {
    for (let b = 0; b < 8; b++) {
      const x = i > 0 ? bits[i * 8 + b] ^ bits[(i - 1) * 8 + b] : bits[b];
      planes[b * n + i] = x;
    }
  }
  return planes;
}

function unXorPlanes(planes: Uint8Array, n: number): Float64Array {
  const bits = new Uint8Array(n * 8);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < 8; b++) bits[i * 8 + b] = planes[b * n + i] ^ (i > 0 ? bits[(i - 1) * 8 + b] : 0);
  }
  return new Float64Array(bits.buffer);
}

export function writeFloatsLossless(w: ByteWriter, values: Float64Array): void {
  const candidates: { method: number; body: Uint8Array; d: number }[] = [];
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  candidates.push({ method: RAW, body: raw, d: 0 });
  if (values.length > 0) {
    const d = decimalDigits(values);
    if (d >= 0) {
      const p = 10 ** d;
      const ints = Float64Array.from(values, (v) => Math.round(v * p) + 0);
      candidates.push({ method: DECIMAL, body: encodeIntRows([ints]), d });
    }
    candidates.push({ method: XOR, body: brotli(xorPlanes(values)), d: 0 });
  }
  let best = candidates[0];
  for (const c of candidates) if (c.body.length < best.body.length) best = c;
  w.u8(best.method);
  if (best.method === DECIMAL) w.u8(best.d);
  w.blob(best.body);
}

export function readFloatsLossless(r: ByteReader, count: number, what: string): Float64Array {
  const method = r.u8();
  if (method === RAW) {
    const body = r.blob();
    if (body.length !== count * 8) r.fail(`${what}: ${body.length} bytes for ${count} values`);
    // copy into a fresh, aligned buffer (`body` may be a Node Buffer, whose slice() is a view, not a copy)
    return new Float64Array(new Uint8Array(body).buffer);
  }
  if (method === DECIMAL) {
    const d = r.u8();
    if (d > 17) r.fail(`${what}: ${d} decimal digits`);
    const body = r.blob();
    const [ints] = decodeIntRows(body, 1, count, what);
    const p = 10 ** d;
    return Float64Array.from(ints, (k) => k / p);
  }
  if (method === XOR) {
    const body = r.blob();
    return unXorPlanes(unbrotli(body, count * 8, what), count);
  }
  return r.fail(`${what}: unknown float coding ${method}`);
}
