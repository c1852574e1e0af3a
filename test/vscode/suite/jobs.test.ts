// Compress and reconstruct through the real extension (worker threads, progress notifications,
// settings), and the failure paths: cancel, bad input, a killed worker, a timeout, bad settings,
// two jobs on one output.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { MAGIC, readContainer } from '../../../src/core/codec/container';
import { ProgressMapper, type JobOutcome } from '../../../src/extension/jobs';
import type { ProgressEvent } from '../../../src/core/progress';
import { DEFAULT_COMPRESS_OPTIONS } from '../../../src/core/options';
import type { JobError } from '../../../src/extension/workerClient';
import { getApi, leftovers, lorenzCsv, readCsv, tempFolder, waitFor, writeFile } from './helpers';

function done<K extends 'compress' | 'reconstruct'>(o: JobOutcome, kind: K): Extract<JobOutcome, { status: 'done'; kind: K }> {
  if (o.status !== 'done') assert.fail(`expected ${kind} to succeed, got ${o.status}: ${JSON.stringify('error' in o ? o.error : 'reason' in o ? o.reason : '')}`);
  assert.equal(o.kind, kind);
  return o as Extract<JobOutcome, { status: 'done'; kind: K }>;
}

/** A CSV big enough that a job is still running a moment after it starts. */
let bigCsvText: string | undefined;
function bigCsv(dir: string): vscode.Uri {
  bigCsvText ??= lorenzCsv(150_000, 0.002);
  return writeFile(join(dir, 'big.csv'), bigCsvText);
}

async function configure(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('wsindy').update(key, value, vscode.ConfigurationTarget.Global);
}

