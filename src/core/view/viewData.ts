// view/ owns what the model view plots: decoded, downsampled series and diagnostics, as JSON-safe data.
// It may import codec/, sindy/ and the shared core types, plus the webview protocol's types.
// What the model view plots, computed in the worker from a decoded model: downsampled series (LTTB),
// the singular value spectrum, Ξ heat-map cells, model error over time with window boundaries, and a
// phase portrait. Output is plain JSON-safe data (see src/protocol/webview.ts).
import type { ModelInfo, ModelSummary, ModelViewData, PlotSeries } from '../../protocol/webview';
import { countActive, type DegreeDiagnostics, type LibrarySpec, type SparseModel } from '../model';
import { lttbIndices, mergeIndices, pick, strideIndices } from './downsample';
import { decodeSegments, decodeWsindy, readWsindyHeader, type WsindyHeader } from '../codec/decode';
import { readContainer, sectionReader } from '../codec/container';
import { readBasis } from '../codec/basis';
import { modelFromHeader } from '../codec/header';
import { equationsLatex, equationsLatexTerms, equationsPython, equationsText } from '../sindy/equations';
import { outcomeText } from '../codec/outcome';
import { noProgress, type ProgressSink } from '../progress';

/** The decoded facts the plots need, independent of the container format. */
export interface ViewSource {
  /** n variable names. */
  names: string[];
  /** m time stamps. */
  time: ArrayLike<number>;
  /** n decoded series (the reconstruction: the original within the bound). */
  data: ArrayLike<number>[];
  /** n model-only series (integrated equations, no residual). */
  prediction: ArrayLike<number>[];
  /** r model states a(t) as integrated (the variables' own prediction when POD was skipped). */
  states: ArrayLike<number>[];
  /** POD basis when used: the data's reduced coordinates are its projection on the modes. */
  pod: {
    rank: number;
    energy: number;
    singularValues: ArrayLike<number>;
    /** n means and n × r column-major modes; when absent the coordinates show the states alone. */
    mean?: ArrayLike<number>;
    modes?: ArrayLike<number>;
  } | null;
  model: Pick<SparseModel, 'stateNames' | 'termNames' | 'coefficients'>;
  /** Time-step indices where integration windows start. */
  windowStarts: ArrayLike<number>;
  /** The bound (error-bounded mode), else null. */
  bound: number | null;
}

/** Cap on (plotted variables × points) so a file with thousands of variables stays small to post. */
const VARIABLE_POINT_BUDGET = 100_000;

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
/** JSON turns NaN into null anyway; doing it here keeps the type honest for the page. */
function toJson(a: ArrayLike<number>): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = finite(a[i]) as number;
  return out;
}

function pairSeries(name: string, t: ArrayLike<number>, data: ArrayLike<number>, model: ArrayLike<number>, maxPoints: number): PlotSeries {
  // Each series keeps its own features: half the budget each, indices merged on the shared axis.
  const half = Math.max(2, Math.floor(maxPoints / 2));
  const idx = mergeIndices(lttbIndices(t, data, half), lttbIndices(t, model, half));
  return { name, t: toJson(pick(t, idx)), data: toJson(pick(data, idx)), model: toJson(pick(model, idx)) };
}

/** a_j(t) = Σ_i modes[j·n + i] (x_i(t) − mean_i): the data's own reduced coordinates. */
function project(data: readonly ArrayLike<number>[], mean: ArrayLike<number>, modes: ArrayLike<number>, r: number): Float64Array[] {
  const n = data.length;
  const m = n > 0 ? data[0].length : 0;
  const out = Array.from({ length: r }, () => new Float64Array(m));
  for (let j = 0; j < r; j++) {
    const a = out[j];
    for (let i = 0; i < n; i++) {
      const w = modes[j * n + i];
      if (w === 0) continue;
      const x = data[i];
      const mu = mean[i];
      for (let k = 0; k < m; k++) a[k] += w * (x[k] - mu);
    }
  }
  return out;
}

/** What the plots are made of: O((r + plotted variables) · m), however many variables the file has. */
interface ViewSummary {
  names: string[];
  time: ArrayLike<number>;
  n: number;
  /** The data's reduced coordinates (projection on the modes; the variables without POD; else the states). */
  coordData: ArrayLike<number>[];
  states: ArrayLike<number>[];
  variableIndices: number[];
  variableData: ArrayLike<number>[];
  variablePrediction: ArrayLike<number>[];
  /** Worst |data − prediction| over the variables at each step (NaN: the model blew up there). */
  err: Float64Array;
  pod: ViewSource['pod'];
  model: ViewSource['model'];
  windowStarts: ArrayLike<number>;
  bound: number | null;
}

