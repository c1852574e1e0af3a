// The "Weak-SINDy" notebook kernel for `.ipynb` notebooks: each cell is a CLI command line
// (cellCommand.ts) run in the worker, with its progress in the cell's output. Interrupting cancels the
// job (the worker client removes whatever it wrote); failures are error outputs with the CLI's
// one-line message. `compress` and `info` outputs carry the model (mime type MODEL_MIME: the object
// `wsindy info --json --plots` prints, drawn by the notebook renderer) and its text/plain form.
// Created only in a trusted workspace: the kernel reads and writes files where the notebook says.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { ModelDescription } from '../../core/api';
import { OptionError } from '../../core/errors';
import type { ProgressEvent } from '../../core/progress';
import type { CompressSummary } from '../../core/options';
import { JobError, type WorkerClient } from '../workerClient';
import { ProgressMapper } from '../jobs';
import { readJobLimits } from '../settings';
import { parseCell, type CellCommand } from './cellCommand';
import { MODEL_MIME } from '../../protocol/webview';
import type { Log } from '../log';

export const CONTROLLER_ID = 'wsindy.kernel';
export const CONTROLLER_LABEL = 'Weak-SINDy';
/** Kernel name a notebook can carry in metadata.kernelspec.name to prefer this kernel. */
export const KERNELSPEC_NAME = 'wsindy';
const PROGRESS_INTERVAL_MS = 250;
/** Cell languages of command-line notebooks that are not registered VS Code languages. */
const CELL_LANGUAGE_NAMES = ['shell', 'bash', 'sh', 'wsindy'];

const PHASE_TEXT: Record<string, string> = {
  read: 'reading',
  pod: 'POD',
  identify: 'identifying equations',
  code: 'coding the residual',
  write: 'writing',
  decode: 'decoding',
  integrate: 'integrating the model',
};

/** Register the kernel now if the workspace is trusted, else as soon as it is. */
export function registerNotebookKernel(client: WorkerClient, log: Log): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  let kernel: WsindyKernel | undefined;
  const create = (): void => {
    if (kernel || !vscode.workspace.isTrusted) return;
    kernel = new WsindyKernel(client, log);
    disposables.push(kernel);
  };
  create();
  disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(create));
  return { dispose: () => disposables.splice(0).forEach((d) => d.dispose()) };
}

/** The `file` field as the notebook sees it: relative to its folder (a saved notebook holds no absolute paths). */
function forNotebook(d: ModelDescription, folder: string): ModelDescription {
  const rel = relative(folder, d.file);
  return { ...d, file: rel.startsWith('..') ? d.file : rel };
}

function modelOutput(d: ModelDescription, text: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.json(d, MODEL_MIME), vscode.NotebookCellOutputItem.text(text, 'text/plain')]);
}

function errorOutput(message: string): vscode.NotebookCellOutput {
  // name + message only: the CLI's one line, no stack trace.
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name: 'wsindy', message, stack: '' })]);
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/** The CLI's compress summary lines, with the outcome. */
function compressText(s: CompressSummary, d: ModelDescription, shown: string): string {
  const bound = s.bound === null ? 'model-only' : `bound ${fmt(s.bound)}`;
  return [
    `${shown}: ${s.n} variables × ${s.m} steps, ${s.pod ? `POD rank ${s.rank}` : 'no POD'}`,
    d.outcomeText,
    ...(d.outcome.kind === 'sparse' ? s.equations.map((e) => `  ${e}`) : []),
    `ratio ${s.ratioVsCsv.toFixed(1)}× vs CSV, ${s.ratioVsFloat64.toFixed(1)}× vs float64; max error ${fmt(s.maxError)} (${bound})`,
  ].join('\n');
}

/** The kernelspec and language_info a Weak-SINDy notebook carries in its ipynb metadata. */
export const KERNELSPEC = { name: KERNELSPEC_NAME, display_name: CONTROLLER_LABEL, language: 'shell' } as const;

type IpynbMetadata = { metadata?: { kernelspec?: { name?: unknown }; language_info?: unknown } & Record<string, unknown> } & Record<string, unknown>;

async function writeKernelspec(nb: vscode.NotebookDocument): Promise<void> {
  if (nb.notebookType !== 'jupyter-notebook') return;
  const meta = nb.metadata as IpynbMetadata;
  if (meta.metadata?.kernelspec?.name === KERNELSPEC_NAME) return;
  const edit = new vscode.WorkspaceEdit();
  edit.set(nb.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...meta, metadata: { ...meta.metadata, kernelspec: { ...KERNELSPEC }, language_info: { name: 'shell' } } })]);
  await vscode.workspace.applyEdit(edit);
}

