// The dense POD's two heavy products as kernels any thread can run on any part of the work: the Gram
// matrix R Rᵀ of rows (one tile of steps and one block of rows at a time) and the coordinates a = Uᵀ Xc
// (one block of steps at a time). Each entry's sums have one fixed order whichever part is computed when
// and by whom, so gramMatrix, the dense route on one thread and the same work shared between threads
// (numerics/podThreads.ts) give the same bits.

/** Steps per tile of the Gram sums: each entry adds one sum per tile, tile after tile. */
export const GRAM_TILE = 2048;

/**
 * G = R Rᵀ for rows R (N rows of length L), as a full symmetric N × N row-major array. Hot path of
 * POD: tiled over L so the row segments stay in cache, four rows against two at a time so each loaded
 * value feeds several products, only the lower triangle computed.
 * Measured for N = 200, L = 10 000 (2-core shared machine): 234 ms here against 1851 ms for
 * ml-matrix's X.mmul(X.transpose()), about 8× faster, same values to 6e-12 absolute.
 */
export function gramMatrix(rows: Float64Array[]): Float64Array {
  const N = rows.length;
  const L = N > 0 ? rows[0].length : 0;
  const G = new Float64Array(N * N);
  const units = gramUnits(N);
  for (let l0 = 0; l0 < L; l0 += GRAM_TILE) {
    const l1 = Math.min(L, l0 + GRAM_TILE);
    for (let u = 0; u < units; u++) gramUnit(G, rows, u, l0, l1);
  }
  mirrorLower(G, N);
  return G;
}

/** Units of work per tile of an N-row Gram matrix: the blocks of four rows, and the 1–3 rows left over. */
export function gramUnits(N: number): number {
  return Math.floor(N / 4) + (N % 4 === 0 ? 0 : 1);
}

/**
 * Unit u of one tile [l0, l1): rows 4u … 4u + 3 against every row up to themselves (the lower triangle),
 * each entry's sum over the tile added to G once; the last unit when N is not a multiple of 4 takes the
 * 1–3 rows left over. Four rows against two (8 products per 6 loads), then the 4 × 4 diagonal block.
 */
export function gramUnit(G: Float64Array, rows: Float64Array[], u: number, l0: number, l1: number): void {
  const N = rows.length;
  let i = 4 * u;
  if (i + 3 < N) {
    const a0 = rows[i];
    const a1 = rows[i + 1];
    const a2 = rows[i + 2];
    const a3 = rows[i + 3];
    let k = 0;
    for (; k + 1 < i; k += 2) gramBlock4x2(G, N, i, k, l0, l1, a0, a1, a2, a3, rows[k], rows[k + 1]);
    gramDiagonal4(G, N, i, l0, l1, a0, a1, a2, a3);
    return;
  }
  for (; i + 1 < N; i += 2) {
    const a0 = rows[i];
    const a1 = rows[i + 1];
    let k = 0;
    for (; k + 1 <= i; k += 2) {
      const b0 = rows[k];
      const b1 = rows[k + 1];
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let l = l0; l < l1; l++) {
        const x0 = a0[l], x1 = a1[l], y0 = b0[l], y1 = b1[l];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      G[i * N + k] += s00;
      G[i * N + k + 1] += s01;
      G[(i + 1) * N + k] += s10;
      G[(i + 1) * N + k + 1] += s11;
    }
    // k === i here: the diagonal 2 × 2 block (three distinct products).
    let d00 = 0, d10 = 0, d11 = 0;
    for (let l = l0; l < l1; l++) {
      const x0 = a0[l], x1 = a1[l];
      d00 += x0 * x0;
      d10 += x1 * x0;
      d11 += x1 * x1;
    }
    G[i * N + i] += d00;
    G[(i + 1) * N + i] += d10;
    G[(i + 1) * N + i + 1] += d11;
  }
  if (i < N) {
    // Odd N: the last row against all rows up to and including itself.
    const a0 = rows[i];
    for (let k = 0; k <= i; k++) {
      const b0 = rows[k];
      let s = 0;
      for (let l = l0; l < l1; l++) s += a0[l] * b0[l];
      G[i * N + k] += s;
    }
  }
}

/** The upper triangle of the N × N row-major G copied from its lower one. */
export function mirrorLower(G: Float64Array, N: number): void {
  for (let i = 0; i < N; i++) for (let k = 0; k < i; k++) G[k * N + i] = G[i * N + k];
}

