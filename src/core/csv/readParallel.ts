// Parallel CSV parsing: readCsvFile's engine on byte ranges in several threads, for large files.
//
// The main thread detects the format once on the file's start (the same reads and detect() as readChunks),
// then cuts the data into pieces at line starts (a piece = [b_i, b_i+1), each b_i the first line start at
// or after an even cut). This thread and the workers take pieces from a shared counter (Atomics), so a
// worker that starts late or a loaded core just takes fewer pieces. Each piece is parsed by a fresh engine
// with the detected configuration, line numbers relative to the piece; the arrays come back transferred.
// The main thread then walks the pieces in file order: line offsets, the time stamps across piece borders,
// the first error in file order; it copies the columns into the final arrays as soon as the pieces before
// them are in (one buffer per piece, sent back to the thread that parsed it for its next piece) and lets
// the detecting engine's finish() make every end-of-file decision (orientation, MIN_TIME_STEPS,
// all-constant data), so results and errors are readCsvFile's. Where a piece's error could depend on the lines before it (rows layout: a line's expected
// length comes from the first line) or a worker fails in an unexpected way, the file is read again with
// readCsvFile, which gives the exact error: errors are rare, a second pass on them is cheap.
// The worker is this module (tsx: loaded through tsx's require hook; bundles: dist/csvParallel.js, an
// entry of scripts/build.mjs next to the bundle that imports this module). Without it: readCsvFile.
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { moduleWorkerScript, type WorkerScript } from '../platform/moduleWorker';
import { crc32 } from 'node:zlib';
import type { Dataset } from '../dataset';
import { CancelledError, InputError } from '../errors';
import type { ProgressSink } from '../progress';
import { CHUNK, CsvEngine, DETECT_BYTES, readCsvFile, timeOrderReason, type CsvEngineState, type CsvParsed, type ParsedMissing, type ReadCsvOptions } from './read';

/**
 * Default size from which readCsvFileParallel parses in parallel (smaller: readCsvFile). Measured on this
 * 2-core machine, quiet, 400-column tidy files, bundled: in a fresh process (a CLI run, a VS Code job
 * worker: both threads start cold, the worker's start and JIT warm-up cost ≈ 100 ms) single → parallel
 * 62 MB 290 → 315 ms, 77 MB 350 → 375, 92 MB 430 → 390, 123 MB 525 → 450, 493 MB 253 → 387 MB/s; with
 * the worker pooled and warm (repeated reads in one process) it pays from ≈ 8 MB (237 → 299 MB/s).
 */
export const PARALLEL_MIN_BYTES = 96 << 20;

/** Counters for tests and benchmarks: files read in pieces, pieces parsed by workers, re-reads with readCsvFile. */
export const csvParallelStats = { parallel: 0, workerPieces: 0, reread: 0 };

export interface ParallelCsvOptions extends ReadCsvOptions {
  /**
   * Receives the CRC32 (zlib.crc32) of the whole file: computed per piece in the parsing threads and
   * combined, so no thread sees the bytes in order. Prefer it to onBytes, which costs an extra in-order
   * read of the file in this thread when the file is parsed in parallel.
   */
  onCrc32?: (crc: number) => void;
  /** Parse in parallel from this file size on (default PARALLEL_MIN_BYTES; tests: 0). */
  parallelAboveBytes?: number;
  /** Threads parsing, this one included (default min(availableParallelism(), 4)); 1 = readCsvFile. */
  threads?: number;
  /** Target bytes per piece (default: the data / (8 × threads), at least 1 MiB); tests: tiny. */
  pieceBytes?: number;
  /** false: this thread only coordinates, the workers parse every piece (tests: the worker path). */
  mainParses?: boolean;
}

/** A piece's outcome, posted by workers (arrays transferred) and produced by this thread alike. */
interface PieceResult {
  index: number;
  /** Who parsed it: -1 this thread, else the worker's number (to send its buffer back for reuse). */
  from: number;
  /** Lines the piece spans (its line endings; the file's last line counts without one). */
  lines: number;
  /** Relative line (1 = the piece's first) of its first data line, 0 when it has none. */
  firstLine: number;
  nrows: number;
  cols: Float64Array[];
  rowList: Float64Array[];
  rowLen: number;
  /** Missing cells, rows relative to the piece's data lines. */
  missing: ParsedMissing | null;
  crc: number;
  error: { reason: string; code: string; line?: number; column?: number } | null;
  /** Not an InputError (fs error, bug): the caller reads the file with readCsvFile instead. */
  failed: string | null;
}

