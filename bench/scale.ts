// Scale benchmark (issue 7): end-to-end compress and reconstruct of generated CSVs of growing size,
// each in a fresh process (phases, peak RSS), with the Python stack's read + SVD on the same file.
// Each size runs in memory and streaming; a second table shows peak RSS against m at fixed n (tidy layout),
// where the streaming pipeline's memory should stay flat.
// node --import tsx bench/scale.ts [--sizes 3x10000,256x4000] [--runs 3] [--modes off,on] [--memory 64x25000,64x100000,64x400000]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { lorenz, sampleSystem, uniformTime } from '../test/support/systems';

export interface ScaleRow {
  shape: string;
  /** 'in memory' or 'streaming' (with the segment length). */
  mode: string;
  csvMB: number;
  compressSeconds: number;
  phases: Record<string, number>;
  reconstructSeconds: number;
  /** Peak RSS of the compress job and of the reconstruct job (each in its own process). */
  maxRssMB: number;
  reconstructRssMB: number;
  float64MB: number;
  ratio: number;
  maxErrorOverBound: number;
  pythonReadSvdSeconds: number | null;
}

const DATA = 'bench/data';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * n sensors × m steps: a random linear view of Lorenz plus a travelling wave. Rows layout (one line per
 * sensor, as field solvers dump), or the tidy layout (header, time column, one line per step).
 */
