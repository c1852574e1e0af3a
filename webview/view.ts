// The model's page — outcome, equations (KaTeX), summary and vega-lite plots — as one component with
// two hosts: the `.wsindy` custom editor (webview/main.ts) and the notebook renderer
// (webview/notebook.ts). The component only builds DOM under its root; what its buttons do (copy, save,
// reconstruct, retry, log) and where its state lives are the host's.
// CSP-bound: no eval (vega's AST interpreter), no inline styles (KaTeX through the DOM, toolkit through
// adopted stylesheets, vega-tooltip without its injected <style>), no network.
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
import type { CopyFormat, ImageFormat, ModelInfo, ModelViewData, PlotId } from '../src/protocol/webview';
import { coordinatesSpec, errorSpec, phaseSpec, spectrumSpec, variableSpec, xiSpec } from './plots';
import { themeColours, vegaConfig } from './theme';
import { renderEquations } from './equations';
import { h } from './dom';

let registered = false;
/** Register the toolkit's elements once per document (both hosts may load several views). */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodePanels(), vsCodePanelTab(), vsCodePanelView(), vsCodeProgressRing());
}

/** Persistent view state (the host stores it: webview state, or the notebook output's memory). */
export interface ViewState {
  /** Source index of the variable in the dropdown. */
  variable?: number;
  scrollY?: number;
  tab?: string;
  /** States whose long equations are unfolded, and whether a dense/none model's equations are shown. */
  unfolded?: string[];
  equationsShown?: boolean;
}

/** What the host does for the page. Optional actions hide their buttons. */
export interface ViewHost {
  state(): ViewState;
  saveState(patch: Partial<ViewState>): void;
  copy(format: CopyFormat, text: string): void;
  savePlot(plot: PlotId, format: ImageFormat, data: string): void;
  reconstruct?: () => void;
  /** Ask for the plots again (after a failure); without it, no Retry button. */
  retry?: () => void;
  log(level: 'error' | 'info', text: string): void;
  /** Called when every plot has rendered (tests and scroll restoring wait for it). */
  plotsReady?: () => void;
  /** Shown where the plots would be when the host has none to give (notebook output without --plots). */
  noPlotsNote?: string;
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

/** The outcome of a model as the view states it; derived from the equations when the host sends none. */
export function viewOutcome(i: ModelInfo): { kind: 'sparse' | 'dense' | 'none'; text: string; reason: string } {
  if (i.outcome) {
    const text = i.outcomeText ?? (i.outcome.kind === 'none' ? `No governing equations found${i.outcome.reason ? `: ${i.outcome.reason}` : ''}` : `${i.outcome.kind === 'dense' ? 'Dense model' : 'Sparse equations'}, ${i.outcome.activeTerms} terms`);
    return { kind: i.outcome.kind, text, reason: i.outcome.reason };
  }
  if (i.summary.activeTerms === 0 || i.equations.length === 0) return { kind: 'none', text: 'No governing equations found', reason: 'the model has no active terms' };
  return { kind: 'sparse', text: `Sparse equations, ${i.summary.activeTerms} terms`, reason: '' };
}

interface Figure {
  id: PlotId;
  title: string;
  spec: TopLevelSpec | null;
  empty: string;
  note?: string;
  controls?: HTMLElement;
}

export class ModelView {
  private info: ModelInfo | null = null;
  private data: ModelViewData | null = null;
  private readonly views = new Map<PlotId, Result>();
  private renderToken = 0;
  private disposed = false;

  /** `root` is emptied and owned by the view; `idPrefix` keeps ids unique when a document holds several views. */
  constructor(
    private readonly root: HTMLElement,
    private readonly host: ViewHost,
    private readonly idPrefix = '',
  ) {
    registerToolkit();
    root.classList.add('wsindy-view');
  }

  private id(name: string): string {
    return `${this.idPrefix}${name}`;
  }
  private find(name: string): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(`[id="${this.id(name)}"]`);
  }

  setStatus(text: string): void {
    const s = this.find('status');
    if (s) s.textContent = text;
  }

