// The three commands. Each resolves to one JobOutcome per file it worked on (used by the tests and
// by other commands); messages to the user are shown by Jobs.
import * as vscode from 'vscode';
import { hasExtension, type JobOutcome, type Jobs } from './jobs';
import { readCompressOptions } from './settings';
import { askCompressOptions } from './optionsInput';
import { DEFAULT_COMPRESS_OPTIONS, type CompressOptions } from '../core/options';

export const COMMANDS = {
  compress: 'wsindy.compress',
  compressWithOptions: 'wsindy.compressWithOptions',
  reconstruct: 'wsindy.reconstruct',
} as const;

export const MODEL_VIEW_TYPE = 'wsindy.modelView';

function isUri(v: unknown): v is vscode.Uri {
  return v instanceof vscode.Uri;
}

function defaultFolder(): vscode.Uri | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && (active.scheme === 'file' || active.scheme === 'vscode-remote')) return vscode.Uri.joinPath(active, '..');
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/**
 * The CSVs a compress command works on: the Explorer multi-selection (second argument), the clicked
 * file or the editor's file (first argument), else a file picker.
 */
async function csvTargets(arg: unknown, selection: unknown): Promise<vscode.Uri[]> {
  let uris: vscode.Uri[] = [];
  if (Array.isArray(selection) && selection.length > 0) uris = selection.filter(isUri);
  else if (isUri(arg)) uris = [arg];
  else {
    uris = (await vscode.window.showOpenDialog({
      title: 'Compress with Weak-SINDy',
      openLabel: 'Compress',
      canSelectMany: true,
      defaultUri: defaultFolder(),
      filters: { 'CSV files': ['csv', 'CSV'], 'All files': ['*'] },
    })) ?? [];
  }
  const others = uris.filter((u) => !hasExtension(u, '.csv'));
  if (others.length > 0 && others.length === uris.length) {
    void vscode.window.showWarningMessage(`Weak-SINDy compresses CSV files; ${others.map((u) => vscode.workspace.asRelativePath(u)).join(', ')} ${others.length === 1 ? 'is' : 'are'} not.`);
  }
  return uris.filter((u) => hasExtension(u, '.csv'));
}

/** The model to reconstruct: the clicked file, else the active model view, else a file picker. */
async function modelTarget(arg: unknown): Promise<vscode.Uri | undefined> {
  if (isUri(arg)) return arg;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom && input.viewType === MODEL_VIEW_TYPE) return input.uri;
  const picked = await vscode.window.showOpenDialog({
    title: 'Reconstruct CSV from a Weak-SINDy model',
    openLabel: 'Reconstruct',
    canSelectMany: false,
    defaultUri: defaultFolder(),
    filters: { 'Weak-SINDy models': ['wsindy'] },
  });
  return picked?.[0];
}

export function registerCommands(jobs: Jobs): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMANDS.compress, async (arg?: unknown, selection?: unknown): Promise<JobOutcome[]> => {
      const targets = await csvTargets(arg, selection);
      return Promise.all(targets.map((csv) => jobs.compress(csv)));
    }),
    vscode.commands.registerCommand(COMMANDS.compressWithOptions, async (arg?: unknown, selection?: unknown): Promise<JobOutcome[]> => {
      const targets = await csvTargets(arg, selection);
      if (targets.length === 0) return [];
      let current: CompressOptions;
      try {
        current = readCompressOptions(targets[0]);
      } catch {
        // An invalid setting: start from the defaults; the job reports the bad setting if it matters.
        current = DEFAULT_COMPRESS_OPTIONS;
      }
      const options = await askCompressOptions(current);
      if (!options) return [];
      return Promise.all(targets.map((csv) => jobs.compress(csv, { options })));
    }),
    vscode.commands.registerCommand(COMMANDS.reconstruct, async (arg?: unknown): Promise<JobOutcome[]> => {
      const model = await modelTarget(arg);
      if (!model) return [];
      if (!hasExtension(model, '.wsindy')) {
        void vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(model)} is not a .wsindy model.`);
        return [];
      }
      return [await jobs.reconstruct(model)];
    }),
  ];
}
