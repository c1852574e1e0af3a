// numerics/ owns the numerical kernels that know nothing of files or fits: POD (truncated SVD) and ODE integration.
// It may import ml-matrix, the shared core types (model, errors) and platform/ (its helper threads) only.
// Proper orthogonal decomposition: truncated SVD of the centred n × m data, rank by energy or fixed.
// Two eigensolvers for the leading eigenpairs of Xc Xcᵀ (Xc = centred, scaled data):
// - iterative (large data): block subspace iteration with Rayleigh–Ritz straight on X — no centred copy,
//   no Gram matrix, only the few leading pairs, each pass O(n·m·k) with k ≈ rank + oversampling;
// - dense (small data, and the fallback when the iteration does not settle): the Gram matrix of the
//   smaller side, all its eigenvalues and the kept modes' eigenvectors (numerics/eigen.ts).
// Both use the same rank rule, so exactly low-rank data yields its true rank either way.

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { PodBasis } from '../model';
import { symmetricEigenDecomposition } from './eigen';
import { GRAM_TILE, gramMatrix, projectSteps } from './gram';
import { centredShared, sharedCoordinates, sharedGram } from './podThreads';

export interface PodOptions {
  /** Fixed rank, or 'auto' to pick the smallest rank whose captured energy reaches `energy`. */
  rank: number | 'auto';
  /** Energy fraction Σ_{i≤r}σ²/Σσ² to capture when rank is 'auto' (e.g. 0.99999). */
  energy: number;
  /** Upper bound on the rank (default 64). */
  maxRank?: number;
  /** Dense solver only: which Gram matrix, 'spatial' (n × n), 'snapshots' (m × m), or 'auto' = the smaller (default). */
  method?: 'auto' | 'spatial' | 'snapshots';
  /**
   * 'dense': all eigenpairs of the Gram matrix; 'iterative': the leading ones by subspace iteration (falls
   * back to dense if it cannot settle the rank); 'auto' (default): iterative when min(n, m) ≥
   * ITERATIVE_MIN_SIZE, dense below.
   */
  solver?: 'auto' | 'dense' | 'iterative';
  /**
   * Only the basis is needed (a fit asking whether a few series are full rank): the dense solver then
   * returns no coordinates (an empty array), about half its time on 3 x 10 000.
   */
  basisOnly?: boolean;
}

/** Largest rank the automatic rule may choose when no maxRank is given. */
export const DEFAULT_MAX_RANK = 64;
/** From this min(n, m) on, the automatic solver computes only the leading eigenpairs. */
export const ITERATIVE_MIN_SIZE = 128;

export const EPS = 2.220446049250313e-16;

type PodResult = { basis: PodBasis; coordinates: Float64Array[] };

/**
 * POD of n series of m samples: mean, orthonormal modes and coordinates a (r × m) with
 * x ≈ mean + modes · a. Modes whose eigenvalue is at round-off level (below what the Gram route can
 * resolve, 64·min(n,m)·ε·λ_max) are never kept, so exactly low-rank data yields its true rank.
 * singularValues holds what was computed: all min(n, m) with the dense solver, the converged leading
 * ones (at least rank + 1 unless the rank is capped) with the iterative one.
 */
export function computePod(series: Float64Array[], opts: PodOptions): PodResult {
  const n = series.length;
  if (n === 0) throw new RangeError('computePod: no series');
  const m = series[0].length;
  for (const s of series) if (s.length !== m) throw new RangeError('computePod: series of different lengths');
  if (m === 0) throw new RangeError('computePod: no samples');
  if (opts.rank !== 'auto' && (!Number.isInteger(opts.rank) || opts.rank < 1)) {
    throw new RangeError(`POD rank must be a positive integer, got ${opts.rank}`);
  }

  // Temporal means, and the largest |centred value|: everything is scaled by it so the products stay O(m).
  const { mean, scale } = meanAndScale(series, m);
  if (!Number.isFinite(scale)) throw new RangeError('computePod: non-finite values');
  if (scale === 0) {
    // Constant data: nothing to decompose.
    return {
      basis: { mean, modes: new Float64Array(0), singularValues: new Float64Array(0), rank: 0, energy: 1 },
      coordinates: [],
    };
  }
  const N = Math.min(n, m);
  const solver = opts.solver ?? 'auto';
  if (solver === 'iterative' || (solver === 'auto' && N >= ITERATIVE_MIN_SIZE)) {
    const res = iterativePod(series, mean, scale, opts);
    if (res) return res;
  }
  return densePod(series, mean, scale, opts);
}

