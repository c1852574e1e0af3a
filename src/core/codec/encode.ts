// codec/ owns the .wsindy format: container, header, predictor, windows, residual and entropy coding.
// It may import numerics/, csv/outputStep and the shared core types; never sindy/, stream/ or api.
// Encoder: the identified model is the predictor, the windows restart it from stored anchors, the
// residual is quantised to the bound and entropy coded. Several window schedules are tried and the
// smallest file wins; the final prediction is computed by the same `predictAll` the decoder runs.
import type { Dataset } from '../dataset';
import { InputError, OptionError } from '../errors';
import type { FitDiagnostics, IdentifiedSystem, ModelOutcome } from '../model';
import type { CompressionMode } from '../options';
import { noProgress, type ProgressSink } from '../progress';
import { planBasis, storeBasis } from './basis';
import { ByteWriter } from './bytes';
import { writeContainerV4, type SectionTag } from './container';
import { hasSourceExtras, writeSourceExtras } from './sourceExtras';
import { crc32 } from './crc32';
import { encodeIntRows, IntRowEncoder, MAX_INT } from './entropy';
import { LIMITS, storeCoefficients, type HeaderJson } from './header';
import { writeHeaderV3, writeModelV3 } from './headerV3';
import { decideOutcome, OUTCOME_REASONS } from './outcome';
import { anchorFrom, BLOWUP, lift, makeRhs, predictAll, predictRow, Rk4, type PredictorSetup, type StoredBasis, type StoredModel, type Window } from './predictor';
import { outputSlack, outputStepFor, pow10 } from '../csv/outputStep';
import { projectOnModes } from '../numerics/pod';
import { checkRow, GRID_PREDICTOR, quantiseRow, residualSection, writeUnpredictable, type PrintCheck, type Unpredictable } from './residual';
import { INTERP_CUBIC_1D, INTERP_CUBIC_2D, INTERP_CUBIC_2D_VARS, INTERP_LINEAR_1D, INTERP_LINEAR_2D, INTERP_LINEAR_2D_VARS, INTERP_SMOOTH_1D, interpolateEncode, interpolationBits, isInterpolation, isTwoD } from './interpolation';
import { INTERP_3D_IDS, choiceId, choiceStride, gridStrides, interpolate3dEncode, isThreeD, withStride } from './interpolation3d';
import { planGridV3 } from './timeGrid';
import { windowsToV3, windowsToV4, writeWindows } from './windows';

export interface EncodeInput {
  dataset: Dataset;
  system: IdentifiedSystem;
  mode: CompressionMode;
  tolerance: number;
  absError?: number;
  source: { fileName: string; bytes: number; crc32: number };
  settings: Record<string, unknown>;
  /** Keep the model in the file even when no window uses it (`--force-model`). */
  forceModel?: boolean;
  /** The fit's own verdict when it gave up early (sindy/identify.ts `budget`). */
  outcome?: ModelOutcome;
}

export interface EncodeResult {
  bytes: Uint8Array;
  maxError: number;
  maxRelativeError: number;
  rmsError: number;
  /** Absolute bound (error-bounded mode), null in model-only mode. */
  bound: number | null;
  /** Sparse equations, a dense predictor, or no model (codec/outcome.ts), as recorded in the file. */
  outcome: ModelOutcome;
  windows: number;
  modelWindows: number;
}

/** Records longer than this are coded in segments of SEGMENT_STEPS (format v2). */
export const SEGMENT_ABOVE_STEPS = 65536;
/**
 * Steps per segment when segmenting. Measured on 64×400000 (streaming): segments of 4096 / 16384 / 65536
 * steps gave ratio 4390 / 4935 / 4893, with the coder's memory growing with the segment.
 */
export const SEGMENT_STEPS = 16384;

/** Anchor precision candidates: anchor step = prec · 2^-k. */
const ANCHOR_BITS = [4, 8, 12, 16];

interface Context {
  series: readonly Float64Array[];
  n: number;
  m: number;
  r: number;
  setup: PredictorSetup;
  /** True reduced state of the data at every sample: r × m. */
  trueStates: readonly Float64Array[];
  /** The quantiser's bound b' (b − δ when the output is printed at a decimal step, else b). */
  bound: number;
  /** Decimal output exponent k and the user's bound b the printed values must meet (k null: no step). */
  outK: number | null;
  outBound: number;
  /** With a basis: what bounds the greedy schedule's error check without lifting (null: always lift). */
  errorBounds: ErrorBounds | null;
  /** Row strides of a flattened 2-D field the 3-D predictors are tried at (interpolation3d.ts `gridStrides`). */
  strides: readonly number[];
}

/**
 * For a basis: max over rows of |x_ij − lift(a_true_j)_i| (as computed) at every sample j, and the scales
 * that bound the rounding of a lift. For any state a, every computed |x_ij − lift(a)_i| is at most
 * (resid_j + rowNorm·|a − a_true_j| + slack)·(1 + 1e-12), slack = (r + 2)·1e-13·(mean + rowNorm·(|a| +
 * |a_true_j|) + xMax) (far above the few-ulp rounding of the sums and differences involved).
 */
interface ErrorBounds {
  resid: Float64Array;
  rowNorm: number;
  meanMax: number;
  xMax: number;
}

function errorBounds(series: readonly Float64Array[], basis: StoredBasis, trueStates: readonly Float64Array[], r: number, m: number, xMax: number): ErrorBounds {
  const n = series.length;
  const resid = new Float64Array(m);
  const est = new Float64Array(m);
  let rowNorm = 0;
  let meanMax = 0;
  const windows = [{ start: 0, end: m, model: true }];
  for (let i = 0; i < n; i++) {
    predictRow(basis, n, trueStates, windows, i, est);
    const x = series[i];
    for (let j = 0; j < m; j++) {
      const d = Math.abs(x[j] - est[j]);
      if (!(d <= resid[j])) resid[j] = d;
    }
    let s2 = 0;
    for (let k = 0; k < r; k++) s2 += basis.modes[k * n + i] ** 2;
    rowNorm = Math.max(rowNorm, Math.sqrt(s2));
    meanMax = Math.max(meanMax, Math.abs(basis.mean[i]));
  }
  return { resid, rowNorm: rowNorm * (1 + 1e-12), meanMax, xMax };
}

interface Candidate {
  ctx: Context;
  windows: Window[];
  corrections: Float64Array[];
  /** r × m states of the prediction; the n × m prediction is lifted row by row, never stored. */
  states: Float64Array[];
  WIND: Uint8Array;
  /** Bytes of WIND + RESI + UNPR: exact when `pass` is set, else estimated from sampled rows. */
  size: number;
  pass: Pass | null;
}

/**
 * Stop coding a candidate once a lower bound of its size exceeds `above`: `fixed` + (8 + bytes written so
 * far · `scale`) never exceeds the size `evaluate` would report (the coder's output only grows), so a
 * candidate given up on could not have been chosen (nor a finalist). Saves most of the hopeless passes.
 */
interface GiveUp {
  fixed: number;
  scale: number;
  above: number;
}

/** What coding the residual of some rows gives. */
interface Pass {
  RESI: Uint8Array;
  UNPR: Uint8Array;
  /** CRCs of the prediction and the reconstruction, in row order (0 when only sampled rows were coded). */
  predCrc: number;
  reconCrc: number;
  maxError: number;
  sumSq: number;
  /** An exception's printed value would miss the output bound: the file must not carry the output step. */
  printFailed: boolean;
}

/**
 * Above this many variables the schedules are compared on a sample of the rows (groups of consecutive
 * rows, so row-to-row transforms still see neighbours) and only the few best are coded in full.
 */
const SAMPLE_GROUPS = 8;
const SAMPLE_GROUP_ROWS = 8;
/**
 * Candidates whose estimate is within this factor of the best are coded in full (at most MAX_FINALISTS).
 * On the bench the estimates are off by a near-constant offset and rank the candidates as exact sizes do.
 */
const FINALIST_SLACK = 1.05;
const MAX_FINALISTS = 2;

function sampledRows(n: number): Int32Array | null {
  if (n <= SAMPLE_GROUPS * SAMPLE_GROUP_ROWS) return null;
  const rows = new Int32Array(SAMPLE_GROUPS * SAMPLE_GROUP_ROWS);
  for (let g = 0; g < SAMPLE_GROUPS; g++) {
    const first = Math.floor((g * (n - SAMPLE_GROUP_ROWS)) / (SAMPLE_GROUPS - 1));
    for (let k = 0; k < SAMPLE_GROUP_ROWS; k++) rows[g * SAMPLE_GROUP_ROWS + k] = first + k;
  }
  return rows;
}

function f64Bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Scratch rows of length m, shared by every pass (one prediction, one q, one reconstruction row). */
interface Scratch {
  p: Float64Array;
  q: Float64Array;
  rec: Float64Array;
}

/**
 * Lift, quantise and code the given rows (all when `rows` is null) of a schedule's prediction, one row at
 * a time: O(m) memory whatever n.
 */
