// The "Weak-SINDy" notebook kernel in the real extension host: a .ipynb opened by VS Code's own ipynb
// extension, the kernel selected, cells run through VS Code's notebook commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_ID, getApi, lorenzCsv, tempFolder, waitFor } from './helpers';

const MIME = 'application/vnd.wsindy.model+json';

const WSINDY_METADATA = { kernelspec: { name: 'wsindy', display_name: 'Weak-SINDy', language: 'shell' }, language_info: { name: 'shell' } };

function ipynb(cells: string[], metadata: Record<string, unknown> = WSINDY_METADATA): string {
  return JSON.stringify({
    cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [source] })),
    metadata,
    nbformat: 4,
    nbformat_minor: 5,
  });
}

async function openWithKernel(path: string): Promise<vscode.NotebookDocument> {
  await getApi();
  const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(path));
  await vscode.window.showNotebookDocument(nb);
  // VS Code 1.100's kernel picker command (its arguments select without the quick pick).
  const selected = await vscode.commands.executeCommand<boolean>('_notebook.selectKernel', { id: 'wsindy.kernel', extension: EXTENSION_ID });
  assert.equal(selected, true, 'the Weak-SINDy kernel could not be selected');
  return nb;
}

const items = (cell: vscode.NotebookCell): vscode.NotebookCellOutputItem[] => cell.outputs.flatMap((o) => o.items);
const text = (item: vscode.NotebookCellOutputItem): string => new TextDecoder().decode(item.data);

/** Run one cell through VS Code's command (the kernel picked above); resolves when the cell has run. */
async function run(nb: vscode.NotebookDocument, index: number): Promise<void> {
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: nb.uri });
}

/** Wait until the cell's execution has ended (an execution summary with a success flag). */
async function ended(nb: vscode.NotebookDocument, index: number, timeoutMs = 120_000): Promise<vscode.NotebookCell> {
  return waitFor(`cell ${index} to finish`, () => {
    const c = nb.cellAt(index);
    return c.executionSummary?.success !== undefined && c.executionSummary.timing?.endTime ? c : undefined;
  }, timeoutMs);
}

