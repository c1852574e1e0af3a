// Section SRCX: what the source CSV carries beyond a grid of numbers (SourceExtras: comment lines, units
// row, index column, date-time stamps, decimal commas, missing cells), so that the reconstruction writes
// it back verbatim. Written only when there is something to carry: plain CSVs give the same bytes as before.
// Payload: varuint rawLength, brotli of: blob(UTF-8 JSON of the small fields), varuint count of missing
// cells, count × varuint gap (flat index i·m + j = previous + gap + 1, previous starting at −1), count ×
// varuint spelling index. See docs/FORMAT.md §2 "SRCX".
import type { MissingCells, SourceExtras } from '../dataset';
import { FormatError } from '../errors';
import { ByteReader, ByteWriter } from './bytes';
import { brotli, unbrotli } from './floatPack';

/** Most bytes the decoded payload may have (a bad length must not allocate gigabytes). */
const MAX_RAW = 1 << 30;

/** Whether `extras` has anything to write. */
export function hasSourceExtras(extras: SourceExtras | undefined): extras is SourceExtras {
  return extras !== undefined && Object.keys(extras).length > 0;
}

export function writeSourceExtras(extras: SourceExtras): Uint8Array {
  const { missing, ...rest } = extras;
  const meta = { ...rest, ...(missing ? { spellings: missing.spellings } : {}) };
  const body = new ByteWriter();
  body.blob(new TextEncoder().encode(JSON.stringify(meta)));
  const cells = missing?.cells ?? new Float64Array(0);
  body.varuint(cells.length);
  let prev = -1;
  for (const c of cells) {
    body.varuint(c - prev - 1);
    prev = c;
  }
  for (const k of missing?.kinds ?? []) body.varuint(k);
  const raw = body.finish();
  const w = new ByteWriter();
  w.varuint(raw.length);
  w.bytes(brotli(raw));
  return w.finish();
}

function fail(what: string): never {
  throw new FormatError(`corrupt section 'source extras': ${what}`);
}

/** Read and check a SRCX payload for a file of n variables × m steps with the given layout. */
export function readSourceExtras(outer: ByteReader, n: number, m: number, layout: 'rows' | 'columns'): SourceExtras {
  const len = outer.count(MAX_RAW, 'source extras size');
  const r = new ByteReader(unbrotli(outer.take(outer.remaining), len, 'source extras'), 'source extras', outer.base);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(new TextDecoder().decode(r.blob())) as Record<string, unknown>;
  } catch {
    fail('not valid JSON');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) fail('not an object');
  const ex: SourceExtras = {};
  const str = (v: unknown, key: string): string => (typeof v === 'string' ? v : fail(`${key} is not a string`));
  if (meta.preamble !== undefined) ex.preamble = str(meta.preamble, 'preamble');
  if (meta.units !== undefined) ex.units = str(meta.units, 'units');
  if (meta.decimalComma !== undefined) {
    if (meta.decimalComma !== true) fail('decimalComma is not true');
    ex.decimalComma = true;
  }
  if (meta.index !== undefined) {
    const ix = meta.index as { column?: unknown; start?: unknown };
    if (layout !== 'columns' || typeof ix !== 'object' || ix === null || !Number.isInteger(ix.column) || !Number.isSafeInteger(ix.start) || (ix.column as number) < 0 || (ix.column as number) > n + 1) fail('bad index column');
    ex.index = { column: ix.column as number, start: ix.start as number };
  }
  if (meta.dates !== undefined) {
    const d = meta.dates as { first?: unknown; texts?: unknown };
    if (layout !== 'columns' || typeof d !== 'object' || d === null) fail('bad dates');
    ex.dates = { first: str(d.first, 'dates.first') };
    if (d.texts !== undefined) {
      if (!Array.isArray(d.texts) || d.texts.length !== m) fail(`dates.texts must hold ${m} stamps`);
      ex.dates.texts = d.texts.map((t) => str(t, 'dates.texts'));
    }
  }
  const count = r.count(n * m, 'missing cells');
  if (count > 0 || meta.spellings !== undefined) {
    if (!Array.isArray(meta.spellings)) fail('spellings is not an array');
    const spellings = meta.spellings.map((t) => str(t, 'spellings'));
    const cells = new Float64Array(count);
    let prev = -1;
    for (let k = 0; k < count; k++) {
      prev += r.varuint() + 1;
      if (prev >= n * m) fail(`missing cell ${prev} is outside ${n} × ${m}`);
      cells[k] = prev;
    }
    const kinds = new Uint16Array(count);
    for (let k = 0; k < count; k++) {
      const s = r.varuint();
      if (s >= spellings.length) fail(`spelling ${s} of ${spellings.length}`);
      kinds[k] = s;
    }
    const missing: MissingCells = { spellings, cells, kinds };
    ex.missing = missing;
  }
  r.end();
  return ex;
}
