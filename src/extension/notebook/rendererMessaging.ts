// What the notebook renderer asks of the extension: copy a text to the clipboard, save a plot where the
// user chooses (starting in the notebook's folder), log a page error. Everything is validated first.
import * as vscode from 'vscode';
import { parseRendererMessage, plotBytes } from '../modelView/messages';
import type { Log } from '../log';

export const RENDERER_ID = 'wsindy.modelRenderer';

export function registerRendererMessaging(log: Log): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  const sub = messaging.onDidReceiveMessage(async ({ editor, message }) => {
    const parsed = parseRendererMessage(message);
    if (!parsed.ok) {
      log.error(`[notebook renderer] ignored a malformed message (${parsed.reason})`);
      return;
    }
    const m = parsed.message;
    try {
      if (m.type === 'copy') {
        await vscode.env.clipboard.writeText(m.text);
        void messaging.postMessage({ type: 'notice', text: `Copied the equations as ${{ latex: 'LaTeX', text: 'plain text', python: 'Python' }[m.format]}.` }, editor);
      } else if (m.type === 'savePlot') {
        const stem = (m.model || 'model').replace(/\.wsindy$/i, '');
        const folder = vscode.Uri.joinPath(editor.notebook.uri, '..');
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(folder, `${stem}-${m.plot}.${m.format}`),
          filters: m.format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
          saveLabel: `Save ${m.format.toUpperCase()}`,
          title: `Save the ${m.plot} plot`,
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, plotBytes(m));
        void messaging.postMessage({ type: 'notice', text: `Saved ${target.path.slice(target.path.lastIndexOf('/') + 1)}.` }, editor);
      } else {
        (m.level === 'error' ? log.error.bind(log) : log.info.bind(log))(`[notebook renderer] ${m.text}`);
      }
    } catch (e) {
      log.error(`[notebook renderer] ${m.type} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return sub;
}
