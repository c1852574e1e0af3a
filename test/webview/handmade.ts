// Hand-made model view messages (no codec needed): a simulated Lorenz system with a slightly wrong
// model, and a 12-variable lift of it with a POD spectrum. Used until/unless the engine is available.
import type { ModelInfo, ModelViewData } from '../../src/protocol/webview';
import { buildViewDataFrom, type ViewSource } from '../../src/core/view/viewData';
import { integrateDopri5 } from '../../src/core/numerics/ode';

function lorenz(sigma: number, rho: number, beta: number) {
  return (_t: number, y: Float64Array, d: Float64Array): void => {
    d[0] = sigma * (y[1] - y[0]);
    d[1] = y[0] * (rho - y[2]) - y[1];
    d[2] = y[0] * y[1] - beta * y[2];
  };
}

export function handmadeLorenz(maxPoints: number, m = 4000): { info: ModelInfo; data: ModelViewData } {
  const t = Float64Array.from({ length: m }, (_, k) => k * 0.005);
  const truth = integrateDopri5(lorenz(10, 28, 8 / 3), Float64Array.of(-8, 8, 27), t);
  // The "model" drifts a little and is re-anchored every 1000 steps (window starts).
  const pred = [new Float64Array(m), new Float64Array(m), new Float64Array(m)];
  const windows = [0, 1000, 2000, 3000];
  for (let w = 0; w < windows.length; w++) {
    const a = windows[w];
    const b = w + 1 < windows.length ? windows[w + 1] : m;
    const seg = integrateDopri5(lorenz(10.02, 27.98, 2.667), Float64Array.of(truth[0][a], truth[1][a], truth[2][a]), t.subarray(a, b));
    for (let i = 0; i < 3; i++) pred[i].set(seg[i], a);
  }
  const termNames = ['x', 'y', 'z', 'x^2', 'x y', 'x z', 'y^2', 'y z', 'z^2'];
  const xi = new Float64Array(9 * 3);
  const set = (term: string, eq: number, v: number): void => void (xi[termNames.indexOf(term) * 3 + eq] = v);
  set('x', 0, -10.02); set('y', 0, 10.02);
  set('x', 1, 27.98); set('y', 1, -0.999); set('x z', 1, -1);
  set('z', 2, -2.667); set('x y', 2, 1.0);
  const src: ViewSource = {
    names: ['x', 'y', 'z'],
    time: t,
    data: truth,
    prediction: pred,
    states: pred,
    pod: null,
    model: { stateNames: ['x', 'y', 'z'], termNames, coefficients: xi },
    windowStarts: windows,
    bound: 0.05,
  };
  const latex = ['\\dot{x} = -10.02\\,x + 10.02\\,y', '\\dot{y} = 27.98\\,x - 0.999\\,y - x\\,z', '\\dot{z} = -2.667\\,z + x\\,y'];
  const text = ['x\' = -10.02 x + 10.02 y', 'y\' = 27.98 x - 0.999 y - x z', 'z\' = -2.667 z + x y'];
  const info: ModelInfo = {
    summary: {
      fileName: 'lorenz.wsindy', fileBytes: 41230, sourceFile: 'lorenz.csv', sourceBytes: 301234, n: 3, m, timeStart: 0, timeEnd: t[m - 1],
      mode: 'error-bounded', bound: 0.05, ratioVsCsv: 7.3, ratioVsFloat64: 2.33, maxError: 0.0499, rmsError: 0.0288,
      pod: null, library: 'polynomials up to degree 2', activeTerms: 7, totalTerms: 9, windows: 4,
    },
    equations: latex.map((l, i) => ({ state: ['x', 'y', 'z'][i], latex: l, text: text[i] })),
    sources: { latex: latex.join('\n'), text: text.join('\n'), python: 'def rhs(t, s):\n    x, y, z = s\n    return [...]' },
  };
  return { info, data: buildViewDataFrom(src, maxPoints) };
}

/** A 12-variable lift of the Lorenz data through 3 orthonormal modes, with a made-up spectrum. */
export function handmadePod(maxPoints: number): { info: ModelInfo; data: ModelViewData } {
  const base = handmadeLorenz(maxPoints, 3000);
  const m = 3000;
  const t = Float64Array.from({ length: m }, (_, k) => k * 0.005);
  const truth = integrateDopri5(lorenz(10, 28, 8 / 3), Float64Array.of(-8, 8, 27), t);
  const n = 12;
  const r = 3;
  // Orthonormal columns by Gram–Schmidt on deterministic vectors.
  const modes = new Float64Array(n * r);
  for (let j = 0; j < r; j++) {
    const v = Float64Array.from({ length: n }, (_, i) => Math.sin((i + 1) * (j + 1) * 0.7) + (i === j ? 1 : 0));
    for (let q = 0; q < j; q++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i] * modes[q * n + i];
      for (let i = 0; i < n; i++) v[i] -= dot * modes[q * n + i];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) modes[j * n + i] = v[i] / norm;
  }
  const mean = Float64Array.from({ length: n }, (_, i) => i * 0.5);
  const lift = (a: Float64Array[]): Float64Array[] =>
    Array.from({ length: n }, (_, i) => {
      const x = new Float64Array(m);
      for (let k = 0; k < m; k++) x[k] = mean[i] + modes[i] * a[0][k] + modes[n + i] * a[1][k] + modes[2 * n + i] * a[2][k];
      return x;
    });
  const names = ['a1', 'a2', 'a3'];
  const pred = integrateDopri5(lorenz(10.02, 27.98, 2.667), Float64Array.of(-8, 8, 27), t);
  const termNames = ['a1', 'a2', 'a3', 'a1^2', 'a1 a2', 'a1 a3', 'a2^2', 'a2 a3', 'a3^2'];
  const xi = new Float64Array(9 * 3);
  const set = (term: string, eq: number, v: number): void => void (xi[termNames.indexOf(term) * 3 + eq] = v);
  set('a1', 0, -10.02); set('a2', 0, 10.02); set('a1', 1, 27.98); set('a2', 1, -0.999); set('a1 a3', 1, -1); set('a3', 2, -2.667); set('a1 a2', 2, 1);
  const sv = [812.3, 402.1, 130.5, 0.031, 0.022, 0.018, 0.011, 0.009, 0.004, 0.002, 0.0011, 0.0004];
  const src: ViewSource = {
    names: Array.from({ length: n }, (_, i) => `sensor_${i + 1}`),
    time: t,
    data: lift(truth),
    prediction: lift(pred),
    states: pred,
    pod: { rank: r, energy: 0.9999991, singularValues: sv, mean, modes },
    model: { stateNames: names, termNames, coefficients: xi },
    windowStarts: [0],
    bound: 0.02,
  };
  const latex = ['\\dot{a}_{1} = -10.02\\,a_{1} + 10.02\\,a_{2}', '\\dot{a}_{2} = 27.98\\,a_{1} - 0.999\\,a_{2} - a_{1}\\,a_{3}', '\\dot{a}_{3} = -2.667\\,a_{3} + a_{1}\\,a_{2}'];
  const info: ModelInfo = {
    summary: { ...base.info.summary, fileName: 'sensors.wsindy', sourceFile: 'sensors.csv', n, m, timeEnd: t[m - 1], bound: 0.02, pod: { rank: r, energy: 0.9999991 }, windows: 1 },
    equations: latex.map((l, i) => ({ state: names[i], latex: l, text: l })),
    sources: { latex: latex.join('\n'), text: latex.join('\n'), python: '' },
  };
  return { info, data: buildViewDataFrom(src, maxPoints) };
}
