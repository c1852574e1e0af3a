// UI tests of the model view (the `.wsindy` custom editor) in the real VS Code workbench (code-server),
// driven like a user: the host side (src/extension/modelView/provider.ts) runs in the real extension
// host, talks to the real webview, and uses the real clipboard, save dialog and file system.
// - compress samples/lorenz.csv (Explorer) → Quick Open the model → KaTeX equations, ≥ 4 plot SVGs;
// - Copy text → the plain-text equations on the browser's clipboard;
// - Save SVG → VS Code's save dialog → an .svg file in the model's folder;
// - Reconstruct CSV… → <name>.reconstructed.csv with the source's shape;
// - hidden then shown again (no retainContextWhenHidden) → the view comes back whole;
// - truncated .wsindy files (header cut, body cut), opened from the Explorer → the error page with the reason.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findModelViewFrame, MODEL_VIEW, readModelView } from '../webview/frame.mjs';

const SAMPLE = 'sample-lorenz';

/** Poll `fn` until it returns a truthy value. */
async function until(what, fn, timeoutMs, page) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what} within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await page.waitForTimeout(200);
  }
}

/**
 * Focus the workbench outside any webview (harness.js clicks the middle of the window, which may land
 * on one of the view's buttons; keys typed into a focused webview are not always forwarded): click the
 * side bar's title ("EXPLORER"), which does nothing else.
 */
async function focusWorkbench(page) {
  await page.locator('.part.sidebar .composite.title').first().click();
}

