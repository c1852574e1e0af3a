// Which files are the shards: a folder (its *.csv files) or a glob in the last path part (`data/day-*.csv`),
// ordered by name with numbers compared as numbers (part-2 before part-10), as people number their files.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OptionError } from '../errors';

// made on first use: ICU's collator costs ≈ 9 ms at start-up of every CLI command (measured with --cpu-prof)
let collator: Intl.Collator | null = null;

export function compareShardNames(a: string, b: string): number {
  collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export async function listShards(spec: string): Promise<string[]> {
  let dir: string;
  let match: (name: string) => boolean;
  const st = await stat(spec).catch(() => null);
  if (st?.isDirectory()) {
    dir = spec;
    match = (name) => name.toLowerCase().endsWith('.csv');
  } else {
    dir = dirname(spec);
    const pattern = basename(spec);
    if (/[*?]/.test(dir)) throw new OptionError(`${spec}: wildcards only in the file name, not in the folder`);
    if (!/[*?]/.test(pattern)) throw new OptionError(`${spec}: not a folder, and no * or ? to match shard files`);
    const re = globToRegExp(pattern);
    match = (name) => re.test(name);
  }
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new OptionError(`${dir}: ${e.code === 'ENOENT' ? 'no such folder' : e.message}`);
  });
  // files, and links to files (shards are often linked into a run's folder)
  const isFile = async (e: (typeof entries)[number]): Promise<boolean> => e.isFile() || (e.isSymbolicLink() && Boolean((await stat(join(dir, e.name)).catch(() => null))?.isFile()));
  const kept = await Promise.all(entries.map(async (e) => (match(e.name) && (await isFile(e)) ? e.name : null)));
  const names = kept.filter((n): n is string => n !== null).sort(compareShardNames);
  if (names.length === 0) throw new OptionError(`${spec}: no shard files found`);
  return names.map((n) => join(dir, n));
}