/** Row means and the largest |x − mean| (from each row's extremes), in one pass over the data. */
function meanAndScale(series: Float64Array[], m: number): { mean: Float64Array; scale: number } {
  const n = series.length;
  const mean = new Float64Array(n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const row = series[i];
    let sum = 0;
    let lo = row[0];
    let hi = row[0];
    for (let j = 0; j < m; j++) {
      const v = row[j];
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    let mu = sum / m;
    const rowMax = Math.max(Math.abs(lo), Math.abs(hi));
    if (!Number.isFinite(mu) && rowMax > 0 && rowMax < Infinity) {
      // The plain sum overflowed: sum in units of the row's max.
      let s = 0;
      for (let j = 0; j < m; j++) s += row[j] / rowMax;
      mu = (s / m) * rowMax;
    }
    if (!Number.isFinite(mu)) return { mean, scale: NaN }; // NaN or ±Infinity in the row
    mu = Math.min(hi, Math.max(lo, mu)); // a constant row has exactly its value as mean
    mean[i] = mu;
    scale = Math.max(scale, hi - mu, mu - lo);
  }
  return { mean, scale };
}

export interface RankChoice {
  rank: number;
  /** Total energy the captured fraction refers to. */
  total: number;
}

/**
 * The rank rule on the leading eigenvalues λ (descending, the first `known` of the N accurate), or null
 * when they do not settle it. Eigenvalues ≤ 64·N·ε·λ_max are round-off. The total energy is the sum of
 * the resolved eigenvalues when they are all known, else the trace of the Gram matrix (they differ by
 * the unresolved round-off eigenvalues, at most 64·N²·ε·λ_max).
 */
export function chooseRank(lambdas: ArrayLike<number>, known: number, N: number, trace: number, opts: PodOptions): RankChoice | null {
  const lambdaMax = Math.max(0, lambdas[0]);
  const roundoff = 64 * N * EPS * lambdaMax;
  let resolved = 0;
  while (resolved < known && lambdas[resolved] > roundoff) resolved++;
  const allResolvedKnown = resolved < known || known === N;
  let total = trace;
  if (allResolvedKnown) {
    total = 0;
    for (let i = 0; i < resolved; i++) total += lambdas[i];
  }
  if (opts.rank !== 'auto') {
    // A fixed rank above the numerical rank would add arbitrary directions: cap it.
    if (!allResolvedKnown && resolved < opts.rank) return null;
    return { rank: Math.min(opts.rank, resolved), total };
  }
  const cap = opts.maxRank ?? DEFAULT_MAX_RANK;
  const capEff = Math.min(resolved, cap);
  let rank = 0;
  let acc = 0;
  while (rank < capEff && acc < opts.energy * total) acc += lambdas[rank++];
  if (acc < opts.energy * total && rank < cap && !allResolvedKnown) return null;
  return { rank, total };
}

/** Dense route: Gram matrix of the smaller side (or as asked), all its eigenpairs (ml-matrix). */
function densePod(series: Float64Array[], mean: Float64Array, scale: number, opts: PodOptions): PodResult {
  const n = series.length;
  const m = series[0].length;
  const inv = 1 / scale;
  const method = opts.method ?? 'auto';
  const spatial = method === 'auto' ? n <= m : method === 'spatial';
  // Spatial Gram up to SHARED_COPY_MAX values: one centred copy in shared memory, the Gram matrix and the
  // coordinates computed on the spare cores too (numerics/podThreads.ts: the same bits as one thread;
  // measured on the 400 × 8000 random walk, one thread → two: Gram matrix 247 → 140 ms, its 64 coordinates
  // 74 → 48 ms, the copy 19 ms; its whole POD 690 → 390 ms). Larger: the centred data are
  // made one tile of DENSE_TILE steps at a time (the same values and the same sums as a whole centred
  // copy: gramMatrix adds per tile of that length), so no n × m copy (64×400000: 205 MB less).
  // Snapshots (m < n, so m < ITERATIVE_MIN_SIZE here): a whole copy is small.
  const shared = spatial && n * m <= SHARED_COPY_MAX ? centredShared(series, mean, inv) : null;
  const centred = spatial ? null : series.map((row, i) => centreRange(row, mean[i], inv, 0, m, new Float64Array(m)));
  const tile = spatial && !shared ? series.map(() => new Float64Array(Math.min(m, DENSE_TILE))) : [];
  const centredTile = (j0: number, j1: number): Float64Array[] => tile.map((t, i) => centreRange(series[i], mean[i], inv, j0, j1, t.subarray(0, j1 - j0)));
  let gram: Float64Array;
  if (centred) gram = gramMatrix(transposeRows(centred, n, m));
  else if (shared) gram = sharedGram(shared);
  else {
    gram = new Float64Array(n * n);
    for (let j0 = 0; j0 < m; j0 += DENSE_TILE) {
      const part = gramMatrix(centredTile(j0, Math.min(m, j0 + DENSE_TILE)));
      for (let k = 0; k < gram.length; k++) gram[k] += part[k];
    }
  }
  const N = spatial ? n : m;
  // ml-matrix's eigenvalues bit for bit, eigenvectors only for the modes kept (numerics/eigen.ts)
  const evd = symmetricEigenDecomposition(gram, N);
  const raw = evd.values;
  const order = Array.from({ length: N }, (_, i) => i).sort((p, q) => raw[q] - raw[p] || p - q);
  const lambdas = Float64Array.from(order, (k) => Math.max(0, raw[k]));
  let trace = 0;
  for (let i = 0; i < N; i++) trace += gram[i * N + i];
  const choice = chooseRank(lambdas, N, N, trace, opts);
  if (!choice) throw new Error('computePod: rank undecided with all eigenvalues known'); // cannot happen
  const { rank, total } = choice;
  const singularValues = Float64Array.from(lambdas, (l) => Math.sqrt(l) * scale);

  const modes = new Float64Array(n * rank);
  if (spatial) {
    for (let c = 0; c < rank; c++) modes.set(evd.vector(order[c]), c * n);
  } else {
    // Method of snapshots: u_c = X v_c / σ_c.
    const rows = centred ?? [];
    for (let c = 0; c < rank; c++) {
      const v = evd.vector(order[c]);
      const invSigma = 1 / Math.sqrt(lambdas[c]);
      for (let i = 0; i < n; i++) {
        const row = rows[i];
        let s = 0;
        for (let j = 0; j < m; j++) s += row[j] * v[j];
        modes[c * n + i] = s * invSigma;
      }
    }
  }
  fixSigns(modes, n, rank);
  let captured = 0;
  for (let i = 0; i < rank; i++) captured += lambdas[i];
  const basis: PodBasis = { mean, modes, singularValues, rank, energy: total > 0 ? captured / total : 1 };
  if (opts.basisOnly) return { basis, coordinates: [] };

  // a = Uᵀ X (scaled back).
  if (shared) return { basis, coordinates: sharedCoordinates(shared, modes, rank, scale) };
  const coordinates = Array.from({ length: rank }, () => new Float64Array(m));
  for (let t0 = 0; t0 < m; t0 += DENSE_TILE) {
    const t1 = Math.min(m, t0 + DENSE_TILE);
    // rows of the centred data for steps [t0, t1), indexed by the step j
    const rows = centred ?? centredTile(t0, t1);
    const off = centred ? 0 : t0;
    for (let j0 = t0; j0 < t1; j0 += PROJECT_BLOCK) projectSteps(coordinates, modes, n, rank, rows, off, j0, Math.min(t1, j0 + PROJECT_BLOCK));
  }
  for (const a of coordinates) for (let j = 0; j < m; j++) a[j] *= scale;
  return { basis, coordinates };
}


/**
 * a_k(t_j) = Σ_i U_ik (x_ij − mean_i), i ascending (the same sums as a per-sample loop). One definition for
 * the coder and the streaming fit: the stored basis's precision depends on max |a_k|, so both must agree.
 */
export function projectOnModes(series: readonly Float64Array[], mean: Float64Array, modes: Float64Array, r: number, m: number): Float64Array[] {
  const n = series.length;
  const out = Array.from({ length: r }, () => new Float64Array(m));
  for (let i = 0; i < n; i++) {
    const x = series[i];
    const mu = mean[i];
    if (r === 3) {
      // the three sums in one sweep, each term as below (measured: 400×8000 30 → 19 ms)
      const u0 = modes[i];
      const u1 = modes[n + i];
      const u2 = modes[2 * n + i];
      const [a0, a1, a2] = out;
      for (let j = 0; j < m; j++) {
        const d = x[j] - mu;
        a0[j] += u0 * d;
        a1[j] += u1 * d;
        a2[j] += u2 * d;
      }
      continue;
    }
    for (let k = 0; k < r; k++) {
      const u = modes[k * n + i];
      const a = out[k];
      for (let j = 0; j < m; j++) a[j] += u * (x[j] - mu);
    }
  }
  return out;
}

/** Steps per tile of the dense route's centred data: gramMatrix's own tile, so the sums are the same. */
export const DENSE_TILE = GRAM_TILE;
/** Steps per block of the coordinates' sums (the block's 4 + 2 rows stay in L1). */
const PROJECT_BLOCK = 1024;

/** (row[j] − mu)·inv for j in [j0, j1), into out[0 … j1 − j0). */
function centreRange(row: Float64Array, mu: number, inv: number, j0: number, j1: number, out: Float64Array): Float64Array {
  for (let j = j0; j < j1; j++) out[j - j0] = (row[j] - mu) * inv;
  return out;
}

/** Largest min(n, m) the iterative route may hand over to the dense one when it gets too slow. */
const DENSE_FALLBACK_MAX = 1024;
/** The snapshot route's two copies of the data (centred, transposed) only up to this many values (2 × 128 MB). */
const SNAPSHOT_COPY_MAX = 2 ** 24;
/** The spatial dense route's one shared centred copy only up to this many values (128 MB). */
const SHARED_COPY_MAX = 2 ** 24;

/**
 * A low estimate of the rank the energy rule will choose, from the k leading (approximate) eigenvalues,
 * descending, and the trace: the energy outside them is taken to shrink geometrically at the rate of
 * their second half. Spectra that flatten out (power laws, noise) shrink slower, so their rank is higher
 * still. At most cap.
 */
export function rankEstimate(lambdas: ArrayLike<number>, trace: number, energy: number, cap: number): number {
  const k = lambdas.length;
  let acc = 0;
  for (let c = 0; c < k; c++) {
    acc += lambdas[c];
    if (acc >= energy * trace) return Math.min(cap, c + 1);
  }
  const tail = trace - acc;
  const h = Math.floor(k / 2);
  if (!(tail > 0) || h < 1 || k - h < 1) return Math.min(cap, k);
  const rho = (lambdas[k - 1] / lambdas[h - 1]) ** (1 / (k - h));
  if (!(rho > 0 && rho < 1)) return cap;
  const more = Math.log(((1 - energy) * trace) / tail) / Math.log(rho);
  return Math.min(cap, k + Math.max(0, Math.ceil(more)));
}

/** Iterations per block size before growing the block. */
const MAX_ITERATIONS = 30;
/** Converged when every needed Ritz residual ‖Xcᵀu − σv‖ is below this times σ_1… */
const RESIDUAL_TOL = 1e-12;
/** …or below this one and no longer shrinking (the floating-point floor). */
const RESIDUAL_FLOOR = 1e-9;

/** k columns (vectors) of one length. */
export type Block = Float64Array[];

export function newBlock(k: number, len: number): Block {
  return Array.from({ length: k }, () => new Float64Array(len));
}

export function randomBlock(k: number, len: number, rand: () => number): Block {
  const b = newBlock(k, len);
  for (const col of b) for (let i = 0; i < len; i++) col[i] = rand() - 0.5;
  return b;
}

/**
 * Iterative route: leading singular triplets of Xc by block subspace iteration with Rayleigh–Ritz, on the
 * rows as given (centring and scaling on the fly), so memory is O((n + m)·k). The block grows until the
 * converged pairs settle the rank; null means "use the dense solver".
 */
function iterativePod(series: Float64Array[], mean: Float64Array, scale: number, opts: PodOptions): PodResult | null {
  const n = series.length;
  const m = series[0].length;
  const N = Math.min(n, m);
  const inv = 1 / scale;
  const rand = mulberry32(0x5eed1234);
  const maxK = Math.floor(N / 4);
  const cap = opts.maxRank ?? DEFAULT_MAX_RANK;
  // `needed` leading pairs must converge; `extra` more vectors speed that up (rate λ_{k+1}/λ_needed).
  let needed = opts.rank === 'auto' ? Math.min(5, cap) : opts.rank;
  let extra = Math.max(3, Math.ceil(needed / 3));
  let warm: Block = [];
  // Work budget: noise-like spectra (rank at the cap, slow convergence) can take hundreds of passes; once
  // the iteration has cost as much as the dense route would (Gram matrix + eigensolver, in multiply-adds,
  // ml-matrix's EVD ≈ 12·N³), hand over to it. Measured on noisy 400×8000: 37.5 s → under 3 s.
  // Spatial Gram (n ≤ m) tile by tile; the snapshot Gram (m < n: fields, one grid point per row) copies the
  // data twice, so only up to SNAPSHOT_COPY_MAX values (measured: a 64 × 64 × 200 field, 4096 × 200,
  // POD 5.7 → 0.24 s, KdV 512 × 201 0.46 → 0.06 s: their ranks at the cap, where the iteration took dozens of steps).
  const denseCost =
    n <= m && n <= DENSE_FALLBACK_MAX ? 0.5 * n * n * m + 12 * n ** 3 : m < n && m <= DENSE_FALLBACK_MAX && n * m <= SNAPSHOT_COPY_MAX ? 0.5 * m * m * n + 12 * m ** 3 + 2 * n * m : Infinity;
  let spent = 0;
  for (;;) {
    const k = needed + extra;
    if (k > maxK) return null;
    const perIteration = 4 * n * m * k;
    const affordable = Math.floor((denseCost - spent) / perIteration);
    if (affordable < 2) return null;
    const Q = warm.slice(0, k).concat(randomBlock(Math.max(0, k - warm.length), n, rand));
    orthonormalize(Q, rand);
    // Flat spectra (noise, random walks): the first block's estimates already show that the rank the
    // energy rule needs costs more than the dense route, so hand over then instead of once the budget is
    // spent (measured: 400 × 8000 random walk, 0.7 s of iterations saved; the dense answer is the same).
    const handover = opts.rank === 'auto' && warm.length === 0 && denseCost < Infinity
      ? (lambdas: Float64Array, trace: number, done: number): boolean => {
          // the loop below must double `needed` up to the rank, each block at least two steps
          const r = rankEstimate(lambdas, trace, opts.energy, cap);
          let more = 0;
          for (let nd = needed, ex = extra; nd < r; ) {
            nd = Math.min(2 * nd, cap);
            ex = Math.max(ex, Math.ceil(nd / 3));
            more += 2 * 4 * n * m * (nd + ex);
          }
          return spent + done * perIteration + more > denseCost;
        }
      : undefined;
    const it = subspaceIteration(series, mean, inv, Q, needed, rand, Math.min(MAX_ITERATIONS, affordable), handover);
    if (it.handedOver) return null;
    spent += it.iterations * perIteration;
    warm = it.U;
    if (!it.converged) {
      extra *= 2; // slow convergence: a wider block
      continue;
    }
    const choice = chooseRank(it.theta, needed, N, it.trace, opts);
    if (choice) return iterativeResult(it, needed, choice, mean, scale, n, m);
    // The converged pairs do not settle the rank (only possible for 'auto' below the cap): twice as many.
    needed = Math.min(2 * needed, cap);
    extra = Math.max(extra, Math.ceil(needed / 3));
  }
}

interface Iteration {
  converged: boolean;
  /** Stopped early: the rank the energy rule needs would cost more than the dense route (iterativePod). */
  handedOver?: boolean;
  /** Steps taken (each two passes over the data). */
  iterations: number;
  /** k Ritz values (eigenvalues of Xc Xcᵀ), descending. */
  theta: Float64Array;
  /** Ritz vectors (k columns of length n). */
  U: Block;
  /** W = Xcᵀ Q (k columns of length m) and the Ritz rotation S (k × k row-major): Xcᵀ U = W S. */
  W: Block;
  S: Float64Array;
  /** Trace of Xc Xcᵀ (squared Frobenius norm of the scaled centred data). */
  trace: number;
}

/**
 * Two passes over the data per step: W = Xcᵀ Q, P = orth(W), Z = Xc P = Ũ Σ Vᵀ, Q ← Ũ. The next
 * W = Xcᵀ Ũ checks the triplets (ũ, σ, P v) — Xc P v = σ ũ holds by construction, so
 * ‖Xcᵀ ũ − σ P v‖ is the whole residual — and, once they converge, gives the Rayleigh–Ritz pairs
 * (B = Wᵀ W = S Θ Sᵀ) and the coordinates with no further pass.
 */
function subspaceIteration(series: Float64Array[], mean: Float64Array, inv: number, Q: Block, needed: number, rand: () => number, maxIterations: number, handover?: (lambdas: Float64Array, trace: number, iterations: number) => boolean): Iteration {
  const n = series.length;
  const m = series[0].length;
  const k = Q.length;
  const W = newBlock(k, m);
  const P = newBlock(k, m);
  const PV = newBlock(k, m);
  const Z = newBlock(k, n);
  let sigma: Float64Array | null = null;
  let prevRes = Infinity;
  for (let iter = 0; ; iter++) {
    const trace = applyXt(series, mean, inv, Q, W);
    if (sigma) {
      let maxRes = 0;
      for (let c = 0; c < needed; c++) {
        const w = W[c];
        const pv = PV[c];
        const s = sigma[c];
        let r2 = 0;
        for (let j = 0; j < m; j++) r2 += (w[j] - s * pv[j]) ** 2;
        maxRes = Math.max(maxRes, Math.sqrt(r2));
      }
      const rel = sigma[0] > 0 ? maxRes / sigma[0] : maxRes === 0 ? 0 : Infinity;
      const converged = rel <= RESIDUAL_TOL || (rel <= RESIDUAL_FLOOR && rel > 0.5 * prevRes);
      if (converged || iter >= maxIterations) {
        // Rayleigh–Ritz on span(Q): B = Qᵀ Xc Xcᵀ Q = Wᵀ W.
        const { values: theta, vectors: S } = symmetricEigen(gramOfBlock(W), k);
        return { converged, iterations: iter + 1, theta, U: combine(Q, S), W, S, trace };
      }
      prevRes = rel;
    }
    for (let c = 0; c < k; c++) P[c].set(W[c]);
    orthonormalize(P, rand);
    applyX(series, mean, inv, P, Z);
    // Z = Ũ Σ Vᵀ through the eigenvectors V of Zᵀ Z, but σ_c = ‖Z v_c‖ (not √λ_c, which is only
    // accurate to √ε·σ_1 and would make the round-off triplets look unconverged).
    const { vectors: V } = symmetricEigen(gramOfBlock(Z), k);
    const ZV = combine(Z, V);
    sigma = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const z = ZV[c];
      const norm = Math.sqrt(dot(z, z));
      sigma[c] = norm;
      const s = norm > 0 ? 1 / norm : 0;
      const q = Q[c];
      for (let i = 0; i < n; i++) q[i] = z[i] * s;
    }
    // the first step's σ² and the trace (what the second step would check next) may already price the rank
    if (handover && iter === 0 && handover(Float64Array.from(sigma, (v) => v * v), trace, 1)) {
      return { converged: false, handedOver: true, iterations: 1, theta: new Float64Array(0), U: [], W, S: new Float64Array(0), trace };
    }
    orthonormalize(Q, rand);
    const pv = combine(P, V);
    for (let c = 0; c < k; c++) PV[c] = pv[c];
  }
}