  /** The header part: outcome banner, equations, summary; the plots section waits for `showData`. */
  showModel(i: ModelInfo): void {
    this.info = i;
    const s = i.summary;
    const root = this.root;
    root.replaceChildren();
    root.removeAttribute('aria-busy');

    const top = h('header', { class: 'top' }, h('h1', {}, s.fileName));
    if (this.host.reconstruct) {
      const reconstruct = h('vscode-button', { id: this.id('reconstruct'), title: 'Decode this model and write the CSV in its source layout' }, 'Reconstruct CSV…');
      const run = this.host.reconstruct;
      reconstruct.addEventListener('click', () => run());
      top.append(reconstruct);
    }
    root.append(top);

    const outcome = viewOutcome(i);
    root.append(h('p', { id: this.id('outcome'), class: `outcome outcome-${outcome.kind}`, 'data-outcome': outcome.kind }, outcome.text));
    root.append(h('p', { id: this.id('status'), class: 'status', role: 'status', 'aria-live': 'polite' }));
    root.append(this.equationsSection(i, outcome.kind));

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
    root.append(h('section', { id: this.id('summary-section'), 'aria-labelledby': this.id('sum-h') }, h('h2', { id: this.id('sum-h') }, 'Summary'), dl));

    if (this.host.noPlotsNote !== undefined && !this.data) {
      root.append(h('section', { id: this.id('plots'), class: 'plots', 'aria-labelledby': this.id('plots-h') }, h('h2', { id: this.id('plots-h') }, 'Plots'), h('p', { class: 'note' }, this.host.noPlotsNote)));
    } else {
      root.append(h('section', { id: this.id('plots'), class: 'plots', 'aria-labelledby': this.id('plots-h'), 'aria-busy': 'true' }, h('h2', { id: this.id('plots-h') }, 'Plots'), this.loadingNode()));
    }
    if (this.data) void this.renderPlots();
  }

  private equationsSection(i: ModelInfo, kind: 'sparse' | 'dense' | 'none'): HTMLElement {
    const eqs = h('div', { id: this.id('equations'), class: 'equations' });
    const state = this.host.state();
    const unfolded = new Set(state.unfolded ?? []);
    const fill = (): void =>
      renderEquations(eqs, i.equations, {
        unfolded,
        onToggle: (st, open) => {
          if (open) unfolded.add(st);
          else unfolded.delete(st);
          this.host.saveState({ unfolded: [...unfolded] });
        },
      });
    const activeTerms = i.outcome?.activeTerms ?? i.summary.activeTerms;
    // A dense model (or an unused fit) is summarised: its equations only on request.
    if (kind !== 'sparse' && activeTerms > 0 && i.equations.length > 0) {
      const label = kind === 'dense' ? `Show the ${activeTerms} terms of the dense model` : `Show the unused fit (${activeTerms} terms)`;
      const toggle = h('vscode-button', { appearance: 'secondary', class: 'show-equations', 'aria-expanded': 'false' }, label);
      const show = (on: boolean): void => {
        toggle.setAttribute('aria-expanded', String(on));
        toggle.textContent = on ? 'Hide the equations' : label;
        if (on) fill();
        else eqs.replaceChildren();
      };
      toggle.addEventListener('click', () => {
        const on = toggle.getAttribute('aria-expanded') !== 'true';
        this.host.saveState({ equationsShown: on });
        show(on);
      });
      const wrap = h('div', { class: 'equations-toggle' }, toggle, eqs);
      if (state.equationsShown) show(true);
      return this.equationTabs(i, wrap, kind);
    }
    if (i.equations.length === 0 || kind === 'none') {
      eqs.append(h('p', { class: 'note' }, kind === 'none' ? 'No equations: the data are stored without a model.' : 'No equations: the model has no active terms.'));
    } else fill();
    return this.equationTabs(i, eqs, kind);
  }

  private equationTabs(i: ModelInfo, rendered: HTMLElement, kind: 'sparse' | 'dense' | 'none'): HTMLElement {
    const copyBar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Copy equations' });
    const labels: Record<CopyFormat, string> = { latex: 'Copy LaTeX', text: 'Copy text', python: 'Copy Python' };
    for (const f of ['latex', 'text', 'python'] as const) {
      const b = h('vscode-button', { appearance: 'secondary', 'data-copy': f }, labels[f]);
      b.addEventListener('click', () => this.host.copy(f, i.sources[f]));
      copyBar.append(b);
    }
    const tabs: [string, string, Node][] = [
      ['rendered', 'Equations', rendered],
      ['latex', 'LaTeX', h('pre', { class: 'source' }, h('code', {}, i.sources.latex))],
      ['text', 'Text', h('pre', { class: 'source' }, h('code', {}, i.sources.text))],
      ['python', 'Python', h('pre', { class: 'source' }, h('code', {}, i.sources.python))],
    ];
    const panels = h('vscode-panels', { 'aria-label': 'Equation formats', activeid: this.id(`tab-${this.host.state().tab ?? 'rendered'}`) });
    for (const [id, label] of tabs) panels.append(h('vscode-panel-tab', { id: this.id(`tab-${id}`) }, label));
    for (const [id, , content] of tabs) panels.append(h('vscode-panel-view', { id: this.id(`view-${id}`) }, content));
    panels.addEventListener('change', () => {
      const active = panels.getAttribute('activeid');
      if (active) this.host.saveState({ tab: active.slice(this.idPrefix.length).replace(/^tab-/, '') });
    });
    const title = kind === 'sparse' ? 'Discovered equations' : kind === 'dense' ? 'Dense model (predictor)' : 'Equations';
    return h('section', { id: this.id('equations-section'), 'aria-labelledby': this.id('eq-h') }, h('div', { class: 'section-head' }, h('h2', { id: this.id('eq-h') }, title), copyBar), panels);
  }

