import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWsindy, readWsindyHeader } from '../../src/core/codec/decode';
import { encodeWsindy, type EncodeInput } from '../../src/core/codec/encode';
import { IntRowDecoder, decodeIntRows, encodeIntRows } from '../../src/core/codec/entropy';
import { makeRhs } from '../../src/core/codec/predictor';
import { ContextModel, RangeDecoder, RangeEncoder } from '../../src/core/codec/rangeCoder';
import { exponentOfStep, printedValue } from '../../src/core/csv/outputStep';
import { ByteReader, ByteWriter } from '../../src/core/codec/bytes';
import { readTimeGrid, writeTimeGrid } from '../../src/core/codec/timeGrid';
import { displayAtMost } from '../../src/core/codec/numbers';
import { readContainer } from '../../src/core/codec/container';
import { FormatError } from '../../src/core/errors';
import { crc32, crc32Tables } from '../../src/core/codec/crc32';
import type { Dataset } from '../../src/core/dataset';
import type { IdentifiedSystem, LibraryTerm, PodBasis } from '../../src/core/model';
import { identify } from '../../src/core/sindy/identify';
import { jitteredTime, lorenz, mulberry32, sampleSystem, uniformTime } from '../support/systems';

/** Library of degree ≤ 2 in r coordinates with a constant, in a fixed order. */
function library(r: number): { terms: LibraryTerm[]; names: string[] } {
  const terms: LibraryTerm[] = [{ kind: 'poly', powers: new Array<number>(r).fill(0) }];
  for (let i = 0; i < r; i++) {
    const p = new Array<number>(r).fill(0);
    p[i] = 1;
    terms.push({ kind: 'poly', powers: p });
  }
  for (let i = 0; i < r; i++) {
    const p = new Array<number>(r).fill(0);
    p[i] = 2;
    terms.push({ kind: 'poly', powers: p });
  }
  return { terms, names: terms.map((_, k) => `t${k}`) };
}

function handModel(r: number, coefficients: Float64Array, pod: PodBasis | null = null): IdentifiedSystem {
  const { terms, names } = library(r);
  return {
    model: { stateNames: Array.from({ length: r }, (_, i) => `a${i}`), library: { degree: 2, constant: true, trigFrequencies: [] }, terms, termNames: names, coefficients },
    pod,
    diagnostics: { weakResidual: 0, r2: new Array<number>(r).fill(1), activeTerms: 0, threshold: 0, testFunctions: { count: 1, halfWidth: 1, exponent: 2 } },
  };
}

function dataset(series: Float64Array[], time: Float64Array): Dataset {
  const names = series.map((_, i) => `v${i}`);
  return { names, series, time, source: { layout: 'columns', delimiter: ',', header: ['t', ...names], timeColumn: 0, lineEnding: '\n' } };
}

function input(ds: Dataset, system: IdentifiedSystem, tolerance: number, extra: Partial<EncodeInput> = {}): EncodeInput {
  return { dataset: ds, system, mode: 'error-bounded', tolerance, source: { fileName: 'data.csv', bytes: 100, crc32: 7 }, settings: { k: 1 }, ...extra };
}

function maxAbsError(a: Float64Array[], b: Float64Array[]): number {
  let e = 0;
  a.forEach((s, i) => s.forEach((v, j) => (e = Math.max(e, Math.abs(v - b[i][j])))));
  return e;
}

type Kind = 'smooth' | 'noisy' | 'walk' | 'constant' | 'huge' | 'tiny' | 'spiky';
function makeSeries(kind: Kind, n: number, m: number, seed: number): Float64Array[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    let w = 0;
    return Float64Array.from({ length: m }, (_, j) => {
      switch (kind) {
        case 'smooth':
          return Math.sin(0.05 * j + i) * (i + 1);
        case 'noisy':
          return Math.sin(0.05 * j) + 0.3 * (rnd() - 0.5);
        case 'walk':
          return (w += rnd() - 0.5);
        case 'constant':
          return 3.25;
        case 'huge':
          return 1e300 * (rnd() - 0.5);
        case 'tiny':
          return 1e-300 * Math.sin(j + i);
        default:
          return rnd() < 0.05 ? 1e6 * rnd() : rnd();
      }
    });
  });
}