/** Bᵀ B for a block B of k columns: k × k row-major. */
function gramOfBlock(B: Block): Float64Array {
  const k = B.length;
  const G = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      const s = dot(B[a], B[b]);
      G[a * k + b] = s;
      G[b * k + a] = s;
    }
  }
  return G;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] * y[j];
  return s;
}

/** Columns Σ_l B_l S[l, c] for c < k (S k × k row-major). */
export function combine(B: Block, S: Float64Array): Block {
  const k = B.length;
  const len = B[0].length;
  const out = newBlock(k, len);
  for (let c = 0; c < k; c++) {
    const o = out[c];
    for (let l = 0; l < k; l++) {
      const s = S[l * k + c];
      if (s === 0) continue;
      const b = B[l];
      for (let i = 0; i < len; i++) o[i] += s * b[i];
    }
  }
  return out;
}

/** Eigenpairs of a small symmetric k × k matrix (row-major), descending, clipped at 0 (ml-matrix). */
export function symmetricEigen(A: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const evd = new EigenvalueDecomposition(new Matrix(toRows(A, k)), { assumeSymmetric: true });
  const raw = evd.realEigenvalues;
  const vec = evd.eigenvectorMatrix;
  const order = Array.from({ length: k }, (_, i) => i).sort((p, q) => raw[q] - raw[p] || p - q);
  const values = Float64Array.from(order, (c) => Math.max(0, raw[c]));
  const vectors = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let c = 0; c < k; c++) vectors[a * k + c] = vec.get(a, order[c]);
  return { values, vectors };
}

