// csv/ owns CSV text ⇄ typed arrays: layout detection, parsing, writing back, exact number text (one or two cores).
// It may import the shared core types (dataset, errors, progress) and platform/; nothing above.
// Streaming CSV reader: bytes → typed arrays, with no per-cell strings or objects on the numeric path.
//
// The file is read in 4 MiB chunks; each chunk is parsed up to its last complete line and the partial
// line is carried to the front of the (reused) buffer. Cells are parsed straight from the bytes into one
// growable Float64Array per column (columns layout) or one array per row (rows layout), so memory is about
// the float64 size of the data plus one chunk. Columns layout: plain numeric rows go through fastCols (one
// monomorphic loop, no per-cell calls except the inlined long-significand path); any row it does not take
// (quotes, spaces, blank lines, errors, the last line without LF) goes through the general per-cell code
// with numberText.scanNumber, which also produces every error message. Rows layout: the same for fastRow,
// one line (one variable's whole series) at a time; a line it does not take is parsed again in full by
// the general code.
// Staging (scanCsvFile, for stream/stagedCsv.ts): the same engine and loops, but parsed rows are handed to
// a CsvSink every few MiB (columns layout; the previous row's time stamp stays in front of the row buffer
// so the fast loop's time check still sees it) or line by line (rows layout) instead of accumulating;
// finishStaged() makes finish()'s end-of-file checks on what the sink tracked.
//
// Decisions (see detect.ts for detection):
// - At least MIN_TIME_STEPS (16) time steps and one variable; all-constant data is an error (nothing to
//   fit), one constant variable among others is fine.
// - Quoted numbers ("1.5") are accepted; spaces around a cell are ignored; an empty cell is an error.
// - A trailing delimiter at the end of every line (when the first data line has one) is ignored.
// - Blank lines are skipped anywhere (trailing ones are common).
// - The time column must be strictly increasing (the offending row's line is reported); any step pattern
//   (uniform or not) is accepted. Without a time column, time = 0, dt, 2dt, … (dt = opts.dt ?? 1); opts.dt
//   is ignored when the file has a time column.
// - NaN, Inf and values that overflow to ±Infinity (1e400) are errors; 1e-400 underflows to 0 (valid).
import { open } from 'node:fs/promises';
import type { Dataset, Delimiter, SourceExtras, SourceFormat } from '../dataset';
import { defaultNames } from '../dataset';
import { CancelledError, InputError, OptionError } from '../errors';
import type { ProgressSink } from '../progress';
import { decimalToDouble, isNonFiniteWord, latin1, longDivide, parseDecimal, scanNumber, scanState } from './numberText';
import {
  cellText,
  cellValueText,
  checkTextEncoding,
  decodeText,
  delimiterName,
  detectDelimiter,
  findTimeColumn,
  hasDecimalCommas,
  isDecimalCommaNumber,
  isNumberLike,
  looksLikeSteps,
  rowsAreVariables,
  sampleLines,
  skipPreamble,
  splitCells,
  trimRange,
  truncate,
  type RawCell,
  type SampleLine,
} from './detect';
import { formatStamp, isStamp, parseStamp, secondsSince, type Stamp } from './dates';
import { bridgeGaps, isMissingWord, MAX_MISSING_FRACTION, MAX_SPELLING } from './missing';

/** Fewest time steps we accept: the weak form needs several test functions with a few points each. */
export const MIN_TIME_STEPS = 16;

export interface ReadCsvOptions {
  layout?: 'auto' | 'rows' | 'columns';
  /** Time column name (or 1-based number in a file without header). */
  timeColumn?: string;
  /** Time step when the file has no time column (default 1). */
  dt?: number;
  /** Name used in error messages (default: the path as given). */
  displayName?: string;
  /** Read size in bytes (default 4 MiB); small values let tests cross chunk boundaries. */
  chunkBytes?: number;
  /** Sees every byte of the file once, in order (e.g. a checksum), so no second pass is needed. */
  onBytes?: (chunk: Uint8Array) => void;
  /** Leading lines starting with this (as well as '#') are comments, kept verbatim. */
  commentPrefix?: string;
  /** Decimal separator of the numbers: detect (',' with ';' or tab delimiters and commas in numbers), or force. */
  decimal?: 'auto' | '.' | ',';
}

/**
 * Receives parsed data instead of the engine accumulating it (stagedCsv.ts): the file's data lines as
 * they are parsed, in file order. Calls are synchronous, inside the parse; flush() is awaited after each chunk.
 */
export interface CsvSink {
  /**
   * After detection: 'columns' = each data line is one time step of `columns` cells, of which cell
   * `timeColumn` (-1: none) is time; 'rows' = each line is one variable's series. With autoOrient the
   * layout is a guess from line lengths that finishStaged() may reverse. Returns the rows per columns() call.
   */
  begin(shape: CsvSinkShape): number;
  /** Columns layout: rows [from, to) of every column (time column included). The arrays are reused. */
  columns(cols: readonly Float64Array[], from: number, to: number): void;
  /** Rows layout: one line's values (a fresh array the sink may keep). */
  line(values: Float64Array): void;
  /** Whether any variable is not constant: variables are the lines, or the columns except the time column. */
  anyVarying(variablesAreLines: boolean): boolean;
  /** Columns layout with a time column: the time stamps of every row. */
  timeColumn(): Float64Array;
  /** Awaited after each chunk is parsed: write out what was handed over. */
  flush(): Promise<void>;
}

export interface CsvSinkShape {
  layout: 'rows' | 'columns';
  columns: number;
  timeColumn: number;
  autoOrient: boolean;
  /** Columns layout: data lines expected from the file size and the sampled lines (a guess); rows layout: 0. */
  estimatedRows: number;
}

/** What finishStaged() decided: the Dataset's shape without its series (those are in the sink). */
export interface StagedShape {
  n: number;
  m: number;
  names: string[];
  time: Float64Array;
  source: SourceFormat;
  /** true: variable i is data line i (rows layout); false: variable i is a column of the staged lines. */
  variablesAreLines: boolean;
}

/** Default read size; csvParallel reads its ranges with the same size. */
export const CHUNK = 4 << 20;
/** For tests: false sends every row through the general per-cell path (the reference for fastCols/fastRow). */
export const csvFastPaths = { enabled: true };
// Byte constants kept local: imported bindings compile to module getters, 17 % of self time in --cpu-prof.
const LF = 10;
const CR = 13;
const QUOTE = 34;
const TAB = 9;
// Local alias: reading an imported binding goes through a module getter on every cell (seen in --cpu-prof).
const scan = scanState;
const scanNum = scanNumber;
const toDouble = decimalToDouble;
const longDiv = longDivide;
const latin1Text = latin1;
/** readChunks detects on at least this many bytes (or the whole file); csvParallel does the same. */
export const DETECT_BYTES = 64 * 1024;
const POW10 = new Float64Array(23);
for (let i = 0, x = 1; i < 23; i++, x *= 10) POW10[i] = x; // exact

/** The engine's configuration after detect(), as plain data (posted to csvParallel's workers). */
export interface CsvEngineState {
  delim: number;
  header: string[] | null;
  names: string[];
  ncol: number;
  trailing: boolean;
  lineEnding: '\n' | '\r\n';
  mode: 'cols' | 'rows';
  autoOrient: boolean;
  tc: number;
  /** Columns layout: initial rows per column (an estimate from the file size). */
  cap: number;
  /** Numbers have decimal commas (feed() reads ',' as '.'). */
  decimalComma: boolean;
  /** The time column holds date-times (parsed in order from the first stamp: one engine only). */
  dates: boolean;
}

