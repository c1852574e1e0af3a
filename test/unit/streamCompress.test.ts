// The streaming compressor (issue 7): POD, fit and coder over time blocks, segments in a v3 file. Known
// answers: Lorenz's true coefficients, a low-rank field's true rank, every value within the bound; the
// segment decoder gives what the in-memory decoder gives; a corrupted segment is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWsindy, decodeWsindySegments, readWsindyHeader } from '../../src/core/codec/decode';
import { readBasis } from '../../src/core/codec/basis';
import { readContainer, sectionReader, writeContainerV4 } from '../../src/core/codec/container';
import { displayAtMost } from '../../src/core/codec/numbers';
import { FormatError } from '../../src/core/errors';
import { modelFromHeader } from '../../src/core/codec/header';
import { buildModelViewData, buildViewDataFrom } from '../../src/core/view/viewData';
import type { Dataset } from '../../src/core/dataset';
import { DEFAULT_COMPRESS_OPTIONS, type CompressOptions } from '../../src/core/options';
import { memoryBlockSource } from '../../src/core/stream/blocks';
import { compressBlocks } from '../../src/core/stream/streamCompress';
import { assertTrueModel } from '../support/assertModel';
import { lorenz, lowRankField, sampleSystem, uniformTime } from '../support/systems';

const SOURCE = { fileName: 'test.csv', bytes: 1, crc32: 0 };
const FORMAT: Dataset['source'] = { layout: 'columns', delimiter: ',', header: null, timeColumn: null, lineEnding: '\n' };

function dataset(series: Float64Array[], time: Float64Array): Dataset {
  return { names: series.map((_, i) => `x${i}`), series, time, source: FORMAT };
}

function maxAbsError(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let e = 0;
  a.forEach((row, i) => row.forEach((v, j) => (e = Math.max(e, Math.abs(v - b[i][j])))));
  return e;
}

const LORENZ = (() => {
  const sys = lorenz();
  const time = uniformTime(20_000, sys.dt);
  const ds = dataset(sampleSystem(sys, time), time);
  ds.names = sys.stateNames.slice();
  return { sys, ds };
})();

test('Lorenz in 5 segments: the true equations, every value within the bound, a v3 file with segments', async () => {
  const { sys, ds } = LORENZ;
  const opts: CompressOptions = { ...DEFAULT_COMPRESS_OPTIONS, tolerance: 1e-3 };
  const res = await compressBlocks(memoryBlockSource(ds, 4096), opts, SOURCE);
  const worst = assertTrueModel(res, sys, 1e-4);
  assert.ok(worst < 1e-4, `worst coefficient error ${worst}`);
  const bytes = res.encoded.bytes;
  assert.equal(bytes[8] | (bytes[9] << 8), 4, 'files are format v4');
  assert.equal(readWsindyHeader(bytes).segmentLength, 4096);
  const header = readWsindyHeader(bytes);
  assert.equal(header.segmentLength, 4096);
  assert.equal(header.m, 20_000);
  const { dataset: back } = decodeWsindy(bytes);
  const err = maxAbsError(back.series, ds.series);
  assert.ok(res.encoded.bound !== null && err <= res.encoded.bound, `max error ${err} > bound ${res.encoded.bound}`);
  // the stored error is that of the printed values (rounded to the output step): at least the decoded one
  assert.ok(err <= res.encoded.maxError && res.encoded.maxError <= res.encoded.bound, `decoded ${err}, stored ${res.encoded.maxError}`);
  assert.ok(bytes.length < (3 * 20_000 * 8) / 100, `ratio vs float64 only ${(3 * 20_000 * 8) / bytes.length}`);
});

test('a 120-variable field of rank 4 by streaming POD: true rank, within the bound, segments = in-memory decode', async () => {
  const field = lowRankField(120, 3000, 0.01);
  const ds = dataset(field.series, field.time);
  const opts: CompressOptions = { ...DEFAULT_COMPRESS_OPTIONS, tolerance: 1e-4 };
  const res = await compressBlocks(memoryBlockSource(ds, 700), opts, SOURCE);
  assert.equal(res.system.pod?.rank, field.rank);
  const bytes = res.encoded.bytes;
  const whole = decodeWsindy(bytes).dataset.series;
  assert.ok(maxAbsError(whole, ds.series) <= (res.encoded.bound ?? 0));
  let visited = 0;
  const header = await decodeWsindySegments(bytes, (j0, rows) => {
    assert.equal(j0, visited);
    rows.forEach((row, i) => assert.deepEqual(row, whole[i].subarray(j0, j0 + row.length)));
    visited += rows[0].length;
  });
  assert.equal(visited, 3000);
  assert.equal(header.n, 120);
});

