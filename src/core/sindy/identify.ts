// sindy/ owns the fit: term library, test functions, weak form, sparse regression, equations, simulation.
// It may import numerics/ and the shared core types (model, options, errors, progress); never codec/ or csv/.
// Identification: from n series on a time grid to a sparse model ȧ = Θ(a)Ξ (with POD when it pays),
// by Weak-SINDy (test functions → G, b → column-scaled STLSQ with an automatic threshold).

import { NumericalError, OptionError } from '../errors';
import type { CompressOptions } from '../options';
import { chooseDegree, noiseSigmaOnGrid, equationNoiseFloorsAndProblem, MAX_AUTO_DEGREE, maxCandidateDegree, polynomialColumns, type DegreeChoice } from './degree';
import { buildLibrary, evaluateLibrary } from './library';
import type { IdentifiedSystem, LibrarySpec, LibraryTerm, ModelOutcome, PodBasis } from '../model';
import { computePod } from '../numerics/pod';
import { noProgress, type ProgressSink } from '../progress';
import { leastSquaresR2, reduceProblem, sparseRegression, type ReducedProblem } from './regression';
import { avoidGaps, chooseTestFunctions, type TestFunctionOptions, type TestFunctions } from './testFunctions';
import { WeakFormAccumulator, type WeakSystem } from './weakForm';
import { nyquistSigma, screenRows } from './rowScreen';
import { refineByFlow } from './refine';

export interface IdentifyOptions {
  /** Polynomial degree (1..6), or 'auto': chosen from the data by held-back residuals (sindy/degree.ts). */
  degree: number | 'auto';
  /** Add sin(a_i) and cos(a_i). */
  trig: boolean;
  /** STLSQ threshold (relative, see regression.ts), or 'auto' (MSTLS). */
  threshold: number | 'auto';
  /** POD rank, or 'auto' by captured energy. */
  rank: number | 'auto';
  /** Energy fraction for the automatic rank. */
  energy: number;
  testFunctions?: TestFunctionOptions;
  /**
   * Steps where some value is missing (1) and was only bridged: the weak form drops every test function
   * whose support touches one, so the fit sees measured values only.
   */
  gaps?: Uint8Array;
  /**
   * Give up early on states no model can predict (the budget of issue 14): when the whole library's
   * least-squares fit explains less than NO_HORIZON_R2 of every weak derivative, the sparse regression is
   * not run and the result is "no model". Off for a forced model and in model-only mode.
   */
  budget?: boolean;
}

/** The fit's part of the compression options. */
export function identifyOptionsOf(o: CompressOptions): IdentifyOptions {
  return { degree: o.degree, trig: o.trig, threshold: o.threshold, rank: o.rank, energy: o.energy, testFunctions: o.testFunctions, budget: o.mode === 'error-bounded' && o.forceModel !== true };
}

export interface IdentifyResult {
  system: IdentifiedSystem;
  /** The r series the model was fitted on (the variables themselves, or the POD coordinates). */
  states: Float64Array[];
  /** The fit's own verdict when it gave up early (`budget`): no model, and why. */
  outcome?: ModelOutcome;
  /** The POD the fit reduced the data with (null: on the variables), also when the budget then dropped it. */
  reduction?: PodBasis | null;
}

/**
 * The budget's rule: POD coordinates whose weak derivatives the least-squares fit on every library column
 * explains less than this fraction of (R², in every equation) have no predictive horizon: no support
 * explains more than all columns do. Measured (default options): random walks 400 × 8000 and 50 × 3000
 * at most 0.43 and 0.27; every generated field 0.97 … 1, noisy sensors 0.91 … 0.94, 400-sensor Lorenz 1.
 */
export const NO_HORIZON_R2 = 0.5;

/** The budget's reason when POD coordinates have too few test functions for a linear model (OUTCOME_REASONS.tooFewTestFunctions). */
export const TOO_FEW_TEST_FUNCTIONS = 'too few test functions';

/** Most variables for which the equations are fitted on the variables themselves (when full rank). */
export const MAX_DIRECT_VARIABLES = 10;
/** Largest library the regression is asked to handle (its cost grows like J³ per equation). */
export const MAX_LIBRARY_COLUMNS = 200;
/** Steps per chunk of the weak-form sums (the library is evaluated one chunk at a time). */
const WEAK_FORM_CHUNK = 16384;
/**
 * The degree 'auto' means where it is not chosen from the data: with trigonometric terms (the choice
 * needs the polynomial prefix structure), on POD coordinates (measured: the coder's results on fields
 * got worse, 400-sensor Lorenz at 1e-3 by 4 %), and in the streaming fit (one pass, one library).
 */
