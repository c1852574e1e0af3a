// Missing values: the cell texts pandas writes and reads as NaN (its default na_values), and bridging the
// gaps for the fit and the coder. The reader keeps each missing cell's spelling (verbatim, quotes and
// spaces included) so that the reconstruction writes the same text back; the series get a bridged value
// there (linear in time between the nearest present values, the nearest one at the ends), so the POD, the
// library and the coder see smooth data, and the fit drops the test functions whose support touches a gap.
import type { MissingCells } from '../dataset';

/** pandas' default na_values (and the empty cell). Inf and -Inf are not in it: they stay errors. */
export const MISSING_WORDS: ReadonlySet<string> = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA',
  'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
]);

/** Longest verbatim spelling kept for a missing cell (quotes and spaces included). */
export const MAX_SPELLING = 40;

/** Whether a trimmed, unquoted cell text means "missing". */
export function isMissingWord(trimmed: string): boolean {
  return MISSING_WORDS.has(trimmed);
}

/** Most of the values that may be missing: beyond this fraction there is too little left to fit. */
export const MAX_MISSING_FRACTION = 0.5;

/**
 * Fill the missing cells of `series` (n arrays of m, flat index i·m + j in `cells`) in place: linear in
 * time between the nearest present neighbours of the same variable, the nearest present value at the ends.
 * Returns the index of a variable with no present value, or -1.
 */
export function bridgeGaps(series: Float64Array[], time: Float64Array, cells: Float64Array): number {
  const m = time.length;
  let k = 0;
  while (k < cells.length) {
    const i = Math.floor(cells[k] / m);
    const s = series[i];
    // the run of consecutive missing steps [j0, j1) of variable i
    const j0 = cells[k] - i * m;
    let j1 = j0 + 1;
    k++;
    while (k < cells.length && cells[k] === i * m + j1) {
      j1++;
      k++;
    }
    if (j0 === 0 && j1 === m) return i;
    const left = j0 > 0 ? s[j0 - 1] : s[j1];
    const right = j1 < m ? s[j1] : s[j0 - 1];
    const tl = j0 > 0 ? time[j0 - 1] : time[j0];
    const tr = j1 < m ? time[j1] : time[j1 - 1];
    for (let j = j0; j < j1; j++) {
      const w = tr > tl ? (time[j] - tl) / (tr - tl) : 0;
      s[j] = left + (right - left) * w;
    }
  }
  return -1;
}

/** 1 at every step where some variable is missing (what the fit keeps its test functions away from). */
export function gapSteps(missing: MissingCells | undefined, m: number): Uint8Array | undefined {
  if (!missing || missing.cells.length === 0) return undefined;
  const g = new Uint8Array(m);
  for (const c of missing.cells) g[c % m] = 1;
  return g;
}
