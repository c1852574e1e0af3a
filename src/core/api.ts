// The engine's front door: whole jobs on files, used by the CLI and the worker.
// read CSV → identify (POD + Weak-SINDy) → encode (.wsindy) → atomic write; and back.
import { readFile, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { basename } from 'node:path';
import { useStreaming, type CompressOptions, type CompressSummary, type ReconstructSummary } from './options';
import { noProgress, phaseTimer, type ProgressSink } from './progress';
import { CancelledError, InputError } from './errors';
import { readCsvFileParallel } from './csv/readParallel';
import { estimatedCsvBytesOf, prestartCsvWorker, writeCsvFileParallel } from './csv/writeParallel';
import { writeFileAtomic } from './platform/atomicWrite';
import { identify, identifyOptionsOf, type IdentifyResult } from './sindy/identify';
import { encodeWsindy, type EncodeResult } from './codec/encode';
import type { IdentifiedSystem, PodBasis } from './model';
import { mayBeFieldByLines, noisyLowRank, retrying } from './routeTrials';
import type { Dataset } from './dataset';
import { stageCsvFile } from './stream/stagedCsv';
import { compressBlocks } from './stream/streamCompress';
import { reconstructSegmented } from './stream/streamReconstruct';
import { decodeWsindy, readWsindyExtras, readWsindyHeader } from './codec/decode';
import { listSections } from './codec/container';
import { equationsJson, equationsText } from './sindy/equations';
import { modelFromHeader } from './codec/header';
import { outcomeText } from './codec/outcome';
import type { DegreeDiagnostics, ModelOutcome, SparseModel } from './model';
import { gapSteps } from './csv/missing';
import type { ModelInfo, ModelViewData } from '../protocol/webview';
import { buildModelInfo, buildModelViewData, compactViewData } from './view/viewData';

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Knobs for tests and benchmarks, not user options. */
export interface CompressTuning {
  /** Streaming: steps per block (= per segment of the file) instead of the staging default. */
  blockLength?: number;
  /** Streaming: where the staged data go (default the system temp directory). */
  tempDir?: string;
}

/** Read a CSV, identify its dynamics, write a `.wsindy` file atomically to outPath. */
export async function compressFile(
  csvPath: string,
  outPath: string,
  options: CompressOptions,
  progress: ProgressSink = noProgress,
  signal?: AbortSignal,
  tuning: CompressTuning = {},
): Promise<CompressSummary> {
  const { timings, lap, restart } = phaseTimer();
  const sourceBytes = (await stat(csvPath)).size;
  let sourceCrc = 0; // CRC32 of the source, computed in the same pass that parses it
  const readOptions = {
    layout: options.layout,
    timeColumn: options.timeColumn,
    dt: options.dt,
    commentPrefix: options.commentPrefix,
    decimal: options.decimal,
    displayName: csvPath,
    onBytes: (chunk: Uint8Array) => (sourceCrc = crc32(chunk, sourceCrc)),
  };
  const source = (): { fileName: string; bytes: number; crc32: number } => ({ fileName: basename(csvPath), bytes: sourceBytes, crc32: sourceCrc >>> 0 });

  let encoded: EncodeResult;
  let system: IdentifiedSystem;
  let n: number;
  let m: number;
  let segmentLength: number | null = null;
  const streaming = useStreaming(options, sourceBytes);
  if (streaming) {
    // memory independent of m: the numbers go to a temporary file, every later pass reads time blocks
    const staged = await stageCsvFile(csvPath, { ...readOptions, blockLength: tuning.blockLength, tempDir: tuning.tempDir }, progress, signal);
    try {
      lap('read');
      const res = await compressBlocks(staged, options, source(), progress, signal);
      Object.assign(timings, res.timings);
      restart();
      ({ encoded, system } = res);
      ({ n, m } = staged);
      if (m > staged.blockLength) segmentLength = staged.blockLength;
    } finally {
      await staged.close();
    }
  } else {
    // large files are parsed on both cores; the CRC then comes from the threads, per range
    const dataset = await readCsvFileParallel(csvPath, { ...readOptions, onBytes: undefined, onCrc32: (c) => (sourceCrc = c) }, progress, signal);
    lap('read');
    checkAborted(signal);
    const fitAt = (ds: Dataset, sink: ProgressSink, opts: CompressOptions): IdentifyResult => {
      const gaps = gapSteps(ds.source.extras?.missing, ds.time.length);
      const fit = identify(ds.series, ds.time, ds.names, { ...identifyOptionsOf(opts), ...(gaps ? { gaps } : {}) }, sink);
      lap('identify');
      checkAborted(signal);
      return fit;
    };
    const fitAndCodeAt = (ds: Dataset, sink: ProgressSink, opts: CompressOptions, fit = fitAt(ds, sink, opts)): { encoded: EncodeResult; system: IdentifiedSystem; reduction: PodBasis | null } => {
      const res = encodeWsindy({ dataset: ds, system: fit.system, mode: opts.mode, tolerance: opts.tolerance, absError: opts.absError, source: source(), settings: { ...opts }, forceModel: opts.forceModel, ...(fit.outcome ? { outcome: fit.outcome } : {}) }, sink);
      lap('code');
      return { encoded: res, system: fit.system, reduction: fit.reduction ?? null };
    };
    const fitAndCode = (ds: Dataset, sink: ProgressSink): { encoded: EncodeResult; system: IdentifiedSystem } => {
      const first = fitAndCodeAt(ds, sink, options);
      const rank = noisyLowRank(options, first.reduction, ds);
      if (rank === null) return first;
      // Low rank under noise: the energy rule kept modes of noise up to the cap; the modes above the noise
      // floor are coded too and the smaller file kept (rank by total size). Measured: a 200 × 1500 heat
      // field + noise + 12-bit ADC, rank 64 → 4: 79 529 → 73 893 B at 1e-3 (SZ3 83 733), 203 830 → 198 193 at 1e-4.
      const altSink = retrying(sink, `POD rank ${rank}, the modes above the noise floor`);
      const altFit = fitAt(ds, altSink, { ...options, rank });
      // a fit that gives up codes the no-model route, which the first attempt's coder already weighed:
      // not coded again (measured: 50 noisy sensors × 100 000 steps, compress 3.2 → 2.2 s, the same file)
      if (altFit.system.model.terms.length === 0) return first;
      const alt = fitAndCodeAt(ds, altSink, { ...options, rank }, altFit);
      return alt.encoded.bytes.length < first.encoded.bytes.length ? alt : first;
    };
    ({ encoded, system } = fitAndCode(dataset, progress));
    n = dataset.series.length;
    m = dataset.time.length;
    if (mayBeFieldByLines(options, dataset)) {
      // The same text read as one line per variable (the rows layout) is coded too and the smaller file
      // kept: it writes back the same text. Measured: the bench's 2-D field 32 × 32 × 200 as a headerless
      // CSV (1024 lines of 200 cells, detected as 1024 steps of 200 variables) 86.5× → 111.7× float64 at
      // 1e-3, 38.2× → 56.1× at 1e-4 (SZ3 told its 3-D shape: 90.2×, 32.0×).
      // a text the rows reading refuses (its own checks, e.g. a line of another length) keeps the first reading
      const byLines = await readCsvFileParallel(csvPath, { ...readOptions, layout: 'rows', onBytes: undefined }, noProgress, signal).catch((e: unknown) => {
        if (e instanceof InputError) return null;
        throw e;
      });
      lap('read');
      checkAborted(signal);
      const alt = byLines ? fitAndCode(byLines, retrying(progress, 'read one line per variable')) : null;
      if (byLines && alt && alt.encoded.bytes.length < encoded.bytes.length) {
        ({ encoded, system } = alt);
        n = byLines.series.length;
        m = byLines.time.length;
      }
    }
  }
  checkAborted(signal);

  progress({ phase: 'write', fraction: 0 });
  await writeFileAtomic(outPath, encoded.bytes);
  progress({ phase: 'write', fraction: 1 });
  lap('write');
  // the reduction the file stores: a POD fit the no-model route beat is not in it (no basis, the variables as states)
  const stored = readWsindyHeader(encoded.bytes);

  return {
    outPath,
    sourceBytes,
    fileBytes: encoded.bytes.length,
    ratioVsCsv: sourceBytes / encoded.bytes.length,
    ratioVsFloat64: (n * m * 8) / encoded.bytes.length,
    mode: options.mode,
    bound: encoded.bound,
    maxError: encoded.maxError,
    maxRelativeError: encoded.maxRelativeError,
    n,
    m,
    pod: stored.pod !== null,
    rank: stored.stateNames.length,
    ...summaryEquations(system.model, encoded.outcome, options.forceModel === true, encoded.modelWindows, encoded.windows),
    timings,
    streaming,
    segmentLength,
  };
}

/**
 * The summary's outcome and equations: the equations only for sparse equations (or a forced model): a
 * dense model is summarised, and without a model there are none (issue 14).
 */
export function summaryEquations(model: SparseModel, outcome: ModelOutcome, forced: boolean, modelWindows: number, windows: number): Pick<CompressSummary, 'equations' | 'outcome' | 'outcomeText'> {
  return { equations: outcome.kind === 'sparse' || forced ? equationsText(model) : [], outcome, outcomeText: outcomeText(outcome, modelWindows, windows) };
}

/** Decode a `.wsindy` file and write the CSV in its source layout, atomically, to outPath. */
export async function reconstructFile(
  modelPath: string,
  outPath: string,
  progress: ProgressSink = noProgress,
  signal?: AbortSignal,
  /** For segmented files in the rows layout: where the decoded segments are staged (default the system temp directory). */
  tempDir?: string,
): Promise<ReconstructSummary> {
  const bytes = await readFile(modelPath);
  checkAborted(signal);
  // segmented files from the in-memory coder may carry source extras: those are written from memory
  const h = readWsindyHeader(bytes);
  if (h.segmentLength !== undefined && readWsindyExtras(bytes) === undefined) {
    // written by the streaming coder: decoded and written segment by segment
    const s = await reconstructSegmented(bytes, outPath, progress, signal, tempDir);
    return { outPath, ...s };
  }
  // the writer's second thread starts while the file is decoded
  const parallel = prestartCsvWorker(estimatedCsvBytesOf(h.n, h.m, h.outputStep !== undefined));
  const { dataset } = decodeWsindy(bytes, progress);
  checkAborted(signal);
  const bytesWritten = await writeCsvFileParallel(outPath, dataset, progress, signal, parallel);
  return { outPath, n: dataset.series.length, m: dataset.time.length, bytesWritten };
}

/** What `wsindy info` prints: a JSON document and a human-readable text. */
export interface ModelDescription {
  file: string;
  fileBytes: number;
  formatVersion: number;
  source: { fileName: string; bytes: number };
  variables: string[];
  pod: boolean;
  rank: number;
  energy: number | null;
  mode: string;
  bound: number | null;
  ratio: number;
  ratioVsFloat64: number;
  maxError: number;
  maxRelativeError: number;
  rmsError: number;
  /** Where the bytes go: each section tag's payload and framing bytes (the preamble and trailer under `file`). */
  sectionBytes: Record<string, number>;
  /** degree: the library's; degreeAutomatic: chosen from the data (true) or fixed (false; every file written before the automatic degree). */
  fit: { weakResidual: number; r2: number[]; activeTerms: number; threshold: number; degree: number; degreeAutomatic: boolean };
  /** Sparse equations, a dense predictor, or no model, with the reason (codec/outcome.ts). */
  outcome: ModelOutcome;
  /** The outcome as one sentence, e.g. "No governing equations found: no window uses the model". */
  outcomeText: string;
  windows: number;
  modelWindows: number;
  equations: { lhs: string; terms: { term: string; coef: number }[] }[];
  text: string;
  /** What the model view shows from the header (summary, outcome, LaTeX per term, copy sources): the
   * notebook renderer's input (mime type application/vnd.wsindy.model+json is this whole object). */
  view: ModelInfo;
  /** Downsampled plot series (`info --json --plots`, the notebook kernel); absent otherwise. */
  plots?: ModelViewData;
}

/** "library degree 2 (automatic)" or "library degree 3 (fixed)": files record only an automatic choice. */
export function degreeText(degree: number, d: DegreeDiagnostics | undefined): string {
  return `library degree ${degree} (${d?.automatic ? 'automatic' : 'fixed'})`;
}

/**
 * `equations`: list the equations of a dense model or none too (`info --equations`).
 * `plots`: also decode the file for the plots, at this many points per series and this many variables.
 */
export interface DescribeOptions {
  equations?: boolean;
  plots?: { points: number; maxVariables: number };
  progress?: ProgressSink;
}

/** Points and variables of the plots embedded in a description (kept small: it is saved in notebooks). */
export const DESCRIPTION_PLOTS = { points: 400, maxVariables: 8 } as const;

/**
 * Reads only the header (cheap; the whole file with `plots`) and describes the model. The equations are
 * listed for sparse equations; for a dense model or none only with `equations: true` (`info --equations`),
 * else `equations: []` and the outcome says why.
 */
export async function describeModelFile(path: string, opts: DescribeOptions = {}): Promise<ModelDescription> {
  const bytes = await readFile(path);
  const h = readWsindyHeader(bytes);
  const model = modelFromHeader(h);
  const shown = h.outcome.kind === 'sparse' || opts.equations === true;
  const sentence = outcomeText(h.outcome, h.modelWindows, h.windows);
  const n = h.n;
  const m = h.m;
  const layout = listSections(bytes);
  const sectionBytes: Record<string, number> = {};
  for (const sec of layout.sections) sectionBytes[sec.tag] = (sectionBytes[sec.tag] ?? 0) + sec.payload + sec.framing;
  sectionBytes.file = layout.preamble + layout.trailer;
  const text = [
    `${basename(path)}: .wsindy format v${h.formatVersion}, ${bytes.length} bytes`,
    `source ${h.source.fileName}: ${n} variables × ${m} steps (${h.source.bytes} bytes; ratio ${(h.source.bytes / bytes.length).toFixed(1)}×, ${((n * m * 8) / bytes.length).toFixed(1)}× vs float64)`,
    h.pod ? `POD rank ${h.pod.rank}, energy ${h.pod.energy.toPrecision(8)}` : 'no POD: equations in the variables themselves',
    `mode ${h.mode}${h.bound === null ? '' : `, bound ${h.bound.toPrecision(3)}`}; max error ${h.errors.max.toPrecision(3)} (${h.errors.maxRelative.toPrecision(3)} of range), rms ${h.errors.rms.toPrecision(3)}`,
    `fit: weak residual ${h.diagnostics.weakResidual.toPrecision(3)}, ${h.diagnostics.activeTerms} active terms, ${degreeText(h.library.degree, h.diagnostics.degree)}`,
    `bytes: ${Object.entries(sectionBytes).map(([tag, b]) => `${tag} ${b}`).join(', ')}`,
    sentence,
    ...(shown ? equationsText(model).map((e) => `  ${e}`) : h.outcome.kind === 'dense' ? ['  (equations on request: wsindy info --equations)'] : []),
  ].join('\n');
  return {
    file: path,
    fileBytes: bytes.length,
    formatVersion: h.formatVersion,
    source: { fileName: h.source.fileName, bytes: h.source.bytes },
    variables: h.names,
    pod: h.pod !== null,
    rank: h.stateNames.length,
    energy: h.pod ? h.pod.energy : null,
    mode: h.mode,
    bound: h.bound,
    ratio: h.source.bytes / bytes.length,
    ratioVsFloat64: (n * m * 8) / bytes.length,
    maxError: h.errors.max,
    maxRelativeError: h.errors.maxRelative,
    rmsError: h.errors.rms,
    sectionBytes,
    fit: {
      weakResidual: h.diagnostics.weakResidual,
      r2: h.diagnostics.r2,
      activeTerms: h.diagnostics.activeTerms,
      threshold: h.diagnostics.threshold,
      degree: h.library.degree,
      degreeAutomatic: h.diagnostics.degree?.automatic ?? false,
    },
    outcome: h.outcome,
    outcomeText: sentence,
    windows: h.windows,
    modelWindows: h.modelWindows,
    equations: shown ? equationsJson(model) : [],
    text,
    view: buildModelInfo(h, basename(path)),
    ...(opts.plots ? { plots: compactViewData(buildModelViewData(bytes, opts.plots.points, opts.progress, { maxVariables: opts.plots.maxVariables })) } : {}),
  };
}