/** Variables for the dropdown: all, or an even subset within the budget (and at most `limit`). */
function plottedVariables(n: number, points: number, limit = Infinity): number[] {
  const maxVars = Math.max(1, Math.min(limit, Math.floor(VARIABLE_POINT_BUDGET / points)));
  return n <= maxVars ? Array.from({ length: n }, (_, i) => i) : [...strideIndices(n, maxVars)];
}

/** err[k] = max(err[k], |x[k] − p[k]|) (a blown-up prediction, NaN, counts as unbounded: drawn as a gap). */
function accumulateError(err: Float64Array, x: ArrayLike<number>, p: ArrayLike<number>, offset = 0): void {
  for (let k = 0; k < x.length; k++) {
    const e = Math.abs(x[k] - p[k]);
    if (!(e <= err[offset + k])) err[offset + k] = e;
  }
}

function summarize(src: ViewSource, points: number, maxVariables = Infinity): ViewSummary {
  const m = src.time.length;
  const n = src.data.length;
  const r = src.model.stateNames.length;
  // Reduced coordinates: data projected vs the integrated states; without POD, the variables themselves.
  let coordData: ArrayLike<number>[];
  if (src.pod === null) coordData = src.data;
  else if (src.pod.mean && src.pod.modes) coordData = project(src.data, src.pod.mean, src.pod.modes, r);
  else coordData = src.states;
  const variableIndices = plottedVariables(n, points, maxVariables);
  const err = new Float64Array(m);
  for (let i = 0; i < n; i++) accumulateError(err, src.data[i], src.prediction[i]);
  return {
    names: src.names,
    time: src.time,
    n,
    coordData,
    states: src.states,
    variableIndices,
    variableData: variableIndices.map((i) => src.data[i]),
    variablePrediction: variableIndices.map((i) => src.prediction[i]),
    err,
    pod: src.pod,
    model: src.model,
    windowStarts: src.windowStarts,
    bound: src.bound,
  };
}

/** Limits beyond the points per series: `maxVariables` caps the variables offered in the dropdown. */
export interface ViewDataLimits {
  maxVariables?: number;
}

export function buildViewDataFrom(src: ViewSource, maxPoints: number, limits: ViewDataLimits = {}): ModelViewData {
  const points = Math.max(16, Math.floor(maxPoints));
  return viewDataFromSummary(summarize(src, points, limits.maxVariables), points);
}

/** Every plotted number at 6 significant digits (far below a pixel): a third of the JSON, for notebooks. */
export function compactViewData(d: ModelViewData): ModelViewData {
  const r = (v: number): number => (v === null || !Number.isFinite(v) ? v : +v.toPrecision(6));
  const a = (xs: number[]): number[] => xs.map(r);
  const s = (p: ModelViewData['variables'][number]) => ({ ...p, t: a(p.t), data: a(p.data), model: a(p.model) });
  return {
    ...d,
    coordinates: d.coordinates.map(s),
    variables: d.variables.map(s),
    error: { t: a(d.error.t), maxAbs: a(d.error.maxAbs) },
    windowStarts: a(d.windowStarts),
    phase: d.phase ? { ...d.phase, data: { x: a(d.phase.data.x), y: a(d.phase.data.y) }, model: { x: a(d.phase.model.x), y: a(d.phase.model.y) } } : null,
  };
}

