// One kernel on files: read the task partial, run the kernel, write the result partial atomically (a
// killed kernel leaves no result). `wsindy kernel KIND TASK -o RESULT` is this function.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../platform/atomicWrite';
import { OptionError } from '../errors';
import { encodeShard, fitShard, prefixTestFunctions, scanShard, type EncodeTask, type FitTask, type PrefixTask, type ScanTask } from './kernels';
import { readPartial, writePartial, type PartialKind } from './partials';

export type KernelKind = 'scan' | 'prefix' | 'fit' | 'encode';
export const KERNEL_KINDS: readonly KernelKind[] = ['scan', 'prefix', 'fit', 'encode'];

export interface KernelStats {
  seconds: number;
  /** Peak resident memory of this process so far, MB. */
  maxRssMB: number;
}

async function runKernel(kind: KernelKind, taskText: string, name: string): Promise<string> {
  switch (kind) {
    case 'scan':
      return writePartial('scan', { scan: await scanShard(readPartial<{ task: ScanTask }>(taskText, 'scan-task', name).task) });
    case 'prefix':
      return writePartial('prefix', { tf: await prefixTestFunctions(readPartial<{ task: PrefixTask }>(taskText, 'prefix-task', name).task) });
    case 'fit':
      return writePartial('fit', { fit: await fitShard(readPartial<{ task: FitTask }>(taskText, 'fit-task', name).task) });
    case 'encode':
      return writePartial('encode', { encode: await encodeShard(readPartial<{ task: EncodeTask }>(taskText, 'encode-task', name).task) });
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