function residualPass(ctx: Context, windows: readonly Window[], states: readonly Float64Array[], rows: Int32Array | null, mode: CompressionMode, scratch: Scratch): Pass;
function residualPass(ctx: Context, windows: readonly Window[], states: readonly Float64Array[], rows: Int32Array | null, mode: CompressionMode, scratch: Scratch, giveUp: GiveUp): Pass | null;
function residualPass(ctx: Context, windows: readonly Window[], states: readonly Float64Array[], rows: Int32Array | null, mode: CompressionMode, scratch: Scratch, giveUp?: GiveUp): Pass | null {
  const { n, m, series, bound } = ctx;
  const basis = ctx.setup.basis;
  const { p, q, rec } = scratch;
  const count = rows ? rows.length : n;
  const bounded = mode !== 'model-only';
  const enc = bounded ? new IntRowEncoder(m) : null;
  const u: Unpredictable = { index: [], values: [] };
  let predCrc = 0;
  let reconCrc = 0;
  const err = { max: 0, sumSq: 0 };
  const print: PrintCheck | null = ctx.outK !== null ? { k: ctx.outK, bound: ctx.outBound, failed: false } : null;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    predictRow(basis, n, states, windows, i, p);
    if (!rows) predCrc = crc32(f64Bytes(p), predCrc);
    if (enc) {
      quantiseRow(series[i], p, bound, i, q, rec, u, err, print);
      enc.push(q);
      if (!rows) reconCrc = crc32(f64Bytes(rec), reconCrc);
      if (giveUp && giveUp.fixed + (8 + enc.written * giveUp.scale) > giveUp.above) return null;
    } else {
      const x = series[i];
      for (let j = 0; j < m; j++) {
        const d = Math.abs(x[j] - p[j]);
        if (!(d <= err.max)) err.max = d;
        err.sumSq += d * d;
      }
    }
  }
  if (!enc) reconCrc = predCrc;
  const RESI = enc ? residualSection(bound, enc.finish()) : new Uint8Array(0);
  const UNPR = enc ? writeUnpredictable(u) : new Uint8Array(0);
  return { RESI, UNPR, predCrc, reconCrc, maxError: err.max, sumSq: err.sumSq, printFailed: print?.failed ?? false };
}

/** x − p as a new row: a plain loop (Float64Array.from with a mapping callback took 31 ms a compress of the 400 × 8000 random walk's sample trials). */
function minus(x: Float64Array, p: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = x[j] - p[j];
  return out;
}

/** 2-D interpolation holds the residual and its reconstruction whole: only up to this many values. */
const INTERP_2D_MAX_VALUES = 2 ** 23;

/**
 * `residualPass` with the interpolation predictor `id` (all rows): the residual x − p quantised closed
 * loop by interpolation.ts, each value checked as the decoder will compute it. Null once the coded
 * integers alone pass `above` bytes. 1-D: one row at a time (O(m) memory); 2-D: the whole n × m grid.
 */
function interpolatedPass(ctx: Context, windows: readonly Window[], states: readonly Float64Array[], choice: number, scratch: Scratch, above = Infinity): Pass | null {
  const { n, m, series, bound } = ctx;
  const id = choiceId(choice);
  const stride = choiceStride(choice);
  const basis = ctx.setup.basis;
  const { p, q, rec } = scratch;
  const step = 2 * bound;
  const enc = new IntRowEncoder(m);
  const u: Unpredictable = { index: [], values: [] };
  const err = { max: 0, sumSq: 0 };
  const print: PrintCheck | null = ctx.outK !== null ? { k: ctx.outK, bound: ctx.outBound, failed: false } : null;
  let predCrc = 0;
  let reconCrc = 0;
  const finishRow = (i: number, k: Float64Array, rhat: Float64Array): void => {
    predCrc = crc32(f64Bytes(p), predCrc);
    checkRow(series[i], p, rhat, bound, i, rec, u, err, print);
    enc.push(k);
    reconCrc = crc32(f64Bytes(rec), reconCrc);
  };
  if (!isTwoD(id) && !isThreeD(id)) {
    const rhat = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      predictRow(basis, n, states, windows, i, p);
      const x = series[i];
      for (let j = 0; j < m; j++) q[j] = x[j] - p[j];
      interpolateEncode([q], m, step, id, [q], [rhat]);
      finishRow(i, q, rhat);
      if (8 + enc.written > above) return null;
    }
  } else {
    // the residual rows become the integers k in place (each value is read once, before its k is written)
    const res = Array.from({ length: n }, (_, i) => {
      predictRow(basis, n, states, windows, i, p);
      const x = series[i];
      return minus(x, p);
    });
    const rhat = Array.from({ length: n }, () => new Float64Array(m));
    if (isThreeD(id)) interpolate3dEncode(res, stride, m, step, id, res, rhat);
    else interpolateEncode(res, m, step, id, res, rhat);
    for (let i = 0; i < n; i++) {
      predictRow(basis, n, states, windows, i, p);
      finishRow(i, res[i], rhat[i]);
      if (8 + enc.written > above) return null;
    }
  }
  const RESI = residualSection(bound, enc.finish(), id, 0, stride);
  const UNPR = writeUnpredictable(u);
  return { RESI, UNPR, predCrc, reconCrc, maxError: err.max, sumSq: err.sumSq, printFailed: print?.failed ?? false };
}

/**
 * The interpolation predictors worth trying on n rows of m (2-D only for several rows, and not too many
 * values; 3-D at each of `strides`, as choices: id + 256·stride, interpolation3d.ts `withStride`).
 */
function interpolationIds(n: number, m: number, strides: readonly number[]): number[] {
  const ids = [INTERP_LINEAR_1D, INTERP_CUBIC_1D, INTERP_SMOOTH_1D];
  if (n >= 4 && n * m <= INTERP_2D_MAX_VALUES) ids.push(INTERP_LINEAR_2D, INTERP_CUBIC_2D, INTERP_LINEAR_2D_VARS, INTERP_CUBIC_2D_VARS);
  if (n * m <= INTERP_2D_MAX_VALUES) for (const d of strides) if (n % d === 0) for (const id of INTERP_3D_IDS) ids.push(withStride(id, d));
  return ids;
}

/** Above this many values, the interpolation predictors are ranked by `interpolationBits` and only the best is coded. */
const RANK_ABOVE_VALUES = 2 ** 19;
/** About this many integers of sampled rows coded per predictor when ranking on a flattened 2-D field. */
const CODED_RANK_VALUES = 2 ** 17;

/**
 * The interpolation predictors to code in full for these windows: all of them on small data; on large
 * data the one with the fewest estimated bits (none when even that is estimated above `above` bytes).
 */
function interpolationCandidates(ctx: Context, windows: readonly Window[], states: readonly Float64Array[], scratch: Scratch, above: number): number[] {
  const { n, m, series } = ctx;
  const ids = interpolationIds(n, m, ctx.strides);
  if (n * m <= RANK_ABOVE_VALUES) return ids;
  const p = scratch.p;
  const rows = sampledRows(n);
  if (rows) {
    // first on sampled rows, along time only (rows independent): nothing more when even that is far above
    const sample = Array.from(rows, (i) => {
      predictRow(ctx.setup.basis, n, states, windows, i, p);
      return minus(series[i], p);
    });
    const bits = interpolationBits(sample, m, 2 * ctx.bound, INTERP_CUBIC_1D, sample.map(() => new Float64Array(m)));
    if ((bits / 8) * (n / rows.length) > 4 * above) return [];
  }
  const res = series.map((x, i) => {
    predictRow(ctx.setup.basis, n, states, windows, i, p);
    return minus(x, p);
  });
  const rhat = res.map(() => new Float64Array(m));
  if (ctx.strides.length > 0) {
    // A flattened 2-D field: ranked by the coded size of a block of neighbouring rows' integers instead. The
    // zeroth-order estimate ignores the coder's contexts and misranks the predictors along time most
    // (measured, a 40 × 48 × 300 wave at 1e-3, estimated / coded KB: id 2 88.4 / 33.1, id 7 49.3 / 41.3,
    // id 11 83.8 / 31.9: the file 41.4 KB with id 7, 32.0 with id 11). A block, not every g-th row: the
    // coder's contexts reach across rows (sampled rows put id 2 at 48.5 KB). Other data keep the estimate
    // (and their bytes).
    const count = Math.max(1, Math.min(n, Math.ceil(CODED_RANK_VALUES / m)));
    const i0 = Math.floor((n - count) / 2);
    const k = res.map(() => new Float64Array(m));
    const coded = ids.map((choice) => {
      const id = choiceId(choice);
      if (isThreeD(id)) interpolate3dEncode(res, choiceStride(choice), m, 2 * ctx.bound, id, k, rhat);
      else interpolateEncode(res, m, 2 * ctx.bound, id, k, rhat);
      const rowsCoded = k.slice(i0, i0 + count);
      return (encodeIntRows(rowsCoded).length * n) / count;
    });
    const best = coded.indexOf(Math.min(...coded));
    return coded[best] > 2 * above ? [] : [ids[best]];
  }
  const bits = ids.map((id) => interpolationBits(res, m, 2 * ctx.bound, id, rhat));
  const k = bits.indexOf(Math.min(...bits));
  // the estimate ignores the coder's contexts: only a clear loss is skipped
  return bits[k] / 8 > 2 * above ? [] : [ids[k]];
}

/**
 * The smallest of `pass` (the quantised residual) and the interpolation predictors' passes for these
 * windows (bytes of RESI + UNPR).
 */
function bestResidual(ctx: Context, windows: readonly Window[], states: readonly Float64Array[], scratch: Scratch, pass: Pass): Pass {
  // a residual of almost only zeros (the model predicts nearly everything) leaves nothing to gain
  if (!(ctx.bound > 0) || (pass.RESI.length + pass.UNPR.length) * 8 < 0.05 * ctx.n * ctx.m) return pass;
  let best = pass;
  for (const id of interpolationCandidates(ctx, windows, states, scratch, pass.RESI.length + pass.UNPR.length)) {
    const alt = interpolatedPass(ctx, windows, states, id, scratch, best.RESI.length + best.UNPR.length);
    if (alt && alt.RESI.length + alt.UNPR.length < best.RESI.length + best.UNPR.length) best = alt;
  }
  return best;
}

