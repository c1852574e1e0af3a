// Opening a .wsindy file opens our custom editor (a TabInputCustom with our view type).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { join } from 'node:path';
import { getApi, lorenzCsv, tempFolder, waitFor, writeFile } from './helpers';

suite('model view', () => {
  test('opening a .wsindy gives a TabInputCustom with viewType wsindy.modelView', async () => {
    const api = await getApi();
    const dir = tempFolder('view');
    const csv = writeFile(join(dir, 'm.csv'), lorenzCsv(1000));
    const o = await api.compress(csv);
    assert.equal(o.status, 'done');
    assert.ok(o.status === 'done');
    await vscode.commands.executeCommand('vscode.open', o.output);
    const input = await waitFor('the model view tab', () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      return tab?.input instanceof vscode.TabInputCustom && tab.input.uri.fsPath === o.output.fsPath ? tab.input : undefined;
    }, 15_000);
    assert.equal(input.viewType, 'wsindy.modelView');
    // The palette command reconstructs the active model without asking for a file.
    const outcomes = await vscode.commands.executeCommand<{ status: string; output?: vscode.Uri }[]>('wsindy.reconstruct');
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].status, 'done');
    assert.equal(outcomes[0].output?.fsPath, join(dir, 'm.reconstructed.csv'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
