// stream/ owns the streaming pipeline: staged CSV, block source, streaming POD, fit and coder, reconstruction.
// It may import csv/, numerics/, sindy/, codec/, platform/ and the shared core types; never api.
// The streaming compressor: POD, fit and coder as passes over time blocks, so memory does not grow with
// the number of time steps (the data's n × m array is never in memory). Passes: the POD's (1 for small
// n, a few for large n), one for the fit, one for the coder (two if an exception cannot be printed at
// the decimal output step). Each block is coded as its own segment of the file (format v2); a source of
// one block gives the same v1 file as the in-memory coder.
import { NumericalError, OptionError } from '../errors';
import { checkIdentifyOptions, checkTimeGrid, identifyOptionsOf, MAX_DIRECT_VARIABLES } from '../sindy/identify';
import type { IdentifiedSystem, PodBasis } from '../model';
import type { CompressOptions } from '../options';
import { noProgress, phaseTimer, type ProgressSink } from '../progress';
import { assembleWsindy, encodeSegment, planEncoding, type CodedSegment, type EncodePlan, type EncodeResult, type FileInfo, type PlanInput } from '../codec/encode';
import type { BlockSource } from './blocks';
import { identifyStreaming } from './streamIdentify';
import { streamingPod } from './streamPod';

/** Singular values kept in the header beyond the rank (for the model view's spectrum plot). */
const SPECTRUM_EXTRA = 8;

export interface StreamingResult {
  encoded: EncodeResult;
  system: IdentifiedSystem;
  /** Seconds per phase: pod, identify, code. */
  timings: Record<string, number>;
  /** Passes over the source, all phases. */
  passes: number;
}

export async function compressBlocks(
  src: BlockSource,
  options: CompressOptions,
  source: { fileName: string; bytes: number; crc32: number },
  progress: ProgressSink = noProgress,
  signal?: AbortSignal,
): Promise<StreamingResult> {
  const { n, time } = src;
  const identifyOptions = identifyOptionsOf(options);
  checkIdentifyOptions(identifyOptions);
  if (n < 1) throw new OptionError('no variables');
  checkTimeGrid(time);
  const { timings, lap } = phaseTimer();

  // POD (it also finds the extremes and checks every value is finite); fit on the variables themselves
  // when there are few and they are not rank-deficient, as the in-memory fit does.
  progress({ phase: 'pod', fraction: 0 });
  const podResult = await streamingPod(src, { rank: options.rank, energy: options.energy }, progress, signal);
  const { min, max } = podResult;
  const pod = basisForFit(podResult.basis, options, n);
  progress({ phase: 'pod', fraction: 1 });
  lap('pod');

  const { system, amax } = await identifyStreaming(src, pod, identifyOptions, progress, signal);
  lap('identify');

  const planInput: PlanInput = { mode: options.mode, tolerance: options.tolerance, absError: options.absError, n, min, max, system, amax: pod ? amax : null };
  let plan = planEncoding(planInput);
  let segments = await codeSegments(src, plan, progress, signal);
  let passes = podResult.passes + 2;
  if (segments.some((s) => !s.printStep)) {
    // an exception that cannot be printed at the step (not expected: see csv/outputStep.ts): full digits instead
    plan = planEncoding({ ...planInput, outputStep: false });
    segments = await codeSegments(src, plan, progress, signal);
    passes++;
  }
  const info: FileInfo = {
    names: src.names,
    time,
    format: src.source,
    system,
    tolerance: options.tolerance,
    absError: options.absError,
    source,
    settings: { ...options },
    forceModel: options.forceModel,
  };
  const encoded = assembleWsindy(plan, info, segments, src.blockLength);
  progress({ phase: 'code', fraction: 1 });
  lap('code');
  return { encoded, system, timings, passes };
}

/**
 * The basis the fit runs on: null (fit on the variables themselves) when there are few and they are not
 * rank-deficient, as the in-memory fit decides; else the POD with the header's share of the spectrum.
 * Exported for the shard pipeline (shards/), which decides the same way on its merged POD.
 */
export function basisForFit(full: PodBasis, options: Pick<CompressOptions, 'rank'>, n: number): PodBasis | null {
  const fixedRank = options.rank === 'auto' ? null : options.rank;
  const direct = n <= MAX_DIRECT_VARIABLES && ((fixedRank !== null && fixedRank >= n) || full.rank === n);
  if (direct) return null;
  // The exact Gram route knows all n singular values; the header keeps the leading ones, as many as the
  // in-memory iterative route reports (400 values cost 1.5 KB of header on a 5 KB file).
  const pod = { ...full, singularValues: full.singularValues.slice(0, Math.min(full.singularValues.length, full.rank + SPECTRUM_EXTRA)) };
  if (pod.rank === 0) throw new NumericalError('all values are constant: nothing to fit');
  return pod;
}

/** One pass: each block coded as a segment (the coder keeps only the coded bytes). */
async function codeSegments(src: BlockSource, plan: EncodePlan, progress: ProgressSink, signal?: AbortSignal): Promise<CodedSegment[]> {
  const segments: CodedSegment[] = [];
  await src.forEachBlock((j0, rows) => {
    const len = rows[0].length;
    segments.push(encodeSegment(plan, rows, src.time.subarray(j0, j0 + len)));
    progress({ phase: 'code', fraction: (j0 + len) / src.m });
  }, signal);
  return segments;
}
