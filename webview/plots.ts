// Vega-lite specs for the model view's plots. Data arrive as columns (cheap to post) and become rows here.
import type { TopLevelSpec } from 'vega-lite';
import type { ModelViewData, PlotSeries } from '../src/protocol/webview';
import type { ThemeColours } from './theme';

type Row = Record<string, number | string | null>;

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(+v.toPrecision(4)));

function seriesRows(s: PlotSeries, dataLabel: string, modelLabel: string, band: number | null): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < s.t.length; i++) {
    const d = s.data[i];
    rows.push({ t: s.t[i], value: d, series: dataLabel, lo: band === null || d === null ? null : d - band, hi: band === null || d === null ? null : d + band });
    rows.push({ t: s.t[i], value: s.model[i], series: modelLabel });
  }
  return rows;
}

const DATA = 'decoded data';
const MODEL = 'model only';

function seriesLayer(c: ThemeColours, withBand: boolean, bandLabel: string, yTitle: string) {
  const colour = { field: 'series', type: 'nominal' as const, title: null, scale: { domain: [DATA, MODEL], range: [c.data, c.model] }, legend: { orient: 'top' as const, direction: 'horizontal' as const } };
  const band = {
    transform: [{ filter: `datum.series === '${DATA}' && datum.lo !== null` }],
    mark: { type: 'area' as const, opacity: c.kind.startsWith('high-contrast') ? 0.45 : 0.22, color: c.band },
    encoding: { x: { field: 't', type: 'quantitative' as const }, y: { field: 'lo', type: 'quantitative' as const }, y2: { field: 'hi' } },
    description: bandLabel,
  };
  const lines = {
    mark: { type: 'line' as const, clip: true },
    encoding: {
      x: { field: 't', type: 'quantitative' as const, title: 'time', scale: { nice: false } },
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } },
      color: colour,
      strokeDash: { field: 'series', type: 'nominal' as const, scale: { domain: [DATA, MODEL], range: [[1, 0], [5, 3]] }, legend: null },
      tooltip: [{ field: 't', type: 'quantitative' as const, format: '.4~g' }, { field: 'series', type: 'nominal' as const }, { field: 'value', type: 'quantitative' as const, format: '.5~g' }],
    },
  };
  return withBand ? [band, lines] : [lines];
}

export function variableSpec(d: ModelViewData, s: PlotSeries, c: ThemeColours, width: number): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Variable ${s.name}: decoded data (within ${d.bandLabel.replace('± ', '±')} ${fmt(d.band)}) and the model-only prediction over time, ${s.t.length} of ${d.m} points shown.`,
    width,
    height: 220,
    data: { values: seriesRows(s, DATA, MODEL, d.band) },
    layer: seriesLayer(c, true, `${d.bandLabel} (${fmt(d.band)})`, s.name),
  } as TopLevelSpec;
}

export function coordinatesSpec(d: ModelViewData, c: ThemeColours, width: number, withBand: boolean): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Reduced coordinates ${d.coordinates.map((s) => s.name).join(', ')}: data versus the integrated model over time.`,
    vconcat: d.coordinates.map((s) => ({
      width,
      height: 130,
      title: s.name,
      data: { values: seriesRows(s, DATA, MODEL, withBand ? d.band : null) },
      layer: seriesLayer(c, withBand, d.bandLabel, s.name),
    })),
    resolve: { scale: { x: 'shared' } },
  } as TopLevelSpec;
}

