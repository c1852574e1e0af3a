// POD of data visited block by block (BlockSource): mean, modes, singular values and rank, with memory
// independent of the number of time steps m — O(n·k + n·CHUNK) on the sketch route, O(n²) on the Gram
// route (small n only). Same rank rule (chooseRank) and sign convention (fixSigns) as computePod, so
// both give the same rank and modes (to solver accuracy) on the same data.
//
// Pass 1 (always): per-row extremes and sums of x − c (c = a per-row shift: the first sample, moved to
// the first chunk's mean — x − c is then exact for data with a large offset and the sums do not cancel),
// plus one of
// - Gram route (n ≤ STREAM_GRAM_MAX_N, or solver 'dense'): the exact shifted Gram matrix
//   G = Σ (x_j − c)(x_j − c)ᵀ (lower triangle, 2 × 2 row blocks), centred afterwards as
//   C = G − m·δδᵀ (δ = μ − c), and ml-matrix's symmetric eigendecomposition. One pass, every
//   eigenvalue, exact up to round-off.
// - Sketch route (larger n, or solver 'iterative'): a randomized range sketch Y = Σ (x_j − c) ω_jᵀ,
//   ω_j ∈ ℝᵏ drawn per step from a seeded generator in time order (nothing of length m is stored),
//   centred afterwards as Y − δ·(Σ ω_j)ᵀ. Then block subspace iteration on A = Xc Xcᵀ, one pass each:
//   per step z = Qᵀ(x_j − μ), accumulating Y = Σ (x_j − μ) zᵀ = A Q and the Rayleigh–Ritz matrix
//   B = Σ z zᵀ = Qᵀ A Q, and ‖Xc‖²_F (the total energy). From B = S Θ Sᵀ the Ritz pairs (θ, U = Q S)
//   and their residuals ‖Y s − θ Q s‖ come with no further pass; the next Q is orth(Y S) (in Ritz
//   order, so B is nearly diagonal once converged). Unlike computePod's iteration (two passes per
//   step: Xcᵀ Q then Xc P, which needs k vectors of length m) this needs one pass per step and no
//   length-m storage; per pass it does 2·n·k multiply-adds per step, vectorised per chunk as
//   k × n by n × L (axpy4x2) and n × L by L × k (dot2x4) products.
//   Convergence is per pair, leading pairs first: residual ≤ 1e-12·θ₁, or the value moved by less
//   than round-off, or its geometric tail Δ²/(Δ_prev − Δ) is ≤ 1e-13·θ; the rank rule runs on the
//   converged prefix. 'auto' also stops when the rule gives the same rank on θ (lower bounds) and on
//   θ + residual (upper), every kept value within 1 % — a flat (noise) tail would otherwise take tens of
//   passes to converge pairs that change neither the rank nor the captured energy (the reported energy
//   is what the returned modes capture, ≤ the optimum). The Ritz values show early when 'auto' needs more
//   pairs (rankGuess): the block widens then, not after converging pairs it does not need; it also
//   widens after MAX_PASSES_PER_K passes. At k = n the Ritz pairs are exact: the loop always ends.
// Source blocks are copied, centred and scaled into an n × CHUNK buffer, so the kernels see rows of
// CHUNK steps whatever the source's block length (7 or 100 000).
//
// Crossover: the Gram route costs n²/2 multiply-adds per step in one pass plus the O(n³) eigensolve
// (ml-matrix, measured: 0.25 s at n = 200, 0.8 s at 400, 1.5 s at 512, 4.5 s at 600 — it leaves the
// cache above ~512); the sketch route 2·n·k per step and pass, times the passes, which depend on the
// spectrum: 3 for a clean low-rank field, 10–40 when 'auto' runs into a flat noise tail. Measured on
// 400 × 8000 (bench/streamPod.ts): clean, Gram 1.7 s vs sketch 0.3 s; noisy (rank 64 at the cap), Gram
// 1.7 s vs sketch tens of seconds. Every extra pass over a CSV also costs a parse. The single exact pass
// wins whenever the spectrum is not clean, so STREAM_GRAM_MAX_N = 512, where the eigensolve is still
// ≤ 1.5 s.

