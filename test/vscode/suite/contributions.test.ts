// Activation, commands and their menu placement, the custom editor and the settings, read from the
// installed extension's package.json and checked against the live VS Code.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DEFAULT_COMPRESS_OPTIONS } from '../../../src/core/options';
import { EXTENSION_ID, getApi } from './helpers';

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Pkg {
  activationEvents?: string[];
  capabilities?: { untrustedWorkspaces?: { supported: unknown; description?: string }; virtualWorkspaces?: unknown };
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, MenuItem[]>;
    customEditors: { viewType: string; displayName: string; priority?: string; selector: { filenamePattern: string }[] }[];
    configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string; description?: string }> };
  };
}

function pkg(): Pkg {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension present');
  return ext.packageJSON as Pkg;
}

/** The regular expression of a `resourceExtname =~ /…/flags` clause. */
function extRegex(when: string | undefined): RegExp {
  const m = /resourceExtname =~ \/(.+?)\/([a-z]*)/.exec(when ?? '');
  assert.ok(m, `a resourceExtname regex in ${JSON.stringify(when)}`);
  return new RegExp(m[1], m[2]);
}

const TITLES: Record<string, string> = {
  'wsindy.compress': 'Compress with Weak-SINDy',
  'wsindy.compressWithOptions': 'Weak-SINDy: Compress with Options…',
  'wsindy.reconstruct': 'Weak-SINDy: Reconstruct CSV from Model',
};

suite('contributions', () => {
  test('activates and returns its API', async () => {
    const api = await getApi();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(typeof api.compress, 'function');
    assert.equal(typeof api.reconstruct, 'function');
    assert.deepEqual(api.client.running(), []);
  });

  test('activation events are specific (no "*")', () => {
    const events = pkg().activationEvents ?? [];
    assert.ok(!events.includes('*'));
    assert.ok(events.includes('onCustomEditor:wsindy.modelView'));
  });

  test('every declared command is registered, with its palette title', async () => {
    await getApi();
    const registered = new Set(await vscode.commands.getCommands(true));
    const declared = pkg().contributes.commands;
    assert.deepEqual(declared.map((c) => c.command).sort(), Object.keys(TITLES).sort());
    for (const c of declared) {
      assert.ok(registered.has(c.command), `${c.command} registered`);
      const shown = c.category ? `${c.category}: ${c.title}` : c.title;
      assert.equal(shown, TITLES[c.command]);
    }
  });

  test('compress is in the Explorer context menu of .csv files only (any case)', () => {
    const items = pkg().contributes.menus['explorer/context'];
    for (const id of ['wsindy.compress', 'wsindy.compressWithOptions']) {
      const item = items.find((i) => i.command === id);
      assert.ok(item, `${id} in explorer/context`);
      const re = extRegex(item.when);
      assert.ok(re.test('.csv') && re.test('.CSV') && re.test('.Csv'));
      assert.ok(!re.test('.wsindy') && !re.test('.csv.bak') && !re.test('.tsv'));
    }
  });

  test('reconstruct is in the Explorer context menu of .wsindy files only', () => {
    const item = pkg().contributes.menus['explorer/context'].find((i) => i.command === 'wsindy.reconstruct');
    assert.ok(item);
    const re = extRegex(item.when);
    assert.ok(re.test('.wsindy') && re.test('.WSINDY'));
    assert.ok(!re.test('.csv'));
  });

  test('editor title: compress for an open CSV, reconstruct in the model view', () => {
    const items = pkg().contributes.menus['editor/title'];
    const compress = items.find((i) => i.command === 'wsindy.compress');
    assert.ok(compress);
    assert.ok(extRegex(compress.when).test('.csv'));
    const reconstruct = items.find((i) => i.command === 'wsindy.reconstruct');
    assert.ok(reconstruct);
    assert.match(reconstruct.when ?? '', /activeCustomEditorId == wsindy\.modelView/);
  });

  test('all three commands are in the command palette', () => {
    const items = pkg().contributes.menus.commandPalette;
    for (const id of Object.keys(TITLES)) {
      const item = items.find((i) => i.command === id);
      assert.ok(item, `${id} in commandPalette`);
      assert.ok(item.when === undefined || item.when === 'true', `${id} always shown`);
    }
  });

  test('custom editor wsindy.modelView for *.wsindy, default priority', () => {
    const eds = pkg().contributes.customEditors;
    const ed = eds.find((e) => e.viewType === 'wsindy.modelView');
    assert.ok(ed);
    assert.equal(ed.displayName, 'Weak-SINDy Model');
    assert.ok(ed.priority === undefined || ed.priority === 'default');
    assert.deepEqual(ed.selector, [{ filenamePattern: '*.wsindy' }]);
  });

  test('settings defaults equal the engine defaults and every setting is documented', () => {
    const props = pkg().contributes.configuration.properties;
    const cfg = vscode.workspace.getConfiguration('wsindy');
    const expect: Record<string, unknown> = {
      mode: DEFAULT_COMPRESS_OPTIONS.mode,
      tolerance: DEFAULT_COMPRESS_OPTIONS.tolerance,
      degree: DEFAULT_COMPRESS_OPTIONS.degree,
      trig: DEFAULT_COMPRESS_OPTIONS.trig,
      threshold: DEFAULT_COMPRESS_OPTIONS.threshold,
      rank: DEFAULT_COMPRESS_OPTIONS.rank,
      energy: DEFAULT_COMPRESS_OPTIONS.energy,
      layout: DEFAULT_COMPRESS_OPTIONS.layout,
      absError: null,
      dt: null,
      timeColumn: '',
      commentPrefix: '',
      decimal: DEFAULT_COMPRESS_OPTIONS.decimal,
    };
    for (const [k, v] of Object.entries(expect)) assert.deepEqual(cfg.inspect(k)?.defaultValue, v, `wsindy.${k}`);
    for (const k of ['maxFileSizeMB', 'significantDigits', 'plotPoints', 'worker.maxMemoryMB', 'worker.timeoutMinutes']) assert.ok(cfg.inspect(k)?.defaultValue !== undefined, `wsindy.${k} declared`);
    for (const [k, p] of Object.entries(props)) assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, `${k} documented`);
  });

  test('workspace trust and virtual workspaces are declared', () => {
    const caps = pkg().capabilities;
    assert.ok(caps?.untrustedWorkspaces);
    assert.ok(['limited', false].includes(caps.untrustedWorkspaces.supported as string | boolean));
    assert.ok((caps.untrustedWorkspaces.description ?? '').length > 20);
    const v = caps.virtualWorkspaces;
    assert.ok(v === false || (typeof v === 'object' && v !== null && (v as { supported?: unknown }).supported === false));
  });
});
