// UI tests of the notebook renderer (contributes.notebookRenderer, webview/notebook.ts) in the real VS Code
// workbench (code-server): an .ipynb whose saved output carries `application/vnd.wsindy.model+json`
// (what `wsindy info --json --plots` prints, as a Python notebook displays it) is opened from the
// Explorer; VS Code's notebook output webview, with its own CSP, loads dist/notebookRenderer.js.
// - KaTeX equations with the right terms, the summary and the plots drawn;
// - no CSP violation and no script error from the output webview (its console is collected);
// - the workbench theme followed (toolkit colours, plot text) when it changes;
// - the time from the output given to the equations painted is measured and printed (target ≤ 1 s),
//   not asserted (shared machine).
// The model file is deleted first: the output shows what the notebook saved, nothing else.
// Then the kernel as a user runs it: Run All in a Weak-SINDy notebook, the output rendered, saved, reopened.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_VIEW } from '../webview/frame.mjs';
import { runCommand } from './uiModelView.mjs';

const MIME = 'application/vnd.wsindy.model+json';
const hex = (rgb) => '#' + (rgb.match(/\d+/g) ?? []).slice(0, 3).map((v) => Number(v).toString(16).padStart(2, '0')).join('');

/** The saved notebook: one Python cell displaying the bundle, its display_data output kept. */
function savedNotebook(bundle, text) {
  return JSON.stringify({
    cells: [
      {
        cell_type: 'code',
        execution_count: 1,
        metadata: {},
        source: ['import json\n', 'from IPython.display import display\n', `display({"${MIME}": json.load(open("m.json")), "text/plain": "…"}, raw=True)`],
        outputs: [{ output_type: 'display_data', metadata: {}, data: { [MIME]: bundle, 'text/plain': text.split('\n').map((l, i, a) => (i < a.length - 1 ? `${l}\n` : l)) } }],
      },
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  }, null, 1);
}

/** The frame of the notebook's output webview once it shows Weak-SINDy equations (or its error page). */
async function findOutputFrame(page, timeoutMs) {
  const end = Date.now() + timeoutMs;
  const sel = `.wsindy-view ${MODEL_VIEW.equation} .katex, .wsindy-view ${MODEL_VIEW.errorPage}`;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await f.$(sel)) return f;
      } catch {
        // detached or navigating frame
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no notebook output with Weak-SINDy equations within ${timeoutMs} ms`);
}

/**
 * Nothing wrong reported by an output webview: CSP violations are console errors ("Refused to …",
 * "Content Security Policy"), failed loads console errors at the webview's resource origin, script
 * errors page errors; `lines` are collected from every frame.
 */
function noProblems(lines) {
  const problems = lines.filter((l) => /Content Security Policy|Refused to|^\[pageerror\]/.test(l) || (/^\[console\.error\]/.test(l) && /\/webview\/|vscode-cdn\.net|vscode-resource|notebookRenderer|katex/i.test(l)));
  if (problems.length) throw new Error(`${problems.length} CSP violations / script errors:\n${problems.slice(0, 10).join('\n')}`);
}

/** The output frame whose Weak-SINDy view is titled `fileName`. */
async function outputFrameOf(page, fileName, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        const titles = await f.$$eval('.wsindy-view header.top h1', (hs) => hs.map((x) => x.textContent));
        if (titles.includes(fileName) && (await f.$('.wsindy-view [data-state] .katex'))) return f;
      } catch {
        // detached or navigating frame
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no notebook output showing ${fileName} within ${timeoutMs} ms`);
}

/**
 * @param {object} o
 * @param {() => import('playwright-core').Page} o.page the workbench page
 * @param {string} o.ws the workspace folder open in the workbench
 * @param {string} o.root this repository (dist/cli.js, samples/)
 * @param {string[]} o.logs the page's console lines, `[console.<type>] <text> @<url>` (all frames)
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} o.test
 * @param {(page: any, file: string) => any} o.explorerRow
 */
