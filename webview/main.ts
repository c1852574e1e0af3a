// The model view's page: equations (KaTeX), summary, and vega-lite plots, driven by messages from the host.
// CSP-bound: no eval (vega's AST interpreter), no inline styles (KaTeX through the DOM, toolkit through
// adopted stylesheets, vega-tooltip without its injected <style>), no network.
import katex from 'katex';
import embed, { type EmbedOptions, type Result } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import type { TopLevelSpec } from 'vega-lite';
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';
import type { CopyFormat, HostToWebview, ImageFormat, ModelInfo, ModelViewData, PlotId, WebviewToHost } from '../src/protocol/webview';
import { coordinatesSpec, errorSpec, phaseSpec, spectrumSpec, variableSpec, xiSpec } from './plots';
import { themeColours, vegaConfig } from './theme';
import { isHostMessage } from './guards';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodePanels(), vsCodePanelTab(), vsCodePanelView(), vsCodeProgressRing());

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface ViewState {
  /** Source index of the variable in the dropdown. */
  variable?: number;
  scrollY?: number;
  tab?: string;
}

const vscode = acquireVsCodeApi();
const raw = vscode.getState();
const state: ViewState = typeof raw === 'object' && raw !== null ? (raw as ViewState) : {};
const saveState = (patch: Partial<ViewState>): void => {
  Object.assign(state, patch);
  vscode.setState(state);
};
const post = (m: WebviewToHost): void => vscode.postMessage(m);

// ---- tiny DOM helpers (textContent only: nothing from the file is ever parsed as HTML) ----
type Attrs = Record<string, string>;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string)[]): HTMLElementTagNameMap[K];
function h(tag: string, attrs?: Attrs, ...children: (Node | string)[]): HTMLElement;
function h(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}
const byId = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};

const root = byId('root');
let info: ModelInfo | null = null;
let data: ModelViewData | null = null;
const views = new Map<PlotId, Result>();
let renderToken = 0;

function setStatus(text: string): void {
  const s = document.getElementById('status');
  if (s) s.textContent = text;
}

// ---- number formatting for the summary ----
function num(v: number | null, digits = 4): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(digits - 1);
  return String(+v.toPrecision(digits));
}
function bytes(v: number | null): string {
  if (v === null) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let x = v;
  let u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return `${u === 0 ? x : x.toFixed(1)} ${units[u]}`;
}

