// platform/ owns the Node facilities the core relies on: atomic file output and modules started as workers.
// It may import node: modules only.
// Atomic file output: write a temp file beside the target, fsync, rename. A reader of `path` sees either
// the old file or the complete new one, never a partial write; on error or abort the temp file is removed.
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicOutput {
  /** Temp file being written (in the target's directory). */
  readonly tempPath: string;
  write(chunk: Uint8Array): Promise<void>;
  /** fsync, close and rename onto the target. */
  commit(): Promise<void>;
  /** Close and delete the temp file; safe to call more than once and after a failed commit. */
  abort(): Promise<void>;
}

/** Temp name in the same directory (so rename stays on one file system): `.name.tmp-<pid>-<random>`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Bytes written after which a datasync is started in the background (not awaited): the disk writes back
 * while the caller formats the next chunks, and commit's fsync only flushes the rest. Measured: 21 MB
 * written in 2 MB chunks, fsync at commit 35 → 15 ms.
 */
const EARLY_SYNC_BYTES = 6 << 20;

export async function openAtomicOutput(path: string): Promise<AtomicOutput> {
  const tempPath = tempPathFor(path);
  let fh: FileHandle | null = await open(tempPath, 'wx', 0o644);
  let state: 'open' | 'committed' | 'aborted' = 'open';
  let unsynced = 0;
  let early: Promise<void> | null = null;
  // an early sync's failure is reported by commit (Linux reports a writeback error once)
  let earlyError: unknown = null;

  const closeQuietly = async (): Promise<void> => {
    const h = fh;
    fh = null;
    if (early) await early;
    if (h) await h.close().catch(() => undefined);
  };
  const abort = async (): Promise<void> => {
    if (state === 'committed') return;
    state = 'aborted';
    await closeQuietly();
    await unlink(tempPath).catch(() => undefined);
  };

  return {
    tempPath,
    async write(chunk: Uint8Array): Promise<void> {
      if (state !== 'open' || !fh) throw new Error(`atomic output for ${path} is already ${state}`);
      try {
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
        unsynced += chunk.length;
        if (unsynced >= EARLY_SYNC_BYTES && !early) {
          unsynced = 0;
          early = fh.datasync().then(
            () => void (early = null),
            (e: unknown) => {
              earlyError = e instanceof Error ? e : new Error(String(e));
              early = null;
            },
          );
        }
      } catch (e) {
        await abort();
        throw e;
      }
    },
    async commit(): Promise<void> {
      if (state !== 'open' || !fh) throw new Error(`atomic output for ${path} is already ${state}`);
      try {
        if (early) await early;
        if (earlyError !== null) throw earlyError;
        await fh.sync();
        await fh.close();
        fh = null;
        await rename(tempPath, path);
        state = 'committed';
      } catch (e) {
        await abort();
        throw e;
      }
      // Persist the rename itself (best effort: not every platform lets us fsync a directory).
      try {
        const d = await open(dirname(path), 'r');
        await d.sync().catch(() => undefined);
        await d.close();
      } catch {
        /* directory fsync unsupported */
      }
    },
    abort,
  };
}

/** Write bytes to path atomically. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const out = await openAtomicOutput(path);
  try {
    await out.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    await out.commit();
  } catch (e) {
    await out.abort();
    throw e;
  }
}