import { CancelledError } from '../errors';
import type { PodBasis } from '../model';
import { gramUnit, gramUnits } from '../numerics/gram';
import {
  axpy1,
  axpy4,
  axpy4x2,
  chooseRank,
  combine,
  DEFAULT_MAX_RANK,
  EPS,
  dot2x1,
  dot2x4,
  fixSigns,
  mulberry32,
  newBlock,
  orthonormalize,
  randomBlock,
  symmetricEigen,
  type Block,
  type PodOptions,
  type RankChoice,
} from '../numerics/pod';
import type { ProgressSink } from '../progress';
import type { BlockSource } from './blocks';

export interface StreamingPodResult {
  basis: PodBasis;
  /** global extremes of the data */
  min: number;
  max: number;
  /** passes over the source */
  passes: number;
}

/** Up to this many variables the automatic route builds the exact n × n Gram matrix in one pass. */
export const STREAM_GRAM_MAX_N = 512;
/** Time steps per internal chunk (the kernels' row length). */
const CHUNK = 512;
/** Passes at one block size before widening the block. */
const MAX_PASSES_PER_K = 12;
/** A Ritz pair has converged when its residual ‖A u − θ u‖ is below this times θ₁… */
const RESIDUAL_TOL = 1e-12;
/** …or the estimated distance of its value from the limit is below this times the value… */
const VALUE_TOL = 1e-13;
/** …or the value moved by less than this times θ₁ (round-off of B = Σ z zᵀ). */
const VALUE_FLOOR = 1024 * EPS;
/** Settling 'auto' by bounds needs every kept Ritz value within this relative residual. */
const BOUND_TOL = 1e-2;
/** Pairs the automatic rank starts with (doubled while the energy rule is unsettled). */
const AUTO_START = 8;

/**
 * POD (centred truncated SVD) over a block source. opts as computePod's; `solver` picks the route
 * ('dense' = Gram, 'iterative' = sketch, 'auto' = Gram for n ≤ STREAM_GRAM_MAX_N), `method` is ignored
 * (always the spatial side: memory must not grow with m).
 */
export async function streamingPod(src: BlockSource, opts: PodOptions, progress?: ProgressSink, signal?: AbortSignal): Promise<StreamingPodResult> {
  const { n, m } = src;
  if (n === 0) throw new RangeError('streamingPod: no series');
  if (m === 0) throw new RangeError('streamingPod: no samples');
  if (opts.rank !== 'auto' && (!Number.isInteger(opts.rank) || opts.rank < 1)) {
    throw new RangeError(`POD rank must be a positive integer, got ${opts.rank}`);
  }
  const solver = opts.solver ?? 'auto';
  const gram = solver === 'dense' || (solver === 'auto' && n <= STREAM_GRAM_MAX_N);
  const ctx = new PassContext(src, progress, signal, gram ? 1 : 4);
  const res = await (gram ? gramRoute(ctx, opts) : sketchRoute(ctx, opts));
  ctx.report(1, `POD: rank ${res.basis.rank}, ${res.passes} pass${res.passes === 1 ? '' : 'es'}`);
  return res;
}

/** Pass bookkeeping: the chunk buffer, progress and cancellation. */
class PassContext {
  readonly n: number;
  readonly m: number;
  /** n rows × CHUNK: the current chunk, centred and scaled. */
  readonly D: Block;
  /** A zero row (pairs of rows when n is odd). */
  readonly zero = new Float64Array(CHUNK);
  passes = 0;
  private reported = 0;

  constructor(
    readonly src: BlockSource,
    readonly progress: ProgressSink | undefined,
    readonly signal: AbortSignal | undefined,
    /** Estimate of the passes this run makes (progress only). */
    public expectedPasses: number,
  ) {
    this.n = src.n;
    this.m = src.m;
    this.D = Array.from({ length: src.n }, () => new Float64Array(CHUNK));
  }

