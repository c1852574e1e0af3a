// One compress + reconstruct of a CSV in a fresh process, so peak RSS is the job's own.
// node --import tsx bench/scaleJob.ts <csv> <model> <out.csv> [tolerance] [streaming on|off|auto]
// Prints one JSON line: {timings, compressSeconds, reconstructSeconds, maxRssMB, ratio, maxErrorOverBound, …}.
import { compressFile, reconstructFile } from '../src/core/api';
import { resolveCompressOptions } from '../src/core/optionsResolve';

async function main(): Promise<void> {
  const [csv, model, out, tolerance = '1e-3', streaming = 'off'] = process.argv.slice(2);
  const t0 = performance.now();
  const s = await compressFile(csv, model, resolveCompressOptions({ tolerance, streaming }), () => undefined);
  const t1 = performance.now();
  await reconstructFile(model, out, () => undefined);
  const t2 = performance.now();
  console.log(JSON.stringify({
    timings: s.timings,
    compressSeconds: (t1 - t0) / 1000,
    reconstructSeconds: (t2 - t1) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    ratio: s.ratioVsFloat64,
    ratioVsCsv: s.ratioVsCsv,
    maxErrorOverBound: s.bound ? s.maxError / s.bound : NaN,
    rank: s.rank,
    segmentLength: s.segmentLength,
  }));
}

void main();
