// CSV detection from the first chunk of a file: encoding, delimiter, header, time column, orientation.
//
// Rules (documented for users in docs and in the CLI help):
// - Encoding: UTF-8, with or without a BOM (EF BB BF, skipped). A UTF-16 BOM (FF FE / FE FF), NUL bytes or
//   many control bytes in the first 64 KiB mean "not a text CSV" (an error, not a guess).
// - Delimiter: ',', ';' or tab, counted outside quotes on the first (up to 50) non-blank lines. A delimiter
//   with the same non-zero count on every sampled line wins, in the order ';' > tab > ',' (so "1,5;2,5" is
//   semicolon-separated). Otherwise the most frequent one on the first line is used, and a later sampled line
//   that lacks it but has another candidate is a "mixed delimiters" error. No candidate at all: one column.
// - Header: the first non-blank line is a header when any of its cells is not a number (empty cells count as
//   not a number; NaN/Inf spellings count as numbers so that they are reported as non-finite values).
//   Header cells may be quoted ("" escapes a quote, newlines allowed inside quotes); they are decoded as
//   UTF-8 when valid, else as Latin-1 (Excel on Windows writes cp1252/Latin-1 names).
// - Orientation without a header (layout 'auto'): rows = variables (the seed layout) when the file has fewer
//   data rows than columns, else columns = variables. With a header it is always columns = variables.
// - Time column (columns layout): `opts.timeColumn` by name (or by 1-based number in a file without header);
//   else the first header name that is, case-insensitively and ignoring a unit in brackets, one of
//   TIME_NAMES. Files without a header get no automatic time column (time = 0, dt, 2dt, …).
import { InputError } from '../errors';
import { isNonFiniteWord, parseDecimal } from './numberText';

export const LF = 10;
export const CR = 13;
export const QUOTE = 34;
export const COMMA = 44;
export const SEMICOLON = 59;
export const TAB = 9;

/** Header names recognised as the time column (compared lower-case, without a unit like "(s)" or "[ms]"). */
export const TIME_NAMES: ReadonlySet<string> = new Set([
  't', 'time', 'times', 'timestamp', 'timestamps', 'time_s', 't_s', 'sec', 'secs', 'second', 'seconds',
  'time_sec', 'elapsed', 'elapsed_time', 'date', 'datetime', 'date_time', 'time_stamp',
]);

/**
 * Names of a step or index column (pandas' `index`, `Unnamed: 0` after a re-read, `step`, `frame`, …): the
 * time column when no TIME_NAMES column exists and its sampled values are increasing integers or uniform.
 */
export const INDEX_NAMES: ReadonlySet<string> = new Set([
  'index', 'idx', 'unnamed:_0', 'step', 'steps', 'frame', 'frames', 'sample', 'samples', 'iteration', 'iter', 'row',
]);

/** Number of leading bytes to skip (the UTF-8 BOM), after checking the data looks like text. */
export function checkTextEncoding(b: Uint8Array, start: number, end: number, file: string): number {
  if (end - start >= 2) {
    const b0 = b[start];
    const b1 = b[start + 1];
    if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
      const bom = b0 === 0xff ? 'FF FE' : 'FE FF';
      throw new InputError({ file }, `not a text CSV: UTF-16 encoded (byte-order mark ${bom}); save it as UTF-8`);
    }
  }
  let skip = 0;
  if (end - start >= 3 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf) skip = 3;
  const sampleEnd = Math.min(end, start + 65536);
  let nul = 0;
  let nulOdd = 0;
  let control = 0;
  for (let i = start + skip; i < sampleEnd; i++) {
    const c = b[i];
    if (c < 32 && c !== LF && c !== CR && c !== TAB) {
      if (c === 0) {
        nul++;
        if ((i - start) & 1) nulOdd++;
      } else control++;
    } else if (c === 127) control++;
  }
  const n = sampleEnd - start - skip;
  if (nul > 0) {
    // UTF-16 text has a NUL in every other byte (ASCII range), always on the same parity.
    const utf16 = nul >= n / 4 && (nulOdd >= 0.9 * nul || nulOdd <= 0.1 * nul);
    throw new InputError(
      { file },
      utf16 ? 'not a text CSV: looks like UTF-16 without a byte-order mark; save it as UTF-8' : 'not a text CSV: binary data (NUL bytes)',
    );
  }
  if (control > 8 && control > n / 100) throw new InputError({ file }, 'not a text CSV: binary data (control bytes)');
  return skip;
}

/** One sampled line: byte range without its line ending, and its 1-based line number. */
export interface SampleLine {
  start: number;
  end: number;
  line: number;
  /** Position just after the line's line ending. */
  after: number;
}

