// The descriptive header (section HEAD: brotli-compressed JSON) and the model section (MODL: binary
// terms + sparse coefficients). Together they are everything the model view needs, so
// `readWsindyHeader` reads only these two small sections.
import { FormatError } from '../errors';
import type { CompressionMode } from '../options';
import type { Delimiter, SourceFormat } from '../dataset';
import type { FitDiagnostics, LibrarySpec, LibraryTerm, ModelOutcome, SparseModel } from '../model';
import { ByteReader, ByteWriter } from './bytes';
import { brotli, unbrotli } from './floatPack';
import { exponentOfStep } from '../csv/outputStep';
import type { StoredModel } from './predictor';
import type { TimeSummary } from './timeGrid';

/** Hard limits a reader enforces before allocating anything sized by the file. */
export const LIMITS = {
  n: 1 << 20,
  m: 2 ** 31,
  values: 2 ** 28,
  rank: 4096,
  terms: 1 << 16,
  headerJson: 1 << 24,
};

export interface WsindyHeader {
  formatVersion: number;
  mode: CompressionMode;
  /** Absolute pointwise bound (error-bounded mode), null in model-only mode. */
  bound: number | null;
  /** Relative tolerance requested (bound = tolerance × range unless absError was given). */
  tolerance: number;
  absError: number | null;
  /**
   * Optional (error-bounded files with bound > 0, absent in older files): the decimal step 10^k the
   * reconstruction is printed at. The residual is then quantised with a smaller bound b' (stored in RESI),
   * and outputStep / 2 ≤ bound − b', so every printed value, rounded to a multiple of outputStep, is within
   * `bound` of the source. Absent: values are printed with full round-trip digits, within `bound`.
   */
  outputStep?: number;
  /**
   * Present in files written by the streaming coder (format v2): the data are coded in consecutive
   * segments of this many steps (the last one shorter), each in its own SEGM section.
   */
  segmentLength?: number;
  /** max − min over all values of the source. */
  range: number;
  n: number;
  m: number;
  names: string[];
  stateNames: string[];
  pod: { rank: number; energy: number; singularValues: number[] } | null;
  library: LibrarySpec;
  terms: LibraryTerm[];
  termNames: string[];
  /** K × r row-major, exactly as stored (float32-rounded unless the file says otherwise). */
  coefficients: Float64Array;
  /** crc32: CRC-32 of the source's bytes (v1–v3; v4 does not record it). */
  source: { fileName: string; bytes: number; crc32?: number; format: SourceFormat };
  time: TimeSummary;
  /** Measured at compression time against the source. */
  errors: { max: number; maxRelative: number; rms: number };
  windows: number;
  modelWindows: number;
  diagnostics: FitDiagnostics;
  settings: Record<string, unknown>;
  /** Size of the whole file. */
  fileBytes: number;
  /** Sparse equations, a dense predictor, or no model (codec/outcome.ts); derived by its rules for files that do not record it. */
  outcome: ModelOutcome;
}

/** The JSON part (everything except the model section's binary content). */
export type HeaderJson = Omit<WsindyHeader, 'formatVersion' | 'terms' | 'coefficients' | 'fileBytes' | 'outcome'>;

// JSON has no NaN/Infinity: write them as strings, read them back only where a number is expected.
function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

export function writeHeaderJson(h: HeaderJson): Uint8Array {
  const raw = new TextEncoder().encode(JSON.stringify(h, replacer));
  const w = new ByteWriter();
  w.varuint(raw.length);
  w.bytes(brotli(raw));
  return w.finish();
}

class Json {
  constructor(private readonly path: string) {}
  fail(what: string): never {
    throw new FormatError(`corrupt section 'header': ${this.path}${what}`);
  }
  obj(v: unknown, key: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(`${key} is not an object`);
    return v as Record<string, unknown>;
  }
  num(v: unknown, key: string): number {
    if (typeof v === 'number') return v;
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
    return this.fail(`${key} is not a number`);
  }
  int(v: unknown, key: string, max: number): number {
    const x = this.num(v, key);
    if (!Number.isInteger(x) || x < 0 || x > max) this.fail(`${key} = ${x} is out of range`);
    return x;
  }
  str(v: unknown, key: string): string {
    if (typeof v !== 'string') this.fail(`${key} is not a string`);
    return v;
  }
  bool(v: unknown, key: string): boolean {
    if (typeof v !== 'boolean') this.fail(`${key} is not a boolean`);
    return v;
  }
  arr(v: unknown, key: string): unknown[] {
    if (!Array.isArray(v)) this.fail(`${key} is not an array`);
    return v;
  }
  strs(v: unknown, key: string): string[] {
    return this.arr(v, key).map((x) => this.str(x, key));
  }
  nums(v: unknown, key: string): number[] {
    return this.arr(v, key).map((x) => this.num(x, key));
  }
  orNull<T>(v: unknown, f: (x: unknown) => T): T | null {
    return v === null ? null : f(v);
  }
}

