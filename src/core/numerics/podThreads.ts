// The dense POD's Gram matrix and coordinates on several cores. This thread and up to MAX_HELPERS helper
// workers claim units of work (numerics/gram.ts) from a counter in shared memory; every entry is computed by
// the same kernel in the same order whichever thread claims its unit, so the results are the one-thread
// results bit for bit however the units fall. This thread never waits for a helper to start: it claims
// units until none are left, then waits (Atomics.wait) only for units a helper already holds — so the
// callers stay synchronous, and with no helper (none started yet, none possible) it simply does it all.
// The helper is this module started as a worker (bundles: dist/podThreads.js next to the caller's bundle).
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { moduleWorkerScript, type WorkerScript } from '../platform/moduleWorker';
import { GRAM_TILE, gramUnit, gramUnits, mirrorLower, projectSteps } from './gram';

/** Helper workers at most (the dense POD's products scale to a few cores; each helper holds no data). */
const MAX_HELPERS = 3;
/** Steps per unit of the coordinates' work. */
const PROJECT_UNIT = 1024;
/**
 * Multiply-adds from which a product is shared (below, a message and a wake-up cost more than they save:
 * a 128 × 2048 Gram matrix, 17 M multiply-adds, takes ≈ 8 ms on one core here).
 */
export const SHARED_MIN_WORK = 1 << 24;
/** How long this thread waits for a helper's units (a unit is milliseconds of work: only a helper that died takes this long). */
const HELPER_TIMEOUT_MS = 120_000;
/** Helpers kept this long without work (unref'd: they never keep the process alive). */
const IDLE_MS = 15_000;
const JOB = 'wsindy-pod-threads';

/** What the helpers did, for tests: units computed by a helper, over every job of this process. */
export const podThreadStats = { jobs: 0, helperUnits: 0 };

/** The centred data (x − mean)·inv, n rows of m steps in one shared buffer. */
export interface SharedRows {
  n: number;
  m: number;
  data: Float64Array;
  rows: Float64Array[];
}

/** The centred, scaled data in shared memory, row by row (the dense route's values: (x_ij − mean_i)·inv). */
export function centredShared(series: readonly Float64Array[], mean: Float64Array, inv: number): SharedRows {
  const n = series.length;
  const m = n > 0 ? series[0].length : 0;
  const data = new Float64Array(new SharedArrayBuffer(8 * n * m));
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const x = series[i];
    const mu = mean[i];
    const row = data.subarray(i * m, (i + 1) * m);
    for (let j = 0; j < m; j++) row[j] = (x[j] - mu) * inv;
    rows.push(row);
  }
  return { n, m, data, rows };
}

/** The jobs a helper is sent (shared buffers: nothing is copied). */
type Job =
  | { kind: 'gram'; ctl: Int32Array; data: Float64Array; n: number; m: number; parts: Float64Array }
  | { kind: 'project'; ctl: Int32Array; data: Float64Array; n: number; m: number; modes: Float64Array; rank: number; out: Float64Array };

// ctl: [next unit to claim, units done, units done by helpers]
const NEXT = 0;
const DONE = 1;
const BY_HELPERS = 2;

/**
 * G = Xc Xcᵀ of the shared rows, as gramMatrix(rows) gives it (numerics/gram.ts): each tile's sums go to
 * that tile's own partial matrix, and the partials are added tile after tile, as gramMatrix adds them.
 */
export function sharedGram(x: SharedRows, threads: number = autoThreads()): Float64Array {
  const { n, m } = x;
  const tiles = Math.max(1, Math.ceil(m / GRAM_TILE));
  const parts = new Float64Array(new SharedArrayBuffer(8 * tiles * n * n));
  const job: Job = { kind: 'gram', ctl: newControl(), data: x.data, n, m, parts };
  run(job, 0.5 * n * n * m, threads);
  const G = new Float64Array(n * n);
  for (let t = 0; t < tiles; t++) {
    const part = parts.subarray(t * n * n, (t + 1) * n * n);
    for (let k = 0; k < G.length; k++) G[k] += part[k];
  }
  mirrorLower(G, n);
  return G;
}

/** Coordinates a_c = Σ_i U_ci · row_i (c < rank, the modes U rank × n row-major) of the shared rows, times `scale`. */
export function sharedCoordinates(x: SharedRows, modes: Float64Array, rank: number, scale: number, threads: number = autoThreads()): Float64Array[] {
  const { n, m } = x;
  const shared = new Float64Array(new SharedArrayBuffer(8 * Math.max(1, modes.length)));
  shared.set(modes);
  const out = new Float64Array(new SharedArrayBuffer(8 * Math.max(1, rank * m)));
  const job: Job = { kind: 'project', ctl: newControl(), data: x.data, n, m, modes: shared, rank, out };
  run(job, n * m * rank, threads);
  // plain arrays for the callers (a shared buffer cannot be transferred to another thread)
  return Array.from({ length: rank }, (_, c) => {
    const a = out.slice(c * m, (c + 1) * m);
    for (let j = 0; j < m; j++) a[j] *= scale;
    return a;
  });
}

/**
 * Threads to share with: this one and the other cores, whatever the load. The load average is no guide:
 * it counts the helper's own work of the last minute (back to back, the 400 × 8000 walk's compress
 * turned its helper off from the second run on: 0.96 → 1.15 s), and a busy core costs this thread at most
 * the one unit a descheduled helper holds.
 */
