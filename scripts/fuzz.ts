// Decoder fuzzing (`npm run fuzz [-- --cases N --seed S]`): mutated, truncated, spliced and CRC-forged
// versions of real .wsindy files. Every case must be rejected with a FormatError or decode to a valid
// result, within a time limit. Exit status 1 on any other outcome.
import { readdirSync, readFileSync } from 'node:fs';
import { decodeWsindy, readWsindyHeader } from '../src/core/codec/decode';
import { encodeWsindy } from '../src/core/codec/encode';
import { crc32 } from '../src/core/codec/crc32';
import { FormatError } from '../src/core/errors';
import type { IdentifiedSystem, LibraryTerm } from '../src/core/model';
import { mulberry32, uniformTime } from '../test/support/systems';

function arg(name: string, fallback: number): number {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : fallback;
}

const CASES = arg('--cases', 12_000);
const SEED = arg('--seed', 1);
const LIMIT_MS = 2000;

/** A few real files: the golden ones (every version), an error-bounded and a model-only file with a POD basis. */
function corpus(): Uint8Array[] {
  const dir = new URL('../test/fixtures/golden/', import.meta.url);
  const goldens = readdirSync(dir)
    .filter((f) => f.endsWith('.wsindy'))
    .map((f) => new Uint8Array(readFileSync(new URL(f, dir))));
  const m = 150;
  const n = 6;
  const time = uniformTime(m, 0.02);
  const series = Array.from({ length: n }, (_, i) => Float64Array.from(time, (t) => (i + 1) * Math.cos(t) + 0.01 * i));
  const terms: LibraryTerm[] = [{ kind: 'poly', powers: [0] }, { kind: 'poly', powers: [1] }, { kind: 'sin', variable: 0, frequency: 2 }];
  const modes = new Float64Array(n).fill(1 / Math.sqrt(n));
  const system: IdentifiedSystem = {
    model: { stateNames: ['a1'], library: { degree: 1, constant: true, trigFrequencies: [2] }, terms, termNames: ['1', 'a1', 'sin(2 a1)'], coefficients: Float64Array.of(0, -0.05, 0.01) },
    pod: { mean: new Float64Array(n), modes, singularValues: Float64Array.of(3, 0.1), rank: 1, energy: 0.99 },
    diagnostics: { weakResidual: 0.1, r2: [0.9], activeTerms: 2, threshold: 0.01, testFunctions: { count: 10, halfWidth: 5, exponent: 4 } },
  };
  const names = series.map((_, i) => `s${i}`);
  const dataset = { names, series, time, source: { layout: 'rows' as const, delimiter: ';' as const, header: null, timeColumn: null, lineEnding: '\r\n' as const } };
  const base = { dataset, system, tolerance: 1e-3, source: { fileName: 'f.csv', bytes: 1, crc32: 1 }, settings: {} };
  // a smooth field coded directly by the interpolation predictor (no model, no basis)
  const fn = 16;
  const field = Array.from({ length: fn }, (_, i) => Float64Array.from(time, (t) => Math.exp(-((i / fn - 0.3 - 0.2 * t) ** 2) / 0.02)));
  const fieldNames = field.map((_, i) => `u${i}`);
  const none: IdentifiedSystem = {
    model: { stateNames: fieldNames, library: { degree: 1, constant: false, trigFrequencies: [] }, terms: [], termNames: [], coefficients: new Float64Array(0) },
    pod: null,
    diagnostics: { weakResidual: 1, r2: [], activeTerms: 0, threshold: 0, testFunctions: { count: 0, halfWidth: 0, exponent: 0 } },
  };
  const interpolated = encodeWsindy({ ...base, dataset: { ...dataset, names: fieldNames, series: field }, system: none, tolerance: 1e-4, mode: 'error-bounded' }).bytes;
  // the same field on a 0.01 grid (an ADC step) at 1e-4: coded as the grid's own integers (RESI predictor 5)
  const gridded = field.map((x) => Float64Array.from(x, (v) => Math.round(v / 0.01) * 0.01));
  const onGrid = encodeWsindy({ ...base, dataset: { ...dataset, names: fieldNames, series: gridded }, system: none, tolerance: 1e-4, mode: 'error-bounded' }).bytes;
  return [...goldens, encodeWsindy({ ...base, mode: 'error-bounded' }).bytes, encodeWsindy({ ...base, mode: 'model-only', forceModel: true }).bytes, interpolated, onGrid];
}

