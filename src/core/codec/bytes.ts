// Little-endian byte writer and a bounds-checked reader: every read states what it needs, so a short
// or forged file fails with "truncated at byte N (section 'X' needs M bytes)" before any allocation.
import { FormatError } from '../errors';

export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  /** Unsigned LEB128, for integers 0 ≤ v < 2^53. */
  varuint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varuint out of range: ${v}`);
    while (v >= 0x80) {
      this.u8((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.u8(v);
  }
  /** Zigzag-mapped signed LEB128, |v| < 2^52. */
  varint(v: number): void {
    this.varuint(v < 0 ? -2 * v - 1 : 2 * v);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** Length-prefixed (varuint) byte string. */
  blob(b: Uint8Array): void {
    this.varuint(b.length);
    this.bytes(b);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  private readonly view: DataView;
  pos = 0;

  /** `base` = offset of `bytes` in the whole file, so messages name absolute byte positions. */
  constructor(
    readonly bytes: Uint8Array,
    readonly section: string,
    readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  need(n: number): void {
    if (n > this.remaining) {
      throw new FormatError(`truncated at byte ${this.base + this.bytes.length} (section '${this.section}' needs ${n} bytes)`);
    }
  }
  fail(what: string): never {
    throw new FormatError(`corrupt section '${this.section}' at byte ${this.base + this.pos}: ${what}`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A finite float64 (anything else is a corrupt field). */
  finite(what: string): number {
    const v = this.f64();
    if (!Number.isFinite(v)) this.fail(`${what} is not finite`);
    return v;
  }
  varuint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(v)) this.fail('integer too large');
        return v;
      }
      scale *= 0x80;
    }
    return this.fail('integer too long');
  }
  /** A varuint that must be ≤ max (counts and lengths: checked before anything is allocated from them). */
  count(max: number, what: string): number {
    const v = this.varuint();
    if (v > max) this.fail(`${what} ${v} exceeds ${max}`);
    return v;
  }
  varint(): number {
    const z = this.varuint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  blob(): Uint8Array {
    const n = this.varuint();
    return this.take(n);
  }
  /** Every section must be consumed exactly: trailing bytes mean a writer/reader disagreement. */
  end(): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} unexpected trailing bytes`);
  }
}
