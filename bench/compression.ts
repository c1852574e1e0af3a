// Compression benchmark: our error-bounded .wsindy files against zfp (fixed accuracy, same absolute
// bound), gzip -9 and brotli q11 on the raw float64 data, over generated systems and fields.
// Run: node --import tsx bench/compression.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeWsindy } from '../src/core/codec/decode';
import { reconstructFile } from '../src/core/api';
import { encodeWsindy } from '../src/core/codec/encode';
import { brotli } from '../src/core/codec/floatPack';
import type { Dataset } from '../src/core/dataset';
import { seriesRange } from './fieldData';
import { identify, identifyOptionsOf } from '../src/core/sindy/identify';
import { DEFAULT_COMPRESS_OPTIONS } from '../src/core/options';
import {
  addNoise,
  duffing,
  gaussian,
  lorenz,
  lotkaVolterra,
  mulberry32,
  rossler,
  sampleSystem,
  uniformTime,
  vanDerPol,
  type KnownSystem,
} from '../test/support/systems';

export interface Row {
  name: string;
  n: number;
  m: number;
  tolerance: number;
  bound: number;
  fileBytes: number;
  ratio: number;
  ratioVsCsv: number;
  maxErrorOverBound: number;
  windows: number;
  podRank: number | null;
  zfpRatio: number | null;
  gzipRatio: number;
  brotliRatio: number;
  seconds: number;
  /** MB of CSV written per second by reconstructFile on the file (read, decode, model, residual, CSV written). */
  reconstructMBs: number;
}

interface Case {
  name: string;
  series: Float64Array[];
  time: Float64Array;
}

function system(sys: KnownSystem, steps = sys.steps): Case {
  const time = uniformTime(steps, sys.dt);
  return { name: sys.name, series: sampleSystem(sys, time), time };
}

export function travellingWave(n = 256, m = 4000): Case {
  const time = uniformTime(m, 0.005);
  const c = 0.5;
  const series = Array.from({ length: n }, (_, i) => {
    const x = i / n;
    return Float64Array.from(time, (t) => {
      const p = 2 * Math.PI * (x - c * t);
      return Math.sin(p) + 0.5 * Math.sin(2 * p + 0.3) + 0.25 * Math.sin(3 * p + 1);
    });
  });
  return { name: 'travelling wave', series, time };
}

export function sensorLorenz(n = 400, m = 8000): Case {
  const sys = lorenz();
  const time = uniformTime(m, sys.dt);
  const states = sampleSystem(sys, time);
  const g = gaussian(mulberry32(7));
  const series = Array.from({ length: n }, () => {
    const w = [g(), g(), g()];
    return Float64Array.from(time, (_, j) => w[0] * states[0][j] + w[1] * states[1][j] + w[2] * states[2][j]);
  });
  return { name: '400-sensor Lorenz', series, time };
}

/** Modified Bessel I_k(z) by its power series (z small enough here). */
function besselI(k: number, z: number): number {
  let term = (z / 2) ** k;
  for (let i = 1; i <= k; i++) term /= i;
  let sum = term;
  for (let s = 1; s < 200; s++) {
    term *= (z * z) / 4 / (s * (s + k));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/** Viscous Burgers u_t + u u_x = ν u_xx on [0, 2π), u0 = sin x, closed form by Cole–Hopf. */
function burgers(n = 256, m = 1001, nu = 0.1): Case {
  const time = uniformTime(m, 0.003);
  const K = 60;
  const a = Array.from({ length: K + 1 }, (_, k) => besselI(k, 1 / (2 * nu)));
  const series = Array.from({ length: n }, (_, i) => {
    const x = (2 * Math.PI * i) / n;
    return Float64Array.from(time, (t) => {
      let num = 0;
      let den = a[0];
      for (let k = 1; k <= K; k++) {
        const e = a[k] * Math.exp(-nu * k * k * t);
        num += k * e * Math.sin(k * x);
        den += 2 * e * Math.cos(k * x);
      }
      return (4 * nu * num) / den;
    });
  });
  return { name: 'Burgers', series, time };
}

function randomWalk(n = 3, m = 10000): Case {
  const g = gaussian(mulberry32(11));
  const series = Array.from({ length: n }, () => {
    let w = 0;
    return Float64Array.from({ length: m }, () => (w += g()));
  });
  return { name: 'random walk', series, time: uniformTime(m, 0.01) };
}

export function benchCases(): Case[] {
  const vdp = system(vanDerPol());
  return [
    system(lorenz(), 10_000),
    system(rossler()),
    vdp,
    system(duffing()),
    system(lotkaVolterra()),
    travellingWave(),
    sensorLorenz(),
    burgers(),
    { name: 'noisy vanDerPol (2 %)', series: addNoise(vdp.series, 0.02, 5), time: vdp.time },
    randomWalk(),
  ];
}

function float64Bytes(series: readonly Float64Array[]): Uint8Array {
  const out = new Uint8Array(series.length * series[0].length * 8);
  series.forEach((s, i) => out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), i * s.byteLength));
  return out;
}

function csvText(c: Case): string {
  const lines = ['t,' + c.series.map((_, i) => `x${i}`).join(',')];
  for (let j = 0; j < c.time.length; j++) lines.push([c.time[j], ...c.series.map((s) => s[j])].map(String).join(','));
  return lines.join('\n') + '\n';
}

