// The streaming pipeline end to end through the files (issue 7): CSV → staged blocks → segmented .wsindy
// → segment-wise reconstruction, in both layouts. The written CSV is read back and compared with the
// source value by value against the bound; nothing is left in the temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressFile, reconstructFile } from '../../src/core/api';
import { readWsindyHeader } from '../../src/core/codec/decode';
import { readCsvFile } from '../../src/core/csv/read';
import { CancelledError } from '../../src/core/errors';
import { DEFAULT_COMPRESS_OPTIONS, useStreaming, type CompressOptions } from '../../src/core/options';

const dir = mkdtempSync(join(tmpdir(), 'wsindy-stream-api-'));

/** Temporary files of this process left in the system temp dir by staging or reconstruction. */
function leftovers(): string[] {
  return readdirSync(tmpdir()).filter((f) => f.startsWith(`wsindy-stage-${process.pid}-`) || f.startsWith(`wsindy-rows-${process.pid}-`));
}

const CASES: { name: string; csv: string; opts: Partial<CompressOptions>; block: number }[] = [
  { name: 'columns layout with a time column (Lorenz, 5000 steps)', csv: 'samples/lorenz.csv', opts: {}, block: 700 },
  { name: 'rows layout (32-sensor wave)', csv: 'samples/wave_rows.csv', opts: { dt: 0.01 }, block: 512 },
];

for (const c of CASES) {
  test(`streaming round trip, ${c.name}: segments, every value within the bound, same layout`, async () => {
    const model = join(dir, `${c.block}.wsindy`);
    const back = join(dir, `${c.block}.csv`);
    const opts: CompressOptions = { ...DEFAULT_COMPRESS_OPTIONS, ...c.opts, streaming: 'on' };
    const s = await compressFile(c.csv, model, opts, undefined, undefined, { blockLength: c.block });
    assert.equal(s.streaming, true);
    assert.equal(s.segmentLength, c.block);
    const header = readWsindyHeader(readFileSync(model));
    assert.equal(header.segmentLength, c.block);
    assert.equal(header.formatVersion, 4);
    const r = await reconstructFile(model, back);
    assert.equal(r.m, s.m);
    const src = await readCsvFile(c.csv, { dt: c.opts.dt });
    const out = await readCsvFile(back, { dt: c.opts.dt });
    assert.deepEqual(out.names, src.names);
    assert.deepEqual(out.source, src.source);
    assert.deepEqual(out.time, src.time);
    let worst = 0;
    src.series.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - out.series[i][j])))));
    assert.ok(s.bound !== null && worst <= s.bound, `max error ${worst} > bound ${s.bound}`);
    // the first line is the source's (header, or the first variable's first values)
    const firstLine = (p: string) => readFileSync(p, 'utf8').split('\n', 1)[0];
    if (src.source.header) assert.equal(firstLine(back), firstLine(c.csv));
    assert.deepEqual(leftovers(), []);
  });
}

test('streaming "auto" switches on above streamingAboveMB', () => {
  const o = { ...DEFAULT_COMPRESS_OPTIONS, streamingAboveMB: 1 };
  assert.equal(useStreaming(o, 1024 * 1024), false);
  assert.equal(useStreaming(o, 1024 * 1024 + 1), true);
  assert.equal(useStreaming({ ...o, streaming: 'off' }, 1e12), false);
  assert.equal(useStreaming({ ...o, streaming: 'on' }, 10), true);
});

test('a cancelled streaming job writes nothing and leaves no temporary file', async () => {
  const sub = mkdtempSync(join(dir, 'cancel-'));
  const ac = new AbortController();
  const opts: CompressOptions = { ...DEFAULT_COMPRESS_OPTIONS, streaming: 'on' };
  // cancel once the fit starts: staging is done, the temporary file exists
  const job = compressFile('samples/lorenz.csv', join(sub, 'x.wsindy'), opts, (e) => e.phase === 'identify' && ac.abort(), ac.signal, { blockLength: 256 });
  await assert.rejects(job, CancelledError);
  assert.deepEqual(readdirSync(sub), []);
  assert.deepEqual(leftovers(), []);
});
