// Generated fields and sensor-like signals for bench/fields.ts (and the codec tests): simple pseudo-spectral
// solvers (integrating-factor RK4 on a periodic grid, 2/3 dealiasing) for Burgers, KdV and
// Kuramoto–Sivashinsky, closed forms for heat and advection, and synthetic signals. Each field is
// n grid points (rows, one variable per point) × m time samples.
import { gaussian, mulberry32, uniformTime } from '../test/support/systems';

export interface FieldCase {
  name: string;
  series: Float64Array[];
  time: Float64Array;
  /** A flattened 2-D field: the rows are nx × ny grid points, row ix·ny + iy (SZ3 is also told this 3-D shape). */
  grid?: { nx: number; ny: number };
}

/** In-place radix-2 complex FFT (sign −1 forward, +1 inverse without the 1/N). */
function fft(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/**
 * u_t = L u + N(u) on a periodic grid of n points over length `len`, L diagonal in Fourier space
 * (`lin(k)` complex: [re, im]), N(u) = −c·(u²/2)_x. Integrating-factor RK4 with `dt`, sampled every
 * `every` steps, m samples.
 */
function spectral(u0: Float64Array, len: number, lin: (k: number) => [number, number], c: number, dt: number, every: number, m: number): Float64Array[] {
  const n = u0.length;
  const k = Float64Array.from({ length: n }, (_, j) => ((2 * Math.PI) / len) * (j <= n / 2 ? j : j - n));
  const kmax = (2 / 3) * (Math.PI * n) / len;
  const eRe = new Float64Array(n);
  const eIm = new Float64Array(n);
  const hRe = new Float64Array(n);
  const hIm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const [a, b] = lin(k[j]);
    const mag = Math.exp(a * dt);
    eRe[j] = mag * Math.cos(b * dt);
    eIm[j] = mag * Math.sin(b * dt);
    const h = Math.exp((a * dt) / 2);
    hRe[j] = h * Math.cos((b * dt) / 2);
    hIm[j] = h * Math.sin((b * dt) / 2);
  }
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  // N̂(v̂) = −c · i k · FFT(u²/2), u = IFFT(v̂), dealiased
  const nonlin = (vr: Float64Array, vi: Float64Array, outR: Float64Array, outI: Float64Array): void => {
    wr.set(vr);
    wi.set(vi);
    fft(wr, wi, 1);
    for (let j = 0; j < n; j++) {
      const u = wr[j] / n;
      wr[j] = (u * u) / 2;
      wi[j] = 0;
    }
    fft(wr, wi, -1);
    for (let j = 0; j < n; j++) {
      const keep = Math.abs(k[j]) < kmax ? 1 : 0;
      outR[j] = c * k[j] * wi[j] * keep;
      outI[j] = -c * k[j] * wr[j] * keep;
    }
  };
  const mul = (ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array, j: number): [number, number] => [ar[j] * br[j] - ai[j] * bi[j], ar[j] * bi[j] + ai[j] * br[j]];
  const vr = Float64Array.from(u0);
  const vi = new Float64Array(n);
  fft(vr, vi, -1);
  const [n1r, n1i, n2r, n2i, n3r, n3i, n4r, n4i, tr, ti] = Array.from({ length: 10 }, () => new Float64Array(n));
  const out: Float64Array[] = Array.from({ length: n }, () => new Float64Array(m));
  const sample = (s: number): void => {
    wr.set(vr);
    wi.set(vi);
    fft(wr, wi, 1);
    for (let j = 0; j < n; j++) out[j][s] = wr[j] / n;
  };
  sample(0);
  for (let s = 1; s < m; s++) {
    for (let step = 0; step < every; step++) {
      nonlin(vr, vi, n1r, n1i);
      for (let j = 0; j < n; j++) {
        const [a, b] = mul(hRe, hIm, vr, vi, j);
        tr[j] = a + ((dt / 2) * (hRe[j] * n1r[j] - hIm[j] * n1i[j]));
        ti[j] = b + ((dt / 2) * (hRe[j] * n1i[j] + hIm[j] * n1r[j]));
      }
      nonlin(tr, ti, n2r, n2i);
      for (let j = 0; j < n; j++) {
        const [a, b] = mul(hRe, hIm, vr, vi, j);
        tr[j] = a + (dt / 2) * n2r[j];
        ti[j] = b + (dt / 2) * n2i[j];
      }
      nonlin(tr, ti, n3r, n3i);
      for (let j = 0; j < n; j++) {
        const [a, b] = mul(eRe, eIm, vr, vi, j);
        const [c3r, c3i] = mul(hRe, hIm, n3r, n3i, j);
        tr[j] = a + dt * c3r;
        ti[j] = b + dt * c3i;
      }
      nonlin(tr, ti, n4r, n4i);
      for (let j = 0; j < n; j++) {
        const [a, b] = mul(eRe, eIm, vr, vi, j);
        const [e1r, e1i] = mul(eRe, eIm, n1r, n1i, j);
        const [h2r, h2i] = mul(hRe, hIm, n2r, n2i, j);
        const [h3r, h3i] = mul(hRe, hIm, n3r, n3i, j);
        vr[j] = a + (dt / 6) * (e1r + 2 * h2r + 2 * h3r + n4r[j]);
        vi[j] = b + (dt / 6) * (e1i + 2 * h2i + 2 * h3i + n4i[j]);
      }
    }
    sample(s);
  }
  return out;
}

