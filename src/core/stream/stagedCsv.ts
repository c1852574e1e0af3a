// Streaming input, first stage: read a CSV once, with readCsvFile's parser, detection and errors, and
// stage its numbers as raw float64 in a private temporary file; later passes visit them in consecutive
// time blocks (BlockSource) without the n × m array in memory.
//
// Staged file: the CSV's data lines as an L × C matrix of float64 (native byte order; the file never leaves
// this process), stored in tiles of T consecutive lines, each tile column-major (C × T contiguous):
// - columns layout (a line is a time step): T = S steps, the time column left out (it is kept in `time`),
//   so a block is one tile, read with one positional read and handed out as views;
// - rows layout (a line is one variable's whole series): T = 1, line i at offset i·C·8, so a block is one
//   positional read per variable.
// S = clamp(floor(blockBytes / 8C), 256, 16384) or opts.blockLength.
//
// Auto orientation (no header, no time column, no forced layout): like readCsvFile, the engine guesses from
// the sampled line lengths whether lines are variables and checks the guess on the exact counts at the end.
// When the guess was wrong the staged file is not rewritten: forEachBlock reads the same tiles transposed
// (columns layout staged as rows: a block of steps is a run of consecutive lines, one read; rows layout staged
// as columns: a block of steps is the same column range of every tile, one read per tile). Only possible near
// lines ≈ values per line, so both ways are cheap.
//
// Memory: one CSV chunk, the parsed but not yet written data of one chunk, one tile being filled, the time
// column when the file has one (8 B per step), and in the rows layout one line's values.
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanCsvFile, type CsvSink, type CsvSinkShape, type ReadCsvOptions, type StagedShape } from '../csv/read';
import { CancelledError } from '../errors';
import type { ProgressSink } from '../progress';
import type { BlockSource } from './blocks';

export interface StagedCsv extends BlockSource {
  /** The temporary file holding the data (deleted by close()). */
  readonly tempPath: string;
  readonly stagedBytes: number;
  /** Deletes the temporary file; idempotent. No forEachBlock may be running. */
  close(): Promise<void>;
}

export interface StageOptions extends ReadCsvOptions {
  /** Where the temporary file goes (default os.tmpdir()). */
  tempDir?: string;
  /** Target block size in bytes, n × blockLength × 8 (default 16 MiB). */
  blockBytes?: number;
  /** Steps per block, overriding blockBytes (tests: small values make ragged blocks). */
  blockLength?: number;
}

// Blocks are also the file's segments. Measured on 64×400000 (tidy, streaming compress): blocks of
// 4096 / 16384 / 65536 steps gave peak RSS 162 / 168 / 241 MB and ratio 4390 / 4935 / 4893.
const DEFAULT_BLOCK_BYTES = 16 << 20;
const MIN_BLOCK = 256;
const MAX_BLOCK = 16384;
/** Pieces smaller than this are copied into a shared batch so writes are not tiny. */
const BATCH_BYTES = 1 << 20;
/** Rows the engine parses before handing them over (columns layout), in bytes of float64. */
const DRAIN_BYTES = 2 << 20;
/** Positional reads issued together in the rows layout (one per variable). */
const READS_IN_FLIGHT = 8;

/** Temp files still on disk: removed on process exit if close() was never reached. */
const liveTempFiles = new Set<string>();
let exitHookInstalled = false;
function trackTempFile(path: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of liveTempFiles) {
        try {
          unlinkSync(p);
        } catch {
          // already gone
        }
      }
    });
  }
  liveTempFiles.add(path);
}

/** Steps per block (= per segment of the file) the staging default gives `width` values per step. */
export function defaultBlockLength(width: number): number {
  return stepsPerBlock(width, {});
}

function stepsPerBlock(width: number, opts: StageOptions): number {
  if (opts.blockLength !== undefined) return opts.blockLength;
  const bytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
  return Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, Math.floor(bytes / (8 * Math.max(1, width)))));
}

function bytesOf(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Read exactly length bytes at position (positional reads of a regular file may still come back short). */
async function readFully(fh: FileHandle, into: Uint8Array, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(into, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`staged data truncated at byte ${position + done}`);
    done += bytesRead;
  }
}

/** The CsvSink that writes the parsed lines to the staged file in tiles, and keeps what finish() checks. */
class StageWriter implements CsvSink {
  private pos = 0;
  private queue: Uint8Array[] = [];
  private batch: Buffer | null = null;
  private batchUsed = 0;
  private batchStart = 0;
  /** Batch buffers in the queue (reused after their write), and ones free for reuse. */
  private batchesQueued: Buffer[] = [];
  private freeBatches: Buffer[] = [];
  private layout: 'rows' | 'columns' = 'columns';
  private ncol = 0;
  private tc = -1;
  private autoOrient = false;
  /** Lines per tile (columns layout) and the tile being filled: staged column v at [v·tileLines, …). */
  tileLines = 1;
  private tile: Float64Array = new Float64Array(0);
  private tileFill = 0;
  private spareTile: Float64Array | null = null;
  private written: Float64Array[] = [];
  /** Data lines received, and values per staged line. */
  lines = 0;
  width = 0;
  private first: Float64Array | null = null;
  private columnVarying = false;
  private lineVarying = false;
  private time: Float64Array = new Float64Array(0);