/** What the engine has parsed (without a sink): csvParallel moves it between engines. */
export interface CsvParsed {
  /** Columns layout: one array per column, rows [0, nrows) valid. */
  cols: Float64Array[];
  nrows: number;
  /** Rows layout: one array per data line; rowLen = cells per line (-1 before the first line). */
  rowList: Float64Array[];
  rowLen: number;
  /** Line number of the next line. */
  line: number;
  /** Missing cells found: data line index and CSV column (relative to what was parsed), verbatim text. */
  missing?: ParsedMissing;
}

export interface ParsedMissing {
  rows: number[];
  cols: number[];
  texts: string[];
}

/** Exported for csvParallel (detect once, parse byte ranges with the detected configuration, finish once). */
export class CsvEngine {
  readonly file: string;
  private readonly opts: ReadCsvOptions;
  private readonly totalBytes: number;
  detected = false;
  private delim = 44;
  private header: string[] | null = null;
  private names: string[] = [];
  private ncol = 0;
  private trailing = false;
  private lineEnding: '\n' | '\r\n' = '\n';
  private line = 1;
  private mode: 'cols' | 'rows' = 'cols';
  private autoOrient = false;
  private tc = -1;
  // columns mode
  private cols: Float64Array[] = [];
  private nrows = 0;
  private cap = 0;
  // rows mode
  private rowList: Float64Array[] = [];
  private rowLen = -1;
  // Staging (sink set): parsed rows go to the sink instead of accumulating (see CsvSink).
  private readonly sink: CsvSink | null;
  /** Columns layout: rows handed to the sink so far. */
  private drained = 0;
  /** Columns layout: rows at the front of cols already handed over (the last one, kept for the time check). */
  private base = 0;
  /** Rows layout: lines handed to the sink so far. */
  private lineCount = 0;
  // What the source carries beyond numbers (SourceExtras), found by detect() or while parsing.
  private decimalComma = false;
  private preamble: string | null = null;
  private units: string | null = null;
  /** Column of an unnamed row index (pandas), checked to hold consecutive integers in finish(); -1: none. */
  private indexCol = -1;
  private headerLine = 1;
  /** The time column holds date-times: the first stamp, its text, and every text once one layout does not print them all. */
  private dates = false;
  private dateFirst: Stamp | null = null;
  private dateFirstText = '';
  private dateTexts: string[] | null = null;
  /** Missing cells as found: data line index, CSV column, spelling id. */
  private missRow: number[] = [];
  private missCol: number[] = [];
  private missKind: number[] = [];
  private spellings: string[] = [];
  private spellingIds = new Map<string, number>();
  /** Set by slowCell for a missing cell: its verbatim text. */
  private missText = '';

  constructor(file: string, opts: ReadCsvOptions, totalBytes: number, sink: CsvSink | null = null) {
    if (!warmed) {
      warmed = true;
      warmFastPaths();
    }
    this.file = file;
    this.opts = opts;
    this.totalBytes = totalBytes;
    this.sink = sink;
    if (opts.dt !== undefined && !(opts.dt > 0 && Number.isFinite(opts.dt))) {
      throw new OptionError(`dt must be a positive finite number, not ${opts.dt}`);
    }
  }

  private err(reason: string, line?: number, column?: number): InputError {
    return new InputError({ file: this.file, line, column }, reason);
  }

  /** Detect the format from the first bytes; returns where data starts, or -1 if more bytes are needed. */
  detect(b: Uint8Array, start: number, end: number, eof: boolean): number {
    if (end === start && eof) throw this.err('empty file');
    const skip = checkTextEncoding(b, start, end, this.file);
    const s0 = start + skip;
    if (b.subarray(s0, end).indexOf(LF) < 0 && b.subarray(s0, end).indexOf(CR) >= 0) {
      throw this.err('not a text CSV with supported line endings: lines end with CR only (old Mac format); use LF or CRLF');
    }
    // Leading comment lines ('#' or the configured prefix) and blank lines among them: kept verbatim.
    const pre = skipPreamble(b, s0, end, eof, this.commentPrefixes());
    if (pre === -1) return -1;
    const d0 = pre ? pre.start : s0;
    const sample = sampleLines(b, d0, end, eof, 50, pre ? pre.lines + 1 : 1);
    if (sample.lines.length === 0) {
      if (eof) throw this.err('empty file');
      return -1;
    }
    const delim = detectDelimiter(b, sample.lines, this.file);
    this.delim = delim;
    this.lineEnding = sample.lineEnding;
    const decimal = this.opts.decimal ?? 'auto';
    if (decimal === ',' && delim === 44) {
      throw this.err("a decimal comma needs ';' or tab as the delimiter, and this file is ','-separated", sample.lines[0].line);
    }
    const dc = decimal === ',' || (decimal === 'auto' && hasDecimalCommas(b, sample.lines, delim));
    const first = sample.lines[0];
    const firstCells = splitCells(b, first, delim);
    // A trailing delimiter's empty cell does not make a data line a header ("1,2,3," is data), nor do
    // missing-value cells ("1,NA,2" is data).
    const lastFirst = firstCells[firstCells.length - 1];
    const emptyLast = firstCells.length > 1 && !lastFirst.quoted && lastFirst.start === lastFirst.end;
    // (the missing-value words are at most 8 bytes: longer cells need no decoding)
    const isText = (c: RawCell): boolean => !isNumberLike(b, c, delim, dc) && (c.end - c.start > 10 || !isMissingWord(cellValueText(b, c, delim)));
    const hasHeader = firstCells.some((c, j) => !(emptyLast && j === firstCells.length - 1) && isText(c));
    // A units row: directly under the header, no cell a number or a date, some cell text.
    let unitsLine: SampleLine | null = null;
    if (hasHeader && sample.lines.length > 1 && sample.lines[1].line === sample.lineAfterFirst) {
      const l = sample.lines[1];
      const cells = splitCells(b, l, delim);
      const noNumbers = cells.every((c) => {
        const t = cellValueText(b, c, delim);
        return !isNumberLike(b, c, delim, dc) && !isStamp(t) && !isDecimalCommaNumber(t);
      });
      if (noNumbers && cells.some((c) => isText(c))) unitsLine = l;
    }
    const dataIdx = hasHeader ? (unitsLine ? 2 : 1) : 0;
    const dataLine = sample.lines[dataIdx];
    if (!dataLine) {
      if (!eof) return -1;
      throw this.err('header only, no data rows', (unitsLine ?? first).line + 1);
    }
    const dataCells = hasHeader ? splitCells(b, dataLine, delim) : firstCells;
    const lastData = dataCells[dataCells.length - 1];
    // A trailing delimiter ends every sampled data line; an empty last cell on some lines is a missing value.
    const dataLines = sample.lines.slice(dataIdx);
    let trailing = dataCells.length > 1 && !lastData.quoted && lastData.start === lastData.end && dataLines.every((l) => b[l.end - 1] === delim);
    let h: string[] | null = null;
    if (hasHeader) {
      h = firstCells.map((c) => cellText(b, c));
      // a header cell over the empty last cells names a column whose values are missing
      if (trailing && h.length === dataCells.length && !(h[h.length - 1].trim() === '' && !firstCells[h.length - 1].quoted)) trailing = false;
    }
    this.trailing = trailing;
    let ncol = dataCells.length - (this.trailing ? 1 : 0);
    if (h) {
      if (h.length === ncol + 1 && h[h.length - 1].trim() === '' && !firstCells[h.length - 1].quoted) h = h.slice(0, ncol);
      this.header = h;
      ncol = h.length;
      // pandas' unnamed index column: an empty first header cell over integers
      if (ncol > 1 && h[0] === '' && !firstCells[0].quoted && /^[+-]?\d+$/.test(cellValueText(b, dataCells[0], delim))) this.indexCol = 0;
    }
    this.ncol = ncol;
    this.decimalComma = dc;
    this.preamble = pre ? decodeText(b.subarray(s0, d0)) : null;
    this.units = unitsLine ? decodeText(b.subarray(unitsLine.start, unitsLine.end)) : null;
    this.headerLine = first.line;

    const layout = this.opts.layout ?? 'auto';
    if (layout === 'rows') {
      if (hasHeader) {
        throw this.err('a header row cannot be used with layout "rows" (one row per variable); use layout "columns"', first.line);
      }
      this.mode = 'rows';
    } else if (layout === 'columns' || hasHeader || (this.opts.timeColumn ?? '') !== '') {
      this.mode = 'cols';
    } else {
      // Guess the orientation from the average line length; finish() checks it on the exact counts.
      let bytes = 0;
      for (const l of sample.lines) bytes += l.end - l.start + 1;
      const estRows = (this.totalBytes - skip) / (bytes / sample.lines.length);
      this.mode = rowsAreVariables(estRows, ncol) ? 'rows' : 'cols';
      this.autoOrient = true;
    }
    if (this.mode === 'rows' && (this.opts.timeColumn ?? '') !== '') {
      throw this.err('a time column needs the columns layout (one column per variable)');
    }
    if (this.mode === 'cols') {
      const columnValues = (j: number): number[] =>
        dataLines.map((l) => {
          const c = splitCells(b, l, delim)[j];
          const t = c ? cellValueText(b, c, delim) : '';
          return t === '' ? NaN : Number(dc ? t.replace(',', '.') : t);
        });
      this.tc = findTimeColumn(this.header, ncol, this.opts.timeColumn, this.file, (j) => j !== this.indexCol && looksLikeSteps(columnValues(j))) ?? -1;
      if (this.tc === this.indexCol) this.indexCol = -1;
      // ISO 8601 date-times: the named time column's, else the first column of them
      if (this.header) {
        const stampAt = (j: number): boolean => j < dataCells.length && isStamp(unquote(cellValueText(b, dataCells[j], delim)));
        if (this.tc >= 0) this.dates = stampAt(this.tc);
        else if ((this.opts.timeColumn ?? '') === '') {
          for (let j = 0; j < ncol; j++) {
            if (j !== this.indexCol && stampAt(j)) {
              this.tc = j;
              this.dates = true;
              break;
            }
          }
        }
      }
      let bytes = 0;
      for (const l of dataLines) bytes += l.end - l.start + 1;
      const est = Math.ceil(((this.totalBytes - skip) / (bytes / dataLines.length)) * 1.05) + 16;
      this.cap = Math.max(16, Math.min(est, 1 << 26));
    }
    if (this.sink) {
      const perDrain = this.sink.begin({
        layout: this.mode === 'cols' ? 'columns' : 'rows',
        columns: ncol,
        timeColumn: this.tc,
        autoOrient: this.autoOrient,
        estimatedRows: this.cap,
      });
      // At least 2: after a drain one row stays in front (the previous time stamp).
      this.cap = Math.max(2, perDrain);
    }
    if (this.mode === 'cols') for (let j = 0; j < ncol; j++) this.cols.push(new Float64Array(this.cap));
    if (this.header) this.names = this.variableNames(this.header, first.line);
    if (this.sink) this.refuseExtrasWhenStaging();
    this.detected = true;
    if (unitsLine) {
      this.line = unitsLine.line + 1;
      return unitsLine.after;
    }
    if (hasHeader) {
      this.line = sample.lineAfterFirst;
      return sample.afterFirst;
    }
    this.line = pre ? pre.lines + 1 : 1;
    return d0;
  }

