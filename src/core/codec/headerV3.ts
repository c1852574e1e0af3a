// Format v3's compact binary header (section HEAD) and model (MODL), FORMAT.md §8. Everything the file
// can derive is derived: term list and names from the library rule, state names, variable names from
// the CSV header or the x0… default, the bounds from tolerance × range and the output-step rule, the
// time grid from a rule when one reproduces every stamp. Display-only numbers are float32. The writer
// checks each derivation and stores the value itself (a flag bit) whenever the rule would not give it.
import { defaultNames, type Delimiter, type SourceFormat } from '../dataset';
import type { LibrarySpec, LibraryTerm, ModelOutcome, ModelOutcomeKind } from '../model';
import { exponentOfStep, outputSlack, outputStepFor, pow10 } from '../csv/outputStep';
import { libraryTerms } from '../sindy/library';
import { ByteReader, ByteWriter } from './bytes';
import { f32AtMost, readDisplay, readNumber, writeDisplay, writeNumber } from './numbers';

export { f32AtMost, readNumber, writeNumber } from './numbers';
import { brotli, unbrotli } from './floatPack';
import { LIMITS, readCoefficients, readTerms, writeTerms, type HeaderJson } from './header';
import { decideOutcome } from './outcome';
import type { SectionTag } from './container';
import type { StoredModel } from './predictor';
import { readGridV3, writeGridV3, type GridV3 } from './timeGrid';

// v3 flag bits (a varuint: the common ones below 2^7 so a typical header spends one byte on them)
const F_MODEL_ONLY = 1 << 0;
const F_POD = 1 << 1;
const F_OUTPUT_STEP = 1 << 2;
const F_ABS_ERROR = 1 << 3;
const F_MODEL_STORED = 1 << 4;
const F_SETTINGS = 1 << 5;
const F_NAMES = 1 << 6;
const F_SEGMENTED = 1 << 7;
const F_STATE_NAMES = 1 << 8;
const F_TERM_NAMES = 1 << 9;
const F_TERMS = 1 << 10;
const F_BOUND = 1 << 11;
const F_KNOWN = (1 << 12) - 1;
// v4 adds these (bits 12 and up: rare, so a typical v4 header still has a one-byte flags field)
const F4_TOLERANCE = 1 << 12;
const F4_ALL_MODEL = 1 << 13;
const F4_OUTCOME = 1 << 14;
const F4_RECON_CRC = 1 << 15;
const F4_EXTRAS = 1 << 16;
const F4_EXCEPTIONS = 1 << 17;
const F4_OUTPUT_K = 1 << 18;
const F4_RESIDUAL_BOUNDS = 1 << 19;
const F4_SOURCE_CRC = 1 << 20;
/** No per-state R² stored (all would show as blank: a no-model file's states are the variables, nothing was fitted on them). */
const F4_NO_R2 = 1 << 21;
const F4_KNOWN = (1 << 22) - 1;
/**
 * Where the v3 bits sit in a v4 header: the ones a typical small file sets (model stored, output step,
 * names, all windows on the model, a tolerance other than 1e-3) in the low seven bits.
 */
const V4_BITS: readonly number[] = [
  F_POD, F_OUTPUT_STEP, F_MODEL_STORED, F_NAMES, F4_ALL_MODEL, F4_TOLERANCE, F_MODEL_ONLY, F_SEGMENTED,
  F_ABS_ERROR, F_SETTINGS, F_STATE_NAMES, F_TERM_NAMES, F_TERMS, F_BOUND, F4_OUTCOME, F4_RECON_CRC,
  F4_EXTRAS, F4_EXCEPTIONS, F4_OUTPUT_K, F4_RESIDUAL_BOUNDS, F4_SOURCE_CRC, F4_NO_R2,
];
/** The v4 flags varuint from the logical flags (bit k of the varuint = V4_BITS[k]), and back. */
function packFlagsV4(flags: number): number {
  return V4_BITS.reduce((v, bit, k) => (flags & bit ? v + 2 ** k : v), 0);
}
function unpackFlagsV4(v: number, r: ByteReader): number {
  if (v >= 2 ** V4_BITS.length) r.fail(`unknown header flags ${v.toString(2)}`);
  return V4_BITS.reduce((f, bit, k) => (Math.floor(v / 2 ** k) % 2 ? f | bit : f), 0);
}

/** Library byte: bit 7 constant term, bit 6 automatic degree, bits 0-5 the degree (v4: bits 0-4, bit 5 trig frequencies follow). */
const LIB_AUTO_DEGREE = 0x40;
const LIB_TRIG_V4 = 0x20;

const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];
const OUTCOME_KINDS: readonly ModelOutcomeKind[] = ['sparse', 'dense', 'none'];

/**
 * The settings a v3 file's `settings` are stored against (only the differences are written). Frozen with
 * the format: later changes to the defaults must not change what old files say.
 */
