import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeWsindy, readWsindyHeader } from '../../src/core/codec/decode';
import { crc32 } from '../../src/core/codec/crc32';
import { FormatError } from '../../src/core/errors';
import { mulberry32 } from '../support/systems';

const golden = new Uint8Array(readFileSync(new URL('../fixtures/golden/lorenz-3x200.wsindy', import.meta.url)));
const expected = JSON.parse(readFileSync(new URL('../fixtures/golden/lorenz-3x200.expected.json', import.meta.url), 'utf8')) as {
  bytes: number;
  bound: number;
  values: number[][];
  time: number[];
  probe: number[];
};

/** Offsets of every section in a file: tag at `at`, length at at+4, payload at at+8, CRC after it. */
function sections(bytes: Uint8Array): { tag: string; at: number; len: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { tag: string; at: number; len: number }[] = [];
  let at = 12;
  for (let k = 0; k < view.getUint16(10, true); k++) {
    const tag = new TextDecoder().decode(bytes.subarray(at, at + 4));
    const len = view.getUint32(at + 4, true);
    out.push({ tag, at, len });
    at += 12 + len;
  }
  return out;
}

function rejects(bytes: Uint8Array, message: RegExp, decoder: (b: Uint8Array) => unknown = decodeWsindy): void {
  assert.throws(
    () => decoder(bytes),
    (e: unknown) => e instanceof FormatError && message.test(e.message),
  );
}

const NAMES: Record<string, string> = { HEAD: 'header', MODL: 'model', TIME: 'time', WIND: 'windows', RESI: 'residual', UNPR: 'unpredictable', CHEK: 'checksum' };

test('golden file decodes to the known values (a format change must bump the version)', () => {
  assert.equal(golden.length, expected.bytes);
  const dec = decodeWsindy(golden);
  assert.equal(dec.header.formatVersion, 1);
  assert.equal(dec.header.bound, expected.bound);
  assert.deepEqual(dec.header.names, ['x', 'y', 'z']);
  assert.deepEqual(dec.header.termNames, ['1', 'x', 'y', 'z', 'x y', 'x z']);
  assert.equal(dec.header.coefficients[1 * 3 + 0], -10);
  assert.equal(dec.header.coefficients[3 * 3 + 2], Math.fround(-8 / 3));
  assert.equal(dec.header.source.fileName, 'lorenz.csv');
  assert.equal(dec.header.source.crc32, 0xdeadbeef);
  expected.probe.forEach((j, k) => {
    assert.equal(dec.dataset.time[j], expected.time[k]);
    for (let i = 0; i < 3; i++) assert.equal(dec.dataset.series[i][j], expected.values[i][k]);
  });
  assert.deepEqual(sections(golden).map((s) => s.tag), ['HEAD', 'MODL', 'TIME', 'WIND', 'RESI', 'UNPR', 'CHEK']);
});

test('magic and version bytes give the right message', () => {
  for (let k = 0; k < 8; k++) {
    const b = golden.slice();
    b[k] ^= 0x20;
    rejects(b, /^bad magic: not a \.wsindy file$/);
    rejects(b, /^bad magic/, readWsindyHeader);
  }
  rejects(new Uint8Array(0), /^bad magic/);
  rejects(new TextEncoder().encode('t,x\n0,1\n'), /^bad magic/);
  const newer = golden.slice();
  newer[8] = 5;
  rejects(newer, /^written by a newer version \(5\) of the format; this reader supports 1–4$/);
  rejects(newer, /newer version/, readWsindyHeader);
  const older = golden.slice();
  older[8] = 0;
  rejects(older, /^written by an older version \(0\) of the format/);
  // a v1 file relabelled v2 lacks the segment layout v2 promises
  const relabelled = golden.slice();
  relabelled[8] = 2;
  rejects(relabelled, /^corrupt file: a version 2 file without segments$/);
});

