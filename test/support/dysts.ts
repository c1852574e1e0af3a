// The polynomial flows of the dysts database (Gilpin 2021) as known systems: terms and coefficients from
// dystsPolynomial.json (extracted by scripts/dystsPolynomial.py), trajectories from our own DOPRI5 at
// tight tolerance, 100 samples per period, from the database's initial condition (on the attractor).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLibrary, compileRhs } from '../../src/core/sindy/library';
import type { LibraryTerm, SparseModel } from '../../src/core/model';
import { integrateDopri5 } from '../../src/core/numerics/ode';
import { gaussian, mulberry32, type KnownSystem } from './systems';

interface DystsTerm {
  powers: number[];
  coefficient: number;
}

interface DystsEntry {
  name: string;
  dimension: number;
  stateNames: string[];
  degree: number;
  /** One list of terms per equation. */
  equations: DystsTerm[][];
  initialCondition: number[];
  /** Dominant period (time units) and the database's integration step. */
  period: number;
  dt: number;
}

export interface DystsSystem extends KnownSystem {
  period: number;
  /** The true model over the degree-`degree` library (for simulation and comparisons). */
  model: SparseModel;
}

let cache: DystsEntry[] | null = null;

function entries(): DystsEntry[] {
  if (!cache) {
    const path = join(__dirname, 'dystsPolynomial.json');
    cache = (JSON.parse(readFileSync(path, 'utf8')) as { systems: DystsEntry[] }).systems;
  }
  return cache;
}

/** State names made unique and library-friendly (dysts reuses a few, e.g. `px`): as given when valid. */
function safeNames(names: string[]): string[] {
  return names.map((s, i) => (/^[A-Za-z][A-Za-z0-9_]*$/.test(s) ? s : `x${i + 1}`));
}

function toSystem(e: DystsEntry, pointsPerPeriod: number, periods: number): DystsSystem {
  const stateNames = safeNames(e.stateNames);
  const r = e.dimension;
  const library = { degree: e.degree, constant: true, trigFrequencies: [] };
  const { terms, names } = buildLibrary(library, stateNames);
  const index = new Map(terms.map((t, j) => [(t as Extract<LibraryTerm, { kind: 'poly' }>).powers.join(','), j]));
  const coefficients = new Float64Array(terms.length * r);
  const trueTerms: Record<string, Record<string, number>> = {};
  e.equations.forEach((eq, i) => {
    const row: Record<string, number> = {};
    for (const t of eq) {
      const j = index.get(t.powers.join(','));
      if (j === undefined) throw new Error(`${e.name}: term ${t.powers} outside the degree-${e.degree} library`);
      coefficients[j * r + i] += t.coefficient;
      row[names[j]] = coefficients[j * r + i];
    }
    trueTerms[stateNames[i]] = row;
  });
  const model: SparseModel = { stateNames, library, terms, termNames: names, coefficients };
  return {
    name: e.name,
    stateNames,
    rhs: compileRhs(model),
    y0: Float64Array.from(e.initialCondition),
    trueTerms,
    degree: e.degree,
    dt: e.period / pointsPerPeriod,
    steps: Math.round(pointsPerPeriod * periods),
    period: e.period,
    model,
  };
}

/** Every system of the file (82), sampled by default as in Kaptanoglu et al. 2023: 100 points per period, 50 periods. */
export function dystsSystems(pointsPerPeriod = 100, periods = 50): DystsSystem[] {
  return entries().map((e) => toSystem(e, pointsPerPeriod, periods));
}

export function dystsSystem(name: string, pointsPerPeriod = 100, periods = 50): DystsSystem {
  const e = entries().find((x) => x.name === name);
  if (!e) throw new Error(`no dysts system ${name}`);
  return toSystem(e, pointsPerPeriod, periods);
}

/** The trajectory at the given times (from y0 at time[0]). */
export function sampleDysts(sys: DystsSystem, time: Float64Array): Float64Array[] {
  return integrateDopri5(sys.rhs, sys.y0, time, { rtol: 1e-10, atol: 1e-10, names: sys.stateNames, maxSteps: 5_000_000 });
}

/** Gaussian noise of σ = fraction × each series' standard deviation (deterministic in seed). */
export function addStdNoise(series: Float64Array[], fraction: number, seed: number): Float64Array[] {
  const gauss = gaussian(mulberry32(seed));
  return series.map((s) => {
    let mean = 0;
    for (const v of s) mean += v;
    mean /= s.length;
    let sq = 0;
    for (const v of s) sq += (v - mean) ** 2;
    const sigma = fraction * Math.sqrt(sq / s.length);
    return s.map((v) => v + sigma * gauss());
  });
}

/** Support exact and every true coefficient within `tol` relative; the worst relative error (Infinity when the support differs). */
export function coefficientError(found: SparseModel, sys: KnownSystem): { exact: boolean; worst: number; extra: string[]; missing: string[] } {
  const r = found.stateNames.length;
  let worst = 0;
  const extra: string[] = [];
  const missing: string[] = [];
  sys.stateNames.forEach((eq, e) => {
    const truth = sys.trueTerms[eq];
    const got: Record<string, number> = {};
    found.termNames.forEach((name, j) => {
      const c = found.coefficients[j * r + e];
      if (c !== 0) got[name] = c;
    });
    for (const name of Object.keys(got)) if (!(name in truth)) extra.push(`${eq}:${name}`);
    for (const [name, c] of Object.entries(truth)) {
      if (!(name in got)) missing.push(`${eq}:${name}`);
      else worst = Math.max(worst, Math.abs(got[name] - c) / Math.abs(c));
    }
  });
  const exact = extra.length === 0 && missing.length === 0;
  return { exact, worst: exact ? worst : Infinity, extra, missing };
}