interface Job {
  path: string;
  file: string;
  dt: number | undefined;
  size: number;
  state: CsvEngineState;
  /** Piece borders: piece i is [bounds[i], bounds[i + 1]). */
  bounds: number[];
  caps: number[];
  chunk: number;
  crc: boolean;
  /** Int32 [next piece to take, first piece with an error (later ones are skipped)]. */
  shared: SharedArrayBuffer;
}

type WorkerMessage = { type: 'progress'; bytes: number } | { type: 'piece'; result: PieceResult } | { type: 'done' };
/** To a worker: a job (its `from` number), or a piece's buffer back once copied (reused for a later piece). */
type ToWorker = { type: 'job'; job: Job; from: number } | { type: 'recycle'; slab: Float64Array };

const JOB = 'wsindy-csv-pieces';
/** Largest piece of the file one thread parses at a time. */
const MAX_PIECE_BYTES = 16 << 20;
const LF = 10;
const CR = 13;

/**
 * Read a CSV file like readCsvFile (same Dataset bit for bit, same errors), parsing large files in
 * several threads. Falls back to readCsvFile for small files, one thread, or when the worker script is
 * not found.
 */
export async function readCsvFileParallel(
  path: string,
  opts: ParallelCsvOptions = {},
  progress?: ProgressSink,
  signal?: AbortSignal,
): Promise<Dataset> {
  const threads = Math.max(1, Math.floor(opts.threads ?? Math.min(availableParallelism(), 4)));
  const fh = await open(path, 'r');
  let plan: Plan | null = null;
  const workers: Worker[] = [];
  try {
    const size = (await fh.stat()).size;
    const script = threads > 1 && size >= (opts.parallelAboveBytes ?? PARALLEL_MIN_BYTES) ? workerScript() : null;
    if (script) {
      // Start the workers first: they load while this thread detects and cuts the pieces.
      for (let k = 1; k < threads; k++) workers.push(acquire(script));
      plan = await makePlan(fh, path, size, opts, threads, signal);
    }
  } catch (e) {
    for (const w of workers) release(w);
    throw e;
  } finally {
    await fh.close();
  }
  if (!plan) {
    for (const w of workers) release(w);
    return sequential(path, opts, progress, signal);
  }
  // More workers than pieces would find nothing to take.
  const mainParses = opts.mainParses !== false;
  const needed = Math.max(mainParses ? 0 : 1, plan.job.bounds.length - 1 - (mainParses ? 1 : 0));
  while (workers.length > needed) release(workers.pop() as Worker);
  csvParallelStats.parallel++;
  const ds = await runPlan(plan, workers, path, opts, progress, signal);
  if (ds) return ds;
  csvParallelStats.reread++;
  return sequential(path, opts, progress, signal);
}

/** readCsvFile, with onCrc32 served from onBytes. */
async function sequential(path: string, opts: ParallelCsvOptions, progress?: ProgressSink, signal?: AbortSignal): Promise<Dataset> {
  const { onCrc32, onBytes } = opts;
  if (!onCrc32) return readCsvFile(path, opts, progress, signal);
  let crc = 0;
  const ds = await readCsvFile(
    path,
    {
      ...opts,
      onBytes: (b) => {
        crc = crc32(b, crc);
        onBytes?.(b);
      },
    },
    progress,
    signal,
  );
  onCrc32(crc >>> 0);
  return ds;
}

interface Plan {
  engine: CsvEngine;
  job: Job;
  /** Line number of the first data line and the CRC of the bytes before it. */
  line0: number;
  headCrc: number;
}

