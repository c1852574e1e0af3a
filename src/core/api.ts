// The engine's front door: whole jobs on files, used by the CLI and the worker.
// read CSV → identify (POD + Weak-SINDy) → encode (.wsindy) → atomic write; and back.
import { readFile, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { basename } from 'node:path';
import type { CompressOptions, CompressSummary, ReconstructSummary } from './options';
import { noProgress, type ProgressSink } from './progress';
import { CancelledError } from './errors';
import { readCsvFile } from './csvRead';
import { writeCsvFile } from './csvWrite';
import { writeFileAtomic } from './atomicWrite';
import { identify } from './identify';
import { encodeWsindy } from './codec/encode';
import { decodeWsindy, readWsindyHeader } from './codec/decode';
import { equationsJson, equationsText } from './equations';
import { modelFromHeader } from './modelFromHeader';

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Read a CSV, identify its dynamics, write a `.wsindy` file atomically to outPath. */
export async function compressFile(
  csvPath: string,
  outPath: string,
  options: CompressOptions,
  progress: ProgressSink = noProgress,
  signal?: AbortSignal,
): Promise<CompressSummary> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (phase: string): void => {
    const now = performance.now();
    timings[phase] = (timings[phase] ?? 0) + (now - t) / 1000;
    t = now;
  };
  const sourceBytes = (await stat(csvPath)).size;
  let sourceCrc = 0; // CRC32 of the source, computed in the same pass that parses it
  const dataset = await readCsvFile(csvPath, {
    layout: options.layout,
    timeColumn: options.timeColumn,
    dt: options.dt,
    displayName: csvPath,
    onBytes: (chunk) => (sourceCrc = crc32(chunk, sourceCrc)),
  }, progress, signal);
  lap('read');
  checkAborted(signal);

  const { system } = identify(dataset.series, dataset.time, dataset.names, {
    degree: options.degree,
    trig: options.trig,
    threshold: options.threshold,
    rank: options.rank,
    energy: options.energy,
    testFunctions: options.testFunctions,
  }, progress);
  lap('identify');
  checkAborted(signal);

  const encoded = encodeWsindy({
    dataset,
    system,
    mode: options.mode,
    tolerance: options.tolerance,
    absError: options.absError,
    source: { fileName: basename(csvPath), bytes: sourceBytes, crc32: sourceCrc >>> 0 },
    settings: { ...options },
  }, progress);
  lap('code');
  checkAborted(signal);

  progress({ phase: 'write', fraction: 0 });
  await writeFileAtomic(outPath, encoded.bytes);
  progress({ phase: 'write', fraction: 1 });
  lap('write');

  const n = dataset.series.length;
  const m = dataset.time.length;
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
    pod: system.pod !== null,
    rank: system.model.stateNames.length,
    equations: equationsText(system.model),
    timings,
  };
}

/** Decode a `.wsindy` file and write the CSV in its source layout, atomically, to outPath. */
export async function reconstructFile(
  modelPath: string,
  outPath: string,
  progress: ProgressSink = noProgress,
  signal?: AbortSignal,
): Promise<ReconstructSummary> {
  const bytes = await readFile(modelPath);
  checkAborted(signal);
  const { dataset } = decodeWsindy(bytes, progress);
  checkAborted(signal);
  const bytesWritten = await writeCsvFile(outPath, dataset, progress, signal);
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
  fit: { weakResidual: number; r2: number[]; activeTerms: number; threshold: number };
  equations: { lhs: string; terms: { term: string; coef: number }[] }[];
  text: string;
}

/** Reads only the header (cheap) and describes the model. */
export async function describeModelFile(path: string): Promise<ModelDescription> {
  const bytes = await readFile(path);
  const h = readWsindyHeader(bytes);
  const model = modelFromHeader(h);
  const n = h.n;
  const m = h.m;
  const text = [
    `${basename(path)}: .wsindy format v${h.formatVersion}, ${bytes.length} bytes`,
    `source ${h.source.fileName}: ${n} variables × ${m} steps (${h.source.bytes} bytes; ratio ${(h.source.bytes / bytes.length).toFixed(1)}×, ${((n * m * 8) / bytes.length).toFixed(1)}× vs float64)`,
    h.pod ? `POD rank ${h.pod.rank}, energy ${h.pod.energy.toPrecision(8)}` : 'no POD: equations in the variables themselves',
    `mode ${h.mode}${h.bound === null ? '' : `, bound ${h.bound.toPrecision(3)}`}; max error ${h.errors.max.toPrecision(3)} (${h.errors.maxRelative.toPrecision(3)} of range), rms ${h.errors.rms.toPrecision(3)}`,
    `fit: weak residual ${h.diagnostics.weakResidual.toPrecision(3)}, ${h.diagnostics.activeTerms} active terms`,
    ...equationsText(model).map((e) => `  ${e}`),
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
    fit: { weakResidual: h.diagnostics.weakResidual, r2: h.diagnostics.r2, activeTerms: h.diagnostics.activeTerms, threshold: h.diagnostics.threshold },
    equations: equationsJson(model),
    text,
  };
}
