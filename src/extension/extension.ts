// Extension entry: the output channel, the worker client, the commands and the model view.
import * as vscode from 'vscode';
import { Log } from './log';
import { WorkerClient } from './workerClient';
import { Jobs, type CompressRunOptions, type JobOutcome, type JobRunOptions } from './jobs';
import { registerCommands } from './commands';
import { registerModelView } from './modelView/provider';
import { registerNotebookKernel } from './notebook/controller';
import { registerRendererMessaging } from './notebook/rendererMessaging';

/** What `activate` returns: the same jobs the commands run, without the file pickers. */
export interface WsindyApi {
  readonly client: WorkerClient;
  readonly jobs: Jobs;
  compress(csv: vscode.Uri, options?: CompressRunOptions): Promise<JobOutcome>;
  reconstruct(model: vscode.Uri, options?: JobRunOptions): Promise<JobOutcome>;
}

export function activate(context: vscode.ExtensionContext): WsindyApi {
  const log = new Log();
  const client = new WorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, (line) => log.info(line));
  const jobs = new Jobs(client, log);
  context.subscriptions.push(log, client, ...registerCommands(jobs));
  context.subscriptions.push(
    registerModelView(context, (modelPath, maxPoints) => client.viewData(modelPath, maxPoints), {
      log: (level, line) => (level === 'error' ? log.error(`[model view] ${line}`) : log.info(`[model view] ${line}`)),
    }),
  );
  // The notebook kernel (trusted workspaces only) and what the notebook renderer asks of the host.
  context.subscriptions.push(registerNotebookKernel(client, log), registerRendererMessaging(log));
  log.info(`Weak-SINDy ${String((context.extension.packageJSON as { version?: unknown }).version)} activated (VS Code ${vscode.version})`);
  return {
    client,
    jobs,
    compress: (csv, options) => jobs.compress(csv, options),
    reconstruct: (model, options) => jobs.reconstruct(model, options),
  };
}

export function deactivate(): void {
  // Workers are terminated by WorkerClient.dispose (a context subscription).
}
