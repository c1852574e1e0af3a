// Decoder: parse and check every section, rerun the stored model window by window, add the residual,
// verify the prediction and reconstruction checksums. Any unexpected exception becomes a FormatError.
import type { Dataset } from '../dataset';
import { FormatError, WsindyError } from '../errors';
import { noProgress, type ProgressSink } from '../progress';
import { readBasis } from './basis';
import { readContainer, requireSection, sectionReader, type Section, type SectionTag } from './container';
import { crc32 } from './crc32';
import { LIMITS, readHeaderJson, readModel, type WsindyHeader } from './header';
import { predictAll, predictRow, type StoredBasis, type StoredModel, type Window } from './predictor';
import { interpolateDecode, isTwoD } from './interpolation';
import { interpolate3dDecode, isThreeD } from './interpolation3d';
import { GRID_PREDICTOR, readResidual, readUnpredictable } from './residual';
import { gridTimes, readTimeGrid } from './timeGrid';
import { readSourceExtras } from './sourceExtras';
import type { SourceExtras } from '../dataset';
import { readWindows, windowsFromV3, windowsFromV4 } from './windows';
import { readHeaderV3, readModelV3, type HeaderV3 } from './headerV3';
import { outputSlack } from '../csv/outputStep';
import { ByteReader } from './bytes';
import { decideOutcome } from './outcome';

export type { WsindyHeader } from './header';

export interface DecodeResult {
  header: WsindyHeader;
  /** The reconstruction, with the source's names, time stamps and CSV layout. */
  dataset: Dataset;
  /** Model-only prediction n × m (NaN inside windows that carry no model), lifted on first access. */
  prediction: Float64Array[];
  /** Reduced coordinates of the prediction r × m (NaN inside windows that carry no model). */
  states: Float64Array[];
  windowStarts: number[];
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WsindyError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new FormatError(`corrupt file: ${msg}`);
  }
}

interface ParsedHeader {
  header: WsindyHeader;
  model: StoredModel;
  substeps: number;
  /** v3 only: what the compact header adds (time grid, reconstruction CRC). */
  v3: HeaderV3 | null;
}

function parseHeaderV3(sections: Map<SectionTag, Section>, fileBytes: number, version: 3 | 4): ParsedHeader {
  const head = sectionReader(requireSection(sections, 'HEAD'));
  const v3 = readHeaderV3(head, version);
  head.end();
  const { json } = v3;
  const rank = json.stateNames.length;
  const modl = sections.get('MODL');
  if (v3.modelStored !== (modl !== undefined)) throw new FormatError(`corrupt file: the header says the model is ${v3.modelStored ? '' : 'not '}stored`);
  if (!modl && json.modelWindows > 0) throw new FormatError('corrupt file: model windows without a model');
  const { model, substeps } = modl
    ? readModelV3(sectionReader(modl), v3.terms, rank, version)
    : { model: { r: rank, terms: v3.terms, coefficients: new Float64Array(v3.terms.length * rank) }, substeps: 1 };
  const header: WsindyHeader = { ...json, formatVersion: version, terms: model.terms, coefficients: model.coefficients, fileBytes, outcome: v3.outcome };
  return { header, model, substeps, v3 };
}

function parseHeader(sections: Map<SectionTag, Section>, version: number, fileBytes: number): ParsedHeader {
  if (version >= 3) return parseHeaderV3(sections, fileBytes, version >= 4 ? 4 : 3);
  const json = readHeaderJson(sectionReader(requireSection(sections, 'HEAD')));
  const { model, substeps } = readModel(sectionReader(requireSection(sections, 'MODL')));
  if (model.r !== json.stateNames.length) throw new FormatError(`corrupt file: model has ${model.r} states, header names ${json.stateNames.length}`);
  if (model.terms.length !== json.termNames.length) throw new FormatError(`corrupt file: model has ${model.terms.length} terms, header names ${json.termNames.length}`);
  if ((version >= 2) !== (json.segmentLength !== undefined)) throw new FormatError(`corrupt file: a version ${version} file ${version >= 2 ? 'without' : 'with'} segments`);
  if (json.pod === null && model.r !== json.n) throw new FormatError('corrupt file: a model without POD must have one state per variable');
  let activeTerms = 0;
  for (const c of model.coefficients) if (c !== 0) activeTerms++;
  // v1/v2 files do not record the outcome: the same rules the writer applies, on what the header says
  const outcome = decideOutcome({ equations: model.r, activeTerms, windows: json.windows, modelWindows: json.modelWindows });
  const header: WsindyHeader = { ...json, formatVersion: version, terms: model.terms, coefficients: model.coefficients, fileBytes, outcome };
  return { header, model, substeps, v3: null };
}

