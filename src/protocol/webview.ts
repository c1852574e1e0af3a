// Messages between the model view (webview) and the extension host, and the data the view plots.
// One union per direction. Everything here must survive JSON (VS Code serialises webview messages):
// plain arrays, no typed arrays, non-finite numbers as null.
import type { ModelOutcome } from '../core/model';

/** The plots a user can save; also the ids of their containers in the page. */
export const PLOT_IDS = ['spectrum', 'coordinates', 'variable', 'error', 'xi', 'phase'] as const;
export type PlotId = (typeof PLOT_IDS)[number];

export const COPY_FORMATS = ['latex', 'text', 'python'] as const;
export type CopyFormat = (typeof COPY_FORMATS)[number];

export type ImageFormat = 'svg' | 'png';

/** One plotted pair of series on a shared, downsampled time axis. */
export interface PlotSeries {
  name: string;
  /** Time stamps of the kept samples (LTTB over both series, merged). */
  t: number[];
  /** Decoded data: the original within the bound (error-bounded mode), else the model itself. */
  data: number[];
  /** Model only: the integrated equations, before the residual is added. */
  model: number[];
}

/** Everything the model view plots, computed off the host thread by `buildModelViewData`. */
export interface ModelViewData {
  /** Number of time steps in the file (before downsampling). */
  m: number;
  maxPoints: number;
  /** Half-width of the band drawn around the data: the bound, else the measured max error. */
  band: number;
  bandLabel: string;
  /** One per reduced coordinate (the variables themselves when POD was skipped). */
  coordinates: PlotSeries[];
  /** Variables offered in the dropdown (all of them, or an even subset when there are very many). */
  variables: PlotSeries[];
  /** Index in the source of each entry of `variables`, and the total count. */
  variableIndices: number[];
  variableCount: number;
  /** max over variables of |data − model| at each kept time step. */
  error: { t: number[]; maxAbs: number[] };
  /** Start times of the integration windows (re-anchoring points), first excluded. */
  windowStarts: number[];
  spectrum: { singularValues: number[]; rank: number; energy: number; cumulativeEnergy: number[] } | null;
  /** Ξ restricted to the terms active in at least one equation. */
  xi: { terms: string[]; equations: string[]; cells: { term: string; equation: string; value: number }[]; hiddenTerms: number };
  /** First two coordinates against each other (null with fewer than two). */
  phase: { xName: string; yName: string; data: { x: number[]; y: number[] }; model: { x: number[]; y: number[] } } | null;
}

/** Header facts for the summary table; everything optional that a file may not carry is nullable. */
export interface ModelSummary {
  fileName: string;
  fileBytes: number;
  sourceFile: string | null;
  sourceBytes: number | null;
  n: number;
  m: number;
  timeStart: number;
  timeEnd: number;
  mode: string;
  bound: number | null;
  ratioVsCsv: number | null;
  ratioVsFloat64: number;
  maxError: number | null;
  rmsError: number | null;
  pod: { rank: number; energy: number } | null;
  library: string;
  activeTerms: number;
  totalTerms: number;
  windows: number;
}

export interface EquationLine {
  state: string;
  /** KaTeX source of the whole line, e.g. `\dot{x} = -10\,x + 10\,y`. */
  latex: string;
  text: string;
  /** The same line cut per term, for folding long equations: `\dot{x}` and `['-10\,x', '+ 10\,y']`. */
  lhs?: string;
  terms?: string[];
}

export interface ModelInfo {
  summary: ModelSummary;
  /** Sparse equations, a dense predictor, or no model (core/codec/outcome.ts); absent in older hosts. */
  outcome?: ModelOutcome;
  /** The outcome as one sentence ("Dense model, 480 terms, used as predictor in 3 of 4 windows"). */
  outcomeText?: string;
  equations: EquationLine[];
  /** The three copy formats in full, also shown in the source tabs. */
  sources: Record<CopyFormat, string>;
}

// ---- host → webview ----

export interface ModelMessage {
  type: 'model';
  info: ModelInfo;
}
export interface LoadingMessage {
  type: 'loading';
}
export interface DataMessage {
  type: 'data';
  data: ModelViewData;
}
/** scope 'file': nothing can be shown (error page); 'plots': equations stay, plots show the reason. */
export interface ErrorMessage {
  type: 'error';
  scope: 'file' | 'plots';
  code: string;
  message: string;
}
/** Short status for an aria-live line: "Copied as LaTeX", "Saved …". */
export interface NoticeMessage {
  type: 'notice';
  text: string;
}

export type HostToWebview = ModelMessage | LoadingMessage | DataMessage | ErrorMessage | NoticeMessage;

// ---- webview → host (validated by the host before use) ----

export interface ReadyMessage {
  type: 'ready';
}
export interface CopyMessage {
  type: 'copy';
  format: CopyFormat;
}
/** The image bytes travel from the page; where they go is chosen by the user in a save dialog. */
export interface SavePlotMessage {
  type: 'savePlot';
  plot: PlotId;
  format: ImageFormat;
  /** SVG markup, or base64 PNG (no data: prefix). */
  data: string;
}
export interface ReconstructMessage {
  type: 'reconstruct';
}
export interface RetryMessage {
  type: 'retry';
}
/** Script errors in the page, for the host's log. */
export interface LogMessage {
  type: 'log';
  level: 'error' | 'info';
  text: string;
}

export type WebviewToHost = ReadyMessage | CopyMessage | SavePlotMessage | ReconstructMessage | RetryMessage | LogMessage;

// ---- notebook renderer → extension (renderer messaging; validated by the host before use) ----

/** The renderer holds the texts (one per output), so a copy carries it. */
export interface RendererCopyMessage {
  type: 'copy';
  format: CopyFormat;
  text: string;
}
/** As SavePlotMessage, with the model's file name for the proposed name. */
export interface RendererSavePlotMessage extends SavePlotMessage {
  model: string;
}

export type RendererToHost = RendererCopyMessage | RendererSavePlotMessage | LogMessage;

/**
 * The notebook output mime type of a model (contributes.notebookRenderer): its data is the object
 * `wsindy info --json --plots` prints; `wsindy info --bundle` prints it with its text/plain form.
 */
export const MODEL_MIME = 'application/vnd.wsindy.model+json';
