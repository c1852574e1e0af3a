// The in-memory time series every module works on, and how it was laid out in its source CSV.

export type Delimiter = ',' | ';' | '\t';

/** How the source CSV was written, so reconstruction can write it back the same way. */
export interface SourceFormat {
  /** 'rows': one CSV row per variable, columns are time steps (no header).
   *  'columns': tidy layout, one CSV row per time step, one column per variable. */
  layout: 'rows' | 'columns';
  delimiter: Delimiter;
  /** Header cells as read (unquoted), including the time column; null when the file has no header. */
  header: string[] | null;
  /** Index of the time column among the CSV columns (columns layout only), else null. */
  timeColumn: number | null;
  lineEnding: '\n' | '\r\n';
}

export interface Dataset {
  /** n variable names: header names, else x0, x1, … */
  names: string[];
  /** n series of m samples each: series[i][j] = variable i at time[j]. */
  series: Float64Array[];
  /** m strictly increasing time stamps. */
  time: Float64Array;
  source: SourceFormat;
  /**
   * Optional decimal step 10^k (k an integer in [-22, 22]) the series values may be printed at: the CSV
   * writer rounds each value (not the time column) to a multiple of it. Set by the decoder for files whose
   * bound leaves room for that rounding; absent: full round-trip digits.
   */
  decimalStep?: number;
}

export function datasetShape(ds: Dataset): { n: number; m: number } {
  return { n: ds.series.length, m: ds.time.length };
}

/** Default variable names when the file has none. */
export function defaultNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `x${i}`);
}
