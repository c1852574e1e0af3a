// The SparseModel stored in a `.wsindy` header (for equations without decoding the heavy sections).
import type { SparseModel } from './model';
import type { WsindyHeader } from './codec/header';

export function modelFromHeader(h: WsindyHeader): SparseModel {
  return { stateNames: h.stateNames, library: h.library, terms: h.terms, termNames: h.termNames, coefficients: h.coefficients };
}
