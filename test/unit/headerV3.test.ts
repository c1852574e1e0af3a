// Format v3's and v4's binary header: every field a reader gets back is what was written (display floats
// as float32 in v3, three significant digits in v4), the derived defaults and their stored fallbacks
// alike; time grids by rule, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader, ByteWriter } from '../../src/core/codec/bytes';
import type { HeaderJson } from '../../src/core/codec/header';
import { canonicalTerms, f32AtMost, readHeaderV3, readNumber, termNameV3, writeHeaderV3, writeNumber, type HeaderExtrasV3 } from '../../src/core/codec/headerV3';
import { readDisplay, writeDisplay } from '../../src/core/codec/numbers';
import { gridTimes, planGridV3 } from '../../src/core/codec/timeGrid';
import type { LibraryTerm } from '../../src/core/model';
import { mulberry32 } from '../support/systems';

function base(): { h: HeaderJson; x: HeaderExtrasV3 } {
  const library = { degree: 2, constant: true, trigFrequencies: [] };
  const stateNames = ['x', 'y'];
  const terms = canonicalTerms(library, 2);
  const time = Float64Array.from({ length: 50 }, (_, j) => j / 100);
  const { grid } = planGridV3(time);
  const h: HeaderJson = {
    mode: 'error-bounded',
    bound: Math.min(1e-3 * 12.5, Number.MAX_VALUE / 4),
    tolerance: 1e-3,
    absError: null,
    outputStep: 1e-4,
    range: 12.5,
    n: 2,
    m: 50,
    names: ['x', 'y'],
    stateNames,
    pod: null,
    library,
    termNames: terms.map((t) => termNameV3(t, stateNames)),
    source: { fileName: 'f.csv', bytes: 1234, crc32: 0xdeadbeef, format: { layout: 'columns', delimiter: ',', header: ['t', 'x', 'y'], timeColumn: 0, lineEnding: '\n' } },
    time: grid.summary,
    errors: { max: 0.01, maxRelative: 0.01 / 12.5, rms: 0.002 },
    windows: 3,
    modelWindows: 2,
    diagnostics: { weakResidual: 1e-6, r2: [0.999, 0.5], activeTerms: 4, threshold: 0.05, testFunctions: { count: 40, halfWidth: 7, exponent: 9 } },
    settings: { layout: 'auto', degree: 2, trig: false, threshold: 'auto', rank: 'auto', energy: 0.999999, mode: 'error-bounded', tolerance: 1e-3, streaming: 'auto', streamingAboveMB: 1024, decimal: 'auto' },
  };
  const x: HeaderExtrasV3 = { outcome: { kind: 'sparse', reason: '', activeTerms: 4 }, forced: false, modelStored: true, terms, grid, reconCrc: 0x12345678 };
  return { h, x };
}

function roundTrip(h: HeaderJson, x: HeaderExtrasV3, version: 3 | 4): ReturnType<typeof readHeaderV3> {
  const bytes = writeHeaderV3(h, x, version);
  const r = new ByteReader(bytes, 'header');
  const back = readHeaderV3(r, version);
  r.end();
  return back;
}

/** A display number as v4 keeps it: three significant digits (rounded down with `down`). */
function shown(v: number, down = false): number {
  const w = new ByteWriter();
  writeDisplay(w, v, down);
  return readDisplay(new ByteReader(w.finish(), 'x'));
}

/** The header as a reader sees it: display floats through float32 (v3) or three digits (v4, which keeps no test functions or source CRC). */
function expected(h: HeaderJson, version: 3 | 4): HeaderJson {
  const f = Math.fround;
  if (version === 4) {
    const max = shown(h.errors.max, true);
    const diagnostics = { ...h.diagnostics };
    delete diagnostics.testFunctions;
    const source = { ...h.source };
    if (h.segmentLength === undefined) delete source.crc32;
    return {
      ...h,
      pod: h.pod ? { ...h.pod, energy: 1 - f(1 - h.pod.energy), singularValues: h.pod.singularValues.map(f) } : null,
      source,
      errors: { max, maxRelative: max / h.range, rms: shown(h.errors.rms) },
      diagnostics: { ...diagnostics, weakResidual: shown(h.diagnostics.weakResidual), r2: h.diagnostics.r2.map((v) => 1 - shown(1 - v)), threshold: shown(h.diagnostics.threshold) },
    };
  }
  const max = f32AtMost(h.errors.max);
  return {
    ...h,
    pod: h.pod ? { ...h.pod, energy: 1 - f(1 - h.pod.energy), singularValues: h.pod.singularValues.map(f) } : null,
    errors: { max, maxRelative: max / h.range, rms: f(h.errors.rms) },
    diagnostics: { ...h.diagnostics, weakResidual: f(h.diagnostics.weakResidual), r2: h.diagnostics.r2.map(f), threshold: f(h.diagnostics.threshold) },
  };
}