class WsindyKernel implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private readonly disposables: vscode.Disposable[] = [];
  private order = 0;

  constructor(
    private readonly client: WorkerClient,
    private readonly log: Log,
  ) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, 'jupyter-notebook', CONTROLLER_LABEL);
    this.controller.description = 'Cells are wsindy command lines: compress, reconstruct, info';
    this.controller.detail = 'Runs in the Weak-SINDy worker; paths are relative to the notebook.';
    this.controller.supportsExecutionOrder = true;
    // VS Code runs only cells whose language the kernel lists (by default: the registered languages), and
    // Jupyter notebooks often say "shell" or "bash", which no extension registers. So every registered
    // language, shell script first (the language of new cells), and those names.
    this.controller.supportedLanguages = ['shellscript', ...CELL_LANGUAGE_NAMES];
    void vscode.languages.getLanguages().then((ids) => {
      this.controller.supportedLanguages = [...new Set(['shellscript', ...ids, ...CELL_LANGUAGE_NAMES])];
    });
    this.controller.executeHandler = (cells, notebook) => this.executeAll(cells, notebook);
    this.disposables.push(this.controller);
    // Notebooks saved with the Weak-SINDy kernelspec prefer this kernel when opened again.
    const prefer = (nb: vscode.NotebookDocument): void => {
      const spec = (nb.metadata as { metadata?: { kernelspec?: { name?: unknown } } }).metadata?.kernelspec;
      if (nb.notebookType === 'jupyter-notebook' && spec?.name === KERNELSPEC_NAME) this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.disposables.push(vscode.workspace.onDidOpenNotebookDocument(prefer));
    // Selecting the kernel writes its kernelspec into the notebook (as Jupyter kernels do), so the saved
    // .ipynb names it and prefers it when opened again, here or in another editor.
    this.disposables.push(
      this.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (selected) void writeKernelspec(notebook);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private async executeAll(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    // One after another, as a kernel runs them.
    for (const cell of cells) await this.execute(cell, notebook);
  }

  private async execute(cell: vscode.NotebookCell, notebook: vscode.NotebookDocument): Promise<void> {
    const execution = this.controller.createNotebookCellExecution(cell);
    execution.executionOrder = ++this.order;
    execution.start(Date.now());
    await execution.clearOutput();
    const folder = notebook.uri.scheme === 'untitled' ? (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd()) : dirname(notebook.uri.fsPath);
    let ok = false;
    try {
      const command = parseCell(cell.document.getText(), folder);
      const outputs = await this.run(command, folder, execution);
      await execution.replaceOutput(outputs);
      ok = true;
    } catch (e) {
      const code = e instanceof JobError ? e.code : e instanceof OptionError ? e.code : 'E_INTERNAL';
      if (code === 'E_CANCELLED') {
        await execution.replaceOutput([new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text('Interrupted: nothing was written.', 'text/plain')])]);
      } else {
        const message = e instanceof Error ? e.message : String(e);
        this.log.info(`notebook cell failed: [${code}] ${message}`);
        await execution.replaceOutput([errorOutput(message)]);
      }
    } finally {
      execution.end(ok, Date.now());
    }
  }

  /** Progress as one text line in the cell, throttled. */
  private progress(execution: vscode.NotebookCellExecution, what: string, kind: 'compress' | 'reconstruct' | null): (e: ProgressEvent) => void {
    const mapper = kind ? new ProgressMapper(kind) : null;
    let last = 0;
    return (e) => {
      const now = Date.now();
      const pct = mapper ? mapper.percent(e) : Math.round(e.fraction * 100);
      mapper?.increment(e);
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      const line = `${what}: ${PHASE_TEXT[e.phase] ?? e.phase} … ${Math.round(pct)}%`;
      void execution.replaceOutput([new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(line, 'text/plain')])]);
    };
  }

  private async run(c: CellCommand, folder: string, execution: vscode.NotebookCellExecution): Promise<vscode.NotebookCellOutput[]> {
    const limits = readJobLimits();
    const token = execution.token;
    const show = (p: string): string => {
      const r = relative(folder, p);
      return r.startsWith('..') ? p : r;
    };
    const refuse = (out: string, force: boolean): void => {
      if (!force && existsSync(out)) throw new OptionError(`${show(out)} exists; pass --force to overwrite it`);
    };
    const opts = { token, maxMemoryMB: limits.maxMemoryMB, timeoutMs: limits.timeoutMs };
    switch (c.kind) {
      case 'compress': {
        refuse(c.outPath, c.force);
        const s = await this.client.compress(c.csvPath, c.outPath, c.options, { ...opts, onProgress: this.progress(execution, `compress ${show(c.csvPath)}`, 'compress') });
        // the model is written: an interrupt from here on must not report "nothing was written", so the
        // (read-only, short) description of it is not cancellable
        const d = forNotebook(await this.client.describe(c.outPath, { plots: true }, { maxMemoryMB: opts.maxMemoryMB, timeoutMs: opts.timeoutMs }), folder);
        return [modelOutput(d, compressText(s, d, show(s.outPath)))];
      }
      case 'reconstruct': {
        refuse(c.outPath, c.force);
        const s = await this.client.reconstruct(c.modelPath, c.outPath, { ...opts, onProgress: this.progress(execution, `reconstruct ${show(c.modelPath)}`, 'reconstruct') });
        return [new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(`${show(s.outPath)}: ${s.n} variables × ${s.m} steps, ${s.bytesWritten} bytes`, 'text/plain')])];
      }
      case 'info': {
        const d = forNotebook(await this.client.describe(c.modelPath, { plots: true, equations: c.equations }, { ...opts, onProgress: this.progress(execution, `info ${show(c.modelPath)}`, null) }), folder);
        return [modelOutput(d, d.text)];
      }
    }
  }
}