suite('notebook kernel', () => {
  test('compress cell: writes the model; output = model bundle (equations, plots) + text/plain; the saved .ipynb keeps both', async () => {
    const dir = tempFolder('nb');
    writeFileSync(join(dir, 'lorenz.csv'), lorenzCsv(2000));
    const path = join(dir, 'run.ipynb');
    writeFileSync(path, ipynb(['compress lorenz.csv --tolerance 1e-3', 'info lorenz.wsindy']));
    const nb = await openWithKernel(path);
    await run(nb, 0);
    const cell = await ended(nb, 0);
    assert.equal(cell.executionSummary?.success, true, JSON.stringify(items(cell).map(text)));
    assert.ok(existsSync(join(dir, 'lorenz.wsindy')), 'model not written');
    const model = items(cell).find((i) => i.mime === MIME);
    const plain = items(cell).find((i) => i.mime === 'text/plain');
    assert.ok(model && plain, `mimes: ${items(cell).map((i) => i.mime)}`);
    const d = JSON.parse(text(model)) as { file: string; view: { equations: { state: string; latex: string }[] }; plots?: { variables: unknown[] }; outcome: { kind: string } };
    assert.equal(d.file, 'lorenz.wsindy', 'paths in the output are relative to the notebook');
    assert.deepEqual(d.view.equations.map((e) => e.state), ['x', 'y', 'z']);
    assert.match(d.view.equations[0].latex, /\\dot\{x\} = -10(\.\d+)?\\,x \+ 10(\.\d+)?\\,y/);
    assert.equal(d.outcome.kind, 'sparse');
    assert.ok(d.plots && d.plots.variables.length === 3, 'no plot series in the bundle');
    assert.match(text(plain), /^lorenz\.wsindy: 3 variables × 2000 steps/);
    assert.match(text(plain), /x' = -10(\.\d+)? x \+ 10(\.\d+)? y/);

    // info on the written model: the same bundle.
    await run(nb, 1);
    const info = await ended(nb, 1);
    assert.equal(info.executionSummary?.success, true);
    assert.ok(items(info).some((i) => i.mime === MIME));

    assert.equal(nb.isDirty, true, 'running cells should have changed the notebook');
    assert.equal(await nb.save(), true, 'the notebook was not saved');
    // save() can resolve a moment before the file holds the new text (code-server's remote file
    // service): wait for the outputs to be on disk, then check them.
    type Saved = { cells: { outputs: { data?: Record<string, unknown> }[] }[] };
    const saved = await waitFor('the outputs saved in run.ipynb', () => {
      const s = JSON.parse(readFileSync(path, 'utf8')) as Saved;
      return s.cells[0].outputs.length > 0 ? s : undefined;
    }, 20_000);
    const out = saved.cells[0].outputs[0]?.data ?? {};
    assert.ok(out[MIME] && typeof out[MIME] === 'object', `saved output mimes: ${Object.keys(out)}`);
    assert.deepEqual((out[MIME] as { view: { equations: { state: string }[] } }).view.equations.map((e) => e.state), ['x', 'y', 'z']);
    assert.ok(out['text/plain'], 'no text/plain in the saved output');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('selecting the kernel in a Python notebook writes its kernelspec: the saved .ipynb names Weak-SINDy', async () => {
    const dir = tempFolder('nb-spec');
    const path = join(dir, 'python.ipynb');
    writeFileSync(path, ipynb(['info missing.wsindy'], { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' }, authors: ['kept'] }));
    const nb = await openWithKernel(path);
    type Meta = { metadata?: { kernelspec?: { name?: string; display_name?: string }; language_info?: { name?: string }; authors?: string[] } };
    const meta = await waitFor('the kernelspec in the notebook metadata', () => {
      const m = (nb.metadata as Meta).metadata;
      return m?.kernelspec?.name === 'wsindy' ? m : undefined;
    }, 30_000);
    assert.equal(meta.kernelspec?.display_name, 'Weak-SINDy');
    assert.equal(meta.language_info?.name, 'shell');
    assert.deepEqual(meta.authors, ['kept'], 'other metadata was lost');
    assert.equal(await nb.save(), true, 'the notebook was not saved');
    const saved = await waitFor('the kernelspec saved in python.ipynb', () => {
      let j: { metadata: { kernelspec?: { name?: string } } };
      try {
        j = JSON.parse(readFileSync(path, 'utf8')) as typeof j;
      } catch {
        return undefined; // caught mid-write
      }
      return j.metadata.kernelspec?.name === 'wsindy' ? j : undefined;
    }, 30_000);
    assert.equal(saved.metadata.kernelspec?.name, 'wsindy');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a bad path: an error output with the one-line message, nothing written; an existing output needs --force', async () => {
    const dir = tempFolder('nb-bad');
    writeFileSync(join(dir, 'a.csv'), lorenzCsv(500));
    writeFileSync(join(dir, 'a.wsindy'), 'not yet a model');
    const path = join(dir, 'bad.ipynb');
    writeFileSync(path, ipynb(['compress missing.csv', 'compress a.csv', 'decompress a.csv']));
    const nb = await openWithKernel(path);
    const before = readdirSync(dir).sort();
    for (let i = 0; i < 3; i++) await run(nb, i);
    const msgs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await ended(nb, i);
      assert.equal(c.executionSummary?.success, false, `cell ${i} succeeded`);
      const err = items(c).find((x) => x.mime === 'application/vnd.code.notebook.error');
      assert.ok(err, `cell ${i}: no error output (${items(c).map((x) => x.mime)})`);
      const e = JSON.parse(text(err)) as { name: string; message: string; stack?: string };
      assert.equal(e.name, 'wsindy');
      assert.ok(!e.message.includes('\n') && !e.stack, `not one line: ${JSON.stringify(e)}`);
      msgs.push(e.message);
    }
    assert.match(msgs[0], /missing\.csv/);
    assert.equal(msgs[1], 'a.wsindy exists; pass --force to overwrite it');
    assert.match(msgs[2], /unknown command 'decompress'/);
    assert.deepEqual(readdirSync(dir).sort(), before, 'files changed');
    assert.equal(readFileSync(join(dir, 'a.wsindy'), 'utf8'), 'not yet a model');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('interrupting a long compress cell cancels the job: no model, no temp file, the cell says so', async () => {
    const dir = tempFolder('nb-int');
    writeFileSync(join(dir, 'long.csv'), lorenzCsv(200_000));
    const path = join(dir, 'long.ipynb');
    writeFileSync(path, ipynb(['compress long.csv --tolerance 1e-5 --streaming']));
    const nb = await openWithKernel(path);
    // notebook.cell.execute resolves when the cell has run: not awaited here.
    const running = run(nb, 0);
    // Progress shows in the cell while the worker runs.
    const progress = await waitFor('progress in the cell', () => items(nb.cellAt(0)).map(text).find((t) => /^compress long\.csv: .+ \d+%$/.test(t)), 60_000);
    assert.ok(progress);
    await vscode.commands.executeCommand('notebook.cell.cancelExecution', { ranges: [{ start: 0, end: 1 }], document: nb.uri });
    await running;
    const c = await ended(nb, 0, 60_000);
    assert.equal(c.executionSummary?.success, false);
    assert.deepEqual(items(c).map(text), ['Interrupted: nothing was written.']);
    assert.deepEqual(readdirSync(dir).sort(), ['long.csv', 'long.ipynb']);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
