// Adaptive Dormand–Prince 5(4) with Hairer's dense output (DOPRI5), evaluated at requested times.
// Pure arithmetic in a fixed order, so the same inputs give the same bits on every run.

import { NumericalError } from '../errors';

/** Right-hand side: writes dy/dt at (t, y) into dydt (no allocation expected). */
export type OdeRhs = (t: number, y: Float64Array, dydt: Float64Array) => void;

export interface Dopri5Options {
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance (default 1e-9). */
  atol?: number;
  /** Maximum number of attempted steps before giving up (default 500 000). */
  maxSteps?: number;
  /** Largest step allowed (default: the whole span). */
  maxStep?: number;
  /** Componentwise bounds: leaving them counts as blow-up. */
  limits?: { lo: Float64Array; hi: Float64Array };
  /** State names used in error messages (default y0, y1, …). */
  names?: string[];
}

// Dormand–Prince 5(4) tableau.
const C2 = 1 / 5, C3 = 3 / 10, C4 = 4 / 5, C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40, A32 = 9 / 40;
const A41 = 44 / 45, A42 = -56 / 15, A43 = 32 / 9;
const A51 = 19372 / 6561, A52 = -25360 / 2187, A53 = 64448 / 6561, A54 = -212 / 729;
const A61 = 9017 / 3168, A62 = -355 / 33, A63 = 46732 / 5247, A64 = 49 / 176, A65 = -5103 / 18656;
const A71 = 35 / 384, A73 = 500 / 1113, A74 = 125 / 192, A75 = -2187 / 6784, A76 = 11 / 84;
// Error estimate: 5th-order minus embedded 4th-order weights.
const E1 = 71 / 57600, E3 = -71 / 16695, E4 = 71 / 1920, E5 = -17253 / 339200, E6 = 22 / 525, E7 = -1 / 40;
// Hairer's 4th-order continuous extension.
const D1 = -12715105075 / 11282082432, D3 = 87487479700 / 32700410799, D4 = -10690763975 / 1880347072;
const D5 = 701980252875 / 199316789632, D6 = -1453857185 / 822651844, D7 = 69997945 / 29380423;

// Step-size control constants from DOPRI5 (PI control with beta = 0.04).
const SAFE = 0.9, FAC_MIN = 0.2, FAC_MAX = 10, BETA = 0.04;
const EXPO1 = 0.2 - BETA * 0.75;
const UROUND = 2.220446049250313e-16;

/**
 * Integrate y' = rhs(t, y) from y0 at tOut[0] and return the solution at every tOut (dim arrays of
 * length tOut.length). Throws NumericalError (with `.time`) on blow-up: non-finite values, step-size
 * underflow, too many steps, or a component leaving `limits`.
 */
