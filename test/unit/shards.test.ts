// Compression of sharded data (issue 18) with the in-process engine (the same kernel files every engine
// runs): the shards of a record give the same equations as `compress --streaming` on the concatenated
// file, every value within the bound, the shard checks refuse bad sets with the shard and line and write
// nothing, and `reconstruct --shards` gives each shard back with its name and header.
import { listSections } from '../../src/core/codec/container';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { compressFile } from '../../src/core/api';
import { readWsindyHeader } from '../../src/core/codec/decode';
import { readCsvFile } from '../../src/core/csv/read';
import { writeCsvFile } from '../../src/core/csv/write';
import { InputError } from '../../src/core/errors';
import { DEFAULT_COMPRESS_OPTIONS, type CompressOptions } from '../../src/core/options';
import { compressShards } from '../../src/core/shards/compressShards';
import { inProcessEngine } from '../../src/core/shards/engine';
import { readPartial, writePartial } from '../../src/core/shards/partials';
import { reconstructShards } from '../../src/core/shards/reconstructShards';
import { compareShardNames, listShards } from '../../src/core/shards/shardFiles';
import { lowRankField } from '../support/systems';

const dir = mkdtempSync(join(tmpdir(), 'wsindy-shards-test-'));

/** Split a CSV with a header line into `k` shards of consecutive data lines (sizes may differ by one line). */
function splitCsv(csv: string, k: number, into: string, name = (i: number) => `part-${i + 1}.csv`): string[] {
  const lines = readFileSync(csv, 'utf8').split('\n').filter((l) => l.length > 0);
  const [header, ...data] = lines;
  mkdirSync(into, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < k; i++) {
    const a = Math.floor((i * data.length) / k);
    const b = Math.floor(((i + 1) * data.length) / k);
    const p = join(into, name(i));
    writeFileSync(p, [header, ...data.slice(a, b)].join('\n') + '\n');
    out.push(p);
  }
  return out;
}

