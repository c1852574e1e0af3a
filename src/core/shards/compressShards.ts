// The shard driver: map (kernels on an engine) and reduce (plan.ts, here) in turn, then one .wsindy written
// atomically. Steps: scan every shard → checks, POD, library → prefix states (the first 65 536 steps) →
// test functions → fit every shard → regression, encoding plan → encode every shard's segments → assembly.
// Nothing is written unless every task succeeded; the work folder with the partials is removed unless the
// caller keeps it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleWsindy, planEncoding, type CodedSegment, type FileInfo, type PlanInput } from '../codec/encode';
import { crc32Combine } from '../csv/readParallel';
import { OptionError } from '../errors';
import type { CompressOptions, CompressSummary } from '../options';
import { noProgress, phaseTimer, type ProgressSink } from '../progress';
import { writeFileAtomic } from '../platform/atomicWrite';
import { equationsText } from '../sindy/equations';
import { outcomeText } from '../codec/outcome';
import { chooseTestFunctions } from '../sindy/testFunctions';
import { MAX_QUADRATURE_REACH } from '../sindy/quadrature';
import { defaultBlockLength } from '../stream/stagedCsv';
import type { Engine, TaskDone } from './engine';
import type { EncodePartial, EncodeTask, FitPartial, FitTask, PrefixPartial, PrefixTask, ReadSpec, ScanTask, ShardScan } from './kernels';
import { readPartial, writePartial } from './partials';
import { checkShards, libraryFor, mergeFits, mergePod, prefixSteps, segmentOwners, shardsFor } from './plan';
import { taskKind, type KernelKind } from './run';

/** Task files per worker and map step, at least (consecutive tasks are grouped above that). */
const TASKS_PER_WORKER = 8;

export interface ShardTuning {
  /** Keep the partials in this folder (created if missing) instead of a temporary one. */
  workDir?: string;
  /** Steps per segment instead of the staging default (tests). */
  segmentLength?: number;
}

export interface ShardWorkerSummary {
  worker: string;
  /** Task files this worker ran. */
  tasks: number;
  seconds: number;
  /** Largest peak RSS of a kernel on this worker, MB. */
  peakRssMB: number;
}

export interface ShardSummary extends CompressSummary {
  engine: string;
  shards: number;
  /** Tasks run per kernel (one per shard, or per segment range for encode; grouped into fewer task files when many). */
  tasks: Record<KernelKind, number>;
  workers: ShardWorkerSummary[];
  /** Bytes of partials the driver wrote and read (what crosses the network besides the shard paths). */
  partialBytes: { tasks: number; results: number };
}

/** Shard names and steps, recorded in the file's settings so `reconstruct --shards` can write them back. */
export interface ShardRecord {
  name: string;
  steps: number;
}

