// The time grid: uniform grids as two numbers, anything else losslessly. A uniform grid is only used
// if rebuilding it reproduces every original double exactly (so reconstruction writes the same CSV).
import { ByteReader, ByteWriter } from './bytes';
import { FormatError } from '../errors';
import { decodeIntRows, encodeIntRows, MAX_INT } from './entropy';
import { readFloatsLossless, writeFloatsLossless } from './floatPack';
import { readNumber, writeNumber } from './numbers';

export const GRID_LOSSLESS = 0;
/** t_j = t0 + j·dt (float64 arithmetic). */
export const GRID_AFFINE = 1;
/** t_j = (a + j·b) / 10^d with integers a, b: how decimal CSV time stamps (0.01, 0.02, …) parse. */
export const GRID_DECIMAL = 2;

export interface TimeSummary {
  t0: number;
  t1: number;
  uniform: boolean;
  /** Step of a uniform grid, else null. */
  dt: number | null;
}

function affine(t0: number, dt: number, m: number): Float64Array {
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) t[j] = t0 + j * dt;
  return t;
}

function decimal(a: number, b: number, d: number, m: number): Float64Array {
  const p = 10 ** d;
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) t[j] = (a + j * b) / p;
  return t;
}

function same(x: Float64Array, y: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** The affine or decimal rule that rebuilds every stamp bit for bit (FORMAT.md §2 TIME), or null. */
function simpleRule(time: Float64Array): { kind: 'affine'; t0: number; dt: number } | { kind: 'decimal'; a: number; b: number; d: number } | null {
  const m = time.length;
  if (m < 2) return null;
  for (const dt of [(time[m - 1] - time[0]) / (m - 1), time[1] - time[0]]) {
    if (Number.isFinite(dt) && same(affine(time[0], dt, m), time)) return { kind: 'affine', t0: time[0], dt };
  }
  for (let d = 0; d <= 17; d++) {
    const p = 10 ** d;
    const a = Math.round(time[0] * p);
    const b = Math.round(time[1] * p) - a;
    if (Math.abs(a) + m * Math.abs(b) > MAX_INT) break;
    if (a / p === time[0] && same(decimal(a, b, d, m), time)) return { kind: 'decimal', a, b, d };
  }
  return null;
}

export function writeTimeGrid(w: ByteWriter, time: Float64Array): void {
  const rule = simpleRule(time);
  if (rule?.kind === 'affine') {
    w.u8(GRID_AFFINE);
    w.f64(rule.t0);
    w.f64(rule.dt);
  } else if (rule?.kind === 'decimal') {
    w.u8(GRID_DECIMAL);
    w.f64(rule.a);
    w.f64(rule.b);
    w.u8(rule.d);
  } else {
    w.u8(GRID_LOSSLESS);
    writeFloatsLossless(w, time);
  }
}

export function readTimeGrid(r: ByteReader, m: number): { time: Float64Array; summary: TimeSummary } {
  const kind = r.u8();
  let time: Float64Array;
  let dt: number | null = null;
  if (kind === GRID_AFFINE) {
    const t0 = r.finite('t0');
    dt = r.finite('dt');
    time = affine(t0, dt, m);
  } else if (kind === GRID_DECIMAL) {
    const a = r.finite('a');
    const b = r.finite('b');
    const d = r.u8();
    if (!Number.isInteger(a) || !Number.isInteger(b) || d > 17 || Math.abs(a) + m * Math.abs(b) > MAX_INT) r.fail('bad decimal grid');
    time = decimal(a, b, d, m);
    dt = m >= 2 ? time[1] - time[0] : null;
  } else if (kind === GRID_LOSSLESS) {
    time = readFloatsLossless(r, m, 'time stamps');
  } else {
    return r.fail(`unknown time grid kind ${kind}`);
  }
  for (let j = 0; j < m; j++) {
    if (!Number.isFinite(time[j]) || (j > 0 && !(time[j] > time[j - 1]))) r.fail('time stamps are not finite and strictly increasing');
  }
  return { time, summary: { t0: m > 0 ? time[0] : 0, t1: m > 0 ? time[m - 1] : 0, uniform: kind !== GRID_LOSSLESS, dt } };
}

// ---- format v3 (FORMAT.md §8.5): the grid's rule in the header, stamps that follow none in TIME ----

/** Stamps as printed: t_j = the double of (t0 + j·dt) written with `digits` decimals (fixed) or significant digits. */
export interface PrintRule {
  fixed: boolean;
  digits: number;
}

export type GridV3 = (
  | { kind: 'lossless'; t0: number; t1: number }
  | { kind: 'affine'; t0: number; dt: number }
  | { kind: 'decimal'; a: number; b: number; d: number }
  | { kind: 'printed'; t0: number; dt: number; rule: PrintRule }
  | { kind: 'integers'; d: number; first: number; last: number }
  | { kind: 'rational'; a: number; b: number; c: number }
  | { kind: 'colon'; t0: number; dt: number; t1: number }
) & { summary: TimeSummary };

const V3_KINDS = ['lossless', 'affine', 'decimal', 'printed', 'integers', 'rational', 'colon'] as const;

/** MATLAB's t0:dt:t1 — the first half counted up from t0, the rest down from t1 (.mat files' time vectors). */
function colonAt(t0: number, dt: number, t1: number, m: number): (j: number) => number {
  const half = Math.floor((m - 1) / 2);
  return (j) => (j <= half ? t0 + j * dt : t1 - (m - 1 - j) * dt);
}

function colonRule(time: Float64Array): { t0: number; dt: number; t1: number } | null {
  const m = time.length;
  const t0 = time[0];
  const t1 = time[m - 1];
  for (const dt of [time[1] - time[0], (t1 - t0) / (m - 1)]) {
    if (dt > 0 && Number.isFinite(dt) && matches(time, colonAt(t0, dt, t1, m))) return { t0, dt, t1 };
  }
  return null;
}

function rational(a: number, b: number, c: number, m: number): Float64Array {
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) t[j] = (a + j * b) / c;
  return t;
}

