// Format v3's compact binary header (section HEAD) and model (MODL), FORMAT.md §8. Everything the file
// can derive is derived: term list and names from the library rule, state names, variable names from
// the CSV header or the x0… default, the bounds from tolerance × range and the output-step rule, the
// time grid from a rule when one reproduces every stamp. Display-only numbers are float32. The writer
// checks each derivation and stores the value itself (a flag bit) whenever the rule would not give it.
import { defaultNames, type Delimiter, type SourceFormat } from '../dataset';
import type { LibrarySpec, LibraryTerm, ModelOutcome, ModelOutcomeKind } from '../model';
import { exponentOfStep, outputSlack, pow10 } from '../csv/outputStep';
import { libraryTerms } from '../sindy/library';
import { ByteReader, ByteWriter } from './bytes';
import { brotli, unbrotli } from './floatPack';
import { LIMITS, type HeaderJson } from './header';
import { decideOutcome } from './outcome';
import type { StoredModel } from './predictor';
import { readGridV3, writeGridV3, type GridV3 } from './timeGrid';

// flag bits (a varuint: the common ones below 2^7 so a typical header spends one byte on them)
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

/** Library byte: bit 7 constant term, bit 6 automatic degree, bits 0-5 the degree. */
const LIB_AUTO_DEGREE = 0x40;

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
function writeNames(w: ByteWriter, names: readonly string[]): void {
  const p = namePattern(names);
  if (p) {
    w.u8(1);
    writeString(w, p.prefix);
    w.varuint(p.start);
  } else {
    w.u8(0);
    for (const s of names) writeString(w, s);
  }
}

function readNames(r: ByteReader, n: number): string[] {
  const kind = r.u8();
  if (kind === 0) return readStrings(r, n, 'name');
  if (kind !== 1) r.fail(`unknown names kind ${kind}`);
  const prefix = readString(r, 'name prefix');
  const start = r.varuint();
  return Array.from({ length: n }, (_, i) => `${prefix}${start + i}`);
}

// ---- header ----

/** What the v3 header carries besides the descriptive fields. */
export interface HeaderExtrasV3 {
  outcome: ModelOutcome;
  /** The user forced the model into the file (`--force-model`). */
  forced: boolean;
  /** Whether MODL is present (a window uses the model, or it was forced). */
  modelStored: boolean;
  /** The library's terms (stored only when not canonical). */
  terms: readonly LibraryTerm[];
  grid: GridV3;
  /** Single-span files: CRC-32 of the reconstruction (segmented files: one per SEGM). */
  reconCrc: number | null;
}

/** What the settings are stored against: the frozen baseline, with tolerance, mode and abs error from the header itself. */
function settingsBase(tolerance: number, mode: string, absError: number | null): Record<string, unknown> {
  return { ...SETTINGS_BASELINE_V3, tolerance, mode, ...(absError !== null ? { absError } : {}) };
}

function settingsDiff(settings: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
  const diff: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) if (v !== undefined && JSON.stringify(v) !== JSON.stringify(base[k])) diff[k] = v;
  const absent = Object.keys(base).filter((k) => settings[k] === undefined);
  if (absent.length > 0) diff.$absent = absent;
  return diff;
}