test('round trip: the bound holds on every value (random shapes, bounds, kinds, models)', () => {
  const kinds: Kind[] = ['smooth', 'noisy', 'walk', 'constant', 'huge', 'tiny', 'spiky'];
  fc.assert(
    fc.property(
      fc.constantFrom(...kinds),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 300 }),
      fc.constantFrom(0.1, 1e-2, 1e-3, 1e-4, 1e-6, 0),
      fc.constantFrom('zero', 'decay', 'pod'),
      fc.integer({ min: 0, max: 1000 }),
      (kind, n, m, tol, modelKind, seed) => {
        const series = makeSeries(kind, n, m, seed);
        const time = uniformTime(m, 0.01);
        let system: IdentifiedSystem;
        if (modelKind === 'pod' && n >= 2) {
          const modes = new Float64Array(n);
          modes.fill(1 / Math.sqrt(n));
          const mean = Float64Array.from(series, (s) => s[0]);
          const { terms } = library(1);
          system = handModel(1, new Float64Array(terms.length), { mean, modes, singularValues: Float64Array.of(1), rank: 1, energy: 0.5 });
        } else {
          const K = library(n).terms.length;
          const c = new Float64Array(K * n);
          if (modelKind === 'decay') for (let i = 0; i < n; i++) c[(1 + i) * n + i] = -0.5;
          system = handModel(n, c);
        }
        const res = encodeWsindy(input(dataset(series, time), system, tol));
        const dec = decodeWsindy(res.bytes);
        const bound = res.bound ?? NaN;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            const err = Math.abs(series[i][j] - dec.dataset.series[i][j]);
            if (!(err <= bound)) throw new Error(`${kind} ${n}×${m} tol ${tol}: |x − x̂| = ${err} > ${bound} at (${i}, ${j})`);
          }
        }
        // with an output step, the measured error is that of the printed values (each within the bound too)
        const step = dec.header.outputStep;
        const printed = step === undefined ? dec.dataset.series : dec.dataset.series.map((x) => x.map((v) => printedValue(v, exponentOfStep(step) ?? NaN)));
        assert.ok(maxAbsError(series, printed) <= bound);
        assert.equal(res.maxError, maxAbsError(series, printed));
        assert.equal(step !== undefined, tol > 0 && bound > 0 && exponentOfStep(step ?? 0) !== null);
        assert.equal(dec.dataset.decimalStep, step);
        assert.deepEqual(dec.dataset.time, time);
      },
    ),
    { numRuns: 120, seed: 42 },
  );
});

test('Lorenz 3×10 000 at tolerance 1e-3: bound holds, ratio far above general-purpose coders', () => {
  const sys = lorenz();
  const time = uniformTime(10_000, sys.dt);
  const series = sampleSystem(sys, time);
  const names = ['x', 'y', 'z'];
  const { system } = identify(series, time, names, { degree: 3, trig: false, threshold: 'auto', rank: 'auto', energy: 0.999999 });
  const res = encodeWsindy(input({ ...dataset(series, time), names }, system, 1e-3));
  const dec = decodeWsindy(res.bytes);
  const all = series.flatMap((s) => Array.from(s));
  const min = Math.min(...all);
  const max = Math.max(...all);
  assert.equal(res.bound, 1e-3 * (max - min));
  assert.ok(maxAbsError(series, dec.dataset.series) <= (res.bound ?? 0));
  const ratio = (3 * 10_000 * 8) / res.bytes.length;
  // measured 325 (739 bytes, most of it the header); a conservative floor:
  assert.ok(ratio > 150, `ratio ${ratio}`);
  assert.deepEqual(dec.header.names, names);
  assert.ok(dec.header.coefficients.some((c) => Math.abs(c + 10) < 1e-4));
});

test('determinism: same input, identical bytes; same file, identical reconstruction', () => {
  const time = uniformTime(500, 0.01);
  const series = makeSeries('noisy', 3, 500, 9);
  const c = new Float64Array(library(3).terms.length * 3);
  c[1 * 3 + 0] = -0.1;
  const inp = input(dataset(series, time), handModel(3, c), 1e-3);
  const a = encodeWsindy(inp);
  const b = encodeWsindy(inp);
  assert.deepEqual(a.bytes, b.bytes);
  const d1 = decodeWsindy(a.bytes);
  const d2 = decodeWsindy(a.bytes);
  assert.deepEqual(d1.dataset.series, d2.dataset.series);
  assert.deepEqual(d1.prediction, d2.prediction);
});