  private loadingNode(): HTMLElement {
    return h('div', { class: 'loading', id: this.id('plots-loading') }, h('vscode-progress-ring', { 'aria-label': 'Loading plots' }), h('span', {}, 'Decoding the model for the plots…'));
  }

  showLoading(): void {
    this.data = null;
    const sec = this.find('plots');
    if (!sec) return;
    sec.setAttribute('aria-busy', 'true');
    sec.replaceChildren(h('h2', { id: this.id('plots-h') }, 'Plots'), this.loadingNode());
  }

  showData(d: ModelViewData): void {
    this.data = d;
    if (this.info) void this.renderPlots();
  }

  showPlotsError(message: string): void {
    const sec = this.find('plots');
    if (!sec) return;
    sec.removeAttribute('aria-busy');
    const box = h('div', { class: 'plots-error', role: 'alert' }, h('p', {}, `The plots could not be made: ${message}`));
    if (this.host.retry) {
      const retry = h('vscode-button', { appearance: 'secondary' }, 'Retry');
      const run = this.host.retry;
      retry.addEventListener('click', () => run());
      box.append(retry);
    }
    sec.replaceChildren(h('h2', { id: this.id('plots-h') }, 'Plots'), box);
  }

  showErrorPage(code: string, message: string, heading = 'This model file cannot be opened'): void {
    this.finalizeViews();
    this.info = null;
    this.data = null;
    this.root.removeAttribute('aria-busy');
    this.root.replaceChildren(
      h(
        'section',
        { id: this.id('error-page'), class: 'error-page', role: 'alert' },
        h('h1', {}, heading),
        h('p', { class: 'reason' }, message),
        h('p', { class: 'hint' }, 'It may be corrupted, truncated, or written by a newer version of Weak-SINDy Compression.'),
        h('p', { class: 'code' }, `Error code: ${code}`),
      ),
    );
  }

  private finalizeViews(): void {
    for (const v of this.views.values()) v.finalize();
    this.views.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.renderToken++;
    this.finalizeViews();
  }

  // ---- plots ----
  private plotWidth(): number {
    const main = this.find('plots') ?? this.root;
    return Math.max(240, Math.min(1100, main.clientWidth - 110));
  }

  private selectedVariable(d: ModelViewData): number {
    const v = this.host.state().variable;
    const pos = v === undefined ? 0 : d.variableIndices.indexOf(v);
    return pos < 0 ? 0 : pos;
  }

  private variableDropdown(d: ModelViewData): HTMLElement {
    const dd = h('vscode-dropdown', { id: this.id('variable-select'), 'aria-label': 'Variable to plot' });
    const sel = this.selectedVariable(d);
    d.variables.forEach((v, k) => {
      const o = h('vscode-option', { value: String(d.variableIndices[k]) }, v.name);
      if (k === sel) o.setAttribute('selected', '');
      dd.append(o);
    });
    dd.addEventListener('change', () => {
      const value = Number((dd as HTMLSelectElement).value);
      if (!Number.isInteger(value) || value === this.host.state().variable) return;
      this.host.saveState({ variable: value });
      void this.renderOne('variable');
    });
    const wrap = h('label', { class: 'control' }, h('span', {}, 'Variable'), dd);
    if (d.variables.length < d.variableCount) wrap.append(h('span', { class: 'note' }, `${d.variables.length} of ${d.variableCount} shown`));
    return wrap;
  }

