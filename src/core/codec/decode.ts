// Decoder: parse and check every section, rerun the stored model window by window, add the residual,
// verify the prediction and reconstruction checksums. Any unexpected exception becomes a FormatError.
import type { Dataset } from '../dataset';
import { FormatError, WsindyError } from '../errors';
import { noProgress, type ProgressSink } from '../progress';
import { readBasis } from './basis';
import { readContainer, requireSection, sectionReader, type Section, type SectionTag } from './container';
import { crc32Float64 } from './crc32';
import { readHeaderJson, readModel, type WsindyHeader } from './header';
import { predictAll, type StoredModel } from './predictor';
import { dequantise, readResidual, readUnpredictable } from './residual';
import { readTimeGrid } from './timeGrid';
import { readWindows } from './windows';

export type { WsindyHeader } from './header';

export interface DecodeResult {
  header: WsindyHeader;
  /** The reconstruction, with the source's names, time stamps and CSV layout. */
  dataset: Dataset;
  /** Model-only prediction n × m (NaN inside windows that carry no model). */
  prediction: Float64Array[];
  /** Reduced coordinates of the prediction r × m (NaN inside windows that carry no model). */
  states: Float64Array[];
  windowStarts: number[];
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WsindyError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new FormatError(`corrupt file: ${msg}`);
  }
}

function parseHeader(sections: Map<SectionTag, Section>, version: number, fileBytes: number): { header: WsindyHeader; model: StoredModel; substeps: number } {
  const json = readHeaderJson(sectionReader(requireSection(sections, 'HEAD')));
  const { model, substeps } = readModel(sectionReader(requireSection(sections, 'MODL')));
  if (model.r !== json.stateNames.length) throw new FormatError(`corrupt file: model has ${model.r} states, header names ${json.stateNames.length}`);
  if (model.terms.length !== json.termNames.length) throw new FormatError(`corrupt file: model has ${model.terms.length} terms, header names ${json.termNames.length}`);
  if (json.pod === null && model.r !== json.n) throw new FormatError('corrupt file: a model without POD must have one state per variable');
  const header: WsindyHeader = { ...json, formatVersion: version, terms: model.terms, coefficients: model.coefficients, fileBytes };
  return { header, model, substeps };
}

/** Header and model only (the heavy sections are not even checksummed): for showing equations fast. */
export function readWsindyHeader(bytes: Uint8Array): WsindyHeader {
  return guard(() => {
    const { version, sections } = readContainer(bytes, new Set<SectionTag>(['HEAD', 'MODL']));
    return parseHeader(sections, version, bytes.length).header;
  });
}

export function decodeWsindy(bytes: Uint8Array, progress: ProgressSink = noProgress): DecodeResult {
  return guard(() => {
    progress({ phase: 'decode', fraction: 0 });
    const { version, sections } = readContainer(bytes);
    const { header, model, substeps } = parseHeader(sections, version, bytes.length);
    const { n, m } = header;
    const tr = sectionReader(requireSection(sections, 'TIME'));
    const { time } = readTimeGrid(tr, m);
    tr.end();
    const basisSection = sections.get('BASI');
    if ((header.pod !== null) !== (basisSection !== undefined)) throw new FormatError('corrupt file: basis section does not match the header');
    const basis = basisSection ? readBasis(sectionReader(basisSection), n, model.r) : null;
    const { windows, anchorStep, corrections } = readWindows(sectionReader(requireSection(sections, 'WIND')), m, model.r);
    progress({ phase: 'integrate', fraction: 0 });
    let used = 0;
    const result = predictAll({ model, basis, n, time, substeps, anchorStep }, windows, () => corrections[used++]);
    if (result.failedWindow >= 0) {
      throw new FormatError('prediction mismatch: the model blew up where the encoder did not; this file was written on a platform whose floating-point results differ');
    }
    progress({ phase: 'integrate', fraction: 1 });
    let recon = result.pred;
    if (header.mode === 'error-bounded') {
      const { bound, q } = readResidual(sectionReader(requireSection(sections, 'RESI')), n, m);
      if (header.bound !== bound) throw new FormatError('corrupt file: residual bound does not match the header');
      recon = dequantise(result.pred, q, bound);
      const u = readUnpredictable(sectionReader(requireSection(sections, 'UNPR')), n * m);
      for (let k = 0; k < u.index.length; k++) {
        const at = u.index[k];
        recon[Math.floor(at / m)][at % m] = u.values[k];
      }
    } else if (sections.has('RESI') || sections.has('UNPR')) {
      throw new FormatError('corrupt file: a model-only file with a residual section');
    }
    const chk = sectionReader(requireSection(sections, 'CHEK'));
    const predCrc = chk.u32();
    const reconCrc = chk.u32();
    chk.end();
    if (crc32Float64(result.pred) !== predCrc) {
      throw new FormatError('prediction mismatch: this file was written on a platform whose floating-point results differ');
    }
    if (crc32Float64(recon) !== reconCrc) throw new FormatError('reconstruction checksum mismatch: the decoded data differ from what was written');
    const prediction = result.pred;
    for (const w of windows) {
      if (w.model) continue;
      for (const row of prediction) row.fill(NaN, w.start, w.end);
    }
    progress({ phase: 'decode', fraction: 1 });
    return {
      header,
      dataset: { names: header.names, series: recon, time, source: header.source.format },
      prediction,
      states: result.states,
      windowStarts: windows.map((w) => w.start),
    };
  });
}
