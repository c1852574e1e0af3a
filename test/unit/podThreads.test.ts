import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GRAM_TILE, gramMatrix, projectSteps } from '../../src/core/numerics/gram';
import { centredShared, podThreadStats, sharedCoordinates, sharedGram } from '../../src/core/numerics/podThreads';
import { mulberry32 } from '../support/systems';

function sameBits(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) assert.fail(`${what}[${k}]: ${a[k]} vs ${b[k]}`);
}

// 203 rows (the row blocks of four and three rows left over), 6001 steps (two whole tiles and a ragged one)
const n = 203;
const m = 2 * GRAM_TILE + 1905;
const rand = mulberry32(77);
const series = Array.from({ length: n }, (_, i) => {
  const s = new Float64Array(m);
  let v = 0;
  for (let j = 0; j < m; j++) s[j] = v += rand() - 0.5 + 0.01 * i;
  return s;
});
const mean = Float64Array.from(series, (s) => s.reduce((a, b) => a + b, 0) / m);
const inv = 1 / 37;

test('the centred copy in shared memory holds (x − mean)·inv, row by row', () => {
  const x = centredShared(series, mean, inv);
  assert.ok(x.data.buffer instanceof SharedArrayBuffer);
  for (const i of [0, 101, n - 1]) for (const j of [0, 2047, 2048, m - 1]) assert.equal(x.rows[i][j], (series[i][j] - mean[i]) * inv);
});

test('the Gram matrix and the coordinates shared with a helper thread are the one-thread results bit for bit, and the helper computes part of them', async () => {
  const x = centredShared(series, mean, inv);
  const want = gramMatrix(x.rows);
  const rank = 15; // odd: the coordinates' pairs and the one left over (and enough work to be shared)
  const modes = Float64Array.from({ length: rank * n }, () => rand() - 0.5);
  const coordinates = Array.from({ length: rank }, () => new Float64Array(m));
  projectSteps(coordinates, modes, n, rank, x.rows, 0, 0, m);
  for (const a of coordinates) for (let j = 0; j < m; j++) a[j] *= 3;

  // The helper starts on the first job (from TypeScript source: a second or so); until it runs, and whenever
  // it wakes too late for a job, this thread does every unit: each attempt must be right either way, and
  // the helper must take part in both products within the attempts.
  let gramShared = false;
  let coordinatesShared = false;
  for (let attempt = 0; attempt < 200 && !(gramShared && coordinatesShared); attempt++) {
    const u0 = podThreadStats.helperUnits;
    sameBits(sharedGram(x, 2), want, `Gram, attempt ${attempt}`);
    const u1 = podThreadStats.helperUnits;
    sharedCoordinates(x, modes, rank, 3, 2).forEach((a, c) => sameBits(a, coordinates[c], `a${c}, attempt ${attempt}`));
    gramShared ||= u1 > u0;
    coordinatesShared ||= podThreadStats.helperUnits > u1;
    await sleep(20);
  }
  assert.ok(gramShared, 'no unit of the Gram matrix was computed by the helper thread');
  assert.ok(coordinatesShared, 'no unit of the coordinates was computed by the helper thread');
});

test('one thread (no helper asked for) gives the same Gram matrix', () => {
  const x = centredShared(series.slice(0, 9), mean, inv);
  const before = podThreadStats.helperUnits;
  sameBits(sharedGram(x, 1), gramMatrix(x.rows), 'Gram');
  assert.equal(podThreadStats.helperUnits, before);
});

test('the Gram matrix equals the exact product to round-off (a known answer: orthogonal rows)', () => {
  // rows sin(kπ(l + ½)/L), k = 1 … 6, are orthogonal with squared norm L/2 (a discrete sine basis)
  const L = 3 * GRAM_TILE;
  const rows = Array.from({ length: 6 }, (_, k) => Float64Array.from({ length: L }, (_, l) => Math.sin(((k + 1) * Math.PI * (l + 0.5)) / L)));
  const x = centredShared(rows, new Float64Array(6), 1);
  const G = sharedGram(x, 2);
  for (let i = 0; i < 6; i++) for (let k = 0; k < 6; k++) assert.ok(Math.abs(G[i * 6 + k] - (i === k ? L / 2 : 0)) < 1e-9, `G[${i},${k}] = ${G[i * 6 + k]}`);
});