/** Detect on the file's start exactly as readChunks does (same reads, same detect()), then cut pieces. */
async function makePlan(fh: FileHandle, path: string, size: number, opts: ParallelCsvOptions, threads: number, signal?: AbortSignal): Promise<Plan | null> {
  const file = opts.displayName ?? path;
  const engine = new CsvEngine(file, opts, size);
  // readChunks checks before its first read: a cancelled read of a bad file is cancelled, not an error.
  if (signal?.aborted) throw new CancelledError();
  const chunk = opts.chunkBytes ?? CHUNK;
  let buf = Buffer.allocUnsafe(Math.max(16, Math.min(chunk, size + 1)));
  let have = 0;
  let start: number;
  for (;;) {
    if (have === buf.length) {
      const nb = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(nb, 0, 0, have);
      buf = nb;
    }
    const { bytesRead } = await fh.read(buf, have, buf.length - have, null);
    have += bytesRead;
    const eof = bytesRead === 0 || have >= size;
    if (!eof && (have < DETECT_BYTES || buf.lastIndexOf(LF, have - 1) < 0)) continue;
    start = engine.detect(buf, 0, have, eof);
    if (start >= 0) break;
    if (eof) throw new InputError({ file }, 'empty file');
  }
  const state = engine.state();
  // date-time stamps are parsed in order from the first one: one thread reads the file
  if (state.dates) return null;
  const line0 = engine.parsed().line;
  const headCrc = opts.onCrc32 ? crc32(buf.subarray(0, start)) : 0;
  // Cut points at even offsets, each moved to the next line start; scans never overlap (a long line
  // swallows the cuts inside it), so finding them reads at most the file once.
  const data = size - start;
  // At most MAX_PIECE_BYTES a piece: the pieces in flight (text + parsed slab per thread) are the reader's
  // memory on top of the data (64×800000 tidy, 975 MB: reader peak RSS 629 → 549 MB at 16 MiB; the
  // 1.9 GB 2000×50000 file still reads in 4.6 s).
  const target = Math.max(1, Math.floor(opts.pieceBytes ?? Math.min(MAX_PIECE_BYTES, Math.max(1 << 20, data / (8 * threads)))));
  const count = Math.max(1, Math.round(data / target));
  const bounds = [start];
  let from = start;
  for (let i = 1; i < count; i++) {
    const cut = Math.max(from, start + Math.round((data * i) / count));
    const b = await lineStartAtOrAfter(fh, cut, size, buf, have);
    if (b >= size) break;
    if (b > bounds[bounds.length - 1]) bounds.push(b);
    from = b;
  }
  bounds.push(size);
  // Rows per piece from the detected estimate, the same for all (the largest piece's) so buffers can be
  // reused from piece to piece (rows layout: unused).
  let largest = 0;
  for (let i = 1; i < bounds.length; i++) largest = Math.max(largest, bounds[i] - bounds[i - 1]);
  const cap = Math.ceil((state.cap * largest) / Math.max(1, data)) + 16;
  const caps = bounds.slice(1).map(() => cap);
  const shared = new SharedArrayBuffer(8);
  new Int32Array(shared)[1] = bounds.length - 1;
  const job: Job = { path, file, dt: opts.dt, size, state, bounds, caps, chunk, crc: opts.onCrc32 !== undefined, shared };
  return { engine, job, line0, headCrc };
}

/** First line start >= pos (a byte after LF), or size. head = the file's first `have` bytes, already read. */
async function lineStartAtOrAfter(fh: FileHandle, pos: number, size: number, head: Buffer, have: number): Promise<number> {
  if (pos <= 0) return 0;
  let p = pos - 1;
  const block = Buffer.allocUnsafe(64 << 10);
  if (p < have) {
    const i = head.subarray(0, have).indexOf(LF, p);
    if (i >= 0) return i + 1;
    p = have;
  }
  while (p < size) {
    const { bytesRead: n } = await fh.read(block, 0, block.length, p);
    if (n === 0) break;
    const i = block.subarray(0, n).indexOf(LF);
    if (i >= 0) return p + i + 1;
    p += n;
  }
  return size;
}

