// CSV writing on two cores: this thread and one worker format pieces of the output with `generateCsv`
// itself (row ranges in the tidy layout, variable ranges in the rows layout), and the pieces are written
// in order through the atomic output, so the bytes are exactly writeCsvFile's. Formatting is the cost
// (≈ 200 MB/s a core here; the write and fsync of 62 MB take ≈ 0.1 s), so two formatters nearly halve it.
// Below PARALLEL_WRITE_MIN_BYTES of (estimated) text the worker's start (≈ 0.1 s in a fresh process)
// does not pay: a 400×8000 reconstruction at a decimal step (21 MB) took 0.65 s either way.
import { availableParallelism, loadavg } from 'node:os';
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { moduleWorkerScript, type WorkerScript } from '../platform/moduleWorker';
import { openAtomicOutput } from '../platform/atomicWrite';
import { checkCsvData, generateCsv, writeCsvFile, type CsvData } from './write';
import { CancelledError } from '../errors';
import type { ProgressSink } from '../progress';

/** Estimated output size from which it is formatted on two threads. */
export const PARALLEL_WRITE_MIN_BYTES = 64 << 20;
/** Rough bytes per cell: full round-trip digits, or fixed decimals at a step. */
const CELL_BYTES_EXACT = 19;
const CELL_BYTES_STEP = 8;

/** The text size writeCsvFile will produce, roughly (decides whether a worker pays). */
export function estimatedCsvBytes(data: CsvData): number {
  return estimatedCsvBytesOf(data.series.length, data.time.length, data.decimalStep !== undefined);
}

/** The same from the shape: n × m values, at a decimal step or not. */
export function estimatedCsvBytesOf(n: number, m: number, decimalStep: boolean): number {
  return n * m * (decimalStep ? CELL_BYTES_STEP : CELL_BYTES_EXACT);
}
/**
 * With the worker started beforehand (`prestartCsvWorker`, while the data is decoded), its start costs
 * nothing at write time and two formatters pay from this size on, when a core is free.
 */
export const PRESTARTED_WRITE_MIN_BYTES = 8 << 20;

/**
 * Cores not busy now: the logical cores minus the 1-minute load average (which counts this thread). Where
 * the platform reports no load average (Windows: 0), all cores but this thread's.
 */
export function spareCores(): number {
  const load = loadavg()[0];
  const cores = availableParallelism();
  return load > 0 ? cores - load : cores - 1;
}

/**
 * Start the formatting worker now, to be picked up by the next writeCsvFileParallel (as the idle worker),
 * when a CSV of about `estimatedBytes` will follow: e.g. while the reconstruction is being decoded. Returns
 * the options to write it with (two threads from PRESTARTED_WRITE_MIN_BYTES), or {} when not worth it:
 * a small output, or no spare core. Measured on this 2-core machine shared with other jobs, the 400×8000
 * random walk's 20 MB of CSV, one → two formatters: at load ≈ 6, 152 → 149 ms (median of 7; min 147 → 130);
 * at load 8–10, 451 → 499 ms (median of 9): on a saturated machine the second thread only adds work.
 */
export function prestartCsvWorker(estimatedBytes: number, spare: number = spareCores()): ParallelWriteOptions {
  if (estimatedBytes < PRESTARTED_WRITE_MIN_BYTES || spare < 0.75) return {};
  const script = workerScript();
  if (!script) return {};
  if (!idle) release(script.start());
  return { minBytes: PRESTARTED_WRITE_MIN_BYTES };
}

/** Values per piece: small enough that the two threads finish together, large enough to amortise a message. */
const PIECE_VALUES = 1 << 19;
const JOB = 'wsindy-csv-format';
/** Formatted bytes that may wait for the file system before this thread stops formatting. */
const MAX_QUEUED_BYTES = 32 << 20;

export interface ParallelWriteOptions {
  /** Use the worker from this estimated size on (tests: 0). */
  minBytes?: number;
  /** Number of pieces (tests: force ragged splits). */
  pieces?: number;
}

/** One piece for the worker: the values copied out (transferred), everything else as is. */
interface PieceRequest {
  k: number;
  data: CsvData;
  withHeader: boolean;
}

interface PieceResult {
  k: number;
  bytes: Uint8Array;
}

