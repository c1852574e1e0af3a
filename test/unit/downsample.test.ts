import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lttb, lttbIndices, mergeIndices, strideIndices } from '../../src/core/view/downsample';

function range(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => i);
}

test('lttb keeps everything when the series is short', () => {
  assert.deepEqual([...lttbIndices(range(5), [1, 2, 3, 4, 5], 10)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...lttbIndices(range(5), [1, 2, 3, 4, 5], 5)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...lttbIndices([], [], 10)], []);
});

test('lttb returns exactly the threshold, ascending, with first and last', () => {
  const n = 100_000;
  const x = range(n);
  const y = x.map((v) => Math.sin(v / 500) + 0.01 * Math.cos(v));
  for (const th of [3, 10, 500, 2000]) {
    const idx = lttbIndices(x, y, th);
    assert.equal(idx.length, th);
    assert.equal(idx[0], 0);
    assert.equal(idx[idx.length - 1], n - 1);
    for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1]);
  }
  assert.deepEqual([...lttbIndices(x, y, 2)], [0, n - 1]);
  assert.deepEqual([...lttbIndices(x, y, 1)], [0]);
});

test('lttb keeps an isolated spike', () => {
  const n = 10_000;
  const y = new Float64Array(n);
  y[4321] = 50;
  const idx = lttbIndices(range(n), y, 100);
  assert.ok(idx.includes(4321));
  const r = lttb(range(n), y, 100);
  assert.equal(Math.max(...r.y), 50);
});

test('lttb never prefers a non-finite sample', () => {
  const n = 1000;
  const y = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? NaN : Math.sin(i / 10)));
  const r = lttb(range(n), y, 50);
  for (let i = 1; i < r.y.length - 1; i++) assert.ok(Number.isFinite(r.y[i]));
});

test('mergeIndices and strideIndices', () => {
  assert.deepEqual([...mergeIndices([0, 3, 9], [0, 2, 3, 9])], [0, 2, 3, 9]);
  assert.deepEqual([...strideIndices(11, 3)], [0, 5, 10]);
  assert.deepEqual([...strideIndices(3, 10)], [0, 1, 2]);
  assert.deepEqual([...strideIndices(10, 0)], []);
});
