// Reconstruction of a segmented (.wsindy v2) file without its n × m values in memory: segments are
// decoded one at a time. Columns layout (one CSV line per step): each segment's lines are written as it
// is decoded. Rows layout (one line per variable, all steps): the decoded segments are staged in a
// temporary file, then each batch of variables' lines is gathered from it and written.
import { open, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAtomicOutput } from '../platform/atomicWrite';
import { decodeWsindySegments, readWsindyHeader } from '../codec/decode';
import { generateCsv, type CsvData } from '../csv/write';
import { CancelledError } from '../errors';
import { noProgress, type ProgressSink } from '../progress';

/** Rows layout: variables gathered per batch, at most this many bytes of float64 lines. */
const BATCH_BYTES = 32 << 20;

/** Decode `bytes` segment by segment and write the CSV atomically to outPath; returns the bytes written. */
export async function reconstructSegmented(
  bytes: Uint8Array,
  outPath: string,
  progress: ProgressSink = noProgress,
  signal?: AbortSignal,
  tempDir: string = tmpdir(),
): Promise<{ n: number; m: number; bytesWritten: number }> {
  const header = readWsindyHeader(bytes);
  const { n, m, names } = header;
  const format = header.source.format;
  const decimal = header.outputStep !== undefined ? { decimalStep: header.outputStep } : {};
  const out = await openAtomicOutput(outPath);
  const sink = (chunk: Uint8Array): Promise<void> => out.write(chunk);
  let written = 0;
  let stagePath: string | null = null;
  try {
    if (format.layout === 'columns') {
      await decodeWsindySegments(bytes, async (j0, rows, time) => {
        if (signal?.aborted) throw new CancelledError();
        const piece: CsvData = { names, series: rows.slice(), time, source: format, ...decimal };
        written += await generateCsv(piece, sink, undefined, signal, j0 === 0);
        progress({ phase: 'write', fraction: (j0 + rows[0].length) / m });
      });
    } else {
      stagePath = join(tempDir, `wsindy-rows-${process.pid}-${randomBytes(8).toString('hex')}.f64`);
      const fh = await open(stagePath, 'wx+', 0o600);
      try {
        // each segment stored variable-major: variable i of the segment at j0 is at (j0·n + i·len)·8
        const starts: number[] = [];
        const lengths: number[] = [];
        // the rows layout writes no time column, but the writer checks every line against the grid's length
        const time = new Float64Array(m);
        await decodeWsindySegments(bytes, async (j0, rows, segmentTime) => {
          time.set(segmentTime, j0);
          if (signal?.aborted) throw new CancelledError();
          const len = rows[0].length;
          const buf = new Float64Array(n * len);
          rows.forEach((row, i) => buf.set(row, i * len));
          await fh.write(new Uint8Array(buf.buffer), 0, buf.byteLength, j0 * n * 8);
          starts.push(j0);
          lengths.push(len);
          progress({ phase: 'decode', fraction: (j0 + len) / m });
        });
        const batch = Math.max(1, Math.min(n, Math.floor(BATCH_BYTES / (8 * m))));
        for (let i0 = 0; i0 < n; i0 += batch) {
          if (signal?.aborted) throw new CancelledError();
          const count = Math.min(batch, n - i0);
          const series = Array.from({ length: count }, () => new Float64Array(m));
          for (let s = 0; s < starts.length; s++) {
            const len = lengths[s];
            for (let k = 0; k < count; k++) {
              const row = series[k].subarray(starts[s], starts[s] + len);
              await fh.read(new Uint8Array(row.buffer, row.byteOffset, row.byteLength), 0, row.byteLength, (starts[s] * n + (i0 + k) * len) * 8);
            }
          }
          written += await generateCsv({ names: names.slice(i0, i0 + count), series, time, source: format, ...decimal }, sink, undefined, signal, false);
          progress({ phase: 'write', fraction: (i0 + count) / n });
        }
      } finally {
        await fh.close();
      }
    }
    if (signal?.aborted) throw new CancelledError();
    await out.commit();
  } catch (e) {
    await out.abort();
    throw e;
  } finally {
    if (stagePath) await rm(stagePath, { force: true });
  }
  return { n, m, bytesWritten: written };
}