/** Header and model only (the heavy sections are not even checksummed): for showing equations fast. */
export function readWsindyHeader(bytes: Uint8Array): WsindyHeader {
  return guard(() => {
    const { version, sections } = readContainer(bytes, new Set<SectionTag>(['HEAD', 'MODL']));
    return parseHeader(sections, version, bytes.length).header;
  });
}


/** Everything a span of steps is decoded with. */
interface Decoder {
  header: WsindyHeader;
  model: StoredModel;
  basis: StoredBasis | null;
  substeps: number;
  time: Float64Array;
  residualBound: number | null;
  /** From the SRCX section, when the source had extras. */
  extras?: SourceExtras;
  /** v3: RESI may name an interpolation predictor. */
  predictors: boolean;
}

/** The coded sections of one span of steps: the whole file (v1) or one segment (v2). */
interface CodedSpan {
  j0: number;
  m: number;
  WIND: Section;
  RESI: Section | null;
  UNPR: Section | null;
  /** null in v3/v4 (the reconstruction CRC is the one check of the decoding). */
  predCrc: number | null;
  /** null: a v4 file whose prediction is IEEE-exact arithmetic only (nothing a platform can change; the file CRC covers the bytes). */
  reconCrc: number | null;
}

function openFile(bytes: Uint8Array): { dec: Decoder; spans: CodedSpan[] } {
  const { version, sections, segments } = readContainer(bytes);
  const { header, model, substeps, v3 } = parseHeader(sections, version, bytes.length);
  const { n, m } = header;
  let time: Float64Array;
  if (v3) {
    const ts = sections.get('TIME');
    time = gridTimes(v3.grid, m, ts ? sectionReader(ts) : null);
  } else {
    const tr = sectionReader(requireSection(sections, 'TIME'));
    time = readTimeGrid(tr, m).time;
    tr.end();
  }
  const basisSection = sections.get('BASI');
  if ((header.pod !== null) !== (basisSection !== undefined)) throw new FormatError('corrupt file: basis section does not match the header');
  const basis = basisSection ? readBasis(sectionReader(basisSection), n, model.r) : null;
  const bounded = header.mode === 'error-bounded';
  const spans = v3
    ? spansV3(header, v3, sections, segments)
    : header.segmentLength === undefined
      ? wholeSpan(sections, m, bounded)
      : segmentSpans(sections, segments, header.segmentLength, m, bounded);
  // with an output step the residual carries b' < b, leaving room for rounding to the step
  let residualBound: number | null = null;
  for (const span of spans) {
    if (!span.RESI) continue;
    const b = residualBoundOf(span.RESI);
    if (residualBound !== null && b !== residualBound) throw new FormatError('corrupt file: segments with different residual bounds');
    residualBound = b;
  }
  if (residualBound !== null) {
    const step = header.outputStep;
    const ok = step === undefined ? header.bound === residualBound : header.bound !== null && residualBound < header.bound && step / 2 <= header.bound - residualBound;
    if (!ok) throw new FormatError('corrupt file: residual bound does not match the header');
  }
  const srcx = sections.get('SRCX');
  const extras = srcx ? readSourceExtras(sectionReader(srcx), n, m, header.source.format.layout) : undefined;
  return { dec: { header, model, basis, substeps, time, residualBound, predictors: version >= 3, ...(extras ? { extras } : {}) }, spans };
}

function wholeSpan(sections: Map<SectionTag, Section>, m: number, bounded: boolean): CodedSpan[] {
  if (!bounded && (sections.has('RESI') || sections.has('UNPR'))) throw new FormatError('corrupt file: a model-only file with a residual section');
  const chk = sectionReader(requireSection(sections, 'CHEK'));
  const predCrc = chk.u32();
  const reconCrc = chk.u32();
  chk.end();
  return [{
    j0: 0,
    m,
    WIND: requireSection(sections, 'WIND'),
    RESI: bounded ? requireSection(sections, 'RESI') : null,
    UNPR: bounded ? requireSection(sections, 'UNPR') : null,
    predCrc,
    reconCrc,
  }];
}

