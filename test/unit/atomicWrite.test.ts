// Atomic output: the target is either untouched or complete; temp files never remain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openAtomicOutput, tempPathFor, writeFileAtomic } from '../../src/core/platform/atomicWrite';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsindy-atomic-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('temp name is hidden, beside the target, unique', () => {
  const a = tempPathFor('/x/y/out.csv');
  assert.match(a, /^\/x\/y\/\.out\.csv\.tmp-\d+-[0-9a-f]{12}$/);
  assert.notEqual(a, tempPathFor('/x/y/out.csv'));
});

test('writeFileAtomic replaces the file and leaves no temp file', withDir(async (dir) => {
  const p = join(dir, 'f.txt');
  writeFileSync(p, 'old');
  await writeFileAtomic(p, 'new contents');
  assert.equal(readFileSync(p, 'utf8'), 'new contents');
  assert.deepEqual(readdirSync(dir), ['f.txt']);
}));

test('streaming output: nothing visible before commit; abort removes the temp file', withDir(async (dir) => {
  const p = join(dir, 'g.bin');
  const out = await openAtomicOutput(p);
  await out.write(new Uint8Array([1, 2, 3]));
  assert.deepEqual(readdirSync(dir), [out.tempPath.split('/').pop()]);
  await out.abort();
  await out.abort();
  assert.deepEqual(readdirSync(dir), []);
  await assert.rejects(out.write(new Uint8Array([4])), /already aborted/);

  const ok = await openAtomicOutput(p);
  await ok.write(new Uint8Array([1, 2]));
  await ok.write(new Uint8Array([3]));
  await ok.commit();
  assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
  assert.deepEqual(readdirSync(dir), ['g.bin']);
}));

test('a failing commit (target is a directory) leaves no temp file and keeps the target', withDir(async (dir) => {
  const p = join(dir, 'sub');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(p, 'inner'), { recursive: true });
  const out = await openAtomicOutput(p);
  await out.write(new Uint8Array([1]));
  await assert.rejects(out.commit());
  assert.deepEqual(readdirSync(dir), ['sub']);
}));

test('opening in a missing directory fails cleanly', async () => {
  await assert.rejects(writeFileAtomic(join(tmpdir(), 'no-such-dir-wsindy', 'x.csv'), 'x'), /ENOENT/);
});
