// Automatic library degree (sindy/degree.ts): the true degree of known polynomial systems is found from
// clean and noisy data, including a cubic-only nonlinearity (nothing to gain at degree 2) and a quartic
// system; a fixed degree is kept; the choice is recorded in the file and shown by `info`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile, describeModelFile } from '../../src/core/api';
import { identify, identifyOptionsOf } from '../../src/core/sindy/identify';
import { maxCandidateDegree, noiseSigma, noiseSigmaOnGrid, polynomialColumns } from '../../src/core/sindy/degree';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { addStdNoise, coefficientError, dystsSystem, sampleDysts } from '../support/dysts';
import { gaussian, jitteredTime, mulberry32, uniformTime } from '../support/systems';

const AUTO = identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS);

test("the default degree is 'auto'", () => {
  assert.equal(DEFAULT_COMPRESS_OPTIONS.degree, 'auto');
});

test('library size helpers: C(r + d, d) columns; candidates capped by columns and by a quarter of the test functions', () => {
  assert.equal(polynomialColumns(3, 2), 10);
  assert.equal(polynomialColumns(3, 5), 56);
  assert.equal(polynomialColumns(6, 3), 84);
  assert.equal(maxCandidateDegree(3, 2000, 200), 5);
  assert.equal(maxCandidateDegree(6, 2000, 200), 3); // degree 4 would be 210 columns
  assert.equal(maxCandidateDegree(3, 60, 200), 2); // 4 × 20 > 60
});

test('noiseSigma recovers the standard deviation of white noise on a smooth signal', () => {
  const g = gaussian(mulberry32(3));
  const x = Float64Array.from({ length: 5000 }, (_, j) => Math.sin(j / 50) + 0.01 * g());
  const s = noiseSigma(x);
  assert.ok(Math.abs(s / 0.01 - 1) < 0.1, `${s}`);
});

const cases: [string, number][] = [
  ['Lorenz', 2],
  ['MooreSpiegel', 3], // z' has x² y as its only nonlinear term: degree 2 adds nothing
  ['Aizawa', 4],
  ['HyperRossler', 2],
];
for (const [name, degree] of cases) {
  test(`auto degree: ${name} gets degree ${degree} from clean and 1 %-noise data, with its true terms`, () => {
    const s = dystsSystem(name);
    const time = uniformTime(s.steps, s.dt);
    const clean = sampleDysts(s, time);
    const a = identify(clean, time, s.stateNames, AUTO).system;
    assert.equal(a.model.library.degree, degree);
    assert.equal(a.diagnostics.degree?.automatic, true);
    assert.equal(a.diagnostics.degree?.residuals?.length, a.model.library.degree < 4 ? 3 : 5);
    const e = coefficientError(a.model, s);
    assert.ok(e.exact && e.worst < 0.01, `${name} clean: ${JSON.stringify(e)}`);
    const noisy = identify(addStdNoise(clean, 0.01, 11), time, s.stateNames, AUTO).system;
    assert.equal(noisy.model.library.degree, degree, `${name} noisy: residuals ${noisy.diagnostics.degree?.residuals}`);
  });
}

test('noiseSigmaOnGrid: white noise on a smooth signal at jittered stamps, where third differences mostly see the jitter', () => {
  const time = jitteredTime(6000, 0.01, 4);
  const smooth = time.map((t) => Math.sin(2 * t) + 0.3 * Math.cos(7 * t));
  const g = gaussian(mulberry32(9));
  for (const sigma of [1e-3, 1e-2]) {
    const noisy = smooth.map((v) => v + sigma * g());
    const est = noiseSigmaOnGrid(noisy, time);
    assert.ok(Math.abs(est / sigma - 1) < 0.1, `σ = ${sigma}: estimate ${est}`);
  }
  // clean: the cubic through the neighbours leaves O(h⁴), third differences O(h·jitter)
  const clean = noiseSigmaOnGrid(smooth, time);
  assert.ok(clean < 1e-6, `clean: ${clean}`);
  assert.ok(noiseSigma(smooth) > 100 * clean, `third differences ${noiseSigma(smooth)} against ${clean}`);
});

test('a fixed degree is kept and recorded as fixed', () => {
  const s = dystsSystem('Lorenz');
  const time = uniformTime(s.steps, s.dt);
  const sys = identify(sampleDysts(s, time), time, s.stateNames, { ...AUTO, degree: 3 }).system;
  assert.equal(sys.model.library.degree, 3);
  assert.deepEqual(sys.diagnostics.degree, { chosen: 3, automatic: false });
  assert.ok(coefficientError(sys.model, s).exact);
});

test('info shows the degree and how it was chosen, read back from the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsindy-degree-'));
  await compressFile('samples/lorenz.csv', join(dir, 'auto.wsindy'), DEFAULT_COMPRESS_OPTIONS);
  const auto = await describeModelFile(join(dir, 'auto.wsindy'));
  assert.equal(auto.fit.degree, 2);
  assert.equal(auto.fit.degreeAutomatic, true);
  assert.match(auto.text, /library degree 2 \(automatic\)/);
  await compressFile('samples/lorenz.csv', join(dir, 'fixed.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS, degree: 3 });
  const fixed = await describeModelFile(join(dir, 'fixed.wsindy'));
  assert.equal(fixed.fit.degree, 3);
  assert.equal(fixed.fit.degreeAutomatic, false);
  assert.match(fixed.text, /library degree 3 \(fixed\)/);
});
