// What the model view plots, computed in the worker from a decoded model: downsampled series (LTTB),
// the singular value spectrum, Ξ heat-map cells, model error over time with window boundaries, and a
// phase portrait. Output is plain JSON-safe data (see src/protocol/webview.ts).
import type { ModelInfo, ModelSummary, ModelViewData, PlotSeries } from '../protocol/webview';
import { countActive, type LibrarySpec, type SparseModel } from './model';
import { lttbIndices, mergeIndices, pick, strideIndices } from './downsample';
import { decodeWsindy, type WsindyHeader } from './codec/decode';
import { readContainer, sectionReader } from './codec/container';
import { readBasis } from './codec/basis';
import { modelFromHeader } from './modelFromHeader';
import { equationsLatex, equationsPython, equationsText } from './equations';
import { noProgress, type ProgressSink } from './progress';

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
function project(data: ArrayLike<number>[], mean: ArrayLike<number>, modes: ArrayLike<number>, r: number): Float64Array[] {
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

export function buildViewDataFrom(src: ViewSource, maxPoints: number): ModelViewData {
  const points = Math.max(16, Math.floor(maxPoints));
  const m = src.time.length;
  const n = src.data.length;
  const r = src.model.stateNames.length;

  // Reduced coordinates: data projected vs the integrated states; without POD, the variables themselves.
  let coordData: ArrayLike<number>[];
  if (src.pod === null) coordData = src.data;
  else if (src.pod.mean && src.pod.modes) coordData = project(src.data, src.pod.mean, src.pod.modes, r);
  else coordData = src.states;
  const coordinates = src.model.stateNames.map((name, j) => pairSeries(name, src.time, coordData[j], src.states[j], points));

  // Variables for the dropdown: all, or an even subset within the budget.
  const maxVars = Math.max(1, Math.floor(VARIABLE_POINT_BUDGET / points));
  const variableIndices = n <= maxVars ? Array.from({ length: n }, (_, i) => i) : [...strideIndices(n, maxVars)];
  const variables = variableIndices.map((i) => pairSeries(src.names[i], src.time, src.data[i], src.prediction[i], points));

  // Model error over time: worst variable at each step, then LTTB (keeps the spikes that matter).
  const err = new Float64Array(m);
  let maxErr = 0;
  for (let i = 0; i < n; i++) {
    const x = src.data[i];
    const p = src.prediction[i];
    for (let k = 0; k < m; k++) {
      const e = Math.abs(x[k] - p[k]);
      // A blown-up prediction (NaN) counts as unbounded error, drawn as a gap.
      if (!(e <= err[k])) err[k] = e;
    }
  }
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

/** Decode a `.wsindy` file and build everything the model view plots (runs in the worker). */
export function buildModelViewData(bytes: Uint8Array, maxPoints: number, progress: ProgressSink = noProgress): ModelViewData {
  const d = decodeWsindy(bytes, progress);
  const h = d.header;
  let pod: ViewSource['pod'] = null;
  if (h.pod) {
    // The decoder keeps the basis to itself; the data's own coordinates need it, so read that section again
    // (decodeWsindy has already checked the whole file).
    const { sections } = readContainer(bytes, new Set(['BASI']));
    const s = sections.get('BASI');
    const basis = s ? readBasis(sectionReader(s), h.n, h.stateNames.length) : null;
    pod = { rank: h.pod.rank, energy: h.pod.energy, singularValues: h.pod.singularValues, mean: basis?.mean, modes: basis?.modes };
  }
  return buildViewDataFrom(
    {
      names: h.names,
      time: d.dataset.time,
      data: d.dataset.series,
      prediction: d.prediction,
      states: d.states,
      pod,
      model: modelFromHeader(h),
      windowStarts: d.windowStarts,
      bound: h.bound,
    },
    maxPoints,
  );
}

export function describeLibrary(lib: LibrarySpec): string {
  const parts = [`polynomials up to degree ${lib.degree}${lib.constant ? ' with a constant' : ''}`];
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
    library: describeLibrary(h.library),
    activeTerms: countActive(model),
    totalTerms: h.termNames.length,
    windows: h.windows,
  };
  return {
    summary,
    equations: model.stateNames.map((state, j) => ({ state, latex: latex[j], text: text[j] })),
    sources: { latex: latex.join('\n'), text: text.join('\n'), python: equationsPython(model, digits) },
  };
}