/** Parse the pieces here and in the workers; null = read the file with readCsvFile instead. */
async function runPlan(
  plan: Plan,
  workers: Worker[],
  path: string,
  opts: ParallelCsvOptions,
  progress?: ProgressSink,
  signal?: AbortSignal,
): Promise<Dataset | null> {
  const { job, engine } = plan;
  const working = workers.map(() => true);
  const asm = new Assembler(plan, (slab, from) => {
    if (from < 0) spare.push(slab);
    else if (working[from]) workers[from].postMessage({ type: 'recycle', slab } satisfies ToWorker, [slab.buffer as ArrayBuffer]);
  });
  let doneBytes = 0;
  let nextReport = 0;
  const report = (bytes: number): void => {
    doneBytes += bytes;
    const f = doneBytes / job.size;
    if (progress && f >= nextReport) {
      progress({ phase: 'read', fraction: Math.min(1, f) });
      nextReport = Math.floor(f * 50 + 1) / 50;
    }
  };
  let failure: string | null = null;
  let abortReject: ((e: unknown) => void) | null = null;
  const aborted = new Promise<never>((_, reject) => (abortReject = reject));
  aborted.catch(() => undefined);
  const onAbort = (): void => abortReject?.(new CancelledError());
  const detach: (() => void)[] = [];
  let clean = false;
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) throw new CancelledError();
    const finished = workers.map(
      (w, from) =>
        new Promise<void>((resolve) => {
          const onMessage = (m: WorkerMessage): void => {
            if (m.type === 'progress') report(m.bytes);
            else if (m.type === 'piece') {
              asm.add(m.result);
              csvParallelStats.workerPieces++;
            }
            else {
              working[from] = false;
              resolve();
            }
          };
          const onError = (e: unknown): void => {
            failure ??= String(e);
            resolve();
          };
          const onExit = (): void => {
            failure ??= 'worker exited';
            resolve();
          };
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
          detach.push(() => {
            w.off('message', onMessage);
            w.off('error', onError);
            w.off('exit', onExit);
          });
          w.postMessage({ type: 'job', job, from } satisfies ToWorker);
        }),
    );
    const mine = opts.mainParses === false ? Promise.resolve(0) : parsePieces(job, -1, report, (r) => asm.add(r), signal);
    await Promise.race([Promise.all([mine, ...finished]), aborted]);
    clean = failure === null;
  } finally {
    spare.length = 0;
    signal?.removeEventListener('abort', onAbort);
    for (const d of detach) d();
    // A worker that finished its job goes back to the pool; after an abort or a failure it is ended.
    for (const w of workers) {
      if (clean) release(w);
      else void w.terminate();
    }
  }
  if (failure !== null || asm.outcome === 'reread') return null;
  if (asm.outcome !== null) throw asm.outcome.error;
  const parsed = asm.parsed();
  if (parsed === null) return null; // a piece went missing: cannot happen, but never guess
  if (opts.onBytes) await replayBytes(path, opts.onBytes, job.chunk);
  if (opts.onCrc32) opts.onCrc32(asm.fileCrc());
  if (progress) progress({ phase: 'read', fraction: 1 });
  engine.adopt(parsed);
  return engine.finish();
}

/**
 * Takes the pieces' results as they arrive and walks them in file order as soon as they are contiguous:
 * line offsets, time order across piece borders, the first error, the CRC, and the columns copied into
 * the final arrays (so little copying is left once the last piece arrives). The first error or doubt ends
 * the walk: `outcome` then says to throw it or to read the file with readCsvFile.
 */
class Assembler {
  private readonly results: (PieceResult | undefined)[];
  private next = 0;
  private offset: number;
  private prevLast = NaN;
  private havePrev = false;
  private rowLen = -1;
  private nrows = 0;
  private crc: number;
  private cols: Float64Array[] = [];
  private readonly rowList: Float64Array[] = [];
  private readonly missing: ParsedMissing = { rows: [], cols: [], texts: [] };
  outcome: { error: InputError } | 'reread' | null = null;

  constructor(
    private readonly plan: Plan,
    /** Called with a piece's column buffer once copied, for the thread that parsed it to reuse. */
    private readonly recycle: (slab: Float64Array, from: number) => void,
  ) {
    this.results = new Array<PieceResult | undefined>(plan.job.bounds.length - 1);
    this.offset = plan.line0 - 1;
    this.crc = plan.headCrc;
  }

  add(r: PieceResult): void {
    this.results[r.index] = r;
    while (this.outcome === null && this.next < this.results.length) {
      const cur = this.results[this.next];
      if (!cur) break;
      this.results[this.next] = undefined;
      this.take(cur);
      this.next++;
    }
    if (this.outcome !== null) {
      // Later pieces cannot matter: the parsers skip what they have not started.
      Atomics.store(new Int32Array(this.plan.job.shared), 1, -1);
    }
  }

