// The "Weak-SINDy" output channel: job lifecycle, results, and the details of every failure.
import * as vscode from 'vscode';

export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor(name = 'Weak-SINDy') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  info(line: string): void {
    this.channel.info(line);
  }

  error(line: string): void {
    this.channel.error(line);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