/** Modes, coordinates (a = Xcᵀu scaled back, from W S: no further pass over the data) and spectrum. */
function iterativeResult(it: Iteration, known: number, choice: RankChoice, mean: Float64Array, scale: number, n: number, m: number): PodResult {
  const { rank, total } = choice;
  const { U, W, S, theta } = it;
  const k = W.length;
  const modes = new Float64Array(n * rank);
  for (let c = 0; c < rank; c++) modes.set(U[c], c * n);
  const signs = fixSigns(modes, n, rank);
  const coordinates = Array.from({ length: rank }, () => new Float64Array(m));
  for (let c = 0; c < rank; c++) {
    const a = coordinates[c];
    for (let l = 0; l < k; l++) {
      const s = S[l * k + c] * scale * signs[c];
      const w = W[l];
      for (let j = 0; j < m; j++) a[j] += s * w[j];
    }
  }
  let captured = 0;
  for (let i = 0; i < rank; i++) captured += theta[i];
  const singularValues = Float64Array.from(theta.subarray(0, Math.max(known, rank)), (l) => Math.sqrt(l) * scale);
  return {
    basis: { mean, modes, singularValues, rank, energy: total > 0 ? captured / total : 1 },
    coordinates,
  };
}

/** Columns of the data handled per sweep (a few blocks of this many doubles stay in L1/L2). */
const BLOCK = 1024;