const VERSIONS = [3, 4] as const;

for (const version of VERSIONS) {
test(`v${version} header round trip: defaults derived, everything else stored, small`, () => {
  const { h, x } = base();
  const back = roundTrip(h, x, version);
  assert.deepEqual(back.json, expected(h, version));
  assert.deepEqual(back.outcome, x.outcome);
  assert.equal(back.reconCrc, x.reconCrc);
  const size = writeHeaderV3(h, x, version).length;
  assert.ok(size <= (version === 4 ? 64 : 96), `${size} bytes`);
});

test(`v${version} header round trip: stored names, patterns, POD, trig, explicit terms and names, bound, reason, settings, CSV headers`, () => {
  const variants: ((h: HeaderJson, x: HeaderExtrasV3) => void)[] = [
    (h) => (h.names = ['sensor_1', 'sensor_2']),
    (h) => (h.names = ['α', 'b,c']),
    (h) => {
      h.source.format = { ...h.source.format, header: null, timeColumn: null, layout: 'rows', delimiter: '\t', lineEnding: '\r\n' };
      h.names = ['x0', 'x1'];
    },
    (h) => (h.source.format = { ...h.source.format, header: ['x', 'y'], timeColumn: null }),
    (h) => (h.source.format = { ...h.source.format, header: ['x', 'time', 'y'], timeColumn: 1 }),
    (h) => (h.source.format = { ...h.source.format, header: ['when', 'X', 'Y'] }),
    (h, x) => {
      h.pod = { rank: 2, energy: 0.9999991, singularValues: [5, 1, 1e-3] };
      h.stateNames = ['a1', 'a2'];
      h.termNames = x.terms.map((t) => termNameV3(t, h.stateNames));
    },
    (h, x) => {
      h.library = { degree: 1, constant: false, trigFrequencies: [1, 2.5] };
      x.terms = canonicalTerms(h.library, 2);
      h.termNames = x.terms.map((t) => termNameV3(t, h.stateNames));
    },
    (h, x) => {
      const terms: LibraryTerm[] = [{ kind: 'poly', powers: [1, 1] }, { kind: 'cos', variable: 1, frequency: 3 }];
      x.terms = terms;
      h.termNames = ['xy', 'cos(3y)'];
    },
    (h) => (h.bound = 0.0123),
    (h) => {
      h.absError = 0.02;
      h.bound = 0.02;
      h.settings = { ...h.settings, absError: 0.02 };
    },
    (h) => {
      h.mode = 'model-only';
      h.bound = null;
      delete h.outputStep;
    },
    (_h, x) => (x.outcome = { kind: 'none', reason: 'no predictive horizon', activeTerms: 4 }),
    (h, x) => {
      h.modelWindows = 0;
      x.outcome = { kind: 'none', reason: 'no window uses the model', activeTerms: 4 };
      x.modelStored = false;
    },
    (h) => (h.settings = { shards: [{ name: 'a.csv', steps: 10 }], dt: 0.01, tolerance: 1e-4 }),
    (h) => (h.settings = {}),
    (h) => (h.segmentLength = 20),
    (h) => (h.diagnostics.testFunctions = { count: 40, halfWidth: 14.000000000000002, exponent: 9 }),
    (h) => (h.names = ['x1', 'x2']),
    (h) => (h.tolerance = 1e-4),
    (_h, x) => (x.forced = true),
    (h) => {
      h.errors = { max: 0.0123456, maxRelative: 0.0123456 / 12.5, rms: NaN };
      h.diagnostics.r2 = [1, -3.5];
      h.diagnostics.weakResidual = Infinity;
    },
    (h) => (h.windows = h.modelWindows),
    (_h, x) => {
      x.extras = true;
      x.exceptions = true;
      x.residualBounds = true;
    },
  ];
  variants.forEach((edit, k) => {
    const { h, x } = base();
    edit(h, x);
    const back = roundTrip(h, x, version);
    assert.deepEqual(back.json, expected(h, version), `variant ${k}`);
    assert.deepEqual(back.terms, x.terms, `variant ${k}`);
    assert.deepEqual(back.outcome, x.outcome, `variant ${k}`);
    assert.equal(back.modelStored, x.modelStored, `variant ${k}`);
    if (version === 4) assert.deepEqual([back.extras, back.exceptions, back.residualBounds], [x.extras === true, x.exceptions === true, x.residualBounds === true], `variant ${k}`);
  });
});
}