export const SETTINGS_BASELINE_V3: Readonly<Record<string, unknown>> = {
  layout: 'auto',
  degree: 3,
  trig: false,
  threshold: 'auto',
  rank: 'auto',
  energy: 0.999999,
  mode: 'error-bounded',
  tolerance: 1e-3,
  streaming: 'auto',
  streamingAboveMB: 1024,
  decimal: 'auto',
};

/** v4's baseline: the defaults when v4 was made (the library degree is chosen from the data). Frozen too. */
export const SETTINGS_BASELINE_V4: Readonly<Record<string, unknown>> = { ...SETTINGS_BASELINE_V3, degree: 'auto' };

/** The library's terms in canonical order (FORMAT.md §8.4; the order sindy/library.ts builds). */
export function canonicalTerms(spec: LibrarySpec, r: number): LibraryTerm[] {
  return libraryTerms(spec, r);
}

/** How many terms canonicalTerms gives, without building them (checked before allocating). */
function canonicalCount(spec: LibrarySpec, r: number): number {
  let count = spec.constant ? 1 : 0;
  let c = 1; // C(r + d − 1, d)
  for (let d = 1; d <= spec.degree; d++) {
    c = (c * (r + d - 1)) / d;
    count += c;
  }
  return count + 2 * r * spec.trigFrequencies.length;
}

/** `1`, `x`, `x z`, `x^2 y`, `sin(x)`, `cos(2 y)` (the naming rule of FORMAT.md §8.4). */
export function termNameV3(term: LibraryTerm, stateNames: readonly string[]): string {
  if (term.kind === 'poly') {
    const factors: string[] = [];
    term.powers.forEach((p, i) => {
      if (p === 1) factors.push(stateNames[i]);
      else if (p > 1) factors.push(`${stateNames[i]}^${p}`);
    });
    return factors.length === 0 ? '1' : factors.join(' ');
  }
  const arg = term.frequency === 1 ? stateNames[term.variable] : `${term.frequency} ${stateNames[term.variable]}`;
  return `${term.kind}(${arg})`;
}

