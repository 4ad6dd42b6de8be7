// Path identity: canonical paths and dev:ino, so that `..`, `//`, trailing slashes, symlinks and
// bind mounts all lead to the same place. Every comparison the guard makes goes through here.
import fs from 'node:fs';
import path from 'node:path';

/** `dev:ino` of a stat, or null if it cannot be stat'ed. */
function idOf(st: (p: string, o: { bigint: true }) => fs.BigIntStats, p: string): string | null {
  try {
    const s = st(p, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/** `dev:ino` of what `p` reaches (symlinks followed), or null if it cannot be stat'ed. */
export function statId(p: string): string | null {
  return idOf(fs.statSync, p);
}

/** `dev:ino` of `p` itself (a symlink is not followed). */
export function lstatId(p: string): string | null {
  return idOf(fs.lstatSync, p);
}

/** Is `p` equal to `dir` or below it? Both canonical absolute paths. */
export function isUnder(p: string, dir: string): boolean {
  if (dir === '/') return p.startsWith('/');
  return p === dir || p.startsWith(dir + '/');
}

/** Is `p` strictly below `dir`? */
export function isStrictlyUnder(p: string, dir: string): boolean {
  return p !== dir && isUnder(p, dir);
}

/** The string the kernel would resolve: `arg` taken relative to `cwd`, not normalised. */
export function rawPath(arg: string, cwd: string): string {
  if (arg.startsWith('/')) return arg;
  return (cwd.endsWith('/') ? cwd : cwd + '/') + arg;
}

/**
 * Canonical path of `raw` as the kernel resolves it: symlinks followed, `..` applied after
 * symlinks (realpath(3) semantics, unlike path.resolve). A non-existent tail is appended
 * lexically to the canonical longest existing prefix.
 */
export function canonical(raw: string): { real: string; exists: boolean } {
  try {
    return { real: fs.realpathSync.native(raw), exists: true };
  } catch {
    // fall through: find the longest prefix that exists
  }
  const parts = raw.split('/');
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join('/') || '/';
    try {
      const base = fs.realpathSync.native(prefix);
      const rest = parts.slice(i).join('/');
      return { real: path.posix.resolve(base, rest), exists: false };
    } catch {
      continue;
    }
  }
  return { real: path.posix.resolve('/', raw), exists: false };
}

/** `dev:ino` of `p` and of each ancestor up to `/` (p canonical). Missing parts are skipped. */
export function idChain(p: string): string[] {
  const ids: string[] = [];
  let cur = p;
  for (;;) {
    const id = statId(cur);
    if (id) ids.push(id);
    if (cur === '/') break;
    cur = path.posix.dirname(cur);
  }
  return ids;
}

/** Read a directory's entry count cheaply: 0, 1+, or null when unreadable / not a directory. */
export function hasEntries(dir: string): boolean | null {
  let d: fs.Dir | null = null;
  try {
    d = fs.opendirSync(dir);
    return d.readSync() !== null;
  } catch {
    return null;
  } finally {
    try {
      d?.closeSync();
    } catch {
      /* already closed */
    }
  }
}

/** A file's existence as a tri-state: a permission error is "unknown", never "absent". */
export function exists(p: string): boolean | 'unknown' {
  try {
    fs.lstatSync(p);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? false : 'unknown';
  }
}