test('numbers: short decimals in two or three bytes, everything else exactly', () => {
  const rnd = mulberry32(3);
  const values = [0, 1e-3, 0.01, 1e-4, 2.5, -7, 1e22, 5e-324, Number.MAX_VALUE, Math.PI, 1 / 3, -0, 2 ** 60 + 2 ** 10, ...Array.from({ length: 200 }, () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20))];
  for (const v of values) {
    const w = new ByteWriter();
    writeNumber(w, v);
    const b = w.finish();
    assert.ok(Object.is(readNumber(new ByteReader(b, 'x'), 'v'), v), String(v));
  }
  const size = (v: number) => {
    const w = new ByteWriter();
    writeNumber(w, v);
    return w.finish().length;
  };
  assert.equal(size(1e-3), 2);
  assert.equal(size(0.01), 2);
  assert.equal(size(Math.PI), 9);
});

test('time grids by rule reproduce every stamp: printed significant digits, fixed decimals, sample / rate, jittered decimals as integers', () => {
  const m = 5000;
  const cases: { stamps: Float64Array; kind: string }[] = [
    { stamps: Float64Array.from({ length: m }, (_, j) => Number((j / 360).toPrecision(10))), kind: 'printed' },
    { stamps: Float64Array.from({ length: m }, (_, j) => Number((1000 + j / 7).toFixed(6))), kind: 'printed' },
    { stamps: Float64Array.from({ length: m }, (_, j) => j * 0.002), kind: 'affine' },
    { stamps: Float64Array.from({ length: m }, (_, j) => Number((j * 0.01).toFixed(2))), kind: 'decimal' },
    // sample / rate as numpy's arange(m) / 360 writes it (shortest text: neither affine nor printed)
    { stamps: Float64Array.from({ length: m }, (_, j) => j / 360), kind: 'rational' },
    { stamps: Float64Array.from({ length: m }, (_, j) => (250 + j) / 44100), kind: 'rational' },
    { stamps: Float64Array.from({ length: m }, (_, j) => (7000 + 3 * j) / 7), kind: 'rational' },
    // MATLAB's 0:0.1:10 (PySINDy's burgers.mat): up from 0 to the middle, down from 10 after it
    { stamps: Float64Array.from({ length: 101 }, (_, j) => (j <= 50 ? j * 0.1 : 10 - (100 - j) * 0.1)), kind: 'colon' },
  ];
  const rnd = mulberry32(9);
  let t = 0;
  cases.push({ stamps: Float64Array.from({ length: m }, () => Number((t += 0.5 + rnd()).toFixed(3))), kind: 'integers' });
  cases.push({ stamps: Float64Array.from({ length: m }, (_, j) => j + rnd() * 0.5), kind: 'lossless' });
  for (const c of cases) {
    const { grid, section } = planGridV3(c.stamps);
    assert.equal(grid.kind, c.kind);
    // through the header bytes, as a reader gets it
    const { h, x } = base();
    h.m = c.stamps.length;
    h.time = grid.summary;
    for (const version of VERSIONS) {
      const back = roundTrip(h, { ...x, grid }, version);
      const times = gridTimes(back.grid, c.stamps.length, section ? new ByteReader(section, 'time') : null);
      assert.ok(times.every((v, j) => Object.is(v, c.stamps[j])), `${c.kind} v${version}`);
    }
    if (c.kind === 'integers') assert.ok((section?.length ?? 0) < m * 1.5, `integers: ${section?.length} bytes for ${m} jittered stamps`);
    if (c.kind === 'printed' || c.kind === 'rational' || c.kind === 'colon') assert.equal(section, null);
    if (c.kind === 'colon') {
      // the known stamps of 0:0.1:10, which neither t0 + j·dt nor a decimal rule gives
      assert.equal(c.stamps[3], 0.30000000000000004);
      assert.equal(c.stamps[70], 7);
      assert.equal(c.stamps[99], 9.9);
    }
  }
});

test('v4 display numbers: three significant digits in two bytes, maxima never rounded up, the rest exactly', () => {
  const rnd = mulberry32(17);
  const values = [1e-3, 0.0009996, 9.995e-4, 123456, 1.5e-58, 9.99e13, ...Array.from({ length: 300 }, () => rnd() * 10 ** Math.floor(rnd() * 60 - 40))];
  for (const v of values) {
    const near = shown(v);
    const down = shown(v, true);
    assert.equal(near.toPrecision(3), v.toPrecision(3), `${v}`);
    assert.ok(down <= v && down >= v * (1 - 0.011), `${v} down ${down}`);
  }
  for (const v of [0, Infinity, NaN, -2.5, -0, 1e-80, 1e30]) assert.ok(Object.is(shown(v), v), String(v));
  const w = new ByteWriter();
  writeDisplay(w, 0.000123456);
  assert.equal(w.finish().length, 2);
});
