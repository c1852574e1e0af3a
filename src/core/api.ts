// The engine's front door: whole jobs on files, used by the CLI and the worker.
// (Orchestration lands once CSV reading, identification and the codec are in.)
import type { CompressOptions, CompressSummary, ReconstructSummary } from './options';
import type { ProgressSink } from './progress';
import { WsindyError } from './errors';

/** Read a CSV, identify its dynamics, write a `.wsindy` file atomically to outPath. */
export async function compressFile(
  _csvPath: string,
  _outPath: string,
  _options: CompressOptions,
  _progress: ProgressSink,
  _signal?: AbortSignal,
): Promise<CompressSummary> {
  throw new WsindyError('E_UNAVAILABLE', 'compression engine not built yet');
}

/** Decode a `.wsindy` file and write the CSV in its source layout, atomically, to outPath. */
export async function reconstructFile(
  _modelPath: string,
  _outPath: string,
  _progress: ProgressSink,
  _signal?: AbortSignal,
): Promise<ReconstructSummary> {
  throw new WsindyError('E_UNAVAILABLE', 'reconstruction not built yet');
}
