// Notebook renderer for `application/vnd.wsindy.model+json` (contributes.notebookRenderer): the object
// `wsindy info --json [--plots]` prints, drawn by the same ModelView as the `.wsindy` editor. It runs in
// the notebook's output webview (an ES module with `activate`), follows its theme, and asks the
// extension (renderer messaging, when available) to copy texts and save plots.
import type { CopyFormat, ImageFormat, ModelInfo, ModelViewData, PlotId, RendererToHost } from '../src/protocol/webview';
import { ModelView, type ViewState } from './view';
import { isHostMessage } from './guards';

/** The part of `vscode-notebook-renderer`'s API used here. */
interface OutputItem {
  readonly id: string;
  readonly mime: string;
  json(): unknown;
}
interface RendererContext {
  postMessage?(message: unknown): void;
  onDidReceiveMessage?(listener: (message: unknown) => void): { dispose(): void };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The view's inputs from an output's JSON, or why it cannot be shown. */
export function viewInputs(data: unknown): { ok: true; info: ModelInfo; plots: ModelViewData | null } | { ok: false; reason: string } {
  if (!isObj(data)) return { ok: false, reason: 'the output is not a JSON object' };
  if (!isHostMessage({ type: 'model', info: data.view })) return { ok: false, reason: 'the output has no "view" part (made by an older wsindy? run `wsindy info <model> --json --plots` again)' };
  const info = data.view as ModelInfo;
  const plots = data.plots === undefined ? null : isHostMessage({ type: 'data', data: data.plots }) ? (data.plots as ModelViewData) : null;
  return { ok: true, info, plots };
}

let styles: Promise<void> | undefined;
/**
 * KaTeX's and the view's stylesheets, next to this bundle (dist/: the only folder the output webview may
 * load from; the build copies media/view.css there). Resolves once both have loaded (or failed): until
 * then an output stays hidden, else KaTeX's MathML and HTML would flash side by side.
 */
function addStyles(): Promise<void> {
  styles ??= Promise.all(
    [new URL('./katex/katex.min.css', import.meta.url).href, new URL('./view.css', import.meta.url).href].map(
      (href) =>
        new Promise<void>((resolve) => {
          const link = document.createElement('link');
          link.rel = 'stylesheet';
          link.href = href;
          link.addEventListener('load', () => resolve());
          link.addEventListener('error', () => resolve());
          document.head.append(link);
        }),
    ),
  ).then(() => undefined);
  return styles;
}

interface Live {
  view: ModelView;
  element: HTMLElement;
}

let counter = 0;

export function activate(context: RendererContext) {
  void addStyles();
  // The toolkit reads VS Code's theme variables on the window's `load` event (and watches the body's
  // class only from then on). The output webview has loaded long before it imports this module, so its
  // buttons and tabs would keep the toolkit's default (dark) colours in every theme: replay the event.
  if (document.readyState === 'complete') window.dispatchEvent(new Event('load'));
  const live = new Map<string, Live>();
  /** Per output, for the life of the webview (outputs are re-rendered when scrolled back into view). */
  const states = new Map<string, ViewState>();
  let lastActive: ModelView | undefined;
  const post = (m: RendererToHost): boolean => {
    if (!context.postMessage) return false;
    context.postMessage(m);
    return true;
  };
  // Problems in this webview that come from this renderer (CSP violations, script errors) go to the
  // extension's log: the notebook shows nothing of them otherwise. Other renderers' are theirs.
  const base = new URL('..', import.meta.url).href;
  const ours = (file: string | undefined): boolean => !file || file.startsWith(base);
  document.addEventListener('securitypolicyviolation', (e) => {
    if (ours(e.sourceFile)) post({ type: 'log', level: 'error', text: `CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'an inline resource'} (${e.sourceFile}:${e.lineNumber})` });
  });
  window.addEventListener('error', (e) => {
    if (e.filename && ours(e.filename)) post({ type: 'log', level: 'error', text: `${String(e.message).slice(0, 2000)} (${e.filename}:${e.lineno})` });
  });
  context.onDidReceiveMessage?.((m) => {
    if (isObj(m) && m.type === 'notice' && typeof m.text === 'string') lastActive?.setStatus(m.text);
  });

  // Theme changes (body class, CSS variables): redraw every plot with the new colours.
  let themeKey = `${document.body.className}|${document.documentElement.getAttribute('style') ?? ''}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onTheme = (): void => {
    const key = `${document.body.className}|${document.documentElement.getAttribute('style') ?? ''}`;
    if (key === themeKey) return;
    themeKey = key;
    clearTimeout(timer);
    timer = setTimeout(() => live.forEach((l) => void l.view.renderPlots()), 50);
  };
  new MutationObserver(onTheme).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  new MutationObserver(onTheme).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

  const dispose = (id: string): void => {
    const l = live.get(id);
    if (!l) return;
    l.view.dispose();
    live.delete(id);
  };

  return {
    renderOutputItem(item: OutputItem, element: HTMLElement): void {
      const t0 = performance.now();
      dispose(item.id);
      const state = states.get(item.id) ?? {};
      states.set(item.id, state);
      const root = document.createElement('div');
      element.replaceChildren(root);
      let fileName = 'model.wsindy';
      // Without the extension (another host, no renderer messaging): the page's own clipboard.
      const copyFallback = (text: string): void => {
        void navigator.clipboard?.writeText(text).then(() => view.setStatus('Copied.'), () => view.setStatus('Copying needs the Weak-SINDy extension.'));
      };
      const view: ModelView = new ModelView(
        root,
        {
          state: () => state,
          saveState: (patch) => Object.assign(state, patch),
          copy: (format: CopyFormat, text: string) => {
            lastActive = view;
            if (!post({ type: 'copy', format, text })) copyFallback(text);
          },
          savePlot: (plot: PlotId, format: ImageFormat, data: string) => {
            lastActive = view;
            if (!post({ type: 'savePlot', plot, format, data, model: fileName })) view.setStatus('Saving plots needs the Weak-SINDy extension.');
          },
          log: (level, text) => void post({ type: 'log', level, text }),
          plotsReady: () => element.setAttribute('data-plots', 'ready'),
          noPlotsNote: 'No plots in this output: `wsindy info <model> --json --plots` includes them.',
        },
        `wsindy-${++counter}-`,
      );
      live.set(item.id, { view, element });
      const inputs = viewInputs(item.json());
      if (!inputs.ok) {
        view.showErrorPage('E_FORMAT', inputs.reason, 'This Weak-SINDy output cannot be shown');
        return;
      }
      fileName = inputs.info.summary.fileName;
      root.hidden = true;
      view.showModel(inputs.info);
      const plots = inputs.plots;
      const current = (): boolean => live.get(item.id)?.view === view;
      void addStyles().then(() => {
        if (!current()) return;
        root.hidden = false;
        requestAnimationFrame(() => {
          // Time from the output given to the equations on screen (the UI test reads it; target ≤ 1 s).
          element.setAttribute('data-equations-ms', (performance.now() - t0).toFixed(0));
          // The plots only then: vega's first compile, synchronous, would hold that paint back ~1 s.
          if (plots) setTimeout(() => current() && view.showData(plots), 0);
        });
      });
    },
    disposeOutputItem(id?: string): void {
      if (id === undefined) [...live.keys()].forEach(dispose);
      else dispose(id);
    },
  };
}
