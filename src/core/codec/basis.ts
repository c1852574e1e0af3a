// Section BASI: the POD mean and modes, quantised on steps derived from the bound so their rounding
// costs at most bound/8 in x (the residual absorbs it), or exact float64 when there is no bound.
import { ByteReader, ByteWriter } from './bytes';
import { MAX_INT, decodeIntRows, encodeIntRows } from './entropy';
import { readFloatsLossless, writeFloatsLossless } from './floatPack';
import type { StoredBasis } from './predictor';
import { INTERP_CUBIC_1D, INTERP_LINEAR_1D, interpolateDecode, interpolateEncode } from './interpolation';

/**
 * The mean and each mode coded along the variable axis by an interpolation predictor (1-D, id 1 or 2 of
 * interpolation.ts, on the real values with the step as bins: within step/2 as rounding is), when that
 * is smaller than the rounded integers with the block transforms: the modes of fields are smooth.
 * Marked by the id as the blob's first byte (an int-rows stream starts with 0).
 */
const BASIS_PREDICTORS = [INTERP_LINEAR_1D, INTERP_CUBIC_1D] as const;

/** The rows (mean, then the r modes) coded by predictor `id`: the blob and the values the decoder gets. */
function interpolatedBasis(rows: readonly Float64Array[], steps: readonly number[], id: number): { blob: Uint8Array; values: Float64Array[] } {
  const ks = rows.map((x, i) => {
    const k = new Float64Array(x.length);
    const rhat = new Float64Array(x.length);
    interpolateEncode([x], x.length, steps[i], id, [k], [rhat]);
    return k;
  });
  const coded = encodeIntRows(ks);
  const blob = new Uint8Array(1 + coded.length);
  blob[0] = id;
  blob.set(coded, 1);
  // the decoder's values, by its own code path (bit-identical by construction, and cheap next to coding)
  const values = ks.map((k, i) => {
    const v = Float64Array.from(k);
    interpolateDecode([v], v.length, steps[i], id);
    return v;
  });
  // integers clipped at ±2^50 (values ≥ 2^50 steps apart) leave values far off: not this predictor then
  const close = values.every((v, i) => v.every((x, t) => Math.abs(x - rows[i][t]) <= steps[i]));
  return close ? { blob, values } : { blob: new Uint8Array(0), values: [] };
}

export interface BasisPlan {
  meanStep: number;
  modeStep: number;
}

/**
 * |Δx_i| ≤ meanStep/2 + modeStep/2 · Σ_j max|a_j| ≤ prec/16 + prec/16.
 * `amax[j]` = max over time of |a_j|. prec = 0 → exact.
 */
export function planBasis(prec: number, amax: readonly number[]): BasisPlan {
  if (!(prec > 0)) return { meanStep: 0, modeStep: 0 };
  const sum = amax.reduce((s, v) => s + v, 0);
  return { meanStep: prec / 8, modeStep: sum > 0 ? prec / (8 * sum) : prec / 8 };
}

/** The basis the decoder will have, and the section bytes. */
export function storeBasis(mean: Float64Array, modes: Float64Array, plan: BasisPlan): { basis: StoredBasis; bytes: Uint8Array } {
  const n = mean.length;
  const r = n > 0 ? modes.length / n : 0;
  let { meanStep, modeStep } = plan;
  const qm = Float64Array.from(mean, (v) => Math.round(v / meanStep) + 0);
  const qu = Float64Array.from(modes, (v) => Math.round(v / modeStep) + 0);
  const fits = (a: Float64Array) => a.every((v) => Math.abs(v) <= MAX_INT);
  if (!(meanStep > 0 && modeStep > 0 && fits(qm) && fits(qu))) {
    meanStep = 0;
    modeStep = 0;
  }
  const w = new ByteWriter();
  w.f64(meanStep);
  w.f64(modeStep);
  if (meanStep > 0) {
    const rows = [qm, ...Array.from({ length: r }, (_, j) => qu.subarray(j * n, (j + 1) * n))];
    const legacy = encodeIntRows(rows);
    let best: { blob: Uint8Array; values: Float64Array[] } | null = null;
    if (n >= 8) {
      const real = [mean, ...Array.from({ length: r }, (_, j) => modes.subarray(j * n, (j + 1) * n))];
      const steps = real.map((_, i) => (i === 0 ? meanStep : modeStep));
      for (const id of BASIS_PREDICTORS) {
        const alt = interpolatedBasis(real, steps, id);
        if (alt.blob.length > 0 && alt.blob.length < (best ? best.blob.length : legacy.length)) best = alt;
      }
    }
    if (best) {
      w.blob(best.blob);
      const values = best.values;
      const out = new Float64Array(n * r);
      for (let j = 0; j < r; j++) out.set(values[j + 1], j * n);
      return { basis: { mean: values[0], modes: out }, bytes: w.finish() };
    }
    w.blob(legacy);
    return {
      basis: { mean: Float64Array.from(qm, (k) => k * meanStep), modes: Float64Array.from(qu, (k) => k * modeStep) },
      bytes: w.finish(),
    };
  }
  writeFloatsLossless(w, mean);
  writeFloatsLossless(w, modes);
  return { basis: { mean: Float64Array.from(mean), modes: Float64Array.from(modes) }, bytes: w.finish() };
}

export function readBasis(r: ByteReader, n: number, rank: number): StoredBasis {
  const meanStep = r.finite('mean step');
  const modeStep = r.finite('mode step');
  if (meanStep < 0 || modeStep < 0 || (meanStep > 0) !== (modeStep > 0)) r.fail('bad quantisation steps');
  let basis: StoredBasis;
  if (meanStep > 0) {
    const blob = r.blob();
    const id = blob.length > 0 ? blob[0] : 0;
    if (id !== 0 && !(BASIS_PREDICTORS as readonly number[]).includes(id)) r.fail(`unknown basis predictor ${id}`);
    const rows = decodeIntRows(id === 0 ? blob : blob.subarray(1), rank + 1, n, 'basis');
    const modes = new Float64Array(n * rank);
    if (id === 0) {
      for (let j = 0; j < rank; j++) for (let i = 0; i < n; i++) modes[j * n + i] = rows[j + 1][i] * modeStep;
      basis = { mean: Float64Array.from(rows[0], (k) => k * meanStep), modes };
    } else {
      rows.forEach((x, i) => interpolateDecode([x], n, i === 0 ? meanStep : modeStep, id));
      for (let j = 0; j < rank; j++) modes.set(rows[j + 1], j * n);
      basis = { mean: rows[0], modes };
    }
  } else {
    const mean = readFloatsLossless(r, n, 'mean');
    const modes = readFloatsLossless(r, n * rank, 'modes');
    if (![...mean, ...modes].every(Number.isFinite)) r.fail('non-finite basis');
    basis = { mean, modes };
  }
  r.end();
  return basis;
}