/** v2: SEGM sections of `length` steps each (the last one the rest), in order. */
function segmentSpans(sections: Map<SectionTag, Section>, segments: Section[], length: number, m: number, bounded: boolean): CodedSpan[] {
  for (const tag of ['WIND', 'RESI', 'UNPR', 'CHEK'] as const) {
    if (sections.has(tag)) throw new FormatError(`corrupt file: a segmented file with a '${tag}' section`);
  }
  const expected = Math.ceil(m / length);
  if (segments.length !== expected) throw new FormatError(`corrupt file: ${segments.length} segments, expected ${expected} (${m} steps, ${length} per segment)`);
  return segments.map((seg, k) => {
    const r = sectionReader(seg);
    const j0 = k * length;
    const steps = r.u32();
    if (steps !== Math.min(length, m - j0)) r.fail(`segment ${k + 1} has ${steps} steps, expected ${Math.min(length, m - j0)}`);
    const part = (tag: SectionTag): Section => {
      const len = r.u32();
      const offset = seg.offset + r.pos + 0;
      return { tag, offset, payload: r.take(len) };
    };
    const WIND = part('WIND');
    const RESI = bounded ? part('RESI') : null;
    const UNPR = bounded ? part('UNPR') : null;
    const predCrc = r.u32();
    const reconCrc = r.u32();
    r.end();
    return { j0, m: steps, WIND, RESI, UNPR, predCrc, reconCrc };
  });
}

/** v3/v4: the sections in the v1 layouts the span readers parse (anchor step and residual bound back as f64). */
function spansV3(header: WsindyHeader, v3: HeaderV3, sections: Map<SectionTag, Section>, segments: Section[]): CodedSpan[] {
  const v4 = header.formatVersion >= 4;
  const bounded = header.mode === 'error-bounded';
  const hb = header.bound;
  const derived = Math.min(header.absError ?? header.tolerance * header.range, Number.MAX_VALUE / 4);
  for (const tag of ['CHEK'] as const) if (sections.has(tag)) throw new FormatError(`corrupt file: a v3 file with a '${tag}' section`);
  // v4: no code; the bound is the header's rule (b, or b − δ with an output step) unless the header says each RESI stores its own
  const ruleBound = hb === null ? null : header.outputStep !== undefined ? hb - outputSlack(hb) : hb;
  const resi = (s: Section): { section: Section; bound: number } => {
    const r = sectionReader(s);
    const code = v4 ? (v3.residualBounds ? 2 : -1) : r.u8();
    let b: number;
    if (code === -1 && ruleBound !== null) b = ruleBound;
    else if (code === 0 && hb !== null) b = hb;
    else if (code === 1 && hb !== null) b = hb - outputSlack(hb);
    else if (code === 2) b = r.finite('bound');
    else return r.fail(`unknown residual bound code ${code}`);
    const out = new Uint8Array(8 + r.remaining);
    new DataView(out.buffer).setFloat64(0, b, true);
    out.set(r.take(r.remaining), 8);
    return { section: { tag: 'RESI', offset: s.offset, payload: out }, bound: b };
  };
  const span = (j0: number, m: number, W: Section, R: Section | null, U: Section | null, reconCrc: number | null, counted = false): CodedSpan => {
    if (bounded !== (R !== null)) throw new FormatError(bounded ? "corrupt file: missing section 'residual'" : 'corrupt file: a model-only file with a residual section');
    if (!bounded && U) throw new FormatError('corrupt file: a model-only file with a residual section');
    const res = R ? resi(R) : null;
    const prec = res ? res.bound : derived;
    const payload = counted ? windowsFromV4(W.payload, prec, W.offset, header.windows, header.modelWindows) : windowsFromV3(W.payload, prec, W.offset);
    const WIND: Section = { tag: 'WIND', offset: W.offset, payload };
    const UNPR: Section | null = bounded ? (U ?? { tag: 'UNPR', offset: W.offset, payload: Uint8Array.of(0) }) : null;
    return { j0, m, WIND, RESI: res ? res.section : null, UNPR, predCrc: null, reconCrc };
  };
  const m = header.m;
  if (header.segmentLength === undefined) {
    if (segments.length > 0) throw new FormatError("corrupt file: a file without segments has a 'segment' section");
    return [span(0, m, requireSection(sections, 'WIND'), sections.get('RESI') ?? null, sections.get('UNPR') ?? null, v4 ? v3.reconCrc : (v3.reconCrc ?? 0), v4)];
  }
  for (const tag of ['WIND', 'RESI', 'UNPR'] as const) {
    if (sections.has(tag)) throw new FormatError(`corrupt file: a segmented file with a '${tag}' section`);
  }
  const length = header.segmentLength;
  const expected = Math.ceil(m / length);
  if (segments.length !== expected) throw new FormatError(`corrupt file: ${segments.length} segments, expected ${expected} (${m} steps, ${length} per segment)`);
  return segments.map((seg, k) => {
    const r = new ByteReader(seg.payload, 'segment', seg.offset);
    const j0 = k * length;
    const steps = r.varuint();
    if (steps !== Math.min(length, m - j0)) r.fail(`segment ${k + 1} has ${steps} steps, expected ${Math.min(length, m - j0)}`);
    const part = (tag: SectionTag): Section => {
      const len = r.varuint();
      const offset = seg.offset + r.pos;
      return { tag, offset, payload: r.take(len) };
    };
    const W = part('WIND');
    const R = bounded ? part('RESI') : null;
    let U = bounded ? part('UNPR') : null;
    if (U && U.payload.length === 0) U = null;
    const reconCrc = r.u32();
    r.end();
    return span(j0, steps, W, R, U, reconCrc);
  });
}