  private commentPrefixes(): Uint8Array[] {
    const enc = new TextEncoder();
    const p = this.opts.commentPrefix;
    return p !== undefined && p !== '' && p !== '#' ? [enc.encode('#'), enc.encode(p)] : [enc.encode('#')];
  }

  /** Whether detect() found something beyond numbers (comments, units, an index, dates, decimal commas). */
  hasDetectedExtras(): boolean {
    return this.preamble !== null || this.units !== null || this.indexCol >= 0 || this.dates || this.decimalComma;
  }

  /** The streaming pipeline cannot carry the extras yet: say so rather than drop them. */
  private refuseExtrasWhenStaging(what?: string): void {
    const found = what ?? [
      this.preamble !== null ? 'comment lines' : '',
      this.units !== null ? 'a units row' : '',
      this.indexCol >= 0 ? 'an index column' : '',
      this.dates ? 'date-time stamps' : '',
      this.decimalComma ? 'decimal commas' : '',
    ].filter((x) => x !== '').join(', ');
    if (found === '') return;
    throw this.err(`the streaming pipeline cannot keep ${found} yet; compress this file without streaming (--no-streaming, setting wsindy.streaming "off")`);
  }

  /** A missing cell at data line `row`, CSV column `col` (its text in missText). */
  private noteMissing(row: number, col: number, line: number): void {
    if (this.sink) this.refuseExtrasWhenStaging(`missing values (line ${line})`);
    const text = this.missText;
    let id = this.spellingIds.get(text);
    if (id === undefined) {
      id = this.spellings.length;
      if (id > 0xffff) throw this.err('too many different spellings of missing values', line, col + 1);
      this.spellings.push(text);
      this.spellingIds.set(text, id);
    }
    this.missRow.push(row);
    this.missCol.push(col);
    this.missKind.push(id);
  }

  /** A date-time cell of the time column: seconds since the first stamp (data row 0). Sets scan.end. */
  private stampCell(b: Uint8Array, p: number, end: number, line: number, col: number, row: number): number {
    const q = this.cellEnd(b, p, end);
    scan.end = q;
    const raw = decodeText(b.subarray(p, q));
    const st = parseStamp(unquote(raw.trim()));
    if (!st) {
      if (isMissingWord(unquote(raw.trim()))) throw this.err('missing time stamp (the time column cannot have gaps)', line, col);
      throw this.err(`not a date-time: ${JSON.stringify(truncate(raw))} (the time column holds ISO 8601 date-times like ${JSON.stringify(this.dateFirstText || '2024-01-01 00:00:00')})`, line, col);
    }
    if (row === 0) {
      this.dateFirst = st;
      this.dateFirstText = raw;
      if (formatStamp(st, 0) !== raw) this.dateTexts = [raw];
      return 0;
    }
    const first = this.dateFirst as Stamp;
    const { t, sameLayout } = secondsSince(first, st);
    if (this.dateTexts === null && !(sameLayout && formatStamp(first, t) === raw)) {
      // this stamp is not printed by the first one's layout: keep every text from here on
      const tc = this.cols[this.tc];
      this.dateTexts = [];
      for (let k = 0; k < row; k++) this.dateTexts.push(formatStamp(first, tc[k]));
    }
    if (this.dateTexts !== null) this.dateTexts.push(raw);
    return t;
  }

  private variableNames(header: string[], line: number): string[] {
    const names: string[] = [];
    const seen = new Map<string, number>();
    header.forEach((h, j) => {
      if (j === this.tc || j === this.indexCol) return;
      let name = h.trim();
      if (name === '') name = `x${names.length}`;
      const prev = seen.get(name);
      if (prev !== undefined) {
        throw this.err(`duplicate column name ${JSON.stringify(truncate(name))} (columns ${prev + 1} and ${j + 1})`, line, j + 1);
      }
      seen.set(name, j);
      names.push(name);
    });
    return names;
  }

  /** Parse the complete lines in [p, end) (all of it when eof); returns the position reached. */
  feed(b: Uint8Array, p: number, end: number, eof: boolean): number {
    if (this.decimalComma) {
      // numbers with decimal commas: read ',' as '.' (the delimiter is ';' or tab); the bytes are ours
      for (let i = b.indexOf(44, p); i >= 0 && i < end; i = b.indexOf(44, i + 1)) b[i] = 46;
    }
    if (this.mode === 'cols') return this.feedCols(b, p, end, eof);
    return this.feedRows(b, p, end, eof);
  }

