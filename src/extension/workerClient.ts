// Host side of the compression worker: one worker_threads Worker per job, typed progress, cancel by
// terminating the thread, and crash/out-of-memory/timeout reported as typed job errors.
import { Worker } from 'node:worker_threads';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type * as vscode from 'vscode';
import type { CompressOptions, CompressSummary, ReconstructSummary } from '../core/options';
import type { ProgressEvent } from '../core/progress';
import type { SerializedError } from '../core/errors';
import type { ModelViewData } from '../protocol/webview';
import type { CompressRequest, DescribeRequest, ReconstructRequest, ViewDataRequest, WorkerRequest, WorkerResponse, WorkerResult } from '../protocol/worker';
import type { ModelDescription } from '../core/api';

/** A request before the client numbers it. */
export type JobRequest = Omit<CompressRequest, 'id'> | Omit<ReconstructRequest, 'id'> | Omit<ViewDataRequest, 'id'> | Omit<DescribeRequest, 'id'>;

/** A job that failed, was cancelled or lost its worker. `error.code` is stable: E_CANCELLED,
 * E_WORKER_CRASH, E_WORKER_OOM, E_TIMEOUT, or the engine's own code (E_INPUT, E_FORMAT, …). */
export class JobError extends Error {
  constructor(
    readonly error: SerializedError,
    /** Extra detail for the output channel (stack of an internal error). */
    readonly detail?: string,
  ) {
    super(error.message);
    this.name = 'JobError';
  }
  get code(): string {
    return this.error.code;
  }
}

export interface RunOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** Cancelling terminates the worker; the job rejects with E_CANCELLED once the thread is gone. */
  token?: vscode.CancellationToken;
  /** Heap limit of the worker (MB); 0 or undefined = Node's default. */
  maxMemoryMB?: number;
  /** Stop the job after this many ms; 0 or undefined = no limit. */
  timeoutMs?: number;
}

/** A job whose worker is running (read-only view, e.g. for diagnostics and tests). */
export interface RunningJob {
  readonly id: number;
  readonly request: JobRequest;
  readonly worker: Worker;
  readonly startedAt: number;
}

interface OutputState {
  path: string;
  /** mtime of the file before the job, or null when there was none. */
  before: number | null;
}

/** Log sink the client writes job lifecycle lines to. */
export type LogFn = (line: string) => void;

/** The output a job writes, if any. */
function outputOf(req: JobRequest): string | undefined {
  return req.kind === 'viewData' || req.kind === 'describe' ? undefined : req.outPath;
}

async function mtimeOrNull(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Remove what an interrupted job may have left behind: the atomic writer's temp files
 * (`.<name>.tmp-*` beside the output) and the output itself when the job created or replaced it.
 * Returns the paths removed.
 */
export async function cleanupOutput(out: OutputState): Promise<string[]> {
  const removed: string[] = [];
  const dir = dirname(out.path);
  const prefix = `.${basename(out.path)}.tmp-`;
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    /* directory gone: nothing to clean */
  }
  for (const name of names) {
    if (name.startsWith(prefix)) {
      await rm(join(dir, name), { force: true }).catch(() => undefined);
      removed.push(join(dir, name));
    }
  }
  const now = await mtimeOrNull(out.path);
  if (now !== null && now !== out.before) {
    await rm(out.path, { force: true }).catch(() => undefined);
    removed.push(out.path);
  }
  return removed;
}

export class WorkerClient implements vscode.Disposable {
  private nextId = 1;
  private readonly jobs = new Map<number, RunningJob>();
  /** How to stop each running job with a reason (so its output is cleaned up and it reports why). */
  private readonly stoppers = new Map<number, (reason: SerializedError) => void>();

  constructor(
    /** Absolute path of dist/worker.js. */
    readonly workerPath: string,
    private readonly log: LogFn = () => undefined,
  ) {}

  /** Jobs whose worker thread is alive. */
  running(): readonly RunningJob[] {
    return [...this.jobs.values()];
  }

  compress(csvPath: string, outPath: string, options: CompressOptions, opts: RunOptions = {}): Promise<CompressSummary> {
    return this.run({ kind: 'compress', csvPath, outPath, options }, opts).then((r) => {
      if (r.kind !== 'compress') throw new JobError({ code: 'E_PROTOCOL', message: `Unexpected ${r.kind} result for a compress job.` });
      return r.summary;
    });
  }

  reconstruct(modelPath: string, outPath: string, opts: RunOptions = {}): Promise<ReconstructSummary> {
    return this.run({ kind: 'reconstruct', modelPath, outPath }, opts).then((r) => {
      if (r.kind !== 'reconstruct') throw new JobError({ code: 'E_PROTOCOL', message: `Unexpected ${r.kind} result for a reconstruct job.` });
      return r.summary;
    });
  }

  /** What the model view plots (decoded and downsampled in a worker). */
  viewData(modelPath: string, maxPoints: number, opts: RunOptions = {}): Promise<ModelViewData> {
    return this.run({ kind: 'viewData', modelPath, maxPoints }, opts).then((r) => {
      if (r.kind !== 'viewData') throw new JobError({ code: 'E_PROTOCOL', message: `Unexpected ${r.kind} result for a viewData job.` });
      return r.data;
    });
  }

  /** `wsindy info --json [--plots]` of a model, decoded in a worker. */
  describe(modelPath: string, what: { plots: boolean; equations?: boolean }, opts: RunOptions = {}): Promise<ModelDescription> {
    return this.run({ kind: 'describe', modelPath, plots: what.plots, equations: what.equations }, opts).then((r) => {
      if (r.kind !== 'describe') throw new JobError({ code: 'E_PROTOCOL', message: `Unexpected ${r.kind} result for a describe job.` });
      return r.description;
    });
  }