export function errorSpec(d: ModelViewData, c: ThemeColours, width: number, bound: number | null): TopLevelSpec {
  const rows: Row[] = d.error.t.map((t, i) => ({ t, e: d.error.maxAbs[i] }));
  const layers: object[] = [
    {
      data: { values: rows },
      mark: { type: 'area', line: { color: c.model }, color: c.model, opacity: c.kind.startsWith('high-contrast') ? 0.5 : 0.25 },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'time', scale: { nice: false } },
        y: { field: 'e', type: 'quantitative', title: 'max |decoded − model|' },
        tooltip: [{ field: 't', type: 'quantitative', format: '.4~g' }, { field: 'e', type: 'quantitative', title: 'error', format: '.3~e' }],
      },
    },
  ];
  if (d.windowStarts.length > 0) {
    layers.push({
      data: { values: d.windowStarts.map((t) => ({ t, label: 'window start' })) },
      // Many windows would turn dashed rules into a hatch: thinner and fainter then.
      mark: { type: 'rule', color: c.rule, strokeDash: [4, 3], opacity: d.windowStarts.length > 20 ? 0.35 : 0.9 },
      encoding: { x: { field: 't', type: 'quantitative' }, tooltip: [{ field: 'label' }, { field: 't', type: 'quantitative', format: '.4~g' }] },
    });
  }
  if (bound !== null) {
    layers.push({
      data: { values: [{ bound, label: 'bound' }] },
      mark: { type: 'rule', color: c.accent, strokeWidth: 1.5 },
      encoding: { y: { field: 'bound', type: 'quantitative' }, tooltip: [{ field: 'label' }, { field: 'bound', type: 'quantitative', format: '.3~e' }] },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Model-only error over time (largest over variables; the residual corrects it), with ${d.windowStarts.length} window boundaries as dashed rules${bound !== null ? ' and the bound as a solid rule' : ''}.`,
    width,
    height: 200,
    layer: layers,
  } as TopLevelSpec;
}

export function spectrumSpec(d: ModelViewData, c: ThemeColours, width: number): TopLevelSpec | null {
  const s = d.spectrum;
  if (!s) return null;
  const rows: Row[] = s.singularValues.map((v, i) => ({ k: i + 1, sigma: v !== null && v > 0 ? v : null, energy: s.cumulativeEnergy[i], kept: i < s.rank ? 'kept' : 'truncated' }));
  // One grid line per decade (vega's log ticks include 2…9 multiples, a dense grid).
  const positive = s.singularValues.filter((v): v is number => v !== null && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...positive, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...positive, 1)));
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  const decades: number[] = [];
  for (let e = lo; e <= hi; e += step) decades.push(10 ** e);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Singular value spectrum on a log scale: rank ${s.rank} of ${s.singularValues.length} kept, capturing ${(s.energy * 100).toPrecision(7)}% of the energy.`,
    width,
    height: 200,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', color: c.data, opacity: 0.6 },
        encoding: {
          x: { field: 'k', type: 'quantitative', title: 'mode', axis: { tickMinStep: 1 }, scale: { nice: false, domain: [0.5, rows.length + 0.5] } },
          y: { field: 'sigma', type: 'quantitative', scale: { type: 'log' }, title: 'singular value', axis: { values: decades, format: '~e' } },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 40 },
        encoding: {
          x: { field: 'k', type: 'quantitative' },
          y: { field: 'sigma', type: 'quantitative' },
          color: { field: 'kept', type: 'nominal', title: null, scale: { domain: ['kept', 'truncated'], range: [c.data, c.muted] }, legend: { orient: 'top', direction: 'horizontal' } },
          tooltip: [{ field: 'k', title: 'mode' }, { field: 'sigma', type: 'quantitative', format: '.4~e' }, { field: 'energy', type: 'quantitative', title: 'cumulative energy', format: '.8f' }],
        },
      },
      {
        data: { values: [{ k: s.rank + 0.5, label: `rank ${s.rank}: ${(s.energy * 100).toPrecision(7)}% energy` }] },
        layer: [
          { mark: { type: 'rule', color: c.accent, strokeDash: [4, 3] }, encoding: { x: { field: 'k', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'left', dx: 4, dy: 4, baseline: 'top', color: c.foreground }, encoding: { x: { field: 'k', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
        ],
      },
    ],
  } as TopLevelSpec;
}

export function xiSpec(d: ModelViewData, c: ThemeColours, width: number): TopLevelSpec {
  const maxAbs = d.xi.cells.reduce((m, cell) => Math.max(m, Math.abs(cell.value)), 0) || 1;
  const rowHeight = 22;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Heat map of the coefficients Ξ: ${d.xi.terms.length} active terms (rows) by ${d.xi.equations.length} equations (columns); ${d.xi.hiddenTerms} inactive terms hidden.`,
    width: Math.min(width, Math.max(160, 90 * d.xi.equations.length)),
    height: Math.max(rowHeight, rowHeight * d.xi.terms.length),
    data: { values: d.xi.cells },
    encoding: {
      x: { field: 'equation', type: 'nominal', sort: d.xi.equations, title: 'equation (d/dt of)', axis: { orient: 'top', labelAngle: 0 } },
      y: { field: 'term', type: 'nominal', sort: d.xi.terms, title: 'term' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: c.background, strokeWidth: 1 },
        encoding: {
          color: { field: 'value', type: 'quantitative', title: 'coefficient', scale: { scheme: 'redblue', reverse: true, domain: [-maxAbs, maxAbs] } },
          tooltip: [{ field: 'equation' }, { field: 'term' }, { field: 'value', type: 'quantitative', format: '.6~g' }],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'value', type: 'quantitative', format: '.3~g' },
          color: { condition: { test: `abs(datum.value) > ${0.55 * maxAbs}`, value: '#ffffff' }, value: '#000000' },
        },
      },
    ],
  } as TopLevelSpec;
}

export function phaseSpec(d: ModelViewData, c: ThemeColours, width: number): TopLevelSpec | null {
  const p = d.phase;
  if (!p) return null;
  const rows: Row[] = [];
  p.data.x.forEach((x, i) => rows.push({ i, x, y: p.data.y[i], series: DATA }));
  p.model.x.forEach((x, i) => rows.push({ i, x, y: p.model.y[i], series: MODEL }));
  const side = Math.min(width, 420);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Phase portrait of ${p.yName} against ${p.xName}: decoded data and the integrated model.`,
    width: side,
    height: side,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1, opacity: 0.85 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: p.xName, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: p.yName, scale: { zero: false } },
      order: { field: 'i', type: 'quantitative' },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: [DATA, MODEL], range: [c.data, c.model] } },
      strokeDash: { field: 'series', type: 'nominal', scale: { domain: [DATA, MODEL], range: [[1, 0], [5, 3]] }, legend: null },
    },
  } as TopLevelSpec;
}