  private growCols(): void {
    const cap = this.cap * 2;
    for (let j = 0; j < this.cols.length; j++) {
      const a = new Float64Array(cap);
      a.set(this.cols[j]);
      this.cols[j] = a;
    }
    this.cap = cap;
  }

  private feedCols(b: Uint8Array, p: number, end: number, eof: boolean): number {
    const n = this.ncol;
    const D = this.delim;
    let cols = this.cols;
    const tc = this.tc;
    let row = this.nrows;
    let line = this.line;
    // Rows that end before the last LF in [p, end) take the fast loop: every scan stops at that LF at the latest.
    // Date-time stamps are not numbers: those rows all take the general path.
    const safeEnd = csvFastPaths.enabled && !this.dates ? b.lastIndexOf(LF, end - 1) : -1;
    const dates = this.dates;
    while (p < end) {
      if (row === this.cap && this.sink !== null) row = this.drainCols(row);
      if (p < safeEnd && row < this.cap) {
        const done = fastCols(b, p, safeEnd, cols, n, D, tc, this.trailing, row, this.cap);
        row += done;
        line += done;
        p = fast.p;
        if (p >= end) break;
      }
      const c0 = b[p];
      if (c0 === LF) {
        p++;
        line++;
        continue;
      }
      if (c0 === CR && (p + 1 >= end || b[p + 1] === LF)) {
        p += p + 1 < end ? 2 : 1;
        line++;
        continue;
      }
      if (row === this.cap) {
        this.line = line;
        if (this.sink !== null) row = this.drainCols(row);
        else {
          this.growCols();
          cols = this.cols;
        }
      }
      for (let j = 0; j < n; j++) {
        let v: number;
        let q: number;
        let t: number;
        if (dates && j === tc) {
          v = this.stampCell(b, p, end, line, j + 1, row);
          q = scan.end;
          t = q < end ? b[q] : LF;
        } else {
          v = scanNum(b, p, end);
          q = scan.end;
          t = q < end ? b[q] : LF;
          if (v - v !== 0 || (t !== D && t !== LF && t !== CR)) {
            v = this.slowCell(b, p, end, line, j + 1);
            q = scan.end;
            t = q < end ? b[q] : LF;
            if (v !== v) this.noteMissing(row + this.drained - this.base, j, line);
          }
        }
        cols[j][row] = v;
        if (j < n - 1) {
          if (t !== D) throw this.err(`ragged row: expected ${n} cells, found ${j + 1}`, line, j + 2);
          p = q + 1;
        } else {
          p = q;
          if (t === D) {
            p++;
            const u = p < end ? b[p] : LF;
            if (!this.trailing || (u !== LF && u !== CR)) {
              throw this.err(`ragged row: expected ${n} cells, found ${this.countCells(b, q, end, n)}`, line, n + 1);
            }
          }
          if (p < end && b[p] === CR) p++;
          if (p < end && b[p] === LF) p++;
        }
      }
      if (tc >= 0 && row > 0) {
        const tNow = cols[tc][row];
        const tPrev = cols[tc][row - 1];
        if (!(tNow > tPrev)) {
          throw this.err(timeOrderReason(tNow, tPrev), line, tc + 1);
        }
      }
      row++;
      line++;
    }
    this.nrows = row;
    this.line = line;
    void eof;
    return p;
  }

  private feedRows(b: Uint8Array, p: number, end: number, eof: boolean): number {
    const D = this.delim;
    const trailing = this.trailing;
    let line = this.line;
    // Rows that start before the last LF in [p, end) try fastRow: every scan stops at that LF at the latest.
    const safeEnd = csvFastPaths.enabled ? b.lastIndexOf(LF, end - 1) : -1;
    while (p < end) {
      const c0 = b[p];
      if (c0 === LF) {
        p++;
        line++;
        continue;
      }
      if (c0 === CR && (p + 1 >= end || b[p + 1] === LF)) {
        p += p + 1 < end ? 2 : 1;
        line++;
        continue;
      }
      const m = this.rowLen;
      if (p < safeEnd) {
        const got = fastRow(b, p, safeEnd, new Float64Array(m >= 0 ? m : 1024), m >= 0, D, trailing);
        if (got >= 0) {
          let arr = rowFast.arr;
          if (m < 0) {
            this.rowLen = got;
            arr = arr.length === got ? arr : arr.slice(0, got);
          }
          if (this.sink !== null) this.drainLine(arr);
          else this.rowList.push(arr);
          p = rowFast.p;
          line++;
          continue;
        }
        // Anything unusual in this row: parse the whole row again below, with the exact errors.
      }
      let arr = new Float64Array(m >= 0 ? m : 1024);
      let j = 0;
      for (;;) {
        let v = scanNum(b, p, end);
        let q = scan.end;
        let t = q < end ? b[q] : LF;
        if (v - v !== 0 || (t !== D && t !== LF && t !== CR)) {
          v = this.slowCell(b, p, end, line, j + 1);
          q = scan.end;
          t = q < end ? b[q] : LF;
          if (v !== v) this.noteMissing(this.rowList.length + this.lineCount, j, line);
        }
        if (j === arr.length) {
          if (m >= 0) {
            throw this.err(`ragged row: expected ${m} cells, found ${this.countCells(b, q, end, j + 1)}`, line, m + 1);
          }
          const a = new Float64Array(arr.length * 2);
          a.set(arr);
          arr = a;
        }
        arr[j++] = v;
        p = q;
        if (t === D) {
          p++;
          const u = p < end ? b[p] : LF;
          if ((u === LF || u === CR) && this.trailing) break;
          continue; // an empty last cell is a missing value

        }
        break;
      }
      if (p < end && b[p] === CR) p++;
      if (p < end && b[p] === LF) p++;
      if (m < 0) {
        this.rowLen = j;
        arr = arr.length === j ? arr : arr.slice(0, j);
      } else if (j !== m) {
        throw this.err(`ragged row: expected ${m} cells, found ${j}`, line, j + 1);
      }
      if (this.sink !== null) this.drainLine(arr);
      else this.rowList.push(arr);
      line++;
    }
    this.line = line;
    void eof;
    return p;
  }

  /** Hand rows [base, row) to the sink; keep the last time stamp in front for the next row's check. Returns the new row count. */
  private drainCols(row: number): number {
    (this.sink as CsvSink).columns(this.cols, this.base, row);
    this.drained += row - this.base;
    if (this.tc < 0 || row === 0) {
      this.base = 0;
      return 0;
    }
    const t = this.cols[this.tc];
    t[0] = t[row - 1];
    this.base = 1;
    return 1;
  }

  private drainLine(arr: Float64Array): void {
    (this.sink as CsvSink).line(arr);
    this.lineCount++;
  }

  /** Cells on the line from a delimiter at q onwards, plus `before` (for ragged-row messages). */
  private countCells(b: Uint8Array, q: number, end: number, before: number): number {
    let n = before;
    let trailingEmpty = false;
    for (let i = q; i < end && b[i] !== LF && b[i] !== CR; i++) {
      if (b[i] === this.delim) {
        n++;
        trailingEmpty = true;
      } else trailingEmpty = false;
    }
    return this.trailing && trailingEmpty ? n - 1 : n;
  }

