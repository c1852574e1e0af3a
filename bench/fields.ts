// Fields and sensor-like signals (bench/fieldData.ts) at 1e-3 and 1e-4 of the range: our file against
// SZ3 and zfp at the same absolute pointwise bound, when their binaries are found (`SZ3` / `ZFP`
// environment variables, else `sz3` / `zfp` on PATH; the columns are left out otherwise).
// ratio = float64 bytes / file bytes. Run: node --import tsx bench/fields.ts [--only name]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { decodeWsindy } from '../src/core/codec/decode';
import { compressFile, reconstructFile } from '../src/core/api';
import { DEFAULT_COMPRESS_OPTIONS } from '../src/core/options';
import { fieldCases, seriesRange, type FieldCase } from './fieldData';

/** An executable from the environment variable, else from PATH, else null. */
function findBinary(env: string, name: string): string | null {
  const fromEnv = process.env[env];
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

function float64Bytes(series: readonly Float64Array[]): Uint8Array {
  const out = new Uint8Array(series.length * series[0].length * 8);
  series.forEach((s, i) => out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), i * s.byteLength));
  return out;
}

/**
 * Size of the other coder's file at absolute bound `bound` (data[n][m], m fastest; `grid`: the n rows as
 * nx × ny, SZ3 given the 3-D shape m, ny, nx), and its max error (null: failed).
 */
