// worker_threads entry (bundled as dist/worker.js): runs one core job per worker, off the extension
// host thread. The host posts one WorkerRequest; the worker answers with progress messages and then
// exactly one `done` or `error`, and exits. Cancellation is the host terminating the thread.
import { parentPort } from 'node:worker_threads';
import { compressFile, describeModelFile, DESCRIPTION_PLOTS, reconstructFile } from '../core/api';
import { serializeError, WsindyError } from '../core/errors';
import type { ProgressEvent, ProgressSink } from '../core/progress';
import type { WorkerRequest, WorkerResponse, WorkerResult } from '../protocol/worker';
import { runViewData } from './viewDataJob';

/** Minimum interval between two progress posts of the same phase (ms). */
const PROGRESS_INTERVAL_MS = 50;

function post(port: NonNullable<typeof parentPort>, msg: WorkerResponse): void {
  port.postMessage(msg);
}

/** Progress sink that forwards phase changes and completions at once and throttles the rest. */
export function throttledProgress(send: (e: ProgressEvent) => void, intervalMs = PROGRESS_INTERVAL_MS): ProgressSink {
  let lastPhase: string | undefined;
  let lastTime = 0;
  return (e) => {
    const now = Date.now();
    if (e.phase !== lastPhase || e.fraction >= 1 || now - lastTime >= intervalMs) {
      lastPhase = e.phase;
      lastTime = now;
      send({ phase: e.phase, fraction: Math.min(1, Math.max(0, e.fraction)), message: e.message });
    }
  };
}

export async function runJob(req: WorkerRequest, progress: ProgressSink): Promise<WorkerResult> {
  switch (req.kind) {
    case 'compress':
      return { kind: 'compress', summary: await compressFile(req.csvPath, req.outPath, req.options, progress, undefined, { tempDir: req.scratchDir }) };
    case 'reconstruct':
      return { kind: 'reconstruct', summary: await reconstructFile(req.modelPath, req.outPath, progress, undefined, req.scratchDir) };
    case 'viewData':
      return { kind: 'viewData', data: await runViewData(req.modelPath, req.maxPoints, progress) };
    case 'describe':
      return { kind: 'describe', description: await describeModelFile(req.modelPath, { equations: req.equations === true, ...(req.plots ? { plots: DESCRIPTION_PLOTS, progress } : {}) }) };
    default: {
      const unknown: { kind?: unknown } = req;
      throw new WsindyError('E_PROTOCOL', `Unknown job kind ${JSON.stringify(unknown.kind)}`);
    }
  }
}

function isRequest(v: unknown): v is WorkerRequest {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { kind?: unknown; id?: unknown };
  return typeof r.id === 'number' && (r.kind === 'compress' || r.kind === 'reconstruct' || r.kind === 'viewData' || r.kind === 'describe');
}

const port = parentPort;
if (port) {
  port.once('message', (msg: unknown) => {
    if (!isRequest(msg)) {
      const id = typeof msg === 'object' && msg !== null && typeof (msg as { id?: unknown }).id === 'number' ? (msg as { id: number }).id : -1;
      post(port, { kind: 'error', id, error: { code: 'E_PROTOCOL', message: 'Malformed job request.' } });
      port.close();
      return;
    }
    const progress = throttledProgress((p) => post(port, { kind: 'progress', id: msg.id, progress: p }));
    runJob(msg, progress).then(
      (result) => post(port, { kind: 'done', id: msg.id, result }),
      (err: unknown) => {
        const error = serializeError(err);
        const detail = error.code === 'E_INTERNAL' && err instanceof Error ? err.stack : undefined;
        post(port, { kind: 'error', id: msg.id, error, detail });
      },
    ).finally(() => port.close());
  });
}
