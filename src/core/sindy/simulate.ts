// Forward simulation of an identified model, and the maps between the full field and POD coordinates.

import { compileRhs } from './library';
import type { PodBasis, SparseModel } from '../model';
import { integrateDopri5 } from '../numerics/ode';

export interface SimulateOptions {
  /** Relative tolerance (default 1e-9). */
  rtol?: number;
  /** Absolute tolerance (default 1e-3 · rtol · stateScale). */
  atol?: number;
  /** Typical magnitude of the state, for the default atol (default: max |y0|, or 1 if y0 = 0). */
  stateScale?: number;
  maxSteps?: number;
  /** Bounds outside which the model counts as diverged (e.g. the data range widened). */
  limits?: { lo: Float64Array; hi: Float64Array };
}

/** Integrate ȧ = Θ(a)Ξ from y0 at time[0]; returns r arrays of length time.length. Throws NumericalError on blow-up. */
export function simulateModel(model: SparseModel, y0: Float64Array, time: Float64Array, opts: SimulateOptions = {}): Float64Array[] {
  const rtol = opts.rtol ?? 1e-9;
  let scale = opts.stateScale ?? 0;
  if (!(scale > 0)) for (const v of y0) scale = Math.max(scale, Math.abs(v));
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  const atol = opts.atol ?? 1e-3 * rtol * scale;
  return integrateDopri5(compileRhs(model), y0, time, {
    rtol,
    atol,
    maxSteps: opts.maxSteps,
    limits: opts.limits,
    names: model.stateNames,
  });
}

// Columns per block: keeps the r coordinate segments in cache while sweeping the n rows.
const BLOCK = 1024;

/** x = mean + modes · a: n arrays of length m from r coordinate arrays of length m. */
export function liftFromPod(pod: PodBasis, states: Float64Array[]): Float64Array[] {
  const n = pod.mean.length;
  const r = pod.rank;
  if (states.length !== r) throw new RangeError(`liftFromPod: ${states.length} coordinates for a rank-${r} basis`);
  const m = r > 0 ? states[0].length : 0;
  const out = Array.from({ length: n }, (_, i) => new Float64Array(m).fill(pod.mean[i]));
  for (let j0 = 0; j0 < m; j0 += BLOCK) {
    const j1 = Math.min(m, j0 + BLOCK);
    for (let i = 0; i < n; i++) {
      const row = out[i];
      for (let c = 0; c < r; c++) {
        const w = pod.modes[c * n + i];
        const a = states[c];
        for (let j = j0; j < j1; j++) row[j] += w * a[j];
      }
    }
  }
  return out;
}

/** a = modesᵀ (x − mean): r arrays of length m from n series of length m. */
export function projectOnPod(pod: PodBasis, series: Float64Array[]): Float64Array[] {
  const n = pod.mean.length;
  const r = pod.rank;
  if (series.length !== n) throw new RangeError(`projectOnPod: ${series.length} series for a basis over ${n} variables`);
  const m = n > 0 ? series[0].length : 0;
  const out = Array.from({ length: r }, () => new Float64Array(m));
  for (let j0 = 0; j0 < m; j0 += BLOCK) {
    const j1 = Math.min(m, j0 + BLOCK);
    for (let i = 0; i < n; i++) {
      const row = series[i];
      const mu = pod.mean[i];
      for (let c = 0; c < r; c++) {
        const w = pod.modes[c * n + i];
        const a = out[c];
        for (let j = j0; j < j1; j++) a[j] += w * (row[j] - mu);
      }
    }
  }
  return out;
}
