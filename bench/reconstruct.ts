// Reconstruction speed (issue 12: ≥ 100 MB/s of CSV written): the whole `reconstruct` a user runs —
// read the .wsindy, decode (entropy decoding, model, residual), write the CSV atomically — as MB of CSV
// text written per second of wall time. In-process (`reconstructFile`, warm: median of --runs after a
// warm-up) with the decode alone and the write alone beside it, and through the CLI (`node dist/cli.js
// reconstruct`, a fresh process each run, needs `npm run build`) when dist/cli.js exists.
// node --import tsx bench/reconstruct.ts [--runs 5] [--only walk] [--keep DIR] (--keep: files kept/reused in DIR)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile, reconstructFile } from '../src/core/api';
import { decodeWsindy } from '../src/core/codec/decode';
import { writeCsvFileParallel } from '../src/core/csv/writeParallel';
import { DEFAULT_COMPRESS_OPTIONS } from '../src/core/options';
import { sensorLorenz } from './compression';
import { burgersField, randomWalkSignal } from './fieldData';
import { lorenz, sampleSystem, uniformTime } from '../test/support/systems';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg('--runs') ?? 5);
const only = arg('--only');
const keep = arg('--keep');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

interface Case {
  name: string;
  series: Float64Array[];
  time: Float64Array;
  layout: 'columns' | 'rows';
}

function csvText(c: Case): string {
  if (c.layout === 'rows') return c.series.map((s) => Array.from(s, String).join(',')).join('\n') + '\n';
  const lines = ['t,' + c.series.map((_, i) => `x${i}`).join(',')];
  for (let j = 0; j < c.time.length; j++) lines.push([c.time[j], ...c.series.map((s) => s[j])].join(','));
  return lines.join('\n') + '\n';
}

function cases(): (() => Case)[] {
  return [
    () => ({ ...sensorLorenz(), name: '400-sensor Lorenz 400×8000', layout: 'columns' }),
    () => ({ ...randomWalkSignal(400, 8000), name: 'random walk 400×8000', layout: 'columns' }),
    () => ({ ...burgersField(256, 1000, 10), name: 'Burgers 256×1000 (rows)', layout: 'rows' }),
    () => {
      const sys = lorenz();
      const time = uniformTime(10_000, sys.dt);
      return { name: 'Lorenz 3×10000', series: sampleSystem(sys, time), time, layout: 'columns' };
    },
  ];
}

async function main(): Promise<void> {
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'wsindy-recon-'));
  if (keep) mkdirSync(keep, { recursive: true });
  const cli = join(process.cwd(), 'dist', 'cli.js');
  const withCli = existsSync(cli);
  console.log(`reconstruction: MB of CSV written / wall s, median of ${runs} (in-process warm; CLI a fresh process each run)`);
  console.log(['data'.padEnd(28), '  file KB', '  CSV MB', ' decode s', ' write s', '  total s', '  MB/s', '  CLI s', 'CLI MB/s'].join(' '));
  try {
    let k = 0;
    for (const make of cases()) {
      const slug = `case${k++}`;
      const csv = join(dir, `${slug}.csv`);
      const file = join(dir, `${slug}.wsindy`);
      const back = join(dir, `${slug}.back.csv`);
      let name: string;
      if (!keep || !existsSync(file)) {
        const c = make();
        name = c.name;
        if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
        writeFileSync(csv, csvText(c));
        await compressFile(csv, file, { ...DEFAULT_COMPRESS_OPTIONS, layout: c.layout });
        writeFileSync(`${file}.name`, name);
      } else {
        name = readFileSync(`${file}.name`, 'utf8');
        if (only && !name.toLowerCase().includes(only.toLowerCase())) continue;
      }
      const bytes = readFileSync(file);
      await reconstructFile(file, back); // warm-up (JIT, the writer's worker if it starts one)
      const total: number[] = [];
      const decode: number[] = [];
      const write: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        await reconstructFile(file, back);
        total.push((performance.now() - t0) / 1000);
        const t1 = performance.now();
        const { dataset } = decodeWsindy(bytes);
        const t2 = performance.now();
        await writeCsvFileParallel(back, dataset);
        decode.push((t2 - t1) / 1000);
        write.push((performance.now() - t2) / 1000);
      }
      const csvBytes = statSync(back).size;
      const cliTimes: number[] = [];
      if (withCli) {
        for (let r = 0; r < runs; r++) {
          const t0 = performance.now();
          execFileSync(process.execPath, [cli, 'reconstruct', file, '-o', back, '--force'], { stdio: 'ignore' });
          cliTimes.push((performance.now() - t0) / 1000);
        }
      }
      const mb = csvBytes / 1e6;
      const tt = median(total);
      const tc = cliTimes.length ? median(cliTimes) : NaN;
      console.log([
        name.padEnd(28),
        (bytes.length / 1e3).toFixed(0).padStart(9),
        mb.toFixed(1).padStart(7),
        median(decode).toFixed(3).padStart(9),
        median(write).toFixed(3).padStart(8),
        tt.toFixed(3).padStart(9),
        (mb / tt).toFixed(0).padStart(6),
        (withCli ? tc.toFixed(3) : 'n/a').padStart(7),
        (withCli ? (mb / tc).toFixed(0) : 'n/a').padStart(8),
      ].join(' '));
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
