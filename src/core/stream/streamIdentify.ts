// Weak-SINDy over time blocks (streaming Weak-SINDy): the weak-form sums G and b are additive over time,
// so one pass accumulates them block by block (WeakFormAccumulator) with memory O(K·J + r·prefix),
// whatever m. The test functions' support is chosen from the first PREFIX_STEPS steps (the corner rule
// needs a spectrum), their centres spread over the whole record. The sums are taken in the unscaled
// states and rescaled after: monomials scale exactly, so this equals fitting the scaled states.
import { CancelledError } from '../errors';
import { chooseLibrary, fitWeakSystem, monomialScale, type IdentifyOptions } from '../sindy/identify';
import { evaluateLibrary } from '../sindy/library';
import type { IdentifiedSystem, PodBasis } from '../model';
import { projectOnModes } from '../numerics/pod';
import { noProgress, type ProgressSink } from '../progress';
import { chooseTestFunctions, type TestFunctions } from '../sindy/testFunctions';
import { WeakFormAccumulator, type WeakSystem } from '../sindy/weakForm';
import type { BlockSource } from './blocks';

/** Steps whose states are kept to choose the test-function support (r × this many doubles). */
export const PREFIX_STEPS = 1 << 16;

export interface StreamingIdentifyResult {
  system: IdentifiedSystem;
  /** max |a_k| of each state over all steps (sets the stored basis's precision). */
  amax: Float64Array;
}

/**
 * Fit ȧ = Θ(a)Ξ on the POD coordinates a = Uᵀ(x − mean) of the source (pod given), or on the variables
 * themselves (pod null: n ≤ a few, full rank). One pass over the source.
 */
export async function identifyStreaming(
  src: BlockSource,
  pod: PodBasis | null,
  opts: IdentifyOptions,
  progress: ProgressSink = noProgress,
  signal?: AbortSignal,
): Promise<StreamingIdentifyResult> {
  const { n, m, time } = src;
  const r = pod ? pod.rank : n;
  const stateNames = pod ? Array.from({ length: r }, (_, i) => `a${i + 1}`) : src.names.slice();
  const lib = chooseLibrary(stateNames, opts, progress);
  const { terms } = lib;
  const J = terms.length;
  const prefixLen = Math.min(m, PREFIX_STEPS);
  const prefix = Array.from({ length: r }, () => new Float64Array(prefixLen));
  const amax = new Float64Array(r);
  let acc: WeakFormAccumulator | null = null;
  let tfChosen: ReturnType<typeof chooseTestFunctions> | null = null;
  const evaluate = (s: Float64Array[], len: number) => evaluateLibrary(terms, s, len);
  const start = (): WeakFormAccumulator => {
    const tf = chooseTestFunctions(prefix, time.subarray(0, prefixLen), opts.testFunctions ?? {}, J, time);
    tfChosen = tf;
    const a = new WeakFormAccumulator(tf, J, r, evaluate);
    // the prefix's states were kept whole: add them now, in blocks as they came
    a.add(time.subarray(0, prefixLen), prefix);
    return a;
  };
  await src.forEachBlock((j0, rows) => {
    if (signal?.aborted) throw new CancelledError();
    const len = rows[0].length;
    // the variables themselves (no POD) are only read here: views will do
    const states = pod ? projectOnModes(rows, pod.mean, pod.modes, r, len) : rows.slice();
    for (let k = 0; k < r; k++) {
      const a = states[k];
      let mx = amax[k];
      for (let j = 0; j < len; j++) if (!(Math.abs(a[j]) <= mx)) mx = Math.abs(a[j]);
      amax[k] = mx;
    }
    if (j0 < prefixLen) {
      const take = Math.min(len, prefixLen - j0);
      for (let k = 0; k < r; k++) prefix[k].set(states[k].subarray(0, take), j0);
      if (j0 + take === prefixLen) acc = start();
      if (take < len) acc?.add(time.subarray(j0 + take, j0 + len), states.map((a) => a.subarray(take)));
    } else acc?.add(time.subarray(j0, j0 + len), states);
    progress({ phase: 'identify', fraction: 0.05 + (0.5 * (j0 + len)) / m, message: 'weak form' });
  }, signal);
  if (!acc || !tfChosen) throw new RangeError('identifyStreaming: the source gave fewer steps than it announced');
  const tf: ReturnType<typeof chooseTestFunctions> = tfChosen;
  const weakSums: WeakSystem = (acc as WeakFormAccumulator).result();
  progress({ phase: 'identify', fraction: 0.6, message: 'sparse regression' });
  const system = fitStreamingSums(weakSums, { ...lib, stateNames }, amax, tf, pod, opts);
  progress({ phase: 'identify', fraction: 1 });
  return { system, amax };
}

/**
 * The regression on weak-form sums taken in the unscaled states (G, b over all steps; amax = max |a_k|):
 * rescaled to ã_i = a_i / s_i, then fitted. Exported for the shard pipeline (shards/), which adds the
 * sums of its shards first.
 */
export function fitStreamingSums(
  weakSums: WeakSystem,
  lib: ReturnType<typeof chooseLibrary> & { stateNames: string[] },
  amax: Float64Array,
  tf: TestFunctions,
  pod: PodBasis | null,
  opts: IdentifyOptions,
): IdentifiedSystem {
  const { terms } = lib;
  const r = lib.stateNames.length;
  const J = terms.length;
  // Fit on ã_i = a_i / s_i (s_i = max |a_i|, as the in-memory fit): G_kj / Π s^p, b_ke / s_e.
  const scales = new Float64Array(r).fill(1);
  if (!opts.trig) for (let k = 0; k < r; k++) if (amax[k] > 0) scales[k] = amax[k];
  const termScale = terms.map((t) => monomialScale(t, scales));
  const { K, G, b } = weakSums;
  const weak: WeakSystem = { K, J, r, G: new Float64Array(K * J), b: new Float64Array(K * r) };
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < J; j++) weak.G[k * J + j] = G[k * J + j] / termScale[j];
    for (let e = 0; e < r; e++) weak.b[k * r + e] = b[k * r + e] / scales[e];
  }
  return fitWeakSystem(weak, lib, scales, tf, pod, opts.threshold);
}
