// Messages between the extension host and the compression worker (worker_threads).
// One union per direction; every request carries an id that its responses echo.
import type { CompressOptions, CompressSummary, ReconstructSummary } from '../core/options';
import type { ProgressEvent } from '../core/progress';
import type { SerializedError } from '../core/errors';
import type { ModelViewData } from './webview';
import type { ModelDescription } from '../core/api';

export interface CompressRequest {
  kind: 'compress';
  id: number;
  csvPath: string;
  outPath: string;
  options: CompressOptions;
  /** A directory of the job's own for temporary data (the host removes it when the job ends, however it ends). */
  scratchDir?: string;
}

export interface ReconstructRequest {
  kind: 'reconstruct';
  id: number;
  modelPath: string;
  outPath: string;
  /** As for compress. */
  scratchDir?: string;
}

/** Everything the model view plots, computed off the host thread. */
export interface ViewDataRequest {
  kind: 'viewData';
  id: number;
  modelPath: string;
  /** Points per plotted series after downsampling. */
  maxPoints: number;
}

/** `wsindy info --json [--plots]` of a model (the notebook kernel's outputs). */
export interface DescribeRequest {
  kind: 'describe';
  id: number;
  modelPath: string;
  /** Also the downsampled plot series. */
  plots: boolean;
  /** The equations of a dense model or none too (`info --equations`). */
  equations?: boolean;
}

export type WorkerRequest = CompressRequest | ReconstructRequest | ViewDataRequest | DescribeRequest;

export interface ProgressMessage {
  kind: 'progress';
  id: number;
  progress: ProgressEvent;
}

export type WorkerResult =
  | { kind: 'compress'; summary: CompressSummary }
  | { kind: 'reconstruct'; summary: ReconstructSummary }
  | { kind: 'viewData'; data: ModelViewData }
  | { kind: 'describe'; description: ModelDescription };

export interface DoneMessage {
  kind: 'done';
  id: number;
  result: WorkerResult;
}

export interface ErrorMessage {
  kind: 'error';
  id: number;
  error: SerializedError;
  /** Stack trace of an unexpected (internal) error, for the output channel only. */
  detail?: string;
}

export type WorkerResponse = ProgressMessage | DoneMessage | ErrorMessage;