/**
 * t_j = (a + j·b) / c with integers a, b, c: stamps computed as sample / rate (numpy's arange(m) / 360),
 * which neither t0 + j·dt nor a power-of-ten denominator reproduces bit for bit. Steps b/c with b ≤ 10.
 */
function rationalRule(time: Float64Array): { a: number; b: number; c: number } | null {
  const m = time.length;
  const est = (time[m - 1] - time[0]) / (m - 1);
  if (!(est > 0) || !Number.isFinite(1 / est)) return null;
  for (let b = 1; b <= 10; b++) {
    const c = Math.round(b / est);
    const a = Math.round(time[0] * c);
    if (c < 1 || c > MAX_INT || Math.abs(a) + m * b > MAX_INT || a / c !== time[0]) continue;
    if (matches(time, (j) => (a + j * b) / c)) return { a, b, c };
  }
  return null;
}

function printed(x: number, rule: PrintRule): number {
  return Number(rule.fixed ? x.toFixed(rule.digits) : x.toPrecision(rule.digits));
}

function printedGrid(t0: number, dt: number, rule: PrintRule, m: number): Float64Array {
  const t = new Float64Array(m);
  for (let j = 0; j < m; j++) t[j] = printed(t0 + j * dt, rule);
  return t;
}

/** Decimals and significant digits of the shortest text of x, or null when it has an exponent. */
function digitsOf(x: number): { decimals: number; significant: number } | null {
  const s = String(Math.abs(x));
  if (s.includes('e')) return null;
  const [int, frac = ''] = s.split('.');
  const all = (int === '0' ? '' : int) + frac;
  return { decimals: frac.length, significant: all.replace(/^0+/, '').length || 1 };
}

function matches(time: Float64Array, gen: (j: number) => number): boolean {
  for (let j = 0; j < time.length; j++) if (!Object.is(gen(j), time[j])) return false;
  return true;
}

