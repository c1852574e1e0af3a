// shards/ owns compression of data split over many CSV files (shards, in time order) by kernels that any
// map-reduce engine can run: each kernel reads one task partial (and shard files), writes one result
// partial (partials.ts, docs/SHARDS.md). It may import stream/, codec/, sindy/, numerics/, csv/,
// platform/ and the shared core types; never api.
//
// The kernels (one shard each unless said):
// - scan: extremes, first sample, time stamps, shifted sums and Gram matrix (n ≤ 512) of the shard;
// - prefix (the shards of the first PREFIX_STEPS steps): their states, which the driver picks the test
//   functions from, as the streaming fit does;
// - fit: the shard's weak-form sums G, b — per sample, so the shards' sums add up to the record's; a
//   sample's quadrature weight needs the stamps next to it, so the task carries the few stamps before and
//   after the shard (the halo) — and max |a_k|;
// - encode: the file's segments whose first step lies in the shard (a segment may run into the next shards).
// Between them the driver merges (plan.ts): scans → POD and plan; fit partials → the regression; segments →
// the file.
import { crc32 } from 'node:zlib';
import { basename } from 'node:path';
import { InputError, NumericalError, OptionError } from '../errors';
import type { LibraryTerm, PodBasis } from '../model';
import type { SourceFormat } from '../dataset';
import { encodeSegment, planEncoding, type CodedSegment, type PlanInput } from '../codec/encode';
import { evaluateLibrary } from '../sindy/library';
import type { TestFunctions } from '../sindy/testFunctions';
import { WeakFormAccumulator } from '../sindy/weakForm';
import { projectOnModes } from '../numerics/pod';
import { stageCsvFile, type StagedCsv } from '../stream/stagedCsv';
import { gramAccumulate, STREAM_GRAM_MAX_N } from '../stream/streamPod';

/** How the shards are read (the CSV options of compress). */
export interface ReadSpec {
  layout: 'auto' | 'rows' | 'columns';
  timeColumn?: string;
  dt?: number;
}

/** A shard as the later kernels see it: where it is and where its steps sit in the whole record. */
export interface ShardRef {
  file: string;
  /** Global index of its first step. */
  offset: number;
  m: number;
}

/** Time of the shards without a time column: global step × dt (as reading the concatenated file gives). */
export interface TimeRule {
  /** null: the shards have a time column. */
  dt: number | null;
}

// ---------------------------------------------------------------------------------------------------
// scan

export interface ScanTask {
  file: string;
  read: ReadSpec;
}

export interface ShardScan {
  file: string;
  name: string;
  bytes: number;
  crc32: number;
  n: number;
  m: number;
  names: string[];
  source: SourceFormat;
  /** Line number of the first data line (for errors about the shard's first step). */
  firstLine: number;
  /** The shard's time stamps (time column), or null (no time column: global step × dt). */
  time: Float64Array | null;
  /** The first sample of every variable (the shift of the shard's sums). */
  first: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  /** Per-variable shift c, Σ (x − c) and the lower triangle of Σ (x − c)(x − c)ᵀ (n × n, row-major). */
  shift: Float64Array;
  sum: Float64Array;
  gram: Float64Array;
}

/** Steps per chunk of the Gram accumulation. */
const CHUNK = 512;

function stage(file: string, read: ReadSpec, onBytes?: (c: Uint8Array) => void): Promise<StagedCsv> {
  return stageCsvFile(file, { layout: read.layout, timeColumn: read.timeColumn, dt: read.dt, displayName: file, onBytes });
}

