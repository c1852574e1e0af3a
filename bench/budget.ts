// The coder's budget (issue 14): data without governing equations should cost about what data with them
// cost. Compresses, in the same run and alternately, a random walk and the Lorenz record it is compared
// with (the same `compressFile` the CLI runs: read, identify, code, write), and prints both times side by
// side with their ratio. Median of --runs (default 3) alternating pairs, for 8×5000 against Lorenz 3×10000 and
// for 400×8000 against the 400-sensor Lorenz (one pair of those varied 1.84–2.03× from run to run)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile } from '../src/core/api';
import { DEFAULT_COMPRESS_OPTIONS } from '../src/core/options';
import { sensorLorenz } from './compression';
import { randomWalkSignal } from './fieldData';
import { lorenz, sampleSystem, uniformTime } from '../test/support/systems';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg('--runs') ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function writeCsv(path: string, series: readonly Float64Array[], time: Float64Array): void {
  const lines = ['t,' + series.map((_, i) => `x${i}`).join(',')];
  for (let j = 0; j < time.length; j++) lines.push([time[j], ...series.map((s) => s[j])].join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

interface Timed {
  seconds: number[];
  ratio: number;
  outcome: string;
  phases: Record<string, number>;
}

async function timeCompress(csv: string, out: string, into: Timed): Promise<void> {
  const t0 = performance.now();
  const s = await compressFile(csv, out, { ...DEFAULT_COMPRESS_OPTIONS });
  into.seconds.push((performance.now() - t0) / 1000);
  into.ratio = s.ratioVsFloat64;
  into.outcome = s.outcome.kind;
  into.phases = s.timings as Record<string, number>;
}

async function pair(runs: number, label: string, walk: { series: Float64Array[]; time: Float64Array }, model: { name: string; series: Float64Array[]; time: Float64Array }, dir: string): Promise<void> {
  const wCsv = join(dir, 'walk.csv');
  const mCsv = join(dir, 'model.csv');
  writeCsv(wCsv, walk.series, walk.time);
  writeCsv(mCsv, model.series, model.time);
  const w: Timed = { seconds: [], ratio: 0, outcome: '', phases: {} };
  const l: Timed = { seconds: [], ratio: 0, outcome: '', phases: {} };
  // a warm-up of each (JIT), then alternating runs so the machine's load falls on both alike
  await timeCompress(mCsv, join(dir, 'm.wsindy'), { ...l, seconds: [] });
  await timeCompress(wCsv, join(dir, 'w.wsindy'), { ...w, seconds: [] });
  for (let k = 0; k < runs; k++) {
    await timeCompress(wCsv, join(dir, 'w.wsindy'), w);
    await timeCompress(mCsv, join(dir, 'm.wsindy'), l);
  }
  const phases = (t: Timed) => Object.entries(t.phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' / ');
  const tw = median(w.seconds);
  const tl = median(l.seconds);
  console.log(`${label.padEnd(34)} ${tw.toFixed(2).padStart(7)} s  ${model.name.padEnd(24)} ${tl.toFixed(2).padStart(7)} s   walk / model ${(tw / tl).toFixed(2)}×`);
  console.log(`${''.padEnd(34)}   walk: ${w.outcome}, ratio ${w.ratio.toFixed(1)} (${phases(w)}); model: ${l.outcome}, ratio ${l.ratio.toFixed(0)} (${phases(l)})`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wsindy-budget-'));
  try {
    console.log(`compress (default options, 1e-3 of the range), median of ${runs} alternating runs each`);
    const sys = lorenz();
    const lt = uniformTime(10_000, sys.dt);
    await pair(runs, 'random walk 8×5000', randomWalkSignal(8, 5000), { name: 'Lorenz 3×10000', series: sampleSystem(sys, lt), time: lt }, dir);
    if (!process.argv.includes('--small')) await pair(runs, 'random walk 400×8000', randomWalkSignal(400, 8000), sensorLorenz(), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
