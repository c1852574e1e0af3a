// Known dynamical systems for tests and benchmarks: right-hand sides, true term coefficients (named
// by the library's naming rule), sampled with the project's integrator at tight tolerance.

import { integrateDopri5, type OdeRhs } from '../../src/core/numerics/ode';

export interface KnownSystem {
  name: string;
  stateNames: string[];
  rhs: OdeRhs;
  /** State at the first sample time. */
  y0: Float64Array;
  /** equation (state name) -> { term name -> coefficient }, e.g. { x: { x: -10, y: 10 } }. */
  trueTerms: Record<string, Record<string, number>>;
  /** Polynomial degree the true terms need (a library of this degree contains them). */
  degree: number;
  /** A sampling step and count that resolve the dynamics well (suggestion for tests). */
  dt: number;
  steps: number;
}

export function lorenz(sigma = 10, rho = 28, beta = 8 / 3): KnownSystem {
  return {
    name: 'lorenz',
    stateNames: ['x', 'y', 'z'],
    rhs: (_t, s, d) => {
      d[0] = sigma * (s[1] - s[0]);
      d[1] = s[0] * (rho - s[2]) - s[1];
      d[2] = s[0] * s[1] - beta * s[2];
    },
    y0: Float64Array.of(-8, 7, 27),
    trueTerms: {
      x: { x: -sigma, y: sigma },
      y: { x: rho, y: -1, 'x z': -1 },
      z: { z: -beta, 'x y': 1 },
    },
    degree: 2,
    dt: 0.002,
    steps: 10_000,
  };
}

/** x' = y, y' = -x + μ y - μ x² y. */
export function vanDerPol(mu = 4): KnownSystem {
  return {
    name: 'vanDerPol',
    stateNames: ['x', 'y'],
    rhs: (_t, s, d) => {
      d[0] = s[1];
      d[1] = -s[0] + mu * s[1] - mu * s[0] * s[0] * s[1];
    },
    y0: Float64Array.of(2, 0),
    trueTerms: {
      x: { y: 1 },
      y: { x: -1, y: mu, 'x^2 y': -mu },
    },
    degree: 3,
    dt: 0.005,
    steps: 4_000,
  };
}

/** Damped Duffing: x' = y, y' = -δ x - γ y - x³ (δ = γ = 0.2). */
export function duffing(stiffness = 0.2, damping = 0.2, cubic = 1): KnownSystem {
  return {
    name: 'duffing',
    stateNames: ['x', 'y'],
    rhs: (_t, s, d) => {
      d[0] = s[1];
      d[1] = -stiffness * s[0] - damping * s[1] - cubic * s[0] * s[0] * s[0];
    },
    y0: Float64Array.of(2, 0),
    trueTerms: {
      x: { y: 1 },
      y: { x: -stiffness, y: -damping, 'x^3': -cubic },
    },
    degree: 3,
    dt: 0.005,
    steps: 4_000,
  };
}

/** Predator–prey: x' = α x - β x y, y' = δ x y - γ y (α 1.1, β 0.4, γ 0.4, δ 0.1; equilibrium (4, 2.75)). */
export function lotkaVolterra(alpha = 1.1, beta = 0.4, gamma = 0.4, delta = 0.1): KnownSystem {
  return {
    name: 'lotkaVolterra',
    stateNames: ['x', 'y'],
    rhs: (_t, s, d) => {
      d[0] = alpha * s[0] - beta * s[0] * s[1];
      d[1] = delta * s[0] * s[1] - gamma * s[1];
    },
    y0: Float64Array.of(10, 5),
    trueTerms: {
      x: { x: alpha, 'x y': -beta },
      y: { y: -gamma, 'x y': delta },
    },
    degree: 2,
    dt: 0.01,
    steps: 3_000,
  };
}

/** x' = -y - z, y' = x + a y, z' = b + x z - c z. */
export function rossler(a = 0.2, b = 0.2, c = 5.7): KnownSystem {
  return {
    name: 'rossler',
    stateNames: ['x', 'y', 'z'],
    rhs: (_t, s, d) => {
      d[0] = -s[1] - s[2];
      d[1] = s[0] + a * s[1];
      d[2] = b + s[0] * s[2] - c * s[2];
    },
    y0: Float64Array.of(1, 1, 1),
    trueTerms: {
      x: { y: -1, z: -1 },
      y: { x: 1, y: a },
      z: { '1': b, z: -c, 'x z': 1 },
    },
    degree: 2,
    dt: 0.01,
    steps: 5_000,
  };
}

