// The `.wsindy` custom editor ("model view"): a read-only webview showing the discovered equations at
// once (from the header, read on the host: cheap) and the plots when the worker has built them.
// Everything the page posts is validated (messages.ts); the page can only ask for: copy a text the host
// made, save an image where the user chooses in a dialog, run Reconstruct on this file, retry, log.
import * as vscode from 'vscode';
import type { HostToWebview, ModelInfo, ModelViewData, WebviewToHost } from '../../protocol/webview';
import { readWsindyHeader } from '../../core/codec/decode';
import { serializeError } from '../../core/errors';
import { buildModelInfo } from '../../core/view/viewData';
import { makeNonce, modelViewHtml } from './html';
import { parseWebviewMessage, plotBytes } from './messages';

export const MODEL_VIEW_TYPE = 'wsindy.modelView';

/** Settings read by the view (contributed by the extension's package.json; defaults here if absent). */
const SIG_DIGITS_SETTING = 'significantDigits';
const PLOT_POINTS_SETTING = 'plotPoints';
const DEFAULT_SIG_DIGITS = 4;
const DEFAULT_PLOT_POINTS = 2000;

export type RunViewDataJob = (modelPath: string, maxPoints: number) => Promise<ModelViewData>;

export interface ModelViewOptions {
  /** Where malformed messages and failures are logged (the extension's output channel). */
  log?: (level: 'info' | 'error', line: string) => void;
}

/** Register the custom editor. `runViewDataJob` runs the worker's viewData job (never on this thread). */
export function registerModelView(context: vscode.ExtensionContext, runViewDataJob: RunViewDataJob, options: ModelViewOptions = {}): vscode.Disposable {
  const log = options.log ?? ((level, line) => (level === 'error' ? console.error : console.log)(`[model view] ${line}`));
  const provider = new ModelViewProvider(context.extensionUri, runViewDataJob, log);
  // No retainContextWhenHidden: the page keeps its own state (getState/setState) and the host re-posts
  // the cached messages when a hidden page comes back.
  return vscode.window.registerCustomEditorProvider(MODEL_VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: true });
}

class ModelDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    // Nothing held: bytes are read per view.
  }
}

class ModelViewProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runViewDataJob: RunViewDataJob,
    private readonly log: (level: 'info' | 'error', line: string) => void,
  ) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    return new ModelDocument(uri);
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    new ModelViewSession(document.uri, panel, this.extensionUri, this.runViewDataJob, this.log);
  }
}

type FileState = { kind: 'loading' } | { kind: 'ok'; info: ModelInfo } | { kind: 'error'; code: string; message: string };
type PlotState = { kind: 'loading' } | { kind: 'ok'; data: ModelViewData } | { kind: 'error'; code: string; message: string };

function errorParts(e: unknown): { code: string; message: string } {
  // JobError from the worker client carries the serialized error; core errors serialize themselves.
  if (typeof e === 'object' && e !== null && 'error' in e) {
    const inner = (e as { error: unknown }).error;
    if (typeof inner === 'object' && inner !== null && typeof (inner as { code?: unknown }).code === 'string' && typeof (inner as { message?: unknown }).message === 'string') {
      return { code: (inner as { code: string }).code, message: (inner as { message: string }).message };
    }
  }
  const s = serializeError(e);
  return { code: s.code, message: s.message };
}

function basename(uri: vscode.Uri): string {
  const p = uri.path;
  return p.slice(p.lastIndexOf('/') + 1);
}

function config(): { sigDigits: number; plotPoints: number } {
  const c = vscode.workspace.getConfiguration('wsindy');
  const sig = c.get<number>(SIG_DIGITS_SETTING, DEFAULT_SIG_DIGITS);
  const pts = c.get<number>(PLOT_POINTS_SETTING, DEFAULT_PLOT_POINTS);
  return {
    sigDigits: Number.isInteger(sig) && sig >= 1 && sig <= 17 ? sig : DEFAULT_SIG_DIGITS,
    plotPoints: Number.isInteger(pts) && pts >= 100 && pts <= 100_000 ? pts : DEFAULT_PLOT_POINTS,
  };
}

class ModelViewSession {
  private file: FileState = { kind: 'loading' };
  private plots: PlotState = { kind: 'loading' };
  private ready = false;
  private disposed = false;
  /** Bumped on every (re)load so late results of an older load are dropped. */
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly folder: vscode.Uri;
  private readonly fileName: string;

