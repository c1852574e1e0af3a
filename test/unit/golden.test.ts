// Every golden file (test/fixtures/golden/<case>.v<N>.wsindy, written by the format version N writer and
// never regenerated) still decodes to the CSV text it decoded to when written, and within its bound of
// the source. A format change that breaks an older version fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconstructFile } from '../../src/core/api';
import { decodeWsindy, readWsindyHeader } from '../../src/core/codec/decode';
import { listSections, readContainer } from '../../src/core/codec/container';
import { FormatError } from '../../src/core/errors';
import { readCsvFile } from '../../src/core/csv/read';
import { GOLDEN_CASES } from '../fixtures/golden/make-files';

const dir = join(__dirname, '../fixtures/golden');
const tmp = mkdtempSync(join(tmpdir(), 'wsindy-golden-test-'));
const files = readdirSync(dir).filter((f) => /\.v\d+\.wsindy$/.test(f));

test('golden files exist for format versions 1, 2, 3 and 4 (and every case has one per version it was written in)', () => {
  const versions = new Set(files.map((f) => Number(/\.v(\d+)\.wsindy$/.exec(f)?.[1])));
  for (const v of [1, 2, 3, 4]) assert.ok(versions.has(v), `no golden file of version ${v}`);
  for (const f of files) assert.ok(GOLDEN_CASES.some((c) => f.startsWith(`${c.name}.v`)), `${f} belongs to no case`);
});

for (const f of files) {
  test(`golden ${f}: decodes to its expected CSV text, within its bound of the source`, async () => {
    const bytes = readFileSync(join(dir, f));
    const h = readWsindyHeader(bytes);
    assert.equal(h.formatVersion, Number(/\.v(\d+)\.wsindy$/.exec(f)?.[1]));
    const out = join(tmp, `${f}.csv`);
    await reconstructFile(join(dir, f), out, undefined, undefined, tmp);
    const expected = readFileSync(join(dir, f.replace(/\.wsindy$/, '.expected.csv')), 'utf8');
    assert.equal(readFileSync(out, 'utf8'), expected);
    const c = GOLDEN_CASES.find((g) => f.startsWith(`${g.name}.v`));
    assert.ok(c);
    const opts = { dt: c.options.dt };
    const [source, decoded] = await Promise.all([readCsvFile(join(dir, 'src', c.source), opts), readCsvFile(out, opts)]);
    assert.deepEqual(decoded.names, source.names);
    assert.deepEqual(Array.from(decoded.time), Array.from(source.time));
    if (h.bound !== null) {
      let worst = 0;
      source.series.forEach((x, i) => x.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - decoded.series[i][j])))));
      assert.ok(worst <= h.bound, `max error ${worst} > bound ${h.bound}`);
      // lossy: the file really is the model + residual, not a copy (a grid file: exactly the grid's values)
      if (c.lossless) assert.equal(worst, 0);
      else assert.ok(worst > 0);
    }
    if (c.predictor) {
      // v4, RESI at the rule's bound: the predictor id is its first byte, a 3-D id's row stride (varuint) the next
      const payload = readContainer(new Uint8Array(bytes)).sections.get('RESI')?.payload;
      assert.ok(payload);
      assert.equal(payload[0], c.predictor.id, `${f} names predictor ${payload[0]}`);
      if (c.predictor.stride !== undefined) assert.equal(payload[1], c.predictor.stride);
    }
  });
}

test('v3, v4: every single corrupted byte of a file is detected (each byte changed three ways: a FormatError, never a decode)', () => {
  // the last two: int-rows transform 5 (zero blocks) and RESI predictor 9 with its row stride
  for (const f of ['lorenz-3x1000.v3.wsindy', 'wave-12x600-pod-segments.v3.wsindy', 'lorenz-3x1000.v4.wsindy', 'wave-12x600-pod-segments.v4.wsindy', 'vanderpol-2x500-model-only.v4.wsindy', 'lorenz-3x3000-zero-blocks.v4.wsindy', 'field-16x12x48-3d.v4.wsindy']) {
    const good = new Uint8Array(readFileSync(join(dir, f)));
    for (let k = 0; k < good.length; k++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = good.slice();
        bad[k] ^= flip;
        assert.throws(() => decodeWsindy(bad), FormatError, `${f}: byte ${k} ^ ${flip} decoded`);
        assert.throws(() => readWsindyHeader(bad), FormatError, `${f}: byte ${k} ^ ${flip} read as a header`);
      }
    }
    // and a truncation anywhere, and one byte more
    for (let len = 0; len < good.length; len += 7) assert.throws(() => decodeWsindy(good.subarray(0, len)), FormatError);
    assert.throws(() => decodeWsindy(Uint8Array.from([...good, 0])), FormatError);
  }
});

test('v3 layout: no empty sections, 1-2 bytes of framing each, one CRC at the end; Lorenz fixed part small', () => {
  const bytes = new Uint8Array(readFileSync(join(dir, 'lorenz-3x1000.v3.wsindy')));
  const layout = listSections(bytes);
  assert.equal(layout.version, 3);
  assert.equal(layout.preamble, 10);
  assert.equal(layout.trailer, 4);
  assert.deepEqual(layout.sections.map((s) => s.tag), ['HEAD', 'MODL', 'WIND', 'RESI']); // no TIME (a rule), no UNPR (no exceptions)
  for (const s of layout.sections) {
    assert.ok(s.payload > 0);
    assert.ok(s.framing >= 1 && s.framing <= 2, `${s.tag} framing ${s.framing}`);
  }
  assert.equal(layout.preamble + layout.trailer + layout.sections.reduce((a, s) => a + s.framing + s.payload, 0), bytes.length);
});

test('v4 layout: the header unframed, one length byte per section but the last, one CRC at the end; the header 40 bytes under v3\'s', () => {
  const bytes = new Uint8Array(readFileSync(join(dir, 'lorenz-3x1000.v4.wsindy')));
  const layout = listSections(bytes);
  assert.equal(layout.version, 4);
  assert.equal(layout.preamble, 10);
  assert.equal(layout.trailer, 4);
  assert.deepEqual(layout.sections.map((s) => s.tag), ['HEAD', 'MODL', 'WIND', 'RESI']);
  assert.deepEqual(layout.sections.map((s) => s.framing), [0, 1, 1, 0]);
  assert.equal(layout.preamble + layout.trailer + layout.sections.reduce((a, s) => a + s.framing + s.payload, 0), bytes.length);
  // the fixed part: preamble, header, framing, trailer, MODL's packing byte and count, WIND's anchor code, no RESI code
  const h = readWsindyHeader(bytes);
  assert.equal(h.windows, h.modelWindows);
  const head = layout.sections[0].payload;
  assert.ok(head <= 60, `header ${head} bytes`); // names x, y, z and the file name lorenz-3x1000.csv: 21 of them
  const v3 = listSections(new Uint8Array(readFileSync(join(dir, 'lorenz-3x1000.v3.wsindy'))));
  const v3head = v3.sections[0].payload;
  assert.ok(head + 40 <= v3head, `v4 header ${head} bytes, v3 ${v3head}`);
});