  private figures(d: ModelViewData): Figure[] {
    const c = themeColours();
    const w = this.plotWidth();
    const info = this.info;
    const bound = info?.summary.bound ?? null;
    const v = d.variables[this.selectedVariable(d)];
    return [
      { id: 'variable', title: 'Data vs model, by variable', spec: v ? variableSpec(d, v, c, w) : null, empty: 'No variables.', controls: this.variableDropdown(d), note: `Points shown: ${v ? v.t.length : 0} of ${d.m} (LTTB). Band: ${d.bandLabel}.` },
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

  private embedOptions(): EmbedOptions {
    const c = themeColours();
    return {
      mode: 'vega-lite',
      renderer: 'svg',
      actions: false,
      // No injected <style> (CSP): vega-embed's and vega-tooltip's styles live in media/view.css.
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true, theme: c.kind.startsWith('high-contrast') || c.kind === 'dark' ? 'dark' : 'light' },
      // Vega otherwise compiles expressions with Function(), which the CSP forbids.
      ast: true,
      expr: expressionInterpreter,
      config: vegaConfig(c),
      logLevel: 1,
    };
  }

  private async embedInto(fig: Figure, host: HTMLElement): Promise<void> {
    this.views.get(fig.id)?.finalize();
    this.views.delete(fig.id);
    if (!fig.spec) {
      host.replaceChildren(h('p', { class: 'note' }, fig.empty));
      return;
    }
    const target = h('div', { class: 'chart-inner' });
    host.replaceChildren(target);
    try {
      const res = await embed(target, fig.spec, this.embedOptions());
      if (this.disposed) res.finalize();
      else this.views.set(fig.id, res);
    } catch (e) {
      host.replaceChildren(h('p', { class: 'plots-error', role: 'alert' }, `This plot failed: ${e instanceof Error ? e.message : String(e)}`));
      this.host.log('error', `plot ${fig.id}: ${String(e)}`);
    }
  }

  /** (Re)draw every plot: new data, a theme change or a new width. */
  async renderPlots(): Promise<void> {
    const d = this.data;
    const sec = this.find('plots');
    if (!d || !sec || this.disposed) return;
    const token = ++this.renderToken;
    this.finalizeViews();
    // Hold the section's height while it is rebuilt, so the page (and the saved scroll) does not jump.
    sec.style.minHeight = `${sec.offsetHeight}px`;
    const grid = h('div', { class: 'plot-list' });
    sec.replaceChildren(h('h2', { id: this.id('plots-h') }, 'Plots'), grid);
    const jobs: Promise<void>[] = [];
    for (const fig of this.figures(d)) {
      const chart = h('div', { class: 'chart', id: this.id(`chart-${fig.id}`) });
      const actions = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': `Save ${fig.title}` });
      if (fig.spec) {
        for (const fmt of ['svg', 'png'] as const) {
          const b = h('vscode-button', { appearance: 'secondary', 'data-save': `${fig.id}:${fmt}` }, `Save ${fmt.toUpperCase()}`);
          b.addEventListener('click', () => void this.savePlot(fig.id, fmt));
          actions.append(b);
        }
      }
      const head = h('div', { class: 'section-head' }, h('h3', { id: this.id(`h-${fig.id}`) }, fig.title), actions);
      const figure = h('figure', { class: 'plot', id: this.id(`plot-${fig.id}`), 'aria-labelledby': this.id(`h-${fig.id}`) }, head);
      if (fig.controls) figure.append(fig.controls);
      figure.append(chart);
      if (fig.note) figure.append(h('p', { class: 'note' }, fig.note));
      grid.append(figure);
      jobs.push(this.embedInto(fig, chart));
    }
    await Promise.all(jobs);
    if (token !== this.renderToken) return;
    sec.style.minHeight = '';
    sec.removeAttribute('aria-busy');
    this.root.setAttribute('data-plots', 'ready');
    this.host.plotsReady?.();
  }

  private async renderOne(id: PlotId): Promise<void> {
    const d = this.data;
    const fig = d ? this.figures(d).find((f) => f.id === id) : undefined;
    const chart = this.find(`chart-${id}`);
    if (!fig || !chart) return;
    await this.embedInto(fig, chart);
    const note = chart.parentElement?.querySelector(':scope > p.note');
    if (note && fig.note) note.textContent = fig.note;
  }

  private async savePlot(id: PlotId, format: ImageFormat): Promise<void> {
    const res = this.views.get(id);
    if (!res) return;
    try {
      const payload = format === 'svg' ? await res.view.toSVG() : (await res.view.toImageURL('png', 2)).replace(/^data:image\/png;base64,/, '');
      this.host.savePlot(id, format, payload);
    } catch (e) {
      this.setStatus(`Could not export the plot: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
