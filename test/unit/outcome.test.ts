import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideOutcome, outcomeText, SPARSE_TERMS_PER_EQUATION } from '../../src/core/codec/outcome';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile, describeModelFile } from '../../src/core/api';
import { listSections } from '../../src/core/codec/container';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { gaussian, mulberry32 } from '../support/systems';

test('outcome rules: no model window → none; more than the sparse limit per equation → dense; else sparse', () => {
  // Lorenz: 7 terms for 3 equations, used by its window
  assert.deepEqual(decideOutcome({ equations: 3, activeTerms: 7, windows: 1, modelWindows: 1 }), { kind: 'sparse', reason: '', activeTerms: 7 });
  // a random walk's 8 × 165 terms: used → dense, unused → none with both reasons
  const dense = decideOutcome({ equations: 8, activeTerms: 1320, windows: 4, modelWindows: 3 });
  assert.equal(dense.kind, 'dense');
  assert.match(outcomeText(dense, 3, 4), /^Dense model, 1320 terms, used as predictor in 3 of 4 windows$/);
  const none = decideOutcome({ equations: 8, activeTerms: 1320, windows: 1, modelWindows: 0 });
  assert.equal(none.kind, 'none');
  assert.match(none.reason, /not sparse .*no window uses the model/);
  assert.equal(outcomeText(decideOutcome({ equations: 3, activeTerms: 7, windows: 1, modelWindows: 0 })), 'No governing equations found: no window uses the model');
  assert.equal(decideOutcome({ equations: 3, activeTerms: 0, windows: 1, modelWindows: 1 }).kind, 'none');
  // the limit itself is sparse, one more is dense
  assert.equal(decideOutcome({ equations: 2, activeTerms: 2 * SPARSE_TERMS_PER_EQUATION, windows: 1, modelWindows: 1 }).kind, 'sparse');
  assert.equal(decideOutcome({ equations: 2, activeTerms: 2 * SPARSE_TERMS_PER_EQUATION + 1, windows: 1, modelWindows: 1 }).kind, 'dense');
  // forced: a model no window uses is still reported as the model
  assert.equal(decideOutcome({ equations: 3, activeTerms: 7, windows: 1, modelWindows: 0, forced: true }).kind, 'sparse');
});

// Through the real pipeline: a 3-variable random walk has no governing equations.

const dir = mkdtempSync(join(tmpdir(), 'wsindy-outcome-'));
const walk = join(dir, 'walk.csv');
{
  const g = gaussian(mulberry32(5));
  const w = [0, 0, 0];
  const lines = ['t,a,b,c'];
  for (let j = 0; j < 1500; j++) {
    for (let i = 0; i < 3; i++) w[i] += g();
    lines.push([j * 0.01, ...w.map((v) => v.toFixed(4))].join(','));
  }
  writeFileSync(walk, lines.join('\n') + '\n');
}

test('a random walk: no governing equations, no model stored, info lists none and says why', async () => {
  const out = join(dir, 'walk.wsindy');
  const s = await compressFile(walk, out, DEFAULT_COMPRESS_OPTIONS);
  assert.equal(s.outcome.kind, 'none');
  assert.deepEqual(s.equations, []);
  // the fit's budget gives up on it before the regression (sindy/identify.ts): the rules' "no terms"
  assert.equal(s.outcomeText, 'No governing equations found: the fit kept no terms');
  assert.ok(!listSections(readFileSync(out)).sections.some((x) => x.tag === 'MODL'), 'no model section');
  const d = await describeModelFile(out);
  assert.equal(d.outcome.kind, 'none');
  assert.equal(d.modelWindows, 0);
  assert.deepEqual(d.equations, []);
  assert.match(d.text, /No governing equations found/);
  assert.doesNotMatch(d.text, /a' =/);
  // the data still come back within the bound without a model
  assert.ok(s.maxError <= (s.bound ?? 0));
});

test('--force-model keeps the model; info --equations lists a dense model that info alone summarises', () => {
  const out = join(dir, 'walk-forced.wsindy');
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  // degree 3 fixed: the automatic degree gives a walk a small linear library, and a dense model needs many terms
  const c = cli('compress', walk, '-o', out, '--force-model', '--degree', '3', '--json');
  assert.equal(c.status, 0, c.stderr);
  const s = JSON.parse(c.stdout) as { outcome: { kind: string }; equations: string[] };
  assert.equal(s.outcome.kind, 'dense');
  assert.equal(s.equations.length, 3);
  assert.ok(listSections(readFileSync(out)).sections.some((x) => x.tag === 'MODL'));
  const plain = JSON.parse(cli('info', out, '--json').stdout) as { equations: unknown[]; outcome: { kind: string; reason: string }; outcomeText: string };
  assert.deepEqual(plain.equations, []);
  assert.equal(plain.outcome.kind, 'dense');
  assert.match(plain.outcome.reason, /^not sparse/);
  assert.match(plain.outcomeText, /^Dense model, \d+ terms/);
  const full = JSON.parse(cli('info', out, '--json', '--equations').stdout) as { equations: { lhs: string; terms: unknown[] }[] };
  assert.deepEqual(full.equations.map((e) => e.lhs), ['a', 'b', 'c']);
  assert.ok(full.equations.every((e) => e.terms.length > 0));
  assert.match(cli('info', out).stdout, /equations on request: wsindy info --equations/);
});