test('a model that blows up (ȧ = a²) still gives a file within the bound', () => {
  const m = 400;
  const time = uniformTime(m, 0.01);
  // data that stays bounded while the model's solution 1/(1.5 − t) is singular inside the span
  const series = [Float64Array.from(time, (t) => 1 + 0.5 * Math.sin(t))];
  const c = new Float64Array(3);
  c[2] = 1; // a' = a²
  const res = encodeWsindy(input(dataset(series, time), handModel(1, c), 1e-4));
  const dec = decodeWsindy(res.bytes);
  assert.ok(maxAbsError(series, dec.dataset.series) <= (res.bound ?? 0));
  const only = encodeWsindy(input(dataset(series, time), handModel(1, c), 1e-4, { mode: 'model-only' }));
  const decOnly = decodeWsindy(only.bytes);
  assert.equal(decOnly.header.mode, 'model-only');
  assert.equal(decOnly.header.bound, null);
  assert.equal(only.maxError, maxAbsError(series, decOnly.dataset.series));
});

test('model-only: smaller than error-bounded on a well-modelled system, error measured and stored', () => {
  const m = 2000;
  const time = uniformTime(m, 0.01);
  const series = [Float64Array.from(time, (t) => 5 * Math.exp(-0.5 * t)), Float64Array.from(time, (t) => -2 * Math.exp(-0.5 * t))];
  const c = new Float64Array(library(2).terms.length * 2);
  c[1 * 2 + 0] = -0.5;
  c[2 * 2 + 1] = -0.5;
  const sys = handModel(2, c);
  const eb = encodeWsindy(input(dataset(series, time), sys, 1e-5));
  const mo = encodeWsindy(input(dataset(series, time), sys, 1e-5, { mode: 'model-only' }));
  assert.ok(mo.bytes.length <= eb.bytes.length);
  const h = readWsindyHeader(mo.bytes);
  assert.equal(h.errors.max, displayAtMost(mo.maxError)); // three digits, never above (display only)
  assert.ok(mo.maxRelativeError < 1e-5, `model-only error ${mo.maxRelativeError}`);
});

test('time grids: affine, decimal and jittered grids come back bit for bit', () => {
  const grids = [uniformTime(1000, 0.002), Float64Array.from({ length: 500 }, (_, j) => Number((0.01 * j).toFixed(2))), jitteredTime(300, 0.1, 3), Float64Array.of(5)];
  for (const t of grids) {
    const w = new ByteWriter();
    writeTimeGrid(w, t);
    const bytes = w.finish();
    const { time } = readTimeGrid(new ByteReader(bytes, 'time'), t.length);
    assert.deepEqual(time, t);
  }
  const dec = new ByteWriter();
  writeTimeGrid(dec, Float64Array.from({ length: 500 }, (_, j) => Number((0.01 * j).toFixed(2))));
  assert.ok(dec.length <= 20, 'decimal grid stored as a formula');
});

test('integer coder round-trips extremes; long zero runs cost almost nothing', () => {
  const rows = [Float64Array.of(0, 1, -1, 2 ** 50, -(2 ** 50), 123456789012, 0, 0, 7), Float64Array.of(3, 3, 3, 3, 3, 3, 3, 3, 3)];
  assert.deepEqual(decodeIntRows(encodeIntRows(rows), 2, 9, 't'), rows);
  assert.ok(encodeIntRows([new Float64Array(100_000)]).length < 64); // measured 43 bytes
});