  /**
   * One pass: columns are copied into D as (x − centre)·inv and `chunk(len)` runs each time D is full
   * and once for the tail; `raw` sees each source block first. Returns Σ D² over the pass.
   */
  async sweep(centre: Float64Array, inv: number, chunk: (len: number) => void, raw?: (j0: number, rows: readonly Float64Array[]) => void): Promise<number> {
    const { n, m, D, signal } = this;
    const pass = this.passes;
    this.expectedPasses = Math.max(this.expectedPasses, pass + 1);
    const report = (done: number, message?: string) => this.report((pass + done / m) / this.expectedPasses, message);
    report(0, `POD pass ${pass + 1}`);
    let fill = 0;
    let sq = 0;
    let seen = 0;
    let nextReport = m / 16;
    await this.src.forEachBlock((j0, rows) => {
      if (signal?.aborted) throw new CancelledError();
      if (j0 !== seen) throw new Error(`streamingPod: block at step ${j0}, expected ${seen}`);
      raw?.(j0, rows);
      const L = rows[0].length;
      for (let s = 0; s < L; ) {
        const len = Math.min(CHUNK - fill, L - s);
        for (let i = 0; i < n; i++) sq += centreRow(rows[i], s, centre[i], inv, len, D[i], fill);
        fill += len;
        s += len;
        if (fill === CHUNK) {
          chunk(CHUNK);
          fill = 0;
        }
      }
      seen += L;
      if (seen >= nextReport && seen < m) {
        report(seen);
        nextReport = seen + m / 16;
      }
    }, signal);
    if (seen !== m) throw new Error(`streamingPod: the source gave ${seen} steps, expected ${m}`);
    if (fill > 0) chunk(fill);
    this.passes++;
    report(m);
    return sq;
  }

  /** Progress never goes back when the pass estimate grows. */
  report(fraction: number, message?: string): void {
    this.reported = Math.max(this.reported, Math.min(1, fraction));
    this.progress?.({ phase: 'pod', fraction: this.reported, message });
  }

  throwIfAborted(): void {
    if (this.signal?.aborted) throw new CancelledError();
  }
}

/** out[off + t] = (row[s + t] − c)·inv for t < len; returns Σ out². */
function centreRow(row: Float64Array, s: number, c: number, inv: number, len: number, out: Float64Array, off: number): number {
  let sq = 0;
  for (let t = 0; t < len; t++) {
    const v = (row[s + t] - c) * inv;
    out[off + t] = v;
    sq += v * v;
  }
  return sq;
}

/** What pass 1 learns besides the route's own accumulation. */
interface FirstPass {
  /** Per-row shift the chunks were centred with (first sample + first chunk's mean). */
  shift: Float64Array;
  /** Scale the chunks were multiplied by (1 / max |x − shift| of the first non-constant chunk; 0 if none). */
  inv: number;
  mean: Float64Array;
  /** max |x − mean| (computePod's scale); 0 for constant data. */
  scale: number;
  min: number;
  max: number;
}

/**
 * Pass 1: extremes and shifted sums per row; `accumulate(len)` gets each chunk shifted by `shift` and
 * scaled by `inv` (both fixed on the first chunk, before any accumulation).
 */
async function firstPass(ctx: PassContext, accumulate: (len: number, inv: number) => void): Promise<FirstPass> {
  const { n, m, D } = ctx;
  const first = new Float64Array(n);
  const shift = new Float64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const sum = new Float64Array(n);
  let inv = 0;
  let chunks = 0;
  const raw = (j0: number, rows: readonly Float64Array[]): void => {
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (j0 === 0) {
        first[i] = row[0];
        lo[i] = row[0];
        hi[i] = row[0];
      }
      const c = first[i];
      let a = lo[i];
      let b = hi[i];
      let s = 0;
      for (let t = 0; t < row.length; t++) {
        const v = row[t];
        s += v - c;
        if (v < a) a = v;
        if (v > b) b = v;
      }
      lo[i] = a;
      hi[i] = b;
      sum[i] += s;
    }
  };
  const chunk = (len: number): void => {
    if (chunks++ === 0) {
      // D holds x − first: move the shift to the chunk's mean (less cancellation in G − m·δδᵀ).
      for (let i = 0; i < n; i++) {
        const d = D[i];
        let s = 0;
        for (let t = 0; t < len; t++) s += d[t];
        const a = s / len;
        shift[i] = first[i] + a;
        if (!Number.isFinite(a)) continue; // non-finite data: rejected after the pass
        for (let t = 0; t < len; t++) d[t] -= a;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const a = shift[i] - first[i];
        const d = D[i];
        for (let t = 0; t < len; t++) d[t] -= a;
      }
    }
    if (inv === 0) {
      let big = 0;
      for (let i = 0; i < n; i++) for (let t = 0; t < len; t++) big = Math.max(big, Math.abs(D[i][t]));
      if (big === 0 || !Number.isFinite(big)) return; // nothing to accumulate yet (or rejected after the pass)
      inv = 1 / big;
    }
    if (inv !== 1) for (let i = 0; i < n; i++) for (let t = 0, d = D[i]; t < len; t++) d[t] *= inv;
    accumulate(len, inv);
  };
  await ctx.sweep(first, 1, chunk, raw);

  let min = Infinity;
  let max = -Infinity;
  let scale = 0;
  const mean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mu = first[i] + sum[i] / m;
    if (!(Number.isFinite(lo[i]) && Number.isFinite(hi[i]) && Number.isFinite(mu))) throw new RangeError('streamingPod: non-finite values');
    mu = Math.min(hi[i], Math.max(lo[i], mu)); // a constant row has exactly its value as mean
    mean[i] = mu;
    min = Math.min(min, lo[i]);
    max = Math.max(max, hi[i]);
    scale = Math.max(scale, hi[i] - mu, mu - lo[i]);
  }
  return { shift, inv, mean, scale, min, max };
}

