// Restricted Mode (run by test/vscode/run.mjs in a second code-server whose workspace is not trusted,
// with WSINDY_RESTRICTED=1; without it this file defines no test): the extension still activates and a
// saved model output still opens, but the Weak-SINDy notebook kernel is not offered (its cells read and
// write files the notebook names).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_ID, getApi, sleep, tempFolder } from './helpers';

if (process.env.WSINDY_RESTRICTED === '1') {
  suite('Restricted Mode', () => {
    test('untrusted workspace: the extension activates, the Weak-SINDy kernel cannot be selected', async () => {
      assert.equal(vscode.workspace.isTrusted, false, 'the workspace should be untrusted in this run');
      await getApi();
      const dir = tempFolder('restricted');
      const path = join(dir, 'r.ipynb');
      writeFileSync(path, JSON.stringify({
        cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['info m.wsindy'] }],
        metadata: { kernelspec: { name: 'wsindy', display_name: 'Weak-SINDy', language: 'shell' } },
        nbformat: 4,
        nbformat_minor: 5,
      }));
      const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(path));
      await vscode.window.showNotebookDocument(nb);
      assert.equal(vscode.window.activeNotebookEditor?.notebook.uri.toString(), nb.uri.toString(), 'the notebook is not the active editor');
      // Give a kernel the time to register (the trusted suite selects it at once with the same call).
      await sleep(2000);
      const selected = await vscode.commands.executeCommand<boolean>('_notebook.selectKernel', { id: 'wsindy.kernel', extension: EXTENSION_ID });
      assert.equal(selected, false, 'the Weak-SINDy kernel was offered in Restricted Mode');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });
  });
}
