// Large CLI output through a pipe arrives whole: `wsindy info --json --equations` of a dense 20-variable
// model (> 1 MB of JSON) piped into a reader that starts late and reads slowly, parsed at the other end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWsindy } from '../../src/core/codec/encode';
import { canonicalTerms, termNameV3 } from '../../src/core/codec/headerV3';
import type { IdentifiedSystem } from '../../src/core/model';
import { uniformTime } from '../support/systems';

const dir = mkdtempSync(join(tmpdir(), 'wsindy-pipe-'));

/** A forced dense model: every cubic term of 20 variables, tiny coefficients (a stable predictor). */
function denseFile(): { path: string; terms: number } {
  const n = 20;
  const m = 24;
  const time = uniformTime(m, 0.01);
  const series = Array.from({ length: n }, (_, i) => Float64Array.from(time, (t) => Math.cos(t + i) + 2));
  const names = series.map((_, i) => `x${i + 1}`);
  const library = { degree: 3, constant: true, trigFrequencies: [] };
  const terms = canonicalTerms(library, n);
  const coefficients = Float64Array.from({ length: terms.length * n }, (_, k) => 1e-9 * (1 + (k % 7)));
  const system: IdentifiedSystem = {
    model: { stateNames: names, library, terms, termNames: terms.map((t) => termNameV3(t, names)), coefficients },
    pod: null,
    diagnostics: { weakResidual: 1, r2: names.map(() => 0), activeTerms: coefficients.length, threshold: 0, testFunctions: { count: 1, halfWidth: 2, exponent: 2 } },
  };
  const dataset = { names, series, time, source: { layout: 'columns' as const, delimiter: ',' as const, header: ['t', ...names], timeColumn: 0, lineEnding: '\n' as const } };
  const res = encodeWsindy({ dataset, system, mode: 'model-only', tolerance: 1e-3, source: { fileName: 'dense.csv', bytes: 1, crc32: 0 }, settings: {}, forceModel: true });
  const path = join(dir, 'dense.wsindy');
  writeFileSync(path, res.bytes);
  return { path, terms: coefficients.length };
}

// starts reading after 400 ms, then takes 4 KiB every 2 ms: the writer meets a full pipe many times over
const SLOW_READER = `
let parts = [];
setTimeout(() => {
  process.stdin.on('readable', function pump() {
    const c = process.stdin.read(4096);
    if (c === null) return;
    parts.push(c);
    process.stdin.removeListener('readable', pump);
    setTimeout(() => { process.stdin.on('readable', pump); pump(); }, 2);
  });
  process.stdin.on('end', () => {
    const text = Buffer.concat(parts).toString('utf8');
    const doc = JSON.parse(text);
    process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(text), terms: doc.equations.reduce((a, e) => a + e.terms.length, 0), kind: doc.outcome.kind }));
  });
}, 400);
`;

test('info --json --equations of a dense model (> 1 MB) reaches a slow reader through a pipe whole', () => {
  const { path, terms } = denseFile();
  const cmd = `"${process.execPath}" --import tsx src/cli/main.ts info "${path}" --json --equations | "${process.execPath}" -e '${SLOW_READER.replace(/'/g, "'\\''")}'; exit \${PIPESTATUS[0]}`;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { bytes: number; terms: number; kind: string };
  assert.ok(got.bytes > 1 << 20, `only ${got.bytes} bytes of JSON`);
  assert.equal(got.terms, terms);
  assert.equal(got.kind, 'dense');
});