/** The v3 grid for these stamps, and the TIME section payload when the stamps follow no rule. */
export function planGridV3(time: Float64Array): { grid: GridV3; section: Uint8Array | null } {
  const m = time.length;
  const summary = (uniform: boolean): TimeSummary => ({ t0: time[0], t1: time[m - 1], uniform, dt: uniform && m >= 2 ? time[1] - time[0] : null });
  const rule = simpleRule(time);
  if (rule) return { grid: { ...rule, summary: summary(true) }, section: null };
  const ratio = m >= 3 ? rationalRule(time) : null;
  if (ratio) return { grid: { kind: 'rational', ...ratio, summary: summary(true) }, section: null };
  const colon = m >= 3 ? colonRule(time) : null;
  if (colon) return { grid: { kind: 'colon', ...colon, summary: summary(true) }, section: null };
  // the printing rule: the most decimals / significant digits any stamp shows
  let decimals = 0;
  let significant = 0;
  let plain = true;
  for (let j = 0; j < m && plain; j++) {
    const dg = digitsOf(time[j]);
    if (dg === null) plain = false;
    else {
      decimals = Math.max(decimals, dg.decimals);
      significant = Math.max(significant, dg.significant);
    }
  }
  if (m >= 3 && plain) {
    const est = (time[m - 1] - time[0]) / (m - 1);
    const candidates = new Set<number>([est, time[1] - time[0]]);
    for (let p = 1; p <= 17; p++) candidates.add(Number(est.toPrecision(p)));
    if (est > 0 && Number.isFinite(1 / est)) {
      const q = Math.round(1 / est);
      if (q > 0) candidates.add(1 / q);
    }
    const rules: PrintRule[] = [];
    if (decimals <= 20) rules.push({ fixed: true, digits: decimals });
    if (significant >= 1 && significant <= 21) rules.push({ fixed: false, digits: significant });
    for (const rule of rules) {
      for (const dt of candidates) {
        if (!(dt > 0) || !Number.isFinite(dt)) continue;
        if (matches(time, (j) => printed(time[0] + j * dt, rule))) return { grid: { kind: 'printed', t0: time[0], dt, rule, summary: summary(true) }, section: null };
      }
    }
  }
  // jittered decimal stamps: integers at their printed precision, entropy coded (deltas chosen by the coder)
  if (plain && decimals <= 17) {
    const p = 10 ** decimals;
    const ints = new Float64Array(m);
    let ok = true;
    for (let j = 0; j < m && ok; j++) {
      const k = Math.round(time[j] * p);
      ints[j] = k;
      ok = Math.abs(k) <= MAX_INT && k / p === time[j];
    }
    if (ok) return { grid: { kind: 'integers', d: decimals, first: ints[0], last: ints[m - 1], summary: summary(false) }, section: encodeIntRows([ints]) };
  }
  const w = new ByteWriter();
  writeFloatsLossless(w, time);
  return { grid: { kind: 'lossless', t0: time[0], t1: time[m - 1], summary: summary(false) }, section: w.finish() };
}

/** v4 kind byte: bit 3 = t0 is 0 and not stored (kinds lossless, affine, printed, colon). */
const GRID_T0_ZERO = 8;

/**
 * The grid in the header. v3: the stamps' f64s; v4: t0, dt and t1 as `number`s (short decimals in two
 * or three bytes), t0 = 0 as a bit of the kind byte.
 */
export function writeGridV3(w: ByteWriter, g: GridV3, version = 3): void {
  const v4 = version >= 4;
  const real = (v: number): void => (v4 ? writeNumber(w, v) : w.f64(v));
  const start = g.kind === 'lossless' || g.kind === 'affine' || g.kind === 'printed' || g.kind === 'colon' ? g.t0 : null;
  const zero = v4 && start !== null && Object.is(start, 0);
  w.u8(V3_KINDS.indexOf(g.kind) | (zero ? GRID_T0_ZERO : 0));
  if (start !== null && !zero) real(start);
  switch (g.kind) {
    case 'lossless':
      return real(g.t1);
    case 'affine':
      return real(g.dt);
    case 'printed':
      real(g.dt);
      return w.u8(g.rule.digits | (g.rule.fixed ? 0x80 : 0));
    case 'decimal':
      w.varint(g.a);
      w.varint(g.b);
      return w.u8(g.d);
    case 'integers':
      w.u8(g.d);
      w.varint(g.first);
      w.varint(g.last);
      return;
    case 'rational':
      w.varint(g.a);
      w.varint(g.b);
      return w.varint(g.c);
    case 'colon':
      real(g.dt);
      return real(g.t1);
  }
}