export async function scanShard(task: ScanTask): Promise<ShardScan> {
  let crc = 0;
  let bytes = 0;
  const staged = await stage(task.file, task.read, (c) => {
    crc = crc32(c, crc);
    bytes += c.length;
  });
  try {
    const { n, m } = staged;
    if (n > STREAM_GRAM_MAX_N) throw new OptionError(`${task.file}: ${n} variables; compress-shards merges exact Gram matrices and handles up to ${STREAM_GRAM_MAX_N}`);
    const first = new Float64Array(n);
    const lo = new Float64Array(n).fill(Infinity);
    const hi = new Float64Array(n).fill(-Infinity);
    const shift = new Float64Array(n);
    const sum = new Float64Array(n);
    const gram = new Float64Array(n * n);
    const D = Array.from({ length: n }, () => new Float64Array(CHUNK));
    let fill = 0;
    let chunks = 0;
    let inv = 0; // a power of two: G / inv² is then exact
    const flush = (len: number): void => {
      if (chunks++ === 0) {
        // D holds x − first: the shift moves to the first chunk's mean (less cancellation when centring)
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let t = 0; t < len; t++) s += D[i][t];
          const a = s / len;
          shift[i] = first[i] + a;
          for (let t = 0; t < len; t++) D[i][t] -= a;
        }
      }
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let t = 0; t < len; t++) s += D[i][t];
        sum[i] += s;
      }
      if (inv === 0) {
        let big = 0;
        for (let i = 0; i < n; i++) for (let t = 0; t < len; t++) big = Math.max(big, Math.abs(D[i][t]));
        if (!Number.isFinite(big)) return; // rejected after the pass
        if (big === 0) return; // constant so far: nothing to add to the Gram matrix
        inv = 2 ** -Math.ceil(Math.log2(big));
      }
      for (let i = 0; i < n; i++) for (let t = 0, d = D[i]; t < len; t++) d[t] *= inv;
      const part = new Float64Array(n * n);
      gramAccumulate(D, len, part);
      const back = 1 / (inv * inv);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) gram[i * n + j] += part[i * n + j] * back;
    };
    await staged.forEachBlock((j0, rows) => {
      const L = rows[0].length;
      for (let i = 0; i < n; i++) {
        const row = rows[i];
        if (j0 === 0) first[i] = row[0];
        let a = lo[i];
        let b = hi[i];
        for (let t = 0; t < L; t++) {
          const v = row[t];
          if (v < a) a = v;
          if (v > b) b = v;
        }
        lo[i] = a;
        hi[i] = b;
      }
      for (let s = 0; s < L; ) {
        const len = Math.min(CHUNK - fill, L - s);
        const base = chunks === 0 ? first : shift;
        for (let i = 0; i < n; i++) {
          const src = rows[i];
          const dst = D[i];
          const c = base[i];
          for (let t = 0; t < len; t++) dst[fill + t] = src[s + t] - c;
        }
        fill += len;
        s += len;
        if (fill === CHUNK) {
          flush(CHUNK);
          fill = 0;
        }
      }
    });
    if (fill > 0) flush(fill);
    for (let i = 0; i < n; i++) {
      if (!(Number.isFinite(lo[i]) && Number.isFinite(hi[i]) && Number.isFinite(sum[i]))) throw new InputError({ file: task.file }, `non-finite values in ${staged.names[i]}`);
    }
    for (const g of gram) if (!Number.isFinite(g)) throw new NumericalError(`${task.file}: values too large for the Gram sums`);
    const source = staged.source;
    return {
      file: task.file,
      name: basename(task.file),
      bytes,
      crc32: crc >>> 0,
      n,
      m,
      names: staged.names.slice(),
      source,
      firstLine: source.layout === 'columns' && source.header ? 2 : 1,
      time: source.layout === 'columns' && source.timeColumn !== null ? staged.time.slice() : null,
      first,
      lo,
      hi,
      shift,
      sum,
      gram,
    };
  } finally {
    await staged.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// reading steps of the whole record

/**
 * Visit global steps [from, to) of the record in order, shard by shard (each shard staged and read in its
 * blocks): visit(j, rows, time) with rows[i] = variable i at global steps [j, j + rows[i].length).
 */
async function visitRange(
  shards: readonly ShardRef[],
  read: ReadSpec,
  rule: TimeRule,
  from: number,
  to: number,
  visit: (j: number, rows: readonly Float64Array[], time: Float64Array) => void,
): Promise<void> {
  for (const sh of shards) {
    const a = Math.max(from, sh.offset);
    const b = Math.min(to, sh.offset + sh.m);
    if (a >= b) continue;
    const staged = await stage(sh.file, read);
    try {
      if (staged.m !== sh.m) throw new InputError({ file: sh.file }, `has ${staged.m} steps, ${sh.m} when it was scanned: did it change?`);
      await staged.forEachBlock((j0, rows) => {
        const g0 = sh.offset + j0;
        const len = rows[0].length;
        const lo = Math.max(a, g0);
        const hi = Math.min(b, g0 + len);
        if (lo >= hi) return;
        const part = rows.map((r) => r.subarray(lo - g0, hi - g0));
        const time = rule.dt === null ? staged.time.subarray(lo - sh.offset, hi - sh.offset) : Float64Array.from({ length: hi - lo }, (_, k) => (lo + k) * (rule.dt as number));
        visit(lo, part, time);
      });
    } finally {
      await staged.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// prefix: the states the test functions are chosen from

export interface PrefixTask {
  /** A shard holding some of the first min(M, PREFIX_STEPS) steps. */
  shard: ShardRef;
  read: ReadSpec;
  rule: TimeRule;
  /** Steps to project, from the shard's first. */
  take: number;
  pod: Pick<PodBasis, 'mean' | 'modes' | 'rank'> | null;
  n: number;
}

export interface PrefixPartial {
  /** r states (POD coordinates, or the variables themselves) at the shard's first `take` steps. */
  states: Float64Array[];
}

export async function prefixStates(task: PrefixTask): Promise<PrefixPartial> {
  const { shard, take } = task;
  const r = task.pod ? task.pod.rank : task.n;
  const states = Array.from({ length: r }, () => new Float64Array(take));
  await visitRange([shard], task.read, task.rule, shard.offset, shard.offset + take, (j, rows, t) => {
    const len = t.length;
    const a = task.pod ? projectOnModes(rows, task.pod.mean, task.pod.modes, r, len) : rows;
    for (let k = 0; k < r; k++) states[k].set(a[k].subarray(0, len), j - shard.offset);
  });
  return { states };
}

// ---------------------------------------------------------------------------------------------------
// fit: weak-form sums of one shard

export interface FitTask {
  shard: ShardRef;
  read: ReadSpec;
  rule: TimeRule;
  pod: Pick<PodBasis, 'mean' | 'modes' | 'rank'> | null;
  n: number;
  terms: LibraryTerm[];
  tf: TestFunctions;
  /** The halo: up to MAX_QUADRATURE_REACH stamps just before and just after the shard (fewer where the record starts or ends). */
  timesBefore: Float64Array;
  timesAfter: Float64Array;
}

export interface FitPartial {
  /** Rows [kLo, kHi) of G (× J) and b (× r): the test functions the shard's samples contribute to. */
  kLo: number;
  kHi: number;
  J: number;
  r: number;
  G: Float64Array;
  b: Float64Array;
  /** max |a_k| over the shard's steps (not the halo: it belongs to the next shard). */
  amax: Float64Array;
}

export async function fitShard(task: FitTask): Promise<FitPartial> {
  const { shard, pod, terms, tf } = task;
  const r = pod ? pod.rank : task.n;
  const J = terms.length;
  const acc = new WeakFormAccumulator(tf, J, r, (s, len) => evaluateLibrary(terms, s, len), task.timesBefore);
  const amax = new Float64Array(r);
  const project = (rows: readonly Float64Array[], len: number): Float64Array[] => (pod ? projectOnModes(rows, pod.mean, pod.modes, r, len) : rows.slice());
  await visitRange([shard], task.read, task.rule, shard.offset, shard.offset + shard.m, (_j, rows, t) => {
    const len = t.length;
    const states = project(rows, len);
    for (let k = 0; k < r; k++) {
      const a = states[k];
      let mx = amax[k];
      for (let i = 0; i < len; i++) if (!(Math.abs(a[i]) <= mx)) mx = Math.abs(a[i]);
      amax[k] = mx;
    }
    acc.add(t, states);
  });
  const sys = acc.finish(task.timesAfter);
  const [kLo, kHi] = acc.rowsTouched();
  return { kLo, kHi, J, r, G: sys.G.slice(kLo * J, kHi * J), b: sys.b.slice(kLo * r, kHi * r), amax };
}

// ---------------------------------------------------------------------------------------------------
// encode: segments

export interface EncodeTask {
  /** The shard holding the first segment's first step, and every later shard the segments run into. */
  shards: ShardRef[];
  read: ReadSpec;
  rule: TimeRule;
  /** Segments [first, last] (global index; segment s covers steps [s·S, min(M, (s + 1)·S))). */
  first: number;
  last: number;
  segmentLength: number;
  M: number;
  n: number;
  plan: PlanInput;
  /**
   * RK4 sub-steps of the file; null: chosen on this task's first segment, as the streaming coder does on
   * segment 0 (the driver reruns a task whose choice differs from segment 0's).
   */
  substeps: number | null;
}

export interface EncodePartial {
  first: number;
  substeps: number;
  segments: CodedSegment[];
}

export async function encodeShard(task: EncodeTask): Promise<EncodePartial> {
  const { n, segmentLength: S, M } = task;
  const plan = planEncoding(task.plan);
  plan.substeps = task.substeps;
  const from = task.first * S;
  const to = Math.min(M, (task.last + 1) * S);
  const segments: CodedSegment[] = [];
  const rows = Array.from({ length: n }, () => new Float64Array(S));
  const time = new Float64Array(S);
  let fill = 0;
  let segStart = from;
  await visitRange(task.shards, task.read, task.rule, from, to, (_j, part, t) => {
    const len = t.length;
    for (let s = 0; s < len; ) {
      const segLen = Math.min(S, M - segStart);
      const take = Math.min(segLen - fill, len - s);
      for (let i = 0; i < n; i++) rows[i].set(part[i].subarray(s, s + take), fill);
      time.set(t.subarray(s, s + take), fill);
      fill += take;
      s += take;
      if (fill === segLen) {
        segments.push(encodeSegment(plan, rows.map((r) => r.subarray(0, segLen)), time.subarray(0, segLen)));
        fill = 0;
        segStart += segLen;
      }
    }
  });
  if (segments.length !== task.last - task.first + 1) throw new InputError({ file: task.shards[0].file }, `coded ${segments.length} segments, expected ${task.last - task.first + 1}: did a shard change?`);
  if (plan.substeps === null) throw new Error('encodeShard: no segment coded');
  return { first: task.first, substeps: plan.substeps, segments };
}
