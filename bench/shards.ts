// Shard bench (issue 18): `wsindy compress-shards --dask` on a real local cluster (dask-scheduler and
// dask-worker on 127.0.0.1, one thread each) with 1 and 2 workers on 64 shards: wall time, throughput
// (CSV MB/s), each worker's peak memory (its kernel process, and the dask-worker process itself); the
// same on 16 of the shards (a worker's memory must not depend on the number of shards); and the ratio
// against `compress --streaming` on the concatenated file. Not a test: nothing here asserts a time.
// node --import tsx bench/shards.ts [--shards 64] [--steps 8000] [--n 12] [--runs 1]
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { lorenz, sampleSystem, uniformTime } from '../test/support/systems';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore — a plain .mjs helper shared with the dask test stage
import { peakRssMB, startCluster } from '../test/support/daskCluster.mjs';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SHARDS = arg('--shards', 64);
const STEPS = arg('--steps', 8000);
const N = arg('--n', 12);
const RUNS = arg('--runs', 1);
const repo = resolve(__dirname, '..');
const cli = join(repo, 'dist', 'cli.js');
const DATA = join(repo, 'bench', 'data', `shards_${SHARDS}x${STEPS}x${N}`);

interface ClusterWorker {
  name: string;
  pid: number;
}
interface Cluster {
  address: string;
  workers: ClusterWorker[];
  stop(): Promise<void>;
}

interface ShardSummary {
  sourceBytes: number;
  fileBytes: number;
  ratioVsCsv: number;
  maxError: number;
  bound: number | null;
  tasks: Record<string, number>;
  workers: { worker: string; tasks: number; seconds: number; peakRssMB: number }[];
}

/** 12 sensors = fixed random mixes of Lorenz, as bench/scale.ts; one CSV per shard and the concatenation. */
async function makeData(): Promise<{ dir: string; concat: string }> {
  const dir = join(DATA, 'shards');
  const concat = join(DATA, 'concatenated.csv');
  if (existsSync(concat)) return { dir, concat };
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dt = 0.002;
  const m = SHARDS * STEPS;
  const lz = sampleSystem(lorenz(), uniformTime(m, dt));
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const w = Array.from({ length: N }, () => [rand(), rand(), rand()]);
  const header = ['t', ...w.map((_, i) => `s${i}`)].join(',') + '\n';
  const line = (j: number): string => {
    let s = String(Number((j * dt).toFixed(6)));
    for (const c of w) s += ',' + String(c[0] * lz[0][j] + c[1] * lz[1][j] + c[2] * lz[2][j]);
    return s + '\n';
  };
  const all = createWriteStream(concat + '.part');
  all.write(header);
  for (let k = 0; k < SHARDS; k++) {
    let text = header;
    for (let j = k * STEPS; j < (k + 1) * STEPS; j++) text += line(j);
    const p = join(dir, `part-${String(k + 1).padStart(4, '0')}.csv`);
    const out = createWriteStream(p);
    await new Promise<void>((r) => out.end(text, () => r()));
    if (!all.write(text.slice(header.length))) await new Promise<void>((r) => all.once('drain', () => r()));
  }
  await new Promise<void>((r) => all.end(() => r()));
  renameSync(concat + '.part', concat);
  return { dir, concat };
}

/** A folder with the first k shards (symlinks). */
function subset(dir: string, k: number): string {
  const sub = join(DATA, `first-${k}`);
  if (existsSync(sub)) return sub;
  mkdirSync(sub);
  for (let i = 1; i <= k; i++) {
    const name = `part-${String(i).padStart(4, '0')}.csv`;
    symlinkSync(join(dir, name), join(sub, name));
  }
  return sub;
}

function wsindy(args: string[]): { seconds: number; json: Record<string, unknown> } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args, '--force', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`wsindy ${args.join(' ')}: ${r.stderr}`);
  return { seconds: (performance.now() - t0) / 1000, json: JSON.parse(r.stdout) as Record<string, unknown> };
}

/**
 * What two CPU-bound processes get on this machine right now against one (2 on an idle 2-core machine; less
 * when it is shared): the ceiling of the 2-worker speedup, measured next to it.
 */