function roundCorrection(ctx: Context, s: number, base: Float64Array, step: number): Float64Array {
  const c = new Float64Array(ctx.r);
  for (let j = 0; j < ctx.r; j++) {
    const a = ctx.trueStates[j][s];
    if (step === 0) c[j] = a;
    else {
      const k = Math.round((a - base[j]) / step) + 0;
      c[j] = Math.abs(k) <= MAX_INT ? k : 0;
    }
  }
  return c;
}

/** max_i |col_i − (mean_i + U_i0·a0 + U_i1·a1 + U_i2·a2)|: `lift` then the error, same arithmetic. */
function liftErr3(cols: Float64Array, o: number, mean: Float64Array, modes: Float64Array, n: number, a0: number, a1: number, a2: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) {
    const v = mean[i] + modes[i] * a0 + modes[n + i] * a1 + modes[2 * n + i] * a2;
    const d = Math.abs(cols[o + i] - v);
    if (!(d <= e)) e = d;
  }
  return e;
}

/** `liftErr3` reading column j across the rows (when few columns are lifted, cheaper than transposing). */
function liftErr3Rows(series: readonly Float64Array[], j: number, mean: Float64Array, modes: Float64Array, n: number, a0: number, a1: number, a2: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) {
    const v = mean[i] + modes[i] * a0 + modes[n + i] * a1 + modes[2 * n + i] * a2;
    const d = Math.abs(series[i][j] - v);
    if (!(d <= e)) e = d;
  }
  return e;
}

/**
 * Greedy schedule: integrate from each anchor until the lifted prediction misses the data by more than
 * θ·bound (on top of the error at the anchor itself); a model window shorter than `minLen` becomes a
 * no-model stretch that doubles while the model keeps failing (when `allowNoModel`).
 */
function greedyWindows(ctx: Context, theta: number, minLen: number, allowNoModel: boolean): Schedule {
  const { n, m, r, series, setup } = ctx;
  const rk = new Rk4(makeRhs(setup.model), r, setup.substeps);
  const x = new Float64Array(n);
  const windows: Window[] = [];
  let base = new Float64Array(r);
  let skip = minLen;
  let s = 0;
  // The error at sample j needs column j of the data: read it from a transposed chunk of columns, built
  // once per chunk as the schedule moves forward (row-major reads; the data are never copied whole).
  // Measured (with liftErr3 a top-level kernel): one greedy schedule on 400×8000 ≈ 100 → 40 ms (wall, loaded host).
  const chunk = Math.max(8, Math.min(1024, Math.floor(32768 / Math.max(n, 1))));
  const cols = new Float64Array(chunk * n);
  let c0 = -Infinity;
  const column = (j: number): number => {
    if (j < c0 || j >= c0 + chunk) {
      c0 = j - (j % chunk);
      const len = Math.min(chunk, m - c0);
      for (let i = 0; i < n; i++) {
        const row = series[i];
        for (let k = 0; k < len; k++) cols[k * n + i] = row[c0 + k];
      }
    }
    return (j - c0) * n;
  };
  const errAt = (j: number): number => {
    const o = column(j);
    let e = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(cols[o + i] - x[i]);
      if (!(d <= e)) e = d;
    }
    return e;
  };
  // lift(y) then errAt(j) in one loop, same arithmetic
  const basis = setup.basis;
  const liftErr = (y: Float64Array, j: number): number => {
    if (!basis || r !== 3) {
      lift(basis, n, y, x);
      return errAt(j);
    }
    if (ctx.errorBounds) return liftErr3Rows(series, j, basis.mean, basis.modes, n, y[0], y[1], y[2]);
    return liftErr3(cols, column(j), basis.mean, basis.modes, n, y[0], y[1], y[2]);
  };
  const eb = ctx.errorBounds;
  const within = (y: Float64Array, j: number, limit: number): boolean => {
    if (!eb) return false;
    let dd = 0;
    let yy = 0;
    let tt = 0;
    for (let k = 0; k < r; k++) {
      const t = ctx.trueStates[k][j];
      const d = y[k] - t;
      dd += d * d;
      yy += y[k] * y[k];
      tt += t * t;
    }
    const slack = (r + 2) * 1e-13 * (eb.meanMax + eb.rowNorm * (Math.sqrt(yy) + Math.sqrt(tt)) + eb.xMax);
    return (eb.resid[j] + eb.rowNorm * Math.sqrt(dd) * (1 + 1e-12) + slack) * (1 + 1e-12) < limit;
  };
  // the prediction `predictAll` would make of these windows, recorded on the way (the same anchors and
  // steps); not kept when an anchor itself is out of range (predictAll then changes the windows)
  const states = Array.from({ length: r }, () => new Float64Array(m).fill(NaN));
  const corrections: Float64Array[] = [];
  let recorded = true;
  while (s < m) {
    const c = roundCorrection(ctx, s, base, setup.anchorStep);
    const y = anchorFrom(base, c, setup.anchorStep);
    if (!y.every((v) => Math.abs(v) <= BLOWUP)) recorded = false;
    const floor = liftErr(y, s);
    const limit = theta * ctx.bound + (Number.isFinite(floor) ? floor : 0);
    let e = s + 1;
    let nextBase: Float64Array = new Float64Array(r);
    for (let j = s; ; j++) {
      if (j > s) {
        // most steps are far inside the limit: a bound decides them without lifting (exact: the same
        // decisions; measured: six greedy schedules on 400×8000 230 → 85 ms)
        if (!(within(y, j, limit) || liftErr(y, j) <= limit)) {
          e = j;
          nextBase = y;
          break;
        }
      }
      for (let k = 0; k < r; k++) states[k][j] = y[k];
      if (j + 1 >= m) {
        e = m;
        break;
      }
      if (!rk.advance(y, setup.time[j + 1] - setup.time[j])) {
        e = j + 1;
        break;
      }
    }
    if (allowNoModel && e - s < minLen) {
      const end = Math.min(m, s + skip);
      for (let k = 0; k < r; k++) states[k].fill(NaN, s, end);
      windows.push({ start: s, end, model: false });
      skip *= 2;
      base = new Float64Array(r);
      s = end;
      continue;
    }
    skip = minLen;
    windows.push({ start: s, end: e, model: true });
    corrections.push(c);
    base = Float64Array.from(nextBase);
    s = e;
  }
  return { windows: mergeNoModel(windows), prediction: recorded ? { states, corrections } : null };
}

function fixedWindows(m: number, len: number): Schedule {
  const w: Window[] = [];
  for (let s = 0; s < m; s += len) w.push({ start: s, end: Math.min(m, s + len), model: true });
  return { windows: w, prediction: null };
}

function mergeNoModel(windows: Window[]): Window[] {
  const out: Window[] = [];
  for (const w of windows) {
    const last = out[out.length - 1];
    if (last && !last.model && !w.model) last.end = w.end;
    else out.push({ ...w });
  }
  return out;
}

/**
 * Run the decoder's predictor; a window that blows up becomes a no-model window (bound still holds).
 * The residual is coded on `rows` only (an estimate) or on all rows (`rows` null: the exact size).
 */
function evaluate(ctx: Context, schedule: Schedule, mode: CompressionMode, rows: Int32Array | null, scratch: Scratch, above = Infinity): Candidate {
  let windows = schedule.windows.map((w) => ({ ...w }));
  let corrections: Float64Array[] = [];
  let result;
  const known = schedule.prediction;
  for (;;) {
    if (known) {
      // recorded by the schedule itself: what predictAll gives (measured: 6 × 6 ms saved on 400×8000)
      corrections = known.corrections;
      result = { states: known.states, failedWindow: -1 };
      break;
    }
    corrections = [];
    result = predictAll(ctx.setup, windows, (_w, base) => {
      const c = roundCorrection(ctx, windows[_w].start, base, ctx.setup.anchorStep);
      corrections.push(c);
      return c;
    });
    if (result.failedWindow < 0) break;
    const f = windows[result.failedWindow];
    if (mode === 'model-only' && f.end - f.start > 1) {
      // split the window where it blew up; a window of one sample is just its anchor and cannot fail
      const mid = f.start + Math.max(1, Math.floor((f.end - f.start) / 2));
      windows.splice(result.failedWindow, 1, { start: f.start, end: mid, model: true }, { start: mid, end: f.end, model: true });
    } else {
      f.model = false;
      windows = mergeNoModel(windows);
    }
  }
  const WIND = writeWindows(windows, ctx.setup.anchorStep, corrections, ctx.r);
  const cand: Candidate = { ctx, windows, corrections, states: result.states, WIND, size: WIND.length, pass: null };
  if (mode === 'model-only') return cand;
  const scale = rows ? ctx.n / rows.length : 1;
  const pass = residualPass(ctx, windows, result.states, rows, mode, scratch, { fixed: WIND.length, scale, above });
  if (!pass) {
    cand.size = Infinity; // given up: larger than `above`
    return cand;
  }
  if (rows) {
    // scale the sampled rows' residual and exceptions up to all n rows
    cand.size += 8 + (pass.RESI.length - 8) * scale + pass.UNPR.length * scale;
  } else {
    cand.pass = pass;
    cand.size += pass.RESI.length + pass.UNPR.length;
  }
  return cand;
}

/** Windows, and the prediction `predictAll` makes of them when the schedule already computed it. */
interface Schedule {
  windows: Window[];
  prediction: { states: Float64Array[]; corrections: Float64Array[] } | null;
}

