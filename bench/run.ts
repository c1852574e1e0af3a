// `npm run bench`: every benchmark, each in its own process so one's memory does not skew another's.
// Benchmarks are not tests: nothing here asserts a time. Options: --only fit,systems,csv,compression,fields,scale,shards,budget,reconstruct
// --large (adds the 2000×50000 scale case, a ~1.3 GB CSV).
import { spawnSync } from 'node:child_process';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = arg('--only')?.split(',');
const large = process.argv.includes('--large');

const benches: [string, string[]][] = [
  ['fit', ['bench/fit.ts']],
  ['systems', ['bench/systems.ts']],
  ['csv', ['bench/csv.ts']],
  ['compression', ['bench/compression.ts']],
  ['overhead', ['bench/overhead.ts', '--tol', '1e-3,1e-4']],
  ['fields', ['bench/fields.ts']],
  ['scale', ['bench/scale.ts', '--sizes', `3x10000,256x4000,400x8000${large ? ',2000x50000' : ''}`, '--runs', '3']],
  // compress-shards on a local Dask cluster (needs test/dask/install.sh): 64 shards, 1 and 2 workers
  ['shards', ['bench/shards.ts', '--shards', '64']],
  // the coder's budget (issue 14): a random walk against Lorenz, compress times side by side
  ['budget', ['bench/budget.ts', '--runs', '3']],
  // reconstruction MB/s of CSV written (issue 12: ≥ 100 MB/s), in-process and through the CLI
  ['reconstruct', ['bench/reconstruct.ts', '--runs', '5']],
];

let failed = 0;
for (const [name, args] of benches) {
  if (only && !only.includes(name)) continue;
  console.log(`\n# ${name}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', ...args], { stdio: 'inherit' });
  console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s${r.status === 0 ? '' : `, exit ${r.status}`})`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
