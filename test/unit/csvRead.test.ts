// CSV reading: layouts, detection, overrides, streaming across chunks, progress and cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseCsvBuffer, readCsvFile } from '../../src/core/csv/read';
import { CancelledError, InputError, OptionError } from '../../src/core/errors';
import type { ProgressEvent } from '../../src/core/progress';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');

function tidy(m: number, opts: { time?: string; d?: string; eol?: string; dt?: (j: number) => number } = {}): string {
  const d = opts.d ?? ',';
  const head = (opts.time ? [opts.time] : []).concat(['x', 'y', 'z']).join(d);
  const rows = [head];
  for (let j = 0; j < m; j++) {
    const t = opts.dt ? opts.dt(j) : j * 0.01;
    const vals = [Math.sin(t), Math.cos(3 * t) * 1e-3, t * t - 2];
    rows.push((opts.time ? [t] : []).concat(vals).map(String).join(d));
  }
  return rows.join(opts.eol ?? '\n') + (opts.eol ?? '\n');
}

test('tidy layout with a header and a time column keeps exact values and time', () => {
  const ds = parseCsvBuffer(enc(tidy(50, { time: 'Time' })), 'a.csv');
  assert.deepEqual(ds.names, ['x', 'y', 'z']);
  assert.equal(ds.series.length, 3);
  assert.equal(ds.time.length, 50);
  assert.equal(ds.time[7], 0.07);
  assert.equal(ds.series[0][13], Math.sin(0.13));
  assert.equal(ds.series[1][49], Math.cos(3 * 0.49) * 1e-3);
  assert.deepEqual(ds.source, { layout: 'columns', delimiter: ',', header: ['Time', 'x', 'y', 'z'], timeColumn: 0, lineEnding: '\n' });
});

test('time column names: t, timestamp, seconds, "time (s)"; a variable named s is not time', () => {
  for (const name of ['t', 'timestamp', 'SECONDS', 'time (s)', 't [ms]']) {
    assert.equal(parseCsvBuffer(enc(tidy(20, { time: name })), 'a.csv').source.timeColumn, 0, name);
  }
  const ds = parseCsvBuffer(enc(tidy(20, { time: 's' })), 'a.csv');
  assert.equal(ds.source.timeColumn, null);
  assert.equal(ds.series.length, 4);
  assert.equal(ds.time[3], 3);
});

test('time column chosen by name overrides detection, and a missing name is an error', () => {
  const ds = parseCsvBuffer(enc(tidy(20, { time: 'clock' })), 'a.csv', { timeColumn: 'clock' });
  assert.equal(ds.source.timeColumn, 0);
  assert.deepEqual(ds.names, ['x', 'y', 'z']);
  const byOther = parseCsvBuffer(enc(tidy(20, { time: 't' })), 'a.csv', { timeColumn: 'z' });
  assert.equal(byOther.source.timeColumn, 3);
  assert.equal(byOther.time[4], 0.04 * 0.04 - 2);
  assert.throws(() => parseCsvBuffer(enc(tidy(20, { time: 't' })), 'a.csv', { timeColumn: 'nope' }), /a\.csv:1: no column named "nope"/);
});

test('non-uniform time steps are kept as given', () => {
  const times = (j: number): number => j * 0.1 + (j % 3) * 0.01;
  const ds = parseCsvBuffer(enc(tidy(30, { time: 't', dt: times })), 'a.csv');
  for (let j = 0; j < 30; j++) assert.equal(ds.time[j], times(j));
});

test('seed layout: rows are variables, time = 0, dt, 2dt…; dt option and forced layouts', () => {
  const text = [0, 1].map((i) => Array.from({ length: 30 }, (_, j) => String(i * 100 + j * 0.5)).join(',')).join('\n') + '\n';
  const ds = parseCsvBuffer(enc(text), 'seed.csv');
  assert.equal(ds.source.layout, 'rows');
  assert.deepEqual(ds.names, ['x0', 'x1']);
  assert.equal(ds.series[1][4], 102);
  assert.equal(ds.time[29], 29);
  assert.equal(parseCsvBuffer(enc(text), 'seed.csv', { dt: 0.25 }).time[4], 1);
  const cols = parseCsvBuffer(enc(text + text + text + text + text + text + text + text + text), 'x.csv', { layout: 'columns' });
  assert.equal(cols.source.layout, 'columns');
  assert.equal(cols.series.length, 30);
  assert.throws(() => parseCsvBuffer(enc(text), 'seed.csv', { dt: -1 }), OptionError);
  assert.throws(() => parseCsvBuffer(enc(tidy(20)), 'h.csv', { layout: 'rows' }), /h\.csv:1: a header row cannot be used with layout "rows"/);
});

