// Partials: the small files the shard kernels read and write (docs/ARCHITECTURE.md, "Sharded data"). Each
// is one JSON document {"wsindyPartial": kind, "version": 2, "tasks": [...]} or {..., "results": [...]}; typed arrays are written exactly, as base64 of their
// little-endian bytes ({"$f64": "..."} or {"$u8": "..."}), and non-finite numbers as {"$num": "NaN"}.
// JSON keeps them readable with any tool (jq, Python's json) and easy to move between engines.
import { FormatError } from '../errors';

export const PARTIAL_VERSION = 2;

export type PartialKind = 'scan-task' | 'scan' | 'prefix-task' | 'prefix' | 'fit-task' | 'fit' | 'encode-task' | 'encode';

const LITTLE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function f64ToBase64(a: Float64Array): string {
  const b = Buffer.alloc(a.length * 8);
  if (LITTLE) b.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  else for (let i = 0; i < a.length; i++) b.writeDoubleLE(a[i], i * 8);
  return b.toString('base64');
}

function base64ToF64(s: string, what: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  if (b.length % 8 !== 0) throw new FormatError(`corrupt partial: ${what} is not a whole number of float64 values`);
  const out = new Float64Array(b.length / 8);
  if (LITTLE) new Uint8Array(out.buffer).set(b);
  else for (let i = 0; i < out.length; i++) out[i] = b.readDoubleLE(i * 8);
  return out;
}

/** JSON text of a partial of `kind`. */
export function writePartial(kind: PartialKind, body: object): string {
  return JSON.stringify({ wsindyPartial: kind, version: PARTIAL_VERSION, ...body }, function (this: unknown, _key: string, v: unknown) {
    if (v instanceof Float64Array) return { $f64: f64ToBase64(v) };
    if (v instanceof Uint8Array) return { $u8: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
    return v;
  });
}

/** The body of a partial, checked to be of `kind` (a file of another kind or version is refused). */
export function readPartial<T>(text: string, kind: PartialKind, name: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1) {
          if (typeof o.$f64 === 'string') return base64ToF64(o.$f64, name);
          if (typeof o.$u8 === 'string') return new Uint8Array(Buffer.from(o.$u8, 'base64'));
          if (typeof o.$num === 'string') return Number(o.$num);
        }
      }
      return v;
    });
  } catch (e) {
    throw new FormatError(`${name}: not a partial (${e instanceof Error ? e.message : String(e)})`);
  }
  const o = parsed as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || o.wsindyPartial !== kind) throw new FormatError(`${name}: expected a '${kind}' partial, got ${o && typeof o === 'object' ? String(o.wsindyPartial) : 'something else'}`);
  if (o.version !== PARTIAL_VERSION) throw new FormatError(`${name}: partial version ${String(o.version)}, this build reads ${PARTIAL_VERSION}`);
  return o as T;
}
