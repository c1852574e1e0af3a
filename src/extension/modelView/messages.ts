// Host-side validation of what the model view's page posts. The page is treated as untrusted: only
// known message shapes pass, sizes are capped, and images are checked to be what they claim.
// No 'vscode' import, so it is unit-testable.
import { COPY_FORMATS, PLOT_IDS, type CopyFormat, type PlotId, type RendererToHost, type WebviewToHost } from '../../protocol/webview';

/** A plot image larger than this is refused (a 2× PNG of the largest plot is a few MB). */
export const MAX_IMAGE_CHARS = 48 * 1024 * 1024;
const MAX_LOG_CHARS = 4000;

export type Parsed = { ok: true; message: WebviewToHost } | { ok: false; reason: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlotId = (v: unknown): v is PlotId => typeof v === 'string' && (PLOT_IDS as readonly string[]).includes(v);
const isCopyFormat = (v: unknown): v is CopyFormat => typeof v === 'string' && (COPY_FORMATS as readonly string[]).includes(v);

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseWebviewMessage(raw: unknown): Parsed {
  if (!isObj(raw)) return { ok: false, reason: 'not an object' };
  const type = raw.type;
  switch (type) {
    case 'ready':
    case 'reconstruct':
    case 'retry':
      return { ok: true, message: { type } };
    case 'copy':
      if (!isCopyFormat(raw.format)) return { ok: false, reason: `copy: unknown format ${describe(raw.format)}` };
      return { ok: true, message: { type, format: raw.format } };
    case 'savePlot': {
      if (!isPlotId(raw.plot)) return { ok: false, reason: `savePlot: unknown plot ${describe(raw.plot)}` };
      if (raw.format !== 'svg' && raw.format !== 'png') return { ok: false, reason: `savePlot: unknown format ${describe(raw.format)}` };
      if (typeof raw.data !== 'string') return { ok: false, reason: 'savePlot: data is not a string' };
      if (raw.data.length === 0 || raw.data.length > MAX_IMAGE_CHARS) return { ok: false, reason: `savePlot: data size ${raw.data.length} out of range` };
      if (raw.format === 'svg' && !looksLikeSvg(raw.data)) return { ok: false, reason: 'savePlot: data is not SVG markup' };
      if (raw.format === 'png' && !looksLikePng(raw.data)) return { ok: false, reason: 'savePlot: data is not a base64 PNG' };
      return { ok: true, message: { type, plot: raw.plot, format: raw.format, data: raw.data } };
    }
    case 'log':
      if (raw.level !== 'error' && raw.level !== 'info') return { ok: false, reason: `log: unknown level ${describe(raw.level)}` };
      if (typeof raw.text !== 'string') return { ok: false, reason: 'log: text is not a string' };
      return { ok: true, message: { type, level: raw.level, text: raw.text.slice(0, MAX_LOG_CHARS) } };
    default:
      return { ok: false, reason: `unknown message type ${describe(type)}` };
  }
}

/** A copied text larger than this is refused (the sources of a 100-variable dense model are ~1 MB). */
export const MAX_COPY_CHARS = 16 * 1024 * 1024;

/** What the notebook renderer posts: a copy with its text, a plot with its model's name, a log line. */
export function parseRendererMessage(raw: unknown): { ok: true; message: RendererToHost } | { ok: false; reason: string } {
  if (!isObj(raw)) return { ok: false, reason: 'not an object' };
  if (raw.type === 'copy') {
    if (!isCopyFormat(raw.format)) return { ok: false, reason: `copy: unknown format ${describe(raw.format)}` };
    if (typeof raw.text !== 'string' || raw.text.length > MAX_COPY_CHARS) return { ok: false, reason: 'copy: text missing or too long' };
    return { ok: true, message: { type: 'copy', format: raw.format, text: raw.text } };
  }
  if (raw.type === 'savePlot') {
    const p = parseWebviewMessage(raw);
    if (!p.ok || p.message.type !== 'savePlot') return { ok: false, reason: p.ok ? 'savePlot: malformed' : p.reason };
    // Only a plain file name is used (for the proposed name; the user picks the place).
    const model = typeof raw.model === 'string' ? raw.model.replace(/^.*[\\/]/, '').slice(0, 200) : '';
    return { ok: true, message: { ...p.message, model } };
  }
  if (raw.type === 'log') {
    const p = parseWebviewMessage(raw);
    return p.ok && p.message.type === 'log' ? { ok: true, message: p.message } : { ok: false, reason: p.ok ? 'log: malformed' : p.reason };
  }
  return { ok: false, reason: `unknown message type ${describe(raw.type)}` };
}

function describe(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : typeof v;
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

function looksLikeSvg(s: string): boolean {
  const head = s.slice(0, 512).trimStart();
  return (head.startsWith('<svg') || head.startsWith('<?xml')) && head.includes('<svg') && s.trimEnd().endsWith('</svg>');
}

function looksLikePng(b64: string): boolean {
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return false;
  const head = Buffer.from(b64.slice(0, 16), 'base64');
  return PNG_MAGIC.every((v, i) => head[i] === v);
}

/** The bytes to write for a validated savePlot message. */
export function plotBytes(m: Extract<WebviewToHost, { type: 'savePlot' }>): Uint8Array {
  return m.format === 'svg' ? new TextEncoder().encode(m.data) : new Uint8Array(Buffer.from(m.data, 'base64'));
}
