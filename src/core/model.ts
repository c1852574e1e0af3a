// The identified system: term library, sparse coefficients Ξ, optional POD basis, and fit diagnostics.

/** Which candidate functions Θ(a) holds. */
export interface LibrarySpec {
  /** Maximum total degree of the polynomial terms (1..6). */
  degree: number;
  /** Include the constant term `1`. */
  constant: boolean;
  /** Frequencies k for sin(k·a_i) and cos(k·a_i) terms; empty = no trigonometric terms. */
  trigFrequencies: number[];
}

/** One column of Θ: a monomial Π a_i^powers[i], or a sine/cosine of one coordinate. */
export type LibraryTerm =
  | { kind: 'poly'; powers: number[] }
  | { kind: 'sin' | 'cos'; variable: number; frequency: number };

/** ȧ = Θ(a) Ξ. */
export interface SparseModel {
  /** r coordinate names: the CSV's own names when POD is skipped, else a1, a2, … */
  stateNames: string[];
  library: LibrarySpec;
  /** All K library columns in canonical order (the order the library builds them). */
  terms: LibraryTerm[];
  /** K term names: factors joined by one space, powers as ^k, the constant as `1`. */
  termNames: string[];
  /** K × r, row-major: coefficients[k * r + j] is the coefficient of term k in equation j. Zero = inactive. */
  coefficients: Float64Array;
}

/** x(t) ≈ mean + modes · a(t). */
export interface PodBasis {
  /** n temporal means (centring). */
  mean: Float64Array;
  /** n × r, column-major: modes[j * n + i] is component i of mode j (orthonormal columns). */
  modes: Float64Array;
  /** Singular values of the centred data, descending (all that were computed, for the spectrum plot). */
  singularValues: Float64Array;
  /** Chosen rank r. */
  rank: number;
  /** Fraction of the energy (Σσ² ) captured by the first r modes. */
  energy: number;
}

export interface TestFunctionSpec {
  /** Number of test functions. */
  count: number;
  /** Half-width of each support, in time steps. */
  halfWidth: number;
  /** Exponent p of φ(v) = (1 − v²)^p. */
  exponent: number;
}

export interface FitDiagnostics {
  /** ‖GΞ − b‖ / ‖b‖ over all equations (weak form). */
  weakResidual: number;
  /** Weak-form R² per equation. */
  r2: number[];
  /** Number of non-zero coefficients in Ξ. */
  activeTerms: number;
  /** STLSQ threshold used (on the scaled problem). */
  threshold: number;
  /** The test functions of the fit (files of format v1–v3 record them; v4 leaves them out: nothing shows them). */
  testFunctions?: TestFunctionSpec;
  /**
   * The library degree and how it was chosen (absent in files written before the automatic degree).
   * automatic: the held-back weak residual and its noise floor at each candidate degree 1, 2, ….
   */
  degree?: DegreeDiagnostics;
}

export interface DegreeDiagnostics {
  chosen: number;
  automatic: boolean;
  residuals?: number[];
  noiseFloors?: number[];
}

export interface IdentifiedSystem {
  model: SparseModel;
  /** null when POD was skipped and the equations are in the variables themselves. */
  pod: PodBasis | null;
  diagnostics: FitDiagnostics;
}

export function coefficient(model: SparseModel, term: number, equation: number): number {
  return model.coefficients[term * model.stateNames.length + equation];
}

export function countActive(model: SparseModel): number {
  let c = 0;
  for (const v of model.coefficients) if (v !== 0) c++;
  return c;
}

/**
 * What a file's model is, decided at compression time by the rules in `codec/outcome.ts` (FORMAT.md,
 * "Outcome") and recorded in the file: sparse equations (shown as equations), a dense model that still
 * pays as a predictor (summarised; equations only on request), or no model at all.
 */
export type ModelOutcomeKind = 'sparse' | 'dense' | 'none';

export interface ModelOutcome {
  kind: ModelOutcomeKind;
  /** Why, in a few words (e.g. "no window uses the model"); '' for sparse equations. */
  reason: string;
  /** Non-zero coefficients of the identified model (0 for 'none' when nothing was stored). */
  activeTerms: number;
}
