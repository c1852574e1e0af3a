// CSV writer: the layout, delimiter, line ending and header of the source, numbers that round-trip exactly,
// written in chunks through an atomic output (never a partial file).
import type { SourceExtras, SourceFormat } from '../dataset';
import { stampPrinter } from './dates';
import { CancelledError, NumericalError } from '../errors';
import type { ProgressSink } from '../progress';
import { openAtomicOutput } from '../platform/atomicWrite';
import { writeNumberScribble } from './numberText';
import { exponentOfStep, POW10_EXACT } from './outputStep';

// Local alias: an imported binding is read through a module getter on every call once transpiled.
const writeNum = writeNumberScribble;

export interface CsvData {
  names: string[];
  series: Float64Array[];
  time: Float64Array;
  source: SourceFormat;
  /** Optional decimal step 10^k: series values (not time) are printed rounded to a multiple of it. */
  decimalStep?: number;
}

const CHUNK = 2 << 20;
const SLACK = 64 * 1024; // room for one more row's worth of cells before flushing
const CELL_MAX = 42; // delimiter + the 25 bytes writeNumberScribble may touch, or a fixed cell (≤ 1 + 16 + 22 + 1)

/**
 * Fixed-decimal formatter state, set per generateCsv call: the decimal exponent k of the step, the exact
 * double 10^|k|, and whether to multiply (k < 0) or divide (k ≥ 0) by it. Mirrors `stepMultiple` (asserted
 * equal in the tests) but inlined: this runs once per cell.
 */
const fixed = { k: 0, p: 1, mul: true, small: false, pInt: 1 };
const TWO53 = 9007199254740992;
/** "00" … "99" as ASCII pairs. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** Set the fixed formatter for the exponent k (series printed at multiples of 10^k). */
function setFixed(k: number): void {
  fixed.k = k;
  fixed.mul = k < 0;
  fixed.p = POW10_EXACT[k < 0 ? -k : k];
  // the int32 path: k ≤ 0 with at most 9 decimals (10^-k an int32)
  fixed.small = k <= 0 && k >= -9;
  fixed.pInt = fixed.small ? 10 ** -k : 1;
}

/** Number of decimal digits of an integer 0 ≤ a < 2^31. */
function digitCount(a: number): number {
  if (a < 10000) return a < 10 ? 1 : a < 100 ? 2 : a < 1000 ? 3 : 4;
  if (a < 100000000) return a < 100000 ? 5 : a < 1000000 ? 6 : a < 10000000 ? 7 : 8;
  return a < 1000000000 ? 9 : 10;
}

/**
 * Write x rounded to a multiple of 10^k: the integer N = round(x·10^−k) (or round(x / 10^k)) with the
 * decimal point inserted (−k decimals, always printed) or followed by k zeros; exactly the text whose parsed
 * value is `printedValue(x, k)`. When |N| ≥ 2^53 the shortest round-trip text of x instead.
 */
function writeFixed(buf: Uint8Array, off: number, x: number): number {
  const N = Math.round(fixed.mul ? x * fixed.p : x / fixed.p);
  if (!(N < 2147483648 && N > -2147483648 && fixed.small)) return writeFixedWide(buf, off, x, N);
  // |N| < 2^31, ≤ 9 decimals: integer part and decimals in int32, two digits per step (the same text as
  // writeFixedWide; measured: formatting the 400×8000 random walk at 0.01, 160 → 110 ms CPU). Kept small,
  // with small helpers, so that the fill loops inline it.
  let a = N | 0;
  if (a < 0) {
    buf[off++] = 45;
    a = -a;
  }
  // every operand int32 (`| 0`, Math.imul): a double here makes `%` a call to fmod (measured 3× slower)
  const P = fixed.pInt | 0;
  // constant divisors for the usual 1–3 decimals: a multiply instead of an integer division
  const ip = P === 100 ? (a / 100) | 0 : P === 10 ? (a / 10) | 0 : P === 1000 ? (a / 1000) | 0 : (a / P) | 0;
  off = writeDigits(buf, off + digitCount(ip), ip);
  return fixed.k < 0 ? writeDecimals(buf, off, (a - Math.imul(ip, P)) | 0, -fixed.k) : off;
}