test('integer coder (inlined decoder): rows of every kind come back exactly, streamed and at once', () => {
  // zeros, ±1, smooth rows (delta / second-delta / previous-row / Lorenzo transforms win), values needing
  // direct-bit chunks of more than 24 bits, and the extremes ±2^50, with ragged last blocks
  const r = mulberry32(99);
  for (const [nRows, len] of [[1, 1], [3, 255], [5, 257], [7, 1000], [2, 3000]] as const) {
    const rows = Array.from({ length: nRows }, (_, i) =>
      Float64Array.from({ length: len }, (_, j) => 0 + ((): number => {
        const kind = (i + Math.floor(j / 300)) % 6;
        if (kind === 0) return r() < 0.9 ? 0 : r() < 0.5 ? 1 : -1;
        if (kind === 1) return Math.round(1000 * Math.sin(j / 40 + i));
        if (kind === 2) return Math.round((r() - 0.5) * 2 ** (1 + 49 * r()));
        if (kind === 3) return j % 17 === 0 ? (r() < 0.5 ? 2 ** 50 : -(2 ** 50)) : 0;
        if (kind === 4) return 7 * j + i; // second delta 0, previous-row delta constant
        return Math.round((r() - 0.5) * 20);
      })()), // 0 + …: no −0 (the coder has one zero)
    );
    const bytes = encodeIntRows(rows);
    assert.deepEqual(decodeIntRows(bytes, nRows, len, 'test'), rows);
    // streamed into one reused buffer (IntRowDecoder keeps its own copy of the previous row)
    const d = new IntRowDecoder(bytes, nRows, len, 'test');
    const buf = new Float64Array(len);
    rows.forEach((row, i) => assert.deepEqual(d.next(buf), row, `row ${i}`));
    // a truncated stream is an error, not garbage
    if (bytes.length > 64) assert.throws(() => decodeIntRows(bytes.subarray(0, bytes.length >> 2), nRows, len, 'test'), FormatError);
  }
});

test('integer coder: all-zero blocks are transform 5 (no symbols): 3.2 M zeros in a few bytes, mixed rows exact, a reused buffer overwritten', () => {
  // before transform 5 each zero cost ≥ 0.0015 bit through the saturated zero flag: 400 × 8000 zeros ≥ 600 bytes
  const zeros = Array.from({ length: 400 }, () => new Float64Array(8000));
  const z = encodeIntRows(zeros);
  assert.ok(z.length < 40, `${z.length} bytes`);
  assert.deepEqual(decodeIntRows(z, 400, 8000, 'zeros'), zeros);
  // zero blocks first, between, and as the ragged last block, on the first row and after rows the row
  // transforms (previous row, Lorenzo) predict from; a value at a block's last index keeps it non-zero
  const r = mulberry32(5);
  const len = 256 * 5 + 37;
  const rows = Array.from({ length: 6 }, (_, i) =>
    Float64Array.from({ length: len }, (_, j) => {
      const block = Math.floor(j / 256);
      if ((block + i) % 3 === 0) return 0;
      if (block === 4 && i % 2 === 1) return j === 4 * 256 + 255 ? -3 : 0;
      return 0 + Math.round((r() - 0.5) * 40) + 10 * block;
    }),
  );
  rows[3].fill(0);
  const bytes = encodeIntRows(rows);
  assert.deepEqual(decodeIntRows(bytes, rows.length, len, 'mixed'), rows);
  const d = new IntRowDecoder(bytes, rows.length, len, 'mixed');
  const buf = new Float64Array(len).fill(12345);
  rows.forEach((row, i) => {
    buf.fill(12345);
    assert.deepEqual(d.next(buf), row, `row ${i}`);
  });
});

test('integer coder (fast-check): rows of random runs of zero blocks, short zero runs and values come back exactly', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 4000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 3000 })), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 1000 }),
      (nRows, len, runs, seed) => {
        // each row: runs of zeros (kind 0), ±1 noise (1) and wide values (2) in the lengths drawn
        const r = mulberry32(seed);
        let k = 0;
        const rows = Array.from({ length: nRows }, () =>
          Float64Array.from({ length: len }, (_, j) => {
            let at = j;
            let run = runs[k % runs.length];
            while (at >= run[1]) {
              at -= run[1];
              run = runs[++k % runs.length];
            }
            if (run[0] === 0) return 0;
            if (run[0] === 1) return r() < 0.5 ? 0 : r() < 0.5 ? 1 : -1;
            return 0 + Math.round((r() - 0.5) * 2 ** (1 + 40 * r())); // 0 + …: no −0 (the coder has one zero)
          }),
        );
        const bytes = encodeIntRows(rows);
        assert.deepEqual(decodeIntRows(bytes, nRows, len, 'runs'), rows);
      },
    ),
    { numRuns: 150 },
  );
});

