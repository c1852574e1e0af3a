// Fixed overhead of small files: bytes per section for small known systems and a random walk, through the
// real pipeline (CSV on disk → compressFile, default options), against SZ3 at the same absolute bound
// when /work/sz3/bin/sz3 (or $SZ3) exists. Run: node --import tsx bench/overhead.ts [--tol 1e-3,1e-4]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile } from '../src/core/api';
import { listSections, readContainer } from '../src/core/codec/container';
import { ByteReader } from '../src/core/codec/bytes';
import { readWsindyHeader } from '../src/core/codec/decode';
import { DEFAULT_COMPRESS_OPTIONS } from '../src/core/options';
import { duffing, gaussian, lorenz, lotkaVolterra, mulberry32, rossler, sampleSystem, uniformTime, vanDerPol, type KnownSystem } from '../test/support/systems';

interface Case {
  name: string;
  series: Float64Array[];
  time: Float64Array;
}

function system(sys: KnownSystem, steps = sys.steps): Case {
  const time = uniformTime(steps, sys.dt);
  return { name: `${sys.name} ${sys.stateNames.length}×${steps}`, series: sampleSystem(sys, time), time };
}

function randomWalk(n: number, m: number): Case {
  const g = gaussian(mulberry32(11));
  const series = Array.from({ length: n }, () => {
    let w = 0;
    return Float64Array.from({ length: m }, () => (w += g()));
  });
  return { name: `random walk ${n}×${m}`, series, time: uniformTime(m, 0.01) };
}

/**
 * v3 files: the bytes that are data rather than fixed parts — model coefficients (with their positions),
 * anchors, residual integers and exceptions, time stamps that follow no rule, the POD basis. The file minus
 * these is the fixed overhead (issue 13's target: ≤ 64 B for 3 variables without POD).
 */
function dataBytes(bytes: Uint8Array): number | null {
  const version = bytes[8] | (bytes[9] << 8);
  if (version < 3) return null;
  const v4 = version >= 4;
  const { sections, segments } = readContainer(bytes);
  if (segments.length > 0) return null;
  const h = readWsindyHeader(bytes);
  let data = 0;
  const modl = sections.get('MODL');
  if (modl) {
    const r = new ByteReader(modl.payload, 'model');
    r.pos = v4 ? (modl.payload[0] >> 3 === 31 ? 2 : 1) : 2;
    r.varuint();
    data += modl.payload.length - r.pos;
  }
  const wind = sections.get('WIND');
  if (wind) {
    const r = new ByteReader(wind.payload, 'windows');
    const w = v4 ? h.windows : r.varuint();
    for (let k = 1; k < w; k++) r.varuint();
    if (!v4 || (h.modelWindows > 0 && h.modelWindows < w)) r.take(Math.ceil(w / 8));
    if (r.u8() === 255) r.f64();
    data += r.remaining;
  }
  const resi = sections.get('RESI');
  if (resi) data += resi.payload.length - (v4 ? 0 : resi.payload[0] === 2 ? 9 : 1);
  for (const tag of ['UNPR', 'TIME', 'BASI', 'SRCX'] as const) data += sections.get(tag)?.payload.length ?? 0;
  return data;
}

const sz3 = process.env.SZ3 ?? '/work/sz3/bin/sz3';
/**
 * SZ3 bytes at an absolute bound: the smallest of the data as one 1-D array (variables one after another)
 * and as a 2-D array in either dimension order (SZ3's best layout here; 1-D wins on small systems).
 */
function sz3Bytes(dir: string, c: Case, bound: number): number | null {
  if (!existsSync(sz3)) return null;
  const n = c.series.length;
  const m = c.time.length;
  const raw = new Float64Array(n * m);
  c.series.forEach((s, i) => raw.set(s, i * m));
  const inp = join(dir, 'in.f64');
  const out = join(dir, 'out.sz');
  writeFileSync(inp, new Uint8Array(raw.buffer));
  let best = Infinity;
  for (const dims of n === 1 ? [['-1', String(m)]] : [['-1', String(n * m)], ['-2', String(m), String(n)], ['-2', String(n), String(m)]]) {
    execFileSync(sz3, ['-d', '-i', inp, '-z', out, ...dims, '-M', 'ABS', String(bound)], { stdio: 'ignore' });
    best = Math.min(best, statSync(out).size);
  }
  return best;
}

const tolArg = process.argv.indexOf('--tol');
const tolerances = tolArg > 0 ? process.argv[tolArg + 1].split(',').map(Number) : [1e-3];
const cases = [system(lorenz(), 10_000), system(rossler()), system(vanDerPol()), system(duffing()), system(lotkaVolterra()), randomWalk(8, 5000)];
async function main(): Promise<void> {
const dir = mkdtempSync(join(tmpdir(), 'wsindy-overhead-'));
try {
  for (const c of cases) {
    const csv = join(dir, 'data.csv');
    const lines = ['t,' + c.series.map((_, i) => `x${i + 1}`).join(',')];
    for (let j = 0; j < c.time.length; j++) lines.push([c.time[j], ...c.series.map((s) => s[j])].join(','));
    writeFileSync(csv, lines.join('\n') + '\n');
    for (const tolerance of tolerances) {
      const out = join(dir, 'data.wsindy');
      const t0 = performance.now();
      const s = await compressFile(csv, out, { ...DEFAULT_COMPRESS_OPTIONS, tolerance });
      const seconds = (performance.now() - t0) / 1000;
      const bytes = readFileSync(out);
      const layout = listSections(bytes);
      const parts = layout.sections.map((p) => `${p.tag} ${p.framing}+${p.payload}`).join(', ');
      const z = s.bound === null ? null : sz3Bytes(dir, c, s.bound);
      const vsSz3 = z === null ? 'n/a' : (z / bytes.length).toFixed(1);
      const data = dataBytes(bytes);
      const fixed = data === null ? 'n/a' : String(bytes.length - data);
      console.log(`${c.name.padEnd(22)} tol ${tolerance.toExponential(0)}: ${String(bytes.length).padStart(6)} B (fixed ${fixed} B), SZ3 ${z ?? 'n/a'} B (ours ${vsSz3}× smaller), ${seconds.toFixed(1)} s, preamble ${layout.preamble}, trailer ${layout.trailer}: ${parts}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
}

void main();