suite('jobs', () => {
  teardown(async () => {
    for (const k of ['degree', 'worker.timeoutMinutes', 'tolerance', 'streaming']) await configure(k, undefined);
  });

  /** Job scratch directories (streaming staging) the extension left in the system temp directory. */
  function scratchLeft(): string[] {
    return readdirSync(tmpdir()).filter((f) => f.startsWith('wsindy-job-'));
  }

  test('wsindy.streaming "on": a 150 000-step CSV in segments, reconstructed within the bound, no scratch left', async () => {
    await configure('streaming', 'on');
    const api = await getApi();
    const dir = tempFolder('streaming');
    const csv = bigCsv(dir);
    const c = done(await api.compress(csv), 'compress');
    assert.equal(c.summary.streaming, true);
    assert.equal(c.summary.segmentLength, 16384, 'three variables: blocks of 16384 steps');
    const r = done(await api.reconstruct(c.output), 'reconstruct');
    const a = readCsv(csv.fsPath);
    const b = readCsv(r.output.fsPath);
    assert.deepEqual(b.header, a.header);
    assert.equal(b.rows.length, 150_000);
    const bound = c.summary.bound;
    assert.ok(bound !== null);
    let worst = 0;
    for (let i = 0; i < a.rows.length; i++) for (let j = 1; j < a.header.length; j++) worst = Math.max(worst, Math.abs(a.rows[i][j] - b.rows[i][j]));
    assert.ok(worst <= bound * (1 + 1e-9), `max error ${worst} > bound ${bound}`);
    assert.deepEqual(scratchLeft(), []);
  });

  test('cancel of a streaming job while it fits: no output, no staged data left', async () => {
    await configure('streaming', 'on');
    const api = await getApi();
    const dir = tempFolder('streaming-cancel');
    const csv = bigCsv(dir);
    const cts = new vscode.CancellationTokenSource();
    let staged = false;
    const o = await api.compress(csv, {
      token: cts.token,
      onProgress: (e) => {
        // the POD phase starts after staging: the staged file exists in the job's scratch directory
        if (e.phase === 'pod' && !staged) {
          staged = scratchLeft().length > 0;
          cts.cancel();
        }
      },
    });
    assert.equal(o.status, 'cancelled');
    assert.ok(staged, 'the job had a scratch directory while it ran');
    assert.deepEqual(readdirSync(dir), ['big.csv']);
    assert.deepEqual(scratchLeft(), []);
  });

  test('compress a CSV: the .wsindy exists, decodes and reports ratio and max error', async () => {
    const api = await getApi();
    const dir = tempFolder('compress');
    const csv = writeFile(join(dir, 'lorenz.csv'), lorenzCsv(3000));
    const o = done(await api.compress(csv), 'compress');
    const out = join(dir, 'lorenz.wsindy');
    assert.equal(o.output.fsPath, out);
    const bytes = new Uint8Array(readFileSync(out));
    assert.deepEqual(bytes.subarray(0, MAGIC.length), MAGIC);
    const { sections } = readContainer(bytes);
    assert.ok(sections.has('HEAD') && sections.has('MODL'), 'header and model sections');
    assert.equal(o.summary.fileBytes, bytes.length);
    assert.ok(o.summary.ratioVsCsv > 1, `ratio ${o.summary.ratioVsCsv}`);
    assert.equal(o.summary.n, 3);
    assert.equal(o.summary.m, 3000);
    assert.ok(o.summary.bound !== null && o.summary.maxError <= o.summary.bound);
    assert.deepEqual(leftovers(dir), []);
  });

  test('reconstruct: same header, every value within the bound', async () => {
    const api = await getApi();
    const dir = tempFolder('reconstruct');
    const text = lorenzCsv(2000);
    const csv = writeFile(join(dir, 'orbit.csv'), text);
    const c = done(await api.compress(csv), 'compress');
    const r = done(await api.reconstruct(c.output), 'reconstruct');
    assert.equal(basename(r.output.fsPath), 'orbit.reconstructed.csv');
    const a = readCsv(csv.fsPath);
    const b = readCsv(r.output.fsPath);
    assert.deepEqual(b.header, a.header);
    assert.equal(b.rows.length, a.rows.length);
    const bound = c.summary.bound;
    assert.ok(bound !== null);
    let worst = 0;
    for (let i = 0; i < a.rows.length; i++) for (let j = 1; j < a.header.length; j++) worst = Math.max(worst, Math.abs(a.rows[i][j] - b.rows[i][j]));
    assert.ok(worst <= bound * (1 + 1e-9) + 1e-12, `max error ${worst} > bound ${bound}`);
    assert.equal(r.summary.n, 3);
    assert.equal(r.summary.m, 2000);
  });

  test('the compress command runs one job per selected CSV', async () => {
    await getApi();
    const dir = tempFolder('multi');
    const a = writeFile(join(dir, 'a.csv'), lorenzCsv(800));
    const b = writeFile(join(dir, 'B.CSV'), lorenzCsv(800, 0.01, [1, 1, 1]));
    const outcomes = await vscode.commands.executeCommand<JobOutcome[]>('wsindy.compress', a, [a, b]);
    assert.equal(outcomes.length, 2);
    for (const o of outcomes) done(o, 'compress');
    assert.ok(existsSync(join(dir, 'a.wsindy')) && existsSync(join(dir, 'B.wsindy')));
  });

  test('cancel stops the worker within a second and leaves no file', async () => {
    const api = await getApi();
    const dir = tempFolder('cancel');
    const csv = bigCsv(dir);
    const cts = new vscode.CancellationTokenSource();
    const job = api.compress(csv, { token: cts.token });
    await waitFor('the worker to start', () => api.client.running().length > 0);
    await new Promise((r) => setTimeout(r, 150));
    const t0 = Date.now();
    cts.cancel();
    const o = await job;
    assert.equal(o.status, 'cancelled');
    assert.ok(Date.now() - t0 < 1000, `cancel took ${Date.now() - t0} ms`);
    assert.deepEqual(api.client.running(), []);
    assert.deepEqual(readdirSync(dir), ['big.csv']);
  });

  test('a bad CSV fails with the line in the message and leaves no file', async () => {
    const api = await getApi();
    const dir = tempFolder('bad');
    const rows = lorenzCsv(200).split('\n');
    rows[57] = rows[57].replace(/,[^,]+,/, ',abc,');
    const csv = writeFile(join(dir, 'bad.csv'), rows.join('\n'));
    const o = await api.compress(csv);
    assert.equal(o.status, 'failed');
    assert.ok(o.status === 'failed');
    assert.equal(o.error.code, 'E_INPUT');
    assert.match(o.error.message, /:58\b/);
    assert.deepEqual(readdirSync(dir), ['bad.csv']);
  });

  test('a killed worker is reported, nothing is half-written, and the next job works', async () => {
    const api = await getApi();
    const dir = tempFolder('crash');
    const csv = bigCsv(dir);
    const job = api.compress(csv);
    const running = await waitFor('the worker to start', () => api.client.running()[0]);
    await new Promise((r) => setTimeout(r, 100));
    await running.worker.terminate(); // from outside the client: an unexpected exit
    const o = await job;
    assert.equal(o.status, 'failed');
    assert.ok(o.status === 'failed');
    assert.equal(o.error.code, 'E_WORKER_CRASH');
    assert.match(o.error.message, /worker stopped unexpectedly/);
    assert.deepEqual(readdirSync(dir), ['big.csv']);
    const small = writeFile(join(dir, 'small.csv'), lorenzCsv(500));
    done(await api.compress(small), 'compress');
    assert.ok(existsSync(join(dir, 'small.wsindy')));
  });

  test('a job over wsindy.worker.timeoutMinutes is stopped and leaves no file', async () => {
    const api = await getApi();
    const dir = tempFolder('timeout');
    const csv = bigCsv(dir);
    await configure('worker.timeoutMinutes', 0.3 / 60);
    const o = await api.compress(csv);
    assert.equal(o.status, 'failed');
    assert.ok(o.status === 'failed');
    assert.equal(o.error.code, 'E_TIMEOUT');
    assert.deepEqual(readdirSync(dir), ['big.csv']);
  });

  test('two compressions to the same output: the second is refused', async () => {
    const api = await getApi();
    const dir = tempFolder('same');
    const csv = bigCsv(dir);
    const first = api.compress(csv, { overwrite: true });
    await waitFor('the first job to start', () => api.client.running().length > 0);
    const second = await api.compress(csv, { overwrite: true });
    assert.equal(second.status, 'skipped');
    assert.ok(second.status === 'skipped');
    assert.match(second.reason, /already being written/);
    done(await first, 'compress');
    assert.deepEqual(leftovers(dir), []);
  });

  test('an invalid setting gets a clear message and no job starts', async () => {
    const api = await getApi();
    const dir = tempFolder('setting');
    const csv = writeFile(join(dir, 'x.csv'), lorenzCsv(300));
    await configure('degree', 9);
    const o = await api.compress(csv);
    assert.equal(o.status, 'failed');
    assert.ok(o.status === 'failed');
    assert.equal(o.error.code, 'E_OPTION');
    assert.match(o.error.message, /^Invalid setting wsindy\.degree: must be an integer from 1 to 5, got 9$/);
    assert.deepEqual(readdirSync(dir), ['x.csv']);
  });

  test('settings reach the engine (model-only writes a smaller file than error-bounded)', async () => {
    const api = await getApi();
    const dir = tempFolder('modes');
    const text = lorenzCsv(2000);
    const a = writeFile(join(dir, 'a.csv'), text);
    const b = writeFile(join(dir, 'b.csv'), text);
    const bounded = done(await api.compress(a), 'compress');
    const modelOnly = done(await api.compress(b, { options: { mode: 'model-only' } }), 'compress');
    assert.equal(modelOnly.summary.mode, 'model-only');
    assert.equal(modelOnly.summary.bound, null);
    assert.ok(statSync(modelOnly.output.fsPath).size < statSync(bounded.output.fsPath).size);
  });

  test('a failed job keeps the previous output untouched', async () => {
    const api = await getApi();
    const dir = tempFolder('keep');
    const csv = writeFile(join(dir, 'k.csv'), 't,x\n0,1\n1,oops\n');
    writeFileSync(join(dir, 'k.wsindy'), 'previous');
    const o = await api.compress(csv, { overwrite: true });
    assert.equal(o.status, 'failed');
    assert.equal(readFileSync(join(dir, 'k.wsindy'), 'utf8'), 'previous');
    assert.deepEqual(leftovers(dir), []);
  });
});

