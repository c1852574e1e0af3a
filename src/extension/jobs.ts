// Compression and reconstruction jobs as the user sees them: questions before starting (size,
// overwrite), one cancellable progress notification per job, one writer per output file, and a
// result or failure message at the end. The work itself happens in a worker (workerClient.ts).
import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { CompressOptions, CompressSummary, ReconstructSummary } from '../core/options';
import type { Phase, ProgressEvent } from '../core/progress';
import type { SerializedError } from '../core/errors';
import { JobError, type WorkerClient } from './workerClient';
import { readCompressOptions, readJobLimits, SettingError } from './settings';
import type { Log } from './log';

export type JobKind = 'compress' | 'reconstruct';

/** How a job ended; commands resolve to one of these per input file. */
export type JobOutcome =
  | { status: 'done'; kind: 'compress'; input: vscode.Uri; output: vscode.Uri; summary: CompressSummary }
  | { status: 'done'; kind: 'reconstruct'; input: vscode.Uri; output: vscode.Uri; summary: ReconstructSummary }
  | { status: 'failed'; kind: JobKind; input: vscode.Uri; output?: vscode.Uri; error: SerializedError }
  | { status: 'cancelled'; kind: JobKind; input: vscode.Uri; output?: vscode.Uri }
  /** Not started: the user declined (size, overwrite) or another job is writing the same output. */
  | { status: 'skipped'; kind: JobKind; input: vscode.Uri; output?: vscode.Uri; reason: string };

export interface JobRunOptions {
  /** Output file; default `<name>.wsindy` (compress) or `<name>.reconstructed.csv` (reconstruct) beside the input. */
  output?: vscode.Uri;
  /** Replace an existing output without asking. */
  overwrite?: boolean;
  /** Extra cancellation source (besides the notification's Cancel button). */
  token?: vscode.CancellationToken;
  /** Called with every progress event the worker posts (after the notification is updated). */
  onProgress?: (event: ProgressEvent) => void;
}

export interface CompressRunOptions extends JobRunOptions {
  /** Values that override the settings (e.g. from "Compress with Options…"). */
  options?: Partial<CompressOptions>;
}

/** Share of the progress bar each phase takes, in the order the engine runs them. */
const PHASE_WEIGHTS: Record<JobKind, [Phase, number][]> = {
  compress: [['read', 25], ['pod', 10], ['identify', 30], ['code', 25], ['write', 10]],
  reconstruct: [['read', 5], ['decode', 15], ['integrate', 50], ['write', 30]],
};

const PHASE_LABELS: Record<Phase, string> = {
  read: 'Reading',
  pod: 'POD',
  identify: 'Identifying equations',
  code: 'Coding the residual',
  write: 'Writing',
  decode: 'Decoding',
  integrate: 'Integrating the model',
};

/** Turns phase-relative progress events into monotone increments of a 0..100 bar. */
export class ProgressMapper {
  private reported = 0;
  constructor(private readonly kind: JobKind) {}

  /** Percent done overall for an event (never goes back). */
  percent(e: ProgressEvent): number {
    let before = 0;
    let total = 0;
    let found = false;
    for (const [phase, w] of PHASE_WEIGHTS[this.kind]) {
      total += w;
      if (phase === e.phase) {
        found = true;
        before += w * Math.min(1, Math.max(0, e.fraction));
      } else if (!found) before += w;
    }
    if (!found) return this.reported;
    return Math.max(this.reported, Math.min(100, (100 * before) / total));
  }

  /** The `increment` to report for an event (0 when the bar does not move). */
  increment(e: ProgressEvent): number {
    const p = this.percent(e);
    const inc = p - this.reported;
    this.reported = p;
    return inc;
  }
}

export function isFileLike(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' || uri.scheme === 'vscode-remote';
}

export function hasExtension(uri: vscode.Uri, ext: string): boolean {
  return uri.path.toLowerCase().endsWith(ext.toLowerCase());
}