function constantResult(fp: FirstPass, passes: number): StreamingPodResult {
  return {
    basis: { mean: fp.mean, modes: new Float64Array(0), singularValues: new Float64Array(0), rank: 0, energy: 1 },
    min: fp.min,
    max: fp.max,
    passes,
  };
}

// ---------------------------------------------------------------------------------------------------
// Gram route

async function gramRoute(ctx: PassContext, opts: PodOptions): Promise<StreamingPodResult> {
  const { n, m, D } = ctx;
  let G = new Float64Array(n * n);
  const fp = await firstPass(ctx, (len) => gramAccumulate(D, len, G));
  if (fp.scale === 0) return constantResult(fp, ctx.passes);
  // C = G − m·δδᵀ with δ = (μ − shift)·inv: the Gram matrix of the centred, scaled data.
  let inv = fp.inv;
  const delta = Float64Array.from(fp.mean, (mu, i) => (mu - fp.shift[i]) * inv);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) G[i * n + j] -= m * delta[i] * delta[j];
  let finite = true;
  for (let i = 0; i < n * n && finite; i++) finite = Number.isFinite(G[i]);
  const scaled = fp.scale * inv;
  if (!finite || !(scaled < 1e100 && scaled > 1e-100)) {
    // The first chunk's scale was far from the data's (overflow or underflow risk): once more, centred
    // and scaled exactly as computePod does.
    ctx.expectedPasses = 2;
    inv = 1 / fp.scale;
    G = new Float64Array(n * n);
    await ctx.sweep(fp.mean, inv, (len) => gramAccumulate(D, len, G));
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[j * n + i] = G[i * n + j];
  ctx.throwIfAborted();
  return podFromCentredGram(G, n, m, inv, fp, ctx.passes, opts);
}

/**
 * The POD from C = Xc Xcᵀ·inv² (full symmetric n × n, centred data scaled by inv): eigendecomposition,
 * rank rule, sign convention and singular values as the Gram route computes them. Exported for the shard
 * pipeline (shards/), which merges per-shard centred Gram matrices into C.
 */
export function podFromCentredGram(
  G: Float64Array,
  n: number,
  m: number,
  inv: number,
  fp: { mean: Float64Array; min: number; max: number },
  passes: number,
  opts: PodOptions,
): StreamingPodResult {
  const { values, vectors } = symmetricEigen(G, n);
  const N = Math.min(n, m);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += G[i * n + i];
  const lambdas = values.subarray(0, N);
  const choice = chooseRank(lambdas, N, N, trace, opts);
  if (!choice) throw new Error('streamingPod: rank undecided with all eigenvalues known'); // cannot happen
  const modes = new Float64Array(n * choice.rank);
  for (let c = 0; c < choice.rank; c++) for (let i = 0; i < n; i++) modes[c * n + i] = vectors[i * n + c];
  return result(fp, passes, modes, lambdas, N, choice, inv);
}

