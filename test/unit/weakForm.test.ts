// Test functions and weak-form quadrature against closed forms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bumpIntegral,
  chooseTestFunctions,
  cornerWavenumber,
  exponentForSupport,
  makeTestFunctions,
  supportFromCorner,
  testFunctionOnGrid,
} from '../../src/core/sindy/testFunctions';
import { buildWeakSystem, WeakFormAccumulator, type WeakSystem } from '../../src/core/sindy/weakForm';
import { gaussLegendre, MAX_QUADRATURE_REACH, quadratureFor } from '../../src/core/sindy/quadrature';
import { jitteredTime, uniformTime } from '../support/systems';

test('bumpIntegral matches the closed form ∫(1−v²)^p = 2^{2p+1}(p!)²/(2p+1)!', () => {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  for (const p of [1, 2, 5, 9]) {
    const exact = (2 ** (2 * p + 1) * fact(p) ** 2) / fact(2 * p + 1);
    assert.ok(Math.abs(bumpIntegral(p) - exact) < 1e-10 * exact, `p=${p}`);
  }
});

test('test functions: normalised, compactly supported, derivative matches finite differences', () => {
  const time = uniformTime(1001, 0.01);
  const tf = makeTestFunctions(time, 5, 1.0, 4);
  const { start, phi, dphi } = testFunctionOnGrid(tf, 2, time);
  // Support of half-width 1.0 around centre 5.0: samples strictly inside (4, 6).
  assert.equal(start, 401);
  assert.equal(phi.length, 199);
  let integral = 0;
  for (let i = 0; i < phi.length; i++) integral += phi[i] * 0.01;
  assert.ok(Math.abs(integral - 1) < 1e-6, `∫φ = ${integral}`);
  for (let i = 1; i + 1 < phi.length; i++) {
    const fd = (phi[i + 1] - phi[i - 1]) / 0.02;
    assert.ok(Math.abs(fd - dphi[i]) < 1e-3 * Math.max(1, Math.abs(dphi[i])), `φ' at ${i}`);
  }
  // Centres spread uniformly with supports inside the data.
  assert.deepEqual(Array.from(tf.centres), [1, 3, 5, 7, 9]);
});

test('weak form of a known trajectory: b = −∫φ′a equals ∫φ ȧ, on uniform and jittered grids', () => {
  // a(t) = sin(2t): Θ = [1, a], ȧ = 2cos(2t). G·ξ should reproduce b for ξ chosen so Θξ = ȧ only
  // through the integration by parts, so compare b directly with ∫φ ȧ.
  for (const time of [uniformTime(4001, 0.0025), jitteredTime(4001, 0.0025, 3)]) {
    const a = time.map((t) => Math.sin(2 * t));
    const adot = time.map((t) => 2 * Math.cos(2 * t));
    const tf = makeTestFunctions(time, 30, 0.8, 6);
    const sys = buildWeakSystem(tf, time, [a], [adot]);
    let worst = 0;
    for (let k = 0; k < sys.K; k++) worst = Math.max(worst, Math.abs(sys.b[k] - sys.G[k]));
    // Trapezoid on the uniform grid: spectral; the quintic interpolant on the jittered one: O(h⁶).
    assert.ok(worst < 1e-10, `max |b − ∫φȧ| = ${worst.toExponential(2)}`);
  }
});

/** ∫_{-1}^{1} (1 − v²)^p v^n dv in closed form: 0 for odd n; I(p, 0) = 2^{2p+1}(p!)²/(2p+1)!, I(p, 2q) = I(p, 2q−2)·(2q−1)/(2q+2p+1). */
function bumpMoment(p: number, n: number): number {
  if (n % 2 === 1) return 0;
  let I = 2;
  for (let i = 1; i <= p; i++) I *= (2 * i) / (2 * i + 1); // 2^{2p+1}(p!)²/(2p+1)! = 2·Π 2i/(2i+1)
  for (let q = 1; 2 * q <= n; q++) I *= (2 * q - 1) / (2 * q + 2 * p + 1);
  return I;
}

/** ∫ s·(1 − v²)^p P(t) dt over the support of centre c, half-width H (v = (t − c)/H), P given by its coefficients in t. */
function exactBumpIntegral(coef: number[], c: number, H: number, p: number, s: number): number {
  // P(c + Hv) = Σ_n b_n v^n (binomial expansion of each power)
  const b = new Array<number>(coef.length).fill(0);
  const binom = (n: number, k: number): number => {
    let r = 1;
    for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
    return r;
  };
  coef.forEach((a, d) => {
    for (let n = 0; n <= d; n++) b[n] += a * binom(d, n) * c ** (d - n) * H ** n;
  });
  return s * H * b.reduce((acc, bn, n) => acc + bn * bumpMoment(p, n), 0);
}

