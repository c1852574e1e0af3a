// Whole routes tried a second time in compressFile, the smaller file kept: what decides whether a job has
// one worth trying (a headerless grid read the other way round, the POD rank above the noise floor), and
// the progress of a second attempt.
import type { CompressOptions } from './options';
import type { Dataset } from './dataset';
import type { PodBasis } from './model';
import type { ProgressSink } from './progress';
import { DEFAULT_MAX_RANK, noiseFloorRank } from './numerics/pod';

/** Steps the rows reading of a headerless grid must have for `mayBeFieldByLines` (fewer: not a record in time). */
const FIELD_MIN_STEPS = 64;
/** Values up to which a headerless grid is coded both ways (each way costs a whole compress). */
const FIELD_MAX_VALUES = 2 ** 22;

/**
 * A headerless grid of numbers that auto-detection read as one line per time step (it has at least as many
 * lines as cells, so the longer axis became time) may be a field written one grid point per line with
 * fewer steps than points (PySINDy's examples, a flattened 2-D grid): the layout was guessed, not given.
 */
export function mayBeFieldByLines(options: CompressOptions, ds: Dataset): boolean {
  const src = ds.source;
  const n = ds.series.length;
  const m = ds.time.length;
  return options.layout === 'auto' && options.mode === 'error-bounded' && src.layout === 'columns' && src.header === null && src.timeColumn === null && !src.extras && n >= FIELD_MIN_STEPS && n * m <= FIELD_MAX_VALUES;
}

/** Most POD modes above the noise floor for which `noisyLowRank` codes a second file (a fit that small is cheap). */
const NOISY_RANK_MAX = 8;

/**
 * With the automatic rank, the rank above the noise floor (pod.ts noiseFloorRank) when the energy rule's
 * rank hit the cap (its energy target unreachable: noise) and that floor leaves only a few modes; else null.
 */
export function noisyLowRank(options: CompressOptions, pod: PodBasis | null, ds: Dataset): number | null {
  const N = Math.min(ds.series.length, ds.time.length);
  if (options.rank !== 'auto' || options.mode !== 'error-bounded' || !pod || pod.rank < Math.min(DEFAULT_MAX_RANK, N)) return null;
  const r = noiseFloorRank(pod.singularValues, ds.series.length, ds.time.length);
  return r !== null && r >= 1 && r <= NOISY_RANK_MAX ? r : null;
}

/** A progress sink for a second attempt at the same job: its events say which attempt they belong to. */
export function retrying(progress: ProgressSink, what: string): ProgressSink {
  return (e) => progress({ ...e, message: e.message ? `${what}: ${e.message}` : what });
}