function external(kind: 'sz3' | 'zfp', bin: string, raw: Uint8Array, n: number, m: number, bound: number, grid?: { nx: number; ny: number }): { bytes: number; maxErr: number } | null {
  const dir = mkdtempSync(join(tmpdir(), `wsindy-${kind}-`));
  try {
    const inp = join(dir, 'in.f64');
    const z = join(dir, 'out.z');
    const out = join(dir, 'out.f64');
    writeFileSync(inp, raw);
    const dims = grid ? ['-3', String(m), String(grid.ny), String(grid.nx)] : n === 1 ? ['-1', String(m)] : ['-2', String(m), String(n)];
    if (kind === 'sz3') execFileSync(bin, ['-d', '-i', inp, '-z', z, '-o', out, ...dims, '-M', 'ABS', String(bound)], { stdio: 'ignore' });
    else execFileSync(bin, ['-d', ...dims, '-a', String(bound), '-i', inp, '-z', z, '-o', out], { stdio: 'ignore' });
    const a = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const b = new Float64Array(readFileSync(out).buffer.slice(0));
    let maxErr = 0;
    for (let k = 0; k < a.length; k++) maxErr = Math.max(maxErr, Math.abs(a[k] - b[k]));
    return { bytes: statSync(z).size, maxErr };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FieldRow {
  name: string;
  n: number;
  m: number;
  tolerance: number;
  bytes: number;
  ratio: number;
  maxErrOverBound: number;
  route: string;
  compressMBs: number;
  decompressMBs: number;
  sz3Ratio: number | null;
  /** SZ3 told the 3-D shape of a flattened 2-D field (null: not a field, or no SZ3). */
  sz3GridRatio: number | null;
  zfpRatio: number | null;
}

/** The field as a user's file: one line per grid point (the rows layout of the published examples), full digits. */
function rowsCsv(c: FieldCase): string {
  return c.series.map((s) => Array.from(s, String).join(',')).join('\n') + '\n';
}

/**
 * Each case through the path a user takes (`compressFile` / `reconstructFile`, as `wsindy compress` and
 * `reconstruct` run them, default options at the given tolerance) on its CSV; max error against the
 * float64 data; MB/s of float64 data compressed and of CSV written by the reconstruction.
 */
export async function runFieldCase(c: FieldCase, tolerances: readonly number[], sz3: string | null, zfp: string | null): Promise<FieldRow[]> {
  const n = c.series.length;
  const m = c.time.length;
  const raw = float64Bytes(c.series);
  const mb = raw.length / 1e6;
  const { min, max } = seriesRange(c.series);
  const dir = mkdtempSync(join(tmpdir(), 'wsindy-fields-'));
  const rows: FieldRow[] = [];
  try {
    const csv = join(dir, 'field.csv');
    writeFileSync(csv, rowsCsv(c));
    for (const tolerance of tolerances) {
      const out = join(dir, 'field.wsindy');
      const back = join(dir, 'back.csv');
      const t0 = performance.now();
      const res = await compressFile(csv, out, { ...DEFAULT_COMPRESS_OPTIONS, layout: 'rows', tolerance });
      const t1 = performance.now();
      await reconstructFile(out, back);
      const t2 = performance.now();
      const bytes = readFileSync(out);
      const dec = decodeWsindy(bytes);
      const bound = res.bound ?? 0;
      let maxErr = 0;
      c.series.forEach((s, i) => {
        const d = dec.dataset.series[i];
        for (let j = 0; j < m; j++) maxErr = Math.max(maxErr, Math.abs(s[j] - d[j]));
      });
      const abs = tolerance * (max - min);
      const s = sz3 ? external('sz3', sz3, raw, n, m, abs) : null;
      const s3 = sz3 && c.grid ? external('sz3', sz3, raw, n, m, abs, c.grid) : null;
      const z = zfp ? external('zfp', zfp, raw, n, m, abs) : null;
      const h = dec.header;
      rows.push({
        name: c.name,
        n,
        m,
        tolerance,
        bytes: bytes.length,
        ratio: raw.length / bytes.length,
        maxErrOverBound: bound > 0 ? maxErr / bound : maxErr,
        route: `${h.pod ? `POD ${h.pod.rank}` : h.termNames.length === 0 ? 'no model' : 'model'}, ${h.modelWindows}/${h.windows} w, v${h.formatVersion}`,
        compressMBs: mb / ((t1 - t0) / 1000),
        decompressMBs: statSync(back).size / 1e6 / ((t2 - t1) / 1000),
        sz3Ratio: s ? raw.length / s.bytes : null,
        sz3GridRatio: s3 ? raw.length / s3.bytes : null,
        zfpRatio: z ? raw.length / z.bytes : null,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function formatFieldRow(r: FieldRow, withSz3: boolean, withZfp: boolean): string {
  const cols = [
    r.name.padEnd(30),
    r.tolerance.toExponential(0),
    String(r.bytes).padStart(8),
    fmt(r.ratio).padStart(7),
    r.maxErrOverBound.toFixed(3).padStart(6),
    r.compressMBs.toFixed(2).padStart(6),
    r.decompressMBs.toFixed(1).padStart(6),
  ];
  if (withSz3) cols.push((r.sz3Ratio === null ? 'n/a' : fmt(r.sz3Ratio)).padStart(7), (r.sz3Ratio === null ? 'n/a' : `${(r.ratio / r.sz3Ratio).toFixed(2)}×`).padStart(7));
  if (withZfp) cols.push((r.zfpRatio === null ? 'n/a' : fmt(r.zfpRatio)).padStart(7), (r.zfpRatio === null ? 'n/a' : `${(r.ratio / r.zfpRatio).toFixed(2)}×`).padStart(8));
  cols.push(`  ${r.route}`);
  // a flattened 2-D field: a second line, SZ3 told the grid's 3-D shape
  const grid = r.sz3GridRatio === null ? '' : `\n${' '.repeat(31)}SZ3 told the ${r.name.replace(/^.* /, '')} shape: ${fmt(r.sz3GridRatio)}, ours/SZ3 ${(r.ratio / r.sz3GridRatio).toFixed(2)}×`;
  return cols.join(' ') + grid;
}

async function main(): Promise<void> {
  const k = process.argv.indexOf('--only');
  const only = k > 0 ? process.argv[k + 1] : undefined;
  const sz3 = findBinary('SZ3', 'sz3');
  const zfp = findBinary('ZFP', 'zfp');
  const head = ['data'.padEnd(30), 'tol  ', '   bytes', '  ratio', 'err/b ', ' MB/s↓', ' MB/s↑'];
  if (sz3) head.push('    SZ3', 'ours/SZ3');
  if (zfp) head.push('    zfp', 'ours/zfp');
  head.push('  route');
  console.log(head.join(' '));
  const all: FieldRow[] = [];
  for (const c of fieldCases()) {
    if (only && !c.name.toLowerCase().includes(only.toLowerCase())) continue;
    for (const r of await runFieldCase(c, [1e-3, 1e-4], sz3, zfp)) {
      all.push(r);
      console.log(formatFieldRow(r, sz3 !== null, zfp !== null));
    }
  }
  const worst = Math.max(...all.map((r) => r.maxErrOverBound));
  console.log(`\nmax error / bound over all cases: ${worst.toFixed(4)} (${worst <= 1 ? 'bound holds everywhere' : 'BOUND VIOLATED'})`);
  const vs = all.filter((r) => r.sz3Ratio !== null).map((r) => r.ratio / (r.sz3Ratio ?? 1));
  if (vs.length > 0) console.log(`ours/SZ3: min ${Math.min(...vs).toFixed(2)}×, geometric mean ${Math.exp(vs.reduce((s, v) => s + Math.log(v), 0) / vs.length).toFixed(2)}×`);
  console.log('MB/s↓ = float64 MB compressed per second (compressFile on the CSV: read, fit, code, write), MB/s↑ = MB of CSV written per second by reconstructFile');
}

if (process.argv[1] && readFileSync(process.argv[1], 'utf8') === readFileSync(new URL(import.meta.url), 'utf8')) void main();