function viewDataFromSummary(src: ViewSummary, points: number): ModelViewData {
  const m = src.time.length;
  const n = src.n;
  const r = src.model.stateNames.length;
  const coordData = src.coordData;
  const coordinates = src.model.stateNames.map((name, j) => pairSeries(name, src.time, coordData[j], src.states[j], points));
  const variableIndices = src.variableIndices;
  const variables = variableIndices.map((i, k) => pairSeries(src.names[i], src.time, src.variableData[k], src.variablePrediction[k], points));

  // Model error over time: worst variable at each step, then LTTB (keeps the spikes that matter).
  const err = src.err;
  let maxErr = 0;
  for (let k = 0; k < m; k++) if (Number.isFinite(err[k]) && err[k] > maxErr) maxErr = err[k];
  const eIdx = lttbIndices(src.time, err, points);

  const windowStarts: number[] = [];
  for (let i = 0; i < src.windowStarts.length; i++) {
    const k = src.windowStarts[i];
    if (k > 0 && k < m) windowStarts.push(src.time[k]);
  }

  let spectrum: ModelViewData['spectrum'] = null;
  if (src.pod) {
    const sv = Array.from(src.pod.singularValues);
    // Only the leading singular values may have been computed (iterative POD): the total energy is
    // what the first `rank` of them capture divided by the stored captured fraction.
    let kept = 0;
    for (let i = 0; i < Math.min(src.pod.rank, sv.length); i++) kept += sv[i] * sv[i];
    const total = src.pod.energy > 0 && kept > 0 ? kept / src.pod.energy : sv.reduce((s, v) => s + v * v, 0);
    let acc = 0;
    const cumulativeEnergy = sv.map((v) => ((acc += v * v), total > 0 ? acc / total : 1));
    spectrum = { singularValues: toJson(sv), rank: src.pod.rank, energy: src.pod.energy, cumulativeEnergy };
  }

  // Ξ: only the rows with an active term, so a degree-5 library does not drown the picture.
  const terms: string[] = [];
  const cells: ModelViewData['xi']['cells'] = [];
  const K = src.model.termNames.length;
  for (let k = 0; k < K; k++) {
    let active = false;
    for (let j = 0; j < r; j++) if (src.model.coefficients[k * r + j] !== 0) active = true;
    if (!active) continue;
    const term = src.model.termNames[k];
    terms.push(term);
    for (let j = 0; j < r; j++) {
      const v = src.model.coefficients[k * r + j];
      if (v !== 0) cells.push({ term, equation: src.model.stateNames[j], value: v });
    }
  }

  let phase: ModelViewData['phase'] = null;
  if (r >= 2) {
    const idx = strideIndices(m, points);
    phase = {
      xName: src.model.stateNames[0],
      yName: src.model.stateNames[1],
      data: { x: toJson(pick(coordData[0], idx)), y: toJson(pick(coordData[1], idx)) },
      model: { x: toJson(pick(src.states[0], idx)), y: toJson(pick(src.states[1], idx)) },
    };
  }

  const band = src.bound ?? maxErr;
  return {
    m,
    maxPoints: points,
    band,
    bandLabel: src.bound !== null ? '± bound' : '± max model error',
    coordinates,
    variables,
    variableIndices,
    variableCount: n,
    error: { t: toJson(pick(src.time, eIdx)), maxAbs: toJson(pick(err, eIdx)) },
    windowStarts,
    spectrum,
    xi: { terms, equations: [...src.model.stateNames], cells, hiddenTerms: K - terms.length },
    phase,
  };
}

/** The POD part of the view: the header's spectrum and the stored basis (for the data's own coordinates). */
function viewPod(bytes: Uint8Array, h: WsindyHeader): ViewSource['pod'] {
  if (!h.pod) return null;
  const { sections } = readContainer(bytes, new Set(['BASI']));
  const s = sections.get('BASI');
  const basis = s ? readBasis(sectionReader(s), h.n, h.stateNames.length) : null;
  return { rank: h.pod.rank, energy: h.pod.energy, singularValues: h.pod.singularValues, mean: basis?.mean, modes: basis?.modes };
}

/**
 * Decode a `.wsindy` file and build everything the model view plots (runs in the worker). A segmented
 * file (streaming coder, any size) is decoded segment by segment into the summary, so memory is
 * O((r + plotted variables) · m), never n × m.
 */
export function buildModelViewData(bytes: Uint8Array, maxPoints: number, progress: ProgressSink = noProgress, limits: ViewDataLimits = {}): ModelViewData {
  const points = Math.max(16, Math.floor(maxPoints));
  const h = readWsindyHeader(bytes);
  if (h.segmentLength !== undefined) return viewDataFromSummary(summarizeSegments(bytes, h, points, progress, limits.maxVariables), points);
  const d = decodeWsindy(bytes, progress);
  return buildViewDataFrom(
    {
      names: h.names,
      time: d.dataset.time,
      data: d.dataset.series,
      prediction: d.prediction,
      states: d.states,
      // The decoder keeps the basis to itself; the data's own coordinates need it (the file is checked).
      pod: viewPod(bytes, h),
      model: modelFromHeader(h),
      windowStarts: d.windowStarts,
      bound: h.bound,
    },
    points,
    limits,
  );
}