let zfpAvailable: boolean | null = null;
function zfpBytes(raw: Uint8Array, n: number, m: number, bound: number): number | null {
  if (zfpAvailable === null) {
    try {
      execFileSync('zfp', ['-h'], { stdio: 'ignore' });
      zfpAvailable = true;
    } catch (e) {
      // zfp prints usage and exits non-zero when called without files: that still means it exists
      zfpAvailable = (e as { code?: string }).code !== 'ENOENT';
    }
  }
  if (!zfpAvailable) return null;
  const dir = mkdtempSync(join(tmpdir(), 'wsindy-zfp-'));
  try {
    const inp = join(dir, 'in.f64');
    const out = join(dir, 'out.zfp');
    writeFileSync(inp, raw);
    const dims = n === 1 ? ['-1', String(m)] : ['-2', String(m), String(n)];
    execFileSync('zfp', ['-q', '-d', ...dims, '-a', String(bound), '-i', inp, '-z', out], { stdio: 'ignore' });
    return statSync(out).size;
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCompressionBench(tolerances = [1e-3, 1e-4], log: (s: string) => void = () => undefined): Promise<Row[]> {
  const rows: Row[] = [];
  const work = mkdtempSync(join(tmpdir(), 'wsindy-compression-'));
  try {
    for (const c of benchCases()) {
      const n = c.series.length;
      const m = c.time.length;
      const names = c.series.map((_, i) => `x${i}`);
      const raw = float64Bytes(c.series);
      const csv = Buffer.byteLength(csvText(c));
      const gz = gzipSync(raw, { level: 9 }).length;
      const br = brotli(raw).length;
      const t0 = performance.now();
      // The default options, as a user gets them (the library degree 'auto' since this bench's first table had 3).
      const { system: sys } = identify(c.series, c.time, names, identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
      const tId = (performance.now() - t0) / 1000;
      const dataset: Dataset = { names, series: c.series, time: c.time, source: { layout: 'columns', delimiter: ',', header: ['t', ...names], timeColumn: 0, lineEnding: '\n' } };
      const { min, max } = seriesRange(c.series);
      for (const tolerance of tolerances) {
        const t1 = performance.now();
        // the settings as compressFile records them (the options): v4 stores only their differences from the defaults
        const res = encodeWsindy({ dataset, system: sys, mode: 'error-bounded', tolerance, source: { fileName: `${c.name}.csv`, bytes: csv, crc32: 0 }, settings: { ...DEFAULT_COMPRESS_OPTIONS, tolerance } });
        const seconds = tId + (performance.now() - t1) / 1000;
        const dec = decodeWsindy(res.bytes);
        // the whole reconstruction a user runs (`wsindy reconstruct`), once warm: CSV bytes / wall seconds
        const file = join(work, 'case.wsindy');
        const back = join(work, 'back.csv');
        writeFileSync(file, res.bytes);
        await reconstructFile(file, back);
        const tr = performance.now();
        await reconstructFile(file, back);
        const reconstructMBs = statSync(back).size / 1e6 / ((performance.now() - tr) / 1000);
        const bound = res.bound ?? 0;
        let maxErr = 0;
        c.series.forEach((s, i) => {
          const d = dec.dataset.series[i];
          for (let j = 0; j < m; j++) maxErr = Math.max(maxErr, Math.abs(s[j] - d[j]));
        });
        const z = zfpBytes(raw, n, m, tolerance * (max - min));
        const row: Row = {
          name: c.name,
          n,
          m,
          tolerance,
          bound,
          fileBytes: res.bytes.length,
          ratio: raw.length / res.bytes.length,
          ratioVsCsv: csv / res.bytes.length,
          maxErrorOverBound: bound > 0 ? maxErr / bound : maxErr,
          windows: dec.header.windows,
          podRank: dec.header.pod ? dec.header.pod.rank : null,
          zfpRatio: z === null ? null : raw.length / z,
          gzipRatio: raw.length / gz,
          brotliRatio: raw.length / br,
          seconds,
          reconstructMBs,
        };
        rows.push(row);
        log(formatRow(row));
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

const HEAD = ['data', 'n×m', 'tol', 'bytes', 'ratio', 'vs CSV', 'zfp', 'ours/zfp', 'gzip', 'brotli', 'maxErr/bound', 'windows', 'POD r', 's', 'rec MB/s'];

function formatRow(r: Row): string {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return [
    r.name.padEnd(22),
    `${r.n}×${r.m}`.padEnd(9),
    r.tolerance.toExponential(0),
    String(r.fileBytes).padStart(7),
    f(r.ratio).padStart(7),
    f(r.ratioVsCsv).padStart(7),
    (r.zfpRatio === null ? 'n/a' : f(r.zfpRatio)).padStart(6),
    (r.zfpRatio === null ? 'n/a' : f(r.ratio / r.zfpRatio)).padStart(8),
    f(r.gzipRatio).padStart(5),
    f(r.brotliRatio).padStart(6),
    r.maxErrorOverBound.toFixed(3).padStart(12),
    String(r.windows).padStart(7),
    String(r.podRank ?? '-').padStart(5),
    r.seconds.toFixed(1).padStart(5),
    r.reconstructMBs.toFixed(0).padStart(8),
  ].join(' ');
}

async function main(): Promise<void> {
  console.log(HEAD.join(' | '));
  const rows = await runCompressionBench(undefined, (s) => console.log(s));
  const worst = Math.max(...rows.map((r) => r.maxErrorOverBound));
  console.log(`\nmax error / bound over all cases: ${worst.toFixed(4)} (${worst <= 1 ? 'bound holds everywhere' : 'BOUND VIOLATED'})`);
}

if (process.argv[1] && readFileSync(process.argv[1], 'utf8') === readFileSync(new URL(import.meta.url), 'utf8')) {
  void main();
}