export const FALLBACK_DEGREE = 3;
/** 'auto' first tries degrees up to this one, and goes higher only when the fit there is still above noise. */
const FIRST_AUTO_DEGREE = 3;
/** The flow-map refinement runs when some equation's least-squares weak residual exceeds this multiple of its noise floor. */
export const REFINE_ABOVE_FLOOR = 3;
/** Fewest time steps a fit is attempted on. */
export const MIN_STEPS = 16;

export function identify(
  series: Float64Array[],
  time: Float64Array,
  names: string[],
  opts: IdentifyOptions,
  progress: ProgressSink = noProgress,
): IdentifyResult {
  const n = series.length;
  const m = time.length;
  checkInputs(series, time, names, opts);

  // Reduction: fit on the variables themselves when there are few and they are not rank-deficient.
  progress({ phase: 'pod', fraction: 0 });
  let pod: PodBasis | null = null;
  let states: Float64Array[];
  let stateNames: string[];
  const fixedRank = opts.rank === 'auto' ? null : opts.rank;
  if (n <= MAX_DIRECT_VARIABLES && fixedRank !== null && fixedRank >= n) {
    states = series;
    stateNames = names.slice();
  } else if (n <= MAX_DIRECT_VARIABLES && computePod(series, { rank: opts.rank, energy: opts.energy, basisOnly: true }).basis.rank === n) {
    // Few series: their rank alone decides (the coordinates are only computed when POD is used).
    states = series;
    stateNames = names.slice();
  } else {
    const res = computePod(series, { rank: opts.rank, energy: opts.energy });
    pod = res.basis;
    states = res.coordinates;
    stateNames = states.map((_, i) => `a${i + 1}`);
  }
  progress({ phase: 'pod', fraction: 1 });
  const r = states.length;

  const auto = opts.degree === 'auto' && !opts.trig && pod === null;
  let lib = chooseLibrary(stateNames, opts, progress);
  const J = lib.terms.length;

  // Conditioning: monomials of coordinates of size 10^3 span 10^9 and more. Fit on a_i / s_i (s_i =
  // max |a_i|) and map Ξ back exactly (monomials only scale). Trigonometric terms do not scale that
  // way, so with them the data is used as is.
  const scales = new Float64Array(r).fill(1);
  if (!opts.trig) {
    for (let i = 0; i < r; i++) {
      let mx = 0;
      for (let j = 0; j < m; j++) mx = Math.max(mx, Math.abs(states[i][j]));
      if (mx > 0) scales[i] = mx;
    }
  }
  // A plain loop: Float64Array.map with a closure cost 3 % of the whole fit (Lorenz 3 x 10 000).
  const scaled = states.map((s, i) => {
    const c = scales[i];
    if (c === 1) return s;
    const out = new Float64Array(s.length);
    for (let j = 0; j < s.length; j++) out[j] = s[j] / c;
    return out;
  });
  progress({ phase: 'identify', fraction: 0.2, message: 'test functions' });

  let tf = chooseTestFunctions(scaled, time, opts.testFunctions ?? {}, J);
  if (opts.gaps) {
    const all = tf.centres.length;
    tf = avoidGaps(tf, time, opts.gaps);
    // fewer rows than library columns cannot pin the coefficients down
    if (tf.centres.length < J) {
      throw new NumericalError(`too many gaps to fit: only ${tf.centres.length} of ${all} test functions avoid the missing values (need at least ${J}, one per library term); fewer gaps or a smaller --degree would do`);
    }
  }
  if (pod !== null && opts.degree === 'auto' && !opts.trig) {
    // POD coordinates get no degree search. The budget gives up when even a linear model's r + 1 columns
    // have fewer than 4 test functions each (the degree search's own rule, degree.ts maxCandidateDegree):
    // no model the data can support (measured: fields of 200–1000 steps with POD ranks 36–64, e.g. a
    // 64 × 64 × 200 field's compress 17.7 → 0.9 s, Kuramoto–Sivashinsky 1024 × 251 5.4 → 0.55 s; the
    // model route never won there). Higher degrees are lowered below two test functions a column (a fit
    // with barely more rows than unknowns fits its noise: the 2-D field 32 × 32 × 200's degree-2 library,
    // 136 columns on 178 test functions, took 2.2 s of sparse regression for a model no window used; its
    // degree-1 fit 0.05 s, the file the same): the heat field's degree-3 model (160 test functions, 56
    // columns) codes 10 % smaller than its degree-2 one.
    const K = tf.centres.length;
    let supported = lib.library.degree;
    while (supported > 1 && 2 * polynomialColumns(r, supported) > K) supported--;
    if (opts.budget === true && opts.threshold === 'auto' && 4 * polynomialColumns(r, 1) > K) {
      const reason = `${TOO_FEW_TEST_FUNCTIONS}: ${K} for a linear model in ${r} coordinates`;
      progress({ phase: 'identify', fraction: 1, message: `${reason}; no model fitted` });
      return { ...noModel(series, names, lib.library, tf, reason, true), reduction: pod };
    }
    if (supported < lib.library.degree) {
      progress({ phase: 'identify', fraction: 0.3, message: `degree lowered from ${lib.library.degree} to ${supported}: ${K} test functions for ${r} coordinates` });
      lib = chooseLibrary(stateNames, { degree: supported, trig: false });
    }
  }
  progress({ phase: 'identify', fraction: 0.35, message: 'weak form' });
  // Automatic degree: the candidates also stop where the columns would outnumber a quarter of the rows.
  // First up to degree FIRST_AUTO_DEGREE (most systems stop there); the whole range only when the top
  // of that range still leaves more than noise.
  let top = 0;
  if (auto) {
    top = maxCandidateDegree(r, tf.centres.length, MAX_LIBRARY_COLUMNS, chooseLibrary(stateNames, { degree: MAX_AUTO_DEGREE, trig: false }).library.degree);
    const first = Math.min(top, FIRST_AUTO_DEGREE);
    if (first !== lib.library.degree) lib = chooseLibrary(stateNames, { degree: first, trig: false });
  }
  let weak = weakSums(tf, lib.terms, time, scaled);
  // Rows whose supports hold bursts the samples do not resolve are left out (sindy/rowScreen.ts). The
  // Nyquist sums behind it mean something on a uniform grid only: uneven weights alone make them large.
  const uniformGrid = tf.quadrature === 'trapezoid';
  const screened = uniformGrid ? screenRows(weak, tf) : null;
  if (screened) {
    progress({ phase: 'identify', fraction: 0.5, message: `${screened.keep.length} of ${weak.K} test functions kept: the others hold bursts the samples do not resolve` });
    tf = screened.tf;
    weak = screened.weak;
    if (auto) {
      top = maxCandidateDegree(r, tf.centres.length, MAX_LIBRARY_COLUMNS, top);
      if (lib.library.degree > top) {
        weak = weakPrefix(weak, polynomialColumns(r, top));
        lib = chooseLibrary(stateNames, { degree: top, trig: false });
      }
    }
  }
  // Noise levels: on a uniform grid from the rows' Nyquist sums (free of the signal's own roughness), on an
  // uneven one from each sample against the cubic through its neighbours (third differences there
  // measure the unevenness: dysts at jittered stamps 75 → 79 / 82 clean, 74 → 75 with noise).
  const sigma = uniformGrid ? nyquistSigma(weak) : Float64Array.from(scaled, (s) => noiseSigmaOnGrid(s, time));
  let choice: DegreeChoice | undefined;
  if (auto) {
    progress({ phase: 'identify', fraction: 0.55, message: 'library degree' });
    choice = chooseDegree(weak, lib.terms, lib.library.degree, scaled, time, tf, sigma);
    if (choice.atTop && lib.library.degree < top) {
      lib = chooseLibrary(stateNames, { degree: top, trig: false });
      weak = weakSums(tf, lib.terms, time, scaled);
      choice = chooseDegree(weak, lib.terms, top, scaled, time, tf, sigma);
    }
    if (choice.degree < lib.library.degree) {
      weak = weakPrefix(weak, polynomialColumns(r, choice.degree));
      lib = chooseLibrary(stateNames, { degree: choice.degree, trig: false });
    }
  }
  progress({ phase: 'identify', fraction: 0.6, message: 'sparse regression' });
  // The add-back of small real terms needs a noise floor; on POD coordinates (truncation, not noise) it
  // is left out: it changed the 400-sensor Lorenz fit (25 → 28 terms) and its file by −4 % / +10 %.
  let floors: Float64Array | undefined;
  // The QR behind the floors, reused by the regression (the same factorisation: one K-row QR less).
  let reduced: ReducedProblem | undefined = choice?.reduced;
  if (pod === null && !opts.trig) {
    if (choice) floors = choice.equationFloors;
    else ({ floors, reduced } = equationNoiseFloorsAndProblem(weak, lib.terms, scaled, time, tf, sigma));
  }
  // Samples too coarse for the weak form's quadrature — rows over bursts were dropped, or even the
  // least-squares fit on every column leaves far more than noise: refine on the one-step flow
  // (sindy/refine.ts), which keeps its result only when it predicts the next sample clearly better.
  const refine = (xi: Float64Array, lsResidual: Float64Array): Float64Array | null => {
    if (!floors || opts.gaps || !(screened || lsResidual.some((v, e) => v > REFINE_ABOVE_FLOOR * floors[e]))) return null;
    const refined = refineByFlow(lib.terms, xi, scaled, time, sigma);
    if (refined) progress({ phase: 'identify', fraction: 0.8, message: `samples too coarse for the weak form: coefficients refined on the one-step flow (residual ${refined.before.toExponential(1)} → ${refined.after.toExponential(1)}, ${refined.added} term(s) added)` });
    return refined?.xi ?? null;
  };
  if (opts.budget === true && opts.threshold === 'auto') {
    // the one QR every support's solution starts from (the degree choice's or the floors' when they took
    // it; handed on to the regression when it runs)
    reduced ??= reduceProblem(weak);
    const r2 = leastSquaresR2(reduced, weak);
    const best = r2.reduce((a, b) => Math.max(a, b), -Infinity);
    if (best < NO_HORIZON_R2) {
      progress({ phase: 'identify', fraction: 1, message: `no predictive horizon: the least-squares fit on all ${lib.terms.length} terms explains at most ${(100 * Math.max(0, best)).toFixed(0)} % of the ${r} states' derivatives; no model fitted` });
      // the reason begins with OUTCOME_REASONS.noHorizon of codec/outcome.ts (sindy/ does not import codec/)
      // short: the header stores it (the random walk 400 × 8000's file got 39 bytes longer with a sentence)
      return { ...noModel(series, names, lib.library, tf, `no predictive horizon: least-squares R² ${Math.max(0, best).toFixed(2)}`, pod !== null), reduction: pod };
    }
  }
  const system = fitWeakSystem(weak, { stateNames, ...lib }, scales, tf, pod, opts.threshold, choice, floors, refine, reduced);
  progress({ phase: 'identify', fraction: 1 });
  return { system, states, reduction: pod };
}

