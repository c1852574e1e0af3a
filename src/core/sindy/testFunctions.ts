// Test functions φ_k(t) = (1 − v²)^p, v = (t − c_k)/H, for the weak form, and the data-driven choice
// of their support H, exponent p and number (Messenger & Bortz's spectral "corner point" rule).

import type { TestFunctionSpec } from '../model';
import { quadratureFor, quadratureSpread, type WeakQuadrature } from './quadrature';

/** User overrides; anything left undefined is chosen from the data. */
export interface TestFunctionOptions {
  count?: number;
  /** Half-width of each support, in (mean) time steps. */
  halfWidth?: number;
  /** Exponent p ≥ 1 of (1 − v²)^p. */
  exponent?: number;
}

/** A family of translates of one bump, centred at `centres` (time units). */
export interface TestFunctions {
  centres: Float64Array;
  /** H: half-width of each support in time units. */
  radius: number;
  exponent: number;
  /** 1 / ∫φ dt, so that G and b hold local averages of Θ and ȧ (keeps their magnitudes readable). */
  scale: number;
  /** The same, in the model's vocabulary (half-width in mean time steps). */
  spec: TestFunctionSpec;
  /** Corner wavenumber (cycles over the record) the support came from; NaN when overridden. */
  cornerWavenumber: number;
  /** How the integrals are taken on the record's grid (quadrature.ts): trapezoid when uniform, else cubic. */
  quadrature: WeakQuadrature;
  /** Gauss–Legendre points per step for the quintic quadrature (0 with the trapezoid rule). */
  gaussPoints: number;
}

/** Corner-rule tolerances from Messenger & Bortz: φ is ≤ τ one step inside its support, and the
 * corner wavenumber sits τ̂ standard deviations out in φ's (Gaussian-like) spectrum. */
export const CORNER_TAU = 1e-10;
export const CORNER_TAU_HAT = 2;
/** Centres are spaced H / CENTRE_DENSITY apart, so each sample lies in about 2·CENTRE_DENSITY supports. */
const CENTRE_DENSITY = 4;
const MAX_COUNT = 2000;

/**
 * Choose the test functions from the data (or the overrides). `minCount` ≥ the number of library columns.
 * `centresOver`: the whole record's time grid when `states`/`time` are only its first part (the streaming
 * fit picks the support from a prefix, then spreads the centres over all of it).
 */
export function chooseTestFunctions(
  states: Float64Array[],
  time: Float64Array,
  opts: TestFunctionOptions = {},
  minCount = 1,
  centresOver: Float64Array = time,
): TestFunctions {
  const m = time.length;
  if (m < 5) throw new RangeError(`need at least 5 time steps for test functions, got ${m}`);
  const span = time[m - 1] - time[0];
  const dt = span / (m - 1);
  // Keep at least half the samples available as centres, so there are enough distinct rows.
  const maxHalf = Math.max(2, Math.floor((m - 1) / 4));
  let corner = Number.NaN;
  let halfSteps: number;
  if (opts.halfWidth !== undefined) {
    if (!(opts.halfWidth >= 1)) throw new RangeError(`test-function half-width must be ≥ 1 time step, got ${opts.halfWidth}`);
    halfSteps = Math.min(opts.halfWidth, (m - 1) / 2 - 0.5);
  } else {
    corner = cornerWavenumber(states, time);
    halfSteps = Math.min(maxHalf, supportFromCorner(corner, m));
  }
  let exponent: number;
  if (opts.exponent !== undefined) {
    if (!(opts.exponent >= 1)) throw new RangeError(`test-function exponent must be ≥ 1, got ${opts.exponent}`);
    exponent = opts.exponent;
  } else {
    exponent = exponentForSupport(halfSteps);
  }
  const radius = halfSteps * dt;
  const whole = centresOver;
  if (whole !== time) {
    const wholeSpan = whole[whole.length - 1] - whole[0];
    return makeTestFunctions(whole, testFunctionCount(opts, wholeSpan, radius, wholeSpan / (whole.length - 1), minCount), radius, exponent, corner);
  }
  return makeTestFunctions(time, testFunctionCount(opts, span, radius, dt, minCount), radius, exponent, corner);
}

/** The number of test functions over a record of length `span`: enough rows, not more than distinct positions. */
function testFunctionCount(opts: TestFunctionOptions, span: number, radius: number, dt: number, minCount: number): number {
  let count: number;
  if (opts.count !== undefined) {
    if (!(Number.isInteger(opts.count) && opts.count >= 1)) throw new RangeError(`test-function count must be a positive integer, got ${opts.count}`);
    count = opts.count;
  } else {
    const free = span - 2 * radius;
    count = Math.ceil((CENTRE_DENSITY * free) / radius) + 1;
    count = Math.max(count, 2 * minCount);
    // More rows than distinct sample positions would only repeat information.
    count = Math.min(count, MAX_COUNT, Math.max(1, Math.floor(free / dt) + 1));
  }
  return count;
}