test('CRC32 known answer', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('readWsindyHeader reads equations without the heavy sections', () => {
  const time = uniformTime(300, 0.01);
  const series = makeSeries('smooth', 2, 300, 1);
  const c = new Float64Array(library(2).terms.length * 2);
  c[2 * 2 + 0] = 0.05;
  // forced: a model no window uses is otherwise not stored
  const res = encodeWsindy({ ...input(dataset(series, time), handModel(2, c), 1e-3), forceModel: true });
  const full = readWsindyHeader(res.bytes);
  // the residual section's integers garbled (file CRC fixed up): the header still reads, decoding does not
  const { sections } = readContainer(res.bytes);
  const resi = sections.get('RESI');
  assert.ok(resi);
  const body = res.bytes.slice(0, -4);
  body.fill(0x55, resi.offset + 2, resi.offset + resi.payload.length);
  const cut = new Uint8Array(res.bytes.length);
  cut.set(body);
  new DataView(cut.buffer).setUint32(body.length, crc32(body), true);
  const h = readWsindyHeader(cut);
  assert.deepEqual(h.coefficients, full.coefficients);
  assert.equal(h.coefficients[4], Math.fround(0.05));
  assert.equal(h.n, 2);
  assert.equal(h.m, 300);
  assert.equal(h.mode, 'error-bounded');
  // v4 keeps the source's CRC only in segmented files
  assert.deepEqual(h.source, { fileName: 'data.csv', bytes: 100, format: dataset(series, time).source });
  assert.deepEqual(h.settings, { k: 1 });
  assert.equal(h.time.uniform, true);
  assert.throws(() => decodeWsindy(cut), FormatError);
});

test('the predictor RHS program equals term-by-term evaluation bit for bit (poly to degree 3, sin, cos)', () => {
  const rnd = mulberry32(21);
  for (let trial = 0; trial < 30; trial++) {
    const r = 1 + (trial % 4);
    const terms: LibraryTerm[] = [];
    for (let k = 0; k < 12; k++) {
      if (rnd() < 0.2) terms.push({ kind: rnd() < 0.5 ? 'sin' : 'cos', variable: Math.floor(rnd() * r), frequency: 1 + Math.floor(rnd() * 3) });
      else terms.push({ kind: 'poly', powers: Array.from({ length: r }, () => (rnd() < 0.4 ? Math.floor(rnd() * 3) : 0)) });
    }
    const coefficients = Float64Array.from({ length: terms.length * r }, () => (rnd() < 0.5 ? 0 : (rnd() - 0.5) * 10));
    const rhs = makeRhs({ r, terms, coefficients });
    const out = new Float64Array(r);
    for (let s = 0; s < 20; s++) {
      const a = Float64Array.from({ length: r }, () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 6 - 2));
      if (s === 0) a[0] = -0;
      rhs(a, out);
      // the reference: each term's factors multiplied left to right from 1, sums from 0 in term order
      const theta = terms.map((t) => {
        if (t.kind !== 'poly') return t.kind === 'sin' ? Math.sin(t.frequency * a[t.variable]) : Math.cos(t.frequency * a[t.variable]);
        let v = 1;
        t.powers.forEach((p, i) => {
          for (let e = 0; e < p; e++) v *= a[i];
        });
        return v;
      });
      for (let j = 0; j < r; j++) {
        let sum = 0;
        terms.forEach((_t, k) => {
          if (coefficients[k * r + j] !== 0) sum += theta[k] * coefficients[k * r + j];
        });
        assert.ok(Object.is(out[j], sum), `trial ${trial}, equation ${j}: ${out[j]} vs ${sum}`);
      }
    }
  }
});

test('many sensors (sampled candidate estimates, greedy error bound): bound holds, deterministic; non-finite input named', () => {
  const m = 1500;
  const sys = lorenz();
  const time = uniformTime(m, sys.dt);
  const states = sampleSystem(sys, time);
  const rnd = mulberry32(3);
  const series = Array.from({ length: 90 }, () => {
    const w = [rnd() - 0.5, rnd() - 0.5, rnd() - 0.5];
    return Float64Array.from(time, (_, j) => w[0] * states[0][j] + w[1] * states[1][j] + w[2] * states[2][j]);
  });
  const names = series.map((_, i) => `s${i}`);
  const { system } = identify(series, time, names, { degree: 2, trig: false, threshold: 'auto', rank: 'auto', energy: 0.999999 });
  for (const tolerance of [1e-3, 1e-5]) {
    const a = encodeWsindy(input(dataset(series, time), system, tolerance));
    const b = encodeWsindy(input(dataset(series, time), system, tolerance));
    assert.deepEqual(a.bytes, b.bytes);
    const dec = decodeWsindy(a.bytes);
    assert.ok(maxAbsError(series, dec.dataset.series) <= (a.bound ?? 0));
    assert.ok(a.bytes.length < (90 * m * 8) / 20, `ratio ${(90 * m * 8) / a.bytes.length}`);
  }
  const bad = series.map((s) => s.slice());
  bad[7][42] = NaN;
  assert.throws(() => encodeWsindy(input(dataset(bad, time), system, 1e-3)), /non-finite value in v7 at sample 43/);
});