/**
 * What the fit gives up with: no model, the variables as the states (what the coder's no-model route
 * stores), and the reason.
 */
function noModel(series: Float64Array[], names: string[], library: LibrarySpec, tf: TestFunctions, reason: string, reduced: boolean): IdentifyResult {
  const system: IdentifiedSystem = {
    model: { stateNames: names.slice(), library, terms: [], termNames: [], coefficients: new Float64Array(0) },
    pod: null,
    diagnostics: { weakResidual: 1, r2: [], activeTerms: 0, threshold: 0, testFunctions: tf.spec, degree: { chosen: library.degree, automatic: false } },
  };
  // On the variables themselves the rules' own verdict (no terms) stands: a file records a reason only
  // when it is not the rules' (the random walk 8 × 5000's file would be 33 bytes longer with it)
  return { system, states: series, ...(reduced ? { outcome: { kind: 'none', reason, activeTerms: 0 } } : {}) };
}

/** G and b on the whole record, chunk by chunk: the sums are additive over time, so the library columns are
 * evaluated on one chunk at a time (64×400000: J = 20 columns would hold 64 MB at once). */
function weakSums(tf: TestFunctions, terms: LibraryTerm[], time: Float64Array, states: Float64Array[]): WeakSystem {
  const m = time.length;
  const acc = new WeakFormAccumulator(tf, terms.length, states.length, (s, len) => evaluateLibrary(terms, s, len));
  for (let j0 = 0; j0 < m; j0 += WEAK_FORM_CHUNK) {
    const j1 = Math.min(m, j0 + WEAK_FORM_CHUNK);
    acc.add(time.subarray(j0, j1), states.map((s) => s.subarray(j0, j1)));
  }
  return acc.result();
}