test('Gauss–Legendre nodes integrate polynomials up to degree 2n − 1 exactly', () => {
  for (const n of [3, 5, 8, 12]) {
    const { x, w } = gaussLegendre(n);
    for (let d = 0; d <= 2 * n - 1; d++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i] * x[i] ** d;
      const exact = d % 2 === 1 ? 0 : 2 / (d + 1);
      assert.ok(Math.abs(s - exact) < 1e-14, `n=${n} degree ${d}: ${s} vs ${exact}`);
    }
  }
});

test('uneven steps: polynomial data on a jittered grid integrated against φ matches the closed form to round-off', () => {
  // P of degree 5 (the quintic interpolant reproduces it), P′ in closed form too: G = ∫φP, b = −∫φ′P = ∫φP′.
  const coef = [0.7, -1.3, 0.45, 0.2, -0.031, 0.0017];
  const dcoef = coef.slice(1).map((a, d) => (d + 1) * a);
  const P = (t: number, cs: number[]): number => cs.reduceRight((acc, a) => acc * t + a, 0);
  const time = jitteredTime(801, 0.0125, 9);
  assert.equal(quadratureFor(time, 1, 4).quadrature, 'quintic');
  for (const p of [2, 4, 7]) {
    // Supports from the record's first stamp to its last: the shifted stencils at both ends are exercised.
    const tf = makeTestFunctions(time, 25, 0.4, p);
    const x = time.map((t) => P(t, coef));
    const sys = buildWeakSystem(tf, time, [x], [x]);
    let worstG = 0;
    let worstB = 0;
    let trapezoid = 0;
    const trap = buildWeakSystem({ ...tf, quadrature: 'trapezoid', gaussPoints: 0 }, time, [x], [x]);
    for (let k = 0; k < tf.centres.length; k++) {
      const g = exactBumpIntegral(coef, tf.centres[k], tf.radius, p, tf.scale);
      const b = exactBumpIntegral(dcoef, tf.centres[k], tf.radius, p, tf.scale);
      worstG = Math.max(worstG, Math.abs(sys.G[k] - g) / Math.abs(g));
      worstB = Math.max(worstB, Math.abs(sys.b[k] - b) / (Math.abs(b) + Math.abs(g)));
      trapezoid = Math.max(trapezoid, Math.abs(trap.G[k] - g) / Math.abs(g));
    }
    assert.ok(worstG < 1e-13, `p=${p}: ∫φP relative error ${worstG.toExponential(2)}`);
    assert.ok(worstB < 1e-12, `p=${p}: −∫φ′P error ${worstB.toExponential(2)}`);
    // The trapezoid rule on the same stamps is O(h²): far from round-off.
    assert.ok(trapezoid > 1e-7, `p=${p}: trapezoid error ${trapezoid.toExponential(2)}`);
  }
});

test('uniform grids keep the trapezoid rule; uneven ones get the quintic', () => {
  assert.equal(quadratureFor(uniformTime(1000, 0.01), 0.2, 6).quadrature, 'trapezoid');
  // decimal stamps, uniform to round-off
  assert.equal(quadratureFor(Float64Array.from({ length: 1000 }, (_, j) => Number((0.01 * j).toFixed(2))), 0.2, 6).quadrature, 'trapezoid');
  assert.equal(quadratureFor(jitteredTime(1000, 0.01, 1), 0.2, 6).quadrature, 'quintic');
  // one stamp off by 1 % of a step is uneven
  const t = uniformTime(1000, 0.01);
  t[500] += 1e-4;
  assert.equal(quadratureFor(t, 0.2, 6).quadrature, 'quintic');
});

test('G rows are local averages of Θ (∫φ = 1): constant column gives 1', () => {
  const time = jitteredTime(3000, 0.01, 11);
  const tf = makeTestFunctions(time, 20, 2, 8);
  const ones = new Float64Array(time.length).fill(1);
  const sys = buildWeakSystem(tf, time, [ones], [ones]);
  for (let k = 0; k < sys.K; k++) {
    assert.ok(Math.abs(sys.G[k] - 1) < 1e-12, `row ${k}: ${sys.G[k]}`);
    // b = −∫φ′·1 = 0 since φ vanishes at both ends (exact: constants are reproduced by the interpolant).
    assert.ok(Math.abs(sys.b[k]) < 1e-12, `row ${k}: b = ${sys.b[k]}`);
  }
});