function result(fp: { mean: Float64Array; min: number; max: number }, passes: number, modes: Float64Array, lambdas: Float64Array, known: number, choice: RankChoice, inv: number): StreamingPodResult {
  const { rank, total } = choice;
  const n = fp.mean.length;
  fixSigns(modes, n, rank);
  let captured = 0;
  for (let i = 0; i < rank; i++) captured += lambdas[i];
  const singularValues = Float64Array.from(lambdas.subarray(0, Math.max(known, rank)), (l) => Math.sqrt(l) / inv);
  return {
    basis: { mean: fp.mean, modes, singularValues, rank, energy: total > 0 ? captured / total : 1 },
    min: fp.min,
    max: fp.max,
    passes,
  };
}

/**
 * G += D Dᵀ over the first len columns of the rows D (lower triangle only): numerics/gram.ts's units over
 * [0, len) as one tile, so each entry adds one sum over the block, in step order, as before.
 */
export function gramAccumulate(D: Block, len: number, G: Float64Array): void {
  const units = gramUnits(D.length);
  for (let u = 0; u < units; u++) gramUnit(G, D, u, 0, len);
}

// ---------------------------------------------------------------------------------------------------
// Sketch route

async function sketchRoute(ctx: PassContext, opts: PodOptions): Promise<StreamingPodResult> {
  const { n, m, D } = ctx;
  const N = Math.min(n, m);
  const rand = mulberry32(0x5eed5eed);
  const cap = opts.maxRank ?? DEFAULT_MAX_RANK;
  let needed = Math.min(N, opts.rank === 'auto' ? Math.min(AUTO_START, cap) : opts.rank);
  let extra = Math.max(6, Math.ceil(needed / 2));
  let k = Math.min(n, needed + extra);

  // Pass 1: Y = Σ (x_j − shift)·inv·ω_jᵀ, ω_j uniform in [−½, ½)ᵏ from a generator advanced in time order.
  const omega = mulberry32(0x0e1a2b3c);
  const sumOmega = new Float64Array(k);
  let Y: Block = newBlock(k, n);
  const Zbuf: Block = newBlock(k, CHUNK);
  const out = new Float64Array(8);
  const fp = await firstPass(ctx, (len) => {
    for (let t = 0; t < len; t++) {
      for (let c = 0; c < k; c++) {
        const w = omega() - 0.5;
        Zbuf[c][t] = w;
        sumOmega[c] += w;
      }
    }
    accumulateY(D, len, Zbuf, Y, out, ctx.zero);
  });
  if (fp.scale === 0) return constantResult(fp, ctx.passes);
  for (let c = 0; c < k; c++) {
    const y = Y[c];
    for (let i = 0; i < n; i++) y[i] -= (fp.mean[i] - fp.shift[i]) * fp.inv * sumOmega[c];
  }
  let Q = Y;
  orthonormalize(Q, rand);

  const inv = 1 / fp.scale;
  let passesAtK = 0;
  let prevTheta: Float64Array | null = null;
  let prevDelta: Float64Array | null = null;
  for (;;) {
    // One pass: Z = Qᵀ D per chunk, Y += D Zᵀ (= A Q), B += Z Zᵀ (= Qᵀ A Q).
    const Z: Block = newBlock(k, CHUNK);
    Y = newBlock(k, n);
    const B = new Float64Array(k * k);
    const trace = await ctx.sweep(fp.mean, inv, (len) => {
      projectChunk(Q, D, len, Z);
      accumulateY(D, len, Z, Y, out, ctx.zero);
      accumulateB(Z, len, B);
    });
    passesAtK++;
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) B[b * k + a] = B[a * k + b];
    const { values: theta, vectors: S } = symmetricEigen(B, k);
    const U = combine(Q, S);
    const AU = combine(Y, S);
    // Converged leading pairs: the longest prefix whose pairs pass either test.
    const delta = prevTheta ? Float64Array.from(theta, (t, c) => t - (prevTheta as Float64Array)[c]) : null;
    let known = 0;
    if (k >= n) known = N; // Q spans ℝⁿ: the Ritz pairs are the eigenpairs
    else {
      const floor = VALUE_FLOOR * theta[0];
      while (known < k && pairConverged(U[known], AU[known], theta, known, delta, prevDelta, floor)) known++;
      known = Math.min(known, N);
    }
    prevTheta = theta;
    prevDelta = delta;
    let choice = known > 0 ? chooseRank(theta, known, N, trace, opts) : null;
    if (!choice && opts.rank === 'auto' && passesAtK >= 2) choice = decidedByBounds(U, AU, theta, N, trace, opts);
    if (choice) {
      const modes = new Float64Array(n * choice.rank);
      for (let c = 0; c < choice.rank; c++) modes.set(U[c], c * n);
      return result(fp, ctx.passes, modes, theta, Math.max(known, Math.min(needed, k)), choice, inv);
    }
    const guess = opts.rank === 'auto' ? rankGuess(theta, trace, opts.energy, N) : 0;
    if (guess > needed && Math.min(guess, cap, N) > needed) {
      // The Ritz values (lower bounds of the eigenvalues) already show that 'auto' needs more pairs: widen
      // now rather than converge pairs the rank does not depend on.
      needed = Math.min(guess, cap, N);
      extra = Math.max(extra, Math.ceil(needed / 2));
    } else if (known >= needed) {
      // The converged pairs do not settle the rank ('auto' below the cap): at least as many more as the
      // missing energy needs at the last converged value, and at least twice as many.
      let captured = 0;
      for (let c = 0; c < known; c++) captured += theta[c];
      const last = theta[known - 1];
      const more = last > 0 ? Math.ceil((opts.energy * trace - captured) / last) : needed;
      needed = Math.min(Math.max(2 * needed, known + more), cap, N);
      extra = Math.max(extra, Math.ceil(needed / 2));
    } else if (passesAtK >= MAX_PASSES_PER_K) {
      extra *= 2; // slow convergence: a wider block
    } else {
      // Next iterate: orth(A U), in Ritz order.
      Q = AU;
      orthonormalize(Q, rand);
      ctx.expectedPasses = Math.max(ctx.expectedPasses, ctx.passes + 2);
      continue;
    }
    // Widen: the Ritz vectors so far, then random directions; the next pass starts from A of these.
    const newK = Math.min(n, needed + extra);
    Q = U.concat(randomBlock(Math.max(0, newK - k), n, rand)).slice(0, newK);
    orthonormalize(Q, rand);
    k = newK;
    needed = Math.min(needed, k);
    passesAtK = 0;
    prevTheta = null;
    prevDelta = null;
    ctx.expectedPasses = Math.max(ctx.expectedPasses, ctx.passes + 3);
  }
}

