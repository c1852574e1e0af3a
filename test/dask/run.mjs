// The dask stage of `npm test` (issue 18): a real dask-scheduler and two dask-worker processes on 127.0.0.1
// (Debian's python3-distributed, installed by test/dask/install.sh), and `wsindy compress-shards --dask`
// from the built CLI on 8 shards of a 12-sensor Lorenz record (POD, segments straddling shards). Checks:
// the same equations as `compress --streaming` on the concatenated file, every value of every shard within
// the bound, the --json summary, a worker killed mid-run (the run completes on the other, same bytes),
// no worker left / no scheduler (clear error, nothing written), and no process left behind.
// Writes {passed, failed} to WSINDY_TEST_RESULT.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { freePort, startCluster, strays, waitFor } from '../support/daskCluster.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(repo, 'dist', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'wsindy-dask-test-'));
/** Every process this stage starts carries this in its environment (to find strays at the end). */
const MARK = `wsindy-dask-test-${randomBytes(6).toString('hex')}`;

const results = [];
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 180 s')), 180_000))]);
    results.push({ name, ok: true });
    console.log(`  ✔ ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`  ✘ ${name}\n      ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n      ')}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---- data: 12 sensors = fixed mixes of Lorenz (RK4, dt 0.002), 8 shards of 6000 steps, one header each ----
function lorenzRecord(m, dt) {
  const sub = 4;
  const h = dt / sub;
  let [x, y, z] = [-8, 7, 27];
  const f = (x, y, z) => [10 * (y - x), x * (28 - z) - y, x * y - (8 / 3) * z];
  const out = [];
  for (let j = 0; j < m; j++) {
    out.push([x, y, z]);
    for (let s = 0; s < sub; s++) {
      const k1 = f(x, y, z);
      const k2 = f(x + (h / 2) * k1[0], y + (h / 2) * k1[1], z + (h / 2) * k1[2]);
      const k3 = f(x + (h / 2) * k2[0], y + (h / 2) * k2[1], z + (h / 2) * k2[2]);
      const k4 = f(x + h * k3[0], y + h * k3[1], z + h * k3[2]);
      x += (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      y += (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
      z += (h / 6) * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2]);
    }
  }
  return out;
}

function makeShards(dir, shards, steps, n) {
  mkdirSync(dir, { recursive: true });
  const dt = 0.002;
  const lz = lorenzRecord(shards * steps, dt);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const w = Array.from({ length: n }, () => [rand(), rand(), rand()]);
  const header = ['t', ...w.map((_, i) => `s${i}`)].join(',');
  const rows = lz.map((s, j) => [String(Number((j * dt).toFixed(6))), ...w.map((c) => String(c[0] * s[0] + c[1] * s[1] + c[2] * s[2]))].join(','));
  const files = [];
  for (let k = 0; k < shards; k++) {
    const p = join(dir, `run-${k + 1}.csv`);
    writeFileSync(p, [header, ...rows.slice(k * steps, (k + 1) * steps)].join('\n') + '\n');
    files.push(p);
  }
  const concat = join(dir, '..', 'concatenated.csv');
  writeFileSync(concat, [header, ...rows].join('\n') + '\n');
  return { files, concat };
}

/** Plain numeric CSV with a header: columns of numbers. */
function readNumbers(p) {
  const lines = readFileSync(p, 'utf8').split('\n').filter(Boolean);
  return { header: lines[0], rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}

/** Run the CLI; resolves with {status, stdout, stderr}. `during(child)` may act while it runs. */
function wsindy(args, during) {
  return new Promise((res) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repo, env: { ...process.env, WSINDY_TEST_MARK: MARK } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => res({ status, stdout, stderr }));
    during?.(child);
  });
}