  /** A cell the fast path refused: unquote/trim and parse, or throw the right error. Sets scan.end. */
  private slowCell(b: Uint8Array, p: number, end: number, line: number, col: number): number {
    const D = this.delim;
    let s = p;
    while (s < end && (b[s] === 32 || (b[s] === TAB && D !== TAB))) s++;
    let cs: number;
    let ce: number;
    let q: number;
    let quoted = false;
    if (s < end && b[s] === QUOTE) {
      quoted = true;
      q = s + 1;
      while (q < end && b[q] !== QUOTE && b[q] !== LF) q++;
      if (q >= end || b[q] !== QUOTE) {
        throw this.err(`unterminated quoted cell ${JSON.stringify(truncate(decodeText(b.subarray(s, q))))}`, line, col);
      }
      cs = s + 1;
      ce = q;
      q++;
      while (q < end && b[q] !== D && b[q] !== LF && b[q] !== CR) {
        if (b[q] !== 32) {
          throw this.err(`not a number: ${JSON.stringify(truncate(decodeText(b.subarray(s, this.cellEnd(b, q, end)))))}`, line, col);
        }
        q++;
      }
    } else {
      q = this.cellEnd(b, p, end);
      cs = p;
      ce = q;
    }
    scan.end = q;
    const [ts, te] = trimRange(b, cs, ce, D);
    const v = ts === te ? NaN : parseDecimal(b, ts, te);
    const text = decodeText(b.subarray(ts, te));
    if (v === v) {
      if (v - v === 0) {
        scan.end = q;
        return v;
      }
      throw this.err(`not finite: ${JSON.stringify(truncate(text))} overflows to ${v > 0 ? '' : '-'}Infinity`, line, col);
    }
    if (isMissingWord(text) && q - p <= MAX_SPELLING) {
      // a missing value (NaN, NA, null, an empty cell, …): the caller records it with this spelling
      if (this.mode === 'cols' && col - 1 === this.tc) throw this.err('missing time stamp (the time column cannot have gaps)', line, col);
      this.missText = decodeText(b.subarray(p, q));
      scan.end = q; // parseDecimal moved it
      return NaN;
    }
    if (ts === te) throw this.err(quoted ? 'empty quoted cell' : 'empty cell', line, col);
    if (D === 44 && isDecimalCommaNumber(text)) {
      throw this.err(`not a number: ${JSON.stringify(truncate(text))} (a ','-separated file cannot have decimal commas; use '.' or a ';' delimiter)`, line, col);
    }
    if (isNonFiniteWord(text)) throw this.err(`not finite: ${JSON.stringify(truncate(text))}`, line, col);
    for (const other of [44, 59, TAB]) {
      if (other !== D && text.includes(String.fromCharCode(other))) {
        const decimalComma = other === 44 && isDecimalCommaNumber(text);
        if (decimalComma) {
          const how = D === 44 ? "a ','-separated file cannot have decimal commas; use '.' or a ';' delimiter" : "pass --decimal , (setting wsindy.decimal) to read decimal commas";
          throw this.err(`not a number: ${JSON.stringify(truncate(text))} (${how})`, line, col);
        }
        throw this.err(
          `mixed delimiters: found ${delimiterName(other)} in a ${delimiterName(D)}-separated file (cell ${JSON.stringify(truncate(text))})`,
          line,
          col,
        );
      }
    }
    throw this.err(`not a number: ${JSON.stringify(truncate(text))}`, line, col);
  }

  private cellEnd(b: Uint8Array, p: number, end: number): number {
    const D = this.delim;
    while (p < end && b[p] !== D && b[p] !== LF && b[p] !== CR) p++;
    return p;
  }

  /** The configuration detect() chose (call after detection). */
  state(): CsvEngineState {
    return {
      delim: this.delim,
      header: this.header,
      names: this.names,
      ncol: this.ncol,
      trailing: this.trailing,
      lineEnding: this.lineEnding,
      mode: this.mode,
      autoOrient: this.autoOrient,
      tc: this.tc,
      cap: this.cap,
      decimalComma: this.decimalComma,
      dates: this.dates,
    };
  }

  /**
   * An engine that parses a byte range starting at a line boundary, configured as another engine detected
   * (no detection, no sink); `line` numbers the range's first line, cap sizes the columns. slab (at
   * least ncol × cap values) holds the columns back to back: one buffer to transfer or reuse.
   */
  static forRange(
    file: string,
    opts: ReadCsvOptions,
    totalBytes: number,
    state: CsvEngineState,
    line: number,
    cap: number,
    slab?: Float64Array,
  ): CsvEngine {
    const e = new CsvEngine(file, opts, totalBytes);
    e.delim = state.delim;
    e.header = state.header;
    e.names = state.names;
    e.ncol = state.ncol;
    e.trailing = state.trailing;
    e.lineEnding = state.lineEnding;
    e.mode = state.mode;
    e.autoOrient = state.autoOrient;
    e.tc = state.tc;
    e.decimalComma = state.decimalComma;
    e.dates = state.dates;
    e.cap = Math.max(16, Math.ceil(cap));
    e.line = line;
    e.detected = true;
    if (e.mode === 'cols') {
      const c = e.cap;
      const shared = slab !== undefined && slab.length >= e.ncol * c ? slab : new Float64Array(e.ncol * c);
      for (let j = 0; j < e.ncol; j++) e.cols.push(shared.subarray(j * c, (j + 1) * c));
    }
    return e;
  }

  /** What was parsed so far (arrays shared, not copied). */
  parsed(): CsvParsed {
    const p: CsvParsed = { cols: this.cols, nrows: this.nrows, rowList: this.rowList, rowLen: this.rowLen, line: this.line };
    if (this.missRow.length > 0) p.missing = { rows: this.missRow, cols: this.missCol, texts: this.missKind.map((k) => this.spellings[k]) };
    return p;
  }

  /** Replace the parsed data (csvParallel's concatenated ranges) before finish(). */
  adopt(p: CsvParsed): void {
    this.cols = p.cols;
    this.nrows = p.nrows;
    this.cap = Math.max(this.cap, p.nrows);
    this.rowList = p.rowList;
    this.rowLen = p.rowLen;
    this.line = p.line;
    if (p.missing) {
      const { rows, cols, texts } = p.missing;
      for (let k = 0; k < rows.length; k++) {
        this.missText = texts[k];
        this.noteMissing(rows[k], cols[k], this.line);
      }
    }
  }