/** Fewest RK4 sub-steps whose result agrees with twice as many to within tol over the first samples. */
function chooseSubsteps(ctx: Omit<Context, 'setup'>, setup: Omit<PredictorSetup, 'substeps'>, tol: number): number {
  const { n, m, r, trueStates } = ctx;
  const span = Math.min(m, 400);
  const rhs = makeRhs(setup.model);
  const run = (S: number): Float64Array[] => {
    const rk = new Rk4(rhs, r, S);
    const y = Float64Array.from(trueStates, (row) => row[0]);
    const out: Float64Array[] = [];
    for (let j = 0; j < span; j++) {
      const x = new Float64Array(n);
      lift(setup.basis, n, y, x);
      out.push(x);
      if (j + 1 < span && !rk.advance(y, setup.time[j + 1] - setup.time[j])) break;
    }
    return out;
  };
  let prev = run(1);
  for (let S = 1; S < 64; S *= 2) {
    const next = run(2 * S);
    let diff = 0;
    const len = Math.min(prev.length, next.length);
    for (let j = 0; j < len; j++) for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(prev[j][i] - next[j][i]));
    if (prev.length === next.length && diff <= tol) return S;
    prev = next;
  }
  return 64;
}

/** Extremes of the data; the index of the first non-finite value (row-major), or -1. One pass. */
function dataRange(series: readonly Float64Array[]): { min: number; max: number; bad: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    let lo = min;
    let hi = max;
    let finite = true;
    for (let j = 0; j < s.length; j++) {
      const v = s[j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (v - v !== 0) finite = false; // NaN or ±Infinity
    }
    if (!finite) return { min, max, bad: i * s.length + s.findIndex((v) => !Number.isFinite(v)) };
    min = lo;
    max = hi;
  }
  return { min, max, bad: -1 };
}

/** Everything fixed for the whole file: the bounds, the output step, the stored model and basis. */
export interface EncodePlan {
  mode: CompressionMode;
  n: number;
  min: number;
  max: number;
  range: number;
  /** The user's bound b (error-bounded mode; 0 in model-only mode). */
  userBound: number;
  /** The quantiser's bound b' (b − δ with an output step, else b). */
  bound: number;
  /** Decimal output exponent, or null for full digits. */
  outK: number | null;
  model: StoredModel;
  basis: StoredBasis | null;
  basisBytes: Uint8Array | null;
  /** RK4 sub-steps: chosen on the first segment coded, then the same for all. */
  substeps: number | null;
  /** The no-model route: no model, no basis, the data coded directly by the residual predictors. */
  direct?: boolean;
  /** The no-model route's predictor when already chosen on a sample (`directRoute`): 0 the block transforms, else an interpolation id (3-D: a choice with its stride). */
  directPredictor?: number;
  /** Row strides of a flattened 2-D field for the 3-D residual predictors (none: not tried). */
  gridStrides?: readonly number[];
}

export interface PlanInput {
  mode: CompressionMode;
  tolerance: number;
  absError?: number;
  n: number;
  /** Extremes of all the data (finite). */
  min: number;
  max: number;
  system: IdentifiedSystem;
  /** max |a_k| of each POD coordinate over all the data (null without POD): sets the basis precision. */
  amax: Float64Array | null;
  /** False: no decimal output step (after a segment reported an exception it could not print at it). */
  outputStep?: boolean;
  /**
   * Quantise with b′ = b − 10^k/2 (a hair less) instead of b − b/16: the same output step 10^k, bins up to
   * 1.06× wider. The residual then stores its own bound (8 bytes a segment); the no-model route asks for it
   * on large data (see `directRoute`).
   */
  slackFromStep?: boolean;
  /**
   * The basis steps × this (default 1). The rule's steps keep the basis's share of any prediction's error
   * within b/8 in the worst case (every mode's rounding adding up); coarser ones cost residual bits only
   * where the rounding errors do add up, and the writer compares total sizes (`encodeWsindy`).
   */
  basisScale?: number;
  /** Row strides of a flattened 2-D field (interpolation3d.ts `gridStrides`): the 3-D residual predictors are tried at them. */
  gridStrides?: readonly number[];
}

/**
 * b′ = b − 10^k/2·(1 + 2⁻¹⁰) when it is above the rule's b′ (else the rule's): printing at 10^k moves a value by at most
 * 10^k/2 plus a rounding (the margin covers it; the printed values are checked all the same).
 */
function stepSlackBound(userBound: number, k: number, ruleBound: number): number {
  const half = pow10(k) / 2;
  const b = userBound - half * (1 + 2 ** -10);
  return b > ruleBound && b > 0 && half <= userBound - b ? b : ruleBound;
}

export function planEncoding(p: PlanInput): EncodePlan {
  const { mode, system, n, min, max } = p;
  if (!(p.tolerance >= 0) || !Number.isFinite(p.tolerance)) throw new OptionError(`tolerance must be a finite number ≥ 0, got ${p.tolerance}`);
  if (p.absError !== undefined && (!(p.absError >= 0) || !Number.isFinite(p.absError))) {
    throw new OptionError(`abs-error must be a finite number ≥ 0, got ${p.absError}`);
  }
  const range = Math.min(max - min, Number.MAX_VALUE);
  const userBound = Math.min(p.absError ?? p.tolerance * range, Number.MAX_VALUE / 4);
  // Error-bounded with b > 0: quantise with b' = b − δ and print at the decimal step 10^k (10^k / 2 ≤ δ).
  const step = mode === 'error-bounded' && p.outputStep !== false ? outputStepFor(userBound) : null;
  const outK = step ? step.k : null;
  const bound = step ? (p.slackFromStep ? stepSlackBound(userBound, step.k, step.bound) : step.bound) : userBound;
  const r = system.model.stateNames.length;
  const model: StoredModel = { r, terms: system.model.terms, coefficients: storeCoefficients(system.model.coefficients) };
  if (model.coefficients.length !== model.terms.length * r) throw new OptionError('model coefficients do not match its terms');
  let basis: StoredBasis | null = null;
  let basisBytes: Uint8Array | null = null;
  const pod = system.pod;
  if (pod) {
    if (pod.mean.length !== n || pod.modes.length !== n * r || !p.amax || p.amax.length !== r) throw new OptionError('POD basis does not match the data');
    const steps = planBasis(bound, Array.from(p.amax));
    const f = p.basisScale ?? 1;
    const stored = storeBasis(pod.mean, pod.modes, { meanStep: steps.meanStep * f, modeStep: steps.modeStep * f });
    basis = stored.basis;
    basisBytes = stored.bytes;
  } else if (r !== n) {
    throw new OptionError(`a model without POD must have one state per variable (${r} states, ${n} variables)`);
  }
  return { mode, n, min, max, range, userBound, bound, outK, model, basis, basisBytes, substeps: null, ...(p.gridStrides && p.gridStrides.length > 0 ? { gridStrides: p.gridStrides } : {}) };
}

/** One coded stretch of time: its windows, residual and exceptions, checksums and errors. */
export interface CodedSegment {
  m: number;
  WIND: Uint8Array;
  RESI: Uint8Array;
  UNPR: Uint8Array;
  predCrc: number;
  reconCrc: number;
  maxError: number;
  sumSq: number;
  windows: number;
  modelWindows: number;
  /** False when an exception could not be printed at the plan's output step (the file must then drop it). */
  printStep: boolean;
  /** Bytes of WIND + RESI + UNPR; Infinity for a no-model segment given up on (its sections are empty). */
  size: number;
}

/**
 * The step δ of a grid all values of these rows lie on (multiples of δ to 1e-9·δ), when δ > 2·bound (the
 * bins would be finer than the data's own resolution), else 0. δ is the smallest non-zero difference of
 * sampled neighbours, as printed with 12 digits (0.005, not 0.005000000000000004).
 */
function dataGrid(series: readonly Float64Array[], bound: number): number {
  let d0 = Infinity;
  for (const x of series) {
    const stride = Math.max(1, Math.floor(x.length / 4096));
    for (let j = stride; j < x.length; j += stride) {
      const d = Math.abs(x[j] - x[j - 1]);
      if (d > 0 && d < d0) d0 = d;
    }
  }
  const delta = Number(d0.toPrecision(12));
  if (!(delta > 2 * bound) || !Number.isFinite(delta)) return 0;
  const tol = 1e-9 * delta;
  for (const x of series) {
    for (let j = 0; j < x.length; j++) {
      const k = Math.round(x[j] / delta);
      if (!(Math.abs(k) <= MAX_INT) || !(Math.abs(x[j] - k * delta) <= tol)) return 0;
    }
  }
  return delta;
}

/** The residual as integers of the data's grid step δ (GRID_PREDICTOR): k = round((x − p)/δ), x̂ = p + k·δ, each value checked. Null past `above` bytes. */
function gridPass(ctx: Context, windows: readonly Window[], states: readonly Float64Array[], delta: number, scratch: Scratch, above: number): Pass | null {
  const { n, m, series, bound } = ctx;
  const { p, q, rec } = scratch;
  const rhat = new Float64Array(m);
  const enc = new IntRowEncoder(m);
  const u: Unpredictable = { index: [], values: [] };
  const err = { max: 0, sumSq: 0 };
  const print: PrintCheck | null = ctx.outK !== null ? { k: ctx.outK, bound: ctx.outBound, failed: false } : null;
  let predCrc = 0;
  let reconCrc = 0;
  for (let i = 0; i < n; i++) {
    predictRow(ctx.setup.basis, n, states, windows, i, p);
    predCrc = crc32(f64Bytes(p), predCrc);
    const x = series[i];
    for (let j = 0; j < m; j++) {
      let k = Math.round((x[j] - p[j]) / delta);
      if (!(Math.abs(k) <= MAX_INT) || k === 0) k = 0; // no −0 in the stream
      q[j] = k;
      rhat[j] = k * delta;
    }
    checkRow(x, p, rhat, bound, i, rec, u, err, print);
    enc.push(q);
    reconCrc = crc32(f64Bytes(rec), reconCrc);
    if (8 + enc.written > above) return null;
  }
  return { RESI: residualSection(bound, enc.finish(), GRID_PREDICTOR, delta), UNPR: writeUnpredictable(u), predCrc, reconCrc, maxError: err.max, sumSq: err.sumSq, printFailed: print?.failed ?? false };
}

