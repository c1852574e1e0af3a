// Fit and reconstruction times of the identification on the known systems (a benchmark, not a test).
// Run: node --import tsx bench/fit.ts

import { identify, identifyOptionsOf, type IdentifyOptions } from '../src/core/sindy/identify';
import { DEFAULT_COMPRESS_OPTIONS } from '../src/core/options';
import { simulateModel } from '../src/core/sindy/simulate';
import { allSystems, sampleSystem, uniformTime } from '../test/support/systems';

export interface Row {
  system: string;
  n: number;
  m: number;
  /** Median of 5 fits with the default options (automatic degree), seconds. */
  fitSeconds: number;
  /** The same with the degree fixed at 3 (the default before the automatic degree). */
  fitSecondsDegree3: number;
  /** Median of 5 simulations of the fitted model over the whole record, seconds. */
  reconstructSeconds: number;
  activeTerms: number;
}

const OPTS: IdentifyOptions = identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS);
const OPTS3: IdentifyOptions = { ...OPTS, degree: 3 };
const REPEATS = 5;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function runFitBench(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const sys of allSystems()) {
    const time = uniformTime(sys.steps, sys.dt);
    const data = sampleSystem(sys, time);
    const fits: number[] = [];
    const fits3: number[] = [];
    const sims: number[] = [];
    let activeTerms = 0;
    for (let rep = 0; rep < REPEATS; rep++) {
      const t0 = performance.now();
      const { system } = identify(data, time, sys.stateNames, OPTS);
      const t1 = performance.now();
      simulateModel(system.model, sys.y0, time);
      const t2 = performance.now();
      fits.push((t1 - t0) / 1000);
      const t3 = performance.now();
      identify(data, time, sys.stateNames, OPTS3);
      fits3.push((performance.now() - t3) / 1000);
      sims.push((t2 - t1) / 1000);
      activeTerms = system.diagnostics.activeTerms;
      // Let other work (and the event loop) in between repeats.
      await new Promise((resolve) => setImmediate(resolve));
    }
    rows.push({ system: sys.name, n: sys.stateNames.length, m: time.length, fitSeconds: median(fits), fitSecondsDegree3: median(fits3), reconstructSeconds: median(sims), activeTerms });
  }
  return rows;
}

if (process.argv[1] && /bench[\\/]fit\.ts$/.test(process.argv[1])) {
  runFitBench().then((rows) => {
    console.table(rows.map((r) => ({ ...r, fitSeconds: +r.fitSeconds.toFixed(3), fitSecondsDegree3: +r.fitSecondsDegree3.toFixed(3), reconstructSeconds: +r.reconstructSeconds.toFixed(3) })));
  });
}
