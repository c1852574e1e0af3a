// UI tests: a real VS Code workbench (code-server) in headless Chromium, driven like a user.
// - right-click lorenz.csv in the Explorer → "Compress with Weak-SINDy" → the result notification →
//   lorenz.wsindy appears in the Explorer;
// - palette "Weak-SINDy: Reconstruct CSV from Model" → pick the model in the file dialog →
//   lorenz.reconstructed.csv appears in the Explorer;
// - the model view (uiModelView.mjs): equations, plots, copy, save, reconstruct, error page;
// - the notebook renderer (uiNotebook.mjs): a saved .ipynb output of the model mime type.
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelViewUiTests } from './uiModelView.mjs';
import { notebookUiTests } from './uiNotebook.mjs';

const require = createRequire(import.meta.url);
const h = require('./harness.js');

/** Lorenz by RK4, `t,x,y,z` rows (same system as the integration suite). */
function lorenzCsv(m, dt = 0.01) {
  const f = (s) => [10 * (s[1] - s[0]), s[0] * (28 - s[2]) - s[1], s[0] * s[1] - (8 / 3) * s[2]];
  const sub = 10;
  const hh = dt / sub;
  let s = [-8, 8, 27];
  const lines = ['t,x,y,z'];
  for (let k = 0; k < m; k++) {
    lines.push(`${+(k * dt).toFixed(10)},${s.map((v) => v.toPrecision(12)).join(',')}`);
    for (let j = 0; j < sub; j++) {
      const k1 = f(s);
      const k2 = f(s.map((v, i) => v + (hh / 2) * k1[i]));
      const k3 = f(s.map((v, i) => v + (hh / 2) * k2[i]));
      const k4 = f(s.map((v, i) => v + hh * k3[i]));
      s = s.map((v, i) => v + (hh / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
    }
  }
  return lines.join('\n') + '\n';
}

const explorerRow = (page, name) => page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);

/** Right-click a file in the Explorer and choose a menu item (retrying while the extension host starts). */
async function contextMenu(page, fileName, itemText) {
  // The remote extension host registers the extension's menus a moment after the workbench shows.
  const item = page.locator('.monaco-menu .action-item', { hasText: itemText });
  for (let attempt = 0; ; attempt++) {
    await explorerRow(page, fileName).click({ button: 'right' });
    if (await item.first().waitFor({ timeout: 2000 }).then(() => true, () => false)) break;
    if (attempt >= 15) throw new Error(`"${itemText}" is not in the Explorer context menu of ${fileName}`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
  // VS Code's menus act on mouse-up over a focused item; hover focuses it, Enter runs it.
  await item.first().hover();
  await page.keyboard.press('Enter');
  await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 5000 });
}

/** Wait for the modal dialog whose message matches `text` and press one of its buttons. */
async function answerDialog(page, text, button) {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text });
  await dialog.waitFor({ timeout: 15000 });
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 5000 });
}