export function writeHeaderV3(h: HeaderJson, x: HeaderExtrasV3): Uint8Array {
  const { n, m } = h;
  const r = h.stateNames.length;
  const derivedBound = Math.min(h.absError ?? h.tolerance * h.range, Number.MAX_VALUE / 4);
  const boundExplicit = h.mode === 'error-bounded' && !Object.is(h.bound, derivedBound);
  const defaultStates = h.pod ? Array.from({ length: r }, (_, i) => `a${i + 1}`) : h.names;
  const canonical = canonicalTerms(h.library, r);
  const termsExplicit = !sameTerms(x.terms, canonical);
  const termNamesExplicit = !sameStrings(h.termNames, x.terms.map((t) => termNameV3(t, h.stateNames)));
  const settingsPresent = Object.keys(h.settings).length > 0;
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

  const w = new ByteWriter();
  w.varuint(flags);
  w.varuint(n);
  w.varuint(m);
  if (h.segmentLength !== undefined) w.varuint(h.segmentLength);
  if (flags & F_NAMES) writeNames(w, h.names);
  if (h.pod) {
    w.varuint(h.pod.rank);
    w.f32(1 - h.pod.energy); // the deficit keeps the digits that 0.99999… shows
    w.varuint(h.pod.singularValues.length);
    for (const s of h.pod.singularValues) w.f32(s);
  }
  if (flags & F_STATE_NAMES) for (const s of h.stateNames) writeString(w, s);
  // bounds: tolerance (or abs error) and range give the bound; the output step as its exponent
  writeNumber(w, h.tolerance);
  if (h.absError !== null) writeNumber(w, h.absError);
  w.f64(h.range);
  if (boundExplicit) w.f64(h.bound ?? NaN);
  if (h.outputStep !== undefined) w.u8((exponentOfStep(h.outputStep) ?? 0) & 0xff);
  w.f32(f32AtMost(h.errors.max)); // never more than measured: a max error at the bound stays within it
  w.f32(h.errors.rms);
  // library and model description
  // bit 6: the degree was chosen from the data (sindy/degree.ts); without it the degree was fixed
  const autoDegree = h.diagnostics.degree?.automatic === true || (h.diagnostics as { autoDegree?: boolean }).autoDegree === true;
  w.u8(h.library.degree | (h.library.constant ? 0x80 : 0) | (autoDegree ? LIB_AUTO_DEGREE : 0));
  w.varuint(h.library.trigFrequencies.length);
  for (const f of h.library.trigFrequencies) writeNumber(w, f);
  if (termsExplicit) writeTermList(w, x.terms, r);
  if (termNamesExplicit) {
    w.varuint(h.termNames.length);
    for (const s of h.termNames) writeString(w, s);
  }
  const d = h.diagnostics;
  w.varuint(d.activeTerms);
  w.f32(d.weakResidual);
  for (let j = 0; j < r; j++) w.f32(d.r2[j] ?? NaN);
  w.f32(d.threshold);
  writeNumber(w, d.testFunctions.count);
  writeNumber(w, d.testFunctions.halfWidth);
  writeNumber(w, d.testFunctions.exponent);
  w.varuint(h.windows);
  w.varuint(h.modelWindows);
  // the outcome: kind, forced, and the reason only when the rules would not give it
  const ruled = decideOutcome({ equations: r, activeTerms: d.activeTerms, windows: h.windows, modelWindows: h.modelWindows, forced: x.forced });
  const reasonExplicit = ruled.kind !== x.outcome.kind || ruled.reason !== x.outcome.reason;
  w.u8(OUTCOME_KINDS.indexOf(x.outcome.kind) | (x.forced ? 4 : 0) | (reasonExplicit ? 8 : 0));
  if (reasonExplicit) writeString(w, x.outcome.reason);
  // the source and how to write it back
  writeString(w, h.source.fileName);
  w.varuint(h.source.bytes);
  w.u32(h.source.crc32);
  const f = h.source.format;
  // CSV header: 0 none, 1 the names with the time cell at the time column, 2 explicit, 3 the names themselves
  const withTime = f.timeColumn !== null && f.header !== null && f.timeColumn < f.header.length ? [...h.names.slice(0, f.timeColumn), f.header[f.timeColumn], ...h.names.slice(f.timeColumn)] : null;
  const headerKind = f.header === null ? 0 : withTime !== null && sameStrings(f.header, withTime) ? 1 : sameStrings(f.header, h.names) ? 3 : 2;
  w.u8((f.layout === 'columns' ? 1 : 0) | (DELIMITERS.indexOf(f.delimiter) << 1) | (f.lineEnding === '\r\n' ? 8 : 0) | (headerKind << 4) | (f.timeColumn !== null ? 64 : 0));
  if (f.timeColumn !== null) w.varuint(f.timeColumn);
  if (f.header !== null && headerKind === 1 && f.timeColumn !== null) writeString(w, f.header[f.timeColumn]);
  if (f.header !== null && headerKind === 2) {
    w.varuint(f.header.length);
    for (const s of f.header) writeString(w, s);
  }
  writeGridV3(w, x.grid);
  if (settingsPresent) {
    const diff = settingsDiff(h.settings, settingsBase(h.tolerance, h.mode, h.absError));
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
  if (h.segmentLength === undefined) w.u32(x.reconCrc ?? 0);
  return w.finish();
}

export interface HeaderV3 {
  json: HeaderJson;
  outcome: ModelOutcome;
  forced: boolean;
  modelStored: boolean;
  terms: LibraryTerm[];
  grid: GridV3;
  reconCrc: number | null;
}

export function readHeaderV3(r: ByteReader): HeaderV3 {
  const flags = r.varuint();
  if (flags & ~F_KNOWN) r.fail(`unknown header flags ${flags.toString(2)}`);
  const n = r.count(LIMITS.n, 'n');
  const m = r.count(LIMITS.m, 'm');
  if (n < 1 || m < 1) r.fail('no data');
  const segmented = (flags & F_SEGMENTED) !== 0;
  const segmentLength = segmented ? r.count(LIMITS.m, 'segment length') : undefined;
  if (segmentLength !== undefined && !(segmentLength >= 1 && segmentLength < m)) r.fail(`segmentLength = ${segmentLength} does not split ${m} steps`);
  if (n * Math.min(m, segmentLength ?? m) > LIMITS.values) r.fail(`${n} × ${Math.min(m, segmentLength ?? m)} values exceed the reader's limit`);
  const names = flags & F_NAMES ? readNames(r, n) : defaultNames(n);
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
  const tolerance = readNumber(r, 'tolerance');
  const absError = flags & F_ABS_ERROR ? readNumber(r, 'abs error') : null;
  const range = r.f64();
  let bound: number | null = mode === 'model-only' ? null : Math.min(absError ?? tolerance * range, Number.MAX_VALUE / 4);
  if (flags & F_BOUND) bound = r.f64();
  let outputStep: number | undefined;
  if (flags & F_OUTPUT_STEP) {
    const k = (r.u8() << 24) >> 24;
    if (k < -22 || k > 22) r.fail(`output step 1e${k} out of range`);
    if (mode !== 'error-bounded') r.fail('output step in a model-only file');
    outputStep = pow10(k);
  }
  const max = r.f32();
  const rms = r.f32();
  const lib = r.u8();
  const degree = lib & 0x3f;
  if (degree > 16) r.fail(`library degree ${degree}`);
  const trigCount = r.count(64, 'trig frequencies');
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
  const weakResidual = r.f32();
  r.need(4 * rank);
  const r2 = Array.from({ length: rank }, () => r.f32());
  const threshold = r.f32();
  const testFunctions = { count: readNumber(r, 'test functions'), halfWidth: readNumber(r, 'half-width'), exponent: readNumber(r, 'exponent') };
  const windows = r.count(m, 'windows');
  const modelWindows = r.count(windows, 'model windows');
  const oc = r.u8();
  if ((oc & 3) === 3 || oc > 15) r.fail(`unknown outcome ${oc}`);
  const forced = (oc & 4) !== 0;
  const kind = OUTCOME_KINDS[oc & 3];
  const outcome: ModelOutcome = oc & 8 ? { kind, reason: readString(r, 'reason'), activeTerms } : decideOutcome({ equations: rank, activeTerms, windows, modelWindows, forced });
  if (outcome.kind !== kind) r.fail('outcome does not follow its rules');
  const fileName = readString(r, 'file name');
  const bytes = r.varuint();
  const crc32 = r.u32();
  const fb = r.u8();
  if (fb & 0x80 || ((fb >> 1) & 3) === 3) r.fail(`bad source format byte ${fb}`);
  const timeColumn = fb & 64 ? r.count(LIMITS.n, 'time column') : null;
  const headerKind = (fb >> 4) & 3;
  let header: string[] | null = null;
  if (headerKind === 1) {
    if (timeColumn === null || timeColumn > n) r.fail('a derived CSV header needs a time column');
    header = [...names.slice(0, timeColumn), readString(r, 'time column name'), ...names.slice(timeColumn)];
  } else if (headerKind === 2) header = readStrings(r, r.count(LIMITS.n + 1, 'header cells'), 'header cell');
  else if (headerKind === 3) header = names.slice();
  const format: SourceFormat = { layout: fb & 1 ? 'columns' : 'rows', delimiter: DELIMITERS[(fb >> 1) & 3], header, timeColumn, lineEnding: fb & 8 ? '\r\n' : '\n' };
  const grid = readGridV3(r, m);
  let settings: Record<string, unknown> = {};
  if (flags & F_SETTINGS) {
    const blob = new ByteReader(r.blob(), 'header', r.base + r.pos);
    let diff: Record<string, unknown> = {};
    if (blob.remaining > 0) {
      const packing = blob.u8();
      if (packing > 1) blob.fail(`unknown settings packing ${packing}`);
      const rawLength = packing === 1 ? blob.count(LIMITS.headerJson, 'settings size') : 0;
      const raw = packing === 1 ? unbrotli(blob.take(blob.remaining), rawLength, 'settings') : blob.take(blob.remaining);
      try {
        const parsed: unknown = JSON.parse(new TextDecoder().decode(raw), (_k, v: unknown) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        diff = parsed as Record<string, unknown>;
      } catch {
        r.fail('settings are not a JSON object');
      }
    }
    const absent = Array.isArray(diff.$absent) ? diff.$absent : [];
    settings = settingsBase(tolerance, mode, absError);
    for (const k of absent) if (typeof k === 'string') delete settings[k];
    for (const [k, v] of Object.entries(diff)) if (k !== '$absent') settings[k] = v;
  }
  const reconCrc = segmented ? null : r.u32();
  r.end();
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
    source: { fileName, bytes, crc32, format },
    time: grid.summary,
    errors: { max, maxRelative: range > 0 ? max / range : max === 0 ? 0 : Infinity, rms },
    windows,
    modelWindows,
    diagnostics: { weakResidual, r2, activeTerms, threshold, testFunctions, ...(lib & LIB_AUTO_DEGREE ? { degree: { chosen: degree, automatic: true } } : {}) },
    settings,
  };
  return { json, outcome, forced, modelStored: (flags & F_MODEL_STORED) !== 0, terms, grid, reconCrc };
}

/** The residual quantiser's bound b′ as v3 stores it: 0 = the header bound, 1 = b − outputSlack(b), 2 = f64 follows. */
export function residualBoundCode(headerBound: number | null, b: number): number {
  if (headerBound !== null && Object.is(b, headerBound)) return 0;
  if (headerBound !== null && Object.is(b, headerBound - outputSlack(headerBound))) return 1;
  return 2;
}

// ---- model ----

const KIND_POLY = 0;
const KIND_SIN = 1;
const KIND_COS = 2;

function writeTermList(w: ByteWriter, terms: readonly LibraryTerm[], r: number): void {
  w.varuint(terms.length);
  for (const t of terms) {
    if (t.kind === 'poly') {
      w.u8(KIND_POLY);
      for (let i = 0; i < r; i++) w.u8(t.powers[i] ?? 0);
    } else {
      w.u8(t.kind === 'sin' ? KIND_SIN : KIND_COS);
      w.varuint(t.variable);
      w.f64(t.frequency);
    }
  }
}

function readTermList(r: ByteReader, rank: number): LibraryTerm[] {
  const K = r.count(LIMITS.terms, 'term count');
  r.need(K);
  const terms: LibraryTerm[] = [];
  for (let k = 0; k < K; k++) {
    const kind = r.u8();
    if (kind === KIND_POLY) terms.push({ kind: 'poly', powers: Array.from(r.take(rank)) });
    else if (kind === KIND_SIN || kind === KIND_COS) {
      const variable = r.varuint();
      if (variable >= rank) r.fail(`term ${k} uses coordinate ${variable} of ${rank}`);
      terms.push({ kind: kind === KIND_SIN ? 'sin' : 'cos', variable, frequency: r.finite('frequency') });
    } else r.fail(`unknown term kind ${kind}`);
  }
  return terms;
}

/** MODL v3: u8 sub-steps, u8 packing (bit 0: f64 coefficients, bit 1: brotli), then nnz × (gap, value). */
export function writeModelV3(model: StoredModel, substeps: number): Uint8Array {
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
  const w = new ByteWriter();
  w.u8(substeps);
  if (packed && packed.length + 4 < raw.length) {
    w.u8((single ? 0 : 1) | 2);
    w.varuint(raw.length);
    w.bytes(packed);
  } else {
    w.u8(single ? 0 : 1);
    w.bytes(raw);
  }
  return w.finish();
}

export function readModelV3(outer: ByteReader, terms: LibraryTerm[], rank: number): { model: StoredModel; substeps: number } {
  const substeps = outer.u8();
  if (substeps < 1) outer.fail('0 integration sub-steps');
  const packing = outer.u8();
  if (packing > 3) outer.fail(`unknown model packing ${packing}`);
  let r = outer;
  if (packing & 2) {
    const len = outer.count(LIMITS.headerJson, 'model size');
    r = new ByteReader(unbrotli(outer.take(outer.remaining), len, 'model'), 'model', outer.base);
  }
  return { model: { r: rank, terms, coefficients: readCoefficients(r, terms.length * rank, packing & 1 ? 8 : 4) }, substeps };
}

function readCoefficients(r: ByteReader, total: number, prec: number): Float64Array {
  const nnz = r.count(total, 'non-zero count');
  r.need(nnz * (prec + 1));
  const coefficients = new Float64Array(total);
  let idx = -1;
  for (let q = 0; q < nnz; q++) {
    idx += r.varuint() + 1;
    if (idx >= total) r.fail('coefficient index out of range');
    const v = prec === 4 ? r.f32() : r.f64();
    if (!Number.isFinite(v) || v === 0) r.fail('non-finite or zero coefficient');
    coefficients[idx] = v;
  }
  r.end();
  return coefficients;
}