// ---- page skeleton ----
function renderModel(i: ModelInfo): void {
  info = i;
  const s = i.summary;
  document.title = s.fileName;
  root.replaceChildren();
  root.removeAttribute('aria-busy');

  const reconstruct = h('vscode-button', { id: 'reconstruct', title: 'Decode this model and write the CSV in its source layout' }, 'Reconstruct CSV…');
  reconstruct.addEventListener('click', () => post({ type: 'reconstruct' }));
  root.append(h('header', { class: 'top' }, h('h1', {}, s.fileName), reconstruct));
  root.append(h('p', { id: 'status', role: 'status', 'aria-live': 'polite' }));

  // Equations: rendered, and the three copyable sources in panels.
  const eqs = h('div', { id: 'equations', class: 'equations' });
  for (const line of i.equations) {
    const el = h('div', { class: 'equation', 'data-state': line.state });
    try {
      // katex.render builds DOM nodes (CSP-safe); htmlAndMathml keeps MathML for screen readers.
      katex.render(line.latex, el, { displayMode: true, output: 'htmlAndMathml', throwOnError: false, trust: false, strict: 'ignore' });
    } catch {
      el.textContent = line.text;
    }
    eqs.append(el);
  }
  if (i.equations.length === 0) eqs.append(h('p', { class: 'note' }, 'No equations: the model has no active terms.'));
  const copyBar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Copy equations' });
  const labels: Record<CopyFormat, string> = { latex: 'Copy LaTeX', text: 'Copy text', python: 'Copy Python' };
  for (const f of ['latex', 'text', 'python'] as const) {
    const b = h('vscode-button', { appearance: 'secondary', 'data-copy': f }, labels[f]);
    b.addEventListener('click', () => post({ type: 'copy', format: f }));
    copyBar.append(b);
  }
  const tabs: [string, string, Node][] = [
    ['rendered', 'Equations', eqs],
    ['latex', 'LaTeX', h('pre', { class: 'source' }, h('code', {}, i.sources.latex))],
    ['text', 'Text', h('pre', { class: 'source' }, h('code', {}, i.sources.text))],
    ['python', 'Python', h('pre', { class: 'source' }, h('code', {}, i.sources.python))],
  ];
  const panels = h('vscode-panels', { 'aria-label': 'Equation formats', activeid: `tab-${state.tab ?? 'rendered'}` });
  for (const [id, label] of tabs) panels.append(h('vscode-panel-tab', { id: `tab-${id}` }, label));
  for (const [id, , content] of tabs) panels.append(h('vscode-panel-view', { id: `view-${id}` }, content));
  panels.addEventListener('change', () => {
    const active = panels.getAttribute('activeid');
    if (active) saveState({ tab: active.replace(/^tab-/, '') });
  });
  root.append(h('section', { id: 'equations-section', 'aria-labelledby': 'eq-h' }, h('div', { class: 'section-head' }, h('h2', { id: 'eq-h' }, 'Discovered equations'), copyBar), panels));

  // Summary.
  const rows: [string, string][] = [
    ['Source', s.sourceFile ? `${s.sourceFile}${s.sourceBytes !== null ? ` (${bytes(s.sourceBytes)})` : ''}` : '—'],
    ['Shape', `${s.n} variable${s.n === 1 ? '' : 's'} × ${s.m} steps, t ∈ [${num(s.timeStart)}, ${num(s.timeEnd)}]`],
    ['Mode', s.mode + (s.bound !== null ? `, bound ${num(s.bound)}` : '')],
    ['Model file', bytes(s.fileBytes)],
    ['Compression ratio', `${s.ratioVsCsv !== null ? `${num(s.ratioVsCsv, 3)}× vs CSV, ` : ''}${num(s.ratioVsFloat64, 3)}× vs float64`],
    ['Error (achieved)', `max ${num(s.maxError)}, RMS ${num(s.rmsError)}`],
    ['POD', s.pod ? `rank ${s.pod.rank}, ${(s.pod.energy * 100).toPrecision(7)}% energy` : 'skipped (equations in the variables)'],
    ['Library', s.library],
    ['Active terms', `${s.activeTerms} of ${s.totalTerms}`],
    ['Windows', String(s.windows)],
  ];
  const dl = h('dl', { class: 'summary' });
  for (const [k, v] of rows) dl.append(h('dt', {}, k), h('dd', {}, v));
  root.append(h('section', { id: 'summary-section', 'aria-labelledby': 'sum-h' }, h('h2', { id: 'sum-h' }, 'Summary'), dl));

  root.append(h('section', { id: 'plots', 'aria-labelledby': 'plots-h', 'aria-busy': 'true' }, h('h2', { id: 'plots-h' }, 'Plots'), loadingNode()));
  if (data) void renderPlots();
  restoreScroll();
}

function loadingNode(): HTMLElement {
  return h('div', { class: 'loading', id: 'plots-loading' }, h('vscode-progress-ring', { 'aria-label': 'Loading plots' }), h('span', {}, 'Decoding the model for the plots…'));
}

function showPlotsLoading(): void {
  const sec = document.getElementById('plots');
  if (!sec) return;
  sec.setAttribute('aria-busy', 'true');
  sec.replaceChildren(h('h2', { id: 'plots-h' }, 'Plots'), loadingNode());
}

function showPlotsError(message: string): void {
  const sec = document.getElementById('plots');
  if (!sec) return;
  sec.removeAttribute('aria-busy');
  const retry = h('vscode-button', { appearance: 'secondary' }, 'Retry');
  retry.addEventListener('click', () => post({ type: 'retry' }));
  sec.replaceChildren(h('h2', { id: 'plots-h' }, 'Plots'), h('div', { class: 'plots-error', role: 'alert' }, h('p', {}, `The plots could not be made: ${message}`), retry));
}

function showErrorPage(code: string, message: string): void {
  for (const v of views.values()) v.finalize();
  views.clear();
  info = null;
  data = null;
  root.removeAttribute('aria-busy');
  root.replaceChildren(
    h(
      'section',
      { id: 'error-page', class: 'error-page', role: 'alert' },
      h('h1', {}, 'This model file cannot be opened'),
      h('p', { class: 'reason' }, message),
      h('p', { class: 'hint' }, 'It may be corrupted, truncated, or written by a newer version of Weak-SINDy Compression.'),
      h('p', { class: 'code' }, `Error code: ${code}`),
    ),
  );
}