/** G[i + r][k + c] += Σ_l a_r[l]·b_c[l] over [l0, l1), r < 4, c < 2. */
function gramBlock4x2(G: Float64Array, N: number, i: number, k: number, l0: number, l1: number, a0: Float64Array, a1: Float64Array, a2: Float64Array, a3: Float64Array, b0: Float64Array, b1: Float64Array): void {
  let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
  for (let l = l0; l < l1; l++) {
    const y0 = b0[l], y1 = b1[l];
    const x0 = a0[l], x1 = a1[l], x2 = a2[l], x3 = a3[l];
    s00 += x0 * y0;
    s01 += x0 * y1;
    s10 += x1 * y0;
    s11 += x1 * y1;
    s20 += x2 * y0;
    s21 += x2 * y1;
    s30 += x3 * y0;
    s31 += x3 * y1;
  }
  G[i * N + k] += s00;
  G[i * N + k + 1] += s01;
  G[(i + 1) * N + k] += s10;
  G[(i + 1) * N + k + 1] += s11;
  G[(i + 2) * N + k] += s20;
  G[(i + 2) * N + k + 1] += s21;
  G[(i + 3) * N + k] += s30;
  G[(i + 3) * N + k + 1] += s31;
}

/** The lower triangle of the 4 × 4 diagonal block of rows i … i + 3 over [l0, l1). */
function gramDiagonal4(G: Float64Array, N: number, i: number, l0: number, l1: number, a0: Float64Array, a1: Float64Array, a2: Float64Array, a3: Float64Array): void {
  let s00 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s22 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let l = l0; l < l1; l++) {
    const x0 = a0[l], x1 = a1[l], x2 = a2[l], x3 = a3[l];
    s00 += x0 * x0;
    s10 += x1 * x0;
    s11 += x1 * x1;
    s20 += x2 * x0;
    s21 += x2 * x1;
    s22 += x2 * x2;
    s30 += x3 * x0;
    s31 += x3 * x1;
    s32 += x3 * x2;
    s33 += x3 * x3;
  }
  G[i * N + i] += s00;
  G[(i + 1) * N + i] += s10;
  G[(i + 1) * N + i + 1] += s11;
  G[(i + 2) * N + i] += s20;
  G[(i + 2) * N + i + 1] += s21;
  G[(i + 2) * N + i + 2] += s22;
  G[(i + 3) * N + i] += s30;
  G[(i + 3) * N + i + 1] += s31;
  G[(i + 3) * N + i + 2] += s32;
  G[(i + 3) * N + i + 3] += s33;
}

/**
 * a_c[j] += Σ_i U[c·n + i]·rows[i][j − off] for j in [j0, j1) and every c < rank, the i in ascending order:
 * the coordinates of the steps [j0, j1) (rows: the centred data, n of them). Each a_c[j] is one left-to-right
 * sum whatever the blocking, so any split of the steps gives the same bits.
 */
export function projectSteps(coordinates: Float64Array[], modes: Float64Array, n: number, rank: number, rows: Float64Array[], off: number, j0: number, j1: number): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const d0 = rows[i];
    const d1 = rows[i + 1];
    const d2 = rows[i + 2];
    const d3 = rows[i + 3];
    let c = 0;
    // two coordinates per sweep: 8 products per 6 loads and 2 stores (measured on the 400 × 8000 walk's 64
    // coordinates, one thread: 200 → 82 ms against one coordinate per sweep, the same bits)
    for (; c + 1 < rank; c += 2) {
      const u = c * n + i;
      const v = u + n;
      addRows4x2(coordinates[c], coordinates[c + 1], j0, j1, off, modes[u], modes[u + 1], modes[u + 2], modes[u + 3], modes[v], modes[v + 1], modes[v + 2], modes[v + 3], d0, d1, d2, d3);
    }
    if (c < rank) {
      const u = c * n + i;
      addRows4(coordinates[c], j0, j1, off, modes[u], modes[u + 1], modes[u + 2], modes[u + 3], d0, d1, d2, d3);
    }
  }
  for (; i < n; i++) {
    const row = rows[i];
    for (let c = 0; c < rank; c++) {
      const w = modes[c * n + i];
      const a = coordinates[c];
      for (let j = j0; j < j1; j++) a[j] += w * row[j - off];
    }
  }
}

/** a[j] = (((a[j] + w0·x0) + w1·x1) + w2·x2) + w3·x3 for j in [j0, j1), x_r = d_r[j − off]. */
export function addRows4(a: Float64Array, j0: number, j1: number, off: number, w0: number, w1: number, w2: number, w3: number, d0: Float64Array, d1: Float64Array, d2: Float64Array, d3: Float64Array): void {
  for (let j = j0; j < j1; j++) {
    const t = j - off;
    a[j] = a[j] + w0 * d0[t] + w1 * d1[t] + w2 * d2[t] + w3 * d3[t];
  }
}

/** addRows4 into two outputs at once (weights w into a, v into b): the same sums, each x loaded once. */
function addRows4x2(a: Float64Array, b: Float64Array, j0: number, j1: number, off: number, w0: number, w1: number, w2: number, w3: number, v0: number, v1: number, v2: number, v3: number, d0: Float64Array, d1: Float64Array, d2: Float64Array, d3: Float64Array): void {
  for (let j = j0; j < j1; j++) {
    const t = j - off;
    const x0 = d0[t], x1 = d1[t], x2 = d2[t], x3 = d3[t];
    a[j] = a[j] + w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3;
    b[j] = b[j] + v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3;
  }
}
