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

test('a headerless field with more grid points than steps: auto tries it one line per variable too, keeps the smaller, writes the same shape back', async () => {
  const { writeFileSync } = await import('node:fs');
  const { reconstructFile } = await import('../../src/core/api');
  // 24 × 24 grid points (one per line, row ix·24 + iy) × 96 steps of a drifting blob: detected as 576 steps
  // of 96 variables, while one line per grid point codes along the grid's own neighbours
  const nx = 24;
  const m = 96;
  const lines: string[] = [];
  for (let i = 0; i < nx * nx; i++) {
    const x = Math.floor(i / nx) / nx;
    const y = (i % nx) / nx;
    const cells: string[] = [];
    for (let j = 0; j < m; j++) {
      const t = j / m;
      cells.push(Math.exp(-((x - 0.3 - 0.4 * t) ** 2 + (y - 0.5) ** 2) / 0.02).toFixed(6));
    }
    lines.push(cells.join(','));
  }
  const csv = join(dir, 'field.csv');
  writeFileSync(csv, lines.join('\n') + '\n');
  const auto = await compressFile(csv, join(dir, 'field-auto.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS, dt: 0.01 });
  const asColumns = await compressFile(csv, join(dir, 'field-cols.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS, layout: 'columns', dt: 0.01 });
  const asRows = await compressFile(csv, join(dir, 'field-rows.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS, layout: 'rows', dt: 0.01 });
  assert.equal(asColumns.n, m);
  assert.equal(asRows.n, nx * nx);
  assert.ok(asRows.fileBytes < 0.9 * asColumns.fileBytes, `rows ${asRows.fileBytes} B, columns ${asColumns.fileBytes} B`);
  // the auto file is the rows reading's (its header stores layout 'auto' instead of 'rows': a few bytes apart)
  assert.equal(auto.n, nx * nx);
  assert.ok(Math.abs(auto.fileBytes - asRows.fileBytes) <= 16, `auto ${auto.fileBytes} B, rows ${asRows.fileBytes} B`);
  // the summary states the reduction the file stores (as info does), not the fit's before the route was chosen
  for (const [s, f] of [[auto, 'field-auto'], [asColumns, 'field-cols'], [asRows, 'field-rows']] as const) {
    const info = await describeModelFile(join(dir, `${f}.wsindy`));
    assert.equal(s.pod, info.pod, f);
    assert.equal(s.rank, info.rank, f);
  }
  const back = join(dir, 'field-back.csv');
  await reconstructFile(join(dir, 'field-auto.wsindy'), back);
  const text = readFileSync(back, 'utf8').trimEnd().split('\n');
  assert.equal(text.length, nx * nx);
  text.forEach((l, i) => {
    const cells = l.split(',').map(Number);
    assert.equal(cells.length, m);
    const orig = lines[i].split(',').map(Number);
    cells.forEach((v, j) => assert.ok(Math.abs(v - orig[j]) <= (auto.bound ?? 0), `line ${i + 1} cell ${j + 1}`));
  });
  // a headerless sensor log (many more lines than cells, too few cells to be steps) is read as it was
  const log = join(dir, 'log.csv');
  writeFileSync(log, Array.from({ length: 3000 }, (_, j) => [Math.sin(j / 50), Math.cos(j / 70), Math.sin(j / 30) * 2].map((v) => v.toFixed(5)).join(',')).join('\n') + '\n');
  const s = await compressFile(log, join(dir, 'log.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS });
  assert.equal(s.n, 3);
});

test('low rank under noise: the modes above the noise floor are coded too, the smaller file kept (rank by total size)', async () => {
  const { writeFileSync } = await import('node:fs');
  const { gaussian, mulberry32 } = await import('../support/systems');
  // a heat field (4 decaying sine modes) on 100 points × 2000 steps, a drift, noise above the bound and a
  // 12-bit ADC: the energy rule keeps 64 modes (noise), the noise floor 4
  const g = gaussian(mulberry32(3));
  const n = 100;
  const m = 2000;
  const amp = [3, -1.5, 0.8, 0.4];
  const raw = Array.from({ length: n }, (_, i) =>
    Array.from({ length: m }, (_, j) => amp.reduce((s, a, k) => s + a * Math.sin(((k + 1) * Math.PI * i) / n) * Math.exp(-0.05 * ((k + 1) * Math.PI) ** 2 * ((1.5 * j) / m)), 0) + 0.02 * ((1.5 * j) / m) + 0.01 * g()),
  );
  const lo = Math.min(...raw.map((r) => Math.min(...r)));
  const hi = Math.max(...raw.map((r) => Math.max(...r)));
  const q = (hi - lo) / 4095;
  const csv = join(dir, 'noisy-field.csv');
  writeFileSync(csv, raw.map((r) => r.map((v) => Number((lo + Math.round((v - lo) / q) * q).toPrecision(6))).join(',')).join('\n') + '\n');
  const auto = await compressFile(csv, join(dir, 'noisy-auto.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS, layout: 'rows', dt: 0.01 });
  const capped = await compressFile(csv, join(dir, 'noisy-64.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS, layout: 'rows', dt: 0.01, rank: 64 });
  // the 4-mode model wins (with the energy rule's rank alone the file would be the no-model route's, rank 100)
  assert.equal(auto.rank, 4);
  assert.ok(auto.fileBytes < capped.fileBytes, `auto ${auto.fileBytes} B, rank 64 ${capped.fileBytes} B`);
  const d = await describeModelFile(join(dir, 'noisy-auto.wsindy'));
  assert.ok(d.maxError <= (auto.bound ?? 0));
});

test('info: where the bytes go, per section tag, adds up to the file (v1 … v4, segmented, POD)', async () => {
  const golden = join(__dirname, '../fixtures/golden');
  for (const f of ['lorenz-3x1000.v1.wsindy', 'wave-12x600-pod-segments.v2.wsindy', 'lorenz-3x1000.v3.wsindy', 'pod-wave-48x300-basis.v4.wsindy', 'field-16x12x48-3d.v4.wsindy']) {
    const d = await describeModelFile(join(golden, f));
    const sum = Object.values(d.sectionBytes).reduce((a, b) => a + b, 0);
    assert.equal(sum, d.fileBytes, f);
    assert.ok(d.text.includes(`HEAD ${d.sectionBytes.HEAD}`), f);
  }
  const pod = await describeModelFile(join(golden, 'pod-wave-48x300-basis.v4.wsindy'));
  assert.ok(pod.sectionBytes.BASI > 0 && pod.sectionBytes.RESI > 0, JSON.stringify(pod.sectionBytes));
  const seg = await describeModelFile(join(golden, 'wave-12x600-pod-segments.v2.wsindy'));
  assert.ok(seg.sectionBytes.SEGM > 0, JSON.stringify(seg.sectionBytes));
});

test('low rank under noise where neither fit finds a model: the second fit runs, its no-model file is not coded again', async () => {
  const { writeFileSync } = await import('node:fs');
  const { gaussian, mulberry32 } = await import('../support/systems');
  // 40 sensors mixing 3 slow signals, white noise 30 × the bound: the energy rule keeps every mode, the
  // noise floor 3; both fits find no predictive horizon
  const g = gaussian(mulberry32(9));
  const n = 40;
  const m = 6000;
  const w = Array.from({ length: n }, () => [g(), g(), g()]);
  const lines = ['t,' + Array.from({ length: n }, (_, i) => `s${i}`).join(',')];
  for (let j = 0; j < m; j++) {
    const t = j * 0.001;
    const lat = [Math.sin(2 * Math.PI * 0.5 * t), Math.cos(2 * Math.PI * 1.3 * t), Math.sin(2 * Math.PI * 3.1 * t)];
    lines.push([t.toFixed(3), ...w.map((wi) => (wi[0] * lat[0] + wi[1] * lat[1] + wi[2] * lat[2] + 0.1 * g()).toFixed(4))].join(','));
  }
  const csv = join(dir, 'noisy-sensors.csv');
  writeFileSync(csv, lines.join('\n') + '\n');
  const events: { phase: string; message?: string }[] = [];
  const s = await compressFile(csv, join(dir, 'noisy-sensors.wsindy'), { ...DEFAULT_COMPRESS_OPTIONS }, (e) => events.push(e));
  assert.equal(s.outcome.kind, 'none');
  const retry = events.filter((e) => e.message?.startsWith('POD rank 3, the modes above the noise floor'));
  assert.ok(retry.some((e) => e.phase === 'identify' && /no predictive horizon/.test(e.message ?? '')), 'the second fit ran and gave up');
  assert.ok(!retry.some((e) => e.phase === 'code'), 'the second attempt was coded');
  const d = await describeModelFile(join(dir, 'noisy-sensors.wsindy'));
  assert.ok(d.maxError <= (s.bound ?? 0));
});