function autoThreads(): number {
  return 1 + Math.min(MAX_HELPERS, availableParallelism() - 1);
}

function newControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * 3));
}

/** Units of a job: per tile, the Gram's row blocks; the coordinates' blocks of steps. */
function unitCount(job: Job): number {
  return job.kind === 'gram' ? Math.max(1, Math.ceil(job.m / GRAM_TILE)) * gramUnits(job.n) : Math.ceil(job.m / PROJECT_UNIT);
}

/** Do the job's units here and on the helpers (`work` multiply-adds: shared only when it pays); returns when every unit is done. */
function run(job: Job, work: number, threads: number): void {
  podThreadStats.jobs++;
  const sharing = work >= SHARED_MIN_WORK && threads > 1 ? helpers(threads - 1) : [];
  // no idle timer may end a helper inside a job (this thread would wait for its unit in vain)
  for (const e of sharing) {
    if (e.timer) clearTimeout(e.timer);
    e.w.postMessage(job);
  }
  try {
    finish(job);
  } finally {
    for (const e of sharing) idleTimer(e);
  }
}

/** This thread's part of a job, then the wait for the units the helpers hold. */
function finish(job: Job): void {
  const { ctl } = job;
  const units = unitCount(job);
  doUnits(job, false);
  // units still held by a helper: wait for them (each is a few milliseconds of work)
  const deadline = Date.now() + HELPER_TIMEOUT_MS;
  for (let done = Atomics.load(ctl, DONE); done < units; done = Atomics.load(ctl, DONE)) {
    if (Date.now() > deadline) throw new Error(`a POD helper thread stopped: ${units - done} of ${units} units of work unfinished after ${HELPER_TIMEOUT_MS / 1000} s`);
    Atomics.wait(ctl, DONE, done, 1000);
  }
  podThreadStats.helperUnits += Atomics.load(ctl, BY_HELPERS);
}

/** Claim and compute units until none are left (`helper`: counted as a helper's). */
function doUnits(job: Job, helper: boolean): void {
  const { ctl, n, m, data } = job;
  const units = unitCount(job);
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) rows.push(data.subarray(i * m, (i + 1) * m));
  if (job.kind === 'gram') {
    const per = gramUnits(n);
    const nn = n * n;
    for (let q = Atomics.add(ctl, NEXT, 1); q < units; q = Atomics.add(ctl, NEXT, 1)) {
      const t = Math.floor(q / per);
      // within a tile the costliest units first (unit u costs ∝ u; the last, the rows left over, ∝ n),
      // so the threads finish together
      const u = per - 1 - (q % per);
      const l0 = t * GRAM_TILE;
      gramUnit(job.parts.subarray(t * nn, (t + 1) * nn), rows, u, l0, Math.min(m, l0 + GRAM_TILE));
      if (helper) Atomics.add(ctl, BY_HELPERS, 1);
      Atomics.add(ctl, DONE, 1);
      Atomics.notify(ctl, DONE);
    }
  } else {
    const coordinates: Float64Array[] = [];
    for (let c = 0; c < job.rank; c++) coordinates.push(job.out.subarray(c * m, (c + 1) * m));
    for (let q = Atomics.add(ctl, NEXT, 1); q < units; q = Atomics.add(ctl, NEXT, 1)) {
      const j0 = q * PROJECT_UNIT;
      projectSteps(coordinates, job.modes, n, job.rank, rows, 0, j0, Math.min(m, j0 + PROJECT_UNIT));
      if (helper) Atomics.add(ctl, BY_HELPERS, 1);
      Atomics.add(ctl, DONE, 1);
      Atomics.notify(ctl, DONE);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The helpers.

interface Helper {
  w: Worker;
  timer: NodeJS.Timeout | null;
}
const pool: Helper[] = [];
let script: WorkerScript | null | undefined;

/** Up to `count` helpers, started now if need be (none when this module cannot be started as a worker). */
function helpers(count: number): Helper[] {
  if (script === undefined) script = moduleWorkerScript(__filename, __dirname, 'podThreads.js', JOB);
  if (!script) return [];
  while (pool.length < Math.min(count, MAX_HELPERS)) {
    const entry: Helper = { w: script.start(), timer: null };
    // a helper that fails to start is simply gone: this thread does the units it would have taken
    entry.w.on('error', () => undefined);
    entry.w.on('exit', () => {
      const i = pool.indexOf(entry);
      if (i >= 0) pool.splice(i, 1);
      if (entry.timer) clearTimeout(entry.timer);
    });
    entry.w.unref();
    pool.push(entry);
  }
  return pool.slice(0, count);
}

/** A helper is ended after IDLE_MS without a job (a long-lived host, e.g. the VS Code worker, gets its memory back). */
function idleTimer(e: Helper): void {
  if (e.timer) clearTimeout(e.timer);
  e.timer = setTimeout(() => void e.w.terminate(), IDLE_MS);
  e.timer.unref();
}

/** In a helper: take units of every job sent until none are left. */
function serveHelper(): void {
  const port = parentPort;
  if (!port) return;
  port.on('message', (job: Job) => doUnits(job, true));
}

// Started by helpers(): serve jobs. Elsewhere (bundled into the CLI or the compress worker) a no-op.
if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === JOB) serveHelper();