/** The library for these states: the degree is lowered until it has at most MAX_LIBRARY_COLUMNS columns. */
export function chooseLibrary(
  stateNames: string[],
  opts: Pick<IdentifyOptions, 'degree' | 'trig'>,
  progress: ProgressSink = noProgress,
): { library: LibrarySpec; terms: LibraryTerm[]; termNames: string[] } {
  const r = stateNames.length;
  progress({ phase: 'identify', fraction: 0, message: 'library' });
  // With many POD coordinates a full degree-d library explodes (r = 20, d = 3: 1771 columns); lower
  // the degree until it fits, and say so. The returned library spec records the degree used.
  // 'auto' here is the fallback degree; identify() makes its own choice where it can.
  const asked = opts.degree === 'auto' ? FALLBACK_DEGREE : opts.degree;
  let degree = asked;
  while (degree > 1 && libraryColumns(r, degree, opts.trig) > MAX_LIBRARY_COLUMNS) degree--;
  if (degree < asked) {
    progress({ phase: 'identify', fraction: 0, message: `degree lowered from ${asked} to ${degree}: ${r} coordinates` });
  }
  const library: LibrarySpec = { degree, constant: true, trigFrequencies: opts.trig ? [1] : [] };
  const { terms, names: termNames } = buildLibrary(library, stateNames);
  return { library, terms, termNames };
}