  constructor(
    private readonly fh: FileHandle,
    private readonly opts: StageOptions,
  ) {}

  begin(shape: CsvSinkShape): number {
    this.layout = shape.layout;
    this.ncol = shape.columns;
    this.tc = shape.timeColumn;
    this.autoOrient = shape.autoOrient;
    if (shape.layout === 'rows') return 1;
    this.width = this.ncol - (this.tc >= 0 ? 1 : 0);
    this.tileLines = stepsPerBlock(this.width, this.opts);
    this.tile = new Float64Array(this.width * this.tileLines);
    this.first = new Float64Array(this.ncol);
    // Sized from the engine's estimate so the time column is rarely copied to grow.
    if (this.tc >= 0) this.time = new Float64Array(shape.estimatedRows);
    // The engine's row buffer need not hold a whole tile: about DRAIN_BYTES of rows per hand-over.
    return Math.min(this.tileLines, Math.max(64, Math.floor(DRAIN_BYTES / (8 * Math.max(1, this.ncol)))));
  }

  columns(cols: readonly Float64Array[], from: number, to: number): void {
    if (to <= from) return;
    const ncol = this.ncol;
    const tc = this.tc;
    const first = this.first as Float64Array;
    if (this.lines === 0) for (let c = 0; c < ncol; c++) first[c] = cols[c][from];
    // Constant-data check of finish(): once one variable varies nothing more is needed.
    for (let c = 0; c < ncol && !this.columnVarying; c++) {
      if (c === tc) continue;
      const a = cols[c];
      const v0 = first[c];
      for (let r = from; r < to; r++) {
        if (a[r] !== v0) {
          this.columnVarying = true;
          break;
        }
      }
    }
    if (this.autoOrient && !this.lineVarying) {
      // Lines may turn out to be the variables (no time column in auto orientation).
      const a0 = cols[0];
      for (let r = from; r < to && !this.lineVarying; r++) {
        for (let c = 1; c < ncol; c++) {
          if (cols[c][r] !== a0[r]) {
            this.lineVarying = true;
            break;
          }
        }
      }
    }
    if (tc >= 0) {
      const need = this.lines + (to - from);
      if (need > this.time.length) {
        const grown = new Float64Array(Math.max(need, this.time.length * 2));
        grown.set(this.time.subarray(0, this.lines));
        this.time = grown;
      }
      this.time.set(cols[tc].subarray(from, to), this.lines);
    }
    this.lines += to - from;
    const S = this.tileLines;
    while (from < to) {
      const k = Math.min(to - from, S - this.tileFill);
      for (let c = 0, v = 0; c < ncol; c++) {
        if (c === tc) continue;
        this.tile.set(cols[c].subarray(from, from + k), v * S + this.tileFill);
        v++;
      }
      this.tileFill += k;
      from += k;
      if (this.tileFill === S) this.sealTile();
    }
  }

  /** Queue the tile being filled (a full one, or the last one compacted to its row count). */
  private sealTile(): void {
    const rowsIn = this.tileFill;
    if (rowsIn === 0) return;
    const S = this.tileLines;
    let t = this.tile;
    if (rowsIn < S) {
      for (let v = 1; v < this.width; v++) t.copyWithin(v * rowsIn, v * S, v * S + rowsIn);
      t = t.subarray(0, this.width * rowsIn);
    }
    if (t.byteLength >= BATCH_BYTES) {
      // Large tile: written as is, then reused for filling after the write.
      this.push(bytesOf(t), true);
      this.written.push(this.tile);
      this.tile = this.spareTile ?? new Float64Array(this.width * S);
      this.spareTile = null;
    } else this.push(bytesOf(t), false);
    this.tileFill = 0;
  }

  line(values: Float64Array): void {
    const C = values.length;
    if (this.lines === 0) {
      this.width = C;
      if (this.autoOrient) this.first = values.slice();
    }
    if (!this.lineVarying) {
      const v0 = values[0];
      for (let j = 1; j < C; j++) {
        if (values[j] !== v0) {
          this.lineVarying = true;
          break;
        }
      }
    }
    if (this.autoOrient && !this.columnVarying) {
      // The columns may turn out to be the variables.
      const first = this.first as Float64Array;
      for (let j = 0; j < C; j++) {
        if (values[j] !== first[j]) {
          this.columnVarying = true;
          break;
        }
      }
    }
    this.lines++;
    this.push(bytesOf(values), true);
  }

