// Broad identification benchmark: the 82 polynomial chaotic systems of the dysts database (3–6 variables,
// degree 1–4; test/support/dystsPolynomial.json), 100 points per period for 50 periods, clean and with
// 1 % noise (σ = 0.01 × each variable's standard deviation), fitted with the default options.
// A system counts as recovered when its support is exact and every coefficient is within 1 % (clean)
// or 5 % (noisy). Prints recovered / total, the median worst coefficient error of the recovered systems,
// the median identify time (wall, and CPU time: less sensitive to a shared machine), and the misses. A benchmark, not a test: nothing is asserted.
// Run: node --import tsx bench/systems.ts [--names Lorenz,Aizawa] [--noise-only | --clean-only] [--verbose]
// [--jitter SEED]: the same at jittered stamps (steps 0.3–1.7 of the mean: the uneven-grid quadrature).

import { identify, identifyOptionsOf } from '../src/core/sindy/identify';
import { DEFAULT_COMPRESS_OPTIONS } from '../src/core/options';
import { addStdNoise, coefficientError, dystsSystems, sampleDysts } from '../test/support/dysts';
import { jitteredTime, uniformTime } from '../test/support/systems';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const names = arg('--names')?.split(',');
const verbose = process.argv.includes('--verbose');
const cases: { label: string; noise: number; tol: number }[] = [];
if (!process.argv.includes('--noise-only')) cases.push({ label: 'clean', noise: 0, tol: 0.01 });
if (!process.argv.includes('--clean-only')) cases.push({ label: '1% noise', noise: 0.01, tol: 0.05 });

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

const opts = identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS);
const systems = dystsSystems().filter((s) => !names || names.includes(s.name));
const jitter = arg('--jitter');
const data = systems.map((s) => {
  const time = jitter !== undefined ? jitteredTime(s.steps, s.dt, Number(jitter)) : uniformTime(s.steps, s.dt);
  return { sys: s, time, clean: sampleDysts(s, time) };
});

for (const c of cases) {
  let ok = 0;
  const errors: number[] = [];
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const misses: string[] = [];
  for (const [i, { sys, time, clean }] of data.entries()) {
    const series = c.noise > 0 ? addStdNoise(clean, c.noise, 1000 + i) : clean;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const { system } = identify(series, time, sys.stateNames, opts);
    const c1 = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpuTimes.push((c1.user + c1.system) / 1000);
    const res = coefficientError(system.model, sys);
    const degree = system.model.library.degree;
    if (res.exact && res.worst <= c.tol) {
      ok++;
      errors.push(res.worst);
    } else {
      const why = res.exact ? `error ${(res.worst * 100).toFixed(2)} %` : [...res.extra.map((t) => `+${t}`), ...res.missing.map((t) => `-${t}`)].slice(0, 6).join(' ');
      misses.push(`${sys.name} (deg ${sys.degree}, library ${degree}): ${why}`);
    }
    if (verbose) console.log(`${c.label} ${sys.name}: ${res.exact ? `exact, worst ${res.worst.toExponential(2)}` : 'support differs'}, library degree ${degree}, ${times[times.length - 1].toFixed(0)} ms`);
  }
  console.log(`${c.label}: recovered ${ok} / ${data.length}, median coefficient error ${median(errors).toExponential(2)}, identify median ${median(times).toFixed(1)} ms wall, ${median(cpuTimes).toFixed(1)} ms CPU (total ${(times.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s)`);
  for (const m of misses) console.log(`  miss ${m}`);
}
