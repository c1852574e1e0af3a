// `wsindy info --json --plots` and `--bundle`: what the notebook renderer draws and what a Python
// notebook displays (README "Models in notebooks"), made by the CLI on a real model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_MIME } from '../../src/protocol/webview';

const dir = mkdtempSync(join(tmpdir(), 'wsindy-info-plots-'));
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

interface Series { name: string; t: number[]; data: number[]; model: number[] }
interface Described {
  file: string;
  text: string;
  equations: { lhs: string }[];
  view: { summary: { fileName: string; n: number }; equations: { state: string; latex: string }[] };
  plots?: { m: number; variables: Series[]; coordinates: Series[]; error: { t: number[] }; xi: { terms: string[] } };
}

test('info --json has the view part; --plots adds downsampled series; --bundle is a mime bundle of both with the text', () => {
  const model = join(dir, 'lorenz.wsindy');
  assert.equal(cli('compress', 'samples/lorenz.csv', '-o', model, '--quiet').status, 0);

  const plain = JSON.parse(cli('info', model, '--json').stdout) as Described;
  assert.equal(plain.plots, undefined, 'plots only on request');
  assert.deepEqual(plain.view.equations.map((e) => e.state), ['x', 'y', 'z']);
  assert.match(plain.view.equations[0].latex, /\\dot\{x\} = -10(\.\d+)?\\,x \+ 10(\.\d+)?\\,y/);
  assert.equal(plain.view.summary.fileName, 'lorenz.wsindy');

  const withPlots = JSON.parse(cli('info', model, '--json', '--plots').stdout) as Described;
  const p = withPlots.plots;
  assert.ok(p, 'no plots');
  assert.deepEqual(p.variables.map((v) => v.name), ['x', 'y', 'z']);
  assert.equal(p.m, 5000);
  for (const v of p.variables) {
    assert.ok(v.t.length > 50 && v.t.length <= 400, `${v.name}: ${v.t.length} points (kept small for notebooks)`);
    assert.equal(v.data.length, v.t.length);
    // The model follows the data (Lorenz, bound 1e-3 of the range) at the kept points.
    const worst = Math.max(...v.data.map((d, i) => Math.abs(d - v.model[i])));
    assert.ok(worst < 5, `${v.name}: model off by ${worst}`);
  }
  assert.ok(p.xi.terms.includes('x') && p.xi.terms.includes('x y'), `xi terms ${p.xi.terms}`);

  const b = cli('info', model, '--bundle');
  assert.equal(b.status, 0, b.stderr);
  const bundle = JSON.parse(b.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(bundle).sort(), [MODEL_MIME, 'text/plain'].sort());
  const d = bundle[MODEL_MIME] as Described;
  assert.deepEqual(d.plots?.variables.map((v) => v.name), ['x', 'y', 'z']);
  assert.equal(bundle['text/plain'], d.text);
  assert.match(String(bundle['text/plain']), /x' = -10 x \+ 10 y/);
});

test('--plots without --json, --bundle with --json: one-line errors', () => {
  const model = join(dir, 'lorenz.wsindy');
  const a = cli('info', model, '--plots');
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, /--plots adds the plot series to the JSON: use it with --json/);
  const c = cli('info', model, '--bundle', '--json');
  assert.notEqual(c.status, 0);
  assert.match(c.stderr, /--bundle prints its own JSON/);
});