/** d[t] = (row[j0 + t] − mu)·inv for t < len; returns Σ d². */
function centreInto(row: Float64Array, mu: number, inv: number, j0: number, len: number, d: Float64Array): number {
  let s = 0;
  for (let t = 0; t < len; t++) {
    const v = (row[j0 + t] - mu) * inv;
    d[t] = v;
    s += v * v;
  }
  return s;
}

// The innermost loops are small functions of their own: V8 optimises them after a few calls, where one
// big function would run its first passes unoptimised until on-stack replacement (measured: the first
// pass of 400 × 8000 took 90 ms of CPU inlined, 50 ms as a function; 36 ms once warm either way).

/** Two columns at once: wa += Σ a_r·d_r and wb += Σ b_r·d_r over four rows (each loaded d feeds two products). */
export function axpy4x2(wa: Float64Array, wb: Float64Array, off: number, len: number, a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number, d0: Float64Array, d1: Float64Array, d2: Float64Array, d3: Float64Array): void {
  for (let t = 0; t < len; t++) {
    const x0 = d0[t], x1 = d1[t], x2 = d2[t], x3 = d3[t];
    wa[off + t] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
    wb[off + t] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
  }
}

/** w[off + t] += q0·d0[t] + q1·d1[t] + q2·d2[t] + q3·d3[t]: four multiply-adds per load/store of w. */
export function axpy4(w: Float64Array, off: number, len: number, q0: number, q1: number, q2: number, q3: number, d0: Float64Array, d1: Float64Array, d2: Float64Array, d3: Float64Array): void {
  for (let t = 0; t < len; t++) w[off + t] += q0 * d0[t] + q1 * d1[t] + q2 * d2[t] + q3 * d3[t];
}