export interface Sample {
  /** Non-blank lines, in order (complete lines only, unless at end of file). */
  lines: SampleLine[];
  /** Position just after the first non-blank line's line ending (where data starts if it is a header). */
  afterFirst: number;
  /** Line number of the line that starts at afterFirst. */
  lineAfterFirst: number;
  /** Line ending of the first line. */
  lineEnding: '\n' | '\r\n';
}

/** Split up to maxLines non-blank lines from [start, end), honouring quotes (a quoted field may span lines). */
export function sampleLines(b: Uint8Array, start: number, end: number, eof: boolean, maxLines = 50, firstLine = 1): Sample {
  const lines: SampleLine[] = [];
  let p = start;
  let line = firstLine;
  let afterFirst = -1;
  let lineAfterFirst = firstLine;
  let lineEnding: '\n' | '\r\n' = '\n';
  // Next quote at or after p (or end): lines before it end at their first LF, found with the native indexOf
  // (a seed-layout chunk holds a few lines of ~150 KB each; the byte loop below took ~15 ms cold per 4 MiB).
  let nextQuote = -1;
  while (p < end && lines.length < maxLines) {
    const ls = p;
    const startLine = line;
    if (nextQuote < p) {
      nextQuote = b.indexOf(QUOTE, p);
      if (nextQuote < 0 || nextQuote > end) nextQuote = end;
    }
    let q = b.indexOf(LF, p);
    if (q < 0 || q > end) q = end;
    if (q > nextQuote) {
      let inQuotes = false;
      for (q = p; q < end; q++) {
        const c = b[q];
        if (c === QUOTE) inQuotes = !inQuotes;
        else if (c === LF) {
          if (!inQuotes) break;
          line++;
        }
      }
    }
    if (q >= end && !eof) break; // incomplete line: leave it for the parser
    let le = q;
    const crlf = le > ls && b[le - 1] === CR;
    if (crlf) le--;
    p = q < end ? q + 1 : end;
    line++;
    if (le === ls) continue; // blank line
    if (afterFirst < 0) {
      afterFirst = p;
      lineAfterFirst = line;
      lineEnding = crlf ? '\r\n' : '\n';
    }
    lines.push({ start: ls, end: le, line: startLine, after: p });
  }
  return { lines, afterFirst: afterFirst < 0 ? end : afterFirst, lineAfterFirst, lineEnding };
}

/**
 * Counts of ';', tab and ',' outside quotes on one line, in one pass (into out[k], out[k+1], out[k+2]).
 * Digits, '-', '.' and letters are all > 44 and only need one more compare for ';'. Measured: 3 → 1 pass
 * over the sampled 4 MiB of a seed-layout file, ≈ 35 → ≈ 8 ms cold.
 */
function countDelimiters(b: Uint8Array, l: SampleLine, out: Int32Array, k: number): void {
  let semi = 0;
  let tab = 0;
  let comma = 0;
  let inQuotes = false;
  const e = l.end;
  for (let i = l.start; i < e; i++) {
    const c = b[i];
    if (c > 44) {
      if (c === SEMICOLON && !inQuotes) semi++;
    } else if (c === COMMA) {
      if (!inQuotes) comma++;
    } else if (c === QUOTE) inQuotes = !inQuotes;
    else if (c === TAB && !inQuotes) tab++;
  }
  out[k] = semi;
  out[k + 1] = tab;
  out[k + 2] = comma;
}

export function delimiterName(d: number): string {
  return d === TAB ? 'tab' : `'${String.fromCharCode(d)}'`;
}

let countWarm = false;

