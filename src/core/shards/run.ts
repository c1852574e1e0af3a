// One kernel on files: read the task partial, run the kernel, write the result partial atomically (a
// killed kernel leaves no result). `wsindy kernel KIND TASK -o RESULT` is this function.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../platform/atomicWrite';
import { OptionError, WsindyError } from '../errors';
import { encodeShard, fitShard, prefixStates, scanShard, type EncodeTask, type FitTask, type PrefixTask, type ScanTask } from './kernels';
import { readPartial, writePartial, type PartialKind } from './partials';

export type KernelKind = 'scan' | 'prefix' | 'fit' | 'encode';
export const KERNEL_KINDS: readonly KernelKind[] = ['scan', 'prefix', 'fit', 'encode'];

export interface KernelStats {
  seconds: number;
  /** Peak resident memory of this process so far, MB. */
  maxRssMB: number;
}

/** A task partial holds one or more tasks of its kind (consecutive shards); the result, their results in order. */
async function runAll<T, R>(taskText: string, kind: KernelKind, name: string, run: (t: T) => Promise<R>): Promise<string> {
  const { tasks } = readPartial<{ tasks: T[] }>(taskText, taskKind(kind), name);
  if (!Array.isArray(tasks)) throw new OptionError(`${name}: no tasks in the partial`);
  const results: R[] = [];
  for (const t of tasks) results.push(await run(t));
  return writePartial(kind, { results });
}

function runKernel(kind: KernelKind, taskText: string, name: string): Promise<string> {
  switch (kind) {
    case 'scan':
      return runAll<ScanTask, unknown>(taskText, kind, name, scanShard);
    case 'prefix':
      return runAll<PrefixTask, unknown>(taskText, kind, name, prefixStates);
    case 'fit':
      return runAll<FitTask, unknown>(taskText, kind, name, fitShard);
    case 'encode':
      return runAll<EncodeTask, unknown>(taskText, kind, name, encodeShard);
  }
}

export async function runKernelFile(kind: string, taskPath: string, resultPath: string): Promise<KernelStats> {
  if (!(KERNEL_KINDS as readonly string[]).includes(kind)) throw new OptionError(`unknown kernel '${kind}' (one of ${KERNEL_KINDS.join(', ')})`);
  const t0 = performance.now();
  const text = await readFile(taskPath, 'utf8');
  const out = await runKernel(kind as KernelKind, text, taskPath);
  await writeFileAtomic(resultPath, Buffer.from(out));
  return { seconds: (performance.now() - t0) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}

/** The task partial's kind for a kernel. */
export function taskKind(kind: KernelKind): PartialKind {
  return `${kind}-task` as PartialKind;
}

/**
 * `wsindy kernel-server`: kernels one after another in this process, one JSON line per task on stdin
 * ({"kind", "task", "result"}) and one reply line on stdout ({"ok": true, "seconds", "maxRssMB"} or
 * {"ok": false, "error"}). Engines keep one per worker slot: a fresh process per task would pay Node's
 * start and the coder's JIT warm-up every time (measured: an encode task 1.2 s cold, 0.7 s warm).
 */
export async function serveKernels(input: NodeJS.ReadableStream, write: (line: string) => void): Promise<void> {
  const { createInterface } = await import('node:readline');
  for await (const line of createInterface({ input })) {
    if (!line.trim()) continue;
    let reply: object;
    try {
      const t = JSON.parse(line) as { kind: string; task: string; result: string };
      reply = { ok: true, ...(await runKernelFile(t.kind, t.task, t.result)) };
    } catch (e) {
      reply = { ok: false, error: e instanceof WsindyError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}` };
    }
    write(JSON.stringify(reply));
  }
}
