// CSV benchmark: parse MB/s (readCsvFile) against the raw fs read floor and a naive split + Number loop,
// and write MB/s (writeCsvFile). Run: node --import tsx bench/csv.ts   (data in bench/data/, gitignored)
// Measured (medians of 3 bench runs, load 1.8–3.0, shared 2-core machine), before → after the fast paths:
// parse 74 → 101, 91 → 238, 97 → 217 MB/s (naive ≈ 65/100/100); write 29 → 110, 66 → 119, 68 → 140 MB/s
// (write includes the atomic output's fsync).
// Seed layout (one line per variable, no header) added with the rows fast path: parse 400×8000 seed
// 119/122 → 254/255/261 MB/s, 256×4000 seed 107/109 → 236/238/248 (3 bench runs each, load 2.0–2.6; tidy
// unchanged within noise at ≈ 245, 3×10000 tidy 102/105 → 164–194 from the warm-up of the fast loops).
// Parallel reader (csv/readParallel.ts, forced on here at every size; worker pooled, so warm like this thread):
// quiet machine, 2 bench runs, 400×8000 tidy 253/247 → 427/408 MB/s, seed 262/259 → 454/460; with the
// source CRC (onBytes + zlib.crc32 vs onCrc32) tidy 243/224 → 392/381, seed 246/241 → 438/423. Cold (a
// fresh process) it only pays from ≈ 90 MB: see PARALLEL_MIN_BYTES.
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { readCsvFile } from '../src/core/csv/read';
import { PARALLEL_MIN_BYTES, readCsvFileParallel } from '../src/core/csv/readParallel';
import { writeCsvFile } from '../src/core/csv/write';
import { estimatedCsvBytes, PARALLEL_WRITE_MIN_BYTES, writeCsvFileParallel } from '../src/core/csv/writeParallel';

export interface Row {
  file: string;
  layout: 'tidy' | 'seed';
  n: number;
  m: number;
  mb: number;
  rawReadMBs: number;
  naiveMBs: number;
  parseMBs: number;
  /** readCsvFileParallel forced on (every size), and whether its default threshold would use it. */
  parallelMBs: number;
  parallelByDefault: boolean;
  /** With the source CRC as compressFile needs it: readCsvFile + onBytes/zlib.crc32, parallel + onCrc32. */
  parseCrcMBs: number;
  parallelCrcMBs: number;
  writeMBs: number;
  /** writeCsvFileParallel forced on (worker kept warm), and whether its default threshold would use it. */
  parallelWriteMBs: number;
  parallelWriteByDefault: boolean;
}

const DATA = join(__dirname, 'data');
const SIZES: [number, number, 'tidy' | 'seed'][] = [
  [3, 10_000, 'tidy'],
  [256, 4000, 'tidy'],
  [400, 8000, 'tidy'],
  [256, 4000, 'seed'],
  [400, 8000, 'seed'],
];

/** Smooth signal i at step j plus noise, printed by String() (16–17 digits). */
function value(i: number, j: number, noise: number): string {
  return String(Math.sin(j * 0.002 * (1 + (i % 7)) + i) * (1 + i * 0.01) + (noise / 2147483648 - 0.5) * 1e-3);
}

/**
 * Tidy CSV (one row per time step, a time column and a header), or the seed layout (one line per
 * variable with its whole series, no header: about 150 KB per line at 400×8000).
 */