/** The decimal digits of the int32 v ≥ 0 ending at `end` (the caller counted them); returns end. */
function writeDigits(buf: Uint8Array, end: number, v: number): number {
  let q = end;
  while (v >= 100) {
    const r = v % 100;
    v = (v / 100) | 0;
    buf[--q] = DIGIT_PAIRS[2 * r + 1];
    buf[--q] = DIGIT_PAIRS[2 * r];
  }
  if (v >= 10) {
    buf[--q] = DIGIT_PAIRS[2 * v + 1];
    buf[--q] = DIGIT_PAIRS[2 * v];
  } else buf[--q] = 48 + v;
  return end;
}

/** '.' and exactly `dec` digits of the int32 0 ≤ fr < 10^dec (leading zeros written); returns the end. */
function writeDecimals(buf: Uint8Array, off: number, fr: number, dec: number): number {
  buf[off] = 46;
  const end = off + 1 + dec;
  let q = end;
  let d = dec;
  while (d >= 2) {
    const r = fr % 100;
    fr = (fr / 100) | 0;
    buf[--q] = DIGIT_PAIRS[2 * r + 1];
    buf[--q] = DIGIT_PAIRS[2 * r];
    d -= 2;
  }
  if (d === 1) buf[--q] = 48 + fr;
  return end;
}

/** writeFixed beyond the int32 path: |N| ≥ 2^31, more than 9 decimals, or a step 10^k with k > 0. */
function writeFixedWide(buf: Uint8Array, off: number, x: number, N: number): number {
  if (!(N < TWO53 && N > -TWO53)) return writeNum(buf, off, x);
  const k = fixed.k;
  const neg = N < 0;
  const a = neg ? -N : N;
  const hi = Math.floor(a / 1e8); // < 2^53 / 1e8 < 2^27
  const lo = a - hi * 1e8; // exact
  const digits = hi > 0 ? 8 + digitCount(hi) : digitCount(lo);
  const dec = k < 0 ? -k : 0;
  const zeros = k > 0 && a !== 0 ? k : 0;
  const nd = digits > dec ? digits : dec + 1;
  const len = (neg ? 1 : 0) + nd + (dec > 0 ? 1 : 0) + zeros;
  let q = off + len;
  for (let z = 0; z < zeros; z++) buf[--q] = 48;
  let cur = lo | 0;
  for (let d = 0; d < nd; d++) {
    if (d === dec && dec > 0) buf[--q] = 46;
    if (d === 8) cur = hi | 0;
    const c = cur % 10;
    buf[--q] = 48 + c;
    cur = (cur - c) / 10;
  }
  if (neg) buf[--q] = 45;
  return off + len;
}