function grid(n: number, a: number, b: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / n);
}

/** Burgers u_t = −u u_x + ν u_xx on [−8, 8), u0 = exp(−(x + 2)²), ν = 0.1, t ∈ [0, 10] (like PySINDy's example). */
export function burgersField(n = 256, m = 101, tEnd = 10): FieldCase {
  const x = grid(n, -8, 8);
  const dtSample = tEnd / (m - 1);
  const every = Math.max(1, Math.ceil(dtSample / 0.01));
  const series = spectral(Float64Array.from(x, (v) => Math.exp(-((v + 2) ** 2))), 16, (k) => [-0.1 * k * k, 0], 1, dtSample / every, every, m);
  return { name: `Burgers ${n}×${m}`, series, time: uniformTime(m, dtSample) };
}

/** KdV u_t = −6 u u_x − u_xxx on [−30, 30), two solitons (speeds 4 and 1), t ∈ [0, 20]. */
export function kdvField(n = 512, m = 201): FieldCase {
  const x = grid(n, -30, 30);
  const sol = (c: number, x0: number, v: number) => (c / 2) / Math.cosh((Math.sqrt(c) / 2) * (v - x0)) ** 2;
  const u0 = Float64Array.from(x, (v) => sol(4, -20, v) + sol(1, -5, v));
  const dtSample = 20 / (m - 1);
  const every = Math.max(1, Math.ceil(dtSample / 2e-3));
  // −u_xxx: L(k) = −(i k)³ = i k³
  const series = spectral(u0, 60, (k) => [0, k * k * k], 6, dtSample / every, every, m);
  return { name: `KdV ${n}×${m}`, series, time: uniformTime(m, dtSample) };
}

/** Kuramoto–Sivashinsky u_t = −u u_x − u_xx − u_xxxx on [0, 32π), u0 = cos(x/16)(1 + sin(x/16)), t ∈ [0, 100]. */
export function ksField(n = 1024, m = 251): FieldCase {
  const x = grid(n, 0, 32 * Math.PI);
  const u0 = Float64Array.from(x, (v) => Math.cos(v / 16) * (1 + Math.sin(v / 16)));
  const dtSample = 100 / (m - 1);
  const every = Math.max(1, Math.ceil(dtSample / 0.01));
  const series = spectral(u0, 32 * Math.PI, (k) => [k * k - k ** 4, 0], 1, dtSample / every, every, m);
  return { name: `Kuramoto–Sivashinsky ${n}×${m}`, series, time: uniformTime(m, dtSample) };
}

/** Heat equation on [0, 1] with fixed ends, a few modes decaying: closed form. */
export function heatField(n = 256, m = 500): FieldCase {
  const time = uniformTime(m, 0.0005);
  const amps = [1, 0.5, 0.3, 0.2, 0.1];
  const series = Array.from({ length: n }, (_, i) => {
    const x = (i + 0.5) / n;
    return Float64Array.from(time, (t) => amps.reduce((s, a, k) => s + a * Math.exp(-(((k + 1) * Math.PI) ** 2) * t) * Math.sin((k + 1) * Math.PI * x), 0) + 0.2 * x);
  });
  return { name: `heat ${n}×${m}`, series, time };
}