export function axpy1(w: Float64Array, off: number, len: number, q0: number, d0: Float64Array): void {
  for (let t = 0; t < len; t++) w[off + t] += q0 * d0[t];
}

/**
 * W_c = Xcᵀ Q_c (Xc = (X − mean)·inv; Q: k columns of length n), in column blocks of the data, four
 * rows × two columns of W per sweep. Returns ‖Xc‖²_F. Hand-written: ml-matrix would need the centred
 * copy and X.transpose().mmul(Q); measured on 400 × 8000, k = 8 (2-core shared machine, CPU time) one
 * pass takes ~26 ms (36 ms with one column per sweep), while the dense route's 400 × 400 Gram matrix
 * takes ~900 ms and ml-matrix's full eigendecomposition ~1 s.
 */
function applyXt(series: Float64Array[], mean: Float64Array, inv: number, Q: Block, W: Block): number {
  const n = series.length;
  const m = W[0].length;
  const k = Q.length;
  for (const w of W) w.fill(0);
  const d0 = new Float64Array(BLOCK);
  const d1 = new Float64Array(BLOCK);
  const d2 = new Float64Array(BLOCK);
  const d3 = new Float64Array(BLOCK);
  let trace = 0;
  for (let j0 = 0; j0 < m; j0 += BLOCK) {
    const len = Math.min(BLOCK, m - j0);
    let i = 0;
    for (; i + 3 < n; i += 4) {
      trace += centreInto(series[i], mean[i], inv, j0, len, d0);
      trace += centreInto(series[i + 1], mean[i + 1], inv, j0, len, d1);
      trace += centreInto(series[i + 2], mean[i + 2], inv, j0, len, d2);
      trace += centreInto(series[i + 3], mean[i + 3], inv, j0, len, d3);
      let c = 0;
      for (; c + 1 < k; c += 2) {
        const a = Q[c];
        const b = Q[c + 1];
        axpy4x2(W[c], W[c + 1], j0, len, a[i], a[i + 1], a[i + 2], a[i + 3], b[i], b[i + 1], b[i + 2], b[i + 3], d0, d1, d2, d3);
      }
      if (c < k) {
        const q = Q[c];
        axpy4(W[c], j0, len, q[i], q[i + 1], q[i + 2], q[i + 3], d0, d1, d2, d3);
      }
    }
    for (; i < n; i++) {
      trace += centreInto(series[i], mean[i], inv, j0, len, d0);
      for (let c = 0; c < k; c++) axpy1(W[c], j0, len, Q[c][i], d0);
    }
  }
  return trace;
}