/**
 * Sparse regression on the weak system of the scaled states ã_i = a_i / s_i, and the model mapped back to
 * the states themselves, with its diagnostics.
 */
export function fitWeakSystem(
  weak: WeakSystem,
  lib: { stateNames: string[]; library: LibrarySpec; terms: LibraryTerm[]; termNames: string[] },
  scales: Float64Array,
  tf: TestFunctions,
  pod: PodBasis | null,
  threshold: number | 'auto',
  degreeChoice?: DegreeChoice,
  noiseFloor?: Float64Array,
  refine?: (xi: Float64Array, lsResidual: Float64Array) => Float64Array | null,
  /** The regression's QR of `weak` when the caller already took it (sindy/degree.ts). */
  reduced?: ReducedProblem,
): IdentifiedSystem {
  const { terms } = lib;
  const J = terms.length;
  const r = lib.stateNames.length;
  const fit = sparseRegression(weak, { threshold, noiseFloor, reduced: reduced && reduced.keep.length === J ? reduced : undefined });
  if (refine && threshold === 'auto') {
    const better = refine(fit.xi, fit.lsResidual);
    if (better) fit.xi = better;
  }
  // Undo the scaling: ȧ_e = s_e · dã_e/dt and Θ_j(ã) = Θ_j(a) / Π s_i^{p_ij}.
  const termScale = terms.map((t) => monomialScale(t, scales));
  const coefficients = new Float64Array(J * r);
  for (let j = 0; j < J; j++) {
    for (let e = 0; e < r; e++) coefficients[j * r + e] = (fit.xi[j * r + e] * scales[e]) / termScale[j];
  }
  const { weakResidual, r2 } = weakDiagnostics(weak, fit.xi);
  let activeTerms = 0;
  for (const c of coefficients) if (c !== 0) activeTerms++;
  return {
    model: { ...lib, coefficients },
    pod,
    diagnostics: {
      weakResidual,
      r2,
      activeTerms,
      // One number for the record: the largest per-equation threshold chosen.
      threshold: fit.thresholds.reduce((a, b) => Math.max(a, b), 0),
      testFunctions: tf.spec,
      degree: degreeChoice
        ? { chosen: lib.library.degree, automatic: true, residuals: degreeChoice.residuals, noiseFloors: degreeChoice.noiseFloors }
        : { chosen: lib.library.degree, automatic: false },
    },
  };
}

/** The weak system restricted to its first J columns (a lower-degree library of the same canonical order). */
export function weakPrefix(sys: WeakSystem, J: number): WeakSystem {
  const G = new Float64Array(sys.K * J);
  for (let k = 0; k < sys.K; k++) G.set(sys.G.subarray(k * sys.J, k * sys.J + J), k * J);
  return { K: sys.K, J, r: sys.r, G, b: sys.b, nyquist: sys.nyquist, weightSq: sys.weightSq };
}

