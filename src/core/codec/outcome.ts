// The three honest outcomes of a compression (issue 14): sparse equations, a dense model used only as a
// predictor, or no model. Decided once, by the rules below (also in docs/FORMAT.md, "Outcome"), from
// what the coder did with the model, and recorded in the file; files written before the outcome was
// recorded get the same rules applied to their header when read.
import type { ModelOutcome, ModelOutcomeKind } from '../model';

/** A model counts as sparse while its equations average at most this many terms. */
export const SPARSE_TERMS_PER_EQUATION = 10;

/** The standard reasons (free text is allowed, these are what the rules produce). */
export const OUTCOME_REASONS = {
  noWindow: 'no window uses the model',
  noTerms: 'the fit kept no terms',
  notSparse: 'not sparse',
  noHorizon: 'no predictive horizon',
  tooFewTestFunctions: 'too few test functions',
  forced: 'model forced by the user',
} as const;

export interface OutcomeFacts {
  /** Number of states r (equations). */
  equations: number;
  /** Non-zero coefficients of the identified model. */
  activeTerms: number;
  /** Windows in the file and windows that use the model. */
  windows: number;
  modelWindows: number;
  /** The user forced the model (`--force-model`, `wsindy.forceModel`). */
  forced?: boolean;
}

export function isSparse(activeTerms: number, equations: number): boolean {
  return activeTerms <= SPARSE_TERMS_PER_EQUATION * Math.max(1, equations);
}

/**
 * The rules, in order: no window uses the model, or the fit kept no terms → 'none' (unless forced);
 * more than SPARSE_TERMS_PER_EQUATION terms per equation on average → 'dense'; else 'sparse'.
 */
export function decideOutcome(f: OutcomeFacts): ModelOutcome {
  const sparse = isSparse(f.activeTerms, f.equations);
  if (!f.forced && (f.modelWindows === 0 || f.activeTerms === 0)) {
    const reason = f.activeTerms === 0 ? OUTCOME_REASONS.noTerms : sparse ? OUTCOME_REASONS.noWindow : `${OUTCOME_REASONS.notSparse} (${f.activeTerms} terms) and ${OUTCOME_REASONS.noWindow}`;
    return { kind: 'none', reason, activeTerms: f.activeTerms };
  }
  if (!sparse) return { kind: 'dense', reason: `${OUTCOME_REASONS.notSparse}: ${f.activeTerms} terms for ${f.equations} equations`, activeTerms: f.activeTerms };
  return { kind: 'sparse', reason: f.forced && f.modelWindows === 0 ? OUTCOME_REASONS.forced : '', activeTerms: f.activeTerms };
}

/** One human sentence for the outcome (info, the compress summary, the notification, the model view). */
export function outcomeText(o: ModelOutcome, modelWindows?: number, windows?: number): string {
  const kinds: Record<ModelOutcomeKind, () => string> = {
    sparse: () => `Sparse equations, ${o.activeTerms} term${o.activeTerms === 1 ? '' : 's'}${o.reason ? ` (${o.reason})` : ''}`,
    dense: () =>
      modelWindows === 0
        ? `Dense model, ${o.activeTerms} terms, kept on request (no window uses it)`
        : `Dense model, ${o.activeTerms} terms, used as predictor${modelWindows !== undefined && windows !== undefined ? ` in ${modelWindows} of ${windows} windows` : ''}`,
    none: () => `No governing equations found: ${o.reason}`,
  };
  return kinds[o.kind]();
}