async function twoProcessCeiling(): Promise<number> {
  const loop = 'let x=0;const t=process.hrtime.bigint();for(let i=0;i<4e8;i++)x+=i%7;console.log(Number(process.hrtime.bigint()-t)/1e9,x>0)';
  const once = (): Promise<number> =>
    new Promise((res) => {
      const c = spawn(process.execPath, ['-e', loop], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', () => res(Number(out.split(' ')[0])));
    });
  const one = await once();
  const [a, b] = await Promise.all([once(), once()]);
  return (2 * one) / Math.max(a, b);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v dask-scheduler && command -v dask-worker']).status !== 0) {
    console.log('dask-scheduler / dask-worker not found: bash test/dask/install.sh');
    process.exit(1);
  }
  if (!existsSync(cli)) spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
  const { dir, concat } = await makeData();
  const out = join(DATA, 'out.wsindy');
  const streamed = wsindy(['compress', concat, '-o', join(DATA, 'streamed.wsindy'), '--streaming']);
  const csvMB = (streamed.json.sourceBytes as number) / 1e6;
  console.log(`${SHARDS} shards × ${STEPS} steps × ${N} sensors (${csvMB.toFixed(0)} MB of CSV); streaming compress of the concatenated file: ${streamed.seconds.toFixed(1)} s, ${(csvMB / streamed.seconds).toFixed(1)} MB/s, ${streamed.json.fileBytes} bytes`);

  const mark = `wsindy-bench-${randomBytes(4).toString('hex')}`;
  let oneWorker = 0;
  // a fresh cluster per configuration: peak memory (VmHWM, the kernel's maxRSS) is per process lifetime
  const run = async (folder: string, shards: number, workers: number): Promise<void> => {
    const cluster = (await startCluster({ workers, dir: DATA, cwd: repo, mark })) as Cluster;
    try {
      const times: number[] = [];
      let s: ShardSummary | null = null;
      for (let k = 0; k < RUNS; k++) {
        const r = wsindy(['compress-shards', folder, '-o', out, '--dask', cluster.address]);
        times.push(r.seconds);
        s = r.json as unknown as ShardSummary;
      }
      const summary = s as ShardSummary;
      const t = median(times);
      const mb = summary.sourceBytes / 1e6;
      const all = shards === SHARDS;
      if (all && workers === 1) oneWorker = t;
      const speedup = all && workers === 2 && oneWorker > 0 ? ` (${(oneWorker / t).toFixed(2)}× one worker)` : '';
      const kernels = summary.workers.map((w) => `${w.tasks} tasks, kernel ${w.peakRssMB.toFixed(0)} MB`).join('; ');
      const daskRss = cluster.workers.map((w) => `${peakRssMB(w.pid)?.toFixed(0) ?? '?'} MB`).join(', ');
      const vsStreaming = all ? ` (${(100 * ((streamed.json.fileBytes as number) / summary.fileBytes - 1)).toFixed(1)} % vs streaming)` : '';
      console.log(
        `| ${shards} | ${workers} | ${t.toFixed(1)} s | ${(mb / t).toFixed(1)} MB/s${speedup} | ${kernels} | ${daskRss} | ${summary.ratioVsCsv.toFixed(0)}${vsStreaming} | ${summary.bound !== null ? (summary.maxError / summary.bound).toFixed(2) : '–'} |`,
      );
    } finally {
      await cluster.stop();
    }
  };
  console.log('\n| shards | workers | wall | throughput | per worker: tasks, peak RSS of its kernel process | dask-worker peak RSS | ratio vs CSV | max error / bound |');
  console.log('|---|---|---|---|---|---|---|---|');
  const before = await twoProcessCeiling();
  await run(dir, SHARDS, 1);
  await run(dir, SHARDS, 2);
  const after = await twoProcessCeiling();
  await run(subset(dir, 16), 16, 2);
  console.log(`\nTwo plain CPU loops at once got ${before.toFixed(2)}× (before) and ${after.toFixed(2)}× (after) the throughput of one: the machine's ceiling for the 2-worker speedup at the time.`);
}

void main();