/**
 * The no-model route's segment: one window without the model, the data themselves coded by `predictor`
 * (chosen on a sample by `directRoute`) or, without one, by the smallest of the residual predictors; data
 * on a grid coarser than the bins also by their own integers. Gives up (size Infinity) once it cannot come
 * in under `above` bytes.
 */
function encodeDirect(ctx: Context, mode: CompressionMode, above: number, predictor: number | undefined): CodedSegment {
  const { m } = ctx;
  const windows: Window[] = [{ start: 0, end: m, model: false }];
  const WIND = writeWindows(windows, 0, [], ctx.r);
  const scratch: Scratch = { p: new Float64Array(m), q: new Float64Array(m), rec: new Float64Array(m) };
  const states: Float64Array[] = [];
  const size = (x: Pass | null): number => (x ? x.RESI.length + x.UNPR.length : Infinity);
  const lossy = ctx.bound > 0;
  // data on a grid coarser than the bins (an ADC step): their own integers, usually the smallest by far
  const grid = lossy && (predictor === undefined || predictor === GRID_PREDICTOR) ? dataGrid(ctx.series, ctx.bound) : 0;
  const onGrid = grid > 0 ? gridPass(ctx, windows, states, grid, scratch, above - WIND.length) : null;
  let pass: Pass | null = null;
  if (!lossy || predictor === undefined || predictor === 0 || (predictor === GRID_PREDICTOR && !onGrid)) {
    pass = residualPass(ctx, windows, states, null, mode, scratch, { fixed: WIND.length, scale: 1, above: Math.min(above, WIND.length + size(onGrid)) });
  }
  if (onGrid && size(onGrid) <= size(pass)) pass = onGrid;
  const room = () => Math.min(size(pass), above - WIND.length);
  const ids = !lossy ? [] : predictor === undefined ? interpolationCandidates(ctx, windows, states, scratch, room()) : isInterpolation(choiceId(predictor)) || isThreeD(choiceId(predictor)) ? [predictor] : [];
  for (const id of ids) {
    const alt = interpolatedPass(ctx, windows, states, id, scratch, room());
    if (alt && size(alt) < size(pass)) pass = alt;
  }
  if (!pass) return { m, WIND, RESI: new Uint8Array(0), UNPR: new Uint8Array(0), predCrc: 0, reconCrc: 0, maxError: Infinity, sumSq: Infinity, windows: 1, modelWindows: 0, printStep: true, size: Infinity };
  return {
    m,
    WIND,
    RESI: pass.RESI,
    UNPR: pass.UNPR,
    predCrc: pass.predCrc,
    reconCrc: pass.reconCrc,
    maxError: pass.maxError,
    sumSq: pass.sumSq,
    windows: 1,
    modelWindows: 0,
    printStep: ctx.outK === null || !pass.printFailed,
    size: WIND.length + pass.RESI.length + pass.UNPR.length,
  };
}

/** A segment given up on (size Infinity): the caller's route is past its limit. */
function givenUp(m: number, c: Candidate): CodedSegment {
  return { m, WIND: c.WIND, RESI: new Uint8Array(0), UNPR: new Uint8Array(0), predCrc: 0, reconCrc: 0, maxError: Infinity, sumSq: Infinity, windows: c.windows.length, modelWindows: c.corrections.length, printStep: true, size: Infinity };
}

/**
 * Code the samples of `series` (n rows of equal length) at `time`: candidate window schedules are compared
 * and the smallest wins. Sets plan.substeps on the first call. Memory: O(r·len) plus a few rows.
 */
export function encodeSegment(plan: EncodePlan, series: readonly Float64Array[], time: Float64Array, progress: ProgressSink = noProgress, above = Infinity, trial: TrialSizes | null = null): CodedSegment {
  const { mode, n, bound, outK, basis, model } = plan;
  const m = time.length;
  const r = model.r;
  const prec = bound;
  const trueStates = basis ? projectOnModes(series, basis.mean, basis.modes, r, m) : series.slice(0, r);
  const base = {
    n,
    m,
    r,
    series,
    trueStates,
    bound,
    outK,
    outBound: plan.userBound,
    errorBounds: basis && mode !== 'model-only' ? errorBounds(series, basis, trueStates, r, m, Math.max(-plan.min, plan.max)) : null,
    strides: plan.gridStrides ?? [],
  };
  const partialSetup = { model, basis, n, time, anchorStep: 0 };
  if (plan.direct) return encodeDirect({ ...base, setup: { ...partialSetup, substeps: 1 } }, mode, above, plan.directPredictor);
  plan.substeps ??= chooseSubsteps(base, partialSetup, prec > 0 ? prec / 64 : 1e-12 * Math.max(plan.range, 1e-300));
  const substeps = plan.substeps;
  progress({ phase: 'code', fraction: 0.05 });

  const ctxFor = (bits: number): Context => ({ ...base, setup: { ...partialSetup, substeps, anchorStep: prec > 0 ? prec * 2 ** -bits : 0 } });
  const scratch: Scratch = { p: new Float64Array(m), q: new Float64Array(m), rec: new Float64Array(m) };
  const rows = mode === 'model-only' ? null : sampledRows(n);
  // candidates by index (the order of the original one-after-another evaluation: ties go to the lower index)
  const candidates: Candidate[] = [];
  let best = -1;
  const consider = (k: number, c: Candidate) => {
    candidates[k] = c;
    if (best < 0 || c.size < candidates[best].size || (c.size === candidates[best].size && k < best)) best = k;
  };
  // `above`: the caller needs this segment under that size (else it gives the whole route up); estimates
  // within the finalists' slack of it still get coded in full
  const ceiling = above * FINALIST_SLACK;
  /** Size above which a candidate can be neither chosen nor a finalist. */
  const hopeless = () => Math.min(ceiling, best < 0 ? Infinity : candidates[best].size * FINALIST_SLACK);
  const lengths = [16, 64, 256, 1024, 4096].filter((L, k) => k === 0 || L < m * 2);
  if (mode === 'model-only') {
    const minLen = Math.max(1, Math.min(8, Math.floor(m / 64)));
    consider(0, evaluate(ctxFor(8), greedyWindows(ctxFor(8), 1, minLen, false), mode, null, scratch));
  } else {
    const schedules: ((c: Context) => Schedule)[] = [
      ...[0.5, 2, 8].map((theta) => (c: Context) => greedyWindows(c, theta, 8, true)),
      ...lengths.map((L) => () => fixedWindows(m, L)),
    ];
    let bestSchedule = schedules[0];
    let bestSize = Infinity;
    const trySchedule = (sch: (c: Context) => Schedule, k: number): boolean => {
      // also no worse than the best schedule so far: the anchor precisions below re-run the best schedule
      const c = evaluate(ctxFor(8), sch(ctxFor(8)), mode, rows, scratch, Math.min(ceiling, Math.max(hopeless(), bestSize)));
      consider(k, c);
      if (!(c.size < bestSize)) return false;
      bestSize = c.size;
      bestSchedule = sch;
      return true;
    };
    schedules.forEach((sch, k) => {
      trySchedule(sch, 1 + k);
      progress({ phase: 'code', fraction: 0.1 + (0.6 * (k + 1)) / schedules.length });
    });
    let k = 1 + schedules.length;
    // When the shortest fixed windows win, shorter ones are predictive coding of the reduced state: with
    // many variables, r anchor corrections every few steps cost far less than n residuals (400-sensor
    // Lorenz at 1e-4: ratio 474 → 2335 with 4-step windows). Halve while it pays; skipped otherwise.
    const shortestFixed = schedules[3]; // after the three greedy schedules: fixed windows of 16 steps
    if (bestSchedule === shortestFixed) {
      for (const L of [8, 4, 2]) if (!trySchedule(() => fixedWindows(m, L), k++)) break;
    }
    for (const bits of ANCHOR_BITS) if (bits !== 8) consider(k++, evaluate(ctxFor(bits), bestSchedule(ctxFor(bits)), mode, rows, scratch, hopeless()));
    // pure residual last (candidate 0): usually far behind and given up on after a few rows
    consider(0, evaluate(ctxFor(8), { windows: [{ start: 0, end: m, model: false }], prediction: null }, mode, rows, scratch, trial ? Infinity : hopeless()));
  }
  progress({ phase: 'code', fraction: 0.75 });
  let chosen = candidates[best];
  // every candidate's estimate is past what the caller can use: given up, nothing coded in full
  if (!(chosen.size < ceiling)) return givenUp(m, chosen);
  if (trial) {
    // a trial (trialSaysDirect) only asks whether the model pays here: the smallest candidate with a model
    // window against the pure residual (candidate 0), both as the search estimated them, nothing coded
    trial.plain = candidates[0]?.size ?? Infinity;
    trial.model = Math.min(...candidates.filter((c) => c && c.corrections.length > 0).map((c) => c.size));
    return { m, WIND: chosen.WIND, RESI: new Uint8Array(0), UNPR: new Uint8Array(0), predCrc: 0, reconCrc: 0, maxError: Infinity, sumSq: Infinity, windows: chosen.windows.length, modelWindows: chosen.corrections.length, printStep: true, size: Infinity };
  }
  if (!chosen.pass) {
    // estimated sizes: code the few best in full and keep the smallest (ties: the earlier schedule)
    const order = candidates.map((_c, k) => k).sort((x, y) => candidates[x].size - candidates[y].size || x - y);
    const finalists = order.filter((k) => candidates[k].size <= chosen.size * FINALIST_SLACK).slice(0, MAX_FINALISTS).sort((x, y) => x - y);
    let bestExact = Infinity;
    for (const k of finalists) {
      const c = candidates[k];
      c.pass = residualPass(c.ctx, c.windows, c.states, null, mode, scratch);
      c.size = c.WIND.length + c.pass.RESI.length + c.pass.UNPR.length;
      if (c.size < bestExact) {
        bestExact = c.size;
        chosen = c;
      }
    }
  }
  let pass = chosen.pass ?? residualPass(chosen.ctx, chosen.windows, chosen.states, null, mode, scratch);
  if (mode === 'error-bounded') pass = bestResidual(chosen.ctx, chosen.windows, chosen.states, scratch, pass);
  progress({ phase: 'code', fraction: 0.9 });
  return {
    m,
    WIND: chosen.WIND,
    RESI: pass.RESI,
    UNPR: pass.UNPR,
    predCrc: pass.predCrc,
    reconCrc: pass.reconCrc,
    maxError: pass.maxError,
    sumSq: pass.sumSq,
    windows: chosen.windows.length,
    modelWindows: chosen.corrections.length,
    printStep: outK === null || !pass.printFailed,
    size: chosen.WIND.length + pass.RESI.length + pass.UNPR.length,
  };
}

