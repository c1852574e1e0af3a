// The reduce steps of the shard pipeline, run by the driver between the kernels' map steps: shard checks,
// the POD from merged Gram matrices, the tasks of each step, the regression on the added weak-form sums.
import { InputError, NumericalError } from '../errors';
import type { IdentifiedSystem, PodBasis } from '../model';
import type { CompressOptions } from '../options';
import { chooseLibrary, identifyOptionsOf } from '../sindy/identify';
import type { TestFunctions } from '../sindy/testFunctions';
import type { WeakSystem } from '../sindy/weakForm';
import { podFromCentredGram } from '../stream/streamPod';
import { fitStreamingSums, PREFIX_STEPS } from '../stream/streamIdentify';
import { basisForFit } from '../stream/streamCompress';
import type { FitPartial, ShardRef, ShardScan, TimeRule } from './kernels';

/** The shards in order, checked to be one record: same header and layout, time increasing without gaps. */
export interface ShardLayout {
  refs: ShardRef[];
  /** Steps of the whole record. */
  M: number;
  n: number;
  /** Global time stamps (M). */
  time: Float64Array;
  rule: TimeRule;
}

/** A join whose step is this many times the largest step inside the two shards is a gap. */
const GAP_FACTOR = 1.5;

function sameFormat(a: ShardScan, b: ShardScan): string | null {
  if (a.n !== b.n) return `${b.n} variables, ${a.name} has ${a.n}`;
  if (a.source.layout !== b.source.layout) return `${b.source.layout} layout, ${a.name} has the ${a.source.layout} layout`;
  const ha = JSON.stringify(a.source.header);
  const hb = JSON.stringify(b.source.header);
  if (ha !== hb) return `header ${b.source.header ? b.source.header.join(b.source.delimiter) : '(none)'} differs from ${a.name}'s ${a.source.header ? a.source.header.join(a.source.delimiter) : '(none)'}`;
  if (a.source.delimiter !== b.source.delimiter) return `delimiter '${b.source.delimiter}', ${a.name} has '${a.source.delimiter}'`;
  if (a.source.timeColumn !== b.source.timeColumn) return `time column ${String(b.source.timeColumn)}, ${a.name} has ${String(a.source.timeColumn)}`;
  if (a.names.join('\0') !== b.names.join('\0')) return `variables ${b.names.join(', ')} differ from ${a.name}'s`;
  if (a.source.lineEnding !== b.source.lineEnding) return `line endings differ from ${a.name}'s`;
  return null;
}

function maxStep(t: Float64Array): number {
  let h = 0;
  for (let j = 1; j < t.length; j++) h = Math.max(h, t[j] - t[j - 1]);
  return h;
}

export function checkShards(scans: readonly ShardScan[], dt: number | undefined): ShardLayout {
  if (scans.length === 0) throw new InputError({ file: '(shards)' }, 'no shards');
  const s0 = scans[0];
  for (const s of scans.slice(1)) {
    const why = sameFormat(s0, s);
    if (why) throw new InputError({ file: s.file, line: 1 }, why);
  }
  const hasTime = s0.time !== null;
  for (let k = 1; k < scans.length && hasTime; k++) {
    const a = scans[k - 1];
    const b = scans[k];
    const ta = a.time as Float64Array;
    const tb = b.time as Float64Array;
    const last = ta[ta.length - 1];
    const next = tb[0];
    if (!(next > last)) throw new InputError({ file: b.file, line: b.firstLine }, `time ${next} is not after ${a.name}'s last time ${last}: the shards overlap`);
    const step = Math.max(maxStep(ta), maxStep(tb));
    if (step > 0 && next - last > GAP_FACTOR * step) {
      throw new InputError({ file: b.file, line: b.firstLine }, `time ${next} leaves a gap after ${a.name}'s last time ${last} (steps inside the shards are at most ${step})`);
    }
  }
  const refs: ShardRef[] = [];
  let M = 0;
  for (const s of scans) {
    refs.push({ file: s.file, offset: M, m: s.m });
    M += s.m;
  }
  const time = new Float64Array(M);
  const rule: TimeRule = { dt: hasTime ? null : (dt ?? 1) };
  if (hasTime) for (const [k, s] of scans.entries()) time.set(s.time as Float64Array, refs[k].offset);
  else for (let j = 0; j < M; j++) time[j] = j * (rule.dt as number);
  return { refs, M, n: s0.n, time, rule };
}

export interface MergedPod {
  /** The basis the fit runs on (null: the variables themselves). */
  pod: PodBasis | null;
  min: number;
  max: number;
}

/**
 * The POD of the whole record from the shards' shifted sums: per shard the centred Gram matrix
 * M2_s = Σ (x − c)(x − c)ᵀ − S Sᵀ / m_s, then M2 = Σ M2_s + m_s (μ_s − μ)(μ_s − μ)ᵀ (Chan et al.'s
 * pairwise update: no cancellation against the mean), then the streaming Gram route's eigensolve.
 */
