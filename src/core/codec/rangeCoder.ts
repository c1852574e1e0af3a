// Binary adaptive range coder (LZMA-style carry handling, 32-bit range, 16-bit probabilities).
// Each context mixes a fast (shift 4) and a slow (shift 7) estimate of P(bit = 0); long runs of
// zeros then cost ~0.002 bit each, which is what makes well-predicted residuals nearly free.
// Integer arithmetic on Numbers only: identical on every platform.

const TOP = 0x1000000;

export class ContextModel {
  readonly fast: Uint16Array;
  readonly slow: Uint16Array;
  constructor(readonly size: number) {
    this.fast = new Uint16Array(size).fill(32768);
    this.slow = new Uint16Array(size).fill(32768);
  }
  /** P(bit = 0) in 1/65536 units, always in [1, 65535]. */
  p(ctx: number): number {
    return (this.fast[ctx] + this.slow[ctx]) >>> 1;
  }
  update(ctx: number, bit: number): void {
    const f = this.fast[ctx];
    const s = this.slow[ctx];
    if (bit === 0) {
      this.fast[ctx] = f + ((65536 - f) >> 4);
      this.slow[ctx] = s + ((65536 - s) >> 7);
    } else {
      this.fast[ctx] = f - (f >> 4);
      this.slow[ctx] = s - (s >> 7);
    }
  }
}

export class RangeEncoder {
  // low and range public for IntRowEncoder's inlined loop (entropy.ts), which copies them to locals and
  // back, and calls shiftLow between (once per byte written)
  low = 0;
  range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private out = new Uint8Array(1024);
  private n = 0;

  private push(b: number): void {
    if (this.n === this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.n++] = b;
  }
  shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= 0x100000000) {
      const carry = this.low >= 0x100000000 ? 1 : 0;
      let temp = this.cache;
      do {
        this.push((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = (this.low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (this.low & 0xffffff) * 256;
  }
  bit(model: ContextModel, ctx: number, bit: number): void {
    const bound = (this.range >>> 16) * model.p(ctx);
    if (bit === 0) this.range = bound;
    else {
      this.low += bound;
      this.range -= bound;
    }
    model.update(ctx, bit);
    while (this.range < TOP) {
      this.range = this.range * 256;
      this.shiftLow();
    }
  }
  /** `count` ≤ 26 equiprobable bits of `value`, most significant first. */
  direct(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.range = this.range >>> 1;
      // value < 2^26: the same bit as ⌊value / 2^i⌋ mod 2 (measured: coding 3.2M 20-bit integers 6.0 → 2.5 s)
      if (((value >>> i) & 1) === 1) this.low += this.range;
      while (this.range < TOP) {
        this.range = this.range * 256;
        this.shiftLow();
      }
    }
  }
  /** Bytes written so far: `finish()` returns at least this many. */
  get written(): number {
    return this.n;
  }
  /**
   * Flush with the value in [low, low + range) that has the most trailing zero bits, then leave out the
   * zero bytes that ends with: decoders read zeros past the end of a stream (RangeDecoder.next), so the
   * symbols decode the same, 2-4 bytes shorter. Only flush bytes are left out (never below `written`).
   * `lean = false`: the plain LZMA flush (what writers did before; tests compare the two).
   */
  finish(lean = true): Uint8Array {
    const before = this.n;
    for (let k = 32; k >= 1 && lean; k--) {
      const step = 2 ** k;
      const v = Math.ceil(this.low / step) * step;
      if (v <= this.low + this.range - 1) {
        this.low = v;
        break;
      }
    }
    for (let i = 0; i < 5; i++) this.shiftLow();
    let end = this.n;
    while (lean && end > Math.max(before, 1) && this.out[end - 1] === 0) end--;
    return this.out.slice(0, end);
  }
}

export class RangeDecoder {
  // State public for IntRowDecoder's inlined loop (entropy.ts), which copies it to locals and back.
  range = 0xffffffff;
  code = 0;
  pos = 1;
  /** Bytes read past the end (zeros): a well-formed stream never needs more than a few. */
  overrun = 0;

  constructor(readonly bytes: Uint8Array) {
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + this.next();
  }
  private next(): number {
    if (this.pos < this.bytes.length) return this.bytes[this.pos++];
    this.overrun++;
    return 0;
  }
  bit(model: ContextModel, ctx: number): number {
    const bound = (this.range >>> 16) * model.p(ctx);
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    model.update(ctx, bit);
    while (this.range < TOP) {
      this.range = this.range * 256;
      this.code = this.code * 256 + this.next();
    }
    return bit;
  }
  direct(count: number): number {
    let v = 0;
    for (let i = 0; i < count; i++) {
      this.range = this.range >>> 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      v = v * 2 + b;
      while (this.range < TOP) {
        this.range = this.range * 256;
        this.code = this.code * 256 + this.next();
      }
    }
    return v;
  }
}