for (const grid of ['jittered', 'uniform'] as const) {
  test(`chunked accumulation equals the whole-series weak system (${grid} grid), and so do parts with their halo stamps`, () => {
    const time = grid === 'jittered' ? jitteredTime(2500, 0.004, 5) : uniformTime(2500, 0.004);
    const x = time.map((t) => Math.cos(3 * t) + 0.5 * t);
    const y = time.map((t) => Math.sin(t) * Math.exp(-0.1 * t));
    const evaluate = (s: Float64Array[], len: number): Float64Array[] => {
      const cols = [new Float64Array(len).fill(1), new Float64Array(len), new Float64Array(len)];
      for (let i = 0; i < len; i++) {
        cols[1][i] = s[0][i] * s[1][i];
        cols[2][i] = s[1][i] ** 2;
      }
      return cols;
    };
    const tf = makeTestFunctions(time, 40, 0.5, 5);
    assert.equal(tf.quadrature, grid === 'jittered' ? 'quintic' : 'trapezoid');
    const whole = buildWeakSystem(tf, time, [x, y], evaluate([x, y], time.length));
    const close = (got: WeakSystem, what: string): void => {
      for (let i = 0; i < whole.G.length; i++) assert.ok(Math.abs(got.G[i] - whole.G[i]) < 1e-12 * (1 + Math.abs(whole.G[i])), `${what}: G[${i}]`);
      for (let i = 0; i < whole.b.length; i++) assert.ok(Math.abs(got.b[i] - whole.b[i]) < 1e-12 * (1 + Math.abs(whole.b[i])), `${what}: b[${i}]`);
    };
    // Uneven chunk sizes, including single-sample chunks and one at the very end (the end stencils shift).
    const cuts = [0, 1, 333, 334, 1200, 2497, 2499, 2500];
    const acc = new WeakFormAccumulator(tf, 3, 2, evaluate);
    for (let c = 0; c + 1 < cuts.length; c++) {
      const [a, b] = [cuts[c], cuts[c + 1]];
      acc.add(time.slice(a, b), [x.slice(a, b), y.slice(a, b)]);
    }
    close(acc.result(), 'chunks');
    // Parts summed, each with the stamps around it (what a shard's fit task carries), parts as short as 2 samples.
    const sum: WeakSystem = { ...whole, G: new Float64Array(whole.G.length), b: new Float64Array(whole.b.length) };
    const bounds = [0, 3, 5, 700, 1701, 2496, 2500];
    for (let c = 0; c + 1 < bounds.length; c++) {
      const [a, b] = [bounds[c], bounds[c + 1]];
      const part = new WeakFormAccumulator(tf, 3, 2, evaluate, time.slice(Math.max(0, a - MAX_QUADRATURE_REACH), a));
      part.add(time.slice(a, b), [x.slice(a, b), y.slice(a, b)]);
      const got = part.finish(time.slice(b, b + MAX_QUADRATURE_REACH));
      const [kLo, kHi] = part.rowsTouched();
      for (let i = 0; i < got.G.length; i++) {
        if (got.G[i] !== 0) assert.ok(Math.floor(i / 3) >= kLo && Math.floor(i / 3) < kHi, `part ${c}: row ${Math.floor(i / 3)} outside rowsTouched`);
        sum.G[i] += got.G[i];
      }
      for (let i = 0; i < got.b.length; i++) sum.b[i] += got.b[i];
    }
    close(sum, 'parts');
  });
}

test('corner rule: the corner of two clean tones sits just above the higher one', () => {
  // 10 and 37 cycles over the record: no content above k = 37.
  const time = uniformTime(4096, 0.01);
  const x = time.map((t) => Math.sin((2 * Math.PI * 10 * t) / 40.96) + 0.3 * Math.sin((2 * Math.PI * 37 * t) / 40.96));
  const k = cornerWavenumber([x], time);
  assert.ok(k >= 37 && k <= 80, `corner ${k}`);
  const m = supportFromCorner(k, 4096);
  assert.ok(m > 2 && m < 4096 / 2, `half-width ${m}`);
  // Exponent (Messenger & Bortz round down): the largest p with φ ≥ τ one step inside the boundary.
  const p = exponentForSupport(m);
  const edge = 1 - (1 - 1 / m) ** 2;
  assert.ok(edge ** p >= 1e-10 && edge ** (p + 1) < 1e-10, `p = ${p}`);
});

test('chooseTestFunctions honours overrides and keeps supports inside the data', () => {
  const time = uniformTime(2000, 0.01);
  const x = time.map((t) => Math.sin(t));
  const tf = chooseTestFunctions([x], time, { count: 50, halfWidth: 40, exponent: 3 }, 10);
  assert.deepEqual(tf.spec, { count: 50, halfWidth: 40, exponent: 3 });
  assert.ok(Math.abs(tf.radius - 0.4) < 1e-12);
  assert.ok(tf.centres[0] - tf.radius >= time[0] - 1e-12);
  assert.ok(tf.centres[49] + tf.radius <= time[1999] + 1e-12);
  const auto = chooseTestFunctions([x], time, {}, 10);
  assert.ok(auto.spec.count >= 20 && auto.spec.count <= 2000);
  assert.ok(auto.spec.exponent >= 2);
  assert.throws(() => chooseTestFunctions([x], time, { exponent: 0.5 }), RangeError);
});
