// Data visited in consecutive time blocks, for the streaming pipeline: POD, weak form and coder make
// passes over blocks, so no pass needs the n × m array in memory.
import type { Dataset, SourceFormat } from '../dataset';
import { CancelledError } from '../errors';

/** n variables × m time steps, visited block by block in time order. */
export interface BlockSource {
  readonly n: number;
  readonly m: number;
  readonly names: readonly string[];
  /** m strictly increasing time stamps: the one per-step array kept in memory (8 bytes per step). */
  readonly time: Float64Array;
  readonly source: SourceFormat;
  /** Steps per block; every block has this length except possibly the last. */
  readonly blockLength: number;
  /**
   * Visit the blocks in time order: rows[i] holds variable i at steps [j0, j0 + rows[i].length). The
   * arrays are reused between calls: copy what must outlive the call. An awaited visitor is awaited.
   */
  forEachBlock(visit: (j0: number, rows: readonly Float64Array[]) => void | Promise<void>, signal?: AbortSignal): Promise<void>;
}

/** Blocks of an in-memory dataset (views, no copies): the same streaming algorithms on small data and in tests. */
export function memoryBlockSource(ds: Dataset, blockLength: number): BlockSource {
  if (!(Number.isInteger(blockLength) && blockLength >= 1)) throw new RangeError(`block length must be a positive integer, got ${blockLength}`);
  const m = ds.time.length;
  return {
    n: ds.series.length,
    m,
    names: ds.names,
    time: ds.time,
    source: ds.source,
    blockLength,
    async forEachBlock(visit, signal) {
      for (let j0 = 0; j0 < m; j0 += blockLength) {
        if (signal?.aborted) throw new CancelledError();
        const j1 = Math.min(m, j0 + blockLength);
        await visit(j0, ds.series.map((s) => s.subarray(j0, j1)));
      }
    },
  };
}
