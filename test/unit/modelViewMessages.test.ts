// Host-side validation of what the model view's page posts (src/extension/modelView/messages.ts): the
// page is untrusted, so only known shapes pass, with no extra fields, capped sizes and real images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_IMAGE_CHARS, parseWebviewMessage, plotBytes } from '../../src/extension/modelView/messages';
import { COPY_FORMATS, PLOT_IDS } from '../../src/protocol/webview';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>';
// A real 1×1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function rejected(raw: unknown): string {
  const r = parseWebviewMessage(raw);
  assert.equal(r.ok, false, `accepted ${JSON.stringify(raw)?.slice(0, 120)}`);
  return r.ok ? '' : r.reason;
}

function accepted(raw: unknown) {
  const r = parseWebviewMessage(raw);
  assert.ok(r.ok, `rejected ${JSON.stringify(raw).slice(0, 120)}: ${r.ok ? '' : r.reason}`);
  return r.message;
}

test('messages without payload pass as exactly {type}', () => {
  for (const type of ['ready', 'reconstruct', 'retry'] as const) {
    assert.deepEqual(accepted({ type, path: '/etc/passwd', command: 'rm -rf' }), { type });
  }
});

test('non-objects and unknown types are refused with a reason', () => {
  for (const raw of [null, undefined, 1, true, 'ready', [], [{ type: 'ready' }]]) assert.equal(rejected(raw), 'not an object');
  assert.match(rejected({}), /unknown message type undefined/);
  assert.match(rejected({ type: 1 }), /unknown message type number/);
  assert.match(rejected({ type: 'readFile', path: '/etc/passwd' }), /unknown message type "readFile"/);
  assert.match(rejected({ type: 'executeCommand', command: 'workbench.action.terminal.new' }), /executeCommand/);
  // Type names are matched exactly (no prototype or case tricks).
  for (const type of ['Ready', 'toString', '__proto__', 'constructor', ' ready']) rejected({ type });
});

test('copy: only the three known formats; the host makes the text, the page cannot supply it', () => {
  for (const format of COPY_FORMATS) assert.deepEqual(accepted({ type: 'copy', format, text: 'injected' }), { type: 'copy', format });
  for (const format of [undefined, 'html', 'TEXT', 1, ['text'], 'toString']) {
    assert.match(rejected({ type: 'copy', format }), /^copy: unknown format/);
  }
});

test('savePlot: every known plot in SVG and PNG passes and carries no path', () => {
  for (const plot of PLOT_IDS) {
    const svg = accepted({ type: 'savePlot', plot, format: 'svg', data: SVG, path: '/etc/cron.d/x', uri: 'file:///etc/x' });
    assert.deepEqual(svg, { type: 'savePlot', plot, format: 'svg', data: SVG });
    const png = accepted({ type: 'savePlot', plot, format: 'png', data: PNG });
    assert.deepEqual(png, { type: 'savePlot', plot, format: 'png', data: PNG });
  }
  // An XML prolog before the <svg> is fine.
  accepted({ type: 'savePlot', plot: 'xi', format: 'svg', data: `<?xml version="1.0"?>\n${SVG}\n` });
});

test('savePlot: unknown plots (path-like ids), formats and non-image data are refused', () => {
  assert.match(rejected({ type: 'savePlot', plot: '../../etc/passwd', format: 'svg', data: SVG }), /unknown plot/);
  assert.match(rejected({ type: 'savePlot', plot: 'xi/../../x', format: 'svg', data: SVG }), /unknown plot/);
  assert.match(rejected({ type: 'savePlot', format: 'svg', data: SVG }), /unknown plot/);
  for (const format of ['exe', 'SVG', 'html', undefined]) {
    assert.match(rejected({ type: 'savePlot', plot: 'xi', format, data: SVG }), /unknown format/);
  }
  assert.match(rejected({ type: 'savePlot', plot: 'xi', format: 'svg', data: 42 }), /data is not a string/);
  assert.match(rejected({ type: 'savePlot', plot: 'xi', format: 'svg', data: { svg: SVG } }), /data is not a string/);
  assert.match(rejected({ type: 'savePlot', plot: 'xi', format: 'svg', data: '' }), /data size 0 out of range/);
  for (const data of ['<script>alert(1)</script>', 'not svg', '<html><svg></svg></html>', `${SVG}<script>x</script>`, '<svg><g>']) {
    assert.match(rejected({ type: 'savePlot', plot: 'xi', format: 'svg', data }), /not SVG markup/);
  }
  // PNG: must be padded base64 whose bytes start with the PNG signature.
  for (const data of [Buffer.from('not a png at all').toString('base64'), '!!!!', PNG.slice(0, -1), `${PNG}\n`, Buffer.from('GIF89a......').toString('base64')]) {
    assert.match(rejected({ type: 'savePlot', plot: 'phase', format: 'png', data }), /not a base64 PNG/);
  }
  // An SVG passed off as a PNG (and the other way round) is refused.
  rejected({ type: 'savePlot', plot: 'xi', format: 'png', data: SVG });
  rejected({ type: 'savePlot', plot: 'xi', format: 'svg', data: PNG });
});

test('savePlot: images over the size cap are refused before any content check', () => {
  const huge = `<svg>${' '.repeat(MAX_IMAGE_CHARS)}</svg>`;
  assert.match(rejected({ type: 'savePlot', plot: 'xi', format: 'svg', data: huge }), new RegExp(`data size ${huge.length} out of range`));
});

test('log: two levels only, text must be a string and is capped', () => {
  assert.deepEqual(accepted({ type: 'log', level: 'info', text: 'hello', extra: 1 }), { type: 'log', level: 'info', text: 'hello' });
  const long = accepted({ type: 'log', level: 'error', text: 'x'.repeat(10_000) });
  assert.ok(long.type === 'log' && long.text.length === 4000, 'log text not capped at 4000');
  for (const level of ['warn', 'debug', undefined, 0]) assert.match(rejected({ type: 'log', level, text: 'x' }), /log: unknown level/);
  assert.match(rejected({ type: 'log', level: 'info', text: { toString: () => 'x' } }), /text is not a string/);
});

test('reasons quote at most 60 characters of what the page sent', () => {
  const reason = rejected({ type: 'z'.repeat(10_000) });
  assert.ok(reason.length < 100, `reason is ${reason.length} chars`);
  assert.ok(reason.endsWith('…'));
});

test('plotBytes: SVG as UTF-8 text, PNG decoded from base64', () => {
  const svg = plotBytes({ type: 'savePlot', plot: 'xi', format: 'svg', data: '<svg>µ</svg>' });
  assert.equal(new TextDecoder().decode(svg), '<svg>µ</svg>');
  const png = plotBytes({ type: 'savePlot', plot: 'phase', format: 'png', data: PNG });
  assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.length, Buffer.from(PNG, 'base64').length);
});