// ---- plots ----
interface Figure {
  id: PlotId;
  title: string;
  spec: TopLevelSpec | null;
  empty: string;
  note?: string;
  controls?: HTMLElement;
}

function plotWidth(): number {
  const main = document.getElementById('plots') ?? root;
  return Math.max(240, Math.min(1100, main.clientWidth - 110));
}

function selectedVariable(d: ModelViewData): number {
  const pos = state.variable === undefined ? 0 : d.variableIndices.indexOf(state.variable);
  return pos < 0 ? 0 : pos;
}

function variableDropdown(d: ModelViewData): HTMLElement {
  const dd = h('vscode-dropdown', { id: 'variable-select', 'aria-label': 'Variable to plot' });
  const sel = selectedVariable(d);
  d.variables.forEach((v, k) => {
    const o = h('vscode-option', { value: String(d.variableIndices[k]) }, v.name);
    if (k === sel) o.setAttribute('selected', '');
    dd.append(o);
  });
  dd.addEventListener('change', () => {
    const value = Number((dd as HTMLSelectElement).value);
    if (!Number.isInteger(value) || value === state.variable) return;
    saveState({ variable: value });
    void renderOne('variable');
  });
  const wrap = h('label', { class: 'control' }, h('span', {}, 'Variable'), dd);
  if (d.variables.length < d.variableCount) wrap.append(h('span', { class: 'note' }, `${d.variables.length} of ${d.variableCount} shown`));
  return wrap;
}

function figures(d: ModelViewData): Figure[] {
  const c = themeColours();
  const w = plotWidth();
  const bound = info?.summary.bound ?? null;
  const v = d.variables[selectedVariable(d)];
  return [
    { id: 'variable', title: 'Data vs model, by variable', spec: v ? variableSpec(d, v, c, w) : null, empty: 'No variables.', controls: variableDropdown(d), note: `Points shown: ${v ? v.t.length : 0} of ${d.m} (LTTB). Band: ${d.bandLabel}.` },
    { id: 'coordinates', title: info?.summary.pod ? 'Reduced coordinates: projected data vs integrated model' : 'Coordinates: data vs integrated model', spec: d.coordinates.length ? coordinatesSpec(d, c, w, info?.summary.pod === null) : null, empty: 'No coordinates.' },
    {
      id: 'error',
      title: 'Model error over time, with window boundaries',
      spec: errorSpec(d, c, w, bound),
      empty: '',
      note: d.error.maxAbs.every((e) => e === 0)
        ? 'The residual is zero everywhere: the equations alone reproduce the data within the bound.'
        : `Decoded data = model + residual; ${d.windowStarts.length + 1} integration window${d.windowStarts.length ? 's' : ''}.`,
    },
    { id: 'xi', title: 'Coefficients Ξ (terms × equations)', spec: d.xi.cells.length ? xiSpec(d, c, w) : null, empty: 'No active terms.', note: d.xi.hiddenTerms ? `${d.xi.hiddenTerms} inactive terms hidden.` : undefined },
    { id: 'spectrum', title: 'Singular value spectrum', spec: spectrumSpec(d, c, w), empty: 'POD was skipped: the equations are in the variables themselves, so there is no spectrum.' },
    { id: 'phase', title: 'Phase portrait', spec: phaseSpec(d, c, w), empty: 'A phase portrait needs at least two coordinates.' },
  ];
}

function embedOptions(): EmbedOptions {
  const c = themeColours();
  return {
    mode: 'vega-lite',
    renderer: 'svg',
    actions: false,
    // No injected <style> (CSP): vega-embed's and vega-tooltip's styles live in media/modelView.css.
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true, theme: c.kind.startsWith('high-contrast') || c.kind === 'dark' ? 'dark' : 'light' },
    // Vega otherwise compiles expressions with Function(), which the CSP forbids.
    ast: true,
    expr: expressionInterpreter,
    config: vegaConfig(c),
    logLevel: 1,
  };
}

