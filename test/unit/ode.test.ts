import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integrateDopri5 } from '../../src/core/numerics/ode';
import { NumericalError } from '../../src/core/errors';
import { jitteredTime, lorenz, uniformTime } from '../support/systems';

const tight = { rtol: 1e-10, atol: 1e-12 };

test('y\' = -y matches exp(-t) on a uniform grid', () => {
  const t = uniformTime(101, 0.1);
  const [y] = integrateDopri5((_t, s, d) => { d[0] = -s[0]; }, Float64Array.of(1), t, tight);
  for (let j = 0; j < t.length; j++) assert.ok(Math.abs(y[j] - Math.exp(-t[j])) <= 1e-9 * Math.exp(-t[j]) + 1e-13, `t=${t[j]}`);
  assert.equal(y[0], 1);
});

test('harmonic oscillator keeps phase and energy over 100 periods', () => {
  const periods = 100;
  const t = uniformTime(periods * 8 + 1, (2 * Math.PI) / 8);
  const [x, v] = integrateDopri5((_t, s, d) => { d[0] = s[1]; d[1] = -s[0]; }, Float64Array.of(1, 0), t, tight);
  let maxPhase = 0;
  let maxEnergy = 0;
  for (let j = 0; j < t.length; j++) {
    maxPhase = Math.max(maxPhase, Math.abs(x[j] - Math.cos(t[j])), Math.abs(v[j] + Math.sin(t[j])));
    maxEnergy = Math.max(maxEnergy, Math.abs(0.5 * (x[j] * x[j] + v[j] * v[j]) - 0.5));
  }
  assert.ok(maxPhase < 1e-7, `phase error ${maxPhase}`);
  assert.ok(maxEnergy < 1e-7, `energy drift ${maxEnergy}`);
  // After exactly 100 periods the state is back at (1, 0).
  assert.ok(Math.abs(x[t.length - 1] - 1) < 1e-7 && Math.abs(v[t.length - 1]) < 1e-7);
});

test('y\' = y^2 is accurate before t = 1 and its blow-up at t = 1 is detected', () => {
  const rhs = (_t: number, s: Float64Array, d: Float64Array): void => { d[0] = s[0] * s[0]; };
  const [y] = integrateDopri5(rhs, Float64Array.of(1), Float64Array.of(0, 0.5, 0.9, 0.99), tight);
  assert.ok(Math.abs(y[1] - 2) < 1e-8 && Math.abs(y[2] - 10) < 1e-7 && Math.abs(y[3] - 100) < 1e-5, `${y}`);
  assert.throws(
    () => integrateDopri5(rhs, Float64Array.of(1), Float64Array.of(0, 2), { ...tight, names: ['u'] }),
    (err: unknown) => {
      assert.ok(err instanceof NumericalError);
      assert.ok(err.time !== undefined && err.time > 0.99 && err.time <= 1, `time ${err.time}`);
      assert.match(err.message, /^model diverged at t = (0\.99\d*|1)\b/);
      return true;
    },
  );
});

test('dense output between steps is accurate (few steps, many outputs)', () => {
  // y' = cos t, y = sin t: with loose tolerance the steps are long, most outputs fall inside them.
  const t = uniformTime(2001, 0.005);
  let rhsCalls = 0;
  const [y] = integrateDopri5((tt, _s, d) => { rhsCalls++; d[0] = Math.cos(tt); }, Float64Array.of(0), t, { rtol: 1e-7, atol: 1e-9 });
  assert.ok(rhsCalls < 2000, `rhs calls ${rhsCalls}: dense output should not force a step per output`);
  let maxErr = 0;
  for (let j = 0; j < t.length; j++) maxErr = Math.max(maxErr, Math.abs(y[j] - Math.sin(t[j])));
  assert.ok(maxErr < 1e-6, `dense-output error ${maxErr}`);
});

test('non-uniform output times', () => {
  const t = jitteredTime(500, 0.02, 7);
  const [x, v] = integrateDopri5((_t, s, d) => { d[0] = s[1]; d[1] = -4 * s[0]; }, Float64Array.of(0, 2), t, tight);
  for (let j = 0; j < t.length; j++) {
    assert.ok(Math.abs(x[j] - Math.sin(2 * t[j])) < 1e-9, `x at ${t[j]}`);
    assert.ok(Math.abs(v[j] - 2 * Math.cos(2 * t[j])) < 1e-9, `v at ${t[j]}`);
  }
});

test('leaving the limits throws with the time and the variable', () => {
  const limits = { lo: Float64Array.of(-100), hi: Float64Array.of(100) };
  assert.throws(
    () => integrateDopri5((_t, s, d) => { d[0] = s[0]; }, Float64Array.of(1), uniformTime(101, 0.1), { limits, names: ['a2'] }),
    (err: unknown) => {
      assert.ok(err instanceof NumericalError);
      // e^t crosses 100 at t = ln 100 ≈ 4.605; reported at the end of the step that crossed.
      assert.ok(err.time !== undefined && err.time >= Math.log(100) && err.time < 5.5, `time ${err.time}`);
      assert.match(err.message, /model diverged at t = [\d.]+ \(a2 = 1\d\d(\.\d+)?\)/);
      return true;
    },
  );
});

test('a non-finite derivative throws, and too many steps throws', () => {
  assert.throws(
    () => integrateDopri5((tt, _s, d) => { d[0] = tt < 0.5 ? 1 : Number.NaN; }, Float64Array.of(0), Float64Array.of(0, 1)),
    (err: unknown) => err instanceof NumericalError && err.time !== undefined && err.time < 0.5 + 1e-6 && err.time > 0.4,
  );
  assert.throws(
    () => integrateDopri5((_t, s, d) => { d[0] = s[1]; d[1] = -1e6 * s[0]; }, Float64Array.of(1, 0), Float64Array.of(0, 100), { maxSteps: 50 }),
    (err: unknown) => err instanceof NumericalError && /more than 50 integration steps/.test(err.message),
  );
});

test('deterministic: same inputs give the same bits', () => {
  const sys = lorenz();
  const t = uniformTime(2000, 0.005);
  const a = integrateDopri5(sys.rhs, sys.y0, t, { rtol: 1e-8, atol: 1e-10 });
  const b = integrateDopri5(sys.rhs, sys.y0, t, { rtol: 1e-8, atol: 1e-10 });
  for (let i = 0; i < 3; i++) assert.deepEqual(a[i], b[i]);
});

test('degenerate inputs: one output time returns y0; non-increasing times are rejected', () => {
  const out = integrateDopri5((_t, s, d) => { d[0] = s[0]; }, Float64Array.of(3), Float64Array.of(5));
  assert.deepEqual(Array.from(out[0]), [3]);
  assert.throws(() => integrateDopri5((_t, s, d) => { d[0] = s[0]; }, Float64Array.of(3), Float64Array.of(0, 1, 1)), RangeError);
});