/**
 * The 'auto' rank when the energy rule gives the same answer on the Ritz values θ_c (lower bounds of
 * the eigenvalues) and on θ_c + ‖A u_c − θ_c u_c‖ (each Ritz value is within its residual of an
 * eigenvalue): the rank is then settled although pairs inside a flat (noise) part of the spectrum have
 * not converged — converging them takes many passes and changes neither the rank nor the captured
 * subspace's energy beyond those bounds. Null when the two disagree.
 */
function decidedByBounds(U: Block, AU: Block, theta: Float64Array, N: number, trace: number, opts: PodOptions): RankChoice | null {
  const k = theta.length;
  const upper = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const u = U[c];
    const au = AU[c];
    let r2 = 0;
    for (let i = 0; i < u.length; i++) r2 += (au[i] - theta[c] * u[i]) ** 2;
    upper[c] = theta[c] + Math.sqrt(r2);
  }
  const known = Math.min(k, N);
  const lo = chooseRank(theta, known, N, trace, opts);
  const hi = chooseRank(upper, known, N, trace, opts);
  if (!(lo && hi && lo.rank === hi.rank)) return null;
  // The kept values themselves within BOUND_TOL (so the spectrum and the energy are not rough).
  for (let c = 0; c < lo.rank; c++) if (upper[c] - theta[c] > BOUND_TOL * theta[c]) return null;
  return lo;
}

/**
 * Pairs the energy rule needs judging by the current Ritz values (lower bounds of the eigenvalues, so
 * the guess errs high): the first r whose sum reaches energy·trace, else k plus the missing energy at
 * the last value. 0 when the values reach round-off within the block (the numerical rank is below k).
 */
