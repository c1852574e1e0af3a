// Scale benchmark (issue 7): end-to-end compress and reconstruct of generated CSVs of growing size,
// each in a fresh process (phases, peak RSS), with the Python stack's read + SVD on the same file.
// node --import tsx bench/scale.ts [--sizes 3x10000,256x4000] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { lorenz, sampleSystem, uniformTime } from '../test/support/systems';

export interface ScaleRow {
  shape: string;
  csvMB: number;
  compressSeconds: number;
  phases: Record<string, number>;
  reconstructSeconds: number;
  maxRssMB: number;
  float64MB: number;
  ratio: number;
  maxErrorOverBound: number;
  pythonReadSvdSeconds: number | null;
}

const DATA = 'bench/data';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** n sensors × m steps: a random linear view of Lorenz plus a travelling wave, written in the seed layout. */
async function makeCsv(n: number, m: number): Promise<string> {
  const path = join(DATA, `scale_${n}x${m}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(DATA, { recursive: true });
  const lz = sampleSystem(lorenz(), uniformTime(m, 0.002));
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const out = createWriteStream(path);
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const w = [rand(), rand(), rand()];
    for (let j = 0; j < m; j++) row[j] = w[0] * lz[0][j] + w[1] * lz[1][j] + w[2] * lz[2][j];
    let line = '';
    for (let j = 0; j < m; j++) line += (j ? ',' : '') + String(row[j]); // full precision, as simulations write
    if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}

function pythonBaseline(csv: string): number | null {
  const py = '/usr/bin/python3';
  const code = `import time,sys,numpy as np,pandas as pd
t=time.perf_counter();X=pd.read_csv(sys.argv[1],header=None).to_numpy();np.linalg.svd(X-X.mean(1,keepdims=True),full_matrices=False);print(time.perf_counter()-t)`;
  const r = spawnSync(py, ['-c', code, csv], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

export async function runScaleBench(sizes: [number, number][], runs: number): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const [n, m] of sizes) {
    const csv = await makeCsv(n, m);
    const results = [];
    for (let k = 0; k < runs; k++) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/scaleJob.ts', csv, join(DATA, 'scale.wsindy'), join(DATA, 'scale.out.csv')], { encoding: 'utf8', maxBuffer: 1 << 20 });
      results.push(JSON.parse(out.trim().split('\n').pop() ?? '{}'));
    }
    const py = [];
    for (let k = 0; k < runs; k++) py.push(pythonBaseline(csv));
    const phases: Record<string, number> = {};
    for (const key of Object.keys(results[0].timings)) phases[key] = median(results.map((r) => r.timings[key]));
    rows.push({
      shape: `${n}×${m}`,
      csvMB: statSync(csv).size / 1e6,
      compressSeconds: median(results.map((r) => r.compressSeconds)),
      phases,
      reconstructSeconds: median(results.map((r) => r.reconstructSeconds)),
      maxRssMB: median(results.map((r) => r.maxRssMB)),
      float64MB: (n * m * 8) / 1e6,
      ratio: median(results.map((r) => r.ratio)),
      maxErrorOverBound: Math.max(...results.map((r) => r.maxErrorOverBound)),
      pythonReadSvdSeconds: py.every((x) => x !== null) ? median(py as number[]) : null,
    });
  }
  return rows;
}

export function printScaleTable(rows: ScaleRow[]): void {
  console.log('\n## Scale: end-to-end compress + reconstruct (medians; fresh process per run)');
  console.log('| shape | CSV MB | compress s (read/identify/code/write) | reconstruct s | peak RSS MB (float64 MB) | ratio vs float64 | max err / bound | python read+SVD s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ph = ['read', 'identify', 'code', 'write'].map((k) => (r.phases[k] ?? 0).toFixed(2)).join('/');
    console.log(`| ${r.shape} | ${r.csvMB.toFixed(1)} | ${r.compressSeconds.toFixed(2)} (${ph}) | ${r.reconstructSeconds.toFixed(2)} | ${r.maxRssMB.toFixed(0)} (${r.float64MB.toFixed(0)}) | ${r.ratio.toFixed(0)} | ${r.maxErrorOverBound.toFixed(3)} | ${r.pythonReadSvdSeconds === null ? 'n/a' : r.pythonReadSvdSeconds.toFixed(2)} |`);
  }
}

if (process.argv[1]?.endsWith('scale.ts')) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = (arg('--sizes') ?? '3x10000,256x4000,400x8000').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  void runScaleBench(sizes, Number(arg('--runs') ?? 3)).then(printScaleTable);
}
