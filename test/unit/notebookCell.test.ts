// A Weak-SINDy notebook cell is a CLI command line (src/extension/notebook/cellCommand.ts): words,
// paths relative to the notebook's folder, the CLI's flags and option resolver, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cellWords, parseCell, splitWords } from '../../src/extension/notebook/cellCommand';
import { OptionError } from '../../src/core/errors';

const NB = '/data/notebooks';

test('words: quotes, escapes, comments, continuation lines, an optional wsindy / !wsindy first', () => {
  assert.deepEqual(splitWords(`compress "my data.csv" -o 'out dir/m.wsindy' a\\ b`), ['compress', 'my data.csv', '-o', 'out dir/m.wsindy', 'a b']);
  assert.deepEqual(splitWords(`x "" y`), ['x', '', 'y']);
  assert.deepEqual(cellWords('# a comment\n\n!wsindy compress a.csv \\\n  --tolerance 1e-4\n'), ['compress', 'a.csv', '--tolerance', '1e-4']);
  assert.deepEqual(cellWords('wsindy info m.wsindy'), ['info', 'm.wsindy']);
  assert.throws(() => splitWords('compress "a.csv'), (e: unknown) => e instanceof OptionError && /unclosed " quote/.test(e.message));
  assert.throws(() => cellWords('info a.wsindy\ninfo b.wsindy'), /one command per cell/);
});

test('compress: paths relative to the notebook, the model next to the CSV by default, the CLI flags resolved', () => {
  const c = parseCell('compress data/lorenz.csv --tolerance 1e-4 --degree 2 --force', NB);
  assert.equal(c.kind, 'compress');
  if (c.kind !== 'compress') return;
  assert.equal(c.csvPath, join(NB, 'data/lorenz.csv'));
  assert.equal(c.outPath, join(NB, 'data/lorenz.wsindy'));
  assert.equal(c.force, true);
  assert.equal(c.options.tolerance, 1e-4);
  assert.equal(c.options.degree, 2);
  const o = parseCell('compress /abs/x.csv -o ../models/x.wsindy --model-only', NB);
  assert.ok(o.kind === 'compress' && o.csvPath === '/abs/x.csv' && o.outPath === '/data/models/x.wsindy' && o.options.mode === 'model-only');
});

test('reconstruct and info', () => {
  assert.deepEqual(parseCell('reconstruct m.wsindy', NB), { kind: 'reconstruct', modelPath: join(NB, 'm.wsindy'), outPath: join(NB, 'm.reconstructed.csv'), force: false });
  assert.deepEqual(parseCell('reconstruct m.wsindy -o r.csv -f', NB), { kind: 'reconstruct', modelPath: join(NB, 'm.wsindy'), outPath: join(NB, 'r.csv'), force: true });
  assert.deepEqual(parseCell('info sub/m.wsindy', NB), { kind: 'info', modelPath: join(NB, 'sub/m.wsindy'), equations: false });
  assert.deepEqual(parseCell('info m.wsindy --equations', NB), { kind: 'info', modelPath: join(NB, 'm.wsindy'), equations: true });
  assert.throws(() => parseCell('compress a.csv --equations', NB), /--equations does not apply to compress/);
});

test('bad cells: one-line OptionErrors naming what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /empty cell/],
    ['decompress a.csv', /unknown command 'decompress' \(compress, reconstruct or info\)/],
    ['compress', /compress needs a file/],
    ['compress a.csv b.csv', /expected one input file after 'compress', got also 'b\.csv'/],
    ['compress a.csv --tolerance nope', /tolerance/],
    ['compress a.csv --model-only --tolerance 1e-3', /--model-only stores no residual/],
    ['compress a.csv --streaming --no-streaming', /contradict/],
    ['reconstruct m.wsindy --degree 2', /--degree does not apply to reconstruct/],
    ['info m.wsindy -o x', /--output does not apply to info/],
    ['compress a.csv --bogus', /bogus/],
  ];
  for (const [cell, re] of cases) {
    assert.throws(() => parseCell(cell, NB), (e: unknown) => {
      assert.ok(e instanceof OptionError, `${cell}: ${String(e)}`);
      assert.match(e.message, re, cell);
      assert.ok(!e.message.includes('\n'), `${cell}: not one line: ${e.message}`);
      return true;
    });
  }
});
