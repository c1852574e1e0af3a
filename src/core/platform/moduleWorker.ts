// Starting a module of this package as a worker thread, in the three ways the code runs: from TypeScript
// source (tests, benches: through tsx's require hook), compiled one file per module, and bundled (the
// module's own bundle next to the caller's, e.g. dist/csvParallel.js next to dist/worker.js).
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface WorkerScript {
  start(): Worker;
}

/**
 * How to start the module whose `__filename` is `self` as a worker with `workerData` { kind }. `bundle`:
 * the file name of its own bundle. null when none applies (the caller then works in one thread).
 */
export function moduleWorkerScript(self: string, dir: string, bundle: string, kind: string): WorkerScript | null {
  if (self.endsWith('.ts')) {
    let hook: string;
    try {
      // Resolved at run time only (not a bundle dependency): tsx is a dev dependency.
      hook = require.resolve(['tsx', 'cjs'].join('/'));
    } catch {
      return null;
    }
    const code = `require(${JSON.stringify(hook)}); require(${JSON.stringify(self)});`;
    return { start: () => new Worker(code, { eval: true, workerData: { kind } }) };
  }
  const script = basename(self) === bundle ? self : join(dir, bundle);
  if (!existsSync(script)) return null;
  return { start: () => new Worker(script, { workerData: { kind } }) };
}
