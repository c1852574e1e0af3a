// Downsampling for display: Largest-Triangle-Three-Buckets (Steinarsson 2013) keeps the visual shape
// of a long series (peaks, edges) with a fixed number of points, so plots stay quick with millions of steps.

/**
 * Indices (ascending) of the samples LTTB keeps: always the first and last, then one per bucket,
 * the one forming the largest triangle with the previously kept point and the next bucket's mean.
 * Non-finite y values are never chosen over finite ones. x must be non-decreasing.
 */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number): Uint32Array {
  const len = Math.min(x.length, y.length);
  const target = Math.max(0, Math.floor(threshold));
  if (target >= len || len <= 2) return Uint32Array.from({ length: len }, (_, i) => i);
  if (target === 0) return new Uint32Array(0);
  if (target === 1) return Uint32Array.of(0);
  if (target === 2) return Uint32Array.of(0, len - 1);

  const out = new Uint32Array(target);
  out[0] = 0;
  // Buckets cover the interior points 1..len-2.
  const every = (len - 2) / (target - 2);
  let a = 0;
  let k = 1;
  for (let i = 0; i < target - 2; i++) {
    // Mean of the next bucket (the last point for the final bucket).
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, len);
    let avgX = 0;
    let avgY = 0;
    let cnt = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      if (!Number.isFinite(y[j])) continue;
      avgX += x[j];
      avgY += y[j];
      cnt++;
    }
    if (cnt === 0) {
      avgX = x[len - 1];
      avgY = Number.isFinite(y[len - 1]) ? y[len - 1] : 0;
    } else {
      avgX /= cnt;
      avgY /= cnt;
    }

    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = x[a];
    const ay = Number.isFinite(y[a]) ? y[a] : avgY;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const yj = y[j];
      const area = Number.isFinite(yj) ? Math.abs((ax - avgX) * (yj - ay) - (ax - x[j]) * (avgY - ay)) : -0.5;
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out[k++] = best;
    a = best;
  }
  out[k++] = len - 1;
  return out.subarray(0, k);
}

/** LTTB applied: the kept (x, y) pairs. */
export function lttb(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number): { x: Float64Array; y: Float64Array } {
  const idx = lttbIndices(x, y, threshold);
  return { x: pick(x, idx), y: pick(y, idx) };
}

/** Sorted union of ascending index lists (so two series on one axis keep each other's features). */
export function mergeIndices(...lists: ArrayLike<number>[]): Uint32Array {
  const all: number[] = [];
  for (const l of lists) for (let i = 0; i < l.length; i++) all.push(l[i]);
  all.sort((p, q) => p - q);
  const out: number[] = [];
  for (const v of all) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  return Uint32Array.from(out);
}

/** Evenly spaced indices 0..len-1 (first and last kept): for curves with no monotone axis, e.g. a phase portrait. */
export function strideIndices(len: number, threshold: number): Uint32Array {
  const target = Math.max(0, Math.floor(threshold));
  if (target >= len) return Uint32Array.from({ length: len }, (_, i) => i);
  if (target === 0) return new Uint32Array(0);
  if (target === 1) return Uint32Array.of(0);
  const out = new Uint32Array(target);
  for (let i = 0; i < target; i++) out[i] = Math.round((i * (len - 1)) / (target - 1));
  return out;
}

export function pick(values: ArrayLike<number>, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = values[idx[i]];
  return out;
}