function sameTerms(a: readonly LibraryTerm[], b: readonly LibraryTerm[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((t, k) => {
    const u = b[k];
    if (t.kind === 'poly') return u.kind === 'poly' && t.powers.length === u.powers.length && t.powers.every((p, i) => p === u.powers[i]);
    return u.kind === t.kind && u.variable === t.variable && Object.is(u.frequency, t.frequency);
  });
}

const sameStrings = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

// ---- primitives ----

/** v4 file names: varuint 2·length + 1 when the name is that stem + ".csv" (else + 0), then the stem's bytes. */
function writeFileName(w: ByteWriter, name: string): void {
  const csv = name.endsWith('.csv');
  const stem = new TextEncoder().encode(csv ? name.slice(0, -4) : name);
  w.varuint(2 * stem.length + (csv ? 1 : 0));
  w.bytes(stem);
}

function readFileName(r: ByteReader): string {
  const code = r.count(2 * LIMITS.headerJson, 'file name length');
  const stem = new TextDecoder('utf-8', { fatal: false }).decode(r.take(Math.floor(code / 2)));
  return code % 2 ? `${stem}.csv` : stem;
}

/** v4 time column names: the usual ones as one byte (their index), others as varuint (count + length) + UTF-8. */
const TIME_CELLS = ['t', 'time', 'Time', 'T', 'timestamp', 'date'];

function writeTimeCell(w: ByteWriter, cell: string): void {
  const k = TIME_CELLS.indexOf(cell);
  if (k >= 0) return w.varuint(k);
  const b = new TextEncoder().encode(cell);
  w.varuint(TIME_CELLS.length + b.length);
  w.bytes(b);
}

function readTimeCell(r: ByteReader): string {
  const code = r.count(LIMITS.headerJson, 'time column name');
  if (code < TIME_CELLS.length) return TIME_CELLS[code];
  return new TextDecoder('utf-8', { fatal: false }).decode(r.take(code - TIME_CELLS.length));
}

function writeString(w: ByteWriter, s: string): void {
  w.blob(new TextEncoder().encode(s));
}

function readString(r: ByteReader, what: string): string {
  const len = r.count(LIMITS.headerJson, `${what} length`);
  return new TextDecoder('utf-8', { fatal: false }).decode(r.take(len));
}

function readStrings(r: ByteReader, count: number, what: string): string[] {
  r.need(count); // one byte per string at least, before allocating
  return Array.from({ length: count }, () => readString(r, what));
}

/** Names as prefix + consecutive integers (x1, x2, …; s0, s1, …), when they are that; else null. */
function namePattern(names: readonly string[]): { prefix: string; start: number } | null {
  const m = /^(.*?)(0|[1-9]\d{0,14})$/.exec(names[0] ?? '');
  if (!m) return null;
  const prefix = m[1];
  const start = Number(m[2]);
  return names.every((s, i) => s === `${prefix}${start + i}`) ? { prefix, start } : null;
}

/** Variable names other than the x0… default: u8 0 + the n strings, or u8 1 + prefix + first index. */
function writeNames(w: ByteWriter, names: readonly string[], version: number): void {
  const p = namePattern(names);
  if (version >= 4 && p && p.prefix === 'x' && p.start === 1) w.u8(2); // v4: x1 … xn in one byte
  else if (p) {
    w.u8(1);
    writeString(w, p.prefix);
    w.varuint(p.start);
  } else {
    w.u8(0);
    for (const s of names) writeString(w, s);
  }
}

function readNames(r: ByteReader, n: number, version: number): string[] {
  const kind = r.u8();
  if (kind === 0) return readStrings(r, n, 'name');
  if (kind === 2 && version >= 4) return Array.from({ length: n }, (_, i) => `x${i + 1}`);
  if (kind !== 1) r.fail(`unknown names kind ${kind}`);
  const prefix = readString(r, 'name prefix');
  const start = r.varuint();
  return Array.from({ length: n }, (_, i) => `${prefix}${start + i}`);
}

// ---- header ----

/** What the v3/v4 header carries besides the descriptive fields. */
export interface HeaderExtrasV3 {
  outcome: ModelOutcome;
  /** The user forced the model into the file (`--force-model`). */
  forced: boolean;
  /** Whether MODL is present (a window uses the model, or it was forced). */
  modelStored: boolean;
  /** The library's terms (stored only when not canonical). */
  terms: readonly LibraryTerm[];
  grid: GridV3;
  /**
   * Single-span files: CRC-32 of the reconstruction (segmented files: one per SEGM). v4 stores it only
   * when given (the writer gives it when the prediction uses functions whose results may differ between
   * platforms: sin/cos); null = not stored.
   */
  reconCrc: number | null;
  /** v4: the file has a SRCX section. */
  extras?: boolean;
  /** v4, single-span files: the file has an UNPR section (exceptions). */
  exceptions?: boolean;
  /** v4: every RESI starts with its f64 bound (no rule gives it). */
  residualBounds?: boolean;
}

/** What the settings are stored against: the frozen baseline, with tolerance, mode and abs error from the header itself. */
function settingsBase(tolerance: number, mode: string, absError: number | null, version: number): Record<string, unknown> {
  return { ...(version >= 4 ? SETTINGS_BASELINE_V4 : SETTINGS_BASELINE_V3), tolerance, mode, ...(absError !== null ? { absError } : {}) };
}

function settingsDiff(settings: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const diff: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) if (v !== undefined && JSON.stringify(v) !== JSON.stringify(base[k])) diff[k] = v;
  const absent = Object.keys(base).filter((k) => settings[k] === undefined);
  if (absent.length > 0) diff.$absent = absent;
  return diff;
}

/** The default tolerance of a v4 header (bit clear: not stored). */
const TOLERANCE_V4 = 1e-3;

/** The bound tolerance × range (or the abs error) gives, as writers compute it. */
function derivedBound(absError: number | null, tolerance: number, range: number): number {
  return Math.min(absError ?? tolerance * range, Number.MAX_VALUE / 4);
}

/** Display-only numbers: float32 in v3, three digits in two bytes in v4 (`down`: never above the value). */
function writeShown(w: ByteWriter, v: number, version: number, down = false): void {
  if (version >= 4) writeDisplay(w, v, down);
  else w.f32(down ? f32AtMost(v) : v);
}

function readShown(r: ByteReader, version: number): number {
  return version >= 4 ? readDisplay(r) : r.f32();
}