test('CRC32: the table code agrees with the runtime one on random lengths, offsets and continuations', () => {
  const rnd = mulberry32(17);
  const buf = Uint8Array.from({ length: 5000 }, () => Math.floor(rnd() * 256));
  for (let k = 0; k < 200; k++) {
    const start = Math.floor(rnd() * 64);
    const len = k < 100 ? Math.floor(rnd() * 1200) : Math.floor(rnd() * (buf.length - start));
    const part = buf.subarray(start, start + len);
    const prev = Math.floor(rnd() * 2 ** 32);
    assert.equal(crc32(part, prev), crc32Tables(part, prev), `length ${len} at ${start}`);
  }
  assert.equal(crc32(buf.subarray(3000), crc32(buf.subarray(0, 3000))), crc32Tables(buf));
});

test('lossless floats read back from a Node Buffer at an odd offset (fs.readFile gives Buffers; Buffer.slice is a view)', async () => {
  const { readFloatsLossless, writeFloatsLossless } = await import('../../src/core/codec/floatPack');
  const rand = mulberry32(99);
  // random bit patterns (finite): no method beats the raw bytes, so the RAW path is the one read
  const bits = new Uint32Array(2 * 37).map(() => Math.floor(rand() * 2 ** 32));
  const values = new Float64Array(bits.buffer).map((v) => (Number.isFinite(v) ? v : 1.5));
  const w = new ByteWriter();
  writeFloatsLossless(w, values);
  const payload = w.finish();
  assert.equal(payload[0], 0, 'the raw method was chosen');
  const file = Buffer.alloc(payload.length + 3);
  file.set(payload, 3);
  const got = readFloatsLossless(new ByteReader(file.subarray(3), 'test'), values.length, 'values');
  assert.deepEqual(got, values);
});

test('many sensors of a low-rank chaotic system at a tight bound: short windows (predictive coding of the state) win', () => {
  // 100 random linear views of Lorenz: rank 3, the model drifts off within ~16 steps at 1e-4
  const sys = lorenz();
  const time = uniformTime(3000, sys.dt);
  const states = sampleSystem(sys, time);
  const rand = mulberry32(7);
  const series = Array.from({ length: 100 }, () => {
    const w = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
    return Float64Array.from(time, (_, j) => w[0] * states[0][j] + w[1] * states[1][j] + w[2] * states[2][j]);
  });
  const names = series.map((_, i) => `s${i}`);
  const { system } = identify(series, time, names, { degree: 2, trig: false, threshold: 'auto', rank: 'auto', energy: 0.999999 });
  const dataset: Dataset = { names, series, time, source: { layout: 'rows', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' } };
  const enc = encodeWsindy({ dataset, system, mode: 'error-bounded', tolerance: 1e-4, source: { fileName: 'x', bytes: 0, crc32: 0 }, settings: {} });
  const header = readWsindyHeader(enc.bytes);
  // windows of 16 steps or more gave 188 windows and 10.4 KB; 4-step windows 750 and 4.7 KB
  assert.ok(header.windows >= 3000 / 8, `${header.windows} windows: the short fixed windows were not chosen`);
  assert.ok(enc.bytes.length < 7000, `${enc.bytes.length} bytes`);
  const back = decodeWsindy(enc.bytes).dataset.series;
  let worst = 0;
  series.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - back[i][j])))));
  assert.ok(enc.bound !== null && worst <= enc.bound);
});