async function makeCsv(n: number, m: number, layout: 'rows' | 'columns' = 'rows'): Promise<string> {
  const path = join(DATA, `scale_${n}x${m}${layout === 'columns' ? '_tidy' : ''}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(DATA, { recursive: true });
  const dt = 0.002;
  const lz = sampleSystem(lorenz(), uniformTime(m, dt));
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const weights = Array.from({ length: n }, () => [rand(), rand(), rand()]);
  const value = (i: number, j: number): number => weights[i][0] * lz[0][j] + weights[i][1] * lz[1][j] + weights[i][2] * lz[2][j];
  const tmp = path + '.part';
  const out = createWriteStream(tmp);
  const put = async (line: string): Promise<void> => {
    if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  // full precision, as simulations write
  if (layout === 'rows') {
    for (let i = 0; i < n; i++) {
      let line = '';
      for (let j = 0; j < m; j++) line += (j ? ',' : '') + String(value(i, j));
      await put(line);
    }
  } else {
    await put(['t', ...weights.map((_, i) => `s${i}`)].join(','));
    for (let j = 0; j < m; j++) {
      let line = String(Number((j * dt).toFixed(6)));
      for (let i = 0; i < n; i++) line += ',' + String(value(i, j));
      await put(line);
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  renameSync(tmp, path);
  return path;
}

function pythonBaseline(csv: string): number | null {
  const py = '/usr/bin/python3';
  const code = `import time,sys,numpy as np,pandas as pd
t=time.perf_counter();X=pd.read_csv(sys.argv[1],header=None).to_numpy();np.linalg.svd(X-X.mean(1,keepdims=True),full_matrices=False);print(time.perf_counter()-t)`;
  const r = spawnSync(py, ['-c', code, csv], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

interface JobResult {
  timings: Record<string, number>;
  compressSeconds: number;
  reconstructSeconds: number;
  maxRssMB: number;
  reconstructRssMB: number;
  ratio: number;
  maxErrorOverBound: number;
  segmentLength: number | null;
}

function child(args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/scaleJob.ts', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

/** Compress, then reconstruct, each in a fresh process. */
function runJob(csv: string, streaming: string): JobResult {
  const model = join(DATA, 'scale.wsindy');
  const c = child(['compress', csv, model, '1e-3', streaming]);
  const r = child(['reconstruct', model, join(DATA, 'scale.out.csv')]);
  return {
    timings: c.timings as Record<string, number>,
    compressSeconds: c.seconds as number,
    reconstructSeconds: r.seconds as number,
    maxRssMB: c.maxRssMB as number,
    reconstructRssMB: r.maxRssMB as number,
    ratio: c.ratio as number,
    maxErrorOverBound: c.maxErrorOverBound as number,
    segmentLength: c.segmentLength as number | null,
  };
}

export async function runScaleBench(sizes: [number, number][], runs: number, modes: string[]): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const [n, m] of sizes) {
    const csv = await makeCsv(n, m);
    const py = [];
    for (let k = 0; k < runs; k++) py.push(pythonBaseline(csv));
    for (const streaming of modes) {
      const results: JobResult[] = [];
      for (let k = 0; k < runs; k++) results.push(runJob(csv, streaming));
      const phases: Record<string, number> = {};
      for (const key of Object.keys(results[0].timings)) phases[key] = median(results.map((r) => r.timings[key]));
      const seg = results[0].segmentLength;
      rows.push({
        shape: `${n}×${m}`,
        mode: streaming === 'on' ? `streaming${seg ? ` (${seg}-step segments)` : ''}` : 'in memory',
        csvMB: statSync(csv).size / 1e6,
        compressSeconds: median(results.map((r) => r.compressSeconds)),
        phases,
        reconstructSeconds: median(results.map((r) => r.reconstructSeconds)),
        maxRssMB: median(results.map((r) => r.maxRssMB)),
        reconstructRssMB: median(results.map((r) => r.reconstructRssMB)),
        float64MB: (n * m * 8) / 1e6,
        ratio: median(results.map((r) => r.ratio)),
        maxErrorOverBound: Math.max(...results.map((r) => r.maxErrorOverBound)),
        pythonReadSvdSeconds: py.every((x) => x !== null) ? median(py as number[]) : null,
      });
    }
  }
  return rows;
}

/** Peak RSS against m at fixed n, tidy layout, one run per mode (memory is not noisy like time). */
export async function runMemoryBench(sizes: [number, number][]): Promise<{ shape: string; float64MB: number; inMemoryMB: number; streamingMB: number; streamingRatio: number; inMemoryRatio: number }[]> {
  const out = [];
  for (const [n, m] of sizes) {
    const csv = await makeCsv(n, m, 'columns');
    const mem = runJob(csv, 'off');
    const str = runJob(csv, 'on');
    out.push({ shape: `${n}×${m}`, float64MB: (n * m * 8) / 1e6, inMemoryMB: mem.maxRssMB, streamingMB: str.maxRssMB, inMemoryRatio: mem.ratio, streamingRatio: str.ratio });
  }
  return out;
}

export function printScaleTable(rows: ScaleRow[]): void {
  console.log('\n## Scale: end-to-end compress + reconstruct (medians; fresh process per run; in memory, identify includes the POD)');
  console.log('| shape | mode | CSV MB | parse MB/s | compress s (read/pod/identify/code/write) | reconstruct s | peak RSS MB compress / reconstruct (float64 MB) | ratio vs float64 | max err / bound | python read+SVD s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ph = ['read', 'pod', 'identify', 'code', 'write'].map((k) => (r.phases[k] ?? 0).toFixed(2)).join('/');
    const parse = r.phases.read ? (r.csvMB / r.phases.read).toFixed(0) : 'n/a';
    console.log(`| ${r.shape} | ${r.mode} | ${r.csvMB.toFixed(1)} | ${parse} | ${r.compressSeconds.toFixed(2)} (${ph}) | ${r.reconstructSeconds.toFixed(2)} | ${r.maxRssMB.toFixed(0)} / ${r.reconstructRssMB.toFixed(0)} (${r.float64MB.toFixed(0)}) | ${r.ratio.toFixed(0)} | ${r.maxErrorOverBound.toFixed(3)} | ${r.pythonReadSvdSeconds === null ? 'n/a' : r.pythonReadSvdSeconds.toFixed(2)} |`);
  }
}

function printMemoryTable(rows: Awaited<ReturnType<typeof runMemoryBench>>): void {
  console.log('\n## Memory against m (tidy layout, fixed n; one compress job each; the streaming read phase includes staging)');
  console.log('| shape | float64 MB | peak RSS in memory MB | peak RSS streaming MB | ratio in memory / streaming |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.shape} | ${r.float64MB.toFixed(0)} | ${r.inMemoryMB.toFixed(0)} | ${r.streamingMB.toFixed(0)} | ${r.inMemoryRatio.toFixed(0)} / ${r.streamingRatio.toFixed(0)} |`);
}

if (process.argv[1]?.endsWith('scale.ts')) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const parseSizes = (text: string): [number, number][] => (text === '' ? [] : text.split(',').map((s) => s.split('x').map(Number) as [number, number]));
  const sizes = parseSizes(arg('--sizes') ?? '3x10000,256x4000,400x8000');
  const modes = (arg('--modes') ?? 'off,on').split(',');
  const memory = parseSizes(arg('--memory') ?? '64x25000,64x100000,64x400000');
  void (async () => {
    printScaleTable(await runScaleBench(sizes, Number(arg('--runs') ?? 3), modes));
    if (memory.length > 0) printMemoryTable(await runMemoryBench(memory));
  })();
}