export function integrateDopri5(rhs: OdeRhs, y0: Float64Array, tOut: Float64Array, opts: Dopri5Options = {}): Float64Array[] {
  const dim = y0.length;
  const nOut = tOut.length;
  if (nOut === 0) return Array.from({ length: dim }, () => new Float64Array(0));
  for (let k = 1; k < nOut; k++) {
    if (!(tOut[k] > tOut[k - 1])) throw new RangeError(`integrateDopri5: output times must be strictly increasing (index ${k})`);
  }
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-9;
  const maxSteps = opts.maxSteps ?? 500_000;
  const names = opts.names;
  const limits = opts.limits;
  const label = (i: number): string => (names && names[i] !== undefined ? names[i] : `y${i}`);

  const out = Array.from({ length: dim }, () => new Float64Array(nOut));
  for (let i = 0; i < dim; i++) {
    const v = y0[i];
    if (!Number.isFinite(v)) throw new NumericalError(`initial state is not finite (${label(i)} = ${v})`, tOut[0]);
    out[i][0] = v;
  }
  checkLimits(y0, tOut[0]);
  if (nOut === 1) return out;

  const t0 = tOut[0];
  const tEnd = tOut[nOut - 1];
  const span = tEnd - t0;
  const hMax = Math.min(opts.maxStep ?? span, span);

  const y = Float64Array.from(y0);
  const y1 = new Float64Array(dim);
  const yStage = new Float64Array(dim);
  const k1 = new Float64Array(dim), k2 = new Float64Array(dim), k3 = new Float64Array(dim);
  const k4 = new Float64Array(dim), k5 = new Float64Array(dim), k6 = new Float64Array(dim);
  const k7 = new Float64Array(dim);
  const r1 = new Float64Array(dim), r2 = new Float64Array(dim), r3 = new Float64Array(dim);
  const r4 = new Float64Array(dim), r5 = new Float64Array(dim);

  let t = t0;
  rhs(t, y, k1);
  checkFinite(k1, t, 'derivative');
  let h = initialStep();
  let facOld = 1e-4;
  let lastRejected = false;
  let overflowed = false;
  let nextOut = 1;
  let steps = 0;

  while (nextOut < nOut) {
    if (steps++ >= maxSteps) {
      throw new NumericalError(`model diverged at t = ${fmt(t)} (more than ${maxSteps} integration steps)`, t);
    }
    if (0.1 * Math.abs(h) <= Math.abs(t) * UROUND || h < 1e-300) {
      const why = overflowed ? 'non-finite values in the step' : 'step size underflow';
      throw new NumericalError(`model diverged at t = ${fmt(t)} (${why}${largest(y)})`, t);
    }
    // Land exactly on tEnd rather than leave a sliver of a step.
    let last = false;
    if (t + 1.01 * h >= tEnd) {
      h = tEnd - t;
      last = true;
    }

    for (let i = 0; i < dim; i++) yStage[i] = y[i] + h * A21 * k1[i];
    rhs(t + C2 * h, yStage, k2);
    for (let i = 0; i < dim; i++) yStage[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
    rhs(t + C3 * h, yStage, k3);
    for (let i = 0; i < dim; i++) yStage[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
    rhs(t + C4 * h, yStage, k4);
    for (let i = 0; i < dim; i++) yStage[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
    rhs(t + C5 * h, yStage, k5);
    for (let i = 0; i < dim; i++) {
      yStage[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
    }
    const tNew = last ? tEnd : t + h;
    rhs(tNew, yStage, k6);
    for (let i = 0; i < dim; i++) {
      y1[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
    }
    rhs(tNew, y1, k7);

    let errSum = 0;
    for (let i = 0; i < dim; i++) {
      const e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
      const sk = atol + rtol * Math.max(Math.abs(y[i]), Math.abs(y1[i]));
      const q = e / sk;
      errSum += q * q;
    }
    const err = Math.sqrt(errSum / dim);

    if (!Number.isFinite(err)) {
      // A trial step overflowed: shrink hard and retry; persistent overflow ends in step underflow.
      h *= FAC_MIN;
      lastRejected = true;
      overflowed = true;
      continue;
    }
    overflowed = false;

    const fac11 = Math.pow(err, EXPO1);
    // Lund stabilisation (PI control).
    let fac = fac11 / Math.pow(facOld, BETA);
    fac = Math.max(1 / FAC_MAX, Math.min(1 / FAC_MIN, fac / SAFE));
    let hNew = h / fac;

    if (err <= 1) {
      facOld = Math.max(err, 1e-4);
      checkFinite(y1, tNew, 'state');
      checkFinite(k7, tNew, 'derivative');
      // Dense output coefficients for the step [t, tNew].
      for (let i = 0; i < dim; i++) {
        const yDiff = y1[i] - y[i];
        const bspl = h * k1[i] - yDiff;
        r1[i] = y[i];
        r2[i] = yDiff;
        r3[i] = bspl;
        r4[i] = yDiff - h * k7[i] - bspl;
        r5[i] = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
      }
      while (nextOut < nOut && (tOut[nextOut] <= tNew || (last && nextOut === nOut - 1))) {
        const tq = tOut[nextOut];
        if (tq === tNew) {
          for (let i = 0; i < dim; i++) out[i][nextOut] = y1[i];
        } else {
          const theta = (tq - t) / h;
          const theta1 = 1 - theta;
          for (let i = 0; i < dim; i++) {
            out[i][nextOut] = r1[i] + theta * (r2[i] + theta1 * (r3[i] + theta * (r4[i] + theta1 * r5[i])));
          }
        }
        nextOut++;
      }
      checkLimits(y1, tNew);
      k1.set(k7); // FSAL
      y.set(y1);
      t = tNew;
      if (Math.abs(hNew) > hMax) hNew = hMax;
      if (lastRejected) hNew = Math.min(hNew, h);
      lastRejected = false;
      h = hNew;
    } else {
      hNew = h / Math.min(1 / FAC_MIN, fac11 / SAFE);
      lastRejected = true;
      h = hNew;
    }
  }
  return out;

  /** Hairer's HINIT: a step whose explicit-Euler error is about the tolerance. */
  function initialStep(): number {
    let dnf = 0;
    let dny = 0;
    for (let i = 0; i < dim; i++) {
      const sk = atol + rtol * Math.abs(y[i]);
      dnf += (k1[i] / sk) ** 2;
      dny += (y[i] / sk) ** 2;
    }
    let h0 = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : Math.sqrt(dny / dnf) * 0.01;
    h0 = Math.min(h0, hMax);
    for (let i = 0; i < dim; i++) yStage[i] = y[i] + h0 * k1[i];
    rhs(t + h0, yStage, k2);
    let der2 = 0;
    for (let i = 0; i < dim; i++) {
      const sk = atol + rtol * Math.abs(y[i]);
      der2 += ((k2[i] - k1[i]) / sk) ** 2;
    }
    der2 = Math.sqrt(der2) / h0;
    const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf));
    const h1 = der12 <= 1e-15 || !Number.isFinite(der12) ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / der12, 1 / 5);
    return Math.min(100 * h0, h1, hMax);
  }

  function checkFinite(v: Float64Array, at: number, what: string): void {
    for (let i = 0; i < dim; i++) {
      if (!Number.isFinite(v[i])) {
        throw new NumericalError(`model diverged at t = ${fmt(at)} (${what} ${label(i)} = ${v[i]})`, at);
      }
    }
  }

  function checkLimits(v: Float64Array, at: number): void {
    if (!limits) return;
    for (let i = 0; i < dim; i++) {
      if (!(v[i] >= limits.lo[i] && v[i] <= limits.hi[i])) {
        throw new NumericalError(`model diverged at t = ${fmt(at)} (${label(i)} = ${fmt(v[i])})`, at);
      }
    }
  }

  /** ", y2 = 4.1e+12" for the component of largest magnitude, to say what blew up. */
  function largest(v: Float64Array): string {
    let best = 0;
    for (let i = 1; i < dim; i++) if (Math.abs(v[i]) > Math.abs(v[best])) best = i;
    return dim > 0 ? `, ${label(best)} = ${fmt(v[best])}` : '';
  }
}

/** 3 significant digits, exponent form for very large or small magnitudes: 3.21, 4.1e+12. */
function fmt(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(3)));
}
