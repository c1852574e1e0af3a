// Symmetric eigendecomposition for the dense POD: Householder tridiagonalisation (tred2) and the implicit
// QL iteration (tql2) of JAMA, the algorithms and operation order of ml-matrix's EigenvalueDecomposition,
// so the eigenvalues are ml-matrix's bit for bit. What differs: the QL rotations are recorded instead of
// applied to all n eigenvectors (the n³ part of tql2), the tridiagonalisation's reflectors are not
// multiplied out (the n³ half of tred2), and only the eigenvectors asked for are formed, each from its
// rotations and the reflectors (O(n²) apiece). A rank-64 POD of 400 variables needs 64 of 400:
// measured 0.9 s → 0.2 s CPU. The vectors equal ml-matrix's to round-off (the
// same rotations and reflectors, summed in another order), including the choice inside repeated eigenvalues.

export interface SymmetricEigen {
  /** The n eigenvalues in ascending order (ml-matrix's realEigenvalues). */
  values: Float64Array;
  /** The unit eigenvector of values[q] (q in the ascending order), of length n. */
  vector(q: number): Float64Array;
}

/** Eigenpairs of the symmetric n × n matrix A (row-major; only read). */
export function symmetricEigenDecomposition(A: Float64Array, n: number): SymmetricEigen {
  if (n < 1) throw new RangeError('symmetricEigenDecomposition: empty matrix');
  // V is ml-matrix's transposed storage: V[i * n + k] holds its V.get(i, k).
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) V[j * n + i] = A[i * n + j];
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const h = tred2(n, e, d, V);
  const rot = tql2Rotations(n, e, d);
  return {
    values: d,
    vector(q: number): Float64Array {
      // the stored row rot.perm[q] of R_T ⋯ R_1 V: (e_pᵀ R_T ⋯ R_1) V, the rotations applied to e_p last first
      const y = new Float64Array(n);
      y[rot.perm[q]] = 1;
      const { at, c, s } = rot;
      for (let t = rot.count - 1; t >= 0; t--) {
        const i = at[t];
        const yi = y[i];
        const yj = y[i + 1];
        y[i] = c[t] * yi + s[t] * yj;
        y[i + 1] = c[t] * yj - s[t] * yi;
      }
      // then yᵀ Q = ((yᵀ H_1) H_2) ⋯ H_{n−1}, H_t = I − u_t u_tᵀ / h_t on the first t entries (as JAMA forms Q)
      for (let t = 1; t < n; t++) {
        const ht = h[t];
        if (ht === 0) continue;
        const row = t * n;
        let g = 0;
        for (let k = 0; k < t; k++) g += V[row + k] * y[k];
        for (let k = 0; k < t; k++) y[k] -= g * (V[row + k] / ht);
      }
      const out = y;
      return out;
    },
  };
}

/**
 * JAMA's tred2 reduction on the flat transposed storage (the same operations as ml-matrix's, in the same
 * order), without forming Q: returns h (h[t] of reflector t = row t of V, entries 0 … t − 1).
 */
function tred2(n: number, e: Float64Array, d: Float64Array, V: Float64Array): Float64Array {
  let f: number, g: number, h: number, hh: number, scale: number;
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    scale = 0;
    h = 0;
    for (let k = 0; k < i; k++) scale = scale + Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1];
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      f = d[i - 1];
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[i * n + j] = f;
        const row = j * n;
        g = e[j] + V[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = V[row + k];
          g += v * d[k];
          e[k] += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const row = j * n;
        for (let k = j; k <= i - 1; k++) V[row + k] = V[row + k] - (f * e[k] + g * d[k]);
        d[j] = V[row + i - 1];
        V[row + i] = 0;
      }
    }
    d[i] = h;
  }
  // JAMA now forms Q = H_1 ⋯ H_{n−1} in V (another n³); here the reflectors stay where the reduction left
  // them (row t of V holds u_t, d[t] its h_t) and `vector` applies them to the few vectors asked for.
  // The tridiagonal's diagonal is what JAMA reads back after forming Q (entries it never touches).
  const hs = d.slice();
  for (let j = 0; j < n; j++) d[j] = V[j * n + j];
  e[0] = 0;
  return hs;
}

interface Rotations {
  /** Rotation t acts on stored rows at[t], at[t] + 1 with cosine c[t] and sine s[t]. */
  at: Int32Array;
  c: Float64Array;
  s: Float64Array;
  count: number;
  /** perm[q]: the stored row of the q-th eigenvalue after the final sort. */
  perm: Int32Array;
}

/** JAMA's tql2 on d and e (ml-matrix's operations and order, so d ends the same), the rotations recorded. */
function tql2Rotations(n: number, e: Float64Array, d: Float64Array): Rotations {
  let at = new Int32Array(Math.max(16, 2 * n * n));
  let cs = new Float64Array(at.length);
  let sn = new Float64Array(at.length);
  let count = 0;
  const record = (i: number, c: number, s: number): void => {
    if (count === at.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (len: number) => T): T => {
        const b = make(2 * a.length);
        b.set(a);
        return b;
      };
      at = grow(at, (len) => new Int32Array(len));
      cs = grow(cs, (len) => new Float64Array(len));
      sn = grow(sn, (len) => new Float64Array(len));
    }
    at[count] = i;
    cs[count] = c;
    sn[count] = s;
    count++;
  };
  let g: number, h: number, p: number, r: number, dl1: number, c: number, c2: number, c3: number, el1: number, s: number, s2: number;
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      do {
        g = d[l];
        p = (d[l + 1] - g) / (2 * e[l]);
        r = hypotenuse(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        dl1 = d[l + 1];
        h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f = f + h;
        p = d[m];
        c = 1;
        c2 = c;
        c3 = c;
        el1 = e[l + 1];
        s = 0;
        s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypotenuse(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          record(i, c, s);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      const t = perm[i];
      perm[i] = perm[k];
      perm[k] = t;
    }
  }
  return { at, c: cs, s: sn, count, perm };
}

/** ml-matrix's hypotenuse (the same operations). */
function hypotenuse(a: number, b: number): number {
  if (Math.abs(a) > Math.abs(b)) {
    const r = b / a;
    return Math.abs(a) * Math.sqrt(1 + r * r);
  }
  if (b !== 0) {
    const r = a / b;
    return Math.abs(b) * Math.sqrt(1 + r * r);
  }
  return 0;
}