test('tidy layout without a header: columns are variables when rows outnumber columns', () => {
  const text = Array.from({ length: 40 }, (_, j) => `${j},${Math.sin(j)}`).join('\n');
  const ds = parseCsvBuffer(enc(text), 'n.csv');
  assert.equal(ds.source.layout, 'columns');
  assert.equal(ds.source.header, null);
  assert.deepEqual(ds.names, ['x0', 'x1']);
  const byNumber = parseCsvBuffer(enc(text), 'n.csv', { timeColumn: '1' });
  assert.equal(byNumber.series.length, 1);
  assert.equal(byNumber.time[39], 39);
});

test('delimiters, CRLF, BOM, quoted header names, trailing delimiter and blank lines', () => {
  const base = parseCsvBuffer(enc(tidy(20, { time: 't' })), 'a.csv');
  const variants: [string, string][] = [
    ['semicolon', tidy(20, { time: 't', d: ';' })],
    ['tab', tidy(20, { time: 't', d: '\t' })],
    ['crlf+bom', '\ufeff' + tidy(20, { time: 't', eol: '\r\n' })],
    ['quoted', tidy(20, { time: 't' }).replace('t,x,y,z', '"t","x","y","z"')],
    ['trailing', tidy(20, { time: 't' }).replace(/\n/g, ',\n')],
    ['blank', tidy(20, { time: 't' }) + '\n\n\n'],
  ];
  for (const [name, text] of variants) {
    const ds = parseCsvBuffer(enc(text), 'v.csv');
    assert.deepEqual(ds.names, ['x', 'y', 'z'], name);
    assert.deepEqual(ds.series, base.series, name);
    assert.deepEqual(ds.time, base.time, name);
  }
  assert.equal(parseCsvBuffer(enc(variants[1][1]), 'v.csv').source.delimiter, '\t');
  assert.equal(parseCsvBuffer(enc(variants[2][1]), 'v.csv').source.lineEnding, '\r\n');
});

test('streaming: tiny chunks, rows longer than a chunk, and the same result as in memory', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wsindy-csv-'));
  try {
    const p1 = join(tmp, 'tidy.csv');
    const t1 = tidy(3000, { time: 't', eol: '\r\n' });
    writeFileSync(p1, t1);
    const mem = parseCsvBuffer(enc(t1), 'tidy.csv');
    for (const chunkBytes of [16, 97, 4096]) {
      const ds = await readCsvFile(p1, { chunkBytes });
      assert.deepEqual(ds.series, mem.series);
      assert.deepEqual(ds.time, mem.time);
    }
    const p2 = join(tmp, 'seed.csv');
    const t2 = [0, 1, 2].map((i) => Array.from({ length: 5000 }, (_, j) => String(Math.sin(i + j * 0.01))).join(',')).join('\n');
    writeFileSync(p2, t2);
    const ds2 = await readCsvFile(p2, { chunkBytes: 1000 });
    assert.equal(ds2.source.layout, 'rows');
    assert.equal(ds2.series.length, 3);
    assert.equal(ds2.series[2][4999], Math.sin(2 + 4999 * 0.01));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('progress is reported from 0 to 1 at most ~50 times; an aborted signal cancels', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'wsindy-csv-'));
  try {
    const p = join(tmp, 'p.csv');
    writeFileSync(p, tidy(20000, { time: 't' }));
    const events: ProgressEvent[] = [];
    await readCsvFile(p, { chunkBytes: 8192 }, (e) => events.push(e));
    assert.ok(events.length >= 10 && events.length <= 52, `${events.length} events`);
    assert.ok(events.every((e) => e.phase === 'read'));
    assert.equal(events[events.length - 1].fraction, 1);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].fraction >= events[i - 1].fraction);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(readCsvFile(p, {}, undefined, ac.signal), CancelledError);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('errors name the display name, line and cell column', () => {
  const text = tidy(20, { time: 't' }).split('\n');
  text[5] = text[5].replace(/,[^,]*$/, ',12abc');
  assert.throws(
    () => parseCsvBuffer(enc(text.join('\n')), 'shown.csv'),
    (e: unknown) => e instanceof InputError && e.message === 'shown.csv:6:4: not a number: "12abc"' && e.location.line === 6,
  );
});
