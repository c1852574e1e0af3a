// Streaming POD against the in-memory one on the same in-memory data (a benchmark, not a test): the hot
// path of streamingPod (Gram accumulation, or the per-pass Qᵀ D / D Zᵀ products) measured in isolation
// from any file reading. Run: node --import tsx bench/streamPod.ts [--quick]
//
// Data: lowRankField (4 damped-oscillator modes over sine shapes) plus Gaussian noise of 1e-6 (clean:
// rank 4 at energy 0.999999) or 1e-3 (noisy: the energy rule runs into the noise, rank = maxRank 64).

import type { Dataset } from '../src/core/dataset';
import { computePod, type PodOptions } from '../src/core/numerics/pod';
import { memoryBlockSource } from '../src/core/stream/blocks';
import { STREAM_GRAM_MAX_N, streamingPod } from '../src/core/stream/streamPod';
import { addNoise, lowRankField } from '../test/support/systems';

const REPEATS = 3;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

function dataset(series: Float64Array[], time: Float64Array): Dataset {
  return { names: series.map((_, i) => `x${i}`), series, time, source: { layout: 'columns', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' } };
}

interface Case {
  n: number;
  m: number;
  noise: number;
  solvers: ReadonlyArray<'auto' | 'dense' | 'iterative'>;
}

async function runCase({ n, m, noise, solvers }: Case): Promise<void> {
  const field = lowRankField(n, m);
  const series = addNoise(field.series, noise, 11);
  field.series.length = 0; // let the clean copy go
  const ds = dataset(series, field.time);
  const opts: PodOptions = { rank: 'auto', energy: 0.999999 };
  for (const solver of solvers) {
    const times: number[] = [];
    let passes = 0;
    let rank = 0;
    for (let rep = 0; rep < REPEATS; rep++) {
      const t0 = performance.now();
      const r = await streamingPod(memoryBlockSource(ds, 1000), { ...opts, solver });
      times.push((performance.now() - t0) / 1000);
      passes = r.passes;
      rank = r.basis.rank;
    }
    const route = solver === 'dense' || (solver === 'auto' && n <= STREAM_GRAM_MAX_N) ? 'Gram' : 'sketch';
    console.log(`${n}×${m} noise ${noise}: streamingPod ${solver.padEnd(9)} (${route.padEnd(6)}) ${median(times).toFixed(2)} s, ${passes} passes, rank ${rank}`);
  }
  const times: number[] = [];
  let rank = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    rank = computePod(series, opts).basis.rank;
    times.push((performance.now() - t0) / 1000);
  }
  console.log(`${n}×${m} noise ${noise}: computePod                     ${median(times).toFixed(2)} s, rank ${rank}`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const cases: Case[] = [
    { n: 400, m: 8000, noise: 1e-6, solvers: ['dense', 'iterative'] },
    { n: 400, m: 8000, noise: 1e-3, solvers: ['dense', 'iterative'] },
  ];
  if (!quick) {
    cases.push({ n: 2000, m: 20000, noise: 1e-6, solvers: ['auto'] });
    cases.push({ n: 2000, m: 20000, noise: 1e-3, solvers: ['auto'] });
  }
  for (const c of cases) await runCase(c);
}

void main();
