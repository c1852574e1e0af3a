// Vega config from VS Code's theme: the body class says which kind (light/dark/high contrast) and the
// --vscode-* CSS variables give the actual colours, so plots match the editor and follow theme changes.
import type { Config } from 'vega-lite';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  return 'light';
}

export interface ThemeColours {
  kind: ThemeKind;
  background: string;
  foreground: string;
  grid: string;
  border: string;
  data: string;
  model: string;
  band: string;
  accent: string;
  rule: string;
  /** Secondary marks (truncated modes): readable but quiet. */
  muted: string;
  font: string;
}

const FALLBACK: Record<ThemeKind, Omit<ThemeColours, 'kind' | 'font' | 'muted'>> = {
  light: { background: '#ffffff', foreground: '#3b3b3b', grid: '#e5e5e5', border: '#cecece', data: '#1a85ff', model: '#e51400', band: '#1a85ff', accent: '#388a34', rule: '#bf8803' },
  dark: { background: '#1f1f1f', foreground: '#cccccc', grid: '#3c3c3c', border: '#454545', data: '#3794ff', model: '#f14c4c', band: '#3794ff', accent: '#89d185', rule: '#cca700' },
  'high-contrast': { background: '#000000', foreground: '#ffffff', grid: '#6fc3df', border: '#6fc3df', data: '#3794ff', model: '#f48771', band: '#3794ff', accent: '#89d185', rule: '#ffff00' },
  'high-contrast-light': { background: '#ffffff', foreground: '#292929', grid: '#0f4a85', border: '#0f4a85', data: '#0f4a85', model: '#b5200d', band: '#0f4a85', accent: '#388a34', rule: '#895503' },
};

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

export function themeColours(): ThemeColours {
  const kind = themeKind();
  const f = FALLBACK[kind];
  // VS Code sets the variables on <html>; computed style on body inherits them.
  const s = getComputedStyle(document.body);
  return {
    kind,
    background: cssVar(s, '--vscode-editor-background', f.background),
    foreground: cssVar(s, '--vscode-editor-foreground', f.foreground),
    grid: kind.startsWith('high-contrast') ? f.grid : cssVar(s, '--vscode-editorWidget-border', f.grid),
    border: cssVar(s, '--vscode-panel-border', f.border),
    data: cssVar(s, '--vscode-charts-blue', f.data),
    model: cssVar(s, '--vscode-charts-red', f.model),
    band: cssVar(s, '--vscode-charts-blue', f.band),
    accent: cssVar(s, '--vscode-charts-green', f.accent),
    rule: cssVar(s, '--vscode-charts-yellow', f.rule),
    muted: cssVar(s, '--vscode-descriptionForeground', kind === 'light' ? '#717171' : '#9d9d9d'),
    font: cssVar(s, '--vscode-font-family', 'system-ui, sans-serif'),
  };
}

export function vegaConfig(c: ThemeColours): Config {
  const hc = c.kind.startsWith('high-contrast');
  const axis = {
    domainColor: c.foreground,
    tickColor: c.foreground,
    gridColor: c.grid,
    gridOpacity: hc ? 0.6 : 1,
    labelColor: c.foreground,
    titleColor: c.foreground,
    labelFont: c.font,
    titleFont: c.font,
    labelFontSize: 11,
    titleFontSize: 12,
  };
  return {
    background: c.background,
    font: c.font,
    padding: 8,
    view: { stroke: c.border },
    axis,
    legend: { labelColor: c.foreground, titleColor: c.foreground, labelFont: c.font, titleFont: c.font, labelLimit: 320 },
    title: { color: c.foreground, font: c.font, fontSize: 13, anchor: 'start' },
    header: { labelColor: c.foreground, titleColor: c.foreground, labelFont: c.font, titleFont: c.font },
    text: { color: c.foreground, font: c.font },
    line: { strokeWidth: hc ? 2.5 : 1.5 },
    rule: { color: c.rule },
    range: { category: [c.data, c.model, c.accent, c.rule] },
  };
}