test('model-only streaming: no residual, error measured and stored', async () => {
  const { ds } = LORENZ;
  const short = dataset(ds.series.map((s) => s.slice(0, 6000)), ds.time.slice(0, 6000));
  const res = await compressBlocks(memoryBlockSource(short, 2048), { ...DEFAULT_COMPRESS_OPTIONS, mode: 'model-only' }, SOURCE);
  const { dataset: back, header } = decodeWsindy(res.encoded.bytes);
  assert.equal(header.mode, 'model-only');
  assert.equal(header.segmentLength, 2048);
  assert.equal(displayAtMost(maxAbsError(back.series, short.series)), header.errors.max); // three digits, never above (display only)
});

test('one block: a file without segments like the in-memory coder writes', async () => {
  const { ds } = LORENZ;
  const short = dataset(ds.series.map((s) => s.slice(0, 3000)), ds.time.slice(0, 3000));
  const res = await compressBlocks(memoryBlockSource(short, 4096), DEFAULT_COMPRESS_OPTIONS, SOURCE);
  const bytes = res.encoded.bytes;
  assert.equal(bytes[8] | (bytes[9] << 8), 4);
  assert.equal(readWsindyHeader(bytes).segmentLength, undefined);
  assert.equal(readWsindyHeader(bytes).segmentLength, undefined);
  assert.ok(maxAbsError(decodeWsindy(bytes).dataset.series, short.series) <= (res.encoded.bound ?? 0));
});

test('a damaged segment is named; a missing one is counted', async () => {
  const { ds } = LORENZ;
  const short = dataset(ds.series.map((s) => s.slice(0, 5000)), ds.time.slice(0, 5000));
  const bytes = (await compressBlocks(memoryBlockSource(short, 1024), DEFAULT_COMPRESS_OPTIONS, SOURCE)).encoded.bytes;
  // the last section is the fifth segment: flip a byte inside its payload
  const damaged = bytes.slice();
  damaged[bytes.length - 20] ^= 0x01;
  assert.throws(() => decodeWsindy(damaged), (e: unknown) => e instanceof FormatError && /checksum mismatch: the file is damaged/.test(e.message));
  // the file rewritten without its last segment (a valid file CRC): the header says five, the reader names the segment
  const { sections, segments } = readContainer(bytes);
  const rest = [...sections.values(), ...segments.slice(0, -1)].filter((x) => x.tag !== 'HEAD').sort((a, b) => a.offset - b.offset);
  const dropped = writeContainerV4(sections.get('HEAD')?.payload ?? new Uint8Array(0), rest);
  assert.throws(() => decodeWsindy(dropped), (e: unknown) => e instanceof FormatError && /section 'segment'/.test(e.message));
});

test('model view data of a segmented file (decoded segment by segment) equals the whole-file decode', async () => {
  const field = lowRankField(120, 3000, 0.01);
  const ds = dataset(field.series, field.time);
  const bytes = (await compressBlocks(memoryBlockSource(ds, 700), { ...DEFAULT_COMPRESS_OPTIONS, tolerance: 1e-4 }, SOURCE)).encoded.bytes;
  const h = readWsindyHeader(bytes);
  const d = decodeWsindy(bytes);
  const basisSection = readContainer(bytes).sections.get('BASI');
  assert.ok(basisSection && h.pod);
  const basis = readBasis(sectionReader(basisSection), h.n, h.stateNames.length);
  const whole = buildViewDataFrom(
    {
      names: h.names,
      time: d.dataset.time,
      data: d.dataset.series,
      prediction: d.prediction,
      states: d.states,
      pod: { rank: h.pod.rank, energy: h.pod.energy, singularValues: h.pod.singularValues, mean: basis.mean, modes: basis.modes },
      model: modelFromHeader(h),
      windowStarts: d.windowStarts,
      bound: h.bound,
    },
    500,
  );
  const segmented = buildModelViewData(bytes, 500);
  assert.deepEqual(segmented, whole);
  assert.equal(segmented.variableCount, 120);
  // every segment starts a window: its start time is on the plot's global time axis
  for (let k = 1; k < 5; k++) assert.ok(segmented.windowStarts.includes(field.time[700 * k]), `segment ${k + 1} starts a window`);
});
