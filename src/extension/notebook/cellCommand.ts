// A Weak-SINDy notebook cell is a CLI command line: `compress data.csv --tolerance 1e-4`,
// `reconstruct model.wsindy -o out.csv`, `info model.wsindy`. Parsed here with the CLI's flag names and
// the same flag list and option mapping (core/compressFlags), paths taken relative to the notebook's folder.
// No `vscode` import: unit-tested in Node.
import { parseArgs } from 'node:util';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { COMPRESS_FLAG_NAMES, COMPRESS_FLAGS, compressOptionsFromFlags } from '../../core/compressFlags';
import { OptionError } from '../../core/errors';
import type { CompressOptions } from '../../core/options';

export type CellCommand =
  | { kind: 'compress'; csvPath: string; outPath: string; options: CompressOptions; force: boolean }
  | { kind: 'reconstruct'; modelPath: string; outPath: string; force: boolean }
  | { kind: 'info'; modelPath: string; equations: boolean };

export const CELL_USAGE = [
  'A Weak-SINDy cell is one command line (paths relative to the notebook):',
  '  compress <file.csv> [-o model.wsindy] [--tolerance T | --abs-error E | --model-only] [--degree D] [--threshold T|auto]',
  '           [--rank R|auto] [--energy F] [--trig] [--force-model] [--layout auto|rows|columns] [--time-column NAME]',
  '           [--dt X] [--comment-prefix TEXT] [--decimal auto|.|,] [--streaming | --no-streaming] [--streaming-above-mb MB] [--force]',
  '  reconstruct <model.wsindy> [-o out.csv] [--force]',
  '  info <model.wsindy> [--equations]',
].join('\n');

/** Shell-like words: spaces separate, '…' and "…" quote, \ escapes the next character (outside '…'). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new OptionError(`unclosed ${quote} quote`);
  if (inWord) words.push(cur);
  return words;
}

/** The cell's command words: comment lines (#) and blank lines dropped, `\` continues a line, an optional `wsindy` / `!wsindy` first. */
export function cellWords(source: string): string[] {
  const text = source
    .split(/\r?\n/)
    .filter((l) => !/^\s*(#|$)/.test(l))
    .join('\n')
    .replace(/\\\r?\n/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length > 1) throw new OptionError('one command per cell (join long lines with a trailing \\)');
  const words = lines.length ? splitWords(lines[0]) : [];
  if (words[0] === 'wsindy' || words[0] === '!wsindy') words.shift();
  return words;
}

function inFolder(folder: string, p: string): string {
  return isAbsolute(p) ? p : resolve(folder, p);
}

/** Parse a cell; throws OptionError with a one-line message (as the CLI prints it). */
export function parseCell(source: string, folder: string): CellCommand {
  const words = cellWords(source);
  if (words.length === 0) throw new OptionError(`empty cell. ${CELL_USAGE.split('\n')[0]}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: words,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        ...COMPRESS_FLAGS,
        equations: { type: 'boolean' },
        force: { type: 'boolean', short: 'f' },
      },
    });
  } catch (e) {
    throw new OptionError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const [command, input, ...extra] = positionals;
  if (!['compress', 'reconstruct', 'info'].includes(command)) throw new OptionError(`unknown command '${command}' (compress, reconstruct or info)`);
  if (!input) throw new OptionError(`${command} needs a file`);
  if (extra.length > 0) throw new OptionError(`expected one input file after '${command}', got also ${extra.map((x) => `'${x}'`).join(' ')}`);
  const path = inFolder(folder, input);
  const force = Boolean(values.force);
  const onlyFor = (names: string[], cmd: string): void => {
    const given = names.filter((n) => (values as Record<string, unknown>)[n] !== undefined);
    if (given.length) throw new OptionError(`--${given[0]} does not apply to ${cmd}`);
  };
  const compressFlags: string[] = COMPRESS_FLAG_NAMES;
  switch (command) {
    case 'compress': {
      onlyFor(['equations'], 'compress');
      const options = compressOptionsFromFlags(values);
      const outPath = values.output ? inFolder(folder, values.output) : join(dirname(path), basename(path, extname(path)) + '.wsindy');
      return { kind: 'compress', csvPath: path, outPath, options, force };
    }
    case 'reconstruct': {
      onlyFor([...compressFlags, 'equations'], 'reconstruct');
      const outPath = values.output ? inFolder(folder, values.output) : join(dirname(path), basename(path, extname(path)) + '.reconstructed.csv');
      return { kind: 'reconstruct', modelPath: path, outPath, force };
    }
    default:
      onlyFor([...compressFlags, 'output', 'force'], 'info');
      return { kind: 'info', modelPath: path, equations: Boolean(values.equations) };
  }
}
