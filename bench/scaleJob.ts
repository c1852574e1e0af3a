// One compress, or one reconstruct, in a fresh process, so peak RSS is that job's own (as in the CLI and
// the extension, where each job runs in its own process or worker).
// node --import tsx bench/scaleJob.ts compress <csv> <model> [tolerance] [streaming on|off|auto]
// node --import tsx bench/scaleJob.ts reconstruct <model> <out.csv>
// Prints one JSON line: compress {timings, seconds, maxRssMB, ratio, ratioVsCsv, maxErrorOverBound, rank,
// segmentLength}; reconstruct {seconds, maxRssMB}.
import { compressFile, reconstructFile } from '../src/core/api';
import { resolveCompressOptions } from '../src/core/optionsResolve';

async function main(): Promise<void> {
  const [job, a, b, tolerance = '1e-3', streaming = 'off'] = process.argv.slice(2);
  const t0 = performance.now();
  if (job === 'compress') {
    const s = await compressFile(a, b, resolveCompressOptions({ tolerance, streaming }), () => undefined);
    console.log(JSON.stringify({
      timings: s.timings,
      seconds: (performance.now() - t0) / 1000,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      ratio: s.ratioVsFloat64,
      ratioVsCsv: s.ratioVsCsv,
      maxErrorOverBound: s.bound ? s.maxError / s.bound : NaN,
      rank: s.rank,
      segmentLength: s.segmentLength,
    }));
  } else if (job === 'reconstruct') {
    await reconstructFile(a, b, () => undefined);
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
  } else {
    throw new Error(`unknown job ${job}`);
  }
}

void main();