function summarizeSegments(bytes: Uint8Array, h: WsindyHeader, points: number, progress: ProgressSink, maxVariables = Infinity): ViewSummary {
  const { n, m } = h;
  const r = h.stateNames.length;
  const pod = viewPod(bytes, h);
  const variableIndices = plottedVariables(n, points, maxVariables);
  const variableData = variableIndices.map(() => new Float64Array(m));
  const variablePrediction = variableIndices.map(() => new Float64Array(m));
  const states = Array.from({ length: r }, () => new Float64Array(m));
  // without POD the coordinates are the variables (n = r ≤ a few); with it, the projection or the states
  const coordData = pod && !(pod.mean && pod.modes) ? states : Array.from({ length: r }, () => new Float64Array(m));
  const err = new Float64Array(m);
  const windowStarts: number[] = [];
  const time = new Float64Array(m);
  for (const { j0, rows, time: segmentTime, model } of decodeSegments(bytes, true, progress)) {
    if (!model) throw new RangeError('summarizeSegments: the decoder gave no model side');
    time.set(segmentTime, j0);
    variableIndices.forEach((i, k) => {
      variableData[k].set(rows[i], j0);
      variablePrediction[k].set(model.prediction[i], j0);
    });
    model.states.forEach((s, e) => states[e].set(s, j0));
    for (let i = 0; i < n; i++) accumulateError(err, rows[i], model.prediction[i], j0);
    if (!pod) rows.forEach((x, e) => coordData[e].set(x, j0));
    else if (pod.mean && pod.modes) project(rows, pod.mean, pod.modes, r).forEach((a, e) => coordData[e].set(a, j0));
    for (const w of model.windowStarts) windowStarts.push(w + j0);
  }
  return { names: h.names, time, n, coordData, states, variableIndices, variableData, variablePrediction, err, pod, model: modelFromHeader(h), windowStarts, bound: h.bound };
}

export function describeLibrary(lib: LibrarySpec, degree?: DegreeDiagnostics): string {
  const how = degree?.automatic ? ' (degree chosen from the data)' : '';
  const parts = [`polynomials up to degree ${lib.degree}${lib.constant ? ' with a constant' : ''}${how}`];
  if (lib.trigFrequencies.length) parts.push(`sin/cos at frequencies ${lib.trigFrequencies.join(', ')}`);
  return parts.join('; ');
}

/** Summary and equations from the header alone: cheap, shown before the plots (runs on the host). */
export function buildModelInfo(h: WsindyHeader, fileName: string, sigDigits = 4): ModelInfo {
  const model: SparseModel = modelFromHeader(h);
  const digits = Math.min(17, Math.max(1, Math.round(sigDigits)));
  const latex = equationsLatex(model, digits);
  const text = equationsText(model, digits);
  const summary: ModelSummary = {
    fileName,
    fileBytes: h.fileBytes,
    sourceFile: h.source.fileName || null,
    sourceBytes: h.source.bytes > 0 ? h.source.bytes : null,
    n: h.n,
    m: h.m,
    timeStart: h.time.t0,
    timeEnd: h.time.t1,
    mode: h.mode,
    bound: h.bound,
    ratioVsCsv: h.source.bytes > 0 ? h.source.bytes / h.fileBytes : null,
    ratioVsFloat64: (h.n * h.m * 8) / h.fileBytes,
    maxError: Number.isFinite(h.errors.max) ? h.errors.max : null,
    rmsError: Number.isFinite(h.errors.rms) ? h.errors.rms : null,
    pod: h.pod ? { rank: h.pod.rank, energy: h.pod.energy } : null,
    library: describeLibrary(h.library, h.diagnostics.degree),
    activeTerms: countActive(model),
    totalTerms: h.termNames.length,
    windows: h.windows,
  };
  const pieces = equationsLatexTerms(model, digits);
  return {
    summary,
    outcome: h.outcome,
    outcomeText: outcomeText(h.outcome, h.modelWindows, h.windows),
    equations: model.stateNames.map((state, j) => ({ state, latex: latex[j], text: text[j], lhs: pieces[j].lhs, terms: pieces[j].terms })),
    sources: { latex: latex.join('\n'), text: text.join('\n'), python: equationsPython(model, digits) },
  };
}