/** out[0..7] += the eight dot products of rows d0, d1 with w0..w3 at offset off (8 multiply-adds per 6 loads). */
export function dot2x4(d0: Float64Array, d1: Float64Array, w0: Float64Array, w1: Float64Array, w2: Float64Array, w3: Float64Array, off: number, len: number, out: Float64Array): void {
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  for (let t = 0; t < len; t++) {
    const x0 = d0[t];
    const x1 = d1[t];
    const y0 = w0[off + t], y1 = w1[off + t], y2 = w2[off + t], y3 = w3[off + t];
    s00 += x0 * y0;
    s01 += x0 * y1;
    s02 += x0 * y2;
    s03 += x0 * y3;
    s10 += x1 * y0;
    s11 += x1 * y1;
    s12 += x1 * y2;
    s13 += x1 * y3;
  }
  out[0] = s00;
  out[1] = s01;
  out[2] = s02;
  out[3] = s03;
  out[4] = s10;
  out[5] = s11;
  out[6] = s12;
  out[7] = s13;
}

export function dot2x1(d0: Float64Array, d1: Float64Array, w0: Float64Array, off: number, len: number, out: Float64Array): void {
  let s0 = 0, s1 = 0;
  for (let t = 0; t < len; t++) {
    const y = w0[off + t];
    s0 += d0[t] * y;
    s1 += d1[t] * y;
  }
  out[0] = s0;
  out[4] = s1;
}