/** `count` bumps of half-width `radius` (time units), centres spread uniformly so supports stay inside the data. */
export function makeTestFunctions(time: Float64Array, count: number, radius: number, exponent: number, corner = Number.NaN): TestFunctions {
  const m = time.length;
  const t0 = time[0];
  const t1 = time[m - 1];
  if (!(radius > 0) || 2 * radius > t1 - t0) throw new RangeError(`test-function support ${2 * radius} does not fit in the time span ${t1 - t0}`);
  const centres = new Float64Array(count);
  const lo = t0 + radius;
  const hi = t1 - radius;
  for (let k = 0; k < count; k++) centres[k] = count === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * k) / (count - 1);
  const dt = (t1 - t0) / (m - 1);
  return {
    centres,
    radius,
    exponent,
    scale: 1 / (radius * bumpIntegral(exponent)),
    spec: { count, halfWidth: radius / dt, exponent },
    cornerWavenumber: corner,
    ...quadratureFor(time, radius, exponent),
  };
}

const bumpIntegrals = new Map<number, number>();

/** ∫_{-1}^{1} (1 − v²)^p dv by composite Simpson (p may be non-integer); remembered per p (4097 Math.pow each). */
export function bumpIntegral(p: number): number {
  const hit = bumpIntegrals.get(p);
  if (hit !== undefined) return hit;
  const value = simpsonBump(p);
  if (bumpIntegrals.size < 64) bumpIntegrals.set(p, value);
  return value;
}

function simpsonBump(p: number): number {
  const n = 4096;
  const h = 2 / n;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const v = -1 + i * h;
    const f = Math.pow(Math.max(0, 1 - v * v), p);
    s += (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2) * f;
  }
  return (s * h) / 3;
}

/**
 * Messenger & Bortz's coupling of support and corner: with p = log τ / log((2m−1)/m²) (φ ≤ τ one step
 * inside the boundary) and φ's spectrum approximated by a Gaussian of variance ~ (2p+3)/(H²), the
 * corner wavenumber k (cycles over N samples) should sit τ̂ standard deviations out. Solve
 *   log((2m−1)/m²)·(4π²k²m² − 3N²τ̂²) − 2N²τ̂² log τ = 0
 * for the half-width m (in samples) by bisection.
 */