  finish(): Dataset {
    if (!this.detected) throw this.err('empty file');
    let layout: 'rows' | 'columns';
    let series: Float64Array[];
    let time: Float64Array | null = null;
    let names: string[];
    // where a CSV cell (data line, column) lands: flat index variable · m + step of the series
    let cellIndex: (row: number, col: number) => number;
    let indexStart: number | null = null;
    if (this.mode === 'cols') {
      const m = this.nrows;
      if (m === 0) throw this.err(this.header ? 'header only, no data rows' : 'empty file', this.header ? this.line : undefined);
      const cols = this.cols.map((a) => trim(a, m));
      if (this.autoOrient && rowsAreVariables(m, this.ncol)) {
        layout = 'rows';
        series = transpose(cols, m);
        names = defaultNames(series.length);
        const steps = this.ncol;
        cellIndex = (row, col) => row * steps + col;
      } else {
        layout = 'columns';
        if (this.indexCol >= 0) {
          indexStart = consecutiveFrom(cols[this.indexCol], m);
          if (indexStart === null) {
            // not a row index after all: a variable like any other (as before index columns were known)
            this.indexCol = -1;
            if (this.header) this.names = this.variableNames(this.header, this.headerLine);
          }
        }
        const varOf: number[] = [];
        for (let j = 0, i = 0; j < this.ncol; j++) varOf.push(j === this.tc || j === this.indexCol ? -1 : i++);
        series = cols.filter((_, j) => varOf[j] >= 0);
        if (this.tc >= 0) time = cols[this.tc];
        names = this.header ? this.names : defaultNames(series.length);
        cellIndex = (row, col) => varOf[col] * m + row;
      }
    } else {
      const rows = this.rowList;
      const m = this.rowLen;
      if (rows.length === 0) throw this.err('empty file');
      if (this.autoOrient && !rowsAreVariables(rows.length, m)) {
        layout = 'columns';
        series = transpose(rows, m);
        const steps = rows.length;
        cellIndex = (row, col) => col * steps + row;
      } else {
        layout = 'rows';
        series = rows;
        cellIndex = (row, col) => row * m + col;
      }
      names = defaultNames(series.length);
    }
    const n = series.length;
    const m = n > 0 ? series[0].length : time ? time.length : 0;
    this.checkShape(n, m);
    if (!time) time = this.defaultTime(m);
    const missing = this.missingCells(cellIndex, n, m, series, time, names);
    let anyVarying = false;
    for (let i = 0; i < n && !anyVarying; i++) {
      const s = series[i];
      const v0 = s[0];
      for (let j = 1; j < m; j++) {
        if (s[j] !== v0) {
          anyVarying = true;
          break;
        }
      }
    }
    if (!anyVarying) throw this.constantError(n);
    const source = this.sourceFormat(layout);
    const extras: SourceExtras = {};
    if (this.preamble !== null) extras.preamble = this.preamble;
    if (layout === 'columns') {
      if (this.units !== null) extras.units = this.units;
      if (indexStart !== null) extras.index = { column: this.indexCol, start: indexStart };
      if (this.dates) extras.dates = this.dateTexts ? { first: this.dateFirstText, texts: this.dateTexts } : { first: this.dateFirstText };
    }
    if (this.decimalComma) extras.decimalComma = true;
    if (missing) extras.missing = missing;
    if (Object.keys(extras).length > 0) source.extras = extras;
    return { names, series, time, source };
  }

  /**
   * The missing cells in series order, after the checks (not mostly missing, no variable without values);
   * the series get bridged values there (missing.ts). Null when nothing is missing.
   */
  private missingCells(cellIndex: (row: number, col: number) => number, n: number, m: number, series: Float64Array[], time: Float64Array, names: string[]): SourceExtras['missing'] | null {
    const count = this.missRow.length;
    if (count === 0) return null;
    if (count > MAX_MISSING_FRACTION * n * m) {
      throw this.err(`${count} of ${n * m} values are missing (${((100 * count) / (n * m)).toFixed(1)} %): too little is left to fit (at most half of the values may be missing)`);
    }
    const order = new Float64Array(count);
    for (let k = 0; k < count; k++) order[k] = cellIndex(this.missRow[k], this.missCol[k]);
    const idx = Array.from({ length: count }, (_, k) => k).sort((a, c) => order[a] - order[c]);
    const cells = new Float64Array(count);
    const kinds = new Uint16Array(count);
    idx.forEach((k, r) => {
      cells[r] = order[k];
      kinds[r] = this.missKind[k];
    });
    const empty = bridgeGaps(series, time, cells);
    if (empty >= 0) throw this.err(`variable ${JSON.stringify(truncate(names[empty]))} has no values: every one of its ${m} cells is missing`);
    return { spellings: this.spellings.slice(), cells, kinds };
  }

  /**
   * Staging: finish()'s end-of-file decisions and checks, in the same order with the same messages, on
   * what the sink was given. The orientation guessed from line lengths is checked on the exact counts
   * here too; the sink then reads its staged lines transposed (variablesAreLines) instead of restaging.
   */
  finishStaged(): StagedShape {
    if (!this.detected) throw this.err('empty file');
    const sink = this.sink as CsvSink;
    let layout: 'rows' | 'columns';
    let variablesAreLines: boolean;
    let n: number;
    let m: number;
    let names: string[];
    if (this.mode === 'cols') {
      this.drainCols(this.nrows);
      this.nrows = 0;
      const lines = this.drained;
      if (lines === 0) throw this.err(this.header ? 'header only, no data rows' : 'empty file', this.header ? this.line : undefined);
      if (this.autoOrient && rowsAreVariables(lines, this.ncol)) {
        layout = 'rows';
        variablesAreLines = true;
        n = lines;
        m = this.ncol;
        names = defaultNames(n);
      } else {
        layout = 'columns';
        variablesAreLines = false;
        n = this.ncol - (this.tc >= 0 ? 1 : 0);
        m = lines;
        names = this.header ? this.names : defaultNames(n);
      }
    } else {
      const lines = this.lineCount;
      if (lines === 0) throw this.err('empty file');
      variablesAreLines = !(this.autoOrient && !rowsAreVariables(lines, this.rowLen));
      layout = variablesAreLines ? 'rows' : 'columns';
      n = variablesAreLines ? lines : this.rowLen;
      m = variablesAreLines ? this.rowLen : lines;
      names = defaultNames(n);
    }
    this.checkShape(n, m);
    if (!sink.anyVarying(variablesAreLines)) throw this.constantError(n);
    const time = layout === 'columns' && this.tc >= 0 ? sink.timeColumn() : this.defaultTime(m);
    return { n, m, names, time, source: this.sourceFormat(layout), variablesAreLines };
  }

  private checkShape(n: number, m: number): void {
    if (n < 1) throw this.err('too few variables: the file has only a time column');
    if (m < MIN_TIME_STEPS) {
      throw this.err(`too few time steps to fit: ${m} (need at least ${MIN_TIME_STEPS})`);
    }
  }

  private constantError(n: number): InputError {
    return this.err(`every variable is constant (${n} variable${n === 1 ? '' : 's'}); nothing to fit`);
  }

  private defaultTime(m: number): Float64Array {
    const dt = this.opts.dt ?? 1;
    const time = new Float64Array(m);
    for (let j = 0; j < m; j++) time[j] = j * dt;
    return time;
  }

  private sourceFormat(layout: 'rows' | 'columns'): SourceFormat {
    return {
      layout,
      delimiter: String.fromCharCode(this.delim) as Delimiter,
      header: layout === 'columns' ? this.header : null,
      timeColumn: layout === 'columns' && this.tc >= 0 ? this.tc : null,
      lineEnding: this.lineEnding,
    };
  }
}

/** The message for a time stamp that does not increase (feedCols; csvParallel across its ranges). */
export function timeOrderReason(tNow: number, tPrev: number): string {
  return tNow === tPrev ? `duplicate time stamp ${tNow} (same as the previous row)` : `time stamps decrease: ${tNow} after ${tPrev}`;
}

/** Where fastCols stopped (start of the first row it did not take). */
const fast = { p: 0 };

/**
 * The numeric hot loop (columns layout): plain unquoted decimal cells, one row per line, no spaces. Parses
 * whole rows from p while they start before safeEnd (a LF, so no bounds checks are needed per byte) and
 * row < cap; returns the number of rows stored and leaves fast.p at the first row it did not take (blank
 * line, anything unusual, a time stamp out of order): the general per-row code then handles that row, with
 * the exact errors. Decimal digits go into w (first 15 significant digits, exact) and lo (up to 4 more);
 * decimalToDouble then takes Clinger's path or the long-significand path, Number() only beyond 19 digits.
 * Measured: 400×8000 file 71 → ≈ 240 MB/s with numberText's routes (shared 2-core machine, load 2–4).
 */