function residualBoundOf(s: Section): number {
  const r = sectionReader(s);
  const b = r.finite('bound');
  if (b < 0) r.fail('negative bound');
  return b;
}

/**
 * Decode one span into out (n rows of span.m values): rerun the model window by window, lift row by row,
 * add the residual, patch the exceptions, check both checksums. Returns the span's states and windows.
 */
function decodeSpan(dec: Decoder, span: CodedSpan, out: readonly Float64Array[], predictionOut?: readonly Float64Array[]): { states: Float64Array[]; windows: Window[] } {
  const { header, model, basis, substeps } = dec;
  const n = header.n;
  const m = span.m;
  const time = dec.time.subarray(span.j0, span.j0 + m);
  const { windows, anchorStep, corrections } = readWindows(sectionReader(span.WIND), m, model.r);
  let used = 0;
  const result = predictAll({ model, basis, n, time, substeps, anchorStep }, windows, () => corrections[used++]);
  if (result.failedWindow >= 0) {
    throw new FormatError('prediction mismatch: the model blew up where the encoder did not; this file was written on a platform whose floating-point results differ');
  }
  const residual = span.RESI ? readResidual(sectionReader(span.RESI), n, m, dec.predictors) : null;
  const p = new Float64Array(m);
  const q = new Float64Array(m);
  const predictor = residual ? residual.predictor : 0;
  const step = residual ? (predictor === GRID_PREDICTOR ? residual.grid : 2 * residual.bound) : 0;
  if (residual && isTwoD(predictor)) {
    // 2-D interpolation: all integers first, then r̂ over the whole grid (in `out`), x̂ = p + r̂ below
    for (const x of out) residual.rows.next(x);
    interpolateDecode(out, m, step, predictor);
  } else if (residual && isThreeD(predictor)) {
    // 3-D interpolation (a 2-D field, rows nx × ny): likewise the whole grid, at the stored row stride
    for (const x of out) residual.rows.next(x);
    interpolate3dDecode(out, residual.stride, m, step, predictor);
  }
  let predCrc = 0;
  for (let i = 0; i < n; i++) {
    predictRow(basis, n, result.states, windows, i, p);
    // v3/v4 spans carry no prediction checksum: not computed (one CRC pass over n·m doubles less)
    if (span.predCrc !== null) predCrc = crc32(new Uint8Array(p.buffer), predCrc);
    if (predictionOut) {
      // the model-only prediction as the view shows it: NaN where a window carries no model
      predictionOut[i].set(p);
      for (const w of windows) if (!w.model) predictionOut[i].fill(NaN, w.start, w.end);
    }
    const x = out[i];
    if (residual && (predictor === 0 || predictor === GRID_PREDICTOR)) {
      residual.rows.next(q);
      for (let j = 0; j < m; j++) x[j] = p[j] + q[j] * step;
    } else if (residual) {
      if (!isTwoD(predictor) && !isThreeD(predictor)) {
        residual.rows.next(x);
        interpolateDecode([x], m, step, predictor);
      }
      for (let j = 0; j < m; j++) x[j] = p[j] + x[j];
    } else x.set(p);
  }
  if (span.UNPR) {
    const u = readUnpredictable(sectionReader(span.UNPR), n * m);
    for (let k = 0; k < u.index.length; k++) {
      const at = u.index[k];
      out[Math.floor(at / m)][at % m] = u.values[k];
    }
  }
  let reconCrc = 0;
  for (const x of out) reconCrc = crc32(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), reconCrc);
  if (span.predCrc !== null && predCrc !== span.predCrc) {
    throw new FormatError('prediction mismatch: this file was written on a platform whose floating-point results differ');
  }
  if (span.reconCrc !== null && reconCrc !== span.reconCrc) {
    // v3 has no separate prediction check: the bytes are intact (file CRC), so the computation differs
    throw new FormatError(
      span.predCrc === null
        ? 'reconstruction checksum mismatch: the decoded data differ from what was written (this platform\'s floating-point results differ from the writer\'s)'
        : 'reconstruction checksum mismatch: the decoded data differ from what was written',
    );
  }
  return { states: result.states, windows };
}

