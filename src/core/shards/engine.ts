// Engines run kernel tasks: each task is a partial file in, a partial file out (`wsindy kernel KIND TASK -o
// RESULT`). The driver writes the task files into its work folder, asks the engine to run a batch, and
// reads the results. Engines: in this process (tests), N local processes (--local N), or a Dask cluster
// through the Python driver python/wsindy_dask.py (--dask ADDRESS).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { OptionError, WsindyError } from '../errors';
import { runKernelFile, type KernelKind } from './run';

export interface TaskRun {
  kind: KernelKind;
  task: string;
  result: string;
}

export interface TaskDone {
  /** Which worker ran it (engine-specific name). */
  worker: string;
  seconds: number;
  /** Peak RSS of the kernel's process, MB (0 when unknown). */
  rssMB: number;
}

export interface Engine {
  readonly name: string;
  /** Worker names known so far. */
  workers(): string[];
  /** Run the batch (in any order, as parallel as the engine goes); rejects on the first failure. */
  run(batch: readonly TaskRun[]): Promise<TaskDone[]>;
  close(): Promise<void>;
}

/** The error a failed kernel reported (its one stderr line), for the user. */
export class ShardTaskError extends WsindyError {
  constructor(message: string) {
    super('E_SHARD_TASK', message);
  }
}

/** Kernels in this process, one at a time (tests and tiny inputs; same files as every engine). */
export function inProcessEngine(): Engine {
  return {
    name: 'in-process',
    workers: () => ['in-process'],
    async run(batch) {
      const out: TaskDone[] = [];
      for (const t of batch) {
        const t0 = performance.now();
        const st = await runKernelFile(t.kind, t.task, t.result);
        out.push({ worker: 'in-process', seconds: st.seconds || (performance.now() - t0) / 1000, rssMB: st.maxRssMB });
      }
      return out;
    },
    async close() {},
  };
}

/** The command that starts this CLI: node, its flags (e.g. --import tsx) and the script. */
export function selfCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]];
}

/** The kernel's one stdout line: {"seconds": …, "maxRssMB": …}. */
function parseStats(stdout: string): { seconds: number; rssMB: number } {
  try {
    const s = JSON.parse(lastLine(stdout)) as { seconds?: number; maxRssMB?: number };
    return { seconds: Number(s.seconds) || 0, rssMB: Number(s.maxRssMB) || 0 };
  } catch {
    return { seconds: 0, rssMB: 0 };
  }
}

/** A `wsindy kernel-server` child: one task at a time over its stdin/stdout. */
class KernelServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  private exited: Error | null = null;

  constructor(command: string[]) {
    const [exe, ...args] = command;
    this.child = spawn(exe, [...args, 'kernel-server'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting;
      this.waiting = null;
      w?.resolve(line);
    });
    const gone = (why: string): void => {
      this.exited ??= new ShardTaskError(lastLine(this.stderr).replace(/^wsindy: /, '') || why);
      this.waiting?.reject(this.exited);
      this.waiting = null;
    };
    this.child.on('error', (e) => gone(`cannot start a kernel process: ${e.message}`));
    this.child.on('close', (code, sig) => gone(`a kernel process ${sig ? `was killed (${sig})` : `exited with code ${code}`}`));
  }

  run(t: TaskRun): Promise<{ seconds: number; rssMB: number }> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<string>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.stdin.write(JSON.stringify(t) + '\n');
    }).then((line) => {
      const r = JSON.parse(line) as { ok: boolean; error?: string; seconds?: number; maxRssMB?: number };
      if (!r.ok) throw new ShardTaskError(r.error ?? `the ${t.kind} kernel failed`);
      return { seconds: Number(r.seconds) || 0, rssMB: Number(r.maxRssMB) || 0 };
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const closed = new Promise<void>((res) => this.child.once('close', () => res()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), 5000);
    await closed;
    clearTimeout(timer);
  }
}

/** Up to `slots` kernel processes on this machine, each kept for the run (`wsindy kernel-server`). */
export function localEngine(slots: number, command: string[] = selfCommand()): Engine {
  if (!(Number.isInteger(slots) && slots >= 1)) throw new OptionError(`--local needs a positive number of processes, got ${slots}`);
  const names = Array.from({ length: slots }, (_, i) => `local-${i + 1}`);
  const servers: (KernelServer | null)[] = names.map(() => null);
  return {
    name: 'local',
    workers: () => names,
    async run(batch) {
      const done: TaskDone[] = new Array(batch.length);
      let next = 0;
      let failed: unknown = null;
      const slot = async (w: number): Promise<void> => {
        while (next < batch.length && failed === null) {
          const k = next++;
          const t0 = performance.now();
          try {
            servers[w] ??= new KernelServer(command);
            const st = await servers[w].run(batch[k]);
            done[k] = { worker: names[w], seconds: st.seconds || (performance.now() - t0) / 1000, rssMB: st.rssMB };
          } catch (e) {
            failed ??= e;
          }
        }
      };
      await Promise.all(names.map((_, w) => slot(w)));
      if (failed !== null) throw failed;
      return done;
    },
    async close() {
      await Promise.all(servers.map((s) => s?.close()));
    },
  };
}