  /** The parsed data of the whole file, or null while pieces are missing. */
  parsed(): CsvParsed | null {
    if (this.outcome !== null || this.next < this.results.length) return null;
    const line = this.offset + 1;
    const missing = this.missing.rows.length > 0 ? { missing: this.missing } : {};
    if (this.plan.job.state.mode === 'rows') return { cols: [], nrows: 0, rowList: this.rowList, rowLen: this.rowLen, line, ...missing };
    if (this.cols.length === 0) for (let j = 0; j < this.plan.job.state.ncol; j++) this.cols.push(new Float64Array(0));
    return { cols: this.cols, nrows: this.nrows, rowList: [], rowLen: -1, line, ...missing };
  }

  fileCrc(): number {
    return this.crc >>> 0;
  }

  private fail(e: { reason: string; code: string; line?: number; column?: number }): void {
    const line = e.line === undefined ? undefined : this.offset + e.line;
    this.outcome = { error: new InputError({ file: this.plan.job.file, line, column: e.column }, e.reason, e.code) };
  }

  private take(r: PieceResult): void {
    const { job } = this.plan;
    const { state } = job;
    if (r.failed !== null) {
      this.outcome = 'reread';
      return;
    }
    // Whether the piece's first data row was parsed (its values are in the arrays).
    const first = r.error === null ? r.nrows > 0 || r.rowList.length > 0 : r.firstLine > 0 && (r.error.line ?? 0) > r.firstLine;
    if (state.mode === 'cols') {
      const tc = state.tc;
      // A piece's first row has no predecessor inside it: check it against the previous piece's last row.
      if (first && tc >= 0 && this.havePrev) {
        const t0 = r.cols[tc][0];
        if (!(t0 > this.prevLast)) {
          this.fail({ reason: timeOrderReason(t0, this.prevLast), code: 'E_INPUT', line: r.firstLine, column: tc + 1 });
          return;
        }
      }
      if (r.error) {
        this.fail(r.error);
        return;
      }
      this.addMissing(r.missing, this.nrows);
      if (r.nrows > 0) {
        if (tc >= 0) {
          this.prevLast = r.cols[tc][r.nrows - 1];
          this.havePrev = true;
        }
        this.append(r.cols, r.nrows);
      }
      const slab = slabOf(r.cols);
      if (slab) this.recycle(slab, r.from);
    } else {
      // Rows layout: a piece learns the line length from its own first line; before the file's first
      // line that is exact, after it only when the lengths agree (otherwise readCsvFile says what is wrong).
      if (r.error) {
        if (this.rowLen >= 0 && (!first || r.rowLen !== this.rowLen)) this.outcome = 'reread';
        else this.fail(r.error);
        return;
      }
      if (r.rowList.length > 0) {
        if (this.rowLen < 0) this.rowLen = r.rowLen;
        else if (r.rowLen !== this.rowLen) {
          this.outcome = 'reread';
          return;
        }
        this.addMissing(r.missing, this.rowList.length);
        for (const a of r.rowList) this.rowList.push(a);
      }
    }
    this.offset += r.lines;
    if (job.crc) this.crc = crc32Combine(this.crc, r.crc, job.bounds[r.index + 1] - job.bounds[r.index]);
  }

  /** A piece's missing cells, its data lines numbered after the `before` lines of the pieces before it. */
  private addMissing(m: ParsedMissing | null, before: number): void {
    if (!m) return;
    for (let k = 0; k < m.rows.length; k++) {
      this.missing.rows.push(m.rows[k] + before);
      this.missing.cols.push(m.cols[k]);
      this.missing.texts.push(m.texts[k]);
    }
  }

  /** Columns: rows [0, n) of a piece after the rows so far (final arrays sized from detection's estimate, doubled if short). */
  private append(src: Float64Array[], n: number): void {
    const need = this.nrows + n;
    if (this.cols.length === 0 || this.cols[0].length < need) {
      const cap = Math.max(need, this.cols.length === 0 ? this.plan.job.state.cap : this.cols[0].length * 2);
      const grown: Float64Array[] = [];
      for (let j = 0; j < src.length; j++) {
        const a = new Float64Array(cap);
        if (this.cols.length > 0) a.set(this.cols[j].subarray(0, this.nrows));
        grown.push(a);
      }
      this.cols = grown;
    }
    for (let j = 0; j < src.length; j++) this.cols[j].set(n === src[j].length ? src[j] : src[j].subarray(0, n), this.nrows);
    this.nrows = need;
  }
}