/** Write `data` as CSV to path, atomically, formatting on two threads when it is large; returns the bytes written. */
export async function writeCsvFileParallel(
  path: string,
  data: CsvData,
  progress?: ProgressSink,
  signal?: AbortSignal,
  opts: ParallelWriteOptions = {},
): Promise<number> {
  const n = data.series.length;
  const m = data.time.length;
  const script = estimatedCsvBytes(data) >= (opts.minBytes ?? PARALLEL_WRITE_MIN_BYTES) ? workerScript() : null;
  // extras (missing cells, index, stamps) are written from row 0 on by one formatter
  if (!script || data.source.extras) return writeCsvFile(path, data, progress, signal);
  checkCsvData(data);
  if (signal?.aborted) throw new CancelledError();
  const columns = data.source.layout === 'columns';
  // split along what the file's lines are: steps (tidy) or variables (rows layout)
  const lines = columns ? m : n;
  const count = Math.max(1, Math.min(lines, opts.pieces ?? Math.ceil((n * m) / PIECE_VALUES)));
  const bound = (k: number): number => Math.round((k * lines) / count);
  const piece = (k: number, copy: boolean): PieceRequest => {
    const a = bound(k);
    const b = bound(k + 1);
    if (!copy) {
      const part: CsvData = columns ? { ...data, series: data.series.map((s) => s.subarray(a, b)), time: data.time.subarray(a, b) } : { ...data, names: data.names.slice(a, b), series: data.series.slice(a, b) };
      return { k, data: part, withHeader: k === 0 };
    }
    // the worker's copy: every column of the piece (and its time stamps) in one buffer, one transfer
    // instead of one per variable
    const cols = columns ? data.series : data.series.slice(a, b);
    const len = columns ? b - a : m;
    const lo = columns ? a : 0;
    const all = new Float64Array((cols.length + 1) * len);
    const views = cols.map((s, i) => {
      const v = all.subarray(i * len, (i + 1) * len);
      v.set(s.subarray(lo, lo + len));
      return v;
    });
    const time = all.subarray(cols.length * len);
    time.set(data.time.subarray(lo, lo + len));
    const part: CsvData = columns ? { ...data, series: views, time } : { ...data, names: data.names.slice(a, b), series: views, time };
    return { k, data: part, withHeader: k === 0 };
  };

  const out = await openAtomicOutput(path);
  const worker = acquire(script);
  const done: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(count);
  let next = 0;
  let written = 0;
  let total = 0;
  let failure: unknown = null;
  let workerBusy = false;
  let wake: (() => void) | null = null;
  const send = (): void => {
    if (next >= count || failure !== null || signal?.aborted) return;
    const req = piece(next++, true);
    workerBusy = true;
    worker.postMessage(req, [req.data.time.buffer as ArrayBuffer]);
  };
  const onMessage = (r: PieceResult): void => {
    done[r.k] = r.bytes;
    workerBusy = false;
    send();
    wake?.();
  };
  const onError = (e: unknown): void => {
    failure = e;
    workerBusy = false;
    wake?.();
  };
  worker.on('message', onMessage);
  worker.on('error', onError);
  // Writes are queued, not awaited one by one: this thread formats the next piece while the file system
  // writes. At most MAX_QUEUED_BYTES wait, so memory stays bounded.
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  /** Queue the finished pieces that come next in file order. */
  const flush = async (): Promise<void> => {
    while (written < count && done[written]) {
      const bytes = done[written] as Uint8Array;
      done[written] = undefined;
      total += bytes.length;
      queued += bytes.length;
      queue = queue.then(async () => {
        await out.write(bytes);
        queued -= bytes.length;
      });
      written++;
      progress?.({ phase: 'write', fraction: written / count });
    }
    if (queued > MAX_QUEUED_BYTES) await queue;
  };
  try {
    send();
    while (next < count && failure === null) {
      if (signal?.aborted) throw new CancelledError();
      const k = next++;
      const chunks: Uint8Array[] = [];
      await generateCsv(piece(k, false).data, async (c) => void chunks.push(Uint8Array.from(c)), undefined, signal, k === 0);
      done[k] = concat(chunks);
      // let the worker's finished piece in (a message is a macrotask: microtasks alone never yield to it)
      await new Promise<void>((resolve) => setImmediate(resolve));
      await flush();
    }
    while (written < count && failure === null) {
      if (signal?.aborted) throw new CancelledError();
      await flush();
      if (written < count && workerBusy) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (written < count && !workerBusy && !done[written]) break;
    }
    if (failure !== null) throw failure instanceof Error ? failure : new Error(String(failure));
    if (written < count) throw new CancelledError();
    await queue;
    await out.commit();
    progress?.({ phase: 'write', fraction: 1 });
    return total;
  } catch (e) {
    await queue.catch(() => undefined);
    await out.abort();
    throw e;
  } finally {
    worker.off('message', onMessage);
    worker.off('error', onError);
    // a worker still formatting a piece nobody waits for is not reused
    if (workerBusy || failure !== null) void worker.terminate();
    else release(worker);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let len = 0;
  for (const c of chunks) len += c.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** How to start this module as a worker (null: format in one thread). */
function workerScript(): WorkerScript | null {
  return moduleWorkerScript(__filename, __dirname, 'csvWriteParallel.js', JOB);
}

/** One idle worker kept for the next file (unref'd: it never keeps the process alive), ended after IDLE_MS. */
let idle: { w: Worker; timer: NodeJS.Timeout } | null = null;
const IDLE_MS = 15_000;

function acquire(script: WorkerScript): Worker {
  const e = idle;
  idle = null;
  if (!e) return script.start();
  clearTimeout(e.timer);
  e.w.ref();
  return e.w;
}

function release(w: Worker): void {
  if (idle) {
    void w.terminate();
    return;
  }
  const timer = setTimeout(() => {
    if (idle?.w === w) idle = null;
    void w.terminate();
  }, IDLE_MS);
  timer.unref();
  w.unref();
  idle = { w, timer };
}

/** In the worker: format each piece it is sent and post the bytes back (transferred). */
function serveWorker(): void {
  const port = parentPort;
  if (!port) return;
  port.on('message', (req: PieceRequest) => {
    const chunks: Uint8Array[] = [];
    void generateCsv(req.data, async (c) => void chunks.push(Uint8Array.from(c)), undefined, undefined, req.withHeader).then(() => {
      const bytes = concat(chunks);
      const result: PieceResult = { k: req.k, bytes };
      port.postMessage(result, [bytes.buffer as ArrayBuffer]);
    });
  });
}

if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === JOB) serveWorker();