suite('progress and cancel by phase', () => {
  test('progress arrives phase by phase, in engine order, with fractions in [0, 1]', async () => {
    const api = await getApi();
    const dir = tempFolder('progress');
    const csv = bigCsv(dir);
    const events: ProgressEvent[] = [];
    done(await api.compress(csv, { onProgress: (e) => events.push(e) }), 'compress');
    const order: ProgressEvent['phase'][] = ['read', 'pod', 'identify', 'code', 'write'];
    const phases = [...new Set(events.map((e) => e.phase))];
    assert.ok(phases.includes('read') && phases.includes('identify') && phases.includes('write'), `phases ${phases.join(',')}`);
    assert.deepEqual(phases, order.filter((p) => phases.includes(p)), `phases out of order: ${phases.join(',')}`);
    for (const e of events) assert.ok(e.fraction >= 0 && e.fraction <= 1, `fraction ${e.fraction}`);
    const reads = events.filter((e) => e.phase === 'read').map((e) => e.fraction);
    assert.ok(reads.length >= 2 && reads[reads.length - 1] === 1, `reading reports increments up to 1 (${reads.join(', ')})`);
    for (let i = 1; i < reads.length; i++) assert.ok(reads[i] >= reads[i - 1], 'reading fraction never goes back');
  });

  for (const phase of ['read', 'identify', 'code'] as const) {
    test(`cancel during "${phase}" leaves no file`, async () => {
      const api = await getApi();
      const dir = tempFolder(`cancel-${phase}`);
      const csv = bigCsv(dir);
      const cts = new vscode.CancellationTokenSource();
      let at = 0;
      const o = await api.compress(csv, {
        token: cts.token,
        onProgress: (e) => {
          if (e.phase === phase && !at) {
            at = Date.now();
            cts.cancel();
          }
        },
      });
      assert.ok(at > 0, `the engine reported phase ${phase}`);
      assert.equal(o.status, 'cancelled');
      assert.ok(Date.now() - at < 1000, `stopped ${Date.now() - at} ms after cancel`);
      assert.deepEqual(readdirSync(dir), ['big.csv']);
    });
  }

  test('cancel during reconstruction leaves no CSV', async () => {
    const api = await getApi();
    const dir = tempFolder('cancel-rec');
    const csv = bigCsv(dir);
    const c = done(await api.compress(csv), 'compress');
    const cts = new vscode.CancellationTokenSource();
    let at = 0;
    const o = await api.reconstruct(c.output, {
      token: cts.token,
      onProgress: () => {
        if (!at) {
          at = Date.now();
          cts.cancel();
        }
      },
    });
    assert.ok(at > 0);
    assert.equal(o.status, 'cancelled');
    assert.deepEqual(readdirSync(dir).sort(), ['big.csv', 'big.wsindy']);
  });
});