function sectionSpans(b: Uint8Array): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 12;
  for (let k = 0; k < v.getUint16(10, true) && at + 8 <= b.length; k++) {
    const len = v.getUint32(at + 4, true);
    if (at + 12 + len > b.length) break;
    out.push({ at, len });
    at += 12 + len;
  }
  return out;
}

function mutate(src: Uint8Array, rand: () => number, kind: number): Uint8Array {
  let b = src.slice();
  const pick = (len: number) => Math.floor(rand() * len);
  switch (kind) {
    case 0: // truncation
      return b.slice(0, pick(b.length));
    case 1: // bit flips
      for (let f = 0; f < 1 + pick(6); f++) b[pick(b.length)] ^= 1 << pick(8);
      return b;
    case 2: // random bytes
      for (let f = 0; f < 1 + pick(4); f++) b[pick(b.length)] = pick(256);
      return b;
    case 3: {
      // insertion or deletion
      const at = pick(b.length);
      if (rand() < 0.5) return Uint8Array.from([...b.subarray(0, at), ...Array.from({ length: 1 + pick(16) }, () => pick(256)), ...b.subarray(at)]);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + pick(16)))]);
    }
    case 4: {
      // interesting values in length/count fields
      const at = pick(Math.max(1, b.length - 4));
      new DataView(b.buffer).setUint32(at, [0, 1, 0xffffffff, 0x7fffffff, b.length, 0x10000][pick(6)], true);
      return b;
    }
    default: {
      // damaged payload with a recomputed CRC: reaches the section parsers behind the checksums
      if (b.length > 14 && (b[8] | (b[9] << 8)) >= 3) {
        // v3: anything after the preamble, then the file CRC made to match
        for (let f = 0; f < 1 + pick(3); f++) {
          const p = 10 + pick(b.length - 14);
          b[p] = rand() < 0.5 ? pick(256) : b[p] ^ (1 << pick(8));
        }
        new DataView(b.buffer).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
        return b;
      }
      const spans = sectionSpans(b);
      if (spans.length === 0) return b;
      const s = spans[pick(spans.length)];
      if (s.len === 0) return b;
      for (let f = 0; f < 1 + pick(3); f++) {
        const p = s.at + 8 + pick(s.len);
        b[p] = rand() < 0.5 ? pick(256) : b[p] ^ (1 << pick(8));
      }
      const crc = crc32(b.subarray(s.at + 8, s.at + 8 + s.len), crc32(b.subarray(s.at, s.at + 4)));
      new DataView(b.buffer).setUint32(s.at + 8 + s.len, crc, true);
      b = b.slice();
      return b;
    }
  }
}

/** Message with its particulars removed, to count outcomes by class. */
function messageClass(msg: string): string {
  const m = msg.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N');
  const cut = m.indexOf(':', m.indexOf(':') + 1);
  return (cut > 0 ? m.slice(0, cut) : m).slice(0, 70);
}

function main(): void {
  const files = corpus();
  const rand = mulberry32(SEED);
  const outcomes = new Map<string, number>();
  const bump = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  const failures: string[] = [];
  let slowest = 0;
  const t0 = performance.now();
  for (let k = 0; k < CASES; k++) {
    const kind = k % 6;
    const bytes = mutate(files[k % files.length], rand, kind);
    const start = performance.now();
    try {
      if (k % 10 === 0) readWsindyHeader(bytes);
      const d = decodeWsindy(bytes);
      if (d.dataset.series.length !== d.header.n || d.dataset.time.length !== d.header.m) failures.push(`case ${k}: decoded an inconsistent shape`);
      bump('decoded');
    } catch (e) {
      if (e instanceof FormatError) bump(messageClass(e.message));
      else failures.push(`case ${k} (kind ${kind}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    const ms = performance.now() - start;
    slowest = Math.max(slowest, ms);
    if (ms > LIMIT_MS) failures.push(`case ${k} (kind ${kind}) took ${ms.toFixed(0)} ms`);
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`fuzz: ${CASES} cases (seed ${SEED}) over ${files.length} files in ${secs.toFixed(1)} s; slowest case ${slowest.toFixed(0)} ms`);
  for (const [k, v] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${String(v).padStart(6)}  ${k}`);
  if (failures.length > 0) {
    console.error(`${failures.length} failures:\n${failures.slice(0, 20).join('\n')}`);
    process.exitCode = 1;
  } else console.log('no failures: every case was a FormatError or a valid decode');
}

main();