function maxAbsDiff(a: Float64Array[], b: Float64Array[]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

const CASES: { name: string; make: () => Promise<string>; segment: number; opts: Partial<CompressOptions> }[] = [
  { name: 'Lorenz (3 variables, no POD), segments straddling shards', make: async () => 'samples/lorenz.csv', segment: 700, opts: {} },
  {
    name: '20-sensor low-rank field (POD rank 4)',
    make: async () => {
      const f = lowRankField(20, 4000, 0.01);
      const p = join(dir, 'field.csv');
      await writeCsvFile(p, {
        names: f.series.map((_, i) => `s${i}`),
        series: f.series,
        time: f.time,
        source: { layout: 'columns', delimiter: ',', header: ['t', ...f.series.map((_, i) => `s${i}`)], timeColumn: 0, lineEnding: '\n' },
      });
      return p;
    },
    segment: 512,
    opts: { tolerance: 1e-4 },
  },
];

for (const c of CASES) {
  test(`8 shards = the concatenated file streamed, ${c.name}: same equations, every value within the bound`, async () => {
    const csv = await c.make();
    const sub = join(dir, c.segment.toString());
    const files = splitCsv(csv, 8, join(sub, 'shards'));
    const options: CompressOptions = { ...DEFAULT_COMPRESS_OPTIONS, ...c.opts, streaming: 'on' };
    const streamed = join(sub, 'streamed.wsindy');
    const sharded = join(sub, 'sharded.wsindy');
    const ref = await compressFile(csv, streamed, options, undefined, undefined, { blockLength: c.segment });
    const s = await compressShards(files, sharded, options, inProcessEngine(), 'shards', undefined, { segmentLength: c.segment });
    assert.equal(s.shards, 8);
    // these records are shorter than the prefix the test functions come from: every shard projects its states
    assert.deepEqual(s.tasks, { scan: 8, prefix: 8, fit: 8, encode: s.tasks.encode });
    assert.ok(s.tasks.encode >= 2);
    assert.equal(s.m, ref.m);
    assert.equal(s.rank, ref.rank);
    assert.deepEqual(s.equations, ref.equations);
    const h1 = readWsindyHeader(readFileSync(streamed));
    const h2 = readWsindyHeader(readFileSync(sharded));
    assert.deepEqual(h2.termNames, h1.termNames);
    assert.equal(h2.segmentLength, c.segment);
    // the source: the shards' bytes, concatenated in order (FORMAT.md §9)
    const all = Buffer.concat(files.map((f) => readFileSync(f)));
    assert.deepEqual([h2.source.bytes, h2.source.crc32], [all.length, crc32(all) >>> 0]);
    h1.coefficients.forEach((v, k) => assert.ok(Math.abs(v - h2.coefficients[k]) <= 1e-6 * Math.max(1, Math.abs(v)), `coefficient ${k}: ${v} vs ${h2.coefficients[k]}`));
    // the same coded data: sizes besides the header within 5 % (the header's shard list is the difference)
    const coded = (f: string): number => listSections(readFileSync(f)).sections.filter((x) => x.tag !== 'HEAD').reduce((a, x) => a + x.payload, 0);
    assert.ok(Math.abs(coded(sharded) - coded(streamed)) <= 0.05 * coded(streamed), `${coded(sharded)} vs ${coded(streamed)} bytes besides the header`);
    // every value of every shard within the bound, shard names and headers as written
    const back = join(sub, 'back');
    const r = await reconstructShards(readFileSync(sharded), sharded, back, false);
    assert.deepEqual(readdirSync(back).sort(compareShardNames), files.map((f) => f.split('/').pop()));
    assert.equal(r.files.length, 8);
    for (const f of files) {
      const name = f.split('/').pop() as string;
      const src = await readCsvFile(f);
      const out = await readCsvFile(join(back, name));
      assert.deepEqual(out.names, src.names);
      assert.deepEqual(out.time, src.time);
      assert.equal(readFileSync(join(back, name), 'utf8').split('\n', 1)[0], readFileSync(f, 'utf8').split('\n', 1)[0]);
      const worst = maxAbsDiff(src.series, out.series);
      assert.ok(s.bound !== null && worst <= s.bound, `${name}: max error ${worst} > bound ${s.bound}`);
    }
  });
}

test('rows layout (one line per variable): shards split along time, time from --dt, reconstructed per shard', async () => {
  const d = join(dir, 'rows');
  mkdirSync(join(d, 'shards'), { recursive: true });
  const lines = readFileSync('samples/wave_rows.csv', 'utf8').split('\n').filter(Boolean).map((l) => l.split(','));
  const cuts = [0, 250, 500, 800, lines[0].length];
  const files = cuts.slice(1).map((b, k) => {
    const p = join(d, 'shards', `rows-${k + 1}.csv`);
    writeFileSync(p, lines.map((cells) => cells.slice(cuts[k], b).join(',')).join('\n') + '\n');
    return p;
  });
  const options: CompressOptions = { ...DEFAULT_COMPRESS_OPTIONS, dt: 0.01, streaming: 'on' };
  const ref = await compressFile('samples/wave_rows.csv', join(d, 'streamed.wsindy'), options, undefined, undefined, { blockLength: 300 });
  const out = join(d, 'sharded.wsindy');
  const s = await compressShards(files, out, options, inProcessEngine(), 'shards', undefined, { segmentLength: 300 });
  assert.deepEqual(s.equations, ref.equations);
  const back = join(d, 'back');
  await reconstructShards(readFileSync(out), out, back, false);
  for (const f of files) {
    const src = await readCsvFile(f, { dt: 0.01 });
    const got = await readCsvFile(join(back, f.split('/').pop() as string), { dt: 0.01 });
    assert.equal(got.source.layout, 'rows');
    assert.equal(got.series[0].length, src.series[0].length);
    const worst = maxAbsDiff(src.series, got.series);
    assert.ok(s.bound !== null && worst <= s.bound, `${f}: max error ${worst} > bound ${s.bound}`);
  }
});

test('shard checks: overlap, gap and a different header name the shard and line; nothing is written', async () => {
  const base = join(dir, 'bad');
  const good = splitCsv('samples/lorenz.csv', 4, join(base, 'good'));
  const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);
  const out = join(base, 'out.wsindy');
  const run = (files: string[]) => compressShards(files, out, { ...DEFAULT_COMPRESS_OPTIONS }, inProcessEngine(), 'bad');
  // overlap: the third shard starts with the second's last line
  const ov = join(base, 'overlap.csv');
  writeFileSync(ov, [lines(good[2])[0], lines(good[1]).pop(), ...lines(good[2]).slice(1)].join('\n') + '\n');
  await assert.rejects(run([good[0], good[1], ov, good[3]]), (e: unknown) => e instanceof InputError && /overlap\.csv:2: .*overlap/.test(e.message));
  // gap: the third shard without its first 10 lines
  const gap = join(base, 'gap.csv');
  writeFileSync(gap, [lines(good[2])[0], ...lines(good[2]).slice(11)].join('\n') + '\n');
  await assert.rejects(run([good[0], good[1], gap, good[3]]), (e: unknown) => e instanceof InputError && /gap\.csv:2: .*gap after part-2\.csv/.test(e.message));
  // header: a renamed column
  const hd = join(base, 'header.csv');
  writeFileSync(hd, [lines(good[1])[0].replace('x', 'u'), ...lines(good[1]).slice(1)].join('\n') + '\n');
  await assert.rejects(run([good[0], hd, good[2], good[3]]), (e: unknown) => e instanceof InputError && /header\.csv:1: header .* differs/.test(e.message));
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(base).filter((f) => f.endsWith('.wsindy') || f.startsWith('.out')), []);
});