/** What the header records besides the plan and the coded segments. */
export interface FileInfo {
  names: readonly string[];
  time: Float64Array;
  format: Dataset['source'];
  system: IdentifiedSystem;
  tolerance: number;
  absError?: number;
  source: { fileName: string; bytes: number; crc32: number };
  settings: Record<string, unknown>;
  /** Keep the model even when no window uses it. */
  forceModel?: boolean;
  /** The outcome when the fit itself decided it (e.g. gave up early); else the rules of codec/outcome.ts decide. */
  outcome?: ModelOutcome;
}

/**
 * The file, format v3 (FORMAT.md §8). One segment covering all steps: WIND, RESI, UNPR sections (UNPR
 * only with exceptions). Several (the streaming coder, `segmentLength` steps each but the last): one SEGM
 * section per segment. The model (MODL) only when a window uses it or it is forced.
 */
export function assembleWsindy(plan: EncodePlan, info: FileInfo, segments: readonly CodedSegment[], segmentLength: number): EncodeResult {
  const { mode, n, range, userBound, outK } = plan;
  const m = info.time.length;
  const system = info.system;
  const printStep = outK !== null && segments.every((s) => s.printStep);
  if (outK !== null && !printStep) throw new OptionError('internal: segments coded with and without the output step');
  let maxError = 0;
  let sumSq = 0;
  let windows = 0;
  let modelWindows = 0;
  for (const s of segments) {
    maxError = Math.max(maxError, s.maxError);
    sumSq += s.sumSq;
    windows += s.windows;
    modelWindows += s.modelWindows;
  }
  const rmsError = Math.sqrt(sumSq / (n * m));
  const maxRelativeError = range > 0 ? maxError / range : maxError === 0 ? 0 : Infinity;
  const segmented = segments.length > 1;

  const { grid, section: timeSection } = planGridV3(info.time);
  const pod = system.pod;
  // the extras go to their own section (SRCX), not into the header JSON
  const { extras, ...plainFormat } = info.format;
  const header: HeaderJson = {
    mode,
    bound: mode === 'error-bounded' ? userBound : null,
    ...(printStep && outK !== null ? { outputStep: pow10(outK) } : {}),
    ...(segmented ? { segmentLength } : {}),
    tolerance: info.tolerance,
    absError: info.absError ?? null,
    range,
    n,
    m,
    names: info.names.slice(),
    stateNames: system.model.stateNames,
    pod: pod ? { rank: pod.rank, energy: pod.energy, singularValues: Array.from(pod.singularValues) } : null,
    library: system.model.library,
    termNames: system.model.termNames,
    source: { ...info.source, format: plainFormat },
    time: grid.summary,
    errors: { max: maxError, maxRelative: maxRelativeError, rms: rmsError },
    windows,
    modelWindows,
    // An automatic degree is recorded as one flag (the degree itself is the library's; the per-degree
    // residuals stay out: bytes count in small files). No flag: a fixed degree, as in all older files.
    diagnostics: withDegreeFlag(system.diagnostics),
    settings: info.settings,
  };
  const forced = info.forceModel === true;
  const r = system.model.stateNames.length;
  const outcome = info.outcome ?? decideOutcome({ equations: r, activeTerms: system.diagnostics.activeTerms, windows, modelWindows, forced });
  // the model only where it is used: a file whose windows all predict 0 needs no coefficients
  const modelStored = modelWindows > 0 || forced;
  // v4: each RESI's bound is the header's rule (b, or b − δ with an output step) unless one is not
  const ruleBound = header.bound === null ? null : header.outputStep !== undefined ? header.bound - outputSlack(header.bound) : header.bound;
  const residualBounds = mode === 'error-bounded' && segments.some((s) => !Object.is(residualBoundOf(s.RESI), ruleBound));
  // the reconstruction CRC only where the platform's floating point can differ: sin/cos in a stored model
  // (everything else is IEEE-exact + − × ÷, and the file CRC covers the bytes)
  const platformDependent = modelStored && plan.model.terms.some((t, k) => t.kind !== 'poly' && plan.model.coefficients.subarray(k * r, (k + 1) * r).some((c) => c !== 0));
  const exceptions = !segmented && mode !== 'model-only' && !isEmptyUnpredictable(segments[0].UNPR);
  const head = writeHeaderV3(header, {
    outcome,
    forced,
    modelStored,
    terms: system.model.terms,
    grid,
    reconCrc: segmented || !platformDependent ? null : segments[0].reconCrc,
    extras: hasSourceExtras(extras),
    exceptions,
    residualBounds,
  });
  const sections: { tag: SectionTag; payload: Uint8Array }[] = [];
  if (modelStored) sections.push({ tag: 'MODL', payload: writeModelV3(plan.model, plan.substeps ?? 1, 4) });
  if (timeSection) sections.push({ tag: 'TIME', payload: timeSection });
  if (hasSourceExtras(extras)) sections.push({ tag: 'SRCX', payload: writeSourceExtras(extras) });
  if (plan.basisBytes) sections.push({ tag: 'BASI', payload: plan.basisBytes });
  const prec = plan.bound;
  const resiV4 = (resi: Uint8Array): Uint8Array => (residualBounds ? resi : resi.subarray(8));
  if (segmented) {
    for (const s of segments) sections.push({ tag: 'SEGM', payload: writeSegmentV4(s, mode, prec, resiV4) });
  } else {
    const s = segments[0];
    sections.push({ tag: 'WIND', payload: windowsToV4(s.WIND, prec) });
    if (mode !== 'model-only') {
      sections.push({ tag: 'RESI', payload: resiV4(s.RESI) });
      if (exceptions) sections.push({ tag: 'UNPR', payload: s.UNPR });
    }
  }
  const bytes = writeContainerV4(head, sections);
  return { bytes, maxError, maxRelativeError, rmsError, bound: mode === 'error-bounded' ? userBound : null, outcome, windows, modelWindows };
}

/** An UNPR payload with no exceptions (varuint 0): v3/v4 leave the section out. */
function isEmptyUnpredictable(u: Uint8Array): boolean {
  return u.length === 1 && u[0] === 0;
}

/** The f64 bound b′ a (v1-layout) RESI payload starts with. */
function residualBoundOf(resi: Uint8Array): number {
  return new DataView(resi.buffer, resi.byteOffset, 8).getFloat64(0, true);
}

/** A v4 SEGM payload: varuint steps, WIND (v3 layout) and RESI, UNPR (as v4) each after its varuint length, u32 reconstruction CRC. */
function writeSegmentV4(s: CodedSegment, mode: CompressionMode, prec: number, resiV4: (r: Uint8Array) => Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.varuint(s.m);
  const parts = mode === 'model-only' ? [windowsToV3(s.WIND, prec)] : [windowsToV3(s.WIND, prec), resiV4(s.RESI), isEmptyUnpredictable(s.UNPR) ? new Uint8Array(0) : s.UNPR];
  for (const part of parts) w.blob(part);
  w.u32(s.reconCrc);
  return w.finish();
}

/** Max |a_k| of each coordinate of the data in the POD basis (the basis precision depends on it). */
export function coordinateExtremes(series: readonly Float64Array[], mean: Float64Array, modes: Float64Array, r: number, into = new Float64Array(r)): Float64Array {
  const proj = projectOnModes(series, mean, modes, r, series[0]?.length ?? 0);
  proj.forEach((a, k) => {
    for (const v of a) if (!(Math.abs(v) <= into[k])) into[k] = Math.abs(v);
  });
  return into;
}

