// Shared helpers for the integration suite: the extension's API, temp folders inside the test
// workspace, generated CSVs (Lorenz system) and a small CSV parser for checking reconstructions.
import * as vscode from 'vscode';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WsindyApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'wsindy.weak-sindy-compression';

export async function getApi(): Promise<WsindyApi> {
  const ext = vscode.extensions.getExtension<WsindyApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext.activate();
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite needs a workspace folder (pass one to the runner)');
  return folder.uri.fsPath;
}

/** A fresh folder inside the workspace, so the Explorer and file events see it. */
export function tempFolder(tag: string): string {
  return mkdtempSync(join(workspaceRoot(), `${tag}-`));
}

/** Lorenz (σ=10, ρ=28, β=8/3) by RK4, sampled every dt, as `t,x,y,z` rows. */
export function lorenzCsv(m: number, dt = 0.01, start: [number, number, number] = [-8, 8, 27]): string {
  const f = (s: number[]): number[] => [10 * (s[1] - s[0]), s[0] * (28 - s[2]) - s[1], s[0] * s[1] - (8 / 3) * s[2]];
  const sub = 10;
  const h = dt / sub;
  let s = [...start];
  const lines = ['t,x,y,z'];
  for (let k = 0; k < m; k++) {
    lines.push(`${+(k * dt).toFixed(10)},${s[0].toPrecision(12)},${s[1].toPrecision(12)},${s[2].toPrecision(12)}`);
    for (let j = 0; j < sub; j++) {
      const k1 = f(s);
      const k2 = f(s.map((v, i) => v + (h / 2) * k1[i]));
      const k3 = f(s.map((v, i) => v + (h / 2) * k2[i]));
      const k4 = f(s.map((v, i) => v + h * k3[i]));
      s = s.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
    }
  }
  return lines.join('\n') + '\n';
}

export function writeFile(path: string, text: string): vscode.Uri {
  writeFileSync(path, text);
  return vscode.Uri.file(path);
}

export interface Csv {
  header: string[];
  rows: number[][];
}

export function parseCsv(text: string): Csv {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',').map((s) => s.trim());
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return { header, rows };
}

export function readCsv(path: string): Csv {
  return parseCsv(readFileSync(path, 'utf8'));
}

/** Files in `dir` that look like an interrupted atomic write. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => /\.tmp-/.test(n));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `cond` holds (or throw after timeoutMs). */
export async function waitFor<T>(what: string, cond: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
