// A minimal stand-in for the 'vscode' module: just what the model view provider touches, recording
// every call, so the host side can be exercised without VS Code (test/webview/provider.mjs).
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

export const calls = [];
const noop = { dispose() {} };

export class Uri {
  constructor(scheme, path) {
    this.scheme = scheme;
    this.path = path;
  }
  static file(p) {
    return new Uri('file', posix.normalize(p));
  }
  static joinPath(u, ...parts) {
    return new Uri(u.scheme, posix.normalize(posix.join(u.path, ...parts)));
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}

export class RelativePattern {
  constructor(base, pattern) {
    this.base = base;
    this.pattern = pattern;
  }
}

export const fake = { saveTo: null, config: {} };

export const window = {
  registerCustomEditorProvider(viewType, provider, options) {
    calls.push({ fn: 'registerCustomEditorProvider', viewType, provider, options });
    return noop;
  },
  async showSaveDialog(options) {
    calls.push({ fn: 'showSaveDialog', options });
    return fake.saveTo;
  },
};

export const workspace = {
  fs: {
    async readFile(uri) {
      calls.push({ fn: 'readFile', path: uri.fsPath });
      return new Uint8Array(readFileSync(uri.fsPath));
    },
    async writeFile(uri, bytes) {
      calls.push({ fn: 'writeFile', path: uri.fsPath, bytes });
    },
  },
  getConfiguration() {
    return { get: (k, d) => (k in fake.config ? fake.config[k] : d) };
  },
  onDidChangeConfiguration() {
    return noop;
  },
  createFileSystemWatcher(pattern) {
    calls.push({ fn: 'createFileSystemWatcher', pattern });
    return { onDidChange: () => noop, onDidCreate: () => noop, dispose() {} };
  },
};

export const env = {
  clipboard: {
    async writeText(text) {
      calls.push({ fn: 'clipboard', text });
    },
  },
};

export const commands = {
  async executeCommand(...args) {
    calls.push({ fn: 'executeCommand', args });
  },
};