/** `<dir>/<name><newExt>` where name is the input's base name without `dropExt`. */
export function sibling(uri: vscode.Uri, dropExt: string, newExt: string): vscode.Uri {
  const base = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  const stem = base.toLowerCase().endsWith(dropExt.toLowerCase()) ? base.slice(0, base.length - dropExt.length) : base;
  return vscode.Uri.joinPath(uri, '..', stem + newExt);
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(+x.toPrecision(3)) : x.toExponential(2);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

export class Jobs {
  /** Outputs being written right now (absolute paths): never two writers on one file. */
  private readonly writing = new Set<string>();

  constructor(
    private readonly client: WorkerClient,
    private readonly log: Log,
  ) {}

  /** Outputs currently being written (for diagnostics and tests). */
  activeOutputs(): string[] {
    return [...this.writing];
  }

  async compress(csv: vscode.Uri, run: CompressRunOptions = {}): Promise<JobOutcome> {
    const kind = 'compress';
    if (!isFileLike(csv)) return this.fail(kind, csv, undefined, { code: 'E_UNSUPPORTED', message: `${csv.toString()} is not a file on disk.` });
    let options: CompressOptions;
    let limits;
    try {
      options = readCompressOptions(csv, run.options);
      limits = readJobLimits(csv);
    } catch (e) {
      return this.settingFailure(kind, csv, e);
    }
    const output = run.output ?? sibling(csv, '.csv', '.wsindy');
    let size: number;
    try {
      size = (await stat(csv.fsPath)).size;
    } catch {
      return this.fail(kind, csv, output, { code: 'E_NOT_FOUND', message: `${csv.fsPath}: file not found.` });
    }
    if (limits.maxFileBytes > 0 && size > limits.maxFileBytes) {
      const go = 'Compress';
      const answer = await vscode.window.showWarningMessage(
        `${basename(csv.fsPath)} is ${formatBytes(size)}, over the ${formatBytes(limits.maxFileBytes)} set in wsindy.maxFileSizeMB. Compress it anyway?`,
        { modal: true, detail: 'Large files take longer and need more memory; the job can be cancelled from its notification.' },
        go,
      );
      if (answer !== go) return this.skip(kind, csv, output, 'declined: file over wsindy.maxFileSizeMB');
    }
    return this.runJob(kind, csv, output, run, (token, onProgress) =>
      this.client.compress(csv.fsPath, output.fsPath, options, { token, onProgress, maxMemoryMB: limits.maxMemoryMB, timeoutMs: limits.timeoutMs }),
    );
  }

  async reconstruct(model: vscode.Uri, run: JobRunOptions = {}): Promise<JobOutcome> {
    const kind = 'reconstruct';
    if (!isFileLike(model)) return this.fail(kind, model, undefined, { code: 'E_UNSUPPORTED', message: `${model.toString()} is not a file on disk.` });
    let limits;
    try {
      limits = readJobLimits(model);
    } catch (e) {
      return this.settingFailure(kind, model, e);
    }
    if (!(await exists(model.fsPath))) return this.fail(kind, model, undefined, { code: 'E_NOT_FOUND', message: `${model.fsPath}: file not found.` });
    const output = run.output ?? sibling(model, '.wsindy', '.reconstructed.csv');
    return this.runJob(kind, model, output, run, (token, onProgress) =>
      this.client.reconstruct(model.fsPath, output.fsPath, { token, onProgress, maxMemoryMB: limits.maxMemoryMB, timeoutMs: limits.timeoutMs }),
    );
  }

  private async runJob<S extends CompressSummary | ReconstructSummary>(
    kind: JobKind,
    input: vscode.Uri,
    output: vscode.Uri,
    run: JobRunOptions,
    work: (token: vscode.CancellationToken, onProgress: (e: ProgressEvent) => void) => Promise<S>,
  ): Promise<JobOutcome> {
    const outPath = resolve(output.fsPath);
    if (resolve(input.fsPath) === outPath) return this.fail(kind, input, output, { code: 'E_OPTION', message: 'The output would replace the input file.' });
    if (this.writing.has(outPath)) {
      const reason = `${basename(outPath)} is already being written by another Weak-SINDy job; wait for it to finish.`;
      void vscode.window.showWarningMessage(reason);
      return this.skip(kind, input, output, reason);
    }
    if (!run.overwrite && (await exists(outPath))) {
      const replace = 'Overwrite';
      const answer = await vscode.window.showWarningMessage(
        `${basename(outPath)} already exists in ${dirname(outPath)}. Overwrite it?`,
        { modal: true },
        replace,
      );
      if (answer !== replace) return this.skip(kind, input, output, 'declined: output exists');
    }
    // Checked again: another job may have claimed the output while the question was open.
    if (this.writing.has(outPath)) {
      const reason = `${basename(outPath)} is already being written by another Weak-SINDy job; wait for it to finish.`;
      void vscode.window.showWarningMessage(reason);
      return this.skip(kind, input, output, reason);
    }
    this.writing.add(outPath);
    const name = basename(input.fsPath);
    const title = kind === 'compress' ? `Compressing ${name}` : `Reconstructing ${basename(outPath)}`;
    try {
      const summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, notificationToken) => {
          const cts = new vscode.CancellationTokenSource();
          const subs = [notificationToken.onCancellationRequested(() => cts.cancel())];
          if (run.token) subs.push(run.token.onCancellationRequested(() => cts.cancel()));
          if (run.token?.isCancellationRequested) cts.cancel();
          const mapper = new ProgressMapper(kind);
          try {
            return await work(cts.token, (e) => {
              const increment = mapper.increment(e);
              const label = PHASE_LABELS[e.phase] ?? e.phase;
              const pct = e.phase === 'read' ? ` ${Math.round(e.fraction * 100)}%` : '';
              progress.report({ increment, message: e.message ? `${label}${pct}: ${e.message}` : `${label}${pct}…` });
              run.onProgress?.(e);
            });
          } finally {
            for (const s of subs) s.dispose();
            cts.dispose();
          }
        },
      );
      if (kind === 'compress') {
        const s = summary as CompressSummary;
        this.log.info(`compressed ${input.fsPath} -> ${outPath}: ${s.sourceBytes} -> ${s.fileBytes} bytes (×${s.ratioVsCsv.toFixed(2)}), max error ${s.maxError}${s.bound !== null ? ` (bound ${s.bound})` : ''}`);
        for (const eq of s.equations) this.log.info(`  ${eq}`);
        this.notifyCompressed(input, output, s);
        return { status: 'done', kind, input, output, summary: s };
      }
      const s = summary as ReconstructSummary;
      this.log.info(`reconstructed ${input.fsPath} -> ${outPath}: ${s.n} variables × ${s.m} steps, ${s.bytesWritten} bytes`);
      this.notifyReconstructed(output, s);
      return { status: 'done', kind, input, output, summary: s };
    } catch (e) {
      const err = e instanceof JobError ? e.error : { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) };
      if (err.code === 'E_CANCELLED') {
        this.log.info(`${kind} of ${input.fsPath} cancelled; no output left behind`);
        return { status: 'cancelled', kind, input, output };
      }
      if (e instanceof JobError && e.detail) this.log.error(e.detail);
      return this.fail(kind, input, output, err);
    } finally {
      this.writing.delete(outPath);
    }
  }

  private notifyCompressed(input: vscode.Uri, output: vscode.Uri, s: CompressSummary): void {
    const bound = s.bound !== null ? ` (bound ${fmt(s.bound)})` : ' (model only)';
    // the outcome first: sparse equations, a dense predictor, or "No governing equations found: …"
    const msg = `${basename(input.fsPath)} → ${basename(output.fsPath)}: ${s.outcomeText}. ${fmt(s.ratioVsCsv)}× smaller than the CSV (${formatBytes(s.sourceBytes)} → ${formatBytes(s.fileBytes)}), max error ${fmt(s.maxError)}${bound}.`;
    const open = 'Open Model';
    const reveal = 'Reveal in Explorer';
    void vscode.window.showInformationMessage(msg, open, reveal).then(async (choice) => {
      if (choice === open) await vscode.commands.executeCommand('vscode.open', output);
      else if (choice === reveal) await vscode.commands.executeCommand('revealInExplorer', output);
    });
  }

  private notifyReconstructed(output: vscode.Uri, s: ReconstructSummary): void {
    const open = 'Open CSV';
    const reveal = 'Reveal in Explorer';
    void vscode.window
      .showInformationMessage(`Reconstructed ${basename(output.fsPath)}: ${s.n} variables × ${s.m} time steps (${formatBytes(s.bytesWritten)}).`, open, reveal)
      .then(async (choice) => {
        if (choice === open) await vscode.commands.executeCommand('vscode.open', output);
        else if (choice === reveal) await vscode.commands.executeCommand('revealInExplorer', output);
      });
  }

  private settingFailure(kind: JobKind, input: vscode.Uri, e: unknown): JobOutcome {
    const message = e instanceof Error ? e.message : String(e);
    const error = { code: 'E_OPTION', message };
    this.log.error(`${kind} of ${input.fsPath} not started: ${message}`);
    const openSettings = 'Open Settings';
    void vscode.window.showErrorMessage(`Weak-SINDy: ${message}`, openSettings).then((c) => {
      if (c === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', e instanceof SettingError ? e.setting : 'wsindy');
    });
    return { status: 'failed', kind, input, error };
  }

  private fail(kind: JobKind, input: vscode.Uri, output: vscode.Uri | undefined, error: SerializedError): JobOutcome {
    const verb = kind === 'compress' ? 'compress' : 'reconstruct from';
    this.log.error(`${kind} of ${input.fsPath} failed [${error.code}]: ${error.message}`);
    const details = 'Show Details';
    void vscode.window.showErrorMessage(`Could not ${verb} ${basename(input.fsPath)}: ${firstLine(error.message)}`, details).then((c) => {
      if (c === details) this.log.show();
    });
    return { status: 'failed', kind, input, output, error };
  }

  private skip(kind: JobKind, input: vscode.Uri, output: vscode.Uri | undefined, reason: string): JobOutcome {
    this.log.info(`${kind} of ${input.fsPath} not started: ${reason}`);
    return { status: 'skipped', kind, input, output, reason };
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