test('v4: a sin/cos model keeps the reconstruction CRC (a changed prediction is caught), a polynomial one relies on the file CRC', () => {
  const m = 400;
  const time = uniformTime(m, 0.01);
  // x' = −0.3 x + 0.5 sin x, integrated finely (RK4, 20 steps per sample): the model the files store
  const f = (x: number): number => -0.3 * x + 0.5 * Math.sin(x);
  const values = new Float64Array(m);
  let x = 2;
  for (let j = 0; j < m; j++) {
    values[j] = x;
    for (let s = 0; s < 20; s++) {
      const h = 0.01 / 20;
      const k1 = f(x);
      const k2 = f(x + (h / 2) * k1);
      const k3 = f(x + (h / 2) * k2);
      const k4 = f(x + h * k3);
      x += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
  }
  const series = [values];
  const terms: LibraryTerm[] = [{ kind: 'poly', powers: [1] }, { kind: 'sin', variable: 0, frequency: 1 }];
  const system = (c: number[], t: LibraryTerm[]): IdentifiedSystem => ({
    model: { stateNames: ['v0'], library: { degree: 1, constant: false, trigFrequencies: t.length > 1 ? [1] : [] }, terms: t, termNames: t.map((_, k) => `t${k}`), coefficients: Float64Array.from(c) },
    pod: null,
    diagnostics: { weakResidual: 0, r2: [1], activeTerms: c.filter((v) => v !== 0).length, threshold: 0 },
  });
  const refile = (b: Uint8Array): Uint8Array => {
    const out = b.slice();
    new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
    return out;
  };
  const tamperModel = (bytes: Uint8Array): Uint8Array => {
    const modl = readContainer(bytes).sections.get('MODL');
    assert.ok(modl, 'the model is stored');
    const b = bytes.slice();
    b[modl.offset + modl.payload.length - 4] ^= 1; // the last coefficient's lowest mantissa bit
    return refile(b);
  };
  const trig = encodeWsindy(input(dataset(series, time), system([-0.3, 0.5], terms), 1e-4, { forceModel: true })).bytes;
  const poly = encodeWsindy(input(dataset(series, time), system([0.1], terms.slice(0, 1)), 1e-4, { forceModel: true })).bytes;
  assert.ok(readWsindyHeader(trig).modelWindows > 0, 'the trig model predicts');
  for (const bytes of [trig, poly]) assert.ok(maxAbsError(decodeWsindy(bytes).dataset.series, series) <= readWsindyHeader(bytes).bound!);
  assert.throws(() => decodeWsindy(tamperModel(trig)), (e: unknown) => e instanceof FormatError && /reconstruction checksum mismatch/.test(e.message));
  // without sin/cos the prediction is exact IEEE arithmetic on the file's bytes, which the file CRC covers
  assert.throws(() => decodeWsindy(tamperModel(poly).map((v, k, a) => (k === a.length - 1 ? v ^ 1 : v))), (e: unknown) => e instanceof FormatError && /file CRC/.test(e.message));
});

test('range coder: the lean flush is 2-4 bytes shorter than the plain one and decodes to the same bits (decoders read zeros past the end)', () => {
  const rand = mulberry32(77);
  let saved = 0;
  for (let k = 0; k < 300; k++) {
    const count = Math.floor(rand() * 3000);
    const p0 = [0.5, 0.9, 0.999, 0.1][k % 4];
    const bits = Array.from({ length: count }, () => (rand() < p0 ? 0 : 1));
    const coded = [true, false].map((lean) => {
      const enc = new RangeEncoder();
      const model = new ContextModel(4);
      bits.forEach((b, i) => enc.bit(model, i % 4, b));
      enc.direct(k, 12);
      return enc.finish(lean);
    });
    for (const bytes of coded) {
      const dec = new RangeDecoder(bytes);
      const model = new ContextModel(4);
      assert.ok(bits.every((b, i) => dec.bit(model, i % 4) === b), `case ${k}: bits differ`);
      assert.equal(dec.direct(12), k);
      assert.ok(dec.overrun <= 8, `case ${k}: overrun ${dec.overrun}`);
    }
    const cut = coded[1].length - coded[0].length;
    assert.ok(cut >= 0 && cut <= 5, `case ${k}: ${cut} bytes`);
    saved += cut;
  }
  assert.ok(saved >= 2 * 300, `${saved} bytes saved over 300 streams`);
  // and through the int-rows coder
  const rows = [Float64Array.from({ length: 500 }, (_, j) => (j % 97 === 0 ? 3 : 0)), new Float64Array(500)];
  const back = decodeIntRows(encodeIntRows(rows), 2, 500, 'test');
  rows.forEach((r, i) => assert.deepEqual(Array.from(back[i]), Array.from(r)));
});