/** Pick the delimiter (see the rules at the top of this file). */
export function detectDelimiter(b: Uint8Array, lines: SampleLine[], file: string): number {
  const candidates = [SEMICOLON, TAB, COMMA];
  if (!countWarm) {
    // Feedback for every branch and the stores after the loop before V8 optimizes it mid-line (else 4
    // deopts, each re-running interpreted, on the 150 KB lines of a seed-layout file).
    countWarm = true;
    const t = new TextEncoder().encode('1,"a;\tb",2;3\t4');
    const l: SampleLine = { start: 0, end: t.length, line: 1, after: t.length };
    const o = new Int32Array(3);
    for (let i = 0; i < 12; i++) countDelimiters(t, l, o, 0);
  }
  const flat = new Int32Array(lines.length * 3);
  for (let i = 0; i < lines.length; i++) countDelimiters(b, lines[i], flat, 3 * i);
  const counts = candidates.map((_, k) => lines.map((_l, i) => flat[3 * i + k]));
  for (let k = 0; k < candidates.length; k++) {
    const c = counts[k];
    if (c[0] > 0 && c.every((x) => x === c[0])) return candidates[k];
  }
  let best = -1;
  for (let k = 0; k < candidates.length; k++) {
    if (counts[k][0] > 0 && (best < 0 || counts[k][0] > counts[best][0])) best = k;
  }
  if (best < 0) {
    // Nothing on the first line: one column, unless later lines have delimiters.
    for (let i = 1; i < lines.length; i++) {
      for (let k = 0; k < candidates.length; k++) {
        if (counts[k][i] > 0) {
          throw new InputError(
            { file, line: lines[i].line },
            `mixed delimiters: line ${lines[0].line} has no delimiter but this line uses ${delimiterName(candidates[k])}`,
          );
        }
      }
    }
    return COMMA;
  }
  for (let i = 1; i < lines.length; i++) {
    if (counts[best][i] > 0) continue;
    for (let k = 0; k < candidates.length; k++) {
      if (k !== best && counts[k][i] > 0) {
        throw new InputError(
          { file, line: lines[i].line },
          `mixed delimiters: line ${lines[0].line} uses ${delimiterName(candidates[best])} but this line uses ${delimiterName(candidates[k])}`,
        );
      }
    }
  }
  return candidates[best];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Decode header bytes: UTF-8 when valid, else Latin-1. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

/** A raw cell: byte range of its content (quotes removed when quoted) and whether it was quoted. */
export interface RawCell {
  start: number;
  end: number;
  quoted: boolean;
}

/** Split one line into cells (quotes honoured; "" inside quotes is a literal quote). */
export function splitCells(b: Uint8Array, l: SampleLine, delim: number): RawCell[] {
  const cells: RawCell[] = [];
  let p = l.start;
  for (;;) {
    // Skip spaces before an opening quote, so `a, "b"` still unquotes.
    let s = p;
    while (s < l.end && b[s] === 32) s++;
    if (s < l.end && b[s] === QUOTE) {
      let q = s + 1;
      for (; q < l.end; q++) {
        if (b[q] === QUOTE) {
          if (q + 1 < l.end && b[q + 1] === QUOTE) q++;
          else break;
        }
      }
      cells.push({ start: s + 1, end: Math.min(q, l.end), quoted: true });
      p = q + 1;
      while (p < l.end && b[p] !== delim) p++; // anything after the closing quote is ignored
    } else {
      let q = p;
      while (q < l.end && b[q] !== delim) q++;
      cells.push({ start: p, end: q, quoted: false });
      p = q;
    }
    if (p >= l.end) break;
    p++; // delimiter
    if (p === l.end) {
      cells.push({ start: p, end: p, quoted: false });
      break;
    }
  }
  return cells;
}

export function cellText(b: Uint8Array, c: RawCell): string {
  const s = decodeText(b.subarray(c.start, c.end));
  return c.quoted ? s.replace(/""/g, '"') : s;
}

/** Trimmed byte range of a cell (spaces and, unless tab is the delimiter, tabs). */
export function trimRange(b: Uint8Array, start: number, end: number, delim: number): [number, number] {
  while (start < end && (b[start] === 32 || (b[start] === TAB && delim !== TAB))) start++;
  while (end > start && (b[end - 1] === 32 || (b[end - 1] === TAB && delim !== TAB))) end--;
  return [start, end];
}

/** Does the cell read as a number (including NaN/Inf spellings, which are reported later as not finite)? */
export function isNumberLike(b: Uint8Array, c: RawCell, delim: number, decimalComma = false): boolean {
  const [s, e] = trimRange(b, c.start, c.end, delim);
  if (s === e) return false;
  const v = decimalComma ? parseDecimal(commaToPoint(b, s, e), 0, e - s) : parseDecimal(b, s, e);
  if (v === v) return true;
  return isNonFiniteWord(latin1.decode(b.subarray(s, e)));
}

/** A copy of b[s, e) with ',' read as the decimal point. */
function commaToPoint(b: Uint8Array, s: number, e: number): Uint8Array {
  const c = b.slice(s, e);
  for (let i = 0; i < c.length; i++) if (c[i] === COMMA) c[i] = 46;
  return c;
}

/** The cell's trimmed text (quotes removed). */
export function cellValueText(b: Uint8Array, c: RawCell, delim: number): string {
  const [s, e] = trimRange(b, c.start, c.end, delim);
  return cellText(b, { start: s, end: e, quoted: c.quoted });
}

/** A number written with a decimal comma: `0,25`, `-1,5e-3`, `,5`. */
const DECIMAL_COMMA = /^[+-]?\d*,\d+([eE][+-]?\d+)?$/;

export function isDecimalCommaNumber(text: string): boolean {
  return DECIMAL_COMMA.test(text.trim());
}

/**
 * Decimal commas: with ';' or tab as the delimiter, some sampled cell is a number with a decimal comma and
 * none has a decimal point.
 */
export function hasDecimalCommas(b: Uint8Array, lines: SampleLine[], delim: number): boolean {
  if (delim === COMMA) return false;
  let comma = false;
  for (const l of lines) {
    for (const c of splitCells(b, l, delim)) {
      const t = cellValueText(b, c, delim);
      if (DECIMAL_COMMA.test(t)) comma = true;
      else if (/^[+-]?\d*\.\d+([eE][+-]?\d+)?$/.test(t)) return false;
    }
  }
  return comma;
}

/**
 * Leading comment lines (starting with one of `prefixes`) and the blank lines among them: where the rest
 * starts and how many lines were skipped, or null when there are none; -1 when more bytes are needed.
 */
export function skipPreamble(b: Uint8Array, start: number, end: number, eof: boolean, prefixes: readonly Uint8Array[]): { start: number; lines: number } | null | -1 {
  let p = start;
  let lines = 0;
  let comments = 0;
  while (p < end) {
    let q = b.indexOf(LF, p);
    if (q < 0 || q >= end) {
      if (!eof) return -1;
      q = end;
    }
    let le = q;
    if (le > p && b[le - 1] === CR) le--;
    let blank = true;
    for (let i = p; i < le && blank; i++) if (b[i] !== 32 && b[i] !== TAB) blank = false;
    const comment = !blank && prefixes.some((x) => x.length > 0 && le - p >= x.length && x.every((c, i) => b[p + i] === c));
    if (!blank && !comment) break;
    p = q < end ? q + 1 : end;
    lines++;
    if (comment) comments++;
  }
  if (p >= end && !eof) return -1;
  if (comments === 0) return null;
  // blank lines around the comments stay in the preamble too (verbatim)
  return { start: p, lines };
}

/** Normalised header name for time-column matching: lower case, no unit in brackets, no spaces. */
function timeKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/\s*[([{][^)\]}]*[)\]}]\s*$/, '')
    .replace(/\s+/g, '_');
}