function fastCols(
  b: Uint8Array,
  p: number,
  safeEnd: number,
  cols: Float64Array[],
  n: number,
  D: number,
  tc: number,
  trailing: boolean,
  row0: number,
  cap: number,
): number {
  let row = row0;
  const last = n - 1;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tcol = tc >= 0 ? cols[tc] : null;
  let rowStart = p;
  rows: while (p < safeEnd && row < cap) {
    for (let j = 0; j < n; j++) {
      const start = p;
      let c = b[p];
      let neg = false;
      if (c === 45) {
        neg = true;
        c = b[++p];
      } else if (c === 43) {
        c = b[++p];
      }
      let w = 0;
      let lo = 0;
      let k = 0;
      let e10 = 0;
      let nd = 0;
      let drop = false;
      let d = c - 48;
      while (d >= 0 && d <= 9) {
        if (w < 1e14) w = w * 10 + d;
        else if (k < 4) {
          lo = lo * 10 + d;
          k++;
        } else {
          e10++;
          if (d !== 0) drop = true;
        }
        nd++;
        d = b[++p] - 48;
      }
      if (d === -2) {
        p++;
        // Four fraction digits at a time while they fit in w (SWAR on a little-endian 32-bit load).
        while (w < 1e10 && p + 4 <= safeEnd) {
          const v4 = dv.getUint32(p, true);
          if (((v4 & 0xf0f0f0f0) | (((v4 + 0x06060606) & 0xf0f0f0f0) >>> 4)) !== 0x33333333) break;
          let t4 = v4 - 0x30303030;
          t4 = (t4 * 10 + (t4 >>> 8)) & 0x00ff00ff;
          w = w * 1e4 + ((t4 * 100 + (t4 >>> 16)) & 0xffff);
          e10 -= 4;
          nd += 4;
          p += 4;
        }
        d = b[p] - 48;
        while (d >= 0 && d <= 9) {
          if (w < 1e14) {
            w = w * 10 + d;
            e10--;
          } else if (k < 4) {
            lo = lo * 10 + d;
            k++;
            e10--;
          } else if (d !== 0) drop = true;
          nd++;
          d = b[++p] - 48;
        }
      }
      if (nd === 0) break rows;
      if (d === 53 || d === 21) {
        // e / E
        c = b[++p];
        let eneg = false;
        if (c === 45 || c === 43) {
          eneg = c === 45;
          c = b[++p];
        }
        d = c - 48;
        if (d < 0 || d > 9) break rows;
        let ex = 0;
        while (d >= 0 && d <= 9) {
          if (ex < 100000) ex = ex * 10 + d;
          d = b[++p] - 48;
        }
        e10 += eneg ? -ex : ex;
      }
      let v: number;
      if (!drop && k === 0 && e10 >= -22 && e10 <= 22) v = e10 < 0 ? w / POW10[-e10] : w * POW10[e10];
      else if (!drop && e10 < 0 && e10 >= -22 && (v = longDiv(w, POW10[k], k, lo, -e10)) === v) {
        // 16–19 digits (W >= 2^53 since w >= 10^14 when k > 0, except w·10^k + lo < 2^53: still exact there)
      } else {
        v = drop ? NaN : w === 0 && lo === 0 ? 0 : toDouble(w, lo, k, e10);
        if (v !== v) v = Number(latin1Text(b, neg ? start + 1 : start, p));
        if (v - v !== 0) break rows; // overflow: reported by the general path
      }
      cols[j][row] = neg ? -v : v;
      const t = b[p];
      if (j < last) {
        if (t !== D) break rows;
        p++;
      } else if (t === LF) p++;
      else if (t === CR && b[p + 1] === LF) p += 2;
      else if (t === D && trailing && (b[p + 1] === LF || (b[p + 1] === CR && b[p + 2] === LF))) {
        p += b[p + 1] === LF ? 2 : 3;
      } else break rows;
    }
    if (tcol !== null && row > 0 && !(tcol[row] > tcol[row - 1])) break;
    row++;
    rowStart = p;
  }
  fast.p = rowStart;
  return row - row0;
}

/** fastRow's results: the row's array (grown when its length was not yet known), and where the next line starts. */
const rowFast: { p: number; arr: Float64Array } = { p: 0, arr: new Float64Array(0) };

/**
 * The numeric hot loop for the rows layout (one variable's whole series per line): plain unquoted decimal
 * cells, no spaces, the same digit scan and number routes as fastCols (kept as a copy so that V8 compiles
 * each loop on its own, monomorphic). Parses the line starting at p (p < safeEnd, a LF, so no bounds checks
 * per byte) into arr, doubling it when !fixed. Returns the number of cells and sets rowFast (p after the line
 * ending), or -1 for anything else (blank or empty cell, quotes, spaces, bad or overflowing number, a CR not
 * before LF, wrong cell count when fixed): the caller then parses the whole row on the general path.
 * Measured: 400×8000 seed-layout file 112 → ≈ 250 MB/s (shared 2-core machine, load ≈ 2).
 */
function fastRow(b: Uint8Array, p: number, safeEnd: number, arr: Float64Array, fixed: boolean, D: number, trailing: boolean): number {
  let cap = arr.length;
  let j = 0;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (;;) {
    const start = p;
    let c = b[p];
    let neg = false;
    if (c === 45) {
      neg = true;
      c = b[++p];
    } else if (c === 43) {
      c = b[++p];
    }
    let w = 0;
    let lo = 0;
    let k = 0;
    let e10 = 0;
    let nd = 0;
    let drop = false;
    let d = c - 48;
    while (d >= 0 && d <= 9) {
      if (w < 1e14) w = w * 10 + d;
      else if (k < 4) {
        lo = lo * 10 + d;
        k++;
      } else {
        e10++;
        if (d !== 0) drop = true;
      }
      nd++;
      d = b[++p] - 48;
    }
    if (d === -2) {
      p++;
      // Four fraction digits at a time while they fit in w (SWAR on a little-endian 32-bit load).
      while (w < 1e10 && p + 4 <= safeEnd) {
        const v4 = dv.getUint32(p, true);
        if (((v4 & 0xf0f0f0f0) | (((v4 + 0x06060606) & 0xf0f0f0f0) >>> 4)) !== 0x33333333) break;
        let t4 = v4 - 0x30303030;
        t4 = (t4 * 10 + (t4 >>> 8)) & 0x00ff00ff;
        w = w * 1e4 + ((t4 * 100 + (t4 >>> 16)) & 0xffff);
        e10 -= 4;
        nd += 4;
        p += 4;
      }
      d = b[p] - 48;
      while (d >= 0 && d <= 9) {
        if (w < 1e14) {
          w = w * 10 + d;
          e10--;
        } else if (k < 4) {
          lo = lo * 10 + d;
          k++;
          e10--;
        } else if (d !== 0) drop = true;
        nd++;
        d = b[++p] - 48;
      }
    }
    if (nd === 0) return -1;
    if (d === 53 || d === 21) {
      // e / E
      c = b[++p];
      let eneg = false;
      if (c === 45 || c === 43) {
        eneg = c === 45;
        c = b[++p];
      }
      d = c - 48;
      if (d < 0 || d > 9) return -1;
      let ex = 0;
      while (d >= 0 && d <= 9) {
        if (ex < 100000) ex = ex * 10 + d;
        d = b[++p] - 48;
      }
      e10 += eneg ? -ex : ex;
    }
    let v: number;
    if (!drop && k === 0 && e10 >= -22 && e10 <= 22) v = e10 < 0 ? w / POW10[-e10] : w * POW10[e10];
    else if (!drop && e10 < 0 && e10 >= -22 && (v = longDiv(w, POW10[k], k, lo, -e10)) === v) {
      // 16–19 digits (see fastCols)
    } else {
      v = drop ? NaN : w === 0 && lo === 0 ? 0 : toDouble(w, lo, k, e10);
      if (v !== v) v = Number(latin1Text(b, neg ? start + 1 : start, p));
      if (v - v !== 0) return -1; // overflow: reported by the general path
    }
    if (j === cap) {
      if (fixed) return -1; // too many cells: the general path reports the ragged row
      const a = new Float64Array(cap * 2);
      a.set(arr);
      arr = a;
      cap = a.length;
    }
    arr[j++] = neg ? -v : v;
    const t = b[p];
    if (t === D) {
      const u = b[p + 1];
      if (u === LF || u === CR) {
        if (!trailing) return -1; // empty cell
        if (u === LF) p += 2;
        else if (b[p + 2] === LF) p += 3;
        else return -1;
        break;
      }
      p++;
      continue;
    }
    if (t === LF) p++;
    else if (t === CR && b[p + 1] === LF) p += 2;
    else return -1;
    break;
  }
  if (fixed && j !== cap) return -1; // too few cells: the general path reports the ragged row
  rowFast.p = p;
  rowFast.arr = arr;
  return j;
}

