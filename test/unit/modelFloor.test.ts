// The model route's floor (encode.ts): a search is given up where its segment cannot come in under what
// the caller can use, and the no-model route, coded first up to the basis's size, skips the window search
// when it is smaller than the basis alone — never at the cost of a forced model or of the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readContainer } from '../../src/core/codec/container';
import { decodeWsindy } from '../../src/core/codec/decode';
import { encodeSegment, encodeWsindy, planEncoding } from '../../src/core/codec/encode';
import type { Dataset } from '../../src/core/dataset';
import { identify, identifyOptionsOf } from '../../src/core/sindy/identify';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { noProgress } from '../../src/core/progress';
import { field2d, seriesRange } from '../../bench/fieldData';
import { lorenz, sampleSystem, uniformTime } from '../support/systems';

function dataset(series: Float64Array[], time: Float64Array): Dataset {
  const names = series.map((_, i) => `x${i}`);
  return { names, series, time, source: { layout: 'columns', delimiter: ',', header: ['t', ...names], timeColumn: 0, lineEnding: '\n' } };
}

function assertWithinBound(series: Float64Array[], bytes: Uint8Array, bound: number): void {
  const dec = decodeWsindy(bytes);
  series.forEach((s, i) => {
    const d = dec.dataset.series[i];
    for (let j = 0; j < s.length; j++) if (!(Math.abs(s[j] - d[j]) <= bound)) assert.fail(`x${i}[${j}] off by ${Math.abs(s[j] - d[j])} > ${bound}`);
  });
}

test('a model segment asked to stay under a size it cannot reach is given up; under one it reaches, it is the same segment', () => {
  const sys = lorenz();
  const time = uniformTime(3000, sys.dt);
  const series = sampleSystem(sys, time);
  const { system } = identify(series, time, ['x', 'y', 'z'], identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  const input = { mode: 'error-bounded' as const, tolerance: 1e-4, n: 3, ...seriesRange(series), system, amax: null };
  const whole = encodeSegment(planEncoding(input), series, time);
  assert.ok(Number.isFinite(whole.size) && whole.modelWindows > 0, `size ${whole.size}, ${whole.modelWindows} model windows`);
  const given = encodeSegment(planEncoding(input), series, time, noProgress, whole.size / 4);
  assert.equal(given.size, Infinity);
  const reached = encodeSegment(planEncoding(input), series, time, noProgress, whole.size + 1);
  assert.equal(reached.size, whole.size);
  assert.deepEqual(reached.RESI, whole.RESI);
  assert.deepEqual(reached.WIND, whole.WIND);
});

test('a short field whose basis outweighs the no-model file: no model, the bound held, and no larger than the forced model', () => {
  const f = field2d(20, 150);
  const names = f.series.map((_, i) => `x${i}`);
  const { system } = identify(f.series, f.time, names, identifyOptionsOf(DEFAULT_COMPRESS_OPTIONS));
  assert.ok(system.pod && system.pod.rank > 3, 'the field is reduced by POD');
  const base = { dataset: dataset(f.series, f.time), system, mode: 'error-bounded' as const, tolerance: 1e-3, source: { fileName: 'f.csv', bytes: 0, crc32: 0 }, settings: {} };
  const free = encodeWsindy(base);
  assert.equal(free.outcome.kind, 'none');
  assert.equal(free.modelWindows, 0);
  const freeTags = [...readContainer(free.bytes).sections.keys()];
  assert.ok(!freeTags.includes('BASI') && !freeTags.includes('MODL'), `sections ${freeTags.join(' ')}`);
  assertWithinBound(f.series, free.bytes, free.bound ?? 0);
  // forced: the model and its basis are kept (the no-model route would drop them), the bound still held
  const forced = encodeWsindy({ ...base, forceModel: true });
  const tags = [...readContainer(forced.bytes).sections.keys()];
  assert.ok(tags.includes('MODL') && tags.includes('BASI'), `sections ${tags.join(' ')}`);
  assertWithinBound(f.series, forced.bytes, forced.bound ?? 0);
  assert.ok(free.bytes.length <= forced.bytes.length, `${free.bytes.length} > ${forced.bytes.length}`);
});
