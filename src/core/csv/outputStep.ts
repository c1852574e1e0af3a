// Decimal output step of an error-bounded file: the encoder quantises with b' = b − δ (δ = b/16) and the
// CSV writer prints every reconstructed value rounded to a multiple of 10^k with 10^k / 2 ≤ δ, so the
// printed text stays within b of the source. The encoder checks every printed value with `printedValue`,
// the exact number a reader parses back from what `writeFixed` (write.ts) prints.

/** 10^0 … 10^22: exact doubles. */
export const POW10_EXACT = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10_EXACT[i] = p;

const TWO53 = 9007199254740992;

/** Slack δ taken from the bound b for printing: b' = b − δ is what the residual is quantised with. */
export function outputSlack(bound: number): number {
  return bound / 16;
}

/**
 * The exponent k of the largest 10^k with 10^k / 2 ≤ δ, or null when k falls outside [-22, 22] (where
 * 10^|k| is not an exact double) or δ is not a positive finite number.
 */
export function outputExponent(delta: number): number | null {
  if (!(delta > 0) || !Number.isFinite(delta)) return null;
  let k = Math.floor(Math.log10(2 * delta));
  // log10 may be off by one next to a power of ten: settle it with exact powers
  while (k >= -22 && k <= 22 && pow10(k) / 2 > delta) k--;
  while (k + 1 >= -22 && k + 1 <= 22 && pow10(k + 1) / 2 <= delta) k++;
  return k >= -22 && k <= 22 ? k : null;
}

/**
 * The step the encoder prints at for the user's bound b (FORMAT.md §5 "Output step"): k and the residual's
 * b′ = b − δ, one decade finer when rounding of b′ ate into δ; null when no step fits. Format v4 derives
 * the header's step from the bound with this rule.
 */
export function outputStepFor(userBound: number): { k: number; bound: number } | null {
  let k = userBound > 0 ? outputExponent(outputSlack(userBound)) : null;
  if (k === null) return null;
  const bound = userBound - outputSlack(userBound);
  // the decoder checks step / 2 ≤ b − b' as computed
  if (!(pow10(k) / 2 <= userBound - bound)) k = k > -22 ? k - 1 : null;
  if (k === null || !(bound > 0) || !(pow10(k) / 2 <= userBound - bound)) return null;
  return { k, bound };
}

/** 10^k as a double (the nearest double to 10^k for k < 0). */
export function pow10(k: number): number {
  return k >= 0 ? POW10_EXACT[k] : 1 / POW10_EXACT[-k];
}

/** The exponent k when `step` is exactly the double `Number('1e' + k)` for an integer k in [-22, 22], else null. */
export function exponentOfStep(step: number): number | null {
  if (!(step > 0) || !Number.isFinite(step)) return null;
  const k = Math.round(Math.log10(step));
  if (!(k >= -22 && k <= 22) || Number(`1e${k}`) !== step) return null;
  return k;
}

/**
 * The integer N the writer prints for x at step 10^k (the text is N·10^k written exactly), or NaN when
 * |N| would reach 2^53: then the writer falls back to the shortest round-trip text, i.e. x itself.
 */
export function stepMultiple(x: number, k: number): number {
  const N = k < 0 ? Math.round(x * POW10_EXACT[-k]) : Math.round(x / POW10_EXACT[k]);
  return N < TWO53 && N > -TWO53 ? N : NaN;
}

/**
 * The number a reader parses from the text the writer prints for x at step 10^k: the correctly rounded
 * N·10^k (one IEEE division or multiplication of exact operands, as in Clinger's fast path), or x itself.
 */
export function printedValue(x: number, k: number): number {
  const N = stepMultiple(x, k);
  if (N !== N) return x;
  return k < 0 ? N / POW10_EXACT[-k] : N * POW10_EXACT[k];
}