/** Quote a header cell when it would not read back as the same text. */
export function quoteCell(text: string, delimiter: string): string {
  if (text === '' || /["\r\n]/.test(text) || text.includes(delimiter) || text.trim() !== text) {
    return '"' + text.replace(/"/g, '""') + '"';
  }
  return text;
}

/** Header cells to write, or null: the source header when it still matches the names, else the names. */
function headerCells(data: CsvData): string[] | null {
  const src = data.source;
  if (src.layout !== 'columns' || !src.header) return null;
  const tc = src.timeColumn;
  const ix = src.extras?.index?.column ?? -1;
  const cells: string[] = [];
  for (let j = 0, i = 0; i < data.names.length || j === tc || j === ix; j++) {
    cells.push(j === tc ? (src.header[tc] ?? 'time') : j === ix ? (src.header[ix] ?? '') : data.names[i++]);
  }
  if (src.header.length === cells.length) {
    let same = true;
    for (let j = 0; j < cells.length; j++) {
      if (j !== tc && j !== ix && src.header[j].trim() !== cells[j]) same = false;
    }
    if (same) return src.header;
  }
  return cells;
}

/** The header line: cells quoted when needed, except an index column's empty cell (pandas writes it bare). */
function headerLine(cells: string[], src: SourceFormat): string {
  const ix = src.extras?.index?.column ?? -1;
  return cells.map((h, j) => (j === ix && h === '' ? '' : quoteCell(h, src.delimiter))).join(src.delimiter) + src.lineEnding;
}

/** What is written before the first data line: preamble, header, units row. */
function headText(data: CsvData, withHeader: boolean): string {
  if (!withHeader) return '';
  const src = data.source;
  const ex = src.extras;
  const header = headerCells(data);
  let text = ex?.preamble ?? '';
  if (header) text += headerLine(header, src);
  if (header && ex?.units !== undefined) text += ex.units + src.lineEnding;
  return text;
}

/** Whether the extras change how data cells are written (else the plain fill loops run). */
function cellExtras(ex: SourceExtras | undefined): boolean {
  return ex !== undefined && (ex.index !== undefined || ex.dates !== undefined || ex.decimalComma === true || (ex.missing?.cells.length ?? 0) > 0);
}

/** Per-variable missing steps and their spellings (UTF-8 bytes), walked forward as rows are written. */
interface MissingCursor {
  steps: Int32Array[];
  kinds: Uint16Array[];
  at: Int32Array;
  spellings: Uint8Array[];
}

function missingCursor(ex: SourceExtras | undefined, n: number, m: number): MissingCursor {
  const steps: number[][] = Array.from({ length: n }, () => []);
  const kinds: number[][] = Array.from({ length: n }, () => []);
  const mc = ex?.missing;
  if (mc) {
    for (let k = 0; k < mc.cells.length; k++) {
      const i = Math.floor(mc.cells[k] / m);
      steps[i].push(mc.cells[k] - i * m);
      kinds[i].push(mc.kinds[k]);
    }
  }
  return {
    steps: steps.map((a) => Int32Array.from(a)),
    kinds: kinds.map((a) => Uint16Array.from(a)),
    at: new Int32Array(n),
    spellings: (mc?.spellings ?? []).map((t) => Buffer.from(t, 'utf8')),
  };
}

/** Write variable i's cell at step j: its missing spelling, else the number (decimal comma if asked). */
function writeCell(buf: Uint8Array, off: number, x: number, i: number, j: number, exact: boolean, mc: MissingCursor, comma: boolean): number {
  const st = mc.steps[i];
  let a = mc.at[i];
  while (a < st.length && st[a] < j) a++;
  mc.at[i] = a;
  if (a < st.length && st[a] === j) {
    const sp = mc.spellings[mc.kinds[i][a]];
    buf.set(sp, off);
    return off + sp.length;
  }
  const s = off;
  off = exact ? writeNum(buf, off, x) : writeFixed(buf, off, x);
  if (comma) for (let q = s; q < off; q++) if (buf[q] === 46) buf[q] = 44;
  return off;
}

/** Columns layout with extras: index column, date-time stamps, missing spellings, decimal commas. */
function fillColumnsExtras(buf: Uint8Array, off: number, limit: number, data: CsvData, exactAll: boolean, mc: MissingCursor, stamp: ((j: number, t: number) => string) | null): number {
  const src = data.source;
  const ex = src.extras as SourceExtras;
  const D = src.delimiter.charCodeAt(0);
  const crlf = src.lineEnding === '\r\n';
  const tc = src.timeColumn ?? -1;
  const ix = ex.index?.column ?? -1;
  const ixStart = ex.index?.start ?? 0;
  const comma = ex.decimalComma === true;
  const n = data.series.length;
  const ncol = n + (tc >= 0 ? 1 : 0) + (ix >= 0 ? 1 : 0);
  const m = data.time.length;
  let r = pos.r;
  while (r < m && off < limit) {
    for (let c = 0, i = 0; c < ncol; c++) {
      if (c > 0) buf[off++] = D;
      if (c === ix) off = writeNum(buf, off, ixStart + r);
      else if (c === tc) {
        if (stamp) {
          const t = stamp(r, data.time[r]);
          for (let q = 0; q < t.length; q++) buf[off++] = t.charCodeAt(q); // ISO 8601: ASCII
        } else {
          const s = off;
          off = writeNum(buf, off, data.time[r]);
          if (comma) for (let q = s; q < off; q++) if (buf[q] === 46) buf[q] = 44;
        }
      } else {
        off = writeCell(buf, off, data.series[i][r], i, r, exactAll, mc, comma);
        i++;
      }
    }
    if (crlf) buf[off++] = 13;
    buf[off++] = 10;
    r++;
  }
  pos.r = r;
  return off;
}

export function checkCsvData(data: CsvData): void {
  const m = data.time.length;
  if (data.names.length !== data.series.length) {
    throw new RangeError(`writeCsv: ${data.names.length} names for ${data.series.length} series`);
  }
  for (let i = 0; i < data.series.length; i++) {
    const s = data.series[i];
    if (s.length !== m) throw new RangeError(`writeCsv: series ${i} has ${s.length} values, time has ${m}`);
    // v − v is 0 for a finite v and NaN otherwise: one sum per series, the offender looked up only on NaN
    // (measured: 400×8000 values 15 → 3 ms; it runs before every write)
    let acc = 0;
    for (let j = 0; j < m; j++) acc += s[j] - s[j];
    if (acc === 0) continue;
    for (let j = 0; j < m; j++) {
      const v = s[j];
      if (v - v !== 0) {
        throw new NumericalError(`refusing to write a non-finite value (${v}) for ${data.names[i]} at t = ${data.time[j]}`, data.time[j]);
      }
    }
  }
}

/** Where fillColumns/fillRows stopped: next row (columns) or next variable and step (rows). */
const pos = { r: 0, i: 0, j: 0 };

/**
 * fillColumns for the usual case, every series cell on the int32 path of writeFixed (k = 0 … −9): the same
 * text, with the formatter's constants in locals and each cell's digits written right to left in one
 * sweep (decimals, point, integer part) instead of an integer part divided off first.
 */
function fillColumnsSmall(buf: Uint8Array, off: number, limit: number, cols: Float64Array[], m: number, D: number, crlf: boolean, exact: Uint8Array): number {
  const ncol = cols.length;
  const p = fixed.p; // k ≤ 0: x·10^−k (k = 0: x·1, the same as x / 1)
  const dec = -fixed.k | 0;
  const point = dec > 0 ? 1 : 0;
  let r = pos.r;
  while (r < m && off < limit) {
    for (let j = 0; j < ncol; j++) {
      if (j > 0) buf[off++] = D;
      const x = cols[j][r];
      if (exact[j] !== 0) {
        off = writeNum(buf, off, x);
        continue;
      }
      const N = Math.round(x * p);
      if (!(N < 2147483648 && N > -2147483648)) {
        off = writeFixedWide(buf, off, x, N);
        continue;
      }
      let a = N | 0;
      if (a < 0) {
        buf[off++] = 45;
        a = -a;
      }
      const nd = digitCount(a);
      const end = off + (nd > dec ? nd : dec + 1) + point;
      let q = end;
      let d = dec;
      while (d >= 2) {
        const two = a % 100;
        a = (a / 100) | 0;
        buf[--q] = DIGIT_PAIRS[2 * two + 1];
        buf[--q] = DIGIT_PAIRS[2 * two];
        d -= 2;
      }
      if (d === 1) {
        const one = a % 10;
        a = (a / 10) | 0;
        buf[--q] = 48 + one;
      }
      if (point === 1) buf[--q] = 46;
      while (a >= 100) {
        const two = a % 100;
        a = (a / 100) | 0;
        buf[--q] = DIGIT_PAIRS[2 * two + 1];
        buf[--q] = DIGIT_PAIRS[2 * two];
      }
      if (a >= 10) {
        buf[--q] = DIGIT_PAIRS[2 * a + 1];
        buf[--q] = DIGIT_PAIRS[2 * a];
      } else buf[--q] = 48 + a;
      off = end;
    }
    if (crlf) buf[off++] = 13;
    buf[off++] = 10;
    r++;
  }
  pos.r = r;
  return off;
}

/** Columns layout: whole rows from pos.r until at least `limit` bytes are in buf or the data ends. */
function fillColumns(buf: Uint8Array, off: number, limit: number, cols: Float64Array[], m: number, D: number, crlf: boolean, exact: Uint8Array): number {
  const ncol = cols.length;
  let r = pos.r;
  while (r < m && off < limit) {
    off = exact[0] ? writeNum(buf, off, cols[0][r]) : writeFixed(buf, off, cols[0][r]);
    for (let j = 1; j < ncol; j++) {
      buf[off++] = D;
      off = exact[j] ? writeNum(buf, off, cols[j][r]) : writeFixed(buf, off, cols[j][r]);
    }
    if (crlf) buf[off++] = 13;
    buf[off++] = 10;
    r++;
  }
  pos.r = r;
  return off;
}

/**
 * Rows layout (one line per variable, possibly longer than a chunk): cells from (pos.i, pos.j). With a
 * missing-cell cursor (files with extras) each cell goes through writeCell: spellings, decimal commas.
 */
function fillRows(buf: Uint8Array, off: number, limit: number, series: Float64Array[], m: number, D: number, crlf: boolean, exact: boolean, mc: MissingCursor | null = null, comma = false): number {
  const n = series.length;
  let i = pos.i;
  let j = pos.j;
  while (i < n && off < limit) {
    const s = series[i];
    while (j < m && off < limit) {
      if (j > 0) buf[off++] = D;
      off = mc ? writeCell(buf, off, s[j], i, j, exact, mc, comma) : exact ? writeNum(buf, off, s[j]) : writeFixed(buf, off, s[j]);
      j++;
    }
    if (j === m) {
      if (crlf) buf[off++] = 13;
      buf[off++] = 10;
      i++;
      j = 0;
    }
  }
  pos.i = i;
  pos.j = j;
  return off;
}

/**
 * Produce the CSV in chunks: `sink` receives each filled chunk (a view into one of two buffers, valid until
 * the returned promise resolves; one sink call at a time). The next chunk is formatted while the previous
 * one is being written (double buffering). Returns the number of bytes produced.
 * Measured: writeCsvFile on the 400×8000 file ≈ 45 → 150+ MB/s with the formatter and this overlap.
 */
export async function generateCsv(
  data: CsvData,
  sink: (chunk: Uint8Array) => Promise<void>,
  progress?: ProgressSink,
  signal?: AbortSignal,
  /** False for every piece of a file written piece by piece but the first (the header is written once). */
  withHeader = true,
): Promise<number> {
  checkCsvData(data);
  const src = data.source;
  const D = src.delimiter.charCodeAt(0);
  const crlf = src.lineEnding === '\r\n';
  const n = data.series.length;
  const m = data.time.length;
  const columns = src.layout === 'columns';
  // decimal step for the series (the time column is always written exactly)
  const k = data.decimalStep === undefined ? null : exponentOfStep(data.decimalStep);
  if (data.decimalStep !== undefined && k === null) throw new RangeError(`writeCsv: decimal step ${data.decimalStep} is not a power of ten in 1e-22 … 1e22`);
  const allExact = k === null;
  const cols: Float64Array[] = [];
  const exact: number[] = [];
  if (columns) {
    const tc = src.timeColumn ?? -1;
    const ncol = n + (tc >= 0 ? 1 : 0);
    for (let j = 0, i = 0; j < ncol; j++) {
      cols.push(j === tc ? data.time : data.series[i++]);
      exact.push(j === tc || allExact ? 1 : 0);
    }
  }
  const exactCols = Uint8Array.from(exact);
  const ex = src.extras;
  const withExtras = cellExtras(ex);
  const mc = missingCursor(ex, n, m);
  const stamp = ex?.dates ? stampPrinter(ex.dates.first, ex.dates.texts) : null;
  // Room for a chunk plus one more row (columns layout; rows layout stops per cell) plus the header;
  // with extras a cell may be a stamp or a missing value's spelling.
  const extraRoom = withExtras ? 48 + mc.spellings.reduce((a, sp) => Math.max(a, sp.length), 0) + (ex?.dates?.texts ?? []).reduce((a, t) => Math.max(a, Buffer.byteLength(t)), 0) : 0;
  const rowRoom = Math.max(SLACK, (cols.length + 1) * (CELL_MAX + extraRoom) + 2);
  const head = headText(data, withHeader);
  const headerBytes: Buffer | null = head === '' ? null : Buffer.from(head, 'utf8');
  const bufs = [Buffer.allocUnsafe(CHUNK + rowRoom + (headerBytes ? headerBytes.length : 0)), Buffer.allocUnsafe(CHUNK + rowRoom)];
  let cur = 0;
  let off = headerBytes ? headerBytes.copy(bufs[0], 0) : 0;
  let total = 0;
  let pending: Promise<void> | null = null;
  let nextReport = 0;
  pos.r = 0;
  pos.i = 0;
  pos.j = 0;
  for (;;) {
    const buf = bufs[cur];
    // fill* keep their position in `pos`: read it back before any await lets another call reuse it.
    // module state like `pos`: set again after every await
    setFixed(k ?? 0);
    if (withExtras && columns) off = fillColumnsExtras(buf, off, CHUNK, data, allExact, mc, stamp);
    else if (withExtras) off = fillRows(buf, off, CHUNK, data.series, m, D, crlf, allExact, mc, data.source.extras?.decimalComma === true);
    else off = columns ? (fixed.small ? fillColumnsSmall : fillColumns)(buf, off, CHUNK, cols, m, D, crlf, exactCols) : fillRows(buf, off, CHUNK, data.series, m, D, crlf, allExact);
    const done = columns ? pos.r >= m : pos.i >= n;
    const state = { r: pos.r, i: pos.i, j: pos.j };
    if (pending) await pending;
    pending = null;
    if (off > 0) {
      if (signal?.aborted) throw new CancelledError();
      pending = sink(buf.subarray(0, off));
      total += off;
    }
    off = 0;
    cur ^= 1;
    if (done) break;
    const fraction = columns ? state.r / m : (state.i * m + state.j) / (n * m);
    if (progress && fraction >= nextReport) {
      progress({ phase: 'write', fraction });
      nextReport = Math.floor(fraction * 50 + 1) / 50;
    }
    pos.r = state.r;
    pos.i = state.i;
    pos.j = state.j;
  }
  if (pending) await pending;
  progress?.({ phase: 'write', fraction: 1 });
  return total;
}

/** Write the dataset as CSV to path, atomically; returns the bytes written. */
export async function writeCsvFile(path: string, data: CsvData, progress?: ProgressSink, signal?: AbortSignal): Promise<number> {
  checkCsvData(data);
  if (signal?.aborted) throw new CancelledError();
  const out = await openAtomicOutput(path);
  try {
    const bytes = await generateCsv(data, (chunk) => out.write(chunk), progress, signal);
    if (signal?.aborted) throw new CancelledError();
    await out.commit();
    return bytes;
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/** The whole CSV in memory (small data, tests). */
export async function formatCsv(data: CsvData): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  await generateCsv(data, async (chunk) => {
    parts.push(Buffer.from(chunk));
  });
  return Buffer.concat(parts);
}
