// Does a target touch a place? (docs/design.md §2: inside its footprint, or an ancestor of it when the
// operation is recursive.) Pure: compares canonical paths and dev:ino chains resolved earlier.
import type { ResolvedOp, ResolvedPath } from '../command/types.js';
import type { ClusterFacts, FootprintEntry } from '../facts/types.js';

/** A place to protect: a footprint entry or a protected path from the config. */
export interface Place {
  path: string;
  id: string | null;
  chain: string[];
  aliases: string[];
}

function under(p: string, dir: string): boolean {
  if (dir === '/') return p.startsWith('/');
  return p === dir || p.startsWith(dir + '/');
}

/** True when `t` is inside `place`, or (recursive) contains it, through any path or bind mount. */
export function touchesPlace(t: ResolvedPath, place: Place, recursive: boolean): boolean {
  const views = [place.path, ...place.aliases];
  // Inside: the target (or, for a symlink, the link itself) lies in the place.
  if (views.some((v) => under(t.real, v) || under(t.self, v))) return true;
  if (place.id !== null && (t.chain.includes(place.id) || t.selfChain.includes(place.id))) return true;
  if (!recursive) return false;
  // Ancestor: the place lies below the target, by path, by identity, or through a mount below it.
  if (views.some((v) => under(v, t.real))) return true;
  if (t.id !== null && place.chain.includes(t.id)) return true;
  return t.mountsBelow.some((m) => views.some((v) => under(v, m.path)) || (m.id !== null && (m.id === place.id || place.chain.includes(m.id))));
}

/** The footprint entries of `c` that `t` touches. */
export function touchedEntries(t: ResolvedPath, c: ClusterFacts, recursive: boolean): FootprintEntry[] {
  return c.footprint.filter((f) => touchesPlace(t, f, recursive));
}

/** Data dirs of the clusters that a command's path targets (rm, restores) touch. */
export function touchedByPaths(ops: ResolvedOp[], clusters: ClusterFacts[]): string[] {
  const out = new Set<string>();
  for (const op of ops) {
    if (op.type !== 'remove' && op.type !== 'write-into' && op.type !== 'write' && op.type !== 'wal-fetch') continue;
    const recursive = op.type === 'write-into' || op.type === 'wal-fetch' || op.recursive;
    for (const t of op.targets) for (const c of clusters) if (touchedEntries(t, c, recursive).length) out.add(c.dataDir);
  }
  return [...out];
}
