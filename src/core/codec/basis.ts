// Section BASI: the POD mean and modes, quantised on steps derived from the bound so their rounding
// costs at most bound/8 in x (the residual absorbs it), or exact float64 when there is no bound.
import { ByteReader, ByteWriter } from './bytes';
import { MAX_INT, decodeIntRows, encodeIntRows } from './entropy';
import { readFloatsLossless, writeFloatsLossless } from './floatPack';
import type { StoredBasis } from './predictor';

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
    w.blob(encodeIntRows(rows));
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
    const rows = decodeIntRows(r.blob(), rank + 1, n, 'basis');
    const modes = new Float64Array(n * rank);
    for (let j = 0; j < rank; j++) for (let i = 0; i < n; i++) modes[j * n + i] = rows[j + 1][i] * modeStep;
    basis = { mean: Float64Array.from(rows[0], (k) => k * meanStep), modes };
  } else {
    const mean = readFloatsLossless(r, n, 'mean');
    const modes = readFloatsLossless(r, n * rank, 'modes');
    if (![...mean, ...modes].every(Number.isFinite)) r.fail('non-finite basis');
    basis = { mean, modes };
  }
  r.end();
  return basis;
}
