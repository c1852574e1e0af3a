// The model view's page (the `.wsindy` custom editor): the shared ModelView (webview/view.ts) driven
// by messages from the host (src/extension/modelView/provider.ts), its state kept with
// getState/setState, scroll restored, plots redrawn on theme and width changes.
import type { HostToWebview, WebviewToHost } from '../src/protocol/webview';
import { ModelView, type ViewState } from './view';
import { isHostMessage } from './guards';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const raw = vscode.getState();
const state: ViewState = typeof raw === 'object' && raw !== null ? (raw as ViewState) : {};
const saveState = (patch: Partial<ViewState>): void => {
  Object.assign(state, patch);
  vscode.setState(state);
};
const post = (m: WebviewToHost): void => vscode.postMessage(m);

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('missing #root');
const root = rootEl;

const view = new ModelView(root, {
  state: () => state,
  saveState,
  copy: (format) => post({ type: 'copy', format }),
  savePlot: (plot, format, data) => post({ type: 'savePlot', plot, format, data }),
  reconstruct: () => post({ type: 'reconstruct' }),
  retry: () => post({ type: 'retry' }),
  log: (level, text) => post({ type: 'log', level, text }),
  plotsReady: () => {
    document.body.setAttribute('data-plots', 'ready');
    restoreScroll(true);
  },
});

// ---- scroll state ----
// Until the plots are back (or the user scrolls), the page is shorter than when the scroll was saved:
// clamped scroll events in that time must not overwrite the saved position.
let scrollSettled = state.scrollY === undefined;
let restoring = false;
function restoreScroll(final = false): void {
  if (state.scrollY === undefined || scrollSettled) return;
  restoring = true;
  window.scrollTo(0, state.scrollY);
  requestAnimationFrame(() => {
    restoring = false;
    if (final) scrollSettled = true;
  });
}
for (const ev of ['wheel', 'keydown', 'pointerdown', 'touchstart']) window.addEventListener(ev, () => (scrollSettled = true), { passive: true });
let scrollTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('scroll', () => {
  if (restoring || !scrollSettled) return;
  clearTimeout(scrollTimer);
  scrollTimer = setTimeout(() => saveState({ scrollY: Math.round(window.scrollY) }), 150);
});

// ---- theme and size changes: new vega config, re-render ----
let themeKey = '';
function currentThemeKey(): string {
  return `${document.body.className}|${document.documentElement.getAttribute('style') ?? ''}`;
}
let themeTimer: ReturnType<typeof setTimeout> | undefined;
const onThemeMaybeChanged = (): void => {
  const key = currentThemeKey();
  if (key === themeKey) return;
  themeKey = key;
  clearTimeout(themeTimer);
  themeTimer = setTimeout(() => void view.renderPlots(), 50);
};
new MutationObserver(onThemeMaybeChanged).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new MutationObserver(onThemeMaybeChanged).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
let lastWidth = window.innerWidth;
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  if (Math.abs(window.innerWidth - lastWidth) < 24) return;
  lastWidth = window.innerWidth;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => void view.renderPlots(), 200);
});

// ---- messages ----
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (!isHostMessage(msg)) return;
  handle(msg);
});

function handle(msg: HostToWebview): void {
  switch (msg.type) {
    case 'model':
      document.title = msg.info.summary.fileName;
      view.showModel(msg.info);
      restoreScroll();
      break;
    case 'loading':
      view.showLoading();
      break;
    case 'data':
      view.showData(msg.data);
      break;
    case 'error':
      if (msg.scope === 'file') view.showErrorPage(msg.code, msg.message);
      else view.showPlotsError(msg.message);
      break;
    case 'notice':
      view.setStatus(msg.text);
      break;
  }
}

window.addEventListener('error', (e) => post({ type: 'log', level: 'error', text: String(e.message).slice(0, 2000) }));
window.addEventListener('unhandledrejection', (e) => post({ type: 'log', level: 'error', text: String(e.reason).slice(0, 2000) }));

themeKey = currentThemeKey();
post({ type: 'ready' });