test('section count, tags, lengths, payloads and CRCs: each corruption names what is wrong', () => {
  const count = golden.slice();
  count[10] = 200;
  rejects(count, /sections \(at most/);
  for (const s of sections(golden)) {
    const name = NAMES[s.tag];
    // tag
    const tag = golden.slice();
    tag[s.at] = 0x3f;
    rejects(tag, /unknown section tag/);
    // length: longer than the file → truncation, shorter → checksum or table error
    const long = golden.slice();
    new DataView(long.buffer).setUint32(s.at + 4, s.len + 1_000_000, true);
    rejects(long, new RegExp(`^truncated at byte ${golden.length} \\(section '${name}' needs ${s.len + 1_000_004} bytes\\)$`));
    const short = golden.slice();
    new DataView(short.buffer).setUint32(s.at + 4, Math.max(0, s.len - 1), true);
    rejects(short, /checksum mismatch|unknown section tag|truncated|trailing/);
    // every payload byte and every CRC byte
    for (let p = s.at + 8; p < s.at + 12 + s.len; p++) {
      const b = golden.slice();
      b[p] ^= 0x01;
      rejects(b, new RegExp(`^checksum mismatch in section '${name}'$`));
    }
    // truncation inside this section
    rejects(golden.slice(0, s.at + 8 + (s.len >> 1)), new RegExp(`^truncated at byte \\d+ \\(section '${name}' needs`));
    rejects(golden.slice(0, s.at + 2), /^truncated at byte/);
  }
  const trailing = new Uint8Array(golden.length + 3);
  trailing.set(golden);
  rejects(trailing, /3 trailing bytes/);
});

test('a forged file with a valid CRC but a damaged payload still gives a FormatError', () => {
  const heavy = sections(golden).filter((s) => s.tag !== 'CHEK');
  const rand = mulberry32(5);
  for (let k = 0; k < 60; k++) {
    const s = heavy[k % heavy.length];
    const b = golden.slice();
    const p = s.at + 8 + Math.floor(rand() * s.len);
    b[p] = Math.floor(rand() * 256);
    const crc = crc32(b.subarray(s.at + 8, s.at + 8 + s.len), crc32(b.subarray(s.at, s.at + 4)));
    new DataView(b.buffer).setUint32(s.at + 8 + s.len, crc, true);
    try {
      decodeWsindy(b);
    } catch (e) {
      assert.ok(e instanceof FormatError, `${s.tag}@${p}: ${String(e)}`);
    }
  }
  const chek = sections(golden).find((s) => s.tag === 'CHEK');
  assert.ok(chek);
  const b = golden.slice();
  b[chek.at + 8] ^= 1;
  new DataView(b.buffer).setUint32(chek.at + 16, crc32(b.subarray(chek.at + 8, chek.at + 16), crc32(b.subarray(chek.at, chek.at + 4))), true);
  rejects(b, /^prediction mismatch: this file was written on a platform whose floating-point results differ$/);
});

test('300 seeded random mutations: each rejected with a FormatError or decoded, each fast', () => {
  const rand = mulberry32(2024);
  let rejected = 0;
  for (let k = 0; k < 300; k++) {
    let b = golden.slice();
    const kind = k % 4;
    if (kind === 0) b = b.slice(0, Math.floor(rand() * b.length));
    else if (kind === 1) for (let f = 0; f < 1 + Math.floor(rand() * 4); f++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
    else if (kind === 2) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    else {
      const at = Math.floor(rand() * b.length);
      const ins = Uint8Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256));
      b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
    }
    const t0 = performance.now();
    try {
      const d = decodeWsindy(b);
      assert.equal(d.dataset.series.length, d.header.n);
    } catch (e) {
      assert.ok(e instanceof FormatError, String(e));
      rejected++;
    }
    assert.ok(performance.now() - t0 < 2000, `case ${k} took too long`);
  }
  assert.ok(rejected > 250);
});