export function supportFromCorner(k: number, N: number, tau = CORNER_TAU, tauHat = CORNER_TAU_HAT): number {
  const f = (mm: number): number =>
    Math.log((2 * mm - 1) / (mm * mm)) * (4 * Math.PI * Math.PI * k * k * mm * mm - 3 * N * N * tauHat * tauHat) -
    2 * N * N * tauHat * tauHat * Math.log(tau);
  let lo = 1;
  let hi = 2 / Math.sqrt(tau);
  if (f(hi) > 0) return hi; // no root in range: the widest support allowed
  for (let it = 0; it < 200 && hi - lo > 1e-6 * lo; it++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return Math.max(2, Math.ceil(hi));
}

/** Smallest exponent keeping φ ≤ τ one sample inside the support boundary (at least 2, so φ′ is continuous). */
export function exponentForSupport(halfSteps: number, tau = CORNER_TAU): number {
  const edge = 1 - (1 - 1 / halfSteps) ** 2;
  if (!(edge > 0 && edge < 1)) return 2;
  return Math.max(2, Math.floor(Math.log(tau) / Math.log(edge)));
}

/**
 * Corner wavenumber (cycles over the record) of the data's spectrum: resample each series onto a uniform
 * grid, take |FFT| (averaged over series normalised to unit RMS), accumulate it from the Nyquist
 * wavenumber down to the spectral peak, and find the corner of that curve as the split point where two
 * chords fit it best in relative terms (the noise floor grows linearly, the signal steeply).
 */
export function cornerWavenumber(states: Float64Array[], time: Float64Array): number {
  // Long records are decimated: the corner only needs the shape of the spectrum.
  const M = Math.min(time.length, 1 << 17);
  let N = 1;
  while (N < M) N <<= 1;
  const half = N >> 1;
  const mag = new Float64Array(half + 1);
  const re = new Float64Array(N);
  const im = new Float64Array(N);
  const uniform = new Float64Array(M);
  // Two real series per complex transform (x in re, y in im; their spectra separate by the symmetry
  // X[k] = (Z[k] + conj Z[N−k]) / 2, Y[k] = (Z[k] − conj Z[N−k]) / 2i): half the FFTs.
  const centred = (x: Float64Array, out: Float64Array): boolean => {
    // Uniform resample with as many points as samples (a no-op on a uniform grid), mean removed,
    // then zero-padded to a power of two: padding keeps a white noise floor white.
    resampleUniform(time, x, uniform);
    let mean = 0;
    for (let i = 0; i < M; i++) mean += uniform[i];
    mean /= M;
    let sq = 0;
    out.fill(0);
    for (let i = 0; i < M; i++) {
      out[i] = uniform[i] - mean;
      sq += out[i] * out[i];
    }
    // Unit RMS before the transform, so neither series of a pair drowns the other's spectrum in round-off.
    const rms = Math.sqrt(sq / M);
    if (!(rms > 0)) return false;
    const inv = 1 / rms;
    for (let i = 0; i < M; i++) out[i] *= inv;
    return true;
  };
  // Series that vary (a constant one adds nothing), two at a time.
  for (let s = 0; s < states.length; ) {
    while (s < states.length && !centred(states[s], re)) s++;
    if (s++ >= states.length) break;
    let pair = false;
    while (!pair && s < states.length) pair = centred(states[s++], im);
    if (!pair) im.fill(0);
    fft(re, im);
    for (let k = 0; k <= half; k++) {
      const q = (N - k) & (N - 1);
      const xr = re[k] + re[q];
      const xi = im[k] - im[q];
      const yr = im[k] + im[q];
      const yi = re[k] - re[q];
      mag[k] += 0.5 * (Math.sqrt(xr * xr + xi * xi) + (pair ? Math.sqrt(yr * yr + yi * yi) : 0));
    }
  }
  // Peak (the mean was removed); the curve runs from Nyquist down to it.
  let peak = 1;
  for (let k = 1; k <= half; k++) if (mag[k] > mag[peak]) peak = k;
  const L = half - peak + 1;
  if (L < 8) return Math.max(1, (peak * M) / N);
  const cum = new Float64Array(L);
  let acc = 0;
  for (let i = 0; i < L; i++) {
    acc += mag[half - i];
    cum[i] = acc;
  }
  const top = cum[L - 1] > 0 ? cum[L - 1] : 1;
  for (let i = 0; i < L; i++) cum[i] = (cum[i] / top) * L + 1e-300;
  const err = chordErrors(cum);
  let best = Infinity;
  let bestI = L - 1;
  for (let c = 2; c < L - 2; c++) {
    const e = err(0, c) + err(c, L - 1);
    if (e < best) {
      best = e;
      bestI = c;
    }
  }
  // Padded index → cycles over the record (M samples of the N-point transform).
  return Math.max(1, ((half - bestI) * M) / N);
}

/**
 * err(a, b) = Σ_{i=a..b} ((chord(i) − y_i)/y_i)², the chord joining (a, y_a) and (b, y_b), in O(1) per
 * call from prefix sums of 1/y, i/y, 1/y², i/y², i²/y² (the chord is α + βi).
 */
function chordErrors(y: Float64Array): (a: number, b: number) => number {
  const L = y.length;
  const p = [0, 1, 2, 3, 4].map(() => new Float64Array(L + 1));
  for (let i = 0; i < L; i++) {
    const u = 1 / y[i];
    const u2 = u * u;
    p[0][i + 1] = p[0][i] + u;
    p[1][i + 1] = p[1][i] + i * u;
    p[2][i + 1] = p[2][i] + u2;
    p[3][i + 1] = p[3][i] + i * u2;
    p[4][i + 1] = p[4][i] + i * i * u2;
  }
  const [p0, p1, p2, p3, p4] = p;
  // No closure inside: this runs twice per candidate corner.
  return (a, b) => {
    const beta = (y[b] - y[a]) / (b - a);
    const alpha = y[a] - beta * a;
    const e =
      alpha * alpha * (p2[b + 1] - p2[a]) +
      2 * alpha * beta * (p3[b + 1] - p3[a]) +
      beta * beta * (p4[b + 1] - p4[a]) -
      2 * alpha * (p0[b + 1] - p0[a]) -
      2 * beta * (p1[b + 1] - p1[a]) +
      (b - a + 1);
    return Math.max(0, e);
  };
}

/** Linear interpolation of (time, x) onto out.length uniform points over the same span. */
function resampleUniform(time: Float64Array, x: Float64Array, out: Float64Array): void {
  const m = time.length;
  const N = out.length;
  const t0 = time[0];
  const h = (time[m - 1] - t0) / (N - 1);
  let j = 0;
  for (let i = 0; i < N; i++) {
    const t = i === N - 1 ? time[m - 1] : t0 + i * h;
    while (j < m - 2 && time[j + 1] < t) j++;
    const w = (t - time[j]) / (time[j + 1] - time[j]);
    out[i] = x[j] + Math.min(1, Math.max(0, w)) * (x[j + 1] - x[j]);
  }
}

/** cos/sin(−2πk/n), k < n/2, of the last transform length (the record's; recomputed when it changes). */
let twiddleN = 0;
let twiddleRe = new Float64Array(0);
let twiddleIm = new Float64Array(0);

function twiddles(n: number): void {
  if (twiddleN === n) return;
  const h = n >> 1;
  twiddleRe = new Float64Array(h);
  twiddleIm = new Float64Array(h);
  for (let k = 0; k < h; k++) {
    twiddleRe[k] = Math.cos((-2 * Math.PI * k) / n);
    twiddleIm[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  twiddleN = n;
}

/**
 * In-place iterative radix-2 FFT (length a power of two). Twiddles from a table (each stage reads it
 * with stride n/len) instead of a rotation recurrence per block: about half the multiplications, and
 * exact to round-off at every k (measured 16384 points: 0.93 → 0.45 ms).
 */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  if (n < 2) return;
  twiddles(n);
  const tr = twiddleRe;
  const ti = twiddleIm;
  // len = 2: the twiddle is 1.
  for (let a = 0; a + 1 < n; a += 2) {
    const xr = re[a + 1];
    const xi = im[a + 1];
    re[a + 1] = re[a] - xr;
    im[a + 1] = im[a] - xi;
    re[a] += xr;
    im[a] += xi;
  }
  for (let len = 4; len <= n; len <<= 1) {
    const h = len >> 1;
    const stride = (n / len) | 0;
    for (let i = 0; i < n; i += len) {
      for (let k = 0, t = 0; k < h; k++, t += stride) {
        const cr = tr[t];
        const ci = ti[t];
        const a = i + k;
        const b = a + h;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** Indices [i0, i1] of the samples strictly inside support k (i1 < i0 when none). */
export function supportRange(tf: TestFunctions, k: number, time: Float64Array): [number, number] {
  const c = tf.centres[k];
  return [lowerBound(time, c - tf.radius, true), lowerBound(time, c + tf.radius, false) - 1];
}

/** First index with time > x (strict) or time ≥ x. */
function lowerBound(time: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? time[mid] <= x : time[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** φ_k and φ_k′ (normalised by tf.scale) on the samples of its support. */
export function testFunctionOnGrid(tf: TestFunctions, k: number, time: Float64Array): { start: number; phi: Float64Array; dphi: Float64Array } {
  const [i0, i1] = supportRange(tf, k, time);
  const len = Math.max(0, i1 - i0 + 1);
  const phi = new Float64Array(len);
  const dphi = new Float64Array(len);
  fillTestFunction(tf, k, time, i0, len, phi, dphi);
  return { start: i0, phi, dphi };
}

/** Write φ_k(time[i0 + i]) and φ_k′ into phi[i], dphi[i] for i < len. */
export function fillTestFunction(tf: TestFunctions, k: number, time: Float64Array, i0: number, len: number, phi: Float64Array, dphi: Float64Array): void {
  const c = tf.centres[k];
  const invH = 1 / tf.radius;
  const p = tf.exponent;
  const s = tf.scale;
  for (let i = 0; i < len; i++) {
    const v = (time[i0 + i] - c) * invH;
    const w = 1 - v * v;
    if (w <= 0) {
      phi[i] = 0;
      dphi[i] = 0;
      continue;
    }
    const wp1 = Math.pow(w, p - 1);
    phi[i] = s * wp1 * w;
    dphi[i] = -2 * p * v * invH * s * wp1;
  }
}

/**
 * The test functions whose support touches no gap (gaps[j] = 1: some value at step j is missing and was
 * only bridged): a sample inside the support, or one of the neighbours just outside it that the quadrature
 * weighs against the support's end (one for the trapezoid rule, up to three for the quintic interpolant).
 * Returns tf itself when every one is kept.
 */
export function avoidGaps(tf: TestFunctions, time: Float64Array, gaps: Uint8Array): TestFunctions {
  const m = time.length;
  // prefix sums: gaps in [a, b] in O(1)
  const pre = new Int32Array(m + 1);
  for (let j = 0; j < m; j++) pre[j + 1] = pre[j] + gaps[j];
  if (pre[m] === 0) return tf;
  const keep: number[] = [];
  const reach = quadratureSpread(tf.quadrature);
  for (let k = 0; k < tf.centres.length; k++) {
    const [i0, i1] = supportRange(tf, k, time);
    const a = Math.max(0, i0 - reach);
    const b = Math.min(m - 1, i1 + reach);
    if (pre[b + 1] - pre[a] === 0) keep.push(tf.centres[k]);
  }
  if (keep.length === tf.centres.length) return tf;
  return { ...tf, centres: Float64Array.from(keep), spec: { ...tf.spec, count: keep.length } };
}