/** The one buffer behind a piece's columns (forRange's slab), or null when they grew apart. */
function slabOf(cols: Float64Array[]): Float64Array | null {
  if (cols.length === 0) return null;
  const buf = cols[0].buffer;
  for (const a of cols) if (a.buffer !== buf) return null;
  return new Float64Array(buf);
}

/** This thread's buffers to reuse for pieces (emptied after each file). */
const spare: Float64Array[] = [];

function takeSpare(len: number): Float64Array | undefined {
  const i = spare.findIndex((a) => a.length >= len);
  return i >= 0 ? spare.splice(i, 1)[0] : undefined;
}

/** onBytes over the whole file in order (the pieces were read out of order). */
async function replayBytes(path: string, onBytes: (chunk: Uint8Array) => void, chunk: number): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.max(16, chunk));
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      onBytes(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/** Take pieces from the shared counter until none is left; parse each with a fresh engine. */
async function parsePieces(
  job: Job,
  from: number,
  report: (bytes: number) => void,
  onPiece: (r: PieceResult) => void,
  signal?: AbortSignal,
): Promise<number> {
  const ctl = new Int32Array(job.shared);
  let count = 0;
  const fh = await open(job.path, 'r');
  try {
    const buf = { b: Buffer.allocUnsafe(Math.max(16, job.chunk)) };
    for (;;) {
      const i = Atomics.add(ctl, 0, 1);
      if (i >= job.bounds.length - 1 || i > Atomics.load(ctl, 1)) break;
      const r = await parsePiece(fh, job, from, i, buf, report, signal);
      if (r.error !== null || r.failed !== null) {
        // Later pieces cannot matter any more: skip them.
        let cur = Atomics.load(ctl, 1);
        while (i < cur) {
          const was = Atomics.compareExchange(ctl, 1, cur, i);
          if (was === cur) break;
          cur = was;
        }
      }
      onPiece(r);
      count++;
    }
  } finally {
    await fh.close();
  }
  return count;
}

/** Parse piece i: read it in chunks (the partial last line carried over, as readChunks does) and feed. */
async function parsePiece(
  fh: FileHandle,
  job: Job,
  from: number,
  index: number,
  bufRef: { b: Buffer },
  report: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<PieceResult> {
  const start = job.bounds[index];
  const end = job.bounds[index + 1];
  const st = job.state;
  const slab = st.mode === 'cols' ? takeSpare(st.ncol * Math.max(16, job.caps[index])) : undefined;
  const engine = CsvEngine.forRange(job.file, { dt: job.dt }, job.size, st, 1, job.caps[index], slab);
  const res: PieceResult = {
    index,
    from,
    lines: 0,
    firstLine: 0,
    nrows: 0,
    cols: [],
    rowList: [],
    rowLen: -1,
    missing: null,
    crc: 0,
    error: null,
    failed: null,
  };
  let blank = 0; // blank lines before the first data line
  let buf = bufRef.b;
  let have = 0;
  let pos = start;
  try {
    while (pos < end || have > 0) {
      if (signal?.aborted) throw new CancelledError();
      if (have === buf.length) {
        const nb = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(nb, 0, 0, have);
        buf = bufRef.b = nb;
      }
      const want = Math.min(buf.length - have, end - pos);
      const { bytesRead } = want > 0 ? await fh.read(buf, have, want, pos) : { bytesRead: 0 };
      if (job.crc && bytesRead > 0) res.crc = crc32(buf.subarray(have, have + bytesRead), res.crc);
      have += bytesRead;
      pos += bytesRead;
      const last = pos >= end || bytesRead === 0;
      const limit = last ? have : buf.lastIndexOf(LF, have - 1) + 1;
      let p = 0;
      if (res.firstLine === 0) {
        // Blank lines (LF, CRLF) at the piece's start, to know which line its first row is on.
        while (p < limit && (buf[p] === LF || (buf[p] === CR && p + 1 < limit && buf[p + 1] === LF))) {
          p += buf[p] === LF ? 1 : 2;
          blank++;
        }
        if (p < limit) res.firstLine = blank + 1;
        p = 0;
      }
      if (limit > 0) p = engine.feed(buf, 0, limit, last && end === job.size);
      report(bytesRead);
      if (p > 0) {
        buf.copy(buf, 0, p, have);
        have -= p;
      }
      if (last) break;
    }
    const parsed = engine.parsed();
    res.lines = parsed.line - 1;
    res.nrows = parsed.nrows;
    res.cols = parsed.cols;
    res.rowList = parsed.rowList;
    res.rowLen = parsed.rowLen;
    res.missing = parsed.missing ?? null;
  } catch (e) {
    if (e instanceof InputError) {
      res.error = { reason: e.reason, code: e.code, line: e.location.line, column: e.location.column };
      if (job.state.mode === 'cols') res.cols = engine.parsed().cols;
      res.rowLen = engine.parsed().rowLen;
    } else if (e instanceof CancelledError) throw e;
    else res.failed = String(e);
  }
  return res;
}

/** The buffers a result owns, to transfer rather than copy. */
function transferList(r: PieceResult): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const a of r.cols) seen.add(a.buffer as ArrayBuffer);
  for (const a of r.rowList) seen.add(a.buffer as ArrayBuffer);
  return [...seen];
}