function ensureFile(n: number, m: number, layout: 'tidy' | 'seed'): string {
  const path = join(DATA, `${layout === 'tidy' ? 'csv' : 'seed'}-${n}x${m}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(DATA, { recursive: true });
  let s = 12345;
  const parts: string[] = [];
  if (layout === 'tidy') {
    parts.push('t,' + Array.from({ length: n }, (_, i) => `x${i}`).join(',') + '\n');
    for (let j = 0; j < m; j++) {
      let line = String(j * 0.002);
      for (let i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        line += ',' + value(i, j, s);
      }
      parts.push(line + '\n');
    }
  } else {
    for (let i = 0; i < n; i++) {
      const cells: string[] = [];
      for (let j = 0; j < m; j++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        cells.push(value(i, j, s));
      }
      parts.push(cells.join(',') + '\n');
    }
  }
  writeFileSync(path, parts.join(''));
  return path;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function time(fn: () => Promise<unknown> | unknown, runs: number): Promise<number> {
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

async function rawRead(path: string): Promise<number> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  let total = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return total;
}

function naive(path: string, header: boolean): number {
  const lines = readFileSync(path, 'utf8').split('\n');
  let sum = 0;
  for (let i = header ? 1 : 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i].split(',');
    for (let k = 0; k < cells.length; k++) sum += Number(cells[k]);
  }
  return sum;
}

export async function runCsvBench(runs = 5): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [n, m, layout] of SIZES) {
    const path = ensureFile(n, m, layout);
    const mb = statSync(path).size / 1e6;
    const ds = await readCsvFile(path);
    const out = join(DATA, `out-${layout}-${n}x${m}.csv`);
    const tRaw = await time(() => rawRead(path), runs);
    const tNaive = await time(() => naive(path, layout === 'tidy'), runs);
    const par = { parallelAboveBytes: 0 };
    await readCsvFileParallel(path, par); // starts the pooled worker (kept warm, like this thread's JIT)
    const tParse = await time(() => readCsvFile(path), runs);
    const tPar = await time(() => readCsvFileParallel(path, par), runs);
    let crc = 0;
    const tParseCrc = await time(() => readCsvFile(path, { onBytes: (b) => (crc = crc32(b, crc)) }), runs);
    const tParCrc = await time(() => readCsvFileParallel(path, { ...par, onCrc32: (c) => (crc = c) }), runs);
    const tWrite = await time(() => writeCsvFile(out, ds), runs);
    await writeCsvFileParallel(out, ds, undefined, undefined, { minBytes: 0 }); // starts the worker
    const tParWrite = await time(() => writeCsvFileParallel(out, ds, undefined, undefined, { minBytes: 0 }), runs);
    const outMb = statSync(out).size / 1e6;
    unlinkSync(out);
    rows.push({
      file: `${n}×${m}`,
      layout,
      n,
      m,
      mb,
      rawReadMBs: mb / tRaw,
      naiveMBs: mb / tNaive,
      parseMBs: mb / tParse,
      parallelMBs: mb / tPar,
      parallelByDefault: mb * 1e6 >= PARALLEL_MIN_BYTES,
      parseCrcMBs: mb / tParseCrc,
      parallelCrcMBs: mb / tParCrc,
      writeMBs: outMb / tWrite,
      parallelWriteMBs: outMb / tParWrite,
      parallelWriteByDefault: estimatedCsvBytes(ds) >= PARALLEL_WRITE_MIN_BYTES,
    });
  }
  return rows;
}

if (require.main === module) {
  runCsvBench().then((rows) => {
    const f = (x: number): string => x.toFixed(0).padStart(9);
    console.log('data       layout    MB   raw read    naive     parse  parallel  parse+crc  par+crc     write  par write  (MB/s, median of 5)');
    for (const r of rows) {
      console.log(
        `${r.file.padEnd(10)} ${r.layout.padEnd(5)} ${r.mb.toFixed(1).padStart(5)} ${f(r.rawReadMBs)} ${f(r.naiveMBs)} ${f(r.parseMBs)} ${f(r.parallelMBs)}${r.parallelByDefault ? '*' : ' '}${f(r.parseCrcMBs)} ${f(r.parallelCrcMBs)} ${f(r.writeMBs)} ${f(r.parallelWriteMBs)}${r.parallelWriteByDefault ? '*' : ' '}`,
      );
    }
    console.log(`parallel: readCsvFileParallel forced on; * = at least ${PARALLEL_MIN_BYTES / 2 ** 20} MiB, where it is used by default`);
    console.log(`par write: writeCsvFileParallel forced on (with the atomic output's fsync, like write); * = estimated output of at least ${PARALLEL_WRITE_MIN_BYTES / 2 ** 20} MiB, where reconstruction uses it`);
  });
}
