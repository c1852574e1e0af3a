import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile, describeModelFile } from '../../src/core/api';
import { DEFAULT_COMPRESS_OPTIONS } from '../../src/core/options';
import { CancelledError } from '../../src/core/errors';

const dir = mkdtempSync(join(tmpdir(), 'wsindy-api-'));

test('the source size stored in the file is the CSV\'s (computed in the read pass); v4 keeps no source CRC without segments', async () => {
  const out = join(dir, 'wave.wsindy');
  const s = await compressFile('samples/wave_rows.csv', out, { ...DEFAULT_COMPRESS_OPTIONS, dt: 0.01 });
  const d = await describeModelFile(out);
  const csv = readFileSync('samples/wave_rows.csv');
  assert.equal(d.source.bytes, csv.length);
  assert.equal(s.sourceBytes, csv.length);
  const { readWsindyHeader } = await import('../../src/core/codec/decode');
  const h = readWsindyHeader(readFileSync(out));
  assert.equal(h.formatVersion, 4);
  assert.equal(h.source.crc32, undefined);
  // POD is used for 32 sensors of a two-harmonic travelling wave: rank 4.
  assert.equal(d.pod, true);
  assert.equal(d.rank, 4);
});

test('an aborted job throws CancelledError and writes nothing', async () => {
  const sub = mkdtempSync(join(dir, 'cancel-'));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(compressFile('samples/lorenz.csv', join(sub, 'x.wsindy'), DEFAULT_COMPRESS_OPTIONS, undefined, ac.signal), CancelledError);
  assert.deepEqual(readdirSync(sub), []);
});

test('info reports the outcome: Lorenz is sparse equations used by the model windows', async () => {
  const out = join(dir, 'lorenz-outcome.wsindy');
  await compressFile('samples/lorenz.csv', out, DEFAULT_COMPRESS_OPTIONS);
  const d = await describeModelFile(out);
  assert.equal(d.outcome.kind, 'sparse');
  assert.equal(d.outcome.activeTerms, d.fit.activeTerms);
  assert.ok(d.modelWindows > 0);
  assert.match(d.outcomeText, /^Sparse equations, \d+ terms$/);
});