/** Z_c = Xc P_c (P: k columns of length m; Z: k columns of length n), two rows × four columns at a time. */
function applyX(series: Float64Array[], mean: Float64Array, inv: number, P: Block, Z: Block): void {
  const n = series.length;
  const m = P[0].length;
  const k = P.length;
  for (const z of Z) z.fill(0);
  const d0 = new Float64Array(BLOCK);
  const d1 = new Float64Array(BLOCK);
  const out = new Float64Array(8);
  for (let j0 = 0; j0 < m; j0 += BLOCK) {
    const len = Math.min(BLOCK, m - j0);
    for (let i = 0; i < n; i += 2) {
      const pair = i + 1 < n;
      centreInto(series[i], mean[i], inv, j0, len, d0);
      if (pair) centreInto(series[i + 1], mean[i + 1], inv, j0, len, d1);
      else d1.fill(0);
      let c = 0;
      for (; c + 3 < k; c += 4) {
        dot2x4(d0, d1, P[c], P[c + 1], P[c + 2], P[c + 3], j0, len, out);
        for (let l = 0; l < 4; l++) {
          Z[c + l][i] += out[l];
          if (pair) Z[c + l][i + 1] += out[4 + l];
        }
      }
      for (; c < k; c++) {
        dot2x1(d0, d1, P[c], j0, len, out);
        Z[c][i] += out[0];
        if (pair) Z[c][i + 1] += out[4];
      }
    }
  }
}

/**
 * Orthonormalise a block's columns in place, in order: classical Gram–Schmidt repeated while a pass
 * removes more than half the norm ("twice is enough"); a column with nothing left (numerically in the
 * span of the previous ones) is replaced by a random one.
 */
export function orthonormalize(Y: Block, rand: () => number): void {
  const k = Y.length;
  const len = Y[0].length;
  const h = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const y = Y[c];
    let norm0 = Math.sqrt(dot(y, y));
    let norm = norm0;
    for (let attempt = 0; attempt < 8; attempt++) {
      if (!(norm0 > 0) || !Number.isFinite(norm0)) {
        for (let i = 0; i < len; i++) y[i] = rand() - 0.5;
        norm0 = Math.sqrt(dot(y, y));
      }
      norm = norm0;
      for (let pass = 0; pass < 4; pass++) {
        for (let p = 0; p < c; p++) h[p] = dot(Y[p], y);
        for (let p = 0; p < c; p++) {
          const yp = Y[p];
          const hp = h[p];
          for (let i = 0; i < len; i++) y[i] -= hp * yp[i];
        }
        const after = Math.sqrt(dot(y, y));
        const enough = after > 0.5 * norm;
        norm = after;
        if (enough) break;
      }
      if (norm > 1e-12 * norm0) break;
      norm0 = 0; // start again from a random vector
    }
    const s = 1 / norm;
    for (let i = 0; i < len; i++) y[i] *= s;
  }
}

/** Small deterministic generator (starting blocks are reproducible run to run). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
 * common for symmetric modes) go to the first index, so all routes pick the same sign. Returns the signs applied.
 */
export function fixSigns(modes: Float64Array, n: number, rank: number): Float64Array {
  const signs = new Float64Array(rank).fill(1);
  for (let c = 0; c < rank; c++) {
    let maxAbs = 0;
    for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(modes[c * n + i]));
    let pivot = 0;
    while (pivot < n - 1 && Math.abs(modes[c * n + pivot]) < (1 - 1e-6) * maxAbs) pivot++;
    if (modes[c * n + pivot] < 0) {
      signs[c] = -1;
      for (let i = 0; i < n; i++) modes[c * n + i] = -modes[c * n + i];
    }
  }
  return signs;
}

/**
 * The rank of the singular values above the noise floor of a centred n × m matrix whose noise level is
 * unknown (Gavish & Donoho 2014, "The optimal hard threshold for singular values is 4/√3": τ = ω(β)·σ_med,
 * β = min(n, m) / max(n, m), ω(β) ≈ 0.56β³ − 0.95β² + 1.82β + 1.43). Needs every singular value (the
 * dense solver's spectrum): null otherwise, or when the median is 0 (no noise floor to see).
 */
export function noiseFloorRank(singularValues: Float64Array, n: number, m: number): number | null {
  const N = Math.min(n, m);
  if (singularValues.length !== N || N < 4) return null;
  const sorted = Float64Array.from(singularValues).sort();
  const median = N % 2 === 1 ? sorted[(N - 1) / 2] : 0.5 * (sorted[N / 2 - 1] + sorted[N / 2]);
  if (!(median > 0)) return null;
  const beta = N / Math.max(n, m);
  const tau = (0.56 * beta ** 3 - 0.95 * beta ** 2 + 1.82 * beta + 1.43) * median;
  let r = 0;
  for (const s of singularValues) if (s > tau) r++;
  return r;
}