export function readHeaderJson(r: ByteReader): HeaderJson {
  const rawLen = r.count(LIMITS.headerJson, 'header size');
  const text = new TextDecoder().decode(unbrotli(r.take(r.remaining), rawLen, 'header'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FormatError("corrupt section 'header': not valid JSON");
  }
  const J: Json = new Json('');
  const o = J.obj(parsed, 'header');
  const modeText = J.str(o.mode, 'mode');
  if (modeText !== 'error-bounded' && modeText !== 'model-only') J.fail(`unknown mode ${modeText}`);
  const mode: CompressionMode = modeText;
  const n = J.int(o.n, 'n', LIMITS.n);
  const m = J.int(o.m, 'm', LIMITS.m);
  // a segmented file is decoded one segment at a time: the limit applies to a segment
  const segmentLength = o.segmentLength === undefined ? undefined : J.int(o.segmentLength, 'segmentLength', LIMITS.m);
  if (segmentLength !== undefined && !(segmentLength >= 1 && segmentLength < m)) J.fail(`segmentLength = ${segmentLength} does not split ${m} steps`);
  const perDecode = Math.min(m, segmentLength ?? m);
  if (n * perDecode > LIMITS.values) J.fail(`${n} × ${perDecode} values exceed the reader's limit`);
  const names = J.strs(o.names, 'names');
  if (names.length !== n) J.fail('names do not match n');
  const stateNames = J.strs(o.stateNames, 'stateNames');
  const podObj = J.orNull(o.pod, (v) => J.obj(v, 'pod'));
  const pod = podObj
    ? { rank: J.int(podObj.rank, 'pod.rank', LIMITS.rank), energy: J.num(podObj.energy, 'pod.energy'), singularValues: J.nums(podObj.singularValues, 'pod.singularValues') }
    : null;
  const lib = J.obj(o.library, 'library');
  const library: LibrarySpec = {
    degree: J.num(lib.degree, 'library.degree'),
    constant: J.bool(lib.constant, 'library.constant'),
    trigFrequencies: J.nums(lib.trigFrequencies, 'library.trigFrequencies'),
  };
  const src = J.obj(o.source, 'source');
  const sf = J.obj(src.format, 'source.format');
  const delimiter = J.str(sf.delimiter, 'source.delimiter');
  if (delimiter !== ',' && delimiter !== ';' && delimiter !== '\t') J.fail('bad source.delimiter');
  const layout = J.str(sf.layout, 'source.layout');
  if (layout !== 'rows' && layout !== 'columns') J.fail('bad source.layout');
  const lineEnding = J.str(sf.lineEnding, 'source.lineEnding');
  if (lineEnding !== '\n' && lineEnding !== '\r\n') J.fail('bad source.lineEnding');
  const typedLayout: SourceFormat['layout'] = layout;
  const typedEnding: SourceFormat['lineEnding'] = lineEnding;
  const format: SourceFormat = {
    layout: typedLayout,
    delimiter: delimiter as Delimiter,
    header: J.orNull(sf.header, (v) => J.strs(v, 'source.header')),
    timeColumn: J.orNull(sf.timeColumn, (v) => J.int(v, 'source.timeColumn', LIMITS.n)),
    lineEnding: typedEnding,
  };
  let outputStep: number | undefined;
  if (o.outputStep !== undefined) {
    const step = J.num(o.outputStep, 'outputStep');
    if (exponentOfStep(step) === null) J.fail(`outputStep = ${step} is not a power of ten in 1e-22 … 1e22`);
    if (mode !== 'error-bounded') J.fail('outputStep in a model-only file');
    outputStep = step;
  }
  const tm = J.obj(o.time, 'time');
  const er = J.obj(o.errors, 'errors');
  const dg = J.obj(o.diagnostics, 'diagnostics');
  const tf = J.obj(dg.testFunctions, 'diagnostics.testFunctions');
  return {
    mode,
    bound: J.orNull(o.bound, (v) => J.num(v, 'bound')),
    tolerance: J.num(o.tolerance, 'tolerance'),
    absError: J.orNull(o.absError, (v) => J.num(v, 'absError')),
    ...(outputStep !== undefined ? { outputStep } : {}),
    ...(segmentLength !== undefined ? { segmentLength } : {}),
    range: J.num(o.range, 'range'),
    n,
    m,
    names,
    stateNames,
    pod,
    library,
    termNames: J.strs(o.termNames, 'termNames'),
    source: {
      fileName: J.str(src.fileName, 'source.fileName'),
      bytes: J.num(src.bytes, 'source.bytes'),
      crc32: J.num(src.crc32, 'source.crc32'),
      format,
    },
    time: {
      t0: J.num(tm.t0, 'time.t0'),
      t1: J.num(tm.t1, 'time.t1'),
      uniform: J.bool(tm.uniform, 'time.uniform'),
      dt: J.orNull(tm.dt, (v) => J.num(v, 'time.dt')),
    },
    errors: { max: J.num(er.max, 'errors.max'), maxRelative: J.num(er.maxRelative, 'errors.maxRelative'), rms: J.num(er.rms, 'errors.rms') },
    windows: J.int(o.windows, 'windows', LIMITS.m),
    modelWindows: J.int(o.modelWindows, 'modelWindows', LIMITS.m),
    diagnostics: {
      weakResidual: J.num(dg.weakResidual, 'diagnostics.weakResidual'),
      r2: J.nums(dg.r2, 'diagnostics.r2'),
      activeTerms: J.num(dg.activeTerms, 'diagnostics.activeTerms'),
      threshold: J.num(dg.threshold, 'diagnostics.threshold'),
      testFunctions: {
        count: J.num(tf.count, 'testFunctions.count'),
        halfWidth: J.num(tf.halfWidth, 'testFunctions.halfWidth'),
        exponent: J.num(tf.exponent, 'testFunctions.exponent'),
      },
      // The flag is written since the automatic library degree; without it the degree was fixed.
      ...(dg.autoDegree === undefined ? {} : { degree: { chosen: library.degree, automatic: J.bool(dg.autoDegree, 'diagnostics.autoDegree') } }),
    },
    settings: J.obj(o.settings, 'settings'),
  };
}

const KIND_POLY = 0;
const KIND_SIN = 1;
const KIND_COS = 2;

/** Coefficients are stored as float32 when that is exact enough (flag 4) else float64 (flag 8). */
export function storeCoefficients(c: Float64Array): Float64Array {
  const f = Float64Array.from(c, Math.fround);
  const ok = c.every((v, i) => Number.isFinite(f[i]) && (v === 0 || Math.abs(f[i] - v) <= 1e-7 * Math.abs(v)));
  return ok ? f : Float64Array.from(c);
}

/** K library terms (v1 MODL, v3/v4 explicit term lists): u8 kind; poly: r × u8 powers; sin/cos: varuint variable, f64 frequency. */
export function writeTerms(w: ByteWriter, terms: readonly LibraryTerm[], r: number): void {
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

export function readTerms(r: ByteReader, K: number, rank: number): LibraryTerm[] {
  r.need(K); // at least one byte per term, before allocating
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

/**
 * The sparse coefficients to the end of the reader: varuint nnz, nnz × (varuint gap, f32|f64 value).
 * v1/v2 allow stored zeros; v3/v4 reject them (a zero is simply not listed).
 */
export function readCoefficients(r: ByteReader, total: number, prec: 4 | 8, zeros: boolean): Float64Array {
  const nnz = r.count(total, 'non-zero count');
  r.need(nnz * (prec + 1));
  const coefficients = new Float64Array(total);
  let idx = -1;
  for (let q = 0; q < nnz; q++) {
    idx += r.varuint() + 1;
    if (idx >= total) r.fail('coefficient index out of range');
    const v = prec === 4 ? r.f32() : r.f64();
    if (!Number.isFinite(v) || (v === 0 && !zeros)) r.fail(zeros ? 'non-finite coefficient' : 'non-finite or zero coefficient');
    coefficients[idx] = v;
  }
  r.end();
  return coefficients;
}

export function readModel(outer: ByteReader): { model: StoredModel; substeps: number } {
  const method = outer.u8();
  let r: ByteReader;
  if (method === 1) {
    const len = outer.count(LIMITS.headerJson, 'model size');
    r = new ByteReader(unbrotli(outer.take(outer.remaining), len, 'model'), 'model', outer.base);
  } else if (method === 0) {
    r = new ByteReader(outer.take(outer.remaining), 'model', outer.base + outer.pos);
  } else {
    return outer.fail(`unknown model packing ${method}`);
  }
  const rank = r.count(LIMITS.rank, 'rank');
  const K = r.count(LIMITS.terms, 'term count');
  if (rank < 1) r.fail('rank 0');
  const substeps = r.u8();
  if (substeps < 1) r.fail('0 integration sub-steps');
  const terms = readTerms(r, K, rank);
  const prec = r.u8();
  if (prec !== 4 && prec !== 8) r.fail(`coefficient precision ${prec}`);
  return { model: { r: rank, terms, coefficients: readCoefficients(r, K * rank, prec, true) }, substeps };
}

/** The SparseModel stored in a header (for the equations without decoding the heavy sections). */
export function modelFromHeader(h: WsindyHeader): SparseModel {
  return { stateNames: h.stateNames, library: h.library, terms: h.terms, termNames: h.termNames, coefficients: h.coefficients };
}
