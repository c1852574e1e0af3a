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
  /**
   * What the source carries beyond a grid of numbers (comment lines, units row, index column, date-time
   * stamps, decimal commas, missing cells), kept in the file's SRCX section and written back verbatim.
   * Absent for plain CSVs (their .wsindy files keep their bytes).
   */
  extras?: SourceExtras;
}

/** See SourceFormat.extras; every field is optional and absent when the source has nothing of the kind. */
export interface SourceExtras {
  /** Text before the header (comment and preamble lines), verbatim with its line endings. */
  preamble?: string;
  /** The units row directly under the header, verbatim without its line ending. */
  units?: string;
  /** A row-index column (pandas' unnamed index) at CSV column `column`, holding start, start + 1, … */
  index?: { column: number; start: number };
  /** The time column holds ISO 8601 date-times; `time` is then seconds since the first stamp. */
  dates?: DateStamps;
  /** Numbers are read and written with a decimal comma (';' or tab delimiter). */
  decimalComma?: boolean;
  /** Missing cells: the series hold a bridged value there, the CSV gets each cell's spelling back. */
  missing?: MissingCells;
}

export interface DateStamps {
  /** The first stamp's text: its layout (separator, fraction digits, zone) prints every other stamp. */
  first: string;
  /** Every stamp's text, when one layout does not reproduce them all (mixed zones or layouts). */
  texts?: string[];
}

export interface MissingCells {
  /** The distinct cell texts, verbatim (quotes and spaces included): '', 'NaN', 'NA', … */
  spellings: string[];
  /** Flat indices variable · m + step, strictly increasing. */
  cells: Float64Array;
  /** Index into spellings of each cell. */
  kinds: Uint16Array;
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