export async function runUiTests({ root, outDir }) {
  const ws = mkdtempSync(join(tmpdir(), 'wsindy-ui-ws-'));
  writeFileSync(join(ws, 'lorenz.csv'), lorenzCsv(3000)); // ~150 KB
  writeFileSync(join(ws, 'options.csv'), lorenzCsv(2000));
  writeFileSync(join(ws, 'large.csv'), lorenzCsv(12000)); // ~600 KB: over the size limit below
  writeFileSync(join(ws, 'bad.csv'), 't,x,y\n0,1,2\n0.1,1.5,2.5\n0.2,oops,3\n0.3,2,4\n');
  const stateDir = mkdtempSync(join(outDir, 'ui-state-'));
  const server = await h.startServer({ stateDir, settings: { 'wsindy.maxFileSizeMB': 0.3 } });
  const browser = await h.launchBrowser(stateDir);
  const logs = [];
  const result = { passed: 0, failed: 0 };
  let page;
  // WSINDY_UI_GREP=<regexp>: only the tests whose name matches, and the first (local use only).
  const grep = process.env.WSINDY_UI_GREP ? new RegExp(process.env.WSINDY_UI_GREP) : null;
  const test = async (name, fn) => {
    if (grep && page && !grep.test(name)) return;
    const t0 = Date.now();
    try {
      await fn();
      result.passed++;
      console.log(`[ui] ✓ ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      result.failed++;
      console.log(`[ui] ✗ ${name}: ${e && e.stack ? e.stack : e}`);
      const shot = join(outDir, `ui-failure-${result.failed}.png`);
      await page?.screenshot({ path: shot }).catch(() => {});
      console.log(`[ui]   screenshot: ${shot}`);
      for (const l of logs.filter((l) => /error|Weak-SINDy|wsindy/i.test(l)).slice(-20)) console.log(`[ui]   ${l}`);
    }
  };
  try {
    await test('open the workbench with the extension', async () => {
      // Clipboard permissions: the model view's Copy buttons go through VS Code's clipboard service to
      // the browser's clipboard, which the tests read back.
      page = await browser.newPage({ viewport: { width: 1400, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
      page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()} @${m.location().url}`));
      page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
      const authority = new URL(server.url).host;
      const payload = [['extensionDevelopmentPath', `vscode-remote://${authority}${root}`]];
      await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
      await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
      await explorerRow(page, 'lorenz.csv').waitFor({ timeout: 60000 });
    });

    await test('Explorer: right-click lorenz.csv → Compress with Weak-SINDy → notification → lorenz.wsindy in the Explorer', async () => {
      await contextMenu(page, 'lorenz.csv', 'Compress with Weak-SINDy');
      const toast = page.locator('.notification-toast', { hasText: /lorenz\.wsindy|Could not compress/ });
      await toast.first().waitFor({ timeout: 120000 });
      const text = await toast.first().innerText();
      if (!/smaller than the CSV/.test(text) || !/max error/.test(text)) throw new Error(`unexpected notification: ${text}`);
      for (const button of ['Open Model', 'Reveal in Explorer']) {
        await toast.first().locator('.monaco-button', { hasText: button }).waitFor({ timeout: 5000 });
      }
      await explorerRow(page, 'lorenz.wsindy').waitFor({ timeout: 15000 });
      if (!existsSync(join(ws, 'lorenz.wsindy'))) throw new Error('lorenz.wsindy not on disk');
    });

    await test('Palette: Weak-SINDy: Reconstruct CSV from Model → pick the model → lorenz.reconstructed.csv in the Explorer', async () => {
      await h.runCommand(page, 'Weak-SINDy: Reconstruct CSV from Model');
      // No model view is active, so the command asks for the file (VS Code's simple file dialog here).
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-widget', { hasText: 'Reconstruct' }).waitFor({ timeout: 15000 });
      // The dialog fills in the folder and lists it asynchronously; type only once it has.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'lorenz.wsindy' }).first().waitFor({ timeout: 15000 });
      const target = join(ws, 'lorenz.wsindy');
      for (let i = 0; i < 20 && (await input.inputValue()) !== target; i++) {
        await input.fill(target);
        await page.waitForTimeout(250);
      }
      await page.keyboard.press('Enter');
      await h.waitForFile(join(ws, 'lorenz.reconstructed.csv'), 60000);
      await explorerRow(page, 'lorenz.reconstructed.csv').waitFor({ timeout: 15000 });
      await page.locator('.notification-toast', { hasText: 'lorenz.reconstructed.csv' }).first().waitFor({ timeout: 15000 });
    });

    await test('editor title of an open CSV: Compress with Weak-SINDy asks before overwriting the model', async () => {
      await h.quickOpen(page, 'lorenz.csv');
      // Exact tab label (hasText would also match lorenz.reconstructed.csv), and the text shown: the
      // title toolbar passes the editor's file only once the editor has resolved it.
      await page.locator('.tabs-container .tab.active .label-name').filter({ hasText: /^lorenz\.csv$/ }).waitFor({ timeout: 15000 });
      await page.locator('.editor-instance .view-line', { hasText: 't,x,y,z' }).first().waitFor({ timeout: 15000 });
      const button = page.locator('.editor-actions .action-label[aria-label="Compress with Weak-SINDy"]');
      await button.first().waitFor({ timeout: 15000 });
      const before = statSync(join(ws, 'lorenz.wsindy')).mtimeMs;
      const overwriteDialog = page.locator('.monaco-dialog-box', { hasText: 'lorenz.wsindy already exists' });
      const picker = page.locator('.quick-input-widget', { hasText: 'Compress with Weak-SINDy' });
      for (let attempt = 0; ; attempt++) {
        await button.first().click();
        const shown = await Promise.race([
          overwriteDialog.waitFor({ timeout: 15000 }).then(() => 'dialog'),
          picker.waitFor({ timeout: 15000 }).then(() => 'picker'),
        ]);
        if (shown === 'dialog') break;
        // Clicked before the editor had its resource: the command asked for a file instead. Retry.
        if (attempt >= 3) throw new Error('the editor title button never passed the open CSV');
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
      }
      await answerDialog(page, 'lorenz.wsindy already exists', 'Cancel');
      await page.waitForTimeout(1000);
      if (statSync(join(ws, 'lorenz.wsindy')).mtimeMs !== before) throw new Error('overwritten although declined');
      await button.first().click();
      await answerDialog(page, 'lorenz.wsindy already exists', 'Overwrite');
      const end = Date.now() + 60000;
      while (statSync(join(ws, 'lorenz.wsindy')).mtimeMs === before) {
        if (Date.now() > end) throw new Error('lorenz.wsindy not rewritten');
        await page.waitForTimeout(200);
      }
      await page.keyboard.press('Control+W');
    });

    await test('Compress with Options…: model-only, degree 2 → a model-only file', async () => {
      await contextMenu(page, 'options.csv', 'Compress with Options…');
      const widget = page.locator('.quick-input-widget');
      const input = widget.locator('input');
      await widget.locator('.quick-input-list .monaco-list-row', { hasText: 'model-only' }).waitFor({ timeout: 15000 });
      await input.fill('model-only');
      await page.keyboard.press('Enter');
      // mode=model-only skips the tolerance: next is the degree.
      await widget.locator('.quick-input-list .monaco-list-row', { hasText: 'quadratic' }).waitFor({ timeout: 10000 });
      await input.fill('2');
      await page.keyboard.press('Enter');
      await widget.locator('.quick-input-message, .quick-input-description', { hasText: 'POD rank' }).first().waitFor({ timeout: 10000 });
      await input.fill('nope');
      await widget.locator('.quick-input-message', { hasText: /rank must/ }).waitFor({ timeout: 10000 });
      await input.fill('auto');
      await page.keyboard.press('Enter');
      const toast = page.locator('.notification-toast', { hasText: /options\.wsindy|Could not compress/ });
      await toast.first().waitFor({ timeout: 120000 });
      const text = await toast.first().innerText();
      if (!/\(model only\)/.test(text)) throw new Error(`expected a model-only result, got: ${text}`);
      await explorerRow(page, 'options.wsindy').waitFor({ timeout: 15000 });
    });

    await test('a file over wsindy.maxFileSizeMB asks first: Cancel → nothing, Compress → the model', async () => {
      await contextMenu(page, 'large.csv', 'Compress with Weak-SINDy');
      await answerDialog(page, 'wsindy.maxFileSizeMB', 'Cancel');
      await page.waitForTimeout(1500);
      if (existsSync(join(ws, 'large.wsindy'))) throw new Error('compressed although the question was declined');
      await contextMenu(page, 'large.csv', 'Compress with Weak-SINDy');
      await answerDialog(page, 'wsindy.maxFileSizeMB', 'Compress');
      await page.locator('.notification-toast', { hasText: 'large.wsindy' }).first().waitFor({ timeout: 120000 });
      await explorerRow(page, 'large.wsindy').waitFor({ timeout: 15000 });
    });

    await test('Open Model (notification button) opens the model view; the palette then reconstructs it without asking', async () => {
      const toast = page.locator('.notification-toast', { hasText: 'large.wsindy' }).first();
      await toast.hover(); // keep the toast from hiding
      await toast.locator('.monaco-button', { hasText: 'Open Model' }).click();
      await page.locator('.tabs-container .tab.active', { hasText: 'large.wsindy' }).waitFor({ timeout: 15000 });
      await page.locator('.editor-instance iframe.webview, .webview.ready').first().waitFor({ state: 'attached', timeout: 15000 });
      await page.waitForTimeout(500);
      await h.runCommand(page, 'Weak-SINDy: Reconstruct CSV from Model');
      await h.waitForFile(join(ws, 'large.reconstructed.csv'), 60000);
      await explorerRow(page, 'large.reconstructed.csv').waitFor({ timeout: 15000 });
    });

    await test('a bad CSV: error notification names the line; Show Details opens the Weak-SINDy output', async () => {
      await contextMenu(page, 'bad.csv', 'Compress with Weak-SINDy');
      const toast = page.locator('.notification-toast', { hasText: 'Could not compress bad.csv' }).first();
      await toast.waitFor({ timeout: 30000 });
      const text = await toast.innerText();
      if (!/bad\.csv:4\b/.test(text)) throw new Error(`the message does not name line 4: ${text}`);
      const output = page.locator('.part.panel .monaco-editor .view-lines').filter({ hasText: 'failed [E_INPUT]' }).first();
      try {
        // a click during the toast's slide-in animation can miss the button: click again while the toast is there
        for (let attempt = 0; ; attempt++) {
          await toast.hover();
          await toast.locator('.monaco-button', { hasText: 'Show Details' }).click();
          try {
            await output.waitFor({ timeout: 10000 });
            break;
          } catch (e) {
            if (attempt >= 2 || !(await toast.isVisible())) throw e;
          }
        }
      } finally {
        // the toast must not outlive this test: later tests wait for their own notifications
        if (await toast.isVisible().catch(() => false)) await h.runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
      }
      if (existsSync(join(ws, 'bad.wsindy'))) throw new Error('a file was written for a bad CSV');
    });

    await modelViewUiTests({ page: () => page, ws, root, test, contextMenu, explorerRow });
    await notebookUiTests({ page: () => page, ws, root, logs, test, explorerRow });
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    rmSync(ws, { recursive: true, force: true });
  }
  return result;
}