/**
 * Run fastRow and fastCols over a few synthetic lines that take every branch (each route of the number
 * parser, growth, trailing delimiters, CRLF, each way out), a dozen times, before the first file: V8 then
 * has type feedback for all of them when it optimizes the loops, instead of deoptimizing on the first rare
 * cell of a real file and running interpreted while it recompiles (5 deopts per cold read of each bench
 * file before). Measured on one cold read (a CLI run): 400×8000 seed ≈ 175 → 205 MB/s, tidy ≈ 178 → 200.
 */
function warmFastPaths(): void {
  const nums = [
    '1', '-2.5', '+3e5', '1.2345678901234567e-5', '12345678901234567890123', '.5', '5.', '1E+3', '0.1234567890123456789',
    '-0', '123456789012345678e3', '-6.3763774639544675', '1e-400', '9007199254740993', '-12.345678901234567', '0.000123',
    '-12345678901234567890123', '-1.5e-3', '-123456789012345678e3', '-1e-400',
  ];
  const good = nums.join(',');
  const n = nums.length;
  const lines: [string, boolean][] = [
    [good + '\n', false],
    [good + '\r\n', false],
    [good + ',\n', true],
    [good + ',\r\n', true],
    [good + ',\n', false],
    [good + ',\r9\n', true],
    ['1,1e\n', false],
    ['1,x\n', false],
    ['1,1e400\n', false],
    ['1,2;\n', false],
    ['1,2\r3\n', false],
  ];
  const cols: Float64Array[] = [];
  for (let j = 0; j <= n; j++) cols.push(new Float64Array(8));
  for (let rep = 0; rep < 12; rep++) {
    for (const [text, trailing] of lines) {
      const b = Buffer.from(text, 'latin1');
      const safeEnd = b.lastIndexOf(LF);
      fastRow(b, 0, safeEnd, new Float64Array(2), false, 44, trailing);
      fastRow(b, 0, safeEnd, new Float64Array(n), true, 44, trailing);
      fastRow(b, 0, safeEnd, new Float64Array(n + 1), true, 44, trailing);
      const t = Buffer.from(`0,${text}1,${text}2,${text}1,${text}`, 'latin1');
      const tEnd = t.lastIndexOf(LF);
      fastCols(t, 0, tEnd, cols, n + 1, 44, 0, trailing, 0, 8);
      fastCols(t, 0, tEnd, cols, n + 1, 44, -1, trailing, 0, 8);
      fastCols(t, 0, tEnd, cols, n + 1, 44, -1, trailing, 6, 8);
    }
  }
}
let warmed = false;

/** First m values of a; a view when little is wasted, else a compact copy. */
function trim(a: Float64Array, m: number): Float64Array {
  if (a.length === m) return a;
  return a.length - m <= a.length >> 3 ? a.subarray(0, m) : a.slice(0, m);
}

/** k arrays of length m → m arrays of length k. */
function transpose(arrs: Float64Array[], m: number): Float64Array[] {
  const k = arrs.length;
  const out: Float64Array[] = [];
  for (let j = 0; j < m; j++) out.push(new Float64Array(k));
  for (let i = 0; i < k; i++) {
    const a = arrs[i];
    for (let j = 0; j < m; j++) out[j][i] = a[j];
  }
  return out;
}

/** Parse a whole CSV held in memory (tests, small inputs): same engine and errors as readCsvFile. */
export function parseCsvBuffer(bytes: Uint8Array, displayName: string, opts: ReadCsvOptions = {}): Dataset {
  const engine = new CsvEngine(displayName, opts, bytes.length);
  const start = engine.detect(bytes, 0, bytes.length, true);
  if (start >= 0) engine.feed(bytes, start, bytes.length, true);
  return engine.finish();
}

/**
 * Read a CSV file in chunks into a Dataset. Throws InputError (bad content), OptionError (bad dt),
 * CancelledError (signal aborted) or the fs error (missing file, permissions).
 */
export async function readCsvFile(
  path: string,
  opts: ReadCsvOptions = {},
  progress?: ProgressSink,
  signal?: AbortSignal,
): Promise<Dataset> {
  return (await readChunks(path, opts, progress, signal, null)).finish();
}

/**
 * Parse a CSV file like readCsvFile, handing its data to sink instead of keeping it (same detection and
 * errors); returns the shape finish() would have given.
 */
export async function scanCsvFile(
  path: string,
  opts: ReadCsvOptions,
  sink: CsvSink,
  progress?: ProgressSink,
  signal?: AbortSignal,
): Promise<StagedShape> {
  return (await readChunks(path, opts, progress, signal, sink)).finishStaged();
}

/** The chunked read loop shared by readCsvFile and scanCsvFile: every byte through the engine once. */
async function readChunks(
  path: string,
  opts: ReadCsvOptions,
  progress: ProgressSink | undefined,
  signal: AbortSignal | undefined,
  sink: CsvSink | null,
): Promise<CsvEngine> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const engine = new CsvEngine(opts.displayName ?? path, opts, size, sink);
    let buf = Buffer.allocUnsafe(Math.max(16, Math.min(opts.chunkBytes ?? CHUNK, size + 1)));
    let have = 0;
    let total = 0;
    let nextReport = 0;
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      if (have === buf.length) {
        // A line longer than the buffer (rows layout with very many steps): grow.
        const nb = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(nb, 0, 0, have);
        buf = nb;
      }
      const { bytesRead } = await fh.read(buf, have, buf.length - have, null);
      if (bytesRead > 0) opts.onBytes?.(buf.subarray(have, have + bytesRead));
      have += bytesRead;
      total += bytesRead;
      const eof = bytesRead === 0 || total >= size;
      let p = 0;
      if (!engine.detected) {
        // Detect on at least 64 KiB (or the whole file) so the delimiter check sees up to 50 lines.
        if (!eof && (have < DETECT_BYTES || buf.lastIndexOf(LF, have - 1) < 0)) continue;
        p = engine.detect(buf, 0, have, eof);
        if (p < 0) {
          if (eof) throw new InputError({ file: engine.file }, 'empty file');
          continue;
        }
      }
      const limit = eof ? have : buf.lastIndexOf(LF, have - 1) + 1;
      if (limit > p) p = engine.feed(buf, p, limit, eof);
      if (sink) await sink.flush();
      if (p > 0) {
        buf.copy(buf, 0, p, have);
        have -= p;
      }
      if (progress && size > 0 && (total / size >= nextReport || eof)) {
        progress({ phase: 'read', fraction: Math.min(1, total / size) });
        nextReport = Math.floor((total / size) * 50 + 1) / 50;
      }
      if (eof) break;
    }
    return engine;
  } finally {
    await fh.close();
  }
}

/** start when a[j] = start + j for every j < m (integers), else null. */
function consecutiveFrom(a: Float64Array, m: number): number | null {
  const s = a[0];
  if (!Number.isInteger(s)) return null;
  for (let j = 1; j < m; j++) if (a[j] !== s + j) return null;
  return s;
}

/** A cell's text without the quotes around it. */
function unquote(t: string): string {
  return t.length >= 2 && t[0] === '"' && t[t.length - 1] === '"' ? t.slice(1, -1).replace(/""/g, '"') : t;
}
