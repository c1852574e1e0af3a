import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildModelInfo, buildModelViewData, buildViewDataFrom, type ViewSource } from '../../src/core/view/viewData';
import { readWsindyHeader } from '../../src/core/codec/decode';
import { FormatError } from '../../src/core/errors';
import { compressSample } from '../webview/fixtures';

const repo = join(__dirname, '../..');

function sine(m: number, f: number, phase = 0): Float64Array {
  return Float64Array.from({ length: m }, (_, k) => Math.sin(f * k * 0.01 + phase));
}

function source(m: number, n = 2): ViewSource {
  const time = Float64Array.from({ length: m }, (_, k) => k * 0.01);
  const data = Array.from({ length: n }, (_, i) => sine(m, 1 + i, i));
  const prediction = data.map((s) => s.map((v) => v * 1.01));
  const names = Array.from({ length: n }, (_, i) => `v${i}`);
  return {
    names,
    time,
    data,
    prediction,
    states: prediction,
    pod: null,
    model: { stateNames: names, termNames: ['1', ...names], coefficients: Float64Array.from({ length: (n + 1) * n }, (_, k) => (k === n ? 0 : k % 3 === 0 ? 0 : k)) },
    windowStarts: [0, Math.floor(m / 2)],
    bound: 0.01,
  };
}

test('series are downsampled, ascending in time, and JSON-safe', () => {
  const d = buildViewDataFrom(source(50_000), 1000);
  assert.equal(d.m, 50_000);
  for (const s of [...d.coordinates, ...d.variables]) {
    assert.ok(s.t.length <= 1000 && s.t.length >= 500, `${s.t.length} points`);
    assert.equal(s.data.length, s.t.length);
    assert.equal(s.model.length, s.t.length);
    for (let i = 1; i < s.t.length; i++) assert.ok(s.t[i] > s.t[i - 1]);
    assert.equal(s.t[0], 0);
    assert.equal(s.t[s.t.length - 1], 49_999 * 0.01);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
  assert.deepEqual(d.windowStarts, [25_000 * 0.01]);
  assert.equal(d.band, 0.01);
  assert.equal(d.spectrum, null);
  assert.ok(d.phase && d.phase.data.x.length === 1000);
});

test('short series are kept whole; error is the worst variable per step', () => {
  const src = source(100);
  const d = buildViewDataFrom(src, 1000);
  assert.equal(d.error.t.length, 100);
  for (let k = 0; k < 100; k++) {
    const want = Math.max(...src.data.map((x, i) => Math.abs(x[k] - src.prediction[i][k])));
    assert.ok(Math.abs(d.error.maxAbs[k] - want) < 1e-15);
  }
});

test('Ξ keeps only active rows, in library order', () => {
  const src = source(100, 2);
  // K = 3 terms (1, v0, v1) × r = 2: make only v1 active, in equation 0.
  src.model = { stateNames: ['v0', 'v1'], termNames: ['1', 'v0', 'v1'], coefficients: Float64Array.of(0, 0, 0, 0, -2.5, 0) };
  const d = buildViewDataFrom(src, 100);
  assert.deepEqual(d.xi.terms, ['v1']);
  assert.deepEqual(d.xi.cells, [{ term: 'v1', equation: 'v0', value: -2.5 }]);
  assert.equal(d.xi.hiddenTerms, 2);
});

test('POD coordinates are the data projected on the modes', () => {
  const m = 400;
  const a = [sine(m, 3), sine(m, 5, 1)];
  const n = 3;
  // Orthonormal modes (column-major n × 2) and a mean.
  const s2 = Math.SQRT1_2;
  const modes = Float64Array.of(s2, s2, 0, 0, 0, 1);
  const mean = Float64Array.of(1, 2, 3);
  const data = Array.from({ length: n }, (_, i) => Float64Array.from({ length: m }, (_, k) => mean[i] + modes[i] * a[0][k] + modes[n + i] * a[1][k]));
  const podSource = (pod: { rank: number; energy: number; singularValues: number[] }) => ({
    names: ['p', 'q', 'r'],
    time: Float64Array.from({ length: m }, (_, k) => k),
    data,
    prediction: data,
    states: a,
    pod: { ...pod, mean, modes },
    model: { stateNames: ['a1', 'a2'], termNames: ['a1', 'a2'], coefficients: Float64Array.of(0, 1, -1, 0) },
    windowStarts: [0],
    bound: null,
  });
  const d = buildViewDataFrom(podSource({ rank: 2, energy: 125 / 125.01, singularValues: [10, 5, 0.1] }), 10_000);
  for (let j = 0; j < 2; j++) for (let k = 0; k < m; k++) assert.ok(Math.abs(d.coordinates[j].data[k] - a[j][k]) < 1e-12);
  assert.ok(d.spectrum);
  assert.equal(d.spectrum.rank, 2);
  assert.ok(Math.abs(d.spectrum.cumulativeEnergy[1] - 125 / 125.01) < 1e-12);
  assert.ok(Math.abs(d.spectrum.cumulativeEnergy[2] - 1) < 1e-12);
  assert.equal(d.bandLabel, '± max model error');

  // Iterative POD stores only the leading values: the curve must still end at the captured energy,
  // not at 100 %, since the tail was never computed.
  const truncated = buildViewDataFrom(podSource({ rank: 2, energy: 0.9, singularValues: [10, 5] }), 10_000);
  assert.ok(truncated.spectrum);
  assert.ok(Math.abs(truncated.spectrum.cumulativeEnergy[0] - 0.9 * (100 / 125)) < 1e-12);
  assert.ok(Math.abs(truncated.spectrum.cumulativeEnergy[1] - 0.9) < 1e-12);
});

test('many variables: an even subset within the point budget', () => {
  const d = buildViewDataFrom(source(2000, 600), 2000);
  assert.equal(d.variableCount, 600);
  assert.equal(d.variables.length, 50);
  assert.equal(d.variableIndices[0], 0);
  assert.equal(d.variableIndices[49], 599);
  assert.equal(d.variables[49].name, 'v599');
});

test('a blown-up prediction becomes gaps (null), not NaN', () => {
  const src = source(200);
  (src.prediction[0] as Float64Array).fill(NaN, 50, 80);
  (src.prediction[1] as Float64Array).fill(NaN, 50, 80);
  const d = buildViewDataFrom(src, 1000);
  const json = JSON.parse(JSON.stringify(d));
  assert.equal(json.error.maxAbs[60], null);
  assert.equal(json.variables[0].model[60], null);
});

test('real file: header info and view data from the engine; truncated file is a FormatError', async () => {
  const bytes = await compressSample(repo, 'lorenz.csv');
  const info = buildModelInfo(readWsindyHeader(bytes), 'lorenz.wsindy', 4);
  assert.deepEqual(info.equations.map((e) => e.state), ['x', 'y', 'z']);
  assert.match(info.equations[0].latex, /^\\dot\{x\} = .*x.*y/);
  assert.ok(info.sources.python.includes('def rhs'));
  assert.equal(info.summary.n, 3);
  assert.equal(info.summary.pod, null);
  const d = buildModelViewData(bytes, 800);
  assert.equal(d.coordinates.length, 3);
  assert.equal(d.variables.length, 3);
  assert.ok(d.variables[0].t.length <= 800);
  assert.ok(d.xi.terms.includes('x y') && d.xi.terms.includes('x z'));
  assert.throws(() => readWsindyHeader(bytes.subarray(0, 40)), FormatError);
  assert.throws(() => buildModelViewData(bytes.subarray(0, bytes.length - 10), 800), FormatError);
});