test('shards are ordered by name with numbers as numbers; folders and globs', async () => {
  const d = join(dir, 'names');
  mkdirSync(d, { recursive: true });
  for (const n of ['day-10.csv', 'day-2.csv', 'day-1.csv', 'notes.txt']) writeFileSync(join(d, n), 't,x\n');
  assert.deepEqual((await listShards(d)).map((p) => p.split('/').pop()), ['day-1.csv', 'day-2.csv', 'day-10.csv']);
  assert.deepEqual((await listShards(join(d, 'day-1*.csv'))).map((p) => p.split('/').pop()), ['day-1.csv', 'day-10.csv']);
  await assert.rejects(listShards(join(d, 'none-*.csv')), /no shard files/);
});

test('partials: typed arrays and non-finite numbers exactly; another kind or version is refused', () => {
  const body = { a: Float64Array.of(1 / 3, -0, 1e-310, Number.MAX_VALUE), u: Uint8Array.of(0, 255, 7), x: Number.NaN, y: -Infinity, s: 'ok' };
  const text = writePartial('fit', body);
  const back = readPartial<typeof body>(text, 'fit', 'p.json');
  assert.deepEqual(Array.from(back.a), Array.from(body.a));
  assert.ok(Object.is(back.a[1], -0));
  assert.deepEqual(Array.from(back.u), [0, 255, 7]);
  assert.ok(Number.isNaN(back.x));
  assert.equal(back.y, -Infinity);
  assert.throws(() => readPartial(text, 'scan', 'p.json'), /expected a 'scan' partial/);
  assert.throws(() => readPartial(text.replace('"version":2', '"version":9'), 'fit', 'p.json'), /version 9/);
});

test('--local 2 through the CLI: kernel processes, the same file as in process, a --json summary', async () => {
  const d = join(dir, 'local');
  const files = splitCsv('samples/lorenz.csv', 3, join(d, 'shards'));
  const inproc = join(d, 'a.wsindy');
  await compressShards(files, inproc, { ...DEFAULT_COMPRESS_OPTIONS }, inProcessEngine(), 'shards');
  const out = join(d, 'b.wsindy');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compress-shards', join(d, 'shards'), '-o', out, '--local', '2', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { engine: string; workers: { worker: string; tasks: number }[]; tasks: Record<string, number> };
  assert.equal(s.engine, 'local');
  assert.deepEqual(s.workers.map((w) => w.worker).sort(), ['local-1', 'local-2']);
  assert.equal(s.workers.reduce((a, w) => a + w.tasks, 0), Object.values(s.tasks).reduce((a, b) => a + b, 0));
  // the same bytes (the engine does not change the result)
  assert.deepEqual(readFileSync(out), readFileSync(inproc));
  // a failing kernel: the error of the shard, nothing written
  writeFileSync(join(d, 'shards', 'part-2.csv'), 'x,y,z\n1,2\n');
  const bad = join(d, 'c.wsindy');
  const f = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compress-shards', join(d, 'shards'), '-o', bad, '--local', '2'], { encoding: 'utf8' });
  assert.equal(f.status, 1);
  assert.match(f.stderr, /part-2\.csv/);
  assert.equal(existsSync(bad), false);
});
