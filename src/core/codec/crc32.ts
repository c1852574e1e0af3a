// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), as in zlib/PNG: the checksum of every section.
// Own implementation (slice-by-8 on aligned 32-bit words, slice-by-4 otherwise) so the codec has no
// dependency on a runtime's zlib.crc32 (used when present, for speed: the results are the same).
import * as zlib from 'node:zlib';

// Int32Array: table entries stay small integers in V8 (Uint32 values ≥ 2^31 would become doubles).
const TABLES: Int32Array[] = (() => {
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  const tables = [t0];
  for (let s = 1; s < 8; s++) {
    const prev = tables[s - 1];
    const t = new Int32Array(256);
    for (let n = 0; n < 256; n++) t[n] = t0[prev[n] & 0xff] ^ (prev[n] >>> 8);
    tables.push(t);
  }
  return tables;
})();
/** The eight tables back to back: T[256·s + b]. */
const T8 = new Int32Array(2048);
TABLES.forEach((t, s) => T8.set(t, 256 * s));

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * zlib's CRC-32 (the same polynomial and conventions) where the runtime has it (Node ≥ 20.15): used for long
 * inputs, the table code below otherwise (measured: the two 25.6 MB checksums of a 400×8000 encode 45 → 13 ms).
 */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const NATIVE = typeof nativeCrc32 === 'function' && nativeCrc32(new TextEncoder().encode('123456789')) === 0xcbf43926 ? nativeCrc32 : null;
const NATIVE_MIN = 512;

/** Continue a CRC over more bytes: crc32(b, crc32(a)) === crc32(a ‖ b). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (NATIVE && bytes.length >= NATIVE_MIN) return NATIVE(bytes, previous >>> 0) >>> 0;
  return crc32Tables(bytes, previous);
}

/** The table implementation (exported for tests: it must agree with zlib's). */
export function crc32Tables(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3] = TABLES;
  let c = ~previous | 0;
  let i = 0;
  const n = bytes.length;
  if (LITTLE_ENDIAN && n >= 64) {
    // slice-by-8 over the 4-byte-aligned middle (measured 1.4 GB/s against 0.5 GB/s for the previous slice-by-4 on Uint32 tables)
    const head = (4 - (bytes.byteOffset & 3)) & 3;
    for (; i < head; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, (n - i) >>> 2);
    const pairs = words.length >>> 1;
    const T = T8;
    for (let w = 0; w < 2 * pairs; w += 2) {
      c ^= words[w];
      const d = words[w + 1];
      c =
        T[1792 + (c & 0xff)] ^ T[1536 + ((c >>> 8) & 0xff)] ^ T[1280 + ((c >>> 16) & 0xff)] ^ T[1024 + (c >>> 24)] ^
        T[768 + (d & 0xff)] ^ T[512 + ((d >>> 8) & 0xff)] ^ T[256 + ((d >>> 16) & 0xff)] ^ T[d >>> 24];
    }
    i += pairs * 8;
  }
  for (; i + 4 <= n; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
  }
  for (; i < n; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC of the little-endian float64 bytes of several arrays, in order. */
export function crc32Float64(arrays: readonly Float64Array[]): number {
  let c = 0;
  for (const a of arrays) c = crc32(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), c);
  return c;
}