/** Advection of a non-sinusoidal periodic profile (a Gaussian pulse and a smoothed step) at speed 0.7. */
export function advectionField(n = 256, m = 1000): FieldCase {
  const time = uniformTime(m, 0.002);
  const profile = (s: number): number => {
    const z = s - Math.floor(s);
    return Math.exp(-(((z - 0.3) / 0.05) ** 2)) + 0.5 * Math.tanh((z - 0.6) / 0.02) * (z < 0.9 ? 1 : Math.cos(((z - 0.9) / 0.1) * Math.PI));
  };
  const series = Array.from({ length: n }, (_, i) => Float64Array.from(time, (t) => profile(i / n - 0.7 * t)));
  return { name: `advection ${n}×${m}`, series, time };
}

/** A 2-D field (32 × 32 grid, row after row of the grid): a rotating, spreading Gaussian plus a standing wave. */
export function field2d(side = 32, m = 200): FieldCase {
  const time = uniformTime(m, 0.02);
  const series: Float64Array[] = [];
  for (let iy = 0; iy < side; iy++) {
    for (let ix = 0; ix < side; ix++) {
      const x = ix / side - 0.5;
      const y = iy / side - 0.5;
      series.push(Float64Array.from(time, (t) => {
        const cx = 0.25 * Math.cos(t);
        const cy = 0.25 * Math.sin(t);
        const w = 0.01 + 0.005 * t;
        return Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / w) + 0.2 * Math.sin(2 * Math.PI * x) * Math.cos(2 * Math.PI * y) * Math.cos(3 * t);
      }));
    }
  }
  // row iy·side + ix: the stride is side (the grid's "ny" is x here)
  return { name: `2-D field ${side}×${side}×${m}`, series, time, grid: { nx: side, ny: side } };
}

/** ECG-like signal at 360 Hz: beats as sums of Gaussians (P, Q, R, S, T) with varying RR, baseline wander, noise, 5 µV ADC step. */
export function ecgSignal(m = 108_000): FieldCase {
  const fs = 360;
  const rnd = mulberry32(3);
  const g = gaussian(mulberry32(4));
  const waves = [
    { a: 0.15, t: -0.2, w: 0.025 },
    { a: -0.12, t: -0.05, w: 0.01 },
    { a: 1.2, t: 0, w: 0.012 },
    { a: -0.25, t: 0.04, w: 0.012 },
    { a: 0.3, t: 0.25, w: 0.04 },
  ];
  const x = new Float64Array(m);
  let beat = 0.3;
  while (beat < m / fs + 1) {
    const amp = 1 + 0.05 * g();
    for (const wv of waves) {
      const c = beat + wv.t;
      const j0 = Math.max(0, Math.floor((c - 5 * wv.w) * fs));
      const j1 = Math.min(m, Math.ceil((c + 5 * wv.w) * fs));
      for (let j = j0; j < j1; j++) x[j] += amp * wv.a * Math.exp(-(((j / fs - c) / wv.w) ** 2) / 2);
    }
    beat += 0.8 + 0.1 * Math.sin(beat / 7) + 0.03 * (rnd() - 0.5);
  }
  for (let j = 0; j < m; j++) {
    const t = j / fs;
    x[j] += 0.1 * Math.sin(2 * Math.PI * 0.2 * t) + 0.01 * g();
    x[j] = Math.round(x[j] / 0.005) * 0.005;
  }
  return { name: `ECG-like 1×${m}`, series: [x], time: uniformTime(m, 1 / fs) };
}

/** Eight sensors: slow oscillations with drift, white noise and a 1 mV ADC step. */
export function noisySensors(n = 8, m = 20_000): FieldCase {
  const g = gaussian(mulberry32(9));
  const time = uniformTime(m, 0.01);
  const series = Array.from({ length: n }, (_, i) =>
    Float64Array.from(time, (t) => Math.round((Math.sin(0.3 * t * (1 + 0.1 * i) + i) + 0.002 * t * (i - 3) + 0.01 * g()) / 0.001) * 0.001),
  );
  return { name: `noisy sensors ${n}×${m}`, series, time };
}

export function randomWalkSignal(n = 8, m = 5000): FieldCase {
  const g = gaussian(mulberry32(11));
  const series = Array.from({ length: n }, () => {
    let w = 0;
    return Float64Array.from({ length: m }, () => (w += g()));
  });
  return { name: `random walk ${n}×${m}`, series, time: uniformTime(m, 0.01) };
}

export function fieldCases(): FieldCase[] {
  return [burgersField(), kdvField(), ksField(), burgersField(256, 1000, 10), heatField(), advectionField(), field2d(), ecgSignal(), noisySensors(), randomWalkSignal()];
}

/** Smallest and largest value over all series (the benches' bound is tolerance × (max − min)). */
export function seriesRange(series: readonly Float64Array[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const v of s) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  return { min, max };
}