// ---------------------------------------------------------------------------------------------------
// The worker side and how to start it.

/** How to start this module as a worker (null: parse in one thread). */
function workerScript(): WorkerScript | null {
  return moduleWorkerScript(__filename, __dirname, 'csvParallel.js', JOB);
}

/**
 * Workers kept after a file for the next one (a started, warmed-up worker parses at full speed at once),
 * unref'd so they never keep the process alive, and ended after IDLE_MS without work.
 */
const idle: { w: Worker; timer: NodeJS.Timeout; onExit: () => void }[] = [];
const IDLE_MS = 15_000;

function acquire(script: WorkerScript): Worker {
  const e = idle.pop();
  if (!e) return script.start();
  clearTimeout(e.timer);
  e.w.off('exit', e.onExit);
  e.w.off('error', ignore);
  e.w.ref();
  return e.w;
}

function release(w: Worker): void {
  const onExit = (): void => {
    const i = idle.findIndex((e) => e.w === w);
    if (i >= 0) {
      clearTimeout(idle[i].timer);
      idle.splice(i, 1);
    }
  };
  const timer = setTimeout(() => {
    onExit();
    void w.terminate();
  }, IDLE_MS);
  timer.unref();
  w.on('exit', onExit);
  w.on('error', ignore);
  w.unref();
  idle.push({ w, timer, onExit });
}

function ignore(): void {}

/** In a worker: parse pieces of the job it is sent, post each result (arrays transferred), then 'done'. */
function serveWorker(): void {
  const port = parentPort;
  if (!port) return;
  // Warm the parse loops now (the engine's first construction does it), while the caller detects the format.
  void new CsvEngine('', {}, 0);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'recycle') {
      spare.push(m.slab);
      return;
    }
    spare.length = 0;
    const post = (msg: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
    let pending = 0;
    const report = (bytes: number): void => {
      // One message per few MiB is plenty for a progress bar.
      pending += bytes;
      if (pending >= 4 << 20) {
        post({ type: 'progress', bytes: pending });
        pending = 0;
      }
    };
    parsePieces(m.job, m.from, report, (r) => post({ type: 'piece', result: r }, transferList(r)))
      .then(() => {
        spare.length = 0;
        if (pending > 0) post({ type: 'progress', bytes: pending });
        post({ type: 'done' });
      })
      .catch((e: unknown) => {
        throw e instanceof Error ? e : new Error(String(e));
      });
  });
}

// Started by workerScript(): serve jobs. Elsewhere (e.g. bundled into the compress worker) this is a no-op.
if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === JOB) serveWorker();

// ---------------------------------------------------------------------------------------------------
// CRC32 of a concatenation from the parts' CRCs (zlib's crc32_combine: GF(2) matrix powers of the
// operator "append one zero bit"), so the pieces can be checksummed in any thread and order.

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]);
}

/** crc32(A ‖ B) from crc32(A), crc32(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  if (lenB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320; // the reflected polynomial: one zero bit
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd); // two zero bits
  gf2Square(odd, even); // four zero bits
  let crc = crcA >>> 0;
  let len = lenB;
  do {
    gf2Square(even, odd);
    if (len % 2) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (crc ^ crcB) >>> 0;
}
