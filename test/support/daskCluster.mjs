// A throwaway Dask cluster on 127.0.0.1 for the dask test stage and the shard bench: one dask-scheduler and
// dask-worker processes (one thread each, no nanny, so killing a worker kills it for good), each in its own
// process group with `mark` in its environment (kernel processes inherit it: strays can be found).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function waitFor(cond, ms, what) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Processes (other than this one) whose environment carries WSINDY_TEST_MARK=mark. */
export function strays(mark) {
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    if (Number(pid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`WSINDY_TEST_MARK=${mark}`)) out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 120)}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Peak resident memory (VmHWM) of a live process, MB; null when it is gone. */
export function peakRssMB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Start a scheduler and `workers` workers; resolves once they are registered.
 * { address, workers: [{name, pid, log()}], addWorker(), kill(worker), stop() }
 */
export async function startCluster({ workers = 2, dir, cwd, mark, log = false }) {
  const started = [];
  const env = { ...process.env, WSINDY_TEST_MARK: mark };
  const start = (cmd, args, name) => {
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    const p = { name, child, pid: child.pid, log: () => text };
    started.push(p);
    return p;
  };
  const kill = (p) => {
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const exited = (p, ms = 10_000) =>
    p.child.exitCode !== null || p.child.signalCode !== null
      ? Promise.resolve()
      : Promise.race([new Promise((r) => p.child.once('exit', r)), new Promise((r) => setTimeout(r, ms))]);
  const port = await freePort();
  const address = `tcp://127.0.0.1:${port}`;
  start('dask-scheduler', ['--host', '127.0.0.1', '--port', String(port), '--no-dashboard'], 'scheduler');
  const list = [];
  const addWorker = async () => {
    const name = `w${list.length + 1}`;
    const w = start('dask-worker', [address, '--name', name, '--nthreads', '1', '--no-nanny', '--no-dashboard', '--memory-limit', '0', '--host', '127.0.0.1', '--local-directory', join(dir, 'dask-space')], name);
    list.push(w);
    try {
      await waitFor(() => /Registered to/.test(w.log()), 60_000, `${name} registered with the scheduler`);
    } catch (e) {
      if (log) for (const p of started) console.log(`--- ${p.name}\n${p.log().slice(-1500)}`);
      throw e;
    }
    return w;
  };
  const cluster = {
    address,
    workers: list,
    addWorker,
    async kill(p) {
      kill(p);
      await exited(p);
    },
    async stop() {
      for (const p of started) kill(p);
      await Promise.all(started.map((p) => exited(p)));
    },
  };
  try {
    for (let k = 0; k < workers; k++) await addWorker();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