async function main() {
  if (!existsSync(cli)) {
    const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  for (const c of ['dask-scheduler', 'dask-worker']) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) throw new Error(`${c} not found: run test/dask/install.sh`);
  }
  const { files, concat } = makeShards(join(work, 'shards'), 8, 6000, 12);
  cluster = await startCluster({ workers: 2, dir: work, cwd: repo, mark: MARK, log: true });
  const { address, workers } = cluster;

  const out = join(work, 'out.wsindy');
  let summary = null;
  let reference = null;
  await test('8 shards on two Dask workers: the same equations as compress --streaming on the concatenated file', async () => {
    const r = await wsindy(['compress-shards', join(work, 'shards'), '-o', out, '--dask', address, '--json']);
    assert(r.status === 0, `exit ${r.status}: ${r.stderr}`);
    summary = JSON.parse(r.stdout);
    const streamed = join(work, 'streamed.wsindy');
    const s = await wsindy(['compress', concat, '-o', streamed, '--streaming', '--json']);
    assert(s.status === 0, s.stderr);
    const info = (p) => JSON.parse(spawnSync(process.execPath, [cli, 'info', p, '--json'], { encoding: 'utf8' }).stdout);
    const a = info(streamed);
    const b = info(out);
    assert(a.rank === b.rank && a.pod === b.pod, `rank ${b.rank} vs ${a.rank}`);
    assert(JSON.stringify(b.equations.map((e) => e.terms.map((t) => t.term))) === JSON.stringify(a.equations.map((e) => e.terms.map((t) => t.term))), 'different terms');
    a.equations.forEach((e, i) => e.terms.forEach((t, k) => assert(Math.abs(t.coef - b.equations[i].terms[k].coef) <= 1e-6 * Math.max(1, Math.abs(t.coef)), `${e.lhs}: ${t.term} ${t.coef} vs ${b.equations[i].terms[k].coef}`)));
    // the sharded file also carries the shard list (names and step counts, for reconstruct --shards): at most
    // 12 bytes a shard over the streaming file (measured 61 bytes for these 8 in format v4)
    const streamedBytes = JSON.parse(s.stdout).fileBytes;
    assert(summary.fileBytes <= streamedBytes + 12 * files.length, `file ${summary.fileBytes} bytes vs streaming ${streamedBytes}`);
    reference = readFileSync(out);
    // nothing of the run stays on the workers: their kernel processes exit at its end
    await waitFor(() => !strays(MARK).some((p) => p.includes('kernel-server')), 10_000, `kernel processes to exit: ${strays(MARK).join('; ')}`);
  });

  await test('the --json summary names the engine, both workers and the tasks run', async () => {
    assert(summary, 'no summary');
    assert(summary.engine === 'dask', summary.engine);
    assert(summary.shards === 8, `${summary.shards} shards`);
    assert(summary.tasks.scan === 8 && summary.tasks.fit === 8 && summary.tasks.prefix >= 1 && summary.tasks.encode >= 2, JSON.stringify(summary.tasks));
    assert(summary.workers.length === 2 && summary.workers.every((w) => w.worker.startsWith('tcp://127.0.0.1:') && w.tasks > 0), JSON.stringify(summary.workers));
    const total = Object.values(summary.tasks).reduce((a, b) => a + b, 0);
    assert(summary.workers.reduce((a, w) => a + w.tasks, 0) === total, 'tasks per worker do not add up');
  });

  await test('reconstruct --shards: every value of every shard within the bound, names and headers kept', async () => {
    const back = join(work, 'back');
    const r = await wsindy(['reconstruct', out, '--shards', back, '--json']);
    assert(r.status === 0, r.stderr);
    assert(JSON.stringify(readdirSync(back).sort()) === JSON.stringify(files.map((f) => f.split('/').pop()).sort()), readdirSync(back).join(','));
    let worst = 0;
    for (const f of files) {
      const src = readNumbers(f);
      const got = readNumbers(join(back, f.split('/').pop()));
      assert(got.header === src.header, `${f}: header ${got.header}`);
      assert(got.rows.length === src.rows.length, `${f}: ${got.rows.length} lines`);
      src.rows.forEach((row, j) => row.forEach((v, i) => {
        if (i === 0) assert(got.rows[j][0] === v, `${f}:${j + 2}: time ${got.rows[j][0]} vs ${v}`);
        else worst = Math.max(worst, Math.abs(v - got.rows[j][i]));
      }));
    }
    assert(worst <= summary.bound, `max error ${worst} > bound ${summary.bound}`);
  });

  await test('a shard the CSV reader refuses: its error (shard and line) through Dask, nothing written', async () => {
    const bad = join(work, 'bad');
    mkdirSync(bad);
    for (const f of files) writeFileSync(join(bad, f.split('/').pop()), readFileSync(f));
    const lines = readFileSync(files[3], 'utf8').split('\n');
    lines[5] = lines[5].replace(/,[^,]*$/, ',oops');
    writeFileSync(join(bad, 'run-4.csv'), lines.join('\n'));
    const outBad = join(work, 'bad.wsindy');
    const r = await wsindy(['compress-shards', bad, '-o', outBad, '--dask', address]);
    assert(r.status === 1, `exit ${r.status}`);
    assert(/run-4\.csv:6/.test(r.stderr), r.stderr);
    assert(!existsSync(outBad), 'an output was written');
  });

  await test('a worker killed mid-run: the run completes on the other worker, the same file', async () => {
    const wd = join(work, 'partials');
    const out2 = join(work, 'out2.wsindy');
    let killedAt = null;
    const r = await wsindy(['compress-shards', join(work, 'shards'), '-o', out2, '--dask', address, '--json', '--work-dir', wd], (child) => {
      // kill w1 (and its kernel process) once the first fit result is back: fit and encode tasks remain
      const timer = setInterval(() => {
        if (existsSync(wd) && readdirSync(wd).some((f) => /-fit-.*\.result\.json$/.test(f))) {
          clearInterval(timer);
          killedAt = readdirSync(wd).filter((f) => f.endsWith('.result.json')).length;
          void cluster.kill(workers[0]);
        }
      }, 20);
      child.on('close', () => clearInterval(timer));
    });
    assert(killedAt !== null, 'the worker was not killed during the run');
    assert(r.status === 0, `exit ${r.status}: ${r.stderr}`);
    const s = JSON.parse(r.stdout);
    const total = Object.values(s.tasks).reduce((a, b) => a + b, 0);
    assert(killedAt < total, `killed after ${killedAt} of ${total} results`);
    assert(Buffer.compare(readFileSync(out2), reference) === 0, 'the file differs from the run without a kill');
  });

  await test('no worker left: a clear error, nothing written', async () => {
    await cluster.kill(workers[1]);
    const out3 = join(work, 'out3.wsindy');
    const r = await wsindy(['compress-shards', join(work, 'shards'), '-o', out3, '--dask', address, '--dask-timeout', '5']);
    assert(r.status === 1, `exit ${r.status}`);
    assert(/no Dask worker/.test(r.stderr), r.stderr);
    assert(!existsSync(out3), 'an output was written');
    assert(readdirSync(work).every((f) => !f.startsWith('.out3')), 'a temporary output was left');
  });

  await test('no scheduler: a clear error naming the address, nothing written', async () => {
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const out4 = join(work, 'out4.wsindy');
    const r = await wsindy(['compress-shards', join(work, 'shards'), '-o', out4, '--dask', dead, '--dask-timeout', '3']);
    assert(r.status === 1, `exit ${r.status}`);
    assert(r.stderr.includes(`cannot reach the Dask scheduler at ${dead}`), r.stderr);
    assert(!existsSync(out4), 'an output was written');
  });

  await cluster.stop();
  await test('no scheduler, worker or kernel process left behind', async () => {
    await waitFor(() => strays(MARK).length === 0, 10_000, `strays to exit: ${strays(MARK).join('; ')}`);
  });
}

let cluster = null;
let crashed = 0;
try {
  await main();
} catch (e) {
  crashed = 1;
  console.log(`  ✘ dask stage setup: ${e && e.stack ? e.stack : e}`);
} finally {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + crashed + (results.length === 0 ? 1 : 0);
console.log(`dask: ${passed} passed, ${failed} failed`);
if (process.env.WSINDY_TEST_RESULT) writeFileSync(process.env.WSINDY_TEST_RESULT, JSON.stringify({ passed, failed }));
process.exit(failed > 0 ? 1 : 0);