  anyVarying(variablesAreLines: boolean): boolean {
    return variablesAreLines ? this.lineVarying : this.columnVarying;
  }

  timeColumn(): Float64Array {
    const m = this.lines;
    return this.time.length - m <= this.time.length >> 3 ? this.time.subarray(0, m) : this.time.slice(0, m);
  }

  /** Queue bytes for writing: large owned pieces as they are, the rest copied into a batch buffer. */
  private push(bytes: Uint8Array, owned: boolean): void {
    if (bytes.byteLength >= BATCH_BYTES) {
      this.sealBatch();
      this.queue.push(owned ? bytes : bytes.slice());
      return;
    }
    if (this.batch === null || this.batchUsed + bytes.byteLength > this.batch.length) {
      this.sealBatch();
      this.batch = this.freeBatches.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
      this.batchesQueued.push(this.batch);
      this.batchUsed = 0;
      this.batchStart = 0;
    }
    this.batch.set(bytes, this.batchUsed);
    this.batchUsed += bytes.byteLength;
  }

  private sealBatch(): void {
    if (this.batch !== null && this.batchUsed > this.batchStart) {
      this.queue.push(this.batch.subarray(this.batchStart, this.batchUsed));
      this.batchStart = this.batchUsed;
    }
  }

  /** Write what was queued, once it adds up to a batch (or always when final). */
  async flush(final = false): Promise<void> {
    if (!final && this.queue.length === 0 && this.batchUsed - this.batchStart < BATCH_BYTES >> 1) return;
    this.sealBatch();
    const queue = this.queue;
    this.queue = [];
    // The batch buffer's written part is in the queue: start a fresh one rather than overwrite it.
    this.batch = null;
    this.batchUsed = 0;
    this.batchStart = 0;
    if (queue.length > 0) {
      let bytes = 0;
      for (const q of queue) bytes += q.byteLength;
      const { bytesWritten } = await this.fh.writev(queue, this.pos);
      if (bytesWritten !== bytes) throw new Error(`short write to the staged data file (${bytesWritten} of ${bytes} bytes)`);
      this.pos += bytes;
    }
    // Written: batch buffers and large tiles can be filled again.
    for (const b of this.batchesQueued) if (this.freeBatches.length < 4) this.freeBatches.push(b);
    this.batchesQueued = [];
    if (this.written.length > 0) {
      this.spareTile ??= this.written[this.written.length - 1];
      this.written = [];
    }
  }

  async finish(): Promise<number> {
    if (this.layout === 'columns') this.sealTile();
    await this.flush(true);
    return this.pos;
  }

  get stagedLayout(): 'rows' | 'columns' {
    return this.layout;
  }
}

/**
 * Read a CSV file once and stage its numbers in a temporary file: same detection, values, names, time,
 * source and errors as readCsvFile (InputError, OptionError, CancelledError, fs errors). On any error the
 * temporary file is deleted before the error propagates. The caller must close() the result.
 */
export async function stageCsvFile(path: string, opts: StageOptions, progress?: ProgressSink, signal?: AbortSignal): Promise<StagedCsv> {
  if (opts.blockLength !== undefined && !(Number.isInteger(opts.blockLength) && opts.blockLength >= 1)) {
    throw new RangeError(`block length must be a positive integer, got ${opts.blockLength}`);
  }
  if (opts.blockBytes !== undefined && !(opts.blockBytes > 0)) throw new RangeError(`block bytes must be positive, got ${opts.blockBytes}`);
  const tempPath = join(opts.tempDir ?? tmpdir(), `wsindy-stage-${process.pid}-${randomBytes(8).toString('hex')}.f64`);
  const fh = await open(tempPath, 'wx+', 0o600);
  trackTempFile(tempPath);
  try {
    const writer = new StageWriter(fh, opts);
    const shape = await scanCsvFile(path, opts, writer, progress, signal);
    const stagedBytes = await writer.finish();
    return makeStaged(fh, tempPath, stagedBytes, writer, shape, opts);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    liveTempFiles.delete(tempPath);
    throw e;
  }
}

/** Reads one block (steps [j0, j1)) into the given per-variable buffers; views of them are handed out. */
type BlockLoader = (j0: number, j1: number, bufs: BlockBuffers) => Promise<Float64Array[]>;

interface BlockBuffers {
  /** n × blockLength values: variable i's block at [i·len, (i+1)·len) when not a view of raw. */
  values: Float64Array;
  /** Raw bytes read, when they need rearranging. */
  raw: Float64Array;
}