export function encodeWsindy(input: EncodeInput, progress: ProgressSink = noProgress): EncodeResult {
  const { dataset, system, mode } = input;
  const series = dataset.series;
  const n = series.length;
  const m = dataset.time.length;
  const file = input.source.fileName;
  if (n < 1 || m < 1) throw new InputError({ file }, 'no data to compress');
  for (let i = 0; i < n; i++) {
    if (series[i].length !== m) throw new InputError({ file }, `variable ${dataset.names[i]} has ${series[i].length} samples, expected ${m}`);
  }
  // one pass: the extremes, and the first non-finite value (checked before the options, as before)
  const { min, max, bad } = dataRange(series);
  if (bad >= 0) throw new InputError({ file }, `non-finite value in ${dataset.names[Math.floor(bad / m)]} at sample ${(bad % m) + 1}`);
  const pod = system.pod;
  const r = system.model.stateNames.length;
  const podFits = pod !== null && pod.modes.length === n * r && pod.mean.length === n;
  // a flattened 2-D field's row strides, for the 3-D residual predictors (none on other data: nothing changes)
  const strides = mode === 'error-bounded' ? gridStrides(series) : [];
  const planBase: PlanInput = { mode, tolerance: input.tolerance, absError: input.absError, n, min, max, system, amax: null, gridStrides: strides };
  // Long records are coded in segments, as the streaming coder does: the candidates' per-step state
  // (windows, anchors, predicted states) then stays O(segment) instead of O(m).
  const segmentLength = m > SEGMENT_ABOVE_STEPS ? SEGMENT_STEPS : m;
  /** The segments coded with `plan`; null once they pass `above` bytes in all (given up on). */
  function codeAll(plan: EncodePlan): CodedSegment[];
  function codeAll(plan: EncodePlan, above: number, quiet: boolean): CodedSegment[] | null;
  function codeAll(plan: EncodePlan, above = Infinity, quiet = false): CodedSegment[] | null {
    const out: CodedSegment[] = [];
    let used = 0;
    for (let j0 = 0; j0 < m; j0 += segmentLength) {
      const j1 = Math.min(m, j0 + segmentLength);
      const part = segmentLength === m ? series : series.map((s) => s.subarray(j0, j1));
      const sink: ProgressSink = quiet ? noProgress : (e) => progress({ ...e, fraction: (j0 + e.fraction * (j1 - j0)) / m });
      const seg = encodeSegment(plan, part, dataset.time.subarray(j0, j1), sink, above - used);
      used += seg.size;
      if (!(used < above)) return null;
      out.push(seg);
    }
    return out;
  }
  const info: FileInfo = {
    names: dataset.names,
    time: dataset.time,
    format: dataset.source,
    system,
    tolerance: input.tolerance,
    absError: input.absError,
    source: input.source,
    settings: input.settings,
    forceModel: input.forceModel,
    ...(input.outcome ? { outcome: input.outcome } : {}),
  };
  // a model without terms (the fit gave up: sindy/identify.ts `budget`) has nothing for a trial to weigh
  const termless = system.model.terms.length === 0;
  // the no-model route drops a POD model: not when the model is forced (on the variables themselves it keeps it)
  const directAllowed = mode === 'error-bounded' && !(input.forceModel === true && pod);
  if (directAllowed && (podFits || !pod) && (termless || trialSaysDirect(planBase, series, dataset.time))) {
    // the budget: trial segments showed the model cannot pay, so the windows' search is not run at all
    const direct = directRoute(planBase, info, dataset.names, series, dataset.time, segmentLength, Infinity);
    if (direct) {
      progress({ phase: 'code', fraction: 1 });
      return direct;
    }
  }
  // a_k(t_j) = Σ_i U_ik (x_ij − mean_i) with the unrounded basis: the stored basis's precision follows from it
  const amax = pod && podFits ? coordinateExtremes(series, pod.mean, pod.modes, r) : pod ? new Float64Array(0) : null;
  const planInput: PlanInput = { ...planBase, amax };
  /**
   * Short records whose no-model file came in under the model route's floor with the rule's basis: the
   * coarser basis steps that may still beat it (their basis under the best file so far), coded in full in
   * turn as below. A coarser basis that is coded and not smaller than the previous coded one ends the
   * turn (the rule below); one skipped or given up on (not under the best file) does not, so every step
   * the search below would reach is still tried. (2-D field 32 × 32 × 200: code 2.0 → 0.5 s, same file.)
   */
  function coarserBases(rule: EncodePlan, best: EncodeResult): EncodeResult {
    const floor = (p: EncodePlan): number => p.basisBytes?.length ?? 0;
    let last = rule;
    let lastCoded: number | null = null;
    for (const f of BASIS_SCALES) {
      const alt = planEncoding({ ...planInput, outputStep: last.outK !== null, basisScale: f });
      if (!alt.basisBytes || alt.basisBytes.length >= (last.basisBytes?.length ?? 0)) break;
      last = alt;
      if (floor(alt) >= best.bytes.length) {
        lastCoded = null;
        continue;
      }
      const segs = codeAll(alt, best.bytes.length - floor(alt), true);
      const file = segs && segs.every((sg) => sg.printStep) ? assembleWsindy(alt, info, segs, segmentLength) : null;
      if (!file) {
        lastCoded = null;
        continue;
      }
      if (lastCoded !== null && file.bytes.length >= lastCoded) break;
      lastCoded = file.bytes.length;
      if (file.bytes.length < best.bytes.length) best = file;
    }
    return best;
  }
  // long records: the basis steps chosen on trial stretches (null: short, chosen below on the whole record)
  const basisScale = mode === 'error-bounded' && pod && podFits && m >= TRIAL_ABOVE_STEPS ? trialBasisScale(planInput, series, dataset.time) : null;
  let plan = planEncoding({ ...planInput, basisScale: basisScale ?? 1 });
  // The model route's floor: its file holds the basis whatever its windows (the model only when a window
  // uses it). The no-model route is coded first, given up on at that floor (cheap when the basis is small,
  // as where models pay): when it comes in under it, no window search with this basis can win.
  const underFloor = directAllowed && pod && podFits && plan.basisBytes ? directRoute(planInput, info, dataset.names, series, dataset.time, segmentLength, plan.basisBytes.length, true) : null;
  if (underFloor) {
    progress({ phase: 'code', fraction: 1 });
    return basisScale === null ? coarserBases(plan, underFloor) : underFloor;
  }
  let segments = codeAll(plan);
  if (segments.some((s) => !s.printStep)) {
    // an exception that cannot be printed at the step (not expected: see csv/outputStep.ts): full digits instead
    plan = planEncoding({ ...planInput, outputStep: false, basisScale: basisScale ?? 1 });
    segments = codeAll(plan);
  }
  let result = assembleWsindy(plan, info, segments, segmentLength);
  if (mode === 'error-bounded' && basisScale === null && plan.basisBytes && plan.basisBytes.length > BASIS_SHARE * result.bytes.length) {
    // short records: coarser basis steps coded in full, in turn while the whole file gets smaller
    for (const f of BASIS_SCALES) {
      const alt = planEncoding({ ...planInput, outputStep: plan.outK !== null, basisScale: f });
      if (!alt.basisBytes || alt.basisBytes.length >= (plan.basisBytes?.length ?? 0)) break;
      const segs = codeAll(alt, result.bytes.length - alt.basisBytes.length, true);
      const file = segs && segs.every((s) => s.printStep) ? assembleWsindy(alt, info, segs, segmentLength) : null;
      if (!file || file.bytes.length >= result.bytes.length) break;
      result = file;
      plan = alt;
    }
  }
  const direct = directAllowed ? directRoute(planInput, info, dataset.names, series, dataset.time, segmentLength, result.bytes.length) : null;
  if (direct && direct.bytes.length < result.bytes.length) result = direct;
  progress({ phase: 'code', fraction: 1 });
  return result;
}

/** Basis steps tried after the rule's, in turn while each makes the file smaller, when BASI is above this share of it. */
const BASIS_SHARE = 0.25;
const BASIS_SCALES = [4, 16, 64] as const;

/** Records of at least this many steps get trial segments before the full search (shorter: the search is cheap). */
export const TRIAL_ABOVE_STEPS = 2048;
/** Trial segments: this many, spread over the record, of TRIAL_STEPS steps each (fewer with many variables). */
const TRIAL_COUNT = 2;
const TRIAL_STEPS = 512;

/**
 * Give up early on a model that does not pay: run the window search on TRIAL_COUNT short stretches of
 * the record and compare, as the search estimates them (the same block-transform residual coder on
 * both sides, nothing coded in full), its best schedule that uses the model with the pure residual
 * (no window uses the model), both scaled to the whole record, the model's side plus its fixed cost
 * (basis and coefficients). True when the model is not smaller: the caller then codes the no-model
 * route only. False otherwise, and the full search runs as without the trial (the no-model route still
 * competes by total size). A wrong true costs ratio only where the model loses on every stretch yet
 * would have won on the whole record.
 */
export function trialSaysDirect(planInput: PlanInput, series: readonly Float64Array[], time: Float64Array): boolean {
  const m = time.length;
  const n = series.length;
  if (m < TRIAL_ABOVE_STEPS || n > LIMITS.rank) return false;
  const { T, parts } = trialParts(series, time);
  // the basis precision from the trial stretches' coordinates only (the estimate needs no pass over all the data)
  const pod = planInput.system.pod;
  const r = planInput.system.model.stateNames.length;
  const amax = pod ? new Float64Array(r) : null;
  if (pod && amax) for (const p of parts) coordinateExtremes(p.series, pod.mean, pod.modes, r, amax);
  const modelPlan = planEncoding({ ...planInput, amax });
  let model = 0;
  let plain = 0;
  for (const p of parts) {
    const sizes: TrialSizes = { model: Infinity, plain: Infinity };
    encodeSegment(modelPlan, p.series, p.time, noProgress, Infinity, sizes);
    model += sizes.model;
    plain += sizes.plain;
  }
  const scale = m / (T * TRIAL_COUNT);
  const fixed = (modelPlan.basisBytes?.length ?? 0) + writeModelV3(modelPlan.model, modelPlan.substeps ?? 1).length;
  return Number.isFinite(plain) && !(model * scale + fixed < plain * scale);
}