/**
 * Index of the time column, or null. `override` names it (exact, then case-insensitive match); in a file
 * without a header it may be a 1-based column number.
 */
export function findTimeColumn(
  header: string[] | null,
  ncol: number,
  override: string | undefined,
  file: string,
  /** For INDEX_NAMES columns: whether column j's sampled values look like steps. */
  indexLike?: (j: number) => boolean,
): number | null {
  if (override !== undefined && override !== '') {
    if (header) {
      let k = header.indexOf(override);
      if (k < 0) k = header.findIndex((h) => h.trim().toLowerCase() === override.trim().toLowerCase());
      if (k < 0) {
        const list = header.map((h) => JSON.stringify(h)).join(', ');
        throw new InputError({ file, line: 1 }, `no column named ${JSON.stringify(override)} for the time; columns are ${truncate(list, 200)}`);
      }
      return k;
    }
    const k = Number(override);
    if (!Number.isInteger(k) || k < 1 || k > ncol) {
      throw new InputError({ file }, `the file has no header, so the time column must be a column number 1..${ncol}, not ${JSON.stringify(override)}`);
    }
    return k - 1;
  }
  if (!header) return null;
  const k = header.findIndex((h) => TIME_NAMES.has(timeKey(h)));
  if (k >= 0) return k;
  const x = header.findIndex((h, j) => INDEX_NAMES.has(timeKey(h)) && (indexLike?.(j) ?? false));
  return x < 0 ? null : x;
}

/** Sampled values of an index-like column: strictly increasing and integers or uniformly spaced. */
export function looksLikeSteps(values: number[]): boolean {
  if (values.length < 2) return values.length === 1 && Number.isInteger(values[0]);
  const d = values[1] - values[0];
  let integers = true;
  let uniform = true;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i])) integers = false;
    if (i > 0) {
      const di = values[i] - values[i - 1];
      if (!(di > 0)) return false;
      if (Math.abs(di - d) > 1e-9 * Math.max(1, Math.abs(d))) uniform = false;
    }
  }
  return integers || uniform;
}

/** Seed layout (rows = variables) when there are fewer data rows than columns. */
export function rowsAreVariables(dataRows: number, columns: number): boolean {
  return dataRows < columns;
}

export function truncate(s: string, max = 40): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