export function mergePod(scans: readonly ShardScan[], options: Pick<CompressOptions, 'rank' | 'energy'>): MergedPod {
  const n = scans[0].n;
  let M = 0;
  for (const s of scans) M += s.m;
  const ref = scans[0].shift;
  // μ − ref per shard, then the global mean
  const mus = scans.map((s) => Float64Array.from(s.shift, (c, i) => c - ref[i] + s.sum[i] / s.m));
  const mu = new Float64Array(n);
  for (const [k, s] of scans.entries()) for (let i = 0; i < n; i++) mu[i] += (s.m / M) * mus[k][i];
  const M2 = new Float64Array(n * n);
  for (const [k, s] of scans.entries()) {
    const d = Float64Array.from(mus[k], (v, i) => v - mu[i]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) M2[i * n + j] += s.gram[i * n + j] - (s.sum[i] * s.sum[j]) / s.m + s.m * d[i] * d[j];
    }
  }
  let min = Infinity;
  let max = -Infinity;
  let scale = 0;
  const mean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of scans) {
      lo = Math.min(lo, s.lo[i]);
      hi = Math.max(hi, s.hi[i]);
    }
    const m = Math.min(hi, Math.max(lo, ref[i] + mu[i])); // a constant variable has exactly its value as mean
    mean[i] = m;
    min = Math.min(min, lo);
    max = Math.max(max, hi);
    scale = Math.max(scale, hi - m, m - lo);
  }
  if (scale === 0) {
    const constant: PodBasis = { mean, modes: new Float64Array(0), singularValues: new Float64Array(0), rank: 0, energy: 1 };
    return { pod: basisForFit(constant, options, n), min, max };
  }
  const inv = 1 / scale;
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = M2[i * n + j] * inv * inv;
      C[i * n + j] = v;
      C[j * n + i] = v;
    }
  }
  const res = podFromCentredGram(C, n, M, inv, { mean, min, max }, 1, { rank: options.rank, energy: options.energy });
  return { pod: basisForFit(res.basis, options, n), min, max };
}

/** The shards holding global steps [from, to). */
export function shardsFor(refs: readonly ShardRef[], from: number, to: number): ShardRef[] {
  return refs.filter((r) => r.offset < to && r.offset + r.m > from);
}

/** Steps of the prefix the test functions are chosen from (as the streaming fit). */
export function prefixSteps(M: number): number {
  return Math.min(M, PREFIX_STEPS);
}

export interface FitLibrary {
  stateNames: string[];
  lib: ReturnType<typeof chooseLibrary>;
}

export function libraryFor(pod: PodBasis | null, names: readonly string[], options: CompressOptions): FitLibrary {
  const stateNames = pod ? Array.from({ length: pod.rank }, (_, i) => `a${i + 1}`) : names.slice();
  return { stateNames, lib: chooseLibrary(stateNames, identifyOptionsOf(options)) };
}

/** The regression on the shards' weak-form sums, added row range by row range. */
export function mergeFits(parts: readonly FitPartial[], tf: TestFunctions, fl: FitLibrary, pod: PodBasis | null, options: CompressOptions): { system: IdentifiedSystem; amax: Float64Array } {
  const K = tf.centres.length;
  const J = fl.lib.terms.length;
  const r = fl.stateNames.length;
  const weak: WeakSystem = { K, J, r, G: new Float64Array(K * J), b: new Float64Array(K * r) };
  const amax = new Float64Array(r);
  for (const p of parts) {
    if (p.J !== J || p.r !== r || p.kLo < 0 || p.kHi > K || p.G.length !== (p.kHi - p.kLo) * J || p.b.length !== (p.kHi - p.kLo) * r) {
      throw new NumericalError('a fit partial does not match the plan');
    }
    for (let i = 0; i < p.G.length; i++) weak.G[p.kLo * J + i] += p.G[i];
    for (let i = 0; i < p.b.length; i++) weak.b[p.kLo * r + i] += p.b[i];
    for (let k = 0; k < r; k++) amax[k] = Math.max(amax[k], p.amax[k]);
  }
  const system = fitStreamingSums(weak, { ...fl.lib, stateNames: fl.stateNames }, amax, tf, pod, identifyOptionsOf(options));
  return { system, amax };
}

/** Segments of S steps over M steps, each owned by the shard holding its first step: [first, last] per shard. */
export function segmentOwners(refs: readonly ShardRef[], M: number, S: number): { shard: number; first: number; last: number }[] {
  const count = Math.ceil(M / S);
  const out: { shard: number; first: number; last: number }[] = [];
  let k = 0;
  for (let s = 0; s < count; s++) {
    const j = s * S;
    while (refs[k].offset + refs[k].m <= j) k++;
    const prev = out[out.length - 1];
    if (prev && prev.shard === k) prev.last = s;
    else out.push({ shard: k, first: s, last: s });
  }
  return out;
}