function rankGuess(theta: Float64Array, trace: number, energy: number, N: number): number {
  const k = theta.length;
  if (theta[k - 1] <= 64 * N * EPS * theta[0]) return 0;
  let acc = 0;
  for (let c = 0; c < k; c++) {
    acc += theta[c];
    if (acc >= energy * trace) return c + 1;
  }
  return k + Math.ceil((energy * trace - acc) / theta[k - 1]);
}

/**
 * Ritz pair c has converged when its residual ‖A u − θ u‖ is below RESIDUAL_TOL·θ₁ (vector and value
 * converged), or its value has: it moved by less than the round-off floor, or it is converging
 * geometrically (Δ < Δ_prev) and the geometric tail Δ²/(Δ_prev − Δ) of what is left is below
 * VALUE_TOL·θ.
 */
function pairConverged(u: Float64Array, au: Float64Array, theta: Float64Array, c: number, delta: Float64Array | null, prevDelta: Float64Array | null, floor: number): boolean {
  const th = theta[c];
  let r2 = 0;
  for (let i = 0; i < u.length; i++) r2 += (au[i] - th * u[i]) ** 2;
  if (Math.sqrt(r2) <= RESIDUAL_TOL * theta[0]) return true;
  if (!delta) return false;
  const d = delta[c];
  if (Math.abs(d) <= floor) return true;
  if (!prevDelta) return false;
  const dp = prevDelta[c];
  return d > 0 && dp > d && (d * d) / (dp - d) <= VALUE_TOL * th;
}

/** Z_c[t] = Σ_i Q_c[i]·D_i[t] for t < len: four rows × two columns per sweep. */
function projectChunk(Q: Block, D: Block, len: number, Z: Block): void {
  const n = D.length;
  const k = Q.length;
  for (const z of Z) z.fill(0, 0, len);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const d0 = D[i], d1 = D[i + 1], d2 = D[i + 2], d3 = D[i + 3];
    let c = 0;
    for (; c + 1 < k; c += 2) {
      const a = Q[c];
      const b = Q[c + 1];
      axpy4x2(Z[c], Z[c + 1], 0, len, a[i], a[i + 1], a[i + 2], a[i + 3], b[i], b[i + 1], b[i + 2], b[i + 3], d0, d1, d2, d3);
    }
    if (c < k) {
      const q = Q[c];
      axpy4(Z[c], 0, len, q[i], q[i + 1], q[i + 2], q[i + 3], d0, d1, d2, d3);
    }
  }
  for (; i < n; i++) for (let c = 0; c < k; c++) axpy1(Z[c], 0, len, Q[c][i], D[i]);
}

/** Y_c[i] += Σ_t D_i[t]·Z_c[t] for t < len: two rows × four columns per sweep. */
function accumulateY(D: Block, len: number, Z: Block, Y: Block, out: Float64Array, zero: Float64Array): void {
  const n = D.length;
  const k = Z.length;
  for (let i = 0; i < n; i += 2) {
    const pair = i + 1 < n;
    const d0 = D[i];
    const d1 = pair ? D[i + 1] : zero;
    let c = 0;
    for (; c + 3 < k; c += 4) {
      dot2x4(d0, d1, Z[c], Z[c + 1], Z[c + 2], Z[c + 3], 0, len, out);
      for (let l = 0; l < 4; l++) {
        Y[c + l][i] += out[l];
        if (pair) Y[c + l][i + 1] += out[4 + l];
      }
    }
    for (; c < k; c++) {
      dot2x1(d0, d1, Z[c], 0, len, out);
      Y[c][i] += out[0];
      if (pair) Y[c][i + 1] += out[4];
    }
  }
}

/** B += Z Zᵀ over t < len (lower triangle, k × k row-major). */
function accumulateB(Z: Block, len: number, B: Float64Array): void {
  const k = Z.length;
  for (let a = 0; a < k; a++) {
    const za = Z[a];
    for (let b = 0; b <= a; b++) {
      const zb = Z[b];
      let s = 0;
      for (let t = 0; t < len; t++) s += za[t] * zb[t];
      B[a * k + b] += s;
    }
  }
}