/** Columns of a library with constant, all monomials up to `degree` in r variables, and sin/cos. */
export function libraryColumns(r: number, degree: number, trig: boolean): number {
  // C(r + d, d) monomials of total degree ≤ d.
  let c = 1;
  for (let i = 1; i <= degree; i++) c = (c * (r + i)) / i;
  return Math.round(c) + (trig ? 2 * r : 0);
}

/** Π s_i^{p_i} for a monomial (1 for trigonometric terms, which are never scaled). */
export function monomialScale(term: LibraryTerm, scales: Float64Array): number {
  if (term.kind !== 'poly') return 1;
  let s = 1;
  term.powers.forEach((p, i) => (s *= scales[i] ** p));
  return s;
}

/**
 * Weak-form residual ‖GΞ − b‖/‖b‖ and per-equation R² = 1 − ‖GΞ_e − b_e‖²/‖b_e − mean b_e‖², computed on
 * the scaled system (each equation's R² is scale-free; the residual weighs equations by their scaled size).
 */
function weakDiagnostics(sys: WeakSystem, xi: Float64Array): { weakResidual: number; r2: number[] } {
  const { K, J, r, G, b } = sys;
  const ssr = new Float64Array(r);
  const sum = new Float64Array(r);
  const sumSq = new Float64Array(r);
  for (let k = 0; k < K; k++) {
    for (let e = 0; e < r; e++) {
      let pred = 0;
      for (let j = 0; j < J; j++) pred += G[k * J + j] * xi[j * r + e];
      const be = b[k * r + e];
      ssr[e] += (pred - be) ** 2;
      sum[e] += be;
      sumSq[e] += be * be;
    }
  }
  let totRes = 0;
  let totB = 0;
  const r2: number[] = [];
  for (let e = 0; e < r; e++) {
    totRes += ssr[e];
    totB += sumSq[e];
    const sst = sumSq[e] - (sum[e] * sum[e]) / K;
    r2.push(sst > 0 ? 1 - ssr[e] / sst : ssr[e] === 0 ? 1 : 0);
  }
  return { weakResidual: totB > 0 ? Math.sqrt(totRes / totB) : 0, r2 };
}

/** The option checks of `identify`, for callers that bring their data another way (the streaming fit). */
export function checkIdentifyOptions(opts: IdentifyOptions): void {
  if (opts.degree !== 'auto' && !(Number.isInteger(opts.degree) && opts.degree >= 1 && opts.degree <= 6)) throw new OptionError(`degree must be an integer from 1 to 6, got ${opts.degree}`);
  if (opts.rank !== 'auto' && !(Number.isInteger(opts.rank) && opts.rank >= 1)) throw new OptionError(`rank must be a positive integer or 'auto', got ${opts.rank}`);
  if (!(opts.energy > 0 && opts.energy <= 1)) throw new OptionError(`energy must be in (0, 1], got ${opts.energy}`);
  if (opts.threshold !== 'auto' && !(opts.threshold >= 0 && Number.isFinite(opts.threshold))) throw new OptionError(`threshold must be ≥ 0 or 'auto', got ${opts.threshold}`);
}

/** Enough steps to fit on, finite and strictly increasing. */
export function checkTimeGrid(time: Float64Array): void {
  const m = time.length;
  if (m < MIN_STEPS) throw new NumericalError(`too few time steps to fit: ${m} (need at least ${MIN_STEPS})`);
  for (let j = 0; j < m; j++) {
    if (!Number.isFinite(time[j])) throw new NumericalError(`time stamp ${j + 1} is not finite`);
    if (j > 0 && !(time[j] > time[j - 1])) throw new NumericalError(`time stamps must increase strictly (step ${j + 1})`);
  }
}

function checkInputs(series: Float64Array[], time: Float64Array, names: string[], opts: IdentifyOptions): void {
  const m = time.length;
  if (series.length === 0) throw new OptionError('identify: no variables');
  if (names.length !== series.length) throw new OptionError(`identify: ${names.length} names for ${series.length} variables`);
  checkIdentifyOptions(opts);
  checkTimeGrid(time);
  series.forEach((s, i) => {
    if (s.length !== m) throw new OptionError(`identify: variable ${names[i]} has ${s.length} samples, expected ${m}`);
    for (let j = 0; j < m; j++) if (!Number.isFinite(s[j])) throw new NumericalError(`variable ${names[i]} is not finite at step ${j + 1}`);
  });
}
