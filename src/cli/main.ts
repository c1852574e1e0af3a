// `wsindy` command line: compress | reconstruct | info, over the same engine as the extension.
// Exit code 0 on success; on failure one line on stderr (no stack trace) and exit code 1 (2 for usage).
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { compressFile, reconstructFile, describeModelFile, DESCRIPTION_PLOTS } from '../core/api';
import { COMPRESS_FLAGS, compressOptionsFromFlags } from '../core/compressFlags';
import { OptionError, WsindyError } from '../core/errors';
import type { ProgressEvent } from '../core/progress';
import type { CompressOptions } from '../core/options';
import { readFile } from 'node:fs/promises';
import { MODEL_MIME } from '../protocol/webview';
import { compressShards } from '../core/shards/compressShards';
import { daskEngine, localEngine } from '../core/shards/engine';
import { reconstructShards } from '../core/shards/reconstructShards';
import { runKernelFile, serveKernels } from '../core/shards/run';
import { listShards } from '../core/shards/shardFiles';

const USAGE = `Usage:
  wsindy compress <file.csv> [-o model.wsindy] [--tolerance T | --abs-error E | --model-only]
                  [--degree D|auto] [--threshold T|auto] [--rank R|auto] [--energy F] [--trig]
                  [--layout auto|rows|columns] [--time-column NAME] [--dt X]
                  [--comment-prefix TEXT] [--decimal auto|.|,]
                  [--streaming | --no-streaming] [--streaming-above-mb MB] [--force-model]
                  [--force] [--json] [--quiet]
  wsindy reconstruct <model.wsindy> [-o out.csv] [--force] [--json] [--quiet]
  wsindy info <model.wsindy> [--json [--plots] | --bundle] [--equations]
  wsindy compress-shards <folder|glob> -o out.wsindy [--dask tcp://host:8786 | --local N]
                  [--dask-timeout S] [--work-dir DIR] [compress flags] [--force] [--json] [--quiet]
  wsindy reconstruct <model.wsindy> --shards DIR [--force] [--json]
  wsindy kernel scan|prefix|fit|encode <task.json> -o <result.json>   (run by the engines)
  wsindy kernel-server   (kernels as JSON lines on stdin, run by the engines)`;

class UsageError extends Error {}

function progressPrinter(quiet: boolean): (e: ProgressEvent) => void {
  if (quiet || !process.stderr.isTTY) return () => undefined;
  let last = '';
  return (e) => {
    const line = `${e.phase} ${Math.round(e.fraction * 100)}%`;
    if (line !== last) process.stderr.write(`\r${line.padEnd(24)}`);
    last = line;
  };
}

