// CSV writer: the layout, delimiter, line ending and header of the source, numbers that round-trip exactly,
// written in chunks through an atomic output (never a partial file).
import type { SourceFormat } from './dataset';
import { CancelledError, NumericalError } from './errors';
import type { ProgressSink } from './progress';
import { openAtomicOutput } from './atomicWrite';
import { writeNumber } from './numberText';

export interface CsvData {
  names: string[];
  series: Float64Array[];
  time: Float64Array;
  source: SourceFormat;
}

const CHUNK = 2 << 20;
const SLACK = 64 * 1024; // room for one more row's worth of cells before flushing

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
  const cells = data.names.slice();
  if (tc !== null) cells.splice(tc, 0, src.header[tc] ?? 'time');
  if (src.header.length === cells.length) {
    let same = true;
    for (let j = 0; j < cells.length; j++) {
      if (j !== tc && src.header[j].trim() !== cells[j]) same = false;
    }
    if (same) return src.header;
  }
  return cells;
}

function check(data: CsvData): void {
  const m = data.time.length;
  if (data.names.length !== data.series.length) {
    throw new RangeError(`writeCsv: ${data.names.length} names for ${data.series.length} series`);
  }
  data.series.forEach((s, i) => {
    if (s.length !== m) throw new RangeError(`writeCsv: series ${i} has ${s.length} values, time has ${m}`);
    for (let j = 0; j < m; j++) {
      const v = s[j];
      if (v - v !== 0) {
        throw new NumericalError(`refusing to write a non-finite value (${v}) for ${data.names[i]} at t = ${data.time[j]}`, data.time[j]);
      }
    }
  });
}

/**
 * Produce the CSV in chunks: `sink` receives each filled chunk (a view into a reused buffer, valid until
 * the returned promise resolves). Returns the number of bytes produced.
 */
export async function generateCsv(
  data: CsvData,
  sink: (chunk: Uint8Array) => Promise<void>,
  progress?: ProgressSink,
  signal?: AbortSignal,
): Promise<number> {
  check(data);
  const src = data.source;
  const D = src.delimiter.charCodeAt(0);
  const crlf = src.lineEnding === '\r\n';
  const n = data.series.length;
  const m = data.time.length;
  let buf = Buffer.allocUnsafe(CHUNK + SLACK);
  let off = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (off === 0) return;
    if (signal?.aborted) throw new CancelledError();
    await sink(buf.subarray(0, off));
    total += off;
    off = 0;
  };
  const eol = (): void => {
    if (crlf) buf[off++] = 13;
    buf[off++] = 10;
  };
  const header = headerCells(data);
  if (header) {
    const text = header.map((h) => quoteCell(h, src.delimiter)).join(src.delimiter);
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length + 2 > buf.length) buf = Buffer.allocUnsafe(bytes.length + 2 + CHUNK + SLACK);
    off += bytes.copy(buf, off);
    eol();
  }
  let nextReport = 0;
  const report = (done: number, of: number): void => {
    if (progress && done / of >= nextReport) {
      progress({ phase: 'write', fraction: done / of });
      nextReport = Math.floor((done / of) * 50 + 1) / 50;
    }
  };
  if (src.layout === 'columns') {
    const tc = src.timeColumn ?? -1;
    const ncol = n + (tc >= 0 ? 1 : 0);
    const cols: Float64Array[] = [];
    for (let j = 0, i = 0; j < ncol; j++) cols.push(j === tc ? data.time : data.series[i++]);
    const rowMax = ncol * 26 + 2;
    if (rowMax > SLACK) buf = Buffer.allocUnsafe(CHUNK + rowMax);
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < ncol; j++) {
        if (j > 0) buf[off++] = D;
        off = writeNumber(buf, off, cols[j][r]);
      }
      eol();
      if (off >= CHUNK) {
        await flush();
        report(r + 1, m);
      }
    }
  } else {
    // One row per variable; a row may be longer than a chunk, so flush inside it.
    for (let i = 0; i < n; i++) {
      const s = data.series[i];
      for (let j = 0; j < m; j++) {
        if (j > 0) buf[off++] = D;
        off = writeNumber(buf, off, s[j]);
        if (off >= CHUNK) await flush();
      }
      eol();
      report(i + 1, n);
    }
  }
  await flush();
  progress?.({ phase: 'write', fraction: 1 });
  return total;
}

/** Write the dataset as CSV to path, atomically; returns the bytes written. */
export async function writeCsvFile(path: string, data: CsvData, progress?: ProgressSink, signal?: AbortSignal): Promise<number> {
  check(data);
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