export interface DaskOptions {
  /** Scheduler address, e.g. tcp://127.0.0.1:8786. */
  address: string;
  /** The Python with `distributed` (default: WSINDY_PYTHON, else /usr/bin/python3 if present, else python3). */
  python?: string;
  /** The driver script (default: python/wsindy_dask.py of the package). */
  driver: string;
  /** How the workers start the kernels (default: this CLI, at the same paths: a shared install). */
  command?: string[];
  /** Give up when no worker is connected for this long (seconds). */
  noWorkerTimeout?: number;
}

interface DriverMessage {
  ready?: boolean;
  workers?: string[];
  id?: number;
  ok?: boolean;
  worker?: string;
  error?: string;
  fatal?: string;
  /** The kernel's stdout (its stats line). */
  stats?: string;
}

/**
 * A Dask cluster through python/wsindy_dask.py: one driver process for the run, tasks and results as JSON
 * lines over its stdin/stdout. The driver ships each task file's bytes to a worker (client.submit), the
 * worker runs the kernel in a subprocess and returns the result's bytes, which the driver writes to the
 * result path here. Lost workers' tasks are rerun by the scheduler on the others.
 */
export async function daskEngine(o: DaskOptions): Promise<Engine> {
  const python = o.python ?? process.env.WSINDY_PYTHON ?? (await exists('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const command = o.command ?? selfCommand();
  const wait = o.noWorkerTimeout ?? 60;
  const args = [o.driver, '--scheduler', o.address, '--no-worker-timeout', String(wait), '--connect-timeout', String(Math.min(wait, 30)), '--', ...command];
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const waiting = new Map<number, { resolve: (m: DriverMessage) => void; reject: (e: Error) => void }>();
  let workers: string[] = [];
  let fatal: Error | null = null;
  let ready: (() => void) | null = null;
  let readyFail: ((e: Error) => void) | null = null;
  const readyP = new Promise<void>((res, rej) => {
    ready = res;
    readyFail = rej;
  });
  const fail = (e: Error): void => {
    fatal ??= e;
    readyFail?.(e);
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  child.on('error', (e) => fail(new OptionError(`cannot start the Dask driver with ${python}: ${e.message}`)));
  child.on('close', (code) => fail(new ShardTaskError(`the Dask driver stopped (exit ${code})${lastLine(stderr) ? `: ${lastLine(stderr)}` : ''}`)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    let m: DriverMessage;
    try {
      m = JSON.parse(line) as DriverMessage;
    } catch {
      return; // not ours (a library printing to stdout)
    }
    if (m.workers) workers = Array.from(new Set([...workers, ...m.workers]));
    if (m.fatal) return fail(new ShardTaskError(m.fatal));
    if (m.ready) return ready?.();
    if (m.id !== undefined) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.worker && !workers.includes(m.worker)) workers.push(m.worker);
      if (w) {
        if (m.ok) w.resolve(m);
        else w.reject(new ShardTaskError(m.error ?? 'a Dask task failed'));
      }
    }
  });
  await readyP;
  let nextId = 0;
  return {
    name: 'dask',
    workers: () => workers.slice(),
    async run(batch) {
      if (fatal) throw fatal;
      const ps = batch.map(async (t) => {
        const id = nextId++;
        const p = new Promise<DriverMessage>((resolve, reject) => waiting.set(id, { resolve, reject }));
        child.stdin.write(JSON.stringify({ id, kind: t.kind, task: t.task, result: t.result }) + '\n');
        const m = await p;
        const st = parseStats(m.stats ?? '');
        return { worker: m.worker ?? '?', seconds: st.seconds, rssMB: st.rssMB };
      });
      return Promise.all(ps);
    },
    async close() {
      if (child.exitCode !== null) return;
      const closed = new Promise<void>((res) => child.once('close', () => res()));
      // after a failure, tasks may still be queued or running: cancel them rather than wait
      if (waiting.size > 0) child.stdin.write(JSON.stringify({ cancel: true }) + '\n');
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop() ?? '';
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