export function decodeWsindy(bytes: Uint8Array, progress: ProgressSink = noProgress): DecodeResult {
  return guard(() => {
    progress({ phase: 'decode', fraction: 0 });
    const { dec, spans } = openFile(bytes);
    const { header, basis } = dec;
    const { n, m } = header;
    if (n * m > LIMITS.values) throw new FormatError(`${n} × ${m} values are too many to decode in memory; reconstruct to a file instead`);
    const r = dec.model.r;
    const series = Array.from({ length: n }, () => new Float64Array(m));
    const states: Float64Array[] = spans.length === 1 ? [] : Array.from({ length: r }, () => new Float64Array(m));
    const windows: Window[] = [];
    spans.forEach((span, k) => {
      const part = decodeSpan(dec, span, series.map((x) => x.subarray(span.j0, span.j0 + span.m)));
      if (spans.length === 1) states.push(...part.states);
      else part.states.forEach((s, e) => states[e].set(s, span.j0));
      for (const w of part.windows) windows.push({ start: w.start + span.j0, end: w.end + span.j0, model: w.model });
      progress({ phase: 'decode', fraction: (k + 1) / spans.length });
    });
    // the model-only prediction (NaN where a window carries no model), lifted only if someone asks
    let prediction: Float64Array[] | null = null;
    const liftPrediction = (): Float64Array[] => {
      prediction ??= Array.from({ length: n }, (_, i) => {
        const row = new Float64Array(m);
        predictRow(basis, n, states, windows, i, row, NaN);
        return row;
      });
      return prediction;
    };
    return {
      header,
      dataset: { names: header.names, series, time: dec.time, source: dec.extras ? { ...header.source.format, extras: dec.extras } : header.source.format, ...(header.outputStep !== undefined ? { decimalStep: header.outputStep } : {}) },
      get prediction() {
        return liftPrediction();
      },
      states,
      windowStarts: windows.map((w) => w.start),
    };
  });
}

/** One segment's model side: prediction rows (NaN in no-model windows), states r × steps, window starts (segment-relative). */
export interface SegmentModel {
  prediction: readonly Float64Array[];
  states: readonly Float64Array[];
  windowStarts: readonly number[];
}

/** One decoded segment: n rows of its values and its time stamps (buffers reused by the next segment). */
export interface DecodedSegment {
  j0: number;
  rows: readonly Float64Array[];
  time: Float64Array;
  /** With `withModel`: the model side. */
  model?: SegmentModel;
}

/**
 * Decode segment by segment: memory O(n · segment length) whatever m (plus the time grid). Every
 * segment is checked (both checksums) before it is yielded. A v1 file is one segment.
 */
export function* decodeSegments(bytes: Uint8Array, withModel = false, progress: ProgressSink = noProgress): Generator<DecodedSegment, WsindyHeader> {
  const { dec, spans } = guard(() => openFile(bytes));
  const n = dec.header.n;
  const longest = spans.reduce((a, s) => Math.max(a, s.m), 0);
  const buffers = Array.from({ length: n }, () => new Float64Array(longest));
  const predBuffers = withModel ? Array.from({ length: n }, () => new Float64Array(longest)) : null;
  for (let k = 0; k < spans.length; k++) {
    const span = spans[k];
    const rows = buffers.map((b) => b.subarray(0, span.m));
    const prediction = predBuffers?.map((b) => b.subarray(0, span.m));
    const part = guard(() => decodeSpan(dec, span, rows, prediction));
    const model = prediction ? { prediction, states: part.states, windowStarts: part.windows.map((w) => w.start) } : undefined;
    yield { j0: span.j0, rows, time: dec.time.subarray(span.j0, span.j0 + span.m), model };
    progress({ phase: 'decode', fraction: (k + 1) / spans.length });
  }
  return dec.header;
}

/** `decodeSegments` with an (awaited) visitor: for writers that await their output. */
export async function decodeWsindySegments(
  bytes: Uint8Array,
  visit: (j0: number, rows: readonly Float64Array[], time: Float64Array) => void | Promise<void>,
  progress: ProgressSink = noProgress,
): Promise<WsindyHeader> {
  const it = decodeSegments(bytes, false, progress);
  for (;;) {
    const next = it.next();
    if (next.done) return next.value;
    await visit(next.value.j0, next.value.rows, next.value.time);
  }
}

/** The source extras of a file (its SRCX section), or undefined; checks every section's CRC on the way. */
export function readWsindyExtras(bytes: Uint8Array): SourceExtras | undefined {
  return guard(() => openFile(bytes).dec.extras);
}
