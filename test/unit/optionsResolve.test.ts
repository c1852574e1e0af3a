import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCompressOptions } from '../../src/core/optionsResolve';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { OptionError } from '../../src/core/errors';

test('empty input gives the defaults', () => {
  assert.deepEqual(resolveCompressOptions({}), DEFAULT_COMPRESS_OPTIONS);
});

test('CLI strings are parsed into typed values', () => {
  const o = resolveCompressOptions({ degree: '2', threshold: '0.05', rank: '4', tolerance: '1e-4', trig: 'true', layout: 'columns', mode: 'model-only' });
  assert.equal(o.degree, 2);
  assert.equal(o.threshold, 0.05);
  assert.equal(o.rank, 4);
  assert.equal(o.tolerance, 1e-4);
  assert.equal(o.trig, true);
  assert.equal(o.layout, 'columns');
  assert.equal(o.mode, 'model-only');
  const st = resolveCompressOptions({ streaming: 'on', streamingAboveMB: '256' });
  assert.equal(st.streaming, 'on');
  assert.equal(st.streamingAboveMB, 256);
});

test('"auto" is accepted for threshold and rank', () => {
  const o = resolveCompressOptions({ threshold: 'auto', rank: 'auto' });
  assert.equal(o.threshold, 'auto');
  assert.equal(o.rank, 'auto');
});

test('invalid values are rejected with a message naming the option', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ degree: 0 }, /degree must be an integer from 1 to 5/],
    [{ degree: 2.5 }, /degree/],
    [{ tolerance: -1 }, /tolerance must be a number > 0/],
    [{ tolerance: 'abc' }, /tolerance must be a number/],
    [{ mode: 'lossless' }, /mode must be one of error-bounded, model-only/],
    [{ layout: 'diagonal' }, /layout must be one of auto, rows, columns/],
    [{ rank: 0 }, /rank must be an integer/],
    [{ energy: 1.5 }, /energy must be in \(0, 1\]/],
    [{ threshold: -0.1 }, /threshold must be "auto" or a number/],
    [{ dt: 0 }, /dt must be a number > 0/],
    [{ trig: 'maybe' }, /trig must be true or false/],
    [{ streaming: 'yes' }, /streaming must be one of auto, on, off/],
    [{ streamingAboveMB: 0 }, /streamingAboveMB must be a number > 0/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(() => resolveCompressOptions(raw), (e: unknown) => e instanceof OptionError && re.test(e.message), JSON.stringify(raw));
  }
});
