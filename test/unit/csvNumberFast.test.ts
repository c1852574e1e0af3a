// Property tests for the fast number paths: the CSV row loop (fastCols) and the long-significand path
// (longDivide) must give exactly Number(text); the bulk formatter must round-trip and write the same text
// as writeNumber.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCsvBuffer } from '../../src/core/csv/read';
import { formatNumber, parseDecimalString, writeNumber, writeNumberScribble } from '../../src/core/csv/numberText';

const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
const digits = (min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: digit, minLength: min, maxLength: max });

/** Number texts of every shape the fast loop takes, plus some it hands over to the general path. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.integer({ min: 1, max: 21 })).map(([x, p]) => x.toPrecision(p)),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 })).map(([x, p]) => x.toExponential(p)),
  // 16–19 significant digits, the point anywhere, optional leading zeros, sign and exponent.
  fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      fc.constantFrom('', '0', '00'),
      digits(16, 19),
      fc.nat(19),
      fc.option(fc.integer({ min: -30, max: 30 }), { nil: undefined }),
      fc.constantFrom('e', 'E'),
    )
    .map(([sign, zeros, ds, dot, ex, e]) => {
      const k = Math.min(dot, ds.length);
      return sign + zeros + ds.slice(0, k) + '.' + ds.slice(k) + (ex === undefined ? '' : e + ex);
    }),
  fc.tuple(fc.constantFrom('', '-'), digits(1, 25), digits(0, 25)).map(([s, a, b]) => `${s}${a}.${b}`),
  fc.tuple(digits(0, 4), digits(1, 25)).map(([a, b]) => `${a}.${b}`),
  fc.tuple(digits(1, 25)).map(([a]) => `${a}.`),
  // Decimal expansions right next to powers of two and halfway points (the cases with uneven gaps).
  fc.tuple(fc.integer({ min: -20, max: 60 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 15, max: 19 })).map(([k, d, p]) => {
    const x = 2 ** k;
    return (x + d * x * 2 ** -54).toPrecision(p);
  }),
);

test('CSV fast row loop: every cell equals Number(text), bit for bit', () => {
  fc.assert(
    fc.property(fc.array(fc.array(numberText, { minLength: 3, maxLength: 3 }), { minLength: 16, maxLength: 40 }), fc.boolean(), (rows, crlf) => {
      const eol = crlf ? '\r\n' : '\n';
      // Keep only finite values (non-finite cells are errors, tested elsewhere); a varying first column.
      const cells = rows.map((r, i) => [String(i), ...r.map((t) => (Number.isFinite(Number(t)) ? t : '1'))]);
      const text = 'a,b,c,d' + eol + cells.map((r) => r.join(',')).join(eol) + (rows.length % 2 ? eol : '');
      const ds = parseCsvBuffer(Buffer.from(text), 'p.csv', { layout: 'columns' });
      for (let i = 0; i < cells.length; i++) {
        for (let j = 0; j < 4; j++) {
          const got = ds.series[j][i];
          const want = Number(cells[i][j]);
          assert.ok(Object.is(got, want), `${cells[i][j]}: got ${got}, Number() gives ${want}`);
        }
      }
    }),
    { numRuns: 400 },
  );
});

test('long significands and near-power-of-two decimals parse exactly as Number()', () => {
  fc.assert(
    fc.property(numberText, (t) => {
      const a = parseDecimalString(t);
      assert.ok(Object.is(a, Number(t)), `${t}: got ${a}, Number() gives ${Number(t)}`);
    }),
    { numRuns: 30000 },
  );
});

test('bulk formatter: same text as writeNumber, round-trips, and equals String() for typical data', () => {
  const scratch = new Uint8Array(64);
  const one = new Uint8Array(64);
  const check = (x: number): void => {
    const n = writeNumberScribble(scratch, 3, x);
    const m = writeNumber(one, 3, x);
    const s = Buffer.from(scratch.subarray(3, n)).toString('latin1');
    assert.equal(s, Buffer.from(one.subarray(3, m)).toString('latin1'));
    assert.ok(Object.is(Number(s), x), `${x} → ${s}`);
  };
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => check(x)),
    { numRuns: 20000 },
  );
  fc.assert(
    fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), (x) => check(x)),
    { numRuns: 20000 },
  );
  // Powers of two and their neighbours (uneven gaps), decade boundaries, and the ends of the fast range.
  for (let k = -25; k <= 52; k++) {
    const x = 2 ** k;
    for (const y of [x, x * (1 + 2 ** -52), x * (1 - 2 ** -53), x * (1 - 2 ** -52)]) check(y);
  }
  for (let k = -7; k <= 16; k++) {
    const x = 10 ** k;
    for (const y of [x, x * (1 + 2 ** -52), x * (1 - 2 ** -53), -x]) check(y);
  }
  let disagree = 0;
  let s = 1;
  for (let i = 0; i < 20000; i++) {
    s = (s * 16807) % 2147483647;
    const x = Math.sin(i * 0.01) * 10 ** ((s % 9) - 4);
    if (formatNumber(x) !== String(x)) disagree++;
    check(x);
  }
  assert.ok(disagree <= 2, `${disagree} texts differ from String()`);
  assert.equal(formatNumber(0.002 * 3), String(0.002 * 3));
  assert.equal(formatNumber(1e15 - 1), '999999999999999');
  assert.equal(formatNumber(123456.7), '123456.7');
});
