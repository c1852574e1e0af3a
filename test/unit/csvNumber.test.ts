// numberText: the byte parser is bit-identical to Number(), the formatter always round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatNumber, parseDecimalString, writeNumber } from '../../src/core/csv/numberText';

const same = (text: string): void => {
  const a = parseDecimalString(text);
  const b = Number(text);
  assert.ok(Object.is(a, b), `${text}: got ${a}, Number() gives ${b}`);
};

test('parser edge cases match Number()', () => {
  for (const t of [
    '0', '-0', '+0', '1', '-1', '1.5', '.5', '5.', '-.5e-3', '1e5', '1E+05', '1e-5', '0.1', '0.30000000000000004',
    '9007199254740993', '9007199254740992.5', '123456789012345678901234567890', '1e22', '1e23', '1.7976931348623157e308',
    '1.7976931348623159e308', '1e400', '-1e400', '2.2250738585072014e-308', '4.9406564584124654e-324', '5e-324',
    '1e-400', '0.000000000000000000000000000001', '00000123.4500000', '1.00000000000000011102230246251565404236316680908203125',
    '9.999999999999999e22', '7.038531e-26', '2.5e-1', '1.2345678901234567e-100', '8.98846567431158e307',
  ]) same(t);
});

test('parser rejects what is not a complete decimal number', () => {
  for (const t of ['', '-', '+', '.', 'e5', '1e', '1e+', '1.2.3', '0x10', '1_000', 'NaN', 'Infinity', ' 1', '1 ', '1,5', '--1']) {
    assert.ok(Number.isNaN(parseDecimalString(t)), t);
  }
});

const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true });

test('parser equals Number() on String(), toExponential, toFixed and toPrecision of random doubles', () => {
  fc.assert(
    fc.property(anyDouble, fc.integer({ min: 0, max: 20 }), (x, digits) => {
      same(String(x));
      same(x.toExponential(digits));
      same(x.toExponential(18));
      if (Math.abs(x) < 1e21) same(x.toFixed(digits));
      same(x.toPrecision(Math.max(1, digits)));
    }),
    { numRuns: 20000 },
  );
});

test('parser equals Number() on random digit strings with random exponents', () => {
  const digits = fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: 1, maxLength: 25 });
  fc.assert(
    fc.property(fc.boolean(), digits, fc.nat(25), fc.integer({ min: -360, max: 330 }), fc.boolean(), (neg, ds, dot, exp, withExp) => {
      const k = Math.min(dot, ds.length);
      const body = k === ds.length ? ds : ds.slice(0, k) + '.' + ds.slice(k);
      same((neg ? '-' : '') + body + (withExp ? `e${exp}` : ''));
    }),
    { numRuns: 20000 },
  );
});

test('formatter round-trips every double and matches String() in length or is one digit longer', () => {
  fc.assert(
    fc.property(anyDouble, (x) => {
      const s = formatNumber(x);
      assert.ok(Object.is(Number(s), x), `${x} → ${s}`);
      assert.ok(s.length <= String(x).length + 1 + (Object.is(x, -0) ? 1 : 0), `${x} → ${s}`);
    }),
    { numRuns: 20000 },
  );
  // Typical data magnitudes, where the exact fast route is taken.
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
      const s = formatNumber(x);
      assert.ok(Object.is(Number(s), x), `${x} → ${s}`);
    }),
    { numRuns: 20000 },
  );
  assert.equal(formatNumber(0.1), '0.1');
  assert.equal(formatNumber(-0), '-0');
  assert.equal(formatNumber(100), '100');
  assert.equal(formatNumber(1e-7), '1e-7');
  assert.equal(formatNumber(123.456), '123.456');
  assert.equal(formatNumber(0.000001), '0.000001');
});

test('writeNumber writes at an offset and returns the end', () => {
  const buf = new Uint8Array(40).fill(120);
  const end = writeNumber(buf, 3, -2.5);
  assert.equal(end, 7);
  assert.equal(Buffer.from(buf.subarray(0, 8)).toString('latin1'), 'xxx-2.5x');
});