  constructor(
    private readonly uri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly runViewDataJob: RunViewDataJob,
    private readonly log: (level: 'info' | 'error', line: string) => void,
  ) {
    this.folder = vscode.Uri.joinPath(uri, '..');
    this.fileName = basename(uri);
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    const webview = panel.webview;
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [dist, media] };
    webview.html = modelViewHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      styleNonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      katexCssUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'katex', 'katex.min.css')).toString(),
      cssUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'modelView.css')).toString(),
      viewCssUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'view.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`wsindy.${SIG_DIGITS_SETTING}`)) void this.load(false);
        else if (e.affectsConfiguration(`wsindy.${PLOT_POINTS_SETTING}`)) this.startPlots();
      }),
    );
    // A rewritten model (e.g. compressed again) reloads the view.
    if (uri.scheme === 'file') {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(this.folder, this.fileName));
      this.disposables.push(watcher, watcher.onDidChange(() => void this.load(true)), watcher.onDidCreate(() => void this.load(true)));
    }
    // Start reading while the page boots: equations go out as soon as it says 'ready'.
    void this.load(true);
  }

  private dispose(): void {
    this.disposed = true;
    this.generation++;
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private post(m: HostToWebview): void {
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(m);
  }

  private postAll(): void {
    const f = this.file;
    if (f.kind === 'error') return this.post({ type: 'error', scope: 'file', code: f.code, message: f.message });
    if (f.kind === 'loading') return;
    this.post({ type: 'model', info: f.info });
    const p = this.plots;
    if (p.kind === 'ok') this.post({ type: 'data', data: p.data });
    else if (p.kind === 'error') this.post({ type: 'error', scope: 'plots', code: p.code, message: p.message });
    else this.post({ type: 'loading' });
  }

  /** Read the header (cheap, here) and post the equations; then the plots (worker) unless `withPlots` is false. */
  private async load(withPlots: boolean): Promise<void> {
    const gen = ++this.generation;
    const { sigDigits } = config();
    let file: FileState;
    try {
      const bytes = await vscode.workspace.fs.readFile(this.uri);
      file = { kind: 'ok', info: buildModelInfo(readWsindyHeader(bytes), this.fileName, sigDigits) };
    } catch (e) {
      const { code, message } = errorParts(e);
      file = { kind: 'error', code, message: `${this.fileName}: ${message}` };
      this.log('error', `model view: cannot open ${this.uri.fsPath}: ${code} ${message}`);
    }
    if (gen !== this.generation) return;
    this.file = file;
    this.postAll();
    if (file.kind === 'ok' && withPlots) this.startPlots();
  }

  private startPlots(): void {
    if (this.file.kind !== 'ok' || this.disposed) return;
    const gen = this.generation;
    this.plots = { kind: 'loading' };
    this.post({ type: 'loading' });
    this.runViewDataJob(this.uri.fsPath, config().plotPoints).then(
      (data) => {
        if (gen !== this.generation) return;
        this.plots = { kind: 'ok', data };
        this.post({ type: 'data', data });
      },
      (e: unknown) => {
        if (gen !== this.generation) return;
        const { code, message } = errorParts(e);
        this.log('error', `model view: plots for ${this.uri.fsPath} failed: ${code} ${message}`);
        // A file the header reader accepted but the full decoder rejects is still a bad file.
        if (code === 'E_FORMAT') {
          this.file = { kind: 'error', code, message: `${this.fileName}: ${message}` };
          this.postAll();
          return;
        }
        this.plots = { kind: 'error', code, message };
        this.post({ type: 'error', scope: 'plots', code, message });
      },
    );
  }

  private async onMessage(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.log('error', `model view: ignored a malformed message from the page (${parsed.reason})`);
      return;
    }
    try {
      await this.handle(parsed.message);
    } catch (e) {
      const { message } = errorParts(e);
      this.log('error', `model view: ${parsed.message.type} failed: ${message}`);
      this.post({ type: 'notice', text: `Failed: ${message}` });
    }
  }

  private async handle(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        // Also sent when a hidden page is shown again (it reloads): re-post what we have.
        this.ready = true;
        this.postAll();
        return;
      case 'copy': {
        if (this.file.kind !== 'ok') return;
        await vscode.env.clipboard.writeText(this.file.info.sources[m.format]);
        const what = { latex: 'LaTeX', text: 'plain text', python: 'Python' }[m.format];
        this.post({ type: 'notice', text: `Copied the equations as ${what}.` });
        return;
      }
      case 'savePlot': {
        // The page supplies only the image; the place is the user's choice, starting in the model's folder.
        const stem = this.fileName.replace(/\.wsindy$/i, '');
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(this.folder, `${stem}-${m.plot}.${m.format}`),
          filters: m.format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
          saveLabel: `Save ${m.format.toUpperCase()}`,
          title: `Save the ${m.plot} plot`,
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, plotBytes(m));
        this.post({ type: 'notice', text: `Saved ${basename(target)}.` });
        return;
      }
      case 'reconstruct':
        await vscode.commands.executeCommand('wsindy.reconstruct', this.uri);
        return;
      case 'retry':
        if (this.file.kind === 'ok') this.startPlots();
        else await this.load(true);
        return;
      case 'log':
        this.log(m.level, `model view page: ${m.text}`);
        return;
    }
  }
}