/** Run a palette command, like harness.js but focusing with focusWorkbench (also used by uiNotebook.mjs). */
export async function runCommand(page, title) {
  await focusWorkbench(page);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/**
 * Quick Open (Ctrl+P) a file. Quick Open's file search may not list a file created a moment ago
 * ("No matching results"), so close and reopen it until the file is listed.
 */
async function quickOpen(page, fileName) {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first();
  const end = Date.now() + 45000;
  for (;;) {
    await focusWorkbench(page);
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(fileName);
    if (await row.waitFor({ timeout: 3000 }).then(() => true, () => false)) break;
    if (Date.now() > end) throw new Error(`Quick Open does not list ${fileName}`);
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden', timeout: 5000 });
  }
  await page.keyboard.press('Enter');
}

/**
 * @param {object} o
 * @param {() => import('playwright-core').Page} o.page the workbench page (clipboard permissions granted)
 * @param {string} o.ws the workspace folder open in the workbench
 * @param {string} o.root this repository (for samples/)
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} o.test
 * @param {(page: any, file: string, item: string) => Promise<void>} o.contextMenu Explorer context menu helper
 * @param {(page: any, file: string) => any} o.explorerRow
 */
export async function modelViewUiTests({ page: getPage, ws, root, test, contextMenu, explorerRow }) {
  const csvPath = join(ws, `${SAMPLE}.csv`);
  const modelPath = join(ws, `${SAMPLE}.wsindy`);
  const modelName = `${SAMPLE}.wsindy`;
  let frame;

  /** Close every editor, open `name` (Quick Open or a click in the Explorer), wait for its model view. */
  async function openModel(name, how) {
    const page = getPage();
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10000 });
    if (how === 'quickOpen') await quickOpen(page, name);
    else await explorerRow(page, name).click();
    await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 15000 });
    return findModelViewFrame(page, 60000, { fileName: name });
  }

  await test('model view: compress samples/lorenz.csv, Quick Open the model → KaTeX equations with the right terms, ≥ 4 plot SVGs', async () => {
    const page = getPage();
    copyFileSync(join(root, 'samples', 'lorenz.csv'), csvPath);
    await explorerRow(page, `${SAMPLE}.csv`).waitFor({ timeout: 30000 });
    await contextMenu(page, `${SAMPLE}.csv`, 'Compress with Weak-SINDy');
    const toast = page.locator('.notification-toast', { hasText: new RegExp(`${SAMPLE}\\.wsindy|Could not compress ${SAMPLE}`) });
    await toast.first().waitFor({ timeout: 120000 });
    const text = await toast.first().innerText();
    if (!/smaller than the CSV/.test(text)) throw new Error(`unexpected notification: ${text}`);
    await explorerRow(page, modelName).waitFor({ timeout: 15000 });

    frame = await openModel(modelName, 'quickOpen');
    const view = await readModelView(frame, { plots: true, timeoutMs: 90000 });
    if (view.error !== null) throw new Error(`error page instead of the model: ${view.error}`);
    if (view.equations.length !== 3) throw new Error(`${view.equations.length} equations: ${JSON.stringify(view.equations)}`);
    const katex = await frame.$$eval(`${MODEL_VIEW.equation} .katex .katex-html`, (els) => els.length);
    if (katex !== 3) throw new Error(`${katex} KaTeX renderings for 3 equations`);
    // ẋ = −10 x + 10 y: the TeX source and the visible KaTeX text both carry the x and y terms.
    const [ex, ey, ez] = view.equations;
    if (!/\\dot\{x\}/.test(ex.tex) || !/10\\?,?\s*x/.test(ex.tex) || !/10\\?,?\s*y/.test(ex.tex)) throw new Error(`ẋ TeX: ${ex.tex}`);
    const xText = ex.text.replace(/\s+/g, '');
    if (!/[−-]10x/.test(xText) || !/\+10y/.test(xText)) throw new Error(`ẋ rendered as "${ex.text}"`);
    if (!/xz/.test(ey.text.replace(/\s+/g, '')) || !/xy/.test(ez.text.replace(/\s+/g, ''))) throw new Error(`ẏ/ż rendered as "${ey.text}" / "${ez.text}"`);
    // KaTeX's MathML is kept (screen readers).
    if ((await frame.$$(`${MODEL_VIEW.equation} .katex-mathml math`)).length !== 3) throw new Error('no MathML in the KaTeX output');
    if (view.plots < 4) throw new Error(`${view.plots} plot SVGs, want ≥ 4`);
    const nonEmpty = await frame.$$eval(MODEL_VIEW.plotSvg, (svgs) => svgs.filter((s) => s.querySelectorAll('path, rect, line').length > 0 && s.getBoundingClientRect().width > 50).length);
    if (nonEmpty < 4) throw new Error(`only ${nonEmpty} plots have drawn marks`);
  });

  await test('model view: Copy text → the plain-text equations on the clipboard', async () => {
    const page = getPage();
    const sentinel = `sentinel ${Date.now()}`;
    await page.evaluate((s) => navigator.clipboard.writeText(s), sentinel);
    if ((await page.evaluate(() => navigator.clipboard.readText())) !== sentinel) throw new Error('the clipboard cannot be read back in this browser');
    // What the host makes for "text" is also shown in the view's Text panel.
    const expected = (await frame.$eval('#view-text pre.source code', (c) => c.textContent ?? '')).trim();
    if (!/x'?\s*=.*-\s*10\s*\*?\s*x.*\+\s*10\s*\*?\s*y/.test(expected.split('\n')[0])) throw new Error(`unexpected text source: ${expected}`);
    await frame.locator('vscode-button[data-copy="text"]').click();
    const clip = await until('the clipboard changes', async () => {
      const t = await page.evaluate(() => navigator.clipboard.readText());
      return t !== sentinel ? t : null;
    }, 15000, page);
    if (clip.trim() !== expected) throw new Error(`clipboard:\n${clip}\nexpected:\n${expected}`);
    await frame.locator('#status', { hasText: 'Copied the equations as plain text.' }).waitFor({ timeout: 10000 });
  });

  await test('model view: Save SVG of the Ξ plot → save dialog → an .svg in the model folder', async () => {
    const page = getPage();
    const target = join(ws, `${SAMPLE}-xi-saved.svg`);
    await frame.locator('vscode-button[data-save="xi:svg"]').click();
    // code-server's simple save dialog, prefilled with <folder>/<stem>-xi.svg; the user types another name.
    const widget = page.locator('.quick-input-widget', { hasText: 'Save the xi plot' });
    await widget.waitFor({ timeout: 15000 });
    const input = widget.locator('input');
    await until('the dialog proposes the model folder', async () => (await input.inputValue()) === join(ws, `${SAMPLE}-xi.svg`), 15000, page);
    await until('the path typed', async () => {
      if ((await input.inputValue()) === target) return true;
      await input.fill(target);
      return false;
    }, 10000, page);
    await page.keyboard.press('Enter');
    const svg = await until('the SVG written', () => (existsSync(target) && readFileSync(target, 'utf8').trimEnd().endsWith('</svg>') ? readFileSync(target, 'utf8') : null), 30000, page);
    if (!svg.trimStart().startsWith('<svg') || !/<(rect|path)\b/.test(svg)) throw new Error(`not a drawn SVG: ${svg.slice(0, 200)}`);
    if (existsSync(join(ws, `${SAMPLE}-xi.svg`))) throw new Error('written at the default path instead of the chosen one');
    await frame.locator('#status', { hasText: `Saved ${SAMPLE}-xi-saved.svg.` }).waitFor({ timeout: 10000 });
  });

  await test('model view: Reconstruct CSV… → sample-lorenz.reconstructed.csv with the source header and row count', async () => {
    const page = getPage();
    const out = join(ws, `${SAMPLE}.reconstructed.csv`);
    if (existsSync(out)) throw new Error('the reconstruction exists before the button was pressed');
    await frame.locator(MODEL_VIEW.reconstruct).click();
    const src = readFileSync(csvPath, 'utf8').trimEnd().split('\n');
    // Written atomically (temp file + rename), but poll for the whole file all the same.
    const rec = await until('the reconstruction written', () => {
      const lines = existsSync(out) ? readFileSync(out, 'utf8').trimEnd().split('\n') : [];
      return lines.length >= src.length ? lines : null;
    }, 60000, page);
    if (rec[0] !== src[0]) throw new Error(`header ${rec[0]} vs ${src[0]}`);
    if (rec.length !== src.length) throw new Error(`${rec.length} lines vs ${src.length}`);
    // Within the stored bound: compare one row in the middle.
    const mid = Math.floor(src.length / 2);
    const a = src[mid].split(',').map(Number);
    const b = rec[mid].split(',').map(Number);
    if (a.some((v, i) => !(Math.abs(v - b[i]) < 0.5))) throw new Error(`row ${mid}: ${rec[mid]} vs ${src[mid]}`);
    await explorerRow(page, `${SAMPLE}.reconstructed.csv`).waitFor({ timeout: 15000 });
    await page.locator('.notification-toast', { hasText: `${SAMPLE}.reconstructed.csv` }).first().waitFor({ timeout: 15000 });
  });

  await test('model view: hidden behind another editor and shown again → equations and plots come back', async () => {
    const page = getPage();
    const before = await readModelView(frame);
    await quickOpen(page, `${SAMPLE}.csv`);
    await page.locator('.tabs-container .tab.active', { hasText: `${SAMPLE}.csv` }).waitFor({ timeout: 15000 });
    await page.locator('.tabs-container .tab', { hasText: modelName }).click();
    await page.locator('.tabs-container .tab.active', { hasText: modelName }).waitFor({ timeout: 15000 });
    frame = await findModelViewFrame(page, 60000, { fileName: modelName });
    const after = await readModelView(frame, { plots: true, timeoutMs: 60000 });
    if (after.error !== null) throw new Error(`error page after showing again: ${after.error}`);
    if (JSON.stringify(after.equations) !== JSON.stringify(before.equations)) throw new Error(`equations changed: ${JSON.stringify(after.equations)}`);
    if (after.plots < 4) throw new Error(`${after.plots} plots after showing again`);
  });

  await test('model view: truncated .wsindy files show the error page with the reason, never a blank view', async () => {
    const bytes = readFileSync(modelPath);
    // Cut inside the header (the header reader fails) and cut the tail (the header reads; the worker's
    // full decode fails, which must also end on the error page).
    writeFileSync(join(ws, 'cut-header.wsindy'), bytes.subarray(0, 40));
    writeFileSync(join(ws, 'cut-tail.wsindy'), bytes.subarray(0, bytes.length - 24));
    for (const name of ['cut-header.wsindy', 'cut-tail.wsindy']) {
      await explorerRow(getPage(), name).waitFor({ timeout: 15000 });
      const f = await openModel(name, 'explorer');
      const errPage = f.locator(MODEL_VIEW.errorPage);
      await errPage.waitFor({ timeout: 60000 });
      const reason = (await errPage.locator('.reason').textContent()) ?? '';
      const code = (await errPage.locator('.code').textContent()) ?? '';
      if (!reason.startsWith(`${name}: `) || reason.length < name.length + 10) throw new Error(`${name}: reason "${reason}"`);
      if (!/Error code: E_[A-Z_]+/.test(code)) throw new Error(`${name}: code "${code}"`);
      if (!(await errPage.locator('h1', { hasText: 'This model file cannot be opened' }).count())) throw new Error(`${name}: no heading`);
      if (await f.$(MODEL_VIEW.equation)) throw new Error(`${name}: equations shown next to the error page`);
    }
    await runCommand(getPage(), 'View: Close All Editors');
  });
}