/** The header (FORMAT.md §8.3, v3; §11, v4). */
export function writeHeaderV3(h: HeaderJson, x: HeaderExtrasV3, version: 3 | 4 = 4): Uint8Array {
  const v4 = version >= 4;
  const { n, m } = h;
  const r = h.stateNames.length;
  const boundExplicit = h.mode === 'error-bounded' && !Object.is(h.bound, derivedBound(h.absError, h.tolerance, h.range));
  const defaultStates = h.pod ? Array.from({ length: r }, (_, i) => `a${i + 1}`) : h.names;
  // counted first: a no-model file keeps the fit's library over all n variables (degree 3 on 256
  // variables: 2.8M terms, which building ran out of memory on), and its empty term list differs anyway
  const termsExplicit = canonicalCount(h.library, r) !== x.terms.length || !sameTerms(x.terms, canonicalTerms(h.library, r));
  const termNamesExplicit = !sameStrings(h.termNames, x.terms.map((t) => termNameV3(t, h.stateNames)));
  const settingsDiffs = settingsDiff(h.settings, settingsBase(h.tolerance, h.mode, h.absError, version));
  // v3: the blob whenever there are settings; v4: only when they differ from the baseline
  const settingsPresent = v4 ? Object.keys(settingsDiffs).length > 0 : Object.keys(h.settings).length > 0;
  const d = h.diagnostics;
  const ruled = decideOutcome({ equations: r, activeTerms: d.activeTerms, windows: h.windows, modelWindows: h.modelWindows, forced: x.forced });
  const reasonExplicit = ruled.kind !== x.outcome.kind || ruled.reason !== x.outcome.reason;
  const outputK = h.outputStep !== undefined ? (exponentOfStep(h.outputStep) ?? 0) : null;
  const derivedK = h.bound !== null ? (outputStepFor(h.bound)?.k ?? null) : null;
  let flags = 0;
  if (h.mode === 'model-only') flags |= F_MODEL_ONLY;
  if (h.pod) flags |= F_POD;
  if (h.outputStep !== undefined) flags |= F_OUTPUT_STEP;
  if (h.absError !== null) flags |= F_ABS_ERROR;
  if (x.modelStored) flags |= F_MODEL_STORED;
  if (settingsPresent) flags |= F_SETTINGS;
  if (!sameStrings(h.names, defaultNames(n))) flags |= F_NAMES;
  if (h.segmentLength !== undefined) flags |= F_SEGMENTED;
  if (!sameStrings(h.stateNames, defaultStates)) flags |= F_STATE_NAMES;
  if (termNamesExplicit) flags |= F_TERM_NAMES;
  if (termsExplicit) flags |= F_TERMS;
  if (boundExplicit) flags |= F_BOUND;
  if (v4) {
    if (!Object.is(h.tolerance, TOLERANCE_V4)) flags |= F4_TOLERANCE;
    if (h.modelWindows === h.windows) flags |= F4_ALL_MODEL;
    if (reasonExplicit || x.forced) flags |= F4_OUTCOME;
    if (x.reconCrc !== null && h.segmentLength === undefined) flags |= F4_RECON_CRC;
    if (x.extras) flags |= F4_EXTRAS;
    if (x.exceptions && h.segmentLength === undefined) flags |= F4_EXCEPTIONS;
    if (outputK !== null && outputK !== derivedK) flags |= F4_OUTPUT_K;
    if (x.residualBounds && h.mode === 'error-bounded') flags |= F4_RESIDUAL_BOUNDS;
    // the source's CRC-32 only in segmented files (large: 4 bytes are nothing there; nothing shows it)
    if (h.segmentLength !== undefined && h.source.crc32 !== undefined) flags |= F4_SOURCE_CRC;
    // the flag costs up to 3 bytes of flags varuint; the blank R² it leaves out 2 bytes each
    if (!x.modelStored && r >= 2 && Array.from({ length: r }, (_, j) => d.r2[j]).every((v) => v === undefined || v === null || !Number.isFinite(v))) flags |= F4_NO_R2;
  }

  const w = new ByteWriter();
  w.varuint(v4 ? packFlagsV4(flags) : flags);
  w.varuint(n);
  w.varuint(m);
  if (h.segmentLength !== undefined) w.varuint(h.segmentLength);
  if (flags & F_NAMES) writeNames(w, h.names, version);
  if (h.pod) {
    w.varuint(h.pod.rank);
    w.f32(1 - h.pod.energy); // the deficit keeps the digits that 0.99999… shows
    w.varuint(h.pod.singularValues.length);
    for (const s of h.pod.singularValues) w.f32(s);
  }
  if (flags & F_STATE_NAMES) for (const s of h.stateNames) writeString(w, s);
  // bounds: tolerance (or abs error) and range give the bound; the output step as its exponent (v4: derived from the bound)
  if (!v4 || flags & F4_TOLERANCE) writeNumber(w, h.tolerance);
  if (h.absError !== null) writeNumber(w, h.absError);
  w.f64(h.range);
  if (boundExplicit) w.f64(h.bound ?? NaN);
  if (outputK !== null && (!v4 || flags & F4_OUTPUT_K)) w.u8(outputK & 0xff);
  writeShown(w, h.errors.max, version, true); // never more than measured: a max error at the bound stays within it
  writeShown(w, h.errors.rms, version);
  // library and model description
  // bit 6: the degree was chosen from the data (sindy/degree.ts); without it the degree was fixed
  const autoDegree = h.diagnostics.degree?.automatic === true || (h.diagnostics as { autoDegree?: boolean }).autoDegree === true;
  const trig = h.library.trigFrequencies;
  w.u8(h.library.degree | (h.library.constant ? 0x80 : 0) | (autoDegree ? LIB_AUTO_DEGREE : 0) | (v4 && trig.length > 0 ? LIB_TRIG_V4 : 0));
  if (!v4 || trig.length > 0) {
    w.varuint(trig.length);
    for (const f of trig) writeNumber(w, f);
  }
  if (termsExplicit) writeTermList(w, x.terms, r);
  if (termNamesExplicit) {
    w.varuint(h.termNames.length);
    for (const s of h.termNames) writeString(w, s);
  }
  w.varuint(d.activeTerms);
  // v4 stores 1 − R² (R² near 1 keeps its digits) and no test functions (nothing shows them)
  writeShown(w, d.weakResidual, version);
  if (!(flags & F4_NO_R2)) for (let j = 0; j < r; j++) writeShown(w, v4 ? 1 - (d.r2[j] ?? NaN) : (d.r2[j] ?? NaN), version);
  writeShown(w, d.threshold, version);
  if (!v4) {
    writeNumber(w, d.testFunctions?.count ?? NaN);
    writeNumber(w, d.testFunctions?.halfWidth ?? NaN);
    writeNumber(w, d.testFunctions?.exponent ?? NaN);
  }
  w.varuint(h.windows);
  if (!v4 || !(flags & F4_ALL_MODEL)) w.varuint(h.modelWindows);
  // the outcome: kind, forced, and the reason only when the rules would not give it (v4: the byte only then, or when forced)
  if (!v4 || flags & F4_OUTCOME) w.u8(OUTCOME_KINDS.indexOf(x.outcome.kind) | (x.forced ? 4 : 0) | (reasonExplicit ? 8 : 0));
  if (reasonExplicit) writeString(w, x.outcome.reason);
  // the source and how to write it back (v4: the source's CRC only in segmented files)
  if (v4) writeFileName(w, h.source.fileName);
  else writeString(w, h.source.fileName);
  w.varuint(h.source.bytes);
  if (!v4 || flags & F4_SOURCE_CRC) w.u32(h.source.crc32 ?? 0);
  const f = h.source.format;
  // CSV header: 0 none, 1 the names with the time cell at the time column, 2 explicit, 3 the names themselves
  const withTime = f.timeColumn !== null && f.header !== null && f.timeColumn < f.header.length ? [...h.names.slice(0, f.timeColumn), f.header[f.timeColumn], ...h.names.slice(f.timeColumn)] : null;
  const headerKind = f.header === null ? 0 : withTime !== null && sameStrings(f.header, withTime) ? 1 : sameStrings(f.header, h.names) ? 3 : 2;
  // v4: bit 7 = the time column is not column 0 (its index follows)
  const tcStored = f.timeColumn !== null && (!v4 || f.timeColumn !== 0);
  w.u8((f.layout === 'columns' ? 1 : 0) | (DELIMITERS.indexOf(f.delimiter) << 1) | (f.lineEnding === '\r\n' ? 8 : 0) | (headerKind << 4) | (f.timeColumn !== null ? 64 : 0) | (v4 && tcStored ? 128 : 0));
  if (f.timeColumn !== null && tcStored) w.varuint(f.timeColumn);
  if (f.header !== null && headerKind === 1 && f.timeColumn !== null) {
    if (v4) writeTimeCell(w, f.header[f.timeColumn]);
    else writeString(w, f.header[f.timeColumn]);
  }
  if (f.header !== null && headerKind === 2) {
    w.varuint(f.header.length);
    for (const s of f.header) writeString(w, s);
  }
  writeGridV3(w, x.grid, version);
  if (settingsPresent) {
    const diff = settingsDiffs;
    const json = Object.keys(diff).length === 0 ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(diff, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
    // u8 0 + JSON, or u8 1 + varuint length + brotli(JSON) when that is smaller (long lists such as shard names)
    const packed = json.length > 48 ? brotli(json) : null;
    const body = new ByteWriter();
    if (json.length > 0 && packed && packed.length + 4 < json.length) {
      body.u8(1);
      body.varuint(json.length);
      body.bytes(packed);
    } else if (json.length > 0) {
      body.u8(0);
      body.bytes(json);
    }
    w.blob(body.finish());
  }
  if (h.segmentLength === undefined && (!v4 || flags & F4_RECON_CRC)) w.u32(x.reconCrc ?? 0);
  return w.finish();
}

export interface HeaderV3 {
  json: HeaderJson;
  outcome: ModelOutcome;
  forced: boolean;
  modelStored: boolean;
  terms: LibraryTerm[];
  grid: GridV3;
  /** null: segmented (one per SEGM), or a v4 file that does not store it. */
  reconCrc: number | null;
  /** v4: SRCX present. */
  extras: boolean;
  /** v4: UNPR present (single-span files). */
  exceptions: boolean;
  /** v4: each RESI starts with an f64 bound. */
  residualBounds: boolean;
}

export function readHeaderV3(r: ByteReader, version: 3 | 4 = 3): HeaderV3 {
  const v4 = version >= 4;
  const raw = r.varuint();
  if (!v4 && raw & ~F_KNOWN) r.fail(`unknown header flags ${raw.toString(2)}`);
  const flags = v4 ? unpackFlagsV4(raw, r) : raw;
  if (flags & ~F4_KNOWN) r.fail('unknown header flags');
  const n = r.count(LIMITS.n, 'n');
  const m = r.count(LIMITS.m, 'm');
  if (n < 1 || m < 1) r.fail('no data');
  const segmented = (flags & F_SEGMENTED) !== 0;
  const segmentLength = segmented ? r.count(LIMITS.m, 'segment length') : undefined;
  if (segmentLength !== undefined && !(segmentLength >= 1 && segmentLength < m)) r.fail(`segmentLength = ${segmentLength} does not split ${m} steps`);
  if (n * Math.min(m, segmentLength ?? m) > LIMITS.values) r.fail(`${n} × ${Math.min(m, segmentLength ?? m)} values exceed the reader's limit`);
  const names = flags & F_NAMES ? readNames(r, n, version) : defaultNames(n);
  let pod: HeaderJson['pod'] = null;
  if (flags & F_POD) {
    const rank = r.count(LIMITS.rank, 'rank');
    if (rank < 1) r.fail('rank 0');
    const energy = 1 - r.f32();
    const count = r.count(LIMITS.n, 'singular values');
    r.need(4 * count);
    pod = { rank, energy, singularValues: Array.from({ length: count }, () => r.f32()) };
  }
  const rank = pod ? pod.rank : n;
  const stateNames = flags & F_STATE_NAMES ? readStrings(r, rank, 'state name') : pod ? Array.from({ length: rank }, (_, i) => `a${i + 1}`) : names;
  const mode = flags & F_MODEL_ONLY ? 'model-only' : 'error-bounded';
  const tolerance = !v4 || flags & F4_TOLERANCE ? readNumber(r, 'tolerance') : TOLERANCE_V4;
  const absError = flags & F_ABS_ERROR ? readNumber(r, 'abs error') : null;
  const range = r.f64();
  let bound: number | null = mode === 'model-only' ? null : derivedBound(absError, tolerance, range);
  if (flags & F_BOUND) bound = r.f64();
  let outputStep: number | undefined;
  if (flags & F_OUTPUT_STEP) {
    if (mode !== 'error-bounded') r.fail('output step in a model-only file');
    const derivedK = bound !== null ? (outputStepFor(bound)?.k ?? null) : null;
    const k = !v4 || flags & F4_OUTPUT_K ? (r.u8() << 24) >> 24 : (derivedK ?? r.fail('no output step for this bound'));
    if (k < -22 || k > 22) r.fail(`output step 1e${k} out of range`);
    outputStep = pow10(k);
  } else if (flags & F4_OUTPUT_K) r.fail('an output exponent without an output step');
  const max = readShown(r, version);
  const rms = readShown(r, version);
  const lib = r.u8();
  const degree = lib & (v4 ? 0x1f : 0x3f);
  if (degree > 16) r.fail(`library degree ${degree}`);
  const trigCount = !v4 || lib & LIB_TRIG_V4 ? r.count(64, 'trig frequencies') : 0;
  if (v4 && lib & LIB_TRIG_V4 && trigCount === 0) r.fail('an empty list of trig frequencies');
  const trigFrequencies = Array.from({ length: trigCount }, () => readNumber(r, 'frequency'));
  const library: LibrarySpec = { degree, constant: (lib & 0x80) !== 0, trigFrequencies };
  let terms: LibraryTerm[];
  if (flags & F_TERMS) terms = readTermList(r, rank);
  else {
    if (canonicalCount(library, rank) > LIMITS.terms) r.fail('library too large');
    terms = canonicalTerms(library, rank);
  }
  let termNames: string[];
  if (flags & F_TERM_NAMES) {
    const K = r.count(LIMITS.terms, 'term names');
    if (K !== terms.length) r.fail(`${K} term names for ${terms.length} terms`);
    termNames = readStrings(r, K, 'term name');
  } else termNames = terms.map((t) => termNameV3(t, stateNames));
  const activeTerms = r.count(terms.length * rank, 'active terms');
  const weakResidual = readShown(r, version);
  if (flags & F4_NO_R2 && flags & F_MODEL_STORED) r.fail('no R² for a stored model');
  if (!(flags & F4_NO_R2)) r.need((v4 ? 2 : 4) * rank);
  const r2 = Array.from({ length: rank }, () => (flags & F4_NO_R2 ? NaN : v4 ? 1 - readShown(r, version) : r.f32()));
  const threshold = readShown(r, version);
  const testFunctions = v4 ? undefined : { count: readNumber(r, 'test functions'), halfWidth: readNumber(r, 'half-width'), exponent: readNumber(r, 'exponent') };
  const windows = r.count(m, 'windows');
  const modelWindows = v4 && flags & F4_ALL_MODEL ? windows : r.count(windows, 'model windows');
  if (v4 && !(flags & F4_ALL_MODEL) && modelWindows === windows) r.fail('model windows stored where the flag gives them');
  const oc = !v4 || flags & F4_OUTCOME ? r.u8() : null;
  if (oc !== null && ((oc & 3) === 3 || oc > 15)) r.fail(`unknown outcome ${oc}`);
  const forced = oc !== null && (oc & 4) !== 0;
  const ruled = decideOutcome({ equations: rank, activeTerms, windows, modelWindows, forced });
  const kind = oc !== null ? OUTCOME_KINDS[oc & 3] : ruled.kind;
  const outcome: ModelOutcome = oc !== null && oc & 8 ? { kind, reason: readString(r, 'reason'), activeTerms } : ruled;
  if (outcome.kind !== kind) r.fail('outcome does not follow its rules');
  const fileName = v4 ? readFileName(r) : readString(r, 'file name');
  const bytes = r.varuint();
  const crc32 = !v4 || flags & F4_SOURCE_CRC ? r.u32() : undefined;
  const fb = r.u8();
  if ((!v4 && fb & 0x80) || ((fb >> 1) & 3) === 3 || (v4 && fb & 0x80 && !(fb & 64))) r.fail(`bad source format byte ${fb}`);
  const timeColumn = fb & 64 ? (!v4 || fb & 0x80 ? r.count(LIMITS.n, 'time column') : 0) : null;
  if (v4 && fb & 0x80 && timeColumn === 0) r.fail('time column 0 stored');
  const headerKind = (fb >> 4) & 3;
  let header: string[] | null = null;
  if (headerKind === 1) {
    if (timeColumn === null || timeColumn > n) r.fail('a derived CSV header needs a time column');
    header = [...names.slice(0, timeColumn), v4 ? readTimeCell(r) : readString(r, 'time column name'), ...names.slice(timeColumn)];
  } else if (headerKind === 2) header = readStrings(r, r.count(LIMITS.n + 1, 'header cells'), 'header cell');
  else if (headerKind === 3) header = names.slice();
  const format: SourceFormat = { layout: fb & 1 ? 'columns' : 'rows', delimiter: DELIMITERS[(fb >> 1) & 3], header, timeColumn, lineEnding: fb & 8 ? '\r\n' : '\n' };
  const grid = readGridV3(r, m, version);
  let settings: Record<string, unknown> = {};
  // v4: no blob = the baseline itself
  if (flags & F_SETTINGS || v4) {
    const blob = flags & F_SETTINGS ? new ByteReader(r.blob(), 'header', r.base + r.pos) : null;
    let diff: Record<string, unknown> = {};
    if (blob && v4 && blob.remaining === 0) r.fail('empty settings stored');
    if (blob && blob.remaining > 0) {
      const packing = blob.u8();
      if (packing > 1) blob.fail(`unknown settings packing ${packing}`);
      const rawLength = packing === 1 ? blob.count(LIMITS.headerJson, 'settings size') : 0;
      const text = packing === 1 ? unbrotli(blob.take(blob.remaining), rawLength, 'settings') : blob.take(blob.remaining);
      try {
        const parsed: unknown = JSON.parse(new TextDecoder().decode(text), (_k, v: unknown) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        diff = parsed as Record<string, unknown>;
      } catch {
        r.fail('settings are not a JSON object');
      }
    }
    const absent = Array.isArray(diff.$absent) ? diff.$absent : [];
    settings = settingsBase(tolerance, mode, absError, version);
    for (const k of absent) if (typeof k === 'string') delete settings[k];
    for (const [k, v] of Object.entries(diff)) if (k !== '$absent') settings[k] = v;
  }
  const reconCrc = segmented || (v4 && !(flags & F4_RECON_CRC)) ? null : r.u32();
  if (segmented ? flags & (F4_RECON_CRC | F4_EXCEPTIONS) : flags & F4_SOURCE_CRC) r.fail(`a ${segmented ? '' : 'non-'}segmented file with the other kind's flags`);
  if (flags & F4_RESIDUAL_BOUNDS && mode !== 'error-bounded') r.fail('residual bounds in a model-only file');
  if (!v4) r.end(); // v4: the header ends where its fields end (the container reads on from there)
  const json: HeaderJson = {
    mode,
    bound,
    tolerance,
    absError,
    ...(outputStep !== undefined ? { outputStep } : {}),
    ...(segmentLength !== undefined ? { segmentLength } : {}),
    range,
    n,
    m,
    names,
    stateNames,
    pod,
    library,
    termNames,
    source: { fileName, bytes, ...(crc32 !== undefined ? { crc32 } : {}), format },
    time: grid.summary,
    errors: { max, maxRelative: range > 0 ? max / range : max === 0 ? 0 : Infinity, rms },
    windows,
    modelWindows,
    diagnostics: { weakResidual, r2, activeTerms, threshold, ...(testFunctions ? { testFunctions } : {}), ...(lib & LIB_AUTO_DEGREE ? { degree: { chosen: degree, automatic: true } } : {}) },
    settings,
  };
  return {
    json,
    outcome,
    forced,
    modelStored: (flags & F_MODEL_STORED) !== 0,
    terms,
    grid,
    reconCrc,
    extras: (flags & F4_EXTRAS) !== 0,
    exceptions: (flags & F4_EXCEPTIONS) !== 0,
    residualBounds: (flags & F4_RESIDUAL_BOUNDS) !== 0,
  };
}

/**
 * v4: the sections after the header, in file order, as the header says (FORMAT.md §11.1): MODL, TIME,
 * SRCX, BASI, then WIND, RESI, UNPR, or one SEGM per segment.
 */
export function sectionPlanV4(h: HeaderV3): SectionTag[] {
  const j = h.json;
  const tags: SectionTag[] = [];
  if (h.modelStored) tags.push('MODL');
  if (h.grid.kind === 'lossless' || h.grid.kind === 'integers') tags.push('TIME');
  if (h.extras) tags.push('SRCX');
  if (j.pod) tags.push('BASI');
  if (j.segmentLength !== undefined) for (let k = 0; k < Math.ceil(j.m / j.segmentLength); k++) tags.push('SEGM');
  else {
    tags.push('WIND');
    if (j.mode === 'error-bounded') tags.push('RESI');
    if (h.exceptions) tags.push('UNPR');
  }
  return tags;
}

/** The residual quantiser's bound b′ as v3 stores it: 0 = the header bound, 1 = b − outputSlack(b), 2 = f64 follows. */
export function residualBoundCode(headerBound: number | null, b: number): number {
  if (headerBound !== null && Object.is(b, headerBound)) return 0;
  if (headerBound !== null && Object.is(b, headerBound - outputSlack(headerBound))) return 1;
  return 2;
}

// ---- model ----

function writeTermList(w: ByteWriter, terms: readonly LibraryTerm[], r: number): void {
  w.varuint(terms.length);
  writeTerms(w, terms, r);
}

function readTermList(r: ByteReader, rank: number): LibraryTerm[] {
  return readTerms(r, r.count(LIMITS.terms, 'term count'), rank);
}

/**
 * MODL v3: u8 sub-steps, u8 packing (bit 0: f64 coefficients, bit 1: brotli), then nnz × (gap, value).
 * v4: one byte: bits 0-1 the coefficient coding (0 f32, 1 f64; 2-3 reserved), bit 2 brotli, bits 3-7
 * sub-steps − 1 (31: a u8 sub-step count follows).
 */
export function writeModelV3(model: StoredModel, substeps: number, version = 3): Uint8Array {
  const single = model.coefficients.every((v) => Math.fround(v) === v);
  const body = new ByteWriter();
  let nnz = 0;
  for (const v of model.coefficients) if (v !== 0) nnz++;
  body.varuint(nnz);
  let last = -1;
  model.coefficients.forEach((v, i) => {
    if (v === 0) return;
    body.varuint(i - last - 1);
    last = i;
    if (single) body.f32(v);
    else body.f64(v);
  });
  const raw = body.finish();
  const packed = raw.length > 64 ? brotli(raw) : null;
  const brotlied = packed !== null && packed.length + 4 < raw.length;
  const packing = (single ? 0 : 1) | (brotlied ? 2 : 0);
  const w = new ByteWriter();
  if (version >= 4) {
    const s5 = Math.min(substeps - 1, 31);
    w.u8((single ? 0 : 1) | (brotlied ? 4 : 0) | (s5 << 3));
    if (s5 === 31) w.u8(substeps);
  } else {
    w.u8(substeps);
    w.u8(packing);
  }
  if (brotlied) {
    w.varuint(raw.length);
    w.bytes(packed);
  } else w.bytes(raw);
  return w.finish();
}

export function readModelV3(outer: ByteReader, terms: LibraryTerm[], rank: number, version = 3): { model: StoredModel; substeps: number } {
  let substeps: number;
  let packing: number;
  if (version >= 4) {
    const b = outer.u8();
    if ((b & 3) > 1) outer.fail(`unknown coefficient coding ${b & 3}`);
    packing = (b & 1) | ((b >> 1) & 2);
    substeps = b >> 3 === 31 ? outer.u8() : (b >> 3) + 1;
    if (substeps < 32 && b >> 3 === 31) outer.fail(`sub-steps ${substeps} stored in full`);
  } else {
    substeps = outer.u8();
    packing = outer.u8();
    if (packing > 3) outer.fail(`unknown model packing ${packing}`);
  }
  if (substeps < 1) outer.fail('0 integration sub-steps');
  let r = outer;
  if (packing & 2) {
    const len = outer.count(LIMITS.headerJson, 'model size');
    r = new ByteReader(unbrotli(outer.take(outer.remaining), len, 'model'), 'model', outer.base);
  }
  return { model: { r: rank, terms, coefficients: readCoefficients(r, terms.length * rank, packing & 1 ? 8 : 4, false) }, substeps };
}
