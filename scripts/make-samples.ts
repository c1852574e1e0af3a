// Regenerates the small sample CSVs in samples/ (committed; the README's demo uses them).
// node --import tsx scripts/make-samples.ts
import { writeFileSync } from 'node:fs';
import { lorenz, vanDerPol, sampleSystem, uniformTime } from '../test/support/systems';

const fmt = (x: number): string => String(Number(x.toPrecision(9)));

// Tidy layout: header, a time column, one row per time step.
function writeTidy(path: string, names: string[], time: Float64Array, series: Float64Array[]): void {
  const lines = [['t', ...names].join(',')];
  for (let j = 0; j < time.length; j++) lines.push([fmt(time[j]), ...series.map((s) => fmt(s[j]))].join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

// Seed layout: no header, one row per variable, one column per time step.
function writeRows(path: string, series: Float64Array[]): void {
  writeFileSync(path, series.map((s) => Array.from(s, fmt).join(',')).join('\n') + '\n');
}

const lz = lorenz();
const tLorenz = uniformTime(5000, 0.004);
writeTidy('samples/lorenz.csv', lz.stateNames, tLorenz, sampleSystem(lz, tLorenz));

const vdp = vanDerPol(4);
writeRows('samples/vanderpol_rows.csv', sampleSystem(vdp, uniformTime(3000, 0.01)));

// A travelling wave on 32 sensors: two harmonics, so POD finds rank 4 with linear (oscillator) dynamics.
const n = 32;
const m = 1000;
const dt = 0.01;
const field = Array.from({ length: n }, (_, i) => {
  const x = (2 * Math.PI * i) / n;
  const s = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const t = j * dt;
    s[j] = Math.sin(x - 2 * t) + 0.4 * Math.cos(2 * x - 4 * t + 0.3) + 1.5;
  }
  return s;
});
writeRows('samples/wave_rows.csv', field);
console.log('wrote samples/lorenz.csv, samples/vanderpol_rows.csv, samples/wave_rows.csv');