export async function compressShards(
  files: readonly string[],
  outPath: string,
  options: CompressOptions,
  engine: Engine,
  sourceName: string,
  progress: ProgressSink = noProgress,
  tuning: ShardTuning = {},
): Promise<ShardSummary> {
  if (files.length === 0) throw new OptionError('no shards to compress');
  const { timings, lap } = phaseTimer();
  const work = tuning.workDir ?? (await mkdtemp(join(tmpdir(), 'wsindy-shards-')));
  const keep = tuning.workDir !== undefined;
  if (keep) await mkdir(work, { recursive: true });
  const tasks: Record<KernelKind, number> = { scan: 0, prefix: 0, fit: 0, encode: 0 };
  const perWorker = new Map<string, ShardWorkerSummary>();
  const partialBytes = { tasks: 0, results: 0 };
  let round = 0;
  // Consecutive tasks go together in one task file when there are many per worker: a task costs tens of
  // milliseconds to dispatch (more on Dask), a small shard's scan or fit about a hundred.
  const workers = Math.max(1, engine.workers().length);
  /** One map step: task files written, the engine runs them, result files read back (in task order). */
  const batch = async <R>(kind: KernelKind, bodies: object[]): Promise<R[]> => {
    const r = round++;
    const group = Math.max(1, Math.floor(bodies.length / (TASKS_PER_WORKER * workers)));
    const groups: object[][] = [];
    for (let k = 0; k < bodies.length; k += group) groups.push(bodies.slice(k, k + group));
    const runs = await Promise.all(
      groups.map(async (tasks, k) => {
        const stem = join(work, `${String(r).padStart(2, '0')}-${kind}-${String(k).padStart(4, '0')}`);
        const text = writePartial(taskKind(kind), { tasks });
        partialBytes.tasks += text.length;
        await writeFile(`${stem}.task.json`, text);
        return { kind, task: `${stem}.task.json`, result: `${stem}.result.json`, count: tasks.length };
      }),
    );
    const done: TaskDone[] = await engine.run(runs);
    tasks[kind] += bodies.length;
    for (const d of done) {
      const w = perWorker.get(d.worker) ?? { worker: d.worker, tasks: 0, seconds: 0, peakRssMB: 0 };
      w.tasks++;
      w.seconds += d.seconds;
      w.peakRssMB = Math.max(w.peakRssMB, d.rssMB);
      perWorker.set(d.worker, w);
    }
    const parts = await Promise.all(
      runs.map(async (t) => {
        const text = await readFile(t.result, 'utf8');
        partialBytes.results += text.length;
        const { results } = readPartial<{ results: R[] }>(text, kind, t.result);
        if (!Array.isArray(results) || results.length !== t.count) throw new OptionError(`${t.result}: ${Array.isArray(results) ? results.length : 0} results for ${t.count} tasks`);
        return results;
      }),
    );
    return parts.flat();
  };
  try {
    const read: ReadSpec = { layout: options.layout, timeColumn: options.timeColumn, dt: options.dt };
    progress({ phase: 'read', fraction: 0, message: `scanning ${files.length} shards` });
    const scans = await batch<ShardScan>('scan', files.map((file): ScanTask => ({ file, read })));
    const layout = checkShards(scans, options.dt);
    const { refs, M, n, rule, time } = layout;
    lap('scan');
    progress({ phase: 'pod', fraction: 0 });
    const { pod, min, max } = mergePod(scans, options);
    const fl = libraryFor(pod, scans[0].names, options);
    const podLite = pod ? { mean: pod.mean, modes: pod.modes, rank: pod.rank } : null;
    lap('pod');
    progress({ phase: 'identify', fraction: 0 });
    // test functions: support from the first P steps (their states, projected on the shards that hold
    // them), centres over the whole record, as the streaming fit chooses them
    const P = prefixSteps(M);
    const prefixTasks: PrefixTask[] = shardsFor(refs, 0, P).map((shard) => ({ shard, read, rule, take: Math.min(shard.m, P - shard.offset), pod: podLite, n }));
    const prefixParts = await batch<PrefixPartial>('prefix', prefixTasks);
    const r = fl.stateNames.length;
    const prefix = Array.from({ length: r }, () => new Float64Array(P));
    prefixParts.forEach((p, k) => p.states.forEach((a, e) => prefix[e].set(a, prefixTasks[k].shard.offset)));
    const tf = chooseTestFunctions(prefix, time.subarray(0, P), options.testFunctions ?? {}, fl.lib.terms.length, time);
    const fitTasks = refs.map(
      (shard): FitTask => ({
        shard,
        read,
        rule,
        pod: podLite,
        n,
        terms: fl.lib.terms,
        tf,
        timesBefore: time.slice(Math.max(0, shard.offset - MAX_QUADRATURE_REACH), shard.offset),
        timesAfter: time.slice(shard.offset + shard.m, Math.min(M, shard.offset + shard.m + MAX_QUADRATURE_REACH)),
      }),
    );
    const fits = await batch<FitPartial>('fit', fitTasks);
    const { system, amax } = mergeFits(fits, tf, fl, pod, options);
    lap('identify');

    progress({ phase: 'code', fraction: 0 });
    const S = Math.min(M, tuning.segmentLength ?? defaultBlockLength(n));
    const owners = segmentOwners(refs, M, S);
    const encodeAll = async (plan: PlanInput): Promise<{ segments: CodedSegment[]; substeps: number }> => {
      // Every task chooses the RK4 sub-steps on its first segment (the file's are segment 0's); the rare task
      // whose choice differs is coded again with segment 0's. No task waits for segment 0.
      const tasks: EncodeTask[] = owners.map((o) => ({ read, rule, segmentLength: S, M, n, plan, shards: shardsFor(refs, o.first * S, Math.min(M, (o.last + 1) * S)), first: o.first, last: o.last, substeps: null }));
      const parts = await batch<EncodePartial>('encode', tasks);
      const substeps = parts[0].substeps;
      const again = parts.map((p, k) => (p.substeps === substeps ? -1 : k)).filter((k) => k >= 0);
      if (again.length) {
        const redone = await batch<EncodePartial>('encode', again.map((k) => ({ ...tasks[k], substeps })));
        again.forEach((k, i) => (parts[k] = redone[i]));
      }
      return { segments: parts.flatMap((p) => p.segments), substeps };
    };
    let planInput: PlanInput = { mode: options.mode, tolerance: options.tolerance, absError: options.absError, n, min, max, system, amax: pod ? amax : null };
    let coded = await encodeAll(planInput);
    if (coded.segments.some((s) => !s.printStep)) {
      // an exception that cannot be printed at the step (not expected: see csv/outputStep.ts): full digits instead
      planInput = { ...planInput, outputStep: false };
      coded = await encodeAll(planInput);
    }
    const plan = planEncoding(planInput);
    plan.substeps = coded.substeps;
    const bytes = scans.reduce((s, x) => s + x.bytes, 0);
    const crc = scans.reduce((c, x) => crc32Combine(c, x.crc32, x.bytes), 0) >>> 0;
    const shardRecords: ShardRecord[] = scans.map((s) => ({ name: s.name, steps: s.m }));
    const info: FileInfo = {
      names: scans[0].names,
      time,
      format: scans[0].source,
      system,
      tolerance: options.tolerance,
      absError: options.absError,
      source: { fileName: sourceName, bytes, crc32: crc },
      settings: { ...options, shards: shardRecords },
      forceModel: options.forceModel,
    };
    const encoded = assembleWsindy(plan, info, coded.segments, S);
    lap('code');
    progress({ phase: 'write', fraction: 0 });
    await writeFileAtomic(outPath, encoded.bytes);
    lap('write');
    return {
      outPath,
      sourceBytes: bytes,
      fileBytes: encoded.bytes.length,
      ratioVsCsv: bytes / encoded.bytes.length,
      ratioVsFloat64: (n * M * 8) / encoded.bytes.length,
      mode: options.mode,
      bound: encoded.bound,
      maxError: encoded.maxError,
      maxRelativeError: encoded.maxRelativeError,
      n,
      m: M,
      pod: system.pod !== null,
      rank: system.model.stateNames.length,
      // as compressFile's summary: equations only for sparse equations or a forced model
      equations: encoded.outcome.kind === 'sparse' || options.forceModel === true ? equationsText(system.model) : [],
      outcome: encoded.outcome,
      outcomeText: outcomeText(encoded.outcome, encoded.modelWindows, encoded.windows),
      timings,
      streaming: true,
      segmentLength: M > S ? S : null,
      engine: engine.name,
      shards: files.length,
      tasks,
      workers: [...perWorker.values()].sort((a, b) => a.worker.localeCompare(b.worker)),
      partialBytes,
    };
  } finally {
    // When a task fails, tasks still running on other workers can write partials while the folder goes
    // (ENOTEMPTY, seen under load): retry, and never let the clean-up hide the task's own error.
    if (!keep) await rm(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }).catch(() => undefined);
  }
}