suite('worker limits', () => {
  test('a worker that runs out of memory is reported as such and leaves no file', async () => {
    const api = await getApi();
    const dir = tempFolder('oom');
    const csv = bigCsv(dir);
    const out = join(dir, 'big.wsindy');
    const err = await api.client.compress(csv.fsPath, out, DEFAULT_COMPRESS_OPTIONS, { maxMemoryMB: 4 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The suite bundles its own copy of the class, so compare by shape rather than instanceof.
    const e = err as JobError;
    assert.equal(e?.name, 'JobError', `expected a JobError, got ${String(err)}`);
    assert.equal(e.error.code, 'E_WORKER_OOM');
    assert.match(e.message, /ran out of memory/);
    assert.deepEqual(readdirSync(dir), ['big.csv']);
    assert.deepEqual(api.client.running(), []);
  });
});

suite('progress bar', () => {
  test('phase events map to monotone increments that add up to 100', () => {
    const m = new ProgressMapper('compress');
    let total = 0;
    const steps: ProgressEvent[] = [
      { phase: 'read', fraction: 0 }, { phase: 'read', fraction: 0.5 }, { phase: 'read', fraction: 0.4 }, { phase: 'read', fraction: 1 },
      { phase: 'identify', fraction: 0.5 }, { phase: 'pod', fraction: 1 }, { phase: 'identify', fraction: 1 },
      { phase: 'code', fraction: 1 }, { phase: 'write', fraction: 1 },
    ];
    const seen: number[] = [];
    for (const e of steps) {
      const inc = m.increment(e);
      assert.ok(inc >= 0, `increment ${inc} for ${e.phase} ${e.fraction}`);
      total += inc;
      seen.push(Math.round(total));
    }
    assert.equal(seen[1], 13); // half of reading (25 of 100)
    assert.equal(seen[2], 13); // a smaller fraction never moves the bar back
    assert.equal(seen[3], 25);
    assert.ok(Math.abs(total - 100) < 1e-9, `total ${total}`);
  });
});

suite('inputs that change under a job', () => {
  test('a CSV deleted while it is being read: the job ends cleanly (no output, no leftovers)', async () => {
    const api = await getApi();
    const dir = tempFolder('vanish');
    const csv = bigCsv(dir);
    let removed = false;
    const o = await api.compress(csv, {
      onProgress: (e) => {
        if (e.phase === 'read' && !removed) {
          removed = true;
          rmSync(csv.fsPath);
        }
      },
    });
    assert.ok(removed);
    // Either the reader already held the whole file (a valid model of what it read) or it failed with a readable message.
    if (o.status === 'failed') {
      assert.notEqual(o.error.code, 'E_WORKER_CRASH');
      assert.doesNotMatch(o.error.message, /^\s+at /m, 'no stack trace in the message');
      assert.deepEqual(readdirSync(dir), []);
    } else {
      assert.equal(o.status, 'done');
      assert.deepEqual(readdirSync(dir), ['big.wsindy']);
    }
    assert.deepEqual(leftovers(dir), []);
  });
});
