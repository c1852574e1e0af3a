// Compression options: one definition shared by the CLI, the worker and the extension settings.
import type { ModelOutcome } from './model';

export type CompressionMode = 'error-bounded' | 'model-only';

export interface CompressOptions {
  /** Layout of the CSV: detect, or force rows = variables / columns = variables. */
  layout: 'auto' | 'rows' | 'columns';
  /** Name of the time column (columns layout); undefined = detect. */
  timeColumn?: string;
  /** Time step when the file has no time column (default 1). */
  dt?: number;
  /** Leading lines starting with this (as well as '#') are comments, kept verbatim; undefined = '#' only. */
  commentPrefix?: string;
  /** Decimal separator: 'auto' (',' with ';' or tab delimiters and commas in numbers), '.' or ','. */
  decimal: 'auto' | '.' | ',';
  /** Polynomial degree of the library, or 'auto' (chosen from the data; sindy/degree.ts). */
  degree: number | 'auto';
  /** Add sin/cos terms to the library. */
  trig: boolean;
  /** STLSQ threshold, or 'auto' (MSTLS sweep). */
  threshold: number | 'auto';
  /** POD rank, or 'auto' (by captured energy). */
  rank: number | 'auto';
  /** Energy fraction the automatic rank must capture. */
  energy: number;
  mode: CompressionMode;
  /** Pointwise bound relative to the data range: bound = tolerance × (max − min over all values), as SZ and zfp use. */
  tolerance: number;
  /** Absolute pointwise bound; overrides tolerance when set. */
  absError?: number;
  /** Test-function overrides (undefined = chosen from the data). */
  testFunctions?: { count?: number; halfWidth?: number; exponent?: number };
  /**
   * Streaming pipeline (memory independent of the number of time steps; data staged in a temporary file):
   * 'on', 'off', or 'auto' = on for CSV files larger than streamingAboveMB.
   */
  streaming: 'auto' | 'on' | 'off';
  /** CSV size (MB) above which 'auto' streams. */
  streamingAboveMB: number;
  /**
   * Experts: keep the identified model in the file (and report it as equations) even when no window uses
   * it, and let the fit run in full (`--force-model`, setting `wsindy.forceModel`). Unset = false.
   */
  forceModel?: boolean;
}

export const DEFAULT_COMPRESS_OPTIONS: CompressOptions = {
  layout: 'auto',
  decimal: 'auto',
  degree: 'auto',
  trig: false,
  threshold: 'auto',
  rank: 'auto',
  energy: 0.999999,
  mode: 'error-bounded',
  tolerance: 1e-3,
  streaming: 'auto',
  streamingAboveMB: 1024,
};

/** Whether a CSV of this many bytes is compressed by the streaming pipeline. */
export function useStreaming(options: Pick<CompressOptions, 'streaming' | 'streamingAboveMB'>, csvBytes: number): boolean {
  if (options.streaming === 'on') return true;
  if (options.streaming === 'off') return false;
  return csvBytes > options.streamingAboveMB * 1024 * 1024;
}

/** What a finished compression reports. */
export interface CompressSummary {
  outPath: string;
  sourceBytes: number;
  fileBytes: number;
  /** CSV bytes / file bytes. */
  ratioVsCsv: number;
  /** n·m·8 / file bytes. */
  ratioVsFloat64: number;
  mode: CompressionMode;
  /** Absolute pointwise bound (error-bounded), or null (model-only). */
  bound: number | null;
  /** Largest |x − x̂| over all values, and the same divided by the data range (max − min). */
  maxError: number;
  maxRelativeError: number;
  n: number;
  m: number;
  pod: boolean;
  rank: number;
  /** Equations as plain text, one per state; empty unless the outcome is sparse equations (or the model was forced). */
  equations: string[];
  /** Sparse equations, a dense predictor, or no model, with the reason (as recorded in the file). */
  outcome: ModelOutcome;
  /** The outcome as one sentence, e.g. "No governing equations found: no window uses the model". */
  outcomeText: string;
  /** Seconds spent in each phase. */
  timings: Record<string, number>;
  /** Whether the streaming pipeline ran (then the file is in segments of this many steps, else null). */
  streaming: boolean;
  segmentLength: number | null;
}

export interface ReconstructSummary {
  outPath: string;
  n: number;
  m: number;
  bytesWritten: number;
}
