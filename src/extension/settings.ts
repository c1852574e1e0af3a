// The `wsindy.*` settings: read, validate (one clear message per invalid value) and turn into
// CompressOptions through the core's own resolver, so settings and CLI flags mean the same thing.
import * as vscode from 'vscode';
import type { CompressOptions } from '../core/options';
import { resolveCompressOptions, type RawOptions } from '../core/optionsResolve';
import { OptionError } from '../core/errors';

export const SECTION = 'wsindy';

/** Setting key (under `wsindy.`) of each engine option. */
const OPTION_SETTINGS: Record<Exclude<keyof CompressOptions, 'testFunctions'>, string> = {
  mode: 'mode',
  tolerance: 'tolerance',
  absError: 'absError',
  degree: 'degree',
  trig: 'trig',
  forceModel: 'forceModel',
  threshold: 'threshold',
  rank: 'rank',
  energy: 'energy',
  layout: 'layout',
  timeColumn: 'timeColumn',
  dt: 'dt',
  commentPrefix: 'commentPrefix',
  decimal: 'decimal',
  streaming: 'streaming',
  streamingAboveMB: 'streamingAboveMB',
};

/** An invalid setting: names the setting and what is allowed. */
export class SettingError extends OptionError {
  constructor(
    readonly setting: string,
    detail: string,
  ) {
    super(`Invalid setting ${setting}: ${detail}`);
  }
}

/** Host-side limits that are not engine options. */
export interface JobLimits {
  /** Ask before compressing files above this size (bytes); 0 = never ask. */
  maxFileBytes: number;
  /** Worker heap limit (MB). */
  maxMemoryMB: number;
  /** Job time limit (ms); 0 = none. */
  timeoutMs: number;
}

/** Strip the resolver's "<name> must…" prefix so the message reads "Invalid setting wsindy.x: must…". */
function detailOf(e: unknown, option: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith(option + ' ') ? msg.slice(option.length + 1) : msg;
}

/**
 * Compression options from the settings (resource-scoped to `uri`), with `overrides` on top
 * (e.g. the answers of "Compress with Options…"). Throws SettingError naming the first bad setting.
 */
export function readCompressOptions(uri?: vscode.Uri, overrides: Partial<CompressOptions> = {}): CompressOptions {
  const cfg = vscode.workspace.getConfiguration(SECTION, uri);
  const raw: RawOptions = {};
  for (const [option, key] of Object.entries(OPTION_SETTINGS) as [keyof typeof OPTION_SETTINGS, string][]) {
    let v: unknown = cfg.get<unknown>(key);
    if (typeof v === 'string' && (option === 'threshold' || option === 'rank')) v = v.trim();
    // Validate each value alone so the message names the right setting.
    try {
      resolveCompressOptions({ [option]: v });
    } catch (e) {
      throw new SettingError(`${SECTION}.${key}`, detailOf(e, option));
    }
    raw[option] = v;
  }
  const tf = {
    count: cfg.get<unknown>('testFunctions.count'),
    halfWidth: cfg.get<unknown>('testFunctions.halfWidth'),
    exponent: cfg.get<unknown>('testFunctions.exponent'),
  };
  const given = Object.fromEntries(Object.entries(tf).filter(([, v]) => v !== undefined && v !== null));
  if (Object.keys(given).length > 0) {
    try {
      resolveCompressOptions({ testFunctions: given });
    } catch (e) {
      const m = /testFunctions\.(\w+)/.exec(e instanceof Error ? e.message : '');
      throw new SettingError(`${SECTION}.testFunctions.${m?.[1] ?? 'count'}`, detailOf(e, `testFunctions.${m?.[1] ?? ''}`));
    }
    raw.testFunctions = given;
  }
  const options = resolveCompressOptions(raw);
  return validateOverrides({ ...options, ...overrides });
}

function validateOverrides(o: CompressOptions): CompressOptions {
  // Re-resolve so overrides from the multi-step input are held to the same rules as settings.
  const raw: RawOptions = { ...o };
  return resolveCompressOptions(raw);
}

function numberSetting(cfg: vscode.WorkspaceConfiguration, key: string, min: number, max: number, integer: boolean): number {
  const v = cfg.get<unknown>(key);
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
  if (!ok) {
    const what = integer ? 'an integer' : 'a number';
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new SettingError(`${SECTION}.${key}`, `must be ${what} ${range}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function readJobLimits(uri?: vscode.Uri): JobLimits {
  const cfg = vscode.workspace.getConfiguration(SECTION, uri);
  return {
    maxFileBytes: numberSetting(cfg, 'maxFileSizeMB', 0, Infinity, false) * 1024 * 1024,
    maxMemoryMB: numberSetting(cfg, 'worker.maxMemoryMB', 128, 65536, true),
    timeoutMs: numberSetting(cfg, 'worker.timeoutMinutes', 0, Infinity, false) * 60_000,
  };
}