async function embedInto(fig: Figure, host: HTMLElement): Promise<void> {
  views.get(fig.id)?.finalize();
  views.delete(fig.id);
  if (!fig.spec) {
    host.replaceChildren(h('p', { class: 'note' }, fig.empty));
    return;
  }
  const target = h('div', { class: 'chart-inner' });
  host.replaceChildren(target);
  try {
    const res = await embed(target, fig.spec, embedOptions());
    views.set(fig.id, res);
  } catch (e) {
    host.replaceChildren(h('p', { class: 'plots-error', role: 'alert' }, `This plot failed: ${e instanceof Error ? e.message : String(e)}`));
    post({ type: 'log', level: 'error', text: `plot ${fig.id}: ${String(e)}` });
  }
}

async function renderPlots(): Promise<void> {
  const d = data;
  const sec = document.getElementById('plots');
  if (!d || !sec) return;
  const token = ++renderToken;
  for (const v of views.values()) v.finalize();
  views.clear();
  // Hold the section's height while it is rebuilt, so the page (and the saved scroll) does not jump.
  sec.style.minHeight = `${sec.offsetHeight}px`;
  const grid = h('div', { class: 'plot-list' });
  sec.replaceChildren(h('h2', { id: 'plots-h' }, 'Plots'), grid);
  const jobs: Promise<void>[] = [];
  for (const fig of figures(d)) {
    const chart = h('div', { class: 'chart', id: `chart-${fig.id}` });
    const actions = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': `Save ${fig.title}` });
    if (fig.spec) {
      for (const fmt of ['svg', 'png'] as const) {
        const b = h('vscode-button', { appearance: 'secondary', 'data-save': `${fig.id}:${fmt}` }, `Save ${fmt.toUpperCase()}`);
        b.addEventListener('click', () => void savePlot(fig.id, fmt));
        actions.append(b);
      }
    }
    const head = h('div', { class: 'section-head' }, h('h3', { id: `h-${fig.id}` }, fig.title), actions);
    const figure = h('figure', { class: 'plot', id: `plot-${fig.id}`, 'aria-labelledby': `h-${fig.id}` }, head);
    if (fig.controls) figure.append(fig.controls);
    figure.append(chart);
    if (fig.note) figure.append(h('p', { class: 'note' }, fig.note));
    grid.append(figure);
    jobs.push(embedInto(fig, chart));
  }
  await Promise.all(jobs);
  if (token !== renderToken) return;
  sec.style.minHeight = '';
  sec.removeAttribute('aria-busy');
  document.body.setAttribute('data-plots', 'ready');
  restoreScroll(true);
}

async function renderOne(id: PlotId): Promise<void> {
  const d = data;
  const fig = d ? figures(d).find((f) => f.id === id) : undefined;
  const chart = document.getElementById(`chart-${id}`);
  if (!fig || !chart) return;
  await embedInto(fig, chart);
  const note = chart.parentElement?.querySelector(':scope > p.note');
  if (note && fig.note) note.textContent = fig.note;
}

async function savePlot(id: PlotId, format: ImageFormat): Promise<void> {
  const res = views.get(id);
  if (!res) return;
  try {
    const payload = format === 'svg' ? await res.view.toSVG() : (await res.view.toImageURL('png', 2)).replace(/^data:image\/png;base64,/, '');
    post({ type: 'savePlot', plot: id, format, data: payload });
  } catch (e) {
    setStatus(`Could not export the plot: ${e instanceof Error ? e.message : String(e)}`);
  }
}

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
  themeTimer = setTimeout(() => void renderPlots(), 50);
};
new MutationObserver(onThemeMaybeChanged).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new MutationObserver(onThemeMaybeChanged).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
let lastWidth = window.innerWidth;
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  if (Math.abs(window.innerWidth - lastWidth) < 24) return;
  lastWidth = window.innerWidth;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => void renderPlots(), 200);
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
      renderModel(msg.info);
      break;
    case 'loading':
      data = null;
      showPlotsLoading();
      break;
    case 'data':
      data = msg.data;
      if (info) void renderPlots();
      break;
    case 'error':
      if (msg.scope === 'file') showErrorPage(msg.code, msg.message);
      else showPlotsError(msg.message);
      break;
    case 'notice':
      setStatus(msg.text);
      break;
  }
}

window.addEventListener('error', (e) => post({ type: 'log', level: 'error', text: String(e.message).slice(0, 2000) }));
window.addEventListener('unhandledrejection', (e) => post({ type: 'log', level: 'error', text: String(e.reason).slice(0, 2000) }));

themeKey = currentThemeKey();
post({ type: 'ready' });
