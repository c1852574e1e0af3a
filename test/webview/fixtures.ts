// Model view messages for the browser tests, made by the engine: the sample CSVs are read, identified
// and encoded in-process, and the messages built from the .wsindy bytes exactly as the host and the
// worker do (buildModelInfo from the header, buildModelViewData from the whole file). When the engine
// cannot run (mid-development), hand-made data stand in and the run says so.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ModelInfo, ModelViewData } from '../../src/protocol/webview';
import { serializeError } from '../../src/core/errors';
import { readCsvFile } from '../../src/core/csv/read';
import { identify } from '../../src/core/sindy/identify';
import { encodeWsindy } from '../../src/core/codec/encode';
import { readWsindyHeader } from '../../src/core/codec/decode';
import { buildModelInfo, buildModelViewData } from '../../src/core/view/viewData';
import { handmadeLorenz, handmadePod } from './handmade';

export interface ViewFixture {
  info: ModelInfo;
  data: ModelViewData;
  bytes?: Uint8Array;
}

export interface Fixtures {
  kind: 'engine' | 'handmade';
  lorenz: ViewFixture;
  pod: ViewFixture;
  /** Error messages as the host posts them for bad files: truncated, newer version, corrupted, not a model. */
  badFiles: { label: string; code: string; message: string }[];
  /** A random walk (no governing equations): outcome 'none', a fit of ~80 terms per equation kept in the file. */
  walk?: ViewFixture;
  /** Why the engine could not be used (kind 'handmade'). */
  reason?: string;
}

/** A seeded Gaussian random walk, `t,v0,…` rows: data without governing equations. */
export function randomWalkCsv(n: number, m: number, seed = 1): string {
  let state = seed >>> 0;
  const uniform = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const gauss = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const x = new Array<number>(n).fill(0);
  const lines = [`t,${x.map((_, i) => `v${i}`).join(',')}`];
  for (let k = 0; k < m; k++) {
    for (let i = 0; i < n; i++) x[i] += gauss();
    lines.push(`${+(k * 0.01).toFixed(6)},${x.map((v) => v.toFixed(6)).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Compress a CSV file the way the extension does (identify at degree 3, error-bounded 1e-3). */
export async function compressCsvFile(path: string, fileName: string, degree = 3): Promise<Uint8Array> {
  const dataset = await readCsvFile(path, { layout: 'auto', displayName: fileName });
  const { system } = identify(dataset.series, dataset.time, dataset.names, { degree, trig: false, threshold: 'auto', rank: 'auto', energy: 0.999999 });
  return encodeWsindy({ dataset, system, mode: 'error-bounded', tolerance: 1e-3, source: { fileName, bytes: statSync(path).size, crc32: 0 }, settings: {}, forceModel: true }).bytes;
}

export async function compressSample(repo: string, file: string, opts: { degree?: number; rank?: number | 'auto'; tolerance?: number } = {}): Promise<Uint8Array> {
  const path = join(repo, 'samples', file);
  const dataset = await readCsvFile(path, { layout: 'auto', displayName: file });
  const { system } = identify(dataset.series, dataset.time, dataset.names, { degree: opts.degree ?? 2, trig: false, threshold: 'auto', rank: opts.rank ?? 'auto', energy: 0.999999 });
  return encodeWsindy({ dataset, system, mode: 'error-bounded', tolerance: opts.tolerance ?? 1e-3, source: { fileName: file, bytes: statSync(path).size, crc32: 0 }, settings: {} }).bytes;
}

export function fixtureFromBytes(bytes: Uint8Array, fileName: string, maxPoints: number): ViewFixture {
  return { info: buildModelInfo(readWsindyHeader(bytes), fileName), data: buildModelViewData(bytes, maxPoints), bytes };
}

/** What the host posts for a file it cannot read (`<name>: <FormatError message>`), from real damaged bytes. */
export function badFileMessage(label: string, bytes: Uint8Array, fileName = 'lorenz.wsindy'): { label: string; code: string; message: string } {
  try {
    readWsindyHeader(bytes);
    buildModelViewData(bytes, 100);
    return { label, code: 'E_TEST', message: `${label}: the damaged file was accepted` };
  } catch (e) {
    const s = serializeError(e);
    return { label, code: s.code, message: `${fileName}: ${s.message}` };
  }
}

function damaged(bytes: Uint8Array, repo: string): { label: string; code: string; message: string }[] {
  const newer = bytes.slice();
  newer[8] = 0xff;
  newer[9] = 0xff;
  const flipped = bytes.slice();
  flipped[Math.floor(bytes.length / 2)] ^= 0x5a;
  return [
    badFileMessage('truncated', bytes.subarray(0, Math.floor(bytes.length / 3))),
    badFileMessage('newer version', newer),
    badFileMessage('corrupted', flipped),
    badFileMessage('not a model', readFileSync(join(repo, 'samples', 'lorenz.csv')).subarray(0, 4096)),
  ];
}

/** `repo`: the project root (passed in: this module is loaded both as CJS and as ESM). */
export async function makeFixtures(repo: string, maxPoints: number): Promise<Fixtures> {
  try {
    const lorenzBytes = await compressSample(repo, 'lorenz.csv');
    const lorenz = fixtureFromBytes(lorenzBytes, 'lorenz.wsindy', maxPoints);
    const waveBytes = await compressSample(repo, 'wave_rows.csv');
    const pod = fixtureFromBytes(waveBytes, 'wave_rows.wsindy', maxPoints);
    if (!pod.data.spectrum) throw new Error('wave_rows.csv was compressed without POD; the spectrum needs a POD model');
    const dir = mkdtempSync(join(tmpdir(), 'wsindy-webview-'));
    const walkPath = join(dir, 'walk.csv');
    writeFileSync(walkPath, randomWalkCsv(6, 800));
    const walk = fixtureFromBytes(await compressCsvFile(walkPath, 'walk.csv'), 'walk.wsindy', maxPoints);
    rmSync(dir, { recursive: true, force: true });
    return { kind: 'engine', lorenz, pod, walk, badFiles: damaged(lorenzBytes, repo) };
  } catch (e) {
    return {
      kind: 'handmade',
      reason: e instanceof Error ? `${e.message}` : String(e),
      lorenz: handmadeLorenz(maxPoints),
      pod: handmadePod(maxPoints),
      badFiles: [{ label: 'truncated', code: 'E_FORMAT', message: `${basename('lorenz.wsindy')}: truncated at byte 1200 (section 'model' needs 4000 bytes)` }],
    };
  }
}