export function allSystems(): KnownSystem[] {
  return [lorenz(), vanDerPol(), duffing(), lotkaVolterra(), rossler()];
}

/** The system's trajectory from y0 at time[0], at every time stamp: dim arrays of length m. */
export function sampleSystem(sys: KnownSystem, time: Float64Array): Float64Array[] {
  return integrateDopri5(sys.rhs, sys.y0, time, { rtol: 1e-10, atol: 1e-12, names: sys.stateNames });
}

export function uniformTime(m: number, dt: number, t0 = 0): Float64Array {
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) t[j] = t0 + j * dt;
  return t;
}

/** t_0 = 0, t_j = dt·(j + u_j) with u_j uniform in [-0.35, 0.35): strictly increasing, gaps in [0.3 dt, 1.7 dt]. */
export function jitteredTime(m: number, dt: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const t = new Float64Array(m);
  for (let j = 1; j < m; j++) t[j] = dt * (j + 0.7 * (rand() - 0.5));
  return t;
}

/** New series with Gaussian noise of std = fraction × RMS of each series (deterministic in seed). */
export function addNoise(series: Float64Array[], fraction: number, seed: number): Float64Array[] {
  const gauss = gaussian(mulberry32(seed));
  return series.map((s) => {
    let sq = 0;
    for (let j = 0; j < s.length; j++) sq += s[j] * s[j];
    const std = fraction * Math.sqrt(sq / Math.max(1, s.length));
    const out = new Float64Array(s.length);
    for (let j = 0; j < s.length; j++) out[j] = s[j] + std * gauss();
    return out;
  });
}

/** Mulberry32: a tiny seeded 32-bit PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller from a uniform generator. */
export function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u <= 0) u = uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

export interface DampedOscillator {
  omega: number;
  gamma: number;
  amplitude: number;
}

export interface LowRankField {
  /** n series of m samples. */
  series: Float64Array[];
  time: Float64Array;
  /** Rank of the centred field (2 per oscillator). */
  rank: number;
  /** Temporal mean-free structure: field = offset + Σ_k modes[k] · coefficients[k]. */
  modes: Float64Array[];
  /** rank arrays of length m: the modal coefficients, c' = [[-γ, -ω], [ω, -γ]] c per oscillator. */
  coefficients: Float64Array[];
  offset: Float64Array;
}

/**
 * An n-variable field from 2·(oscillators) smooth spatial modes sin(k π s) whose coefficients are
 * damped oscillators (known linear dynamics, closed form), plus a spatial offset 2 + s.
 */
export function lowRankField(
  n = 200,
  m = 1000,
  dt = 0.01,
  oscillators: DampedOscillator[] = [
    { omega: 2, gamma: 0.1, amplitude: 3 },
    { omega: 5, gamma: 0.05, amplitude: 1 },
  ],
): LowRankField {
  const time = uniformTime(m, dt);
  const rank = 2 * oscillators.length;
  const modes: Float64Array[] = [];
  for (let k = 1; k <= rank; k++) {
    const mode = new Float64Array(n);
    for (let i = 0; i < n; i++) mode[i] = Math.sin((k * Math.PI * (i + 1)) / (n + 1));
    modes.push(mode);
  }
  const coefficients: Float64Array[] = [];
  for (const { omega, gamma, amplitude } of oscillators) {
    const c = new Float64Array(m);
    const s = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      const decay = amplitude * Math.exp(-gamma * time[j]);
      c[j] = decay * Math.cos(omega * time[j]);
      s[j] = decay * Math.sin(omega * time[j]);
    }
    coefficients.push(c, s);
  }
  const offset = new Float64Array(n);
  for (let i = 0; i < n; i++) offset[i] = 2 + i / (n - 1);
  const series: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(m).fill(offset[i]);
    for (let k = 0; k < rank; k++) {
      const w = modes[k][i];
      const ck = coefficients[k];
      for (let j = 0; j < m; j++) row[j] += w * ck[j];
    }
    series.push(row);
  }
  return { series, time, rank, modes, coefficients, offset };
}
