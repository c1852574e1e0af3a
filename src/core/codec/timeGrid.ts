// The time grid: uniform grids as two numbers, anything else losslessly. A uniform grid is only used
// if rebuilding it reproduces every original double exactly (so reconstruction writes the same CSV).
import { ByteReader, ByteWriter } from './bytes';
import { MAX_INT } from './entropy';
import { readFloatsLossless, writeFloatsLossless } from './floatPack';

export const GRID_LOSSLESS = 0;
/** t_j = t0 + j·dt (float64 arithmetic). */
export const GRID_AFFINE = 1;
/** t_j = (a + j·b) / 10^d with integers a, b: how decimal CSV time stamps (0.01, 0.02, …) parse. */
export const GRID_DECIMAL = 2;

export interface TimeSummary {
  t0: number;
  t1: number;
  uniform: boolean;
  /** Step of a uniform grid, else null. */
  dt: number | null;
}

function affine(t0: number, dt: number, m: number): Float64Array {
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) t[j] = t0 + j * dt;
  return t;
}

function decimal(a: number, b: number, d: number, m: number): Float64Array {
  const p = 10 ** d;
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) t[j] = (a + j * b) / p;
  return t;
}

function same(x: Float64Array, y: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

export function writeTimeGrid(w: ByteWriter, time: Float64Array): void {
  const m = time.length;
  if (m >= 2) {
    for (const dt of [(time[m - 1] - time[0]) / (m - 1), time[1] - time[0]]) {
      if (Number.isFinite(dt) && same(affine(time[0], dt, m), time)) {
        w.u8(GRID_AFFINE);
        w.f64(time[0]);
        w.f64(dt);
        return;
      }
    }
    for (let d = 0; d <= 17; d++) {
      const p = 10 ** d;
      const a = Math.round(time[0] * p);
      const b = Math.round(time[1] * p) - a;
      if (Math.abs(a) + m * Math.abs(b) > MAX_INT) break;
      if (a / p === time[0] && same(decimal(a, b, d, m), time)) {
        w.u8(GRID_DECIMAL);
        w.f64(a);
        w.f64(b);
        w.u8(d);
        return;
      }
    }
  }
  w.u8(GRID_LOSSLESS);
  writeFloatsLossless(w, time);
}

export function readTimeGrid(r: ByteReader, m: number): { time: Float64Array; summary: TimeSummary } {
  const kind = r.u8();
  let time: Float64Array;
  let dt: number | null = null;
  if (kind === GRID_AFFINE) {
    const t0 = r.finite('t0');
    dt = r.finite('dt');
    time = affine(t0, dt, m);
  } else if (kind === GRID_DECIMAL) {
    const a = r.finite('a');
    const b = r.finite('b');
    const d = r.u8();
    if (!Number.isInteger(a) || !Number.isInteger(b) || d > 17 || Math.abs(a) + m * Math.abs(b) > MAX_INT) r.fail('bad decimal grid');
    time = decimal(a, b, d, m);
    dt = m >= 2 ? time[1] - time[0] : null;
  } else if (kind === GRID_LOSSLESS) {
    time = readFloatsLossless(r, m, 'time stamps');
  } else {
    return r.fail(`unknown time grid kind ${kind}`);
  }
  for (let j = 0; j < m; j++) {
    if (!Number.isFinite(time[j]) || (j > 0 && !(time[j] > time[j - 1]))) r.fail('time stamps are not finite and strictly increasing');
  }
  return { time, summary: { t0: m > 0 ? time[0] : 0, t1: m > 0 ? time[m - 1] : 0, uniform: kind !== GRID_LOSSLESS, dt } };
}