function refuseOverwrite(path: string, force: boolean): void {
  if (!force && existsSync(path)) throw new OptionError(`${path} exists; pass --force to overwrite it`);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      ...COMPRESS_FLAGS,
      equations: { type: 'boolean' },
      force: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
      dask: { type: 'string' },
      local: { type: 'string' },
      'work-dir': { type: 'string' },
      'dask-timeout': { type: 'string' },
      shards: { type: 'string' },
      plots: { type: 'boolean' },
      bundle: { type: 'boolean' },
    },
  });
  const [command, input, ...extra] = positionals;
  if (values.help) {
    await say(USAGE);
    return;
  }
  if (command === 'kernel-server') {
    await serveKernels(process.stdin, (line) => process.stdout.write(line + '\n'));
    return;
  }
  if (command === 'kernel') {
    // one shard kernel on files (what --local and --dask run): prints its stats line
    if (!input || extra.length !== 1 || !values.output) throw new UsageError('kernel needs KIND TASK -o RESULT');
    await say(JSON.stringify(await runKernelFile(input, extra[0], values.output)));
    return;
  }
  if (!command || !input || extra.length > 0) throw new UsageError(command ? `expected one input file after '${command}'` : 'missing command');
  const progress = progressPrinter(Boolean(values.quiet || values.json));
  const endProgress = (): void => {
    if (!values.quiet && !values.json && process.stderr.isTTY) process.stderr.write('\r'.padEnd(26) + '\r');
  };

  const compressOptions = (): CompressOptions => compressOptionsFromFlags(values);

  switch (command) {
    case 'compress-shards': {
      const options = compressOptions();
      if (!values.output) throw new UsageError('compress-shards needs -o out.wsindy');
      refuseOverwrite(values.output, Boolean(values.force));
      if (values.dask !== undefined && values.local !== undefined) throw new OptionError('--dask and --local contradict each other');
      const files = await listShards(input);
      const engine =
        values.dask !== undefined
          ? await daskEngine({ address: values.dask, driver: daskDriverPath(), noWorkerTimeout: values['dask-timeout'] !== undefined ? parseCount(values['dask-timeout'], '--dask-timeout') : undefined })
          : localEngine(values.local !== undefined ? parseCount(values.local, '--local') : 1);
      let s;
      try {
        s = await compressShards(files, values.output, options, engine, basename(input), progress, { workDir: values['work-dir'] });
      } finally {
        await engine.close();
      }
      endProgress();
      if (values.json) await say(JSON.stringify(s, null, 2));
      else if (!values.quiet) {
        await say(`${s.outPath}: ${s.shards} shards, ${s.n} variables × ${s.m} steps, ${s.pod ? `POD rank ${s.rank}` : 'no POD'}; ${s.engine} engine, ${s.workers.length} workers`);
        await say(s.outcomeText);
        for (const eq of s.equations) await say(`  ${eq}`);
        const bound = s.bound === null ? 'model-only' : `bound ${fmt(s.bound)}`;
        await say(`ratio ${s.ratioVsCsv.toFixed(1)}× vs CSV, ${s.ratioVsFloat64.toFixed(1)}× vs float64; max error ${fmt(s.maxError)} (${bound})`);
      }
      return;
    }
    case 'compress': {
      const options = compressOptions();
      const out = values.output ?? join(dirname(input), basename(input, extname(input)) + '.wsindy');
      refuseOverwrite(out, Boolean(values.force));
      const s = await compressFile(input, out, options, progress);
      endProgress();
      if (values.json) {
        await say(JSON.stringify(s, null, 2));
      } else if (!values.quiet) {
        const how = s.segmentLength !== null ? `, streamed in segments of ${s.segmentLength} steps` : s.streaming ? ', streamed' : '';
        await say(`${s.outPath}: ${s.n} variables × ${s.m} steps, ${s.pod ? `POD rank ${s.rank}` : 'no POD'}${how}`);
        await say(s.outcomeText);
        for (const eq of s.equations) await say(`  ${eq}`);
        const bound = s.bound === null ? 'model-only' : `bound ${fmt(s.bound)}`;
        await say(`ratio ${s.ratioVsCsv.toFixed(1)}× vs CSV, ${s.ratioVsFloat64.toFixed(1)}× vs float64; max error ${fmt(s.maxError)} (${bound})`);
      }
      return;
    }
    case 'reconstruct': {
      if (values.shards !== undefined) {
        const s = await reconstructShards(await readFile(input), input, values.shards, Boolean(values.force), progress);
        endProgress();
        if (values.json) await say(JSON.stringify(s, null, 2));
        else if (!values.quiet) await say(`${s.dir}: ${s.files.length} shards, ${s.n} variables × ${s.m} steps`);
        return;
      }
      const out = values.output ?? join(dirname(input), basename(input, extname(input)) + '.reconstructed.csv');
      refuseOverwrite(out, Boolean(values.force));
      const s = await reconstructFile(input, out, progress);
      endProgress();
      if (values.json) await say(JSON.stringify(s, null, 2));
      else if (!values.quiet) await say(`${s.outPath}: ${s.n} variables × ${s.m} steps, ${s.bytesWritten} bytes`);
      return;
    }
    case 'info': {
      // --plots: downsampled plot series in the JSON (what the notebook renderer draws). --bundle: a
      // Jupyter mime bundle of it and its text (IPython.display.display(bundle, raw=True)).
      if (values.plots && !values.json) throw new OptionError('--plots adds the plot series to the JSON: use it with --json');
      if (values.bundle && values.json) throw new OptionError('--bundle prints its own JSON (the --json --plots object and its text): drop --json');
      const info = await describeModelFile(input, { equations: Boolean(values.equations), ...(values.plots || values.bundle ? { plots: DESCRIPTION_PLOTS } : {}) });
      if (values.bundle) await say(JSON.stringify({ [MODEL_MIME]: info, 'text/plain': info.text }));
      else await say(values.json ? JSON.stringify(info, null, 2) : info.text);
      return;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function parseCount(text: string, flag: string): number {
  const v = Number(text);
  if (!(Number.isInteger(v) && v >= 1 && v <= 1024)) throw new OptionError(`${flag} needs a whole number from 1 to 1024, got '${text}'`);
  return v;
}

/** python/wsindy_dask.py of the package: next to dist/ (bundle) or two levels up (src/cli, run from source). */
function daskDriverPath(): string {
  const candidates = [join(__dirname, '..', 'python', 'wsindy_dask.py'), join(__dirname, '..', '..', 'python', 'wsindy_dask.py')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new OptionError(`the Dask driver python/wsindy_dask.py is missing (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * One line (or a whole document) on stdout, resolved once it has been handed to the OS: through a pipe,
 * process.exit would otherwise drop what a slow reader has not taken yet (issue 14: JSON cut at 64 KiB).
 */
function say(text: string): Promise<void> {
  return written(process.stdout, `${text}\n`);
}

function written(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write(text, () => resolve());
  });
}

/** Exit once stdout and stderr hold nothing unwritten (an empty write completes after every earlier one). */
async function exitFlushed(code: number): Promise<never> {
  await Promise.all([written(process.stdout, ''), written(process.stderr, '')]);
  process.exit(code);
}

// a reader that stops early (`| head`) is not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

main(process.argv.slice(2)).then(
  () => exitFlushed(0),
  (err: unknown) => {
    if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(26) + '\r');
    if (err instanceof UsageError || (err instanceof Error && err.name === 'TypeError' && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`wsindy: ${err.message}\n${USAGE}\n`);
      return exitFlushed(2);
    }
    const message = err instanceof WsindyError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`wsindy: ${message}\n`);
    if (process.env.WSINDY_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitFlushed(1);
  },
);
