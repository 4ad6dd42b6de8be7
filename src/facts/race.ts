// Paths another user can swap (docs/races.md): between safeops' decision and rm's walk, whoever
// can rename an entry in a directory on the path can replace it with a symlink to a data
// directory. GNU rm walks below its operand with openat(O_NOFOLLOW), so only the lookups of the
// operand's own components (and of symlinks met on the way) can be raced. This finds the first
// directory on that walk that someone other than root and the invoking user can change.
import fs from 'node:fs';
import path from 'node:path';
import { userName } from './users.js';

export interface Trust {
  /** Users whose directories are trusted: root and the invoking user. */
  uids: number[];
  /** Groups whose write permission is trusted: root's and the invoking user's primary group. */
  gids: number[];
}

/** Why the directory `dir` lets someone else rename `name` in it, or null. */
function dirRisk(dir: string, name: string, trust: Trust): string | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return null; // not there: the tool will not get past it either
  }
  const who = (uid: number) => userName(uid) ?? `uid ${uid}`;
  if (!trust.uids.includes(st.uid)) return `${dir} belongs to ${who(st.uid)}`;
  const groupW = (st.mode & 0o020) !== 0 && !trust.gids.includes(st.gid);
  const otherW = (st.mode & 0o002) !== 0;
  if (!groupW && !otherW) return null;
  // Sticky: only the entry's owner (and the directory's, and root) may rename or delete it.
  if ((st.mode & 0o1000) !== 0) {
    try {
      const e = fs.lstatSync(path.join(dir, name));
      return trust.uids.includes(e.uid) ? null : `${path.join(dir, name)} belongs to ${who(e.uid)} in the sticky directory ${dir}`;
    } catch {
      // Absent: anyone who may write there can create it in time.
      return `${path.join(dir, name)} does not exist yet and ${dir} is writable by ${otherW ? 'everyone' : `group ${st.gid}`}`;
    }
  }
  return `${dir} is writable by ${otherW ? 'everyone' : `group ${st.gid}`}`;
}

/**
 * Walk `raw` (absolute, as the tool gets it) the way the kernel does, symlinks included; the
 * first lookup another user could race, in words, or null. `followFinal`: a trailing slash,
 * `.` or `..` makes the last component followed too.
 */
export function swappableOn(raw: string, trust: Trust, memo: Map<string, string | null> = new Map()): string | null {
  const followFinal = raw.endsWith('/') || /(^|\/)\.\.?$/.test(raw);
  const queue = raw.split('/').filter((c) => c !== '');
  let cur = '/';
  let hops = 0;
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      cur = path.posix.dirname(cur);
      continue;
    }
    const key = `${cur}\0${name}`;
    let risk = memo.get(key);
    if (risk === undefined) {
      risk = dirRisk(cur, name, trust);
      memo.set(key, risk);
    }
    if (risk !== null) return risk;
    const next = path.posix.join(cur, name);
    let link: string | null = null;
    try {
      if (fs.lstatSync(next).isSymbolicLink()) link = fs.readlinkSync(next);
    } catch {
      return null; // the rest does not exist: nothing to race below a directory no one else controls
    }
    if (link !== null && (queue.length > 0 || followFinal)) {
      if (++hops > 40) return `too many symbolic links on ${raw}`;
      queue.unshift(...link.split('/').filter((c) => c !== ''));
      if (link.startsWith('/')) cur = '/';
      continue;
    }
    cur = next;
  }
  return null;
}

/**
 * Root, the invoking user (and their primary group), and the owner of the host's clusters when
 * they all have one owner: that user can destroy the data directly, so a swap by them gains
 * nothing, and root's `rm -r` under /var/lib/postgresql stays unasked. With clusters of several
 * owners, none of them is trusted (one could point root at another's cluster).
 */
export function trustFor(uid: number, gid: number, clusters: Array<{ owner: { uid: number } | null }>): Trust {
  const owners = new Set(clusters.map((c) => c.owner?.uid).filter((u): u is number => u !== undefined));
  return { uids: [...new Set([0, uid, ...(owners.size === 1 ? owners : [])])], gids: [...new Set([0, gid])] };
}
