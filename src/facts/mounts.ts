// Mount table: where else a directory is visible (bind mounts), and which mount points lie
// below a path (rm -r crosses into them unless --one-file-system).
import fs from 'node:fs';
import path from 'node:path';
import { isStrictlyUnder, isUnder, statId } from './paths.js';

export interface Mount {
  /** major:minor of the file system. */
  dev: string;
  /** The directory of that file system shown at the mount point. */
  root: string;
  /** Where it is mounted (canonical in this mount namespace). */
  mountPoint: string;
  fsType: string;
  /** The mount source (a device path, `server:/export`, a name), for umount SOURCE. */
  source?: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parse /proc/self/mountinfo (pure). */
export function parseMountInfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f.length < 7 || sep < 0) continue;
    mounts.push({ dev: f[2]!, root: unescape(f[3]!), mountPoint: unescape(f[4]!), fsType: f[sep + 1] ?? '', source: unescape(f[sep + 2] ?? '') });
  }
  return mounts;
}

export function readMounts(): Mount[] {
  try {
    return parseMountInfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

/** The mount a canonical path lives on: the longest mount point that is a prefix of it. */
function owningMount(p: string, mounts: Mount[]): Mount | null {
  let best: Mount | null = null;
  for (const m of mounts) if (isUnder(p, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  return best;
}

/**
 * Other paths through which canonical path `p` (or part of it) is visible: every other mount of
 * the same file system whose root contains `p` (p visible inside it) or lies inside `p` (a part of
 * p visible there). Pure given the mount table.
 */
export function aliasesOf(p: string, mounts: Mount[]): string[] {
  const own = owningMount(p, mounts);
  if (!own) return [];
  const rel = path.posix.join(own.root, path.posix.relative(own.mountPoint, p) || '.');
  const out = new Set<string>();
  for (const m of mounts) {
    if (m === own || m.dev !== own.dev) continue;
    if (isUnder(rel, m.root)) {
      const alias = path.posix.join(m.mountPoint, path.posix.relative(m.root, rel) || '.');
      if (alias !== p) out.add(alias);
    } else if (isStrictlyUnder(m.root, rel)) {
      out.add(m.mountPoint);
    }
  }
  return [...out];
}

/** Mount points strictly below canonical path `p`, with their dev:ino. */
export function mountsBelow(p: string, mounts: Mount[]): Array<{ path: string; id: string | null }> {
  const out: Array<{ path: string; id: string | null }> = [];
  for (const m of mounts) if (isStrictlyUnder(m.mountPoint, p)) out.push({ path: m.mountPoint, id: statId(m.mountPoint) });
  return out;
}
