// Decoder: parse and check every section, rerun the stored model window by window, add the residual,
// verify the prediction and reconstruction checksums. Any unexpected exception becomes a FormatError.
import type { Dataset } from '../dataset';
import { FormatError, WsindyError } from '../errors';
import { noProgress, type ProgressSink } from '../progress';
import { readBasis } from './basis';
import { readContainer, requireSection, sectionReader, type Section, type SectionTag } from './container';
import { crc32 } from './crc32';
import { readHeaderJson, readModel, type WsindyHeader } from './header';
import { predictAll, predictRow, type StoredModel } from './predictor';
import { readResidual, readUnpredictable } from './residual';
import { readTimeGrid } from './timeGrid';
import { readWindows } from './windows';

export type { WsindyHeader } from './header';

export interface DecodeResult {
  header: WsindyHeader;
  /** The reconstruction, with the source's names, time stamps and CSV layout. */
  dataset: Dataset;
  /** Model-only prediction n × m (NaN inside windows that carry no model), lifted on first access. */
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
    // Row by row: lift the prediction, add the residual, patch the exceptions. Memory: the output + O(m).
    const residual = header.mode === 'error-bounded' ? readResidual(sectionReader(requireSection(sections, 'RESI')), n, m) : null;
    if (residual) {
      // with an output step the residual carries b' < b, leaving room for rounding to the step
      const step = header.outputStep;
      const ok = step === undefined ? header.bound === residual.bound : header.bound !== null && residual.bound < header.bound && step / 2 <= header.bound - residual.bound;
      if (!ok) throw new FormatError('corrupt file: residual bound does not match the header');
    }
    if (!residual && (sections.has('RESI') || sections.has('UNPR'))) throw new FormatError('corrupt file: a model-only file with a residual section');
    const series: Float64Array[] = [];
    const p = new Float64Array(m);
    const q = new Float64Array(m);
    let predCrc = 0;
    let reconCrc = 0;
    for (let i = 0; i < n; i++) {
      predictRow(basis, n, result.states, windows, i, p);
      predCrc = crc32(new Uint8Array(p.buffer), predCrc);
      const x = new Float64Array(m);
      if (residual) {
        residual.rows.next(q);
        const step = 2 * residual.bound;
        for (let j = 0; j < m; j++) x[j] = p[j] + q[j] * step;
      } else x.set(p);
      series.push(x);
    }
    if (residual) {
      const u = readUnpredictable(sectionReader(requireSection(sections, 'UNPR')), n * m);
      for (let k = 0; k < u.index.length; k++) {
        const at = u.index[k];
        series[Math.floor(at / m)][at % m] = u.values[k];
      }
    }
    for (const x of series) reconCrc = crc32(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), reconCrc);
    const chk = sectionReader(requireSection(sections, 'CHEK'));
    const predCrcStored = chk.u32();
    const reconCrcStored = chk.u32();
    chk.end();
    if (predCrc !== predCrcStored) {
      throw new FormatError('prediction mismatch: this file was written on a platform whose floating-point results differ');
    }
    if (reconCrc !== reconCrcStored) throw new FormatError('reconstruction checksum mismatch: the decoded data differ from what was written');
    const states = result.states;
    // the model-only prediction (NaN where a window carries no model), lifted only if someone asks
    let prediction: Float64Array[] | null = null;
    const liftPrediction = (): Float64Array[] => {
      prediction ??= Array.from({ length: n }, (_, i) => {
        const row = new Float64Array(m);
        predictRow(basis, n, states, windows, i, row, NaN);
        return row;
      });
      return prediction;
    };
    progress({ phase: 'decode', fraction: 1 });
    return {
      header,
      dataset: { names: header.names, series, time, source: header.source.format, ...(header.outputStep !== undefined ? { decimalStep: header.outputStep } : {}) },
      get prediction() {
        return liftPrediction();
      },
      states,
      windowStarts: windows.map((w) => w.start),
    };
  });
}
