// `reconstruct --shards DIR`: a file written by compress-shards back as one CSV per original shard, with
// the shard's name and the source's header, segment by segment. Every output is staged and renamed into
// place only when all are complete (nothing partial on error).
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { decodeWsindySegments, readWsindyHeader } from '../codec/decode';
import { generateCsv, type CsvData } from '../csv/write';
import { FormatError, OptionError } from '../errors';
import { openAtomicOutput, type AtomicOutput } from '../platform/atomicWrite';
import { noProgress, type ProgressSink } from '../progress';
import type { ShardRecord } from './compressShards';

export interface ShardReconstructSummary {
  dir: string;
  n: number;
  m: number;
  files: { path: string; steps: number; bytesWritten: number }[];
}

/** The shard list the file's settings carry (compress-shards), checked against the header. */
export function shardRecordsOf(settings: Record<string, unknown>, m: number, file: string): ShardRecord[] {
  const raw = settings.shards;
  if (!Array.isArray(raw)) throw new OptionError(`${file} was not written by compress-shards: it has no shard list`);
  const out: ShardRecord[] = [];
  let total = 0;
  for (const x of raw as unknown[]) {
    const o = x as Partial<ShardRecord> | null;
    if (!o || typeof o.name !== 'string' || !/^[^/\\]+$/.test(o.name) || o.name === '.' || o.name === '..' || !Number.isInteger(o.steps) || (o.steps as number) < 1) {
      throw new FormatError(`corrupt shard list in ${file}`);
    }
    out.push({ name: o.name, steps: o.steps as number });
    total += o.steps as number;
  }
  if (total !== m) throw new FormatError(`corrupt shard list in ${file}: ${total} steps, the file has ${m}`);
  return out;
}

export async function reconstructShards(bytes: Uint8Array, file: string, dir: string, force: boolean, progress: ProgressSink = noProgress): Promise<ShardReconstructSummary> {
  const header = readWsindyHeader(bytes);
  const { n, m, names } = header;
  const records = shardRecordsOf(header.settings, m, file);
  const format = header.source.format;
  const decimal = header.outputStep !== undefined ? { decimalStep: header.outputStep } : {};
  await mkdir(dir, { recursive: true });
  const paths = records.map((r) => join(dir, r.name));
  if (!force) for (const p of paths) if (existsSync(p)) throw new OptionError(`${p} exists; pass --force to overwrite it`);
  const outputs: AtomicOutput[] = [];
  const written = records.map(() => 0);
  try {
    for (const p of paths) outputs.push(await openAtomicOutput(p));
    // shard k holds global steps [starts[k], starts[k] + steps)
    const starts: number[] = [];
    records.reduce((s, r) => (starts.push(s), s + r.steps), 0);
    // rows layout: a shard's lines are whole series, so its values are gathered first (one shard in memory)
    const rowsBuf = format.layout === 'rows' ? { k: -1, series: [] as Float64Array[], time: new Float64Array(0) } : null;
    const put = async (k: number, data: CsvData, first: boolean): Promise<void> => {
      const out = outputs[k];
      written[k] += await generateCsv(data, (c) => out.write(c), undefined, undefined, first);
    };
    await decodeWsindySegments(
      bytes,
      async (j0, rows, time) => {
        const len = rows[0].length;
        for (let k = 0; k < records.length; k++) {
          const a = Math.max(j0, starts[k]);
          const b = Math.min(j0 + len, starts[k] + records[k].steps);
          if (a >= b) continue;
          const part = rows.map((r) => r.subarray(a - j0, b - j0));
          if (!rowsBuf) {
            await put(k, { names, series: part, time: time.subarray(a - j0, b - j0), source: format, ...decimal }, a === starts[k]);
            continue;
          }
          if (rowsBuf.k !== k) {
            rowsBuf.k = k;
            rowsBuf.series = Array.from({ length: n }, () => new Float64Array(records[k].steps));
            rowsBuf.time = new Float64Array(records[k].steps);
          }
          part.forEach((p, i) => rowsBuf.series[i].set(p, a - starts[k]));
          rowsBuf.time.set(time.subarray(a - j0, b - j0), a - starts[k]);
          if (b === starts[k] + records[k].steps) await put(k, { names, series: rowsBuf.series, time: rowsBuf.time, source: format, ...decimal }, true);
        }
        progress({ phase: 'write', fraction: (j0 + len) / m });
      },
      progress,
    );
    for (const o of outputs) await o.commit();
  } catch (e) {
    for (const o of outputs) await o.abort();
    throw e;
  }
  return { dir, n, m, files: records.map((r, k) => ({ path: paths[k], steps: r.steps, bytesWritten: written[k] })) };
}