function makeStaged(fh: FileHandle, tempPath: string, stagedBytes: number, writer: StageWriter, shape: StagedShape, opts: StageOptions): StagedCsv {
  const { n, m } = shape;
  const L = writer.lines;
  const C = writer.width;
  const T = writer.stagedLayout === 'columns' ? writer.tileLines : 1;
  /** Byte offset of the tile holding line l (l a multiple of T), and its line count. */
  const tileAt = (l: number): [number, number] => [l * C * 8, Math.min(T, L - l)];
  let blockLength: number;
  let rawValues: number;
  let load: BlockLoader;
  if (!shape.variablesAreLines && T > 1) {
    // Columns staged as tiles of T steps: a block is a tile, one read, handed out as views.
    blockLength = Math.min(T, m);
    rawValues = C * blockLength;
    load = async (j0, _j1, bufs) => {
      const [off, rows] = tileAt(j0);
      await readFully(fh, bytesOf(bufs.raw), C * rows * 8, off);
      const out: Float64Array[] = [];
      for (let i = 0; i < n; i++) out.push(bufs.raw.subarray(i * rows, (i + 1) * rows));
      return out;
    };
  } else if (!shape.variablesAreLines) {
    // Rows layout staged but the lines are time steps (auto orientation reversed): steps [j0, j1) are
    // consecutive lines, one read, transposed.
    blockLength = Math.min(stepsPerBlock(n, opts), m);
    rawValues = C * blockLength;
    load = async (j0, j1, bufs) => {
      const len = j1 - j0;
      await readFully(fh, bytesOf(bufs.raw), len * C * 8, j0 * C * 8);
      const raw = bufs.raw;
      const out: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        const row = bufs.values.subarray(i * len, (i + 1) * len);
        for (let j = 0; j < len; j++) row[j] = raw[j * C + i];
        out.push(row);
      }
      return out;
    };
  } else {
    // Variables are the staged lines: steps [j0, j1) are the same column range of every tile.
    blockLength = Math.min(stepsPerBlock(n, opts), m);
    rawValues = T > 1 ? Math.min(T, L) * blockLength : 0;
    load = async (j0, j1, bufs) => {
      const len = j1 - j0;
      const out: Float64Array[] = [];
      for (let i = 0; i < n; i++) out.push(bufs.values.subarray(i * len, (i + 1) * len));
      if (T === 1) {
        // One read per variable, straight into its block; a few in flight keep the disk busy.
        const reads: Promise<void>[] = [];
        for (let l = 0; l < L; l++) {
          reads.push(readFully(fh, bytesOf(out[l]), len * 8, l * C * 8 + j0 * 8));
          if (reads.length === READS_IN_FLIGHT) await Promise.all(reads.splice(0));
        }
        await Promise.all(reads);
        return out;
      }
      for (let l = 0; l < L; l += T) {
        const [off, rows] = tileAt(l);
        // A tile of lines staged from a guessed columns layout: scatter its column range.
        await readFully(fh, bytesOf(bufs.raw), len * rows * 8, off + j0 * rows * 8);
        const raw = bufs.raw;
        for (let r = 0; r < rows; r++) {
          const row = out[l + r];
          for (let j = 0; j < len; j++) row[j] = raw[j * rows + r];
        }
      }
      return out;
    };
  }
  const valuesPerBlock = !shape.variablesAreLines && T > 1 ? 0 : n * blockLength;
  let closed = false;
  return {
    n,
    m,
    names: shape.names,
    time: shape.time,
    source: shape.source,
    blockLength,
    tempPath,
    stagedBytes,
    async forEachBlock(visit, signal) {
      if (closed) throw new Error('staged CSV data already closed');
      // Two buffer sets: the next block is read while the visitor works on the current one.
      const sets: BlockBuffers[] = [0, 1].map(() => ({ values: new Float64Array(valuesPerBlock), raw: new Float64Array(rawValues) }));
      const start = (b: number): Promise<Float64Array[]> => {
        const j0 = b * blockLength;
        return load(j0, Math.min(m, j0 + blockLength), sets[b & 1]);
      };
      const blocks = Math.ceil(m / blockLength);
      if (signal?.aborted) throw new CancelledError();
      let next: Promise<Float64Array[]> | null = blocks > 0 ? start(0) : null;
      try {
        for (let b = 0; b < blocks; b++) {
          const rows = await (next as Promise<Float64Array[]>);
          next = null;
          if (signal?.aborted) throw new CancelledError();
          if (b + 1 < blocks) next = start(b + 1);
          await visit(b * blockLength, rows);
        }
      } finally {
        // A read still in flight when the visitor threw: let it settle so it neither leaks nor goes unhandled.
        if (next !== null) await next.catch(() => undefined);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close().catch(() => undefined);
      await unlink(tempPath).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      liveTempFiles.delete(tempPath);
    },
  };
}