  /** Run one job in a fresh worker. Rejects with a JobError; never leaves the worker running. */
  async run(request: JobRequest, opts: RunOptions = {}): Promise<WorkerResult> {
    if (opts.token?.isCancellationRequested) throw new JobError({ code: 'E_CANCELLED', message: 'Cancelled.' });
    const id = this.nextId++;
    const outPath = outputOf(request);
    const out: OutputState | undefined = outPath ? { path: outPath, before: await mtimeOrNull(outPath) } : undefined;
    // compress/reconstruct may stage data on disk (streaming): in a directory of the job's own, removed
    // below however the job ends (a terminated thread runs no cleanup of its own)
    const scratchDir = request.kind === 'viewData' || request.kind === 'describe' ? undefined : await mkdtemp(join(tmpdir(), 'wsindy-job-'));
    const full = { ...request, id, ...(scratchDir ? { scratchDir } : {}) } as WorkerRequest;
    const resourceLimits = opts.maxMemoryMB ? { maxOldGenerationSizeMb: opts.maxMemoryMB } : undefined;
    const worker = new Worker(this.workerPath, { resourceLimits, stdout: false, stderr: false });
    const job: RunningJob = { id, request, worker, startedAt: Date.now() };
    this.jobs.set(id, job);
    this.log(`job ${id} started: ${describe(request)} (worker thread ${worker.threadId})`);

    let settled = false;
    /** Why the host stopped the worker, if it did. */
    let stopReason: SerializedError | undefined;
    const disposables: { dispose(): void }[] = [];

    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const outcome = new Promise<WorkerResult>((resolve, reject) => {
      const fail = (e: JobError): void => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      };
      worker.on('message', (msg: WorkerResponse) => {
        if (settled || typeof msg !== 'object' || msg === null || msg.id !== id) return;
        if (msg.kind === 'progress') {
          try {
            opts.onProgress?.(msg.progress);
          } catch (e) {
            this.log(`job ${id}: progress handler failed: ${String(e)}`);
          }
        } else if (msg.kind === 'done') {
          settled = true;
          resolve(msg.result);
        } else if (msg.kind === 'error') {
          fail(new JobError(msg.error, msg.detail));
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          fail(new JobError({ code: 'E_WORKER_OOM', message: `The job ran out of memory (worker heap limit ${opts.maxMemoryMB ?? 'default'} MB; see the setting wsindy.worker.maxMemoryMB).` }, err.stack));
        } else {
          fail(new JobError({ code: 'E_WORKER_CRASH', message: `The Weak-SINDy worker crashed: ${err.message}` }, err.stack));
        }
      });
      worker.once('exit', (code) => {
        if (stopReason) fail(new JobError(stopReason));
        else fail(new JobError({ code: 'E_WORKER_CRASH', message: `The Weak-SINDy worker stopped unexpectedly (exit code ${code}) before finishing.` }));
      });
      const stop = (reason: SerializedError): void => {
        if (settled || stopReason) return;
        stopReason = reason;
        this.log(`job ${id}: stopping worker (${reason.code})`);
        void worker.terminate();
      };
      this.stoppers.set(id, stop);
      if (opts.token) disposables.push(opts.token.onCancellationRequested(() => stop({ code: 'E_CANCELLED', message: 'Cancelled.' })));
      if (opts.timeoutMs && opts.timeoutMs > 0) {
        const timer = setTimeout(() => stop({ code: 'E_TIMEOUT', message: `The job took longer than ${formatDuration(opts.timeoutMs ?? 0)} and was stopped (setting wsindy.worker.timeoutMinutes).` }), opts.timeoutMs);
        disposables.push({ dispose: () => clearTimeout(timer) });
      }
    });

    worker.postMessage(full);
    try {
      const result = await outcome;
      this.log(`job ${id} done in ${Date.now() - job.startedAt} ms`);
      return result;
    } catch (e) {
      const err = e instanceof JobError ? e : new JobError({ code: 'E_INTERNAL', message: String(e) });
      // The thread must be gone before cleaning up, or it could still be writing a temp file.
      await worker.terminate().catch(() => undefined);
      await exited;
      if (out) {
        const removed = await cleanupOutput(out);
        if (removed.length > 0) this.log(`job ${id}: removed ${removed.join(', ')}`);
      }
      this.log(`job ${id} ${err.code === 'E_CANCELLED' ? 'cancelled' : 'failed'} after ${Date.now() - job.startedAt} ms: [${err.code}] ${err.message}`);
      if (err.detail) this.log(err.detail);
      throw err;
    } finally {
      for (const d of disposables) d.dispose();
      this.jobs.delete(id);
      this.stoppers.delete(id);
      // A finished worker closes its port and exits by itself; make sure it does.
      void worker.terminate().catch(() => undefined);
      if (scratchDir) {
        await exited;
        await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }

  /** Stop every running worker (extension deactivation). */
  dispose(): void {
    for (const stop of [...this.stoppers.values()]) stop({ code: 'E_CANCELLED', message: 'Stopped: the Weak-SINDy extension is shutting down.' });
  }
}

function describe(req: JobRequest): string {
  switch (req.kind) {
    case 'compress':
      return `compress ${req.csvPath} -> ${req.outPath}`;
    case 'reconstruct':
      return `reconstruct ${req.modelPath} -> ${req.outPath}`;
    case 'viewData':
      return `viewData ${req.modelPath} (${req.maxPoints} points)`;
    case 'describe':
      return `describe ${req.modelPath}${req.plots ? ' with plots' : ''}`;
  }
}

function formatDuration(ms: number): string {
  const min = ms / 60000;
  return min >= 1 ? `${+min.toFixed(1)} min` : `${Math.round(ms / 1000)} s`;
}