/** The TRIAL_COUNT stretches of T steps (fewer with many variables) spread over the record. */
function trialParts(series: readonly Float64Array[], time: Float64Array): { T: number; parts: { series: Float64Array[]; time: Float64Array }[] } {
  const m = time.length;
  const T = Math.max(128, Math.min(TRIAL_STEPS, 2 ** Math.ceil(Math.log2(65536 / series.length))));
  const starts = Array.from({ length: TRIAL_COUNT }, (_, k) => Math.max(0, Math.min(m - T, Math.floor(((k + 0.5) * m) / TRIAL_COUNT - T / 2))));
  return { T, parts: starts.map((j0) => ({ series: series.map((s) => s.subarray(j0, j0 + T)), time: time.subarray(j0, j0 + T) })) };
}

/**
 * The basis steps' scale (1, then BASIS_SCALES in turn while the estimate falls) by the whole file's size as
 * the trial stretches estimate it: the basis bytes plus the best model schedule's, scaled to the record.
 * 1 when the basis is under BASIS_SHARE of that estimate. Only the chosen scale is then coded in full.
 */
function trialBasisScale(planInput: PlanInput, series: readonly Float64Array[], time: Float64Array): number {
  const { T, parts } = trialParts(series, time);
  const scale = time.length / (T * TRIAL_COUNT);
  const estimate = (f: number): { total: number; basis: number } => {
    const plan = planEncoding({ ...planInput, basisScale: f });
    let coded = 0;
    for (const p of parts) {
      const sizes: TrialSizes = { model: Infinity, plain: Infinity };
      encodeSegment(plan, p.series, p.time, noProgress, Infinity, sizes);
      coded += Math.min(sizes.model, sizes.plain);
    }
    const basis = plan.basisBytes?.length ?? 0;
    return { total: basis + coded * scale, basis };
  };
  const first = estimate(1);
  if (!(first.basis > BASIS_SHARE * first.total)) return 1;
  let best = 1;
  let bestTotal = first.total;
  for (const f of BASIS_SCALES) {
    const e = estimate(f);
    if (!(e.total < bestTotal)) break;
    best = f;
    bestTotal = e.total;
  }
  return best;
}

/** What a trial segment's search found (encodeSegment with `trial`): estimated bytes of its best model schedule and of the pure residual. */
interface TrialSizes {
  model: number;
  plain: number;
}

/** The diagnostics as the header stores them: `autoDegree: true` in place of the degree record. */
function withDegreeFlag(d: FitDiagnostics): FitDiagnostics & { autoDegree?: true } {
  const { degree, ...rest } = d;
  // First in the object: brotli codes the small headers of 2-3 variable files 5-18 bytes smaller so.
  return degree?.automatic ? { autoDegree: true, ...rest } : rest;
}

/**
 * The identified system as the no-model route stores it: a model in the variables themselves is kept
 * as it is (no window uses it, so the writer leaves its coefficients out, and the fit's summary stays);
 * a POD model cannot be (its states are not the variables): no terms, no basis, the variables as states.
 */
function withoutModel(system: IdentifiedSystem, names: readonly string[]): { system: IdentifiedSystem; outcome?: ModelOutcome } {
  if (!system.pod && system.model.stateNames.length === names.length) return { system };
  const model = { stateNames: names.slice(), library: system.model.library, terms: [], termNames: [], coefficients: new Float64Array(0) };
  const reduced = system.model.stateNames.length;
  return {
    system: { model, pod: null, diagnostics: { ...system.diagnostics, r2: [], activeTerms: 0 } },
    outcome: { kind: 'none', reason: `${OUTCOME_REASONS.noWindow}: smaller without the ${reduced}-mode model`, activeTerms: 0 },
  };
}

/**
 * The no-model route: the same file with neither model nor basis, every value coded by the residual
 * predictors (route chosen by total size). Null when it cannot be smaller than `above` bytes (given up
 * segment by segment), or cannot be written (more variables than a model may have states). `probe`: a
 * question, not the last word — null already when the sample's estimate, scaled to the record, is past
 * `above` (the model route's floor asks it before the search).
 */
function directRoute(planInput: PlanInput, info: FileInfo, names: readonly string[], series: readonly Float64Array[], time: Float64Array, segmentLength: number, above: number, probe = false): EncodeResult | null {
  const m = time.length;
  const n = series.length;
  if (n > LIMITS.rank) return null;
  const { system, outcome } = withoutModel(info.system, names);
  const code = (plan: EncodePlan, limit: number): EncodeResult | null => {
    const segments: CodedSegment[] = [];
    let used = 0;
    for (let j0 = 0; j0 < m; j0 += segmentLength) {
      const j1 = Math.min(m, j0 + segmentLength);
      const part = segmentLength === m ? series : series.map((s) => s.subarray(j0, j1));
      const seg = encodeSegment(plan, part, time.subarray(j0, j1), noProgress, limit - used);
      if (!(seg.size < limit - used) || !seg.printStep) return null;
      used += seg.size;
      segments.push(seg);
    }
    return assembleWsindy(plan, { ...info, system, ...(outcome ? { outcome } : {}) }, segments, segmentLength);
  };
  const rule: EncodePlan = { ...planEncoding({ ...planInput, system, amax: null }), direct: true };
  const wide: EncodePlan | null = rule.outK === null ? null : { ...planEncoding({ ...planInput, system, amax: null, slackFromStep: true }), direct: true };
  const segments = Math.ceil(m / segmentLength);
  // The rule's b′ = b − b/16 costs up to log2(16/15) = 0.09 bit a value against b − 10^k/2; a bound of
  // its own costs 8 bytes a segment. Noise-like data (over 2 bits a value) gain about log2 of the bins'
  // ratio a value; smooth data (mostly zeros) gain nothing reliable: tried only on the former, kept if smaller.
  const wideWorthTrying = (bitsPerValue: number): boolean => wide !== null && bitsPerValue >= 2 && n * m * Math.log2(wide.bound / rule.bound) >= 64 * 8 * segments;
  const sample = directSample(series, time);
  if (!sample || !(rule.bound > 0)) {
    // short records: every predictor coded in full, segment by segment
    const first = code(rule, above);
    if (!first || !wide || !wideWorthTrying((first.bytes.length * 8) / (n * m))) return first;
    const second = code(wide, first.bytes.length);
    return second && second.bytes.length < first.bytes.length ? second : first;
  }
  // Estimate on a sample, then code the few best in full: each predictor's exact size on a stretch of
  // the record (all rows), the bound widened when that pays there, and only the predictors within
  // DIRECT_FINALIST_SLACK of the best coded on the whole record (measured: the 400 × 8000 random walk's
  // code phase 1.35 → 0.6 s, 8 × 5000 0.105 → 0.04 s; every predictor was coded in full, or on a 4× larger stretch).
  const sampleSize = (plan: EncodePlan, id: number, limit: number): number =>
    encodeSegment({ ...plan, directPredictor: id }, sample.series, sample.time, noProgress, limit).size;
  const sizes = new Map<number, number>();
  let best = 0;
  // data on a grid coarser than the bins compete with their own integers (GRID_PREDICTOR) too
  const onGrid = dataGrid(sample.series, rule.bound) > 0 ? [GRID_PREDICTOR] : [];
  // a probe's sample gives up where its estimate for the record passes `above` (a fifth to spare)
  const sampleAbove = probe ? (1.2 * above * sample.time.length) / m : Infinity;
  for (const id of [0, ...onGrid, ...interpolationIds(n, Math.min(m, segmentLength), rule.gridStrides ?? [])]) {
    const limit = Math.min(sampleAbove, sizes.size === 0 ? Infinity : (sizes.get(best) ?? Infinity) * DIRECT_FINALIST_SLACK);
    const size = sampleSize(rule, id, limit);
    sizes.set(id, size);
    if (size < (sizes.get(best) ?? Infinity)) best = id;
  }
  const bestSize = sizes.get(best) ?? Infinity;
  if (!(bestSize < sampleAbove)) return null;
  const W = sample.time.length;
  let plan = rule;
  if (wide && wideWorthTrying((bestSize * 8) / (n * W))) {
    // the sample is one segment (one bound of its own); the record pays it once a segment
    const wideSize = sampleSize(wide, best, bestSize);
    if ((wideSize - 8) * (m / W) + 8 * segments < bestSize * (m / W)) plan = wide;
  }
  const finalists = [...sizes].filter(([, size]) => size <= bestSize * DIRECT_FINALIST_SLACK).sort((x, y) => x[1] - y[1]).slice(0, MAX_FINALISTS);
  let result: EncodeResult | null = null;
  for (const [id] of finalists) {
    const file = code({ ...plan, directPredictor: id }, result ? result.bytes.length : above);
    if (file && (!result || file.bytes.length < result.bytes.length)) result = file;
  }
  return result;
}

/** The no-model route's sample: about this many values (fewer rows: a longer stretch). */
const DIRECT_SAMPLE_VALUES = 2 ** 17;
/** Predictors whose sample size is within this factor of the best are coded on the whole record. */
const DIRECT_FINALIST_SLACK = 1.03;

/**
 * The stretch of time in the middle of the record the no-model route chooses its predictor on: all rows
 * (the predictors along the variables see their neighbours), W steps, W a power of two (interpolation's
 * strides as on the whole record), at least 256 and at most a quarter of the record, about
 * DIRECT_SAMPLE_VALUES values. Null on shorter records (every predictor is coded in full).
 */
function directSample(series: readonly Float64Array[], time: Float64Array): { series: Float64Array[]; time: Float64Array } | null {
  const n = series.length;
  const m = time.length;
  let W = 256;
  while (2 * W * n <= DIRECT_SAMPLE_VALUES && 2 * W <= m / 4) W *= 2;
  if (W > m / 4) return null;
  const j0 = Math.floor((m - W) / 2);
  return { series: series.map((s) => s.subarray(j0, j0 + W)), time: time.subarray(j0, j0 + W) };
}
