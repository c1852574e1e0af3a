// The host side of the model view (src/extension/modelView/provider.ts) against a fake 'vscode' module:
// what it posts, in which order, and what it does (or refuses to do) for each message from the page.
import * as esbuild from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function providerTests(test, assert, { repo, fx }) {
  const dir = mkdtempSync(join(tmpdir(), 'wsindy-provider-'));
  const fakeUrl = pathToFileURL(join(repo, 'test/webview/fakeVscode.mjs')).href;
  const out = join(dir, 'provider.mjs');
  await esbuild.build({
    entryPoints: [join(repo, 'src/extension/modelView/provider.ts')],
    bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning',
    // 'vscode' → the fake, kept external so the bundle and this test share one instance of it.
    plugins: [{ name: 'fake-vscode', setup: (b) => b.onResolve({ filter: /^vscode$/ }, () => ({ path: fakeUrl, external: true })) }],
  });
  const mod = await import(pathToFileURL(out).href);
  const vscode = await import(fakeUrl);

  const models = join(dir, 'models');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(models);
  const good = join(models, 'lorenz.wsindy');
  writeFileSync(good, fx.lorenz.bytes);
  const bad = join(models, 'broken.wsindy');
  writeFileSync(bad, fx.lorenz.bytes.subarray(0, 100));

  const logs = [];
  const jobs = [];
  let jobResult = async () => fx.lorenz.data;
  const run = (path, maxPoints) => {
    jobs.push({ path, maxPoints });
    return jobResult(path, maxPoints);
  };
  mod.registerModelView({ extensionUri: vscode.Uri.file('/ext') }, run, { log: (level, line) => logs.push({ level, line }) });
  const reg = vscode.calls.find((c) => c.fn === 'registerCustomEditorProvider');

  function openPanel(path) {
    const posted = [];
    let onMessage = null;
    const panel = {
      webview: {
        options: null,
        html: '',
        cspSource: 'https://csp.example',
        asWebviewUri: (u) => u,
        postMessage: async (m) => {
          posted.push(m);
          return true;
        },
        onDidReceiveMessage: (cb) => {
          onMessage = cb;
          return { dispose() {} };
        },
      },
      onDidDispose: () => ({ dispose() {} }),
    };
    const doc = reg.provider.openCustomDocument(vscode.Uri.file(path));
    reg.provider.resolveCustomEditor(doc, panel);
    const send = async (m) => {
      onMessage(m);
      await new Promise((r) => setTimeout(r, 30));
    };
    return { panel, posted, send, doc };
  }
  const settle = () => new Promise((r) => setTimeout(r, 50));

  await test('provider: registered as wsindy.modelView without retainContextWhenHidden; strict HTML and resource roots', async () => {
    assert(reg && reg.viewType === 'wsindy.modelView', 'not registered');
    assert(!reg.options?.webviewOptions?.retainContextWhenHidden, 'retainContextWhenHidden is on');
    const v = openPanel(good);
    const roots = v.panel.webview.options.localResourceRoots.map((u) => u.path).sort();
    assert(JSON.stringify(roots) === JSON.stringify(['/ext/dist', '/ext/media']), `localResourceRoots ${roots}`);
    assert(v.panel.webview.options.enableScripts === true, 'scripts not enabled');
    const html = v.panel.webview.html;
    assert(/script-src 'nonce-[A-Za-z0-9]{32}'/.test(html) && !/unsafe-(eval|inline)/.test(html), 'CSP in the HTML is not strict');
    assert((html.match(/<script/g) ?? []).length === 1 && /<script nonce="[A-Za-z0-9]{32}" src=/.test(html), 'inline or un-nonced script');
  });

  await test('provider: equations posted on ready, then loading, then the worker data; nothing before ready', async () => {
    jobs.length = 0;
    const v = openPanel(good);
    await settle();
    assert(v.posted.length === 0, `posted before ready: ${v.posted.map((m) => m.type)}`);
    await v.send({ type: 'ready' });
    await settle();
    const types = v.posted.map((m) => m.type);
    assert(types[0] === 'model', `first message ${types[0]}`);
    assert(types.includes('data'), `no data: ${types}`);
    assert(v.posted[0].info.equations.length === 3, 'equations missing');
    assert(jobs.length === 1 && jobs[0].path === good && jobs[0].maxPoints === 2000, `job ${JSON.stringify(jobs)}`);
    // A reloaded page (hidden then shown) gets the cached messages again, without a new job.
    v.posted.length = 0;
    await v.send({ type: 'ready' });
    assert(v.posted.map((m) => m.type).join() === 'model,data', `re-post ${v.posted.map((m) => m.type)}`);
    assert(jobs.length === 1, 'the job ran again');
  });

  await test('provider: a bad file posts the error page message with the file name', async () => {
    const v = openPanel(bad);
    await v.send({ type: 'ready' });
    await settle();
    const e = v.posted.find((m) => m.type === 'error');
    assert(e && e.scope === 'file' && e.code === 'E_FORMAT' && e.message.startsWith('broken.wsindy: '), `got ${JSON.stringify(v.posted)}`);
    assert(logs.some((l) => l.level === 'error' && l.line.includes('broken.wsindy')), 'not logged');
  });

  await test('provider: worker failure keeps the equations and reports the plots error; retry reruns', async () => {
    jobResult = async () => {
      throw Object.assign(new Error('boom'), { error: { code: 'E_WORKER', message: 'The worker stopped (out of memory).' } });
    };
    const v = openPanel(good);
    await v.send({ type: 'ready' });
    await settle();
    const e = v.posted.find((m) => m.type === 'error');
    assert(e && e.scope === 'plots' && e.message.includes('out of memory'), `got ${JSON.stringify(v.posted.map((m) => m.type))}`);
    jobResult = async () => fx.lorenz.data;
    await v.send({ type: 'retry' });
    await settle();
    assert(v.posted.some((m) => m.type === 'data'), 'retry did not deliver data');
  });

  await test('provider: copy writes the host-made text to the clipboard', async () => {
    const v = openPanel(good);
    await v.send({ type: 'ready' });
    await settle();
    const n = vscode.calls.length;
    await v.send({ type: 'copy', format: 'python' });
    const c = vscode.calls.slice(n).find((x) => x.fn === 'clipboard');
    assert(c && c.text === fx.lorenz.info.sources.python, 'clipboard text is not the Python source');
    assert(v.posted.some((m) => m.type === 'notice' && /Python/.test(m.text)), 'no notice');
  });

  await test('provider: save goes through a dialog in the model folder; cancel writes nothing', async () => {
    const v = openPanel(good);
    await v.send({ type: 'ready' });
    let n = vscode.calls.length;
    vscode.fake.saveTo = null;
    await v.send({ type: 'savePlot', plot: 'xi', format: 'svg', data: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' });
    const dlg = vscode.calls.slice(n).find((c) => c.fn === 'showSaveDialog');
    assert(dlg && dlg.options.defaultUri.fsPath === join(models, 'lorenz-xi.svg'), `dialog default ${dlg?.options.defaultUri.fsPath}`);
    assert(!vscode.calls.slice(n).some((c) => c.fn === 'writeFile'), 'wrote after cancel');
    n = vscode.calls.length;
    vscode.fake.saveTo = vscode.Uri.file(join(models, 'chosen.png'));
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    await v.send({ type: 'savePlot', plot: 'phase', format: 'png', data: png });
    const w = vscode.calls.slice(n).find((c) => c.fn === 'writeFile');
    assert(w && w.path === join(models, 'chosen.png') && w.bytes[0] === 0x89 && w.bytes.length === Buffer.from(png, 'base64').length, 'PNG not written as bytes');
  });

  await test('provider: malformed and hostile messages are ignored and logged; no file access follows', async () => {
    const v = openPanel(good);
    await v.send({ type: 'ready' });
    await settle();
    const n = vscode.calls.length;
    const logged = logs.length;
    for (const m of [null, 'ready', { type: 'readFile', path: '/etc/passwd' }, { type: 'savePlot', plot: '../../etc/x', format: 'svg', data: '<svg></svg>' }, { type: 'savePlot', plot: 'xi', format: 'svg', data: 'not svg' }, { type: 'copy', format: 'html' }]) await v.send(m);
    const after = vscode.calls.slice(n).filter((c) => ['readFile', 'writeFile', 'showSaveDialog', 'clipboard', 'executeCommand'].includes(c.fn));
    assert(after.length === 0, `acted on a bad message: ${JSON.stringify(after)}`);
    assert(logs.length - logged === 6, `logged ${logs.length - logged} of 6`);
  });

  await test('provider: Reconstruct runs wsindy.reconstruct on this file', async () => {
    const v = openPanel(good);
    await v.send({ type: 'ready' });
    const n = vscode.calls.length;
    await v.send({ type: 'reconstruct' });
    const c = vscode.calls.slice(n).find((x) => x.fn === 'executeCommand');
    assert(c && c.args[0] === 'wsindy.reconstruct' && c.args[1].fsPath === good, `got ${JSON.stringify(c)}`);
  });
}