/** The grid from the header (the stamps of kinds 'lossless' and 'integers' come from TIME: gridTimes). */
export function readGridV3(r: ByteReader, m: number, version = 3): GridV3 {
  const v4 = version >= 4;
  const kb = r.u8();
  const kind = V3_KINDS[v4 ? kb & ~GRID_T0_ZERO : kb] ?? r.fail('unknown time grid kind');
  const zero = v4 && (kb & GRID_T0_ZERO) !== 0;
  if (zero && kind !== 'lossless' && kind !== 'affine' && kind !== 'printed' && kind !== 'colon') r.fail('unknown time grid kind');
  const real = (what: string): number => (v4 ? readNumber(r, what) : r.finite(what));
  const first = (): number => (zero ? 0 : real('t0'));
  const uniformSummary = (at: (j: number) => number): TimeSummary => {
    const t0 = at(0);
    const t1 = at(m - 1);
    if (!Number.isFinite(t0) || !Number.isFinite(t1)) r.fail('time stamps are not finite');
    return { t0, t1, uniform: true, dt: m >= 2 ? at(1) - t0 : null };
  };
  switch (kind) {
    case 'lossless': {
      const t0 = first();
      const t1 = real('t1');
      return { kind, t0, t1, summary: { t0, t1, uniform: false, dt: null } };
    }
    case 'affine': {
      const t0 = first();
      const dt = real('dt');
      return { kind, t0, dt, summary: uniformSummary((j) => t0 + j * dt) };
    }
    case 'decimal': {
      const a = r.varint();
      const b = r.varint();
      const d = r.u8();
      if (d > 17 || Math.abs(a) + m * Math.abs(b) > MAX_INT) r.fail('bad decimal grid');
      const p = 10 ** d;
      return { kind, a, b, d, summary: uniformSummary((j) => (a + j * b) / p) };
    }
    case 'printed': {
      const t0 = first();
      const dt = real('dt');
      const rb = r.u8();
      const rule: PrintRule = { fixed: (rb & 0x80) !== 0, digits: rb & 0x7f };
      if (rule.fixed ? rule.digits > 20 : rule.digits < 1 || rule.digits > 21) r.fail('bad printing rule');
      if (!(Math.abs(t0) + m * Math.abs(dt) < 1e21)) r.fail('printed grid out of range');
      return { kind, t0, dt, rule, summary: uniformSummary((j) => printed(t0 + j * dt, rule)) };
    }
    case 'integers': {
      const d = r.u8();
      if (d > 17) r.fail('bad decimals');
      const first = r.varint();
      const last = r.varint();
      const p = 10 ** d;
      return { kind, d, first, last, summary: { t0: first / p, t1: last / p, uniform: false, dt: null } };
    }
    case 'rational': {
      const a = r.varint();
      const b = r.varint();
      const c = r.varint();
      if (c < 1 || c > MAX_INT || Math.abs(a) + m * Math.abs(b) > MAX_INT) r.fail('bad rational grid');
      return { kind, a, b, c, summary: uniformSummary((j) => (a + j * b) / c) };
    }
    case 'colon': {
      const t0 = first();
      const dt = real('dt');
      const t1 = real('t1');
      if (!(dt > 0) || !(Math.abs(t0) + Math.abs(t1) + m * dt < 1e300)) r.fail('bad colon grid');
      return { kind, t0, dt, t1, summary: uniformSummary(colonAt(t0, dt, t1, m)) };
    }
  }
}

/** All m stamps of a v3 grid; `section` is TIME's reader for the kinds that need it (else null). */
export function gridTimes(g: GridV3, m: number, section: ByteReader | null): Float64Array {
  const needs = g.kind === 'lossless' || g.kind === 'integers';
  if (needs !== (section !== null)) throw new FormatError(`corrupt file: ${needs ? 'missing' : 'unexpected'} section 'time'`);
  let time: Float64Array;
  switch (g.kind) {
    case 'lossless':
      time = readFloatsLossless(section as ByteReader, m, 'time stamps');
      break;
    case 'integers': {
      const r = section as ByteReader;
      const ints = decodeIntRows(r.take(r.remaining), 1, m, 'time stamps')[0];
      const p = 10 ** g.d;
      time = Float64Array.from(ints, (k) => k / p);
      break;
    }
    case 'affine':
      time = affine(g.t0, g.dt, m);
      break;
    case 'decimal':
      time = decimal(g.a, g.b, g.d, m);
      break;
    case 'printed':
      time = printedGrid(g.t0, g.dt, g.rule, m);
      break;
    case 'rational':
      time = rational(g.a, g.b, g.c, m);
      break;
    case 'colon': {
      const at = colonAt(g.t0, g.dt, g.t1, m);
      time = new Float64Array(m);
      for (let j = 0; j < m; j++) time[j] = at(j);
      break;
    }
  }
  section?.end();
  for (let j = 0; j < m; j++) {
    if (!Number.isFinite(time[j]) || (j > 0 && !(time[j] > time[j - 1]))) throw new FormatError("corrupt section 'time': time stamps are not finite and strictly increasing");
  }
  if (!Object.is(time[0], g.summary.t0) || !Object.is(time[m - 1], g.summary.t1)) throw new FormatError("corrupt section 'time': stamps do not match the header");
  return time;
}
