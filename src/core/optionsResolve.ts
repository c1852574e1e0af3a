// Turns loosely typed option values (CLI flags, VS Code settings) into validated CompressOptions.
// Every invalid value gets a one-line OptionError naming the option and what is allowed.
import { OptionError } from './errors';
import { DEFAULT_COMPRESS_OPTIONS, type CompressOptions } from './options';

export type RawOptions = { [K in keyof CompressOptions]?: unknown };

function num(name: string, v: unknown): number {
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new OptionError(`${name} must be a number, got ${JSON.stringify(v)}`);
  return x;
}

function intIn(name: string, v: unknown, lo: number, hi: number): number {
  const x = num(name, v);
  if (!Number.isInteger(x) || x < lo || x > hi) throw new OptionError(`${name} must be an integer from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  return x;
}

function positive(name: string, v: unknown, max = Infinity): number {
  const x = num(name, v);
  if (!(x > 0) || x > max) throw new OptionError(`${name} must be a number > 0${max < Infinity ? ` and ≤ ${max}` : ''}, got ${JSON.stringify(v)}`);
  return x;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new OptionError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
}

function bool(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new OptionError(`${name} must be true or false, got ${JSON.stringify(v)}`);
}

function autoOr<T>(v: unknown, parse: () => T): T | 'auto' {
  return v === 'auto' || v === '' ? 'auto' : parse();
}

/** Validates `raw` over the defaults. Undefined and null values keep the default. */
export function resolveCompressOptions(raw: RawOptions): CompressOptions {
  const o: CompressOptions = { ...DEFAULT_COMPRESS_OPTIONS };
  const given = <K extends keyof CompressOptions>(k: K): boolean => raw[k] !== undefined && raw[k] !== null;
  if (given('layout')) o.layout = oneOf('layout', raw.layout, ['auto', 'rows', 'columns'] as const);
  if (given('timeColumn')) {
    if (typeof raw.timeColumn !== 'string') throw new OptionError('timeColumn must be a column name');
    o.timeColumn = raw.timeColumn.trim() === '' ? undefined : raw.timeColumn;
  }
  if (given('dt')) o.dt = positive('dt', raw.dt);
  if (given('commentPrefix')) {
    if (typeof raw.commentPrefix !== 'string' || /[\r\n]/.test(raw.commentPrefix)) throw new OptionError('commentPrefix must be a text on one line, like "%" or "//"');
    o.commentPrefix = raw.commentPrefix === '' ? undefined : raw.commentPrefix;
  }
  if (given('decimal')) o.decimal = raw.decimal === '' ? 'auto' : oneOf('decimal', raw.decimal, ['auto', '.', ','] as const);
  if (given('degree')) o.degree = autoOr(raw.degree, () => intIn('degree', raw.degree, 1, 5));
  if (given('trig')) o.trig = bool('trig', raw.trig);
  if (given('forceModel') && bool('forceModel', raw.forceModel)) o.forceModel = true;
  if (given('threshold')) o.threshold = autoOr(raw.threshold, () => {
    const t = num('threshold', raw.threshold);
    if (t < 0) throw new OptionError(`threshold must be "auto" or a number ≥ 0, got ${JSON.stringify(raw.threshold)}`);
    return t;
  });
  if (given('rank')) o.rank = autoOr(raw.rank, () => intIn('rank', raw.rank, 1, 64));
  if (given('energy')) {
    const e = num('energy', raw.energy);
    if (!(e > 0 && e <= 1)) throw new OptionError(`energy must be in (0, 1], got ${JSON.stringify(raw.energy)}`);
    o.energy = e;
  }
  if (given('mode')) o.mode = oneOf('mode', raw.mode, ['error-bounded', 'model-only'] as const);
  if (given('tolerance')) o.tolerance = positive('tolerance', raw.tolerance, 0.5);
  if (given('absError')) o.absError = raw.absError === 0 || raw.absError === '' ? undefined : positive('absError', raw.absError);
  if (given('streaming')) o.streaming = oneOf('streaming', raw.streaming, ['auto', 'on', 'off'] as const);
  if (given('streamingAboveMB')) o.streamingAboveMB = positive('streamingAboveMB', raw.streamingAboveMB);
  if (given('testFunctions')) {
    const tf = raw.testFunctions;
    if (typeof tf !== 'object' || tf === null) throw new OptionError('testFunctions must be an object');
    const t = tf as Record<string, unknown>;
    o.testFunctions = {
      count: t.count === undefined ? undefined : intIn('testFunctions.count', t.count, 4, 100000),
      halfWidth: t.halfWidth === undefined ? undefined : intIn('testFunctions.halfWidth', t.halfWidth, 2, 1e9),
      exponent: t.exponent === undefined ? undefined : intIn('testFunctions.exponent', t.exponent, 1, 64),
    };
  }
  return o;
}