export async function notebookUiTests({ page: getPage, ws, root, logs, test, explorerRow }) {
  await test('notebook renderer: a saved .ipynb output of the model mime type shows KaTeX equations, summary and plots, follows theme changes; no CSP violation or script error', async () => {
    const page = getPage();
    // The bundle as a Python notebook would have it: made by the CLI, the model file then removed.
    const cli = join(root, 'dist', 'cli.js');
    copyFileSync(join(root, 'samples', 'lorenz.csv'), join(ws, 'nb-lorenz.csv'));
    const c = spawnSync(process.execPath, [cli, 'compress', join(ws, 'nb-lorenz.csv'), '-o', join(ws, 'nb-lorenz.wsindy'), '--quiet', '--force'], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`compress failed: ${c.stderr}`);
    const info = spawnSync(process.execPath, [cli, 'info', join(ws, 'nb-lorenz.wsindy'), '--json', '--plots'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (info.status !== 0) throw new Error(`info failed: ${info.stderr}`);
    const bundle = JSON.parse(info.stdout);
    rmSync(join(ws, 'nb-lorenz.wsindy'));
    rmSync(join(ws, 'nb-lorenz.csv'));
    writeFileSync(join(ws, 'saved-output.ipynb'), savedNotebook(bundle, bundle.text));

    const firstLog = logs.length;
    await explorerRow(page, 'saved-output.ipynb').waitFor({ timeout: 30000 });
    await explorerRow(page, 'saved-output.ipynb').click();
    await page.locator('.tabs-container .tab.active', { hasText: 'saved-output.ipynb' }).waitFor({ timeout: 15000 });
    const frame = await findOutputFrame(page, 90000);
    // Shown once its stylesheets have loaded (hidden until then).
    await frame.waitForSelector('[data-equations-ms]', { timeout: 30000, state: 'attached' });
    if (await frame.$(`.wsindy-view ${MODEL_VIEW.errorPage}`)) throw new Error(`error page: ${await frame.textContent(`.wsindy-view ${MODEL_VIEW.errorPage}`)}`);

    const equations = await frame.$$eval(`.wsindy-view ${MODEL_VIEW.equation}`, (els, texSel) =>
      els.map((e) => ({ state: e.getAttribute('data-state') ?? '', tex: e.querySelector(texSel)?.textContent ?? '', text: e.querySelector('.katex-html')?.textContent ?? '' })), MODEL_VIEW.equationTex);
    if (equations.length !== 3) throw new Error(`${equations.length} equations: ${JSON.stringify(equations)}`);
    const [ex, ey, ez] = equations.map((e) => e.text.replace(/\s+/g, ''));
    if (!/[−-]10(\.\d+)?x/.test(ex) || !/\+10(\.\d+)?y/.test(ex)) throw new Error(`ẋ rendered as "${equations[0].text}"`);
    if (!/xz/.test(ey) || !/xy/.test(ez)) throw new Error(`ẏ/ż rendered as "${equations[1].text}" / "${equations[2].text}"`);
    if (!/\\dot\{x\}/.test(equations[0].tex)) throw new Error(`ẋ TeX: ${equations[0].tex}`);
    // KaTeX's stylesheet loaded through the CSP (unstyled KaTeX shows the MathML and the HTML twice).
    const mathmlHidden = await frame.$eval('.wsindy-view .katex-mathml', (e) => getComputedStyle(e).position === 'absolute' && e.getBoundingClientRect().width <= 1);
    if (!mathmlHidden) throw new Error('KaTeX stylesheet not applied (its MathML part is visible)');
    const summary = await frame.$eval('.wsindy-view dl.summary', (e) => e.textContent ?? '');
    if (!/3 variables × \d+ steps/.test(summary)) throw new Error(`summary: ${summary}`);

    // The view's stylesheet loaded too (media/view.css, copied to dist/ by the build).
    const scoped = await frame.$eval('.wsindy-view dl.summary', (e) => getComputedStyle(e).display);
    if (scoped !== 'grid') throw new Error(`the view's stylesheet is not applied (summary display: ${scoped})`);

    // The toolkit's elements follow the workbench theme (Light Modern here): the tabs' text is the theme's
    // foreground, not the toolkit's dark-theme default.
    const colours = await frame.evaluate(() => ({
      fg: getComputedStyle(document.body).getPropertyValue('--vscode-panelTitle-activeForeground').trim(),
      tab: getComputedStyle(document.querySelector('.wsindy-view vscode-panel-tab[aria-selected="true"]')).color,
    }));
    if (!colours.fg || hex(colours.tab) !== colours.fg.toLowerCase()) throw new Error(`toolkit colours not the theme's: tab ${colours.tab}, theme ${colours.fg}`);

    // The plots from the saved series.
    await frame.waitForSelector('[data-plots="ready"]', { timeout: 90000, state: 'attached' });
    const drawn = await frame.$$eval(`.wsindy-view ${MODEL_VIEW.plotSvg}`, (svgs) => svgs.filter((s) => s.querySelectorAll('path, rect, line').length > 0 && s.getBoundingClientRect().width > 50).length);
    if (drawn < 4) throw new Error(`only ${drawn} plots drawn`);

    // WSINDY_SCREENSHOTS=1: the README's screenshot.
    if (process.env.WSINDY_SCREENSHOTS === '1') {
      await page.waitForTimeout(1500);
      await page.screenshot({ path: join(root, 'docs', 'screenshots', 'notebook-renderer.png') });
    }
    const ms = await frame.$eval('[data-equations-ms]', (e) => e.getAttribute('data-equations-ms'));
    console.log(`[ui]   notebook renderer: equations painted ${ms} ms after the output was given (target ≤ 1000 ms, not asserted)`);

    await page.waitForTimeout(1000);
    noProblems(logs.slice(firstLog));

    // The theme followed: switch the workbench to Dark Modern and back; the toolkit's colours and the
    // plots' text colours change with it.
    const look = () => frame.evaluate(() => ({
      body: document.body.className,
      fg: getComputedStyle(document.body).getPropertyValue('--vscode-panelTitle-activeForeground').trim().toLowerCase(),
      tab: getComputedStyle(document.querySelector('.wsindy-view vscode-panel-tab[aria-selected="true"]')).color,
      text: getComputedStyle(document.body).getPropertyValue('--vscode-editor-foreground').trim().toLowerCase(),
      plotText: [...new Set([...document.querySelectorAll('.wsindy-view figure.plot .chart svg text')].map((t) => (t.getAttribute('fill') ?? '').toLowerCase()))],
    }));
    const before = await look();
    // Through the theme picker, as a user does.
    for (const [theme, kind] of [['Dark Modern', 'vscode-dark'], ['Light Modern', 'vscode-light']]) {
      await page.locator('.part.sidebar .composite.title').first().click();
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill('>Preferences: Color Theme');
      await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: /^Preferences: Color Theme$/ }).first().click();
      await page.locator('.quick-input-widget input[placeholder*="Color Theme"]').waitFor({ state: 'visible', timeout: 10000 });
      await input.fill(theme);
      await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: new RegExp(`^${theme}$`) }).first().click();
      const now = await (async () => {
        const end = Date.now() + 20000;
        for (;;) {
          const l = await look();
          if (l.body.includes(kind) && hex(l.tab) === l.fg && l.plotText.includes(l.text)) return l;
          if (Date.now() > end) throw new Error(`${theme}: not followed: ${JSON.stringify(l)}`);
          await page.waitForTimeout(250);
        }
      })();
      if (kind === 'vscode-dark' && (now.fg === before.fg || now.text === before.text)) throw new Error(`Dark Modern has the light colours: ${JSON.stringify(now)}`);
    }
    noProblems(logs.slice(firstLog));
    await page.keyboard.press('Control+W').catch(() => {});
  });

  await test('notebook kernel: Run All on a Weak-SINDy notebook → the model written, its equations rendered in the cell; saved, closed and reopened → shown again; Copy text through the extension', async () => {
    const page = getPage();
    const firstLog = logs.length;
    await runCommand(page, 'View: Close All Editors');
    copyFileSync(join(root, 'samples', 'lorenz.csv'), join(ws, 'nb-run.csv'));
    const nbPath = join(ws, 'kernel-run.ipynb');
    writeFileSync(nbPath, JSON.stringify({
      cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['# paths are relative to the notebook\n', 'compress nb-run.csv --tolerance 1e-3'] }],
      // The kernelspec a Weak-SINDy notebook carries: the kernel is preferred for it.
      metadata: { kernelspec: { name: 'wsindy', display_name: 'Weak-SINDy', language: 'shell' }, language_info: { name: 'shell' } },
      nbformat: 4,
      nbformat_minor: 5,
    }));
    await explorerRow(page, 'kernel-run.ipynb').waitFor({ timeout: 30000 });
    await explorerRow(page, 'kernel-run.ipynb').click();
    await page.locator('.tabs-container .tab.active', { hasText: 'kernel-run.ipynb' }).waitFor({ timeout: 15000 });
    // The toolbar names the kernel VS Code will use.
    await page.locator('.notebook-toolbar-container .kernel-label', { hasText: 'Weak-SINDy' }).first().waitFor({ timeout: 30000 });
    // The notebook toolbar's Run All (the palette lists it only while the notebook has the focus).
    await page.locator('.notebook-toolbar-container').getByText('Run All', { exact: true }).first().click();
    const frame = await outputFrameOf(page, 'nb-run.wsindy', 120000);
    if (!existsSync(join(ws, 'nb-run.wsindy'))) throw new Error('the model was not written next to the notebook');
    const eqs = await frame.$$eval('.wsindy-view [data-state]', (els) => els.map((e) => e.getAttribute('data-state')));
    if (eqs.join(',') !== 'x,y,z') throw new Error(`equations of ${eqs.join(',')}`);

    await runCommand(page, 'File: Save');
    const saved = await (async () => {
      const end = Date.now() + 20000;
      for (;;) {
        const nb = JSON.parse(readFileSync(nbPath, 'utf8'));
        const data = nb.cells[0].outputs[0]?.data;
        if (data?.[MIME]) return data;
        if (Date.now() > end) throw new Error(`no ${MIME} output saved: ${JSON.stringify(nb.cells[0].outputs).slice(0, 300)}`);
        await page.waitForTimeout(250);
      }
    })();
    if (!String(Array.isArray(saved['text/plain']) ? saved['text/plain'].join('') : saved['text/plain']).includes("x' = -10 x + 10 y")) throw new Error(`saved text/plain: ${JSON.stringify(saved['text/plain'])}`);

    await runCommand(page, 'View: Close All Editors');
    await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10000 });
    rmSync(join(ws, 'nb-run.wsindy'));
    // The Explorer re-renders its rows when the file goes: a click during that can land on another row
    // (seen once in CI: cut-tail.wsindy opened instead). Wait for the row to go, then check the tab.
    await explorerRow(page, 'nb-run.wsindy').waitFor({ state: 'detached', timeout: 15000 });
    for (let attempt = 0; ; attempt++) {
      await explorerRow(page, 'kernel-run.ipynb').click();
      try {
        await page.locator('.tabs-container .tab.active', { hasText: 'kernel-run.ipynb' }).waitFor({ timeout: 10000 });
        break;
      } catch (e) {
        if (attempt >= 2) throw e;
      }
    }
    const reopened = await outputFrameOf(page, 'nb-run.wsindy', 60000);

    // Copy text: the renderer asks the extension (renderer messaging), which writes VS Code's clipboard
    // (the browser's here) and answers with a notice shown in the output.
    const sentinel = `sentinel ${Date.now()}`;
    await page.evaluate((t) => navigator.clipboard.writeText(t), sentinel);
    // The sources' panels are LaTeX, Text, Python.
    const expected = ((await reopened.$$eval('.wsindy-view pre.source code', (cs) => cs.map((c) => c.textContent ?? '')))[1] ?? '').trim();
    if (!/x'\s*=\s*-10 x \+ 10 y/.test(expected)) throw new Error(`unexpected text source: ${expected}`);
    await reopened.locator('.wsindy-view vscode-button[data-copy="text"]').click();
    const end = Date.now() + 15000;
    let clip = sentinel;
    while (clip === sentinel && Date.now() < end) {
      await page.waitForTimeout(200);
      clip = await page.evaluate(() => navigator.clipboard.readText());
    }
    if (clip.trim() !== expected) throw new Error(`clipboard:\n${clip}\nexpected:\n${expected}`);
    await reopened.locator('.wsindy-view .status', { hasText: 'Copied the equations as plain text.' }).waitFor({ timeout: 10000 });

    await page.waitForTimeout(1000);
    noProblems(logs.slice(firstLog));
    await runCommand(page, 'View: Close All Editors');
  });
}
