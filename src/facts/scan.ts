// Bounded walks looking for data directories (a directory holding PG_VERSION): the fair scan of
// discovery's roots, and the look inside the trees a recursive command will walk. What a walk
// did not finish is returned as `unscanned`: a cluster may hide there, and the command asks.
import fs from 'node:fs';
import path from 'node:path';

/** Directory names never worth descending into while looking for data dirs. */
const SKIP = new Set(['pg_wal', 'pg_xlog', 'base', 'global', 'pg_xact', 'pg_multixact', 'pg_tblspc', 'node_modules', '.git', 'lost+found', 'proc', 'sys']);

export interface ScanLimits {
  maxDepth: number;
  /** At most this many directories listed in all (a host with a huge /srv must not stall rm). */
  maxDirs: number;
  /** At most this many entries read from one directory. */
  maxEntries: number;
}

/** A subtree discovery did not finish looking at: a cluster may hide there (docs/host-trust.md). */
export interface Unscanned {
  path: string;
  why: string;
}

/** At most this many unscanned subtrees are kept (a flood collapses to common ancestors). */
export const MAX_UNSCANNED = 64;

/** Collapse a long list of unscanned subtrees to their ancestors until it is short. */
export function collapseUnscanned(list: Unscanned[], max = MAX_UNSCANNED): Unscanned[] {
  let cur = dedupeUnscanned(list);
  while (cur.length > max) {
    const deepest = Math.max(...cur.map((u) => u.path.split('/').length));
    const next = cur.map((u) => (u.path.split('/').length === deepest && u.path !== '/' ? { path: path.posix.dirname(u.path), why: u.why } : u));
    cur = dedupeUnscanned(next);
  }
  return cur;
}

/** Drop duplicates and entries under another entry. */
function dedupeUnscanned(list: Unscanned[]): Unscanned[] {
  const sorted = [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const out: Unscanned[] = [];
  for (const u of sorted) {
    const last = out[out.length - 1];
    if (last && (u.path === last.path || u.path.startsWith(last.path === '/' ? '/' : last.path + '/'))) continue;
    out.push(u);
  }
  return out;
}

/** Owner uid of a directory entry (lstat: never follows a link), or -1. */
function ownerOf(p: string): number {
  try {
    return fs.lstatSync(p).uid;
  } catch {
    return -1;
  }
}

/**
 * Bounded scan of `roots` for directories holding PG_VERSION (not descending into them).
 *
 * Breadth-first, but fair between owners: every directory waits in the queue of its owner, and
 * the queues take turns. A user who makes thousands of directories under a root only spends their
 * own turns: directories of root, of postgres and of every other user are still listed. What the
 * scan did not get to (its limit, its depth, a directory it could not open or read to the end) is
 * returned as `unscanned`: recursive removals and restores there ask (policy/decide.ts).
 */
export function scanRoots(roots: string[], limits: ScanLimits): { found: string[]; truncated: boolean; unscanned: Unscanned[] } {
  const found: string[] = [];
  const unscanned: Unscanned[] = [];
  let listed = 0;
  let truncated = false;
  // Per owner uid, one FIFO per parent directory; owners take turns, and within an owner its
  // parents take turns (round robin at both levels): one directory with thousands of entries
  // only delays its own entries.
  type Group = { items: Array<[string, number]>; head: number };
  const owners = new Map<number, { groups: Group[]; next: number }>();
  const pushGroup = (uid: number, items: Array<[string, number]>) => {
    let o = owners.get(uid);
    if (!o) {
      o = { groups: [], next: 0 };
      owners.set(uid, o);
    }
    o.groups.push({ items, head: 0 });
  };
  const pushChildren = (entries: Array<[string, number]>) => {
    const byOwner = new Map<number, Array<[string, number]>>();
    for (const e of entries) {
      const uid = ownerOf(e[0]);
      let l = byOwner.get(uid);
      if (!l) byOwner.set(uid, (l = []));
      l.push(e);
    }
    for (const [uid, l] of byOwner) pushGroup(uid, l);
  };
  /** The next directory of this owner, or null when it has none left. */
  const take = (o: { groups: Group[]; next: number }): [string, number] | null => {
    while (o.groups.length) {
      if (o.next >= o.groups.length) o.next = 0;
      const g = o.groups[o.next]!;
      if (g.head >= g.items.length) {
        o.groups.splice(o.next, 1);
        continue;
      }
      o.next++;
      return g.items[g.head++]!;
    }
    return null;
  };
  pushChildren(roots.map((r) => [r, 0] as [string, number]));
  const remaining = () => [...owners.values()].flatMap((o) => o.groups.flatMap((g) => g.items.slice(g.head)));
  outer: for (;;) {
    let progressed = false;
    for (const o of owners.values()) {
      if (!o.groups.length) continue;
      if (listed >= limits.maxDirs) {
        truncated = true;
        break outer;
      }
      const item = take(o);
      if (!item) continue;
      progressed = true;
      const [dir, depth] = item;
      let d: fs.Dir;
      try {
        d = fs.opendirSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A root that does not exist, or an entry gone meanwhile, hides nothing.
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          truncated = true;
          unscanned.push({ path: dir, why: `cannot list it (${code ?? 'error'})` });
        }
        continue;
      }
      listed++;
      const subdirs: string[] = [];
      let isDataDir = false;
      let partial = false;
      try {
        for (let n = 0; ; n++) {
          if (n >= limits.maxEntries) {
            partial = true;
            break;
          }
          const ent = d.readSync();
          if (!ent) break;
          if (ent.name === 'PG_VERSION' && ent.isFile()) isDataDir = true;
          else if (ent.isDirectory() && !SKIP.has(ent.name) && !/^PG_\d+/.test(ent.name)) subdirs.push(path.join(dir, ent.name));
        }
      } catch (e) {
        partial = true;
        void e;
      } finally {
        d.closeSync();
      }
      if (isDataDir) {
        found.push(dir);
        continue;
      }
      if (partial) {
        truncated = true;
        unscanned.push({ path: dir, why: `it holds more than ${limits.maxEntries} entries` });
      }
      if (depth < limits.maxDepth) pushChildren(subdirs.map((s) => [s, depth + 1] as [string, number]));
      else if (subdirs.length) unscanned.push({ path: dir, why: `it is ${depth} levels below a scan root (discovery.maxDepth is ${limits.maxDepth})` });
    }
    if (!progressed) break;
  }
  if (truncated && listed >= limits.maxDirs) for (const [dir] of remaining()) unscanned.push({ path: dir, why: `the scan stopped at its limit (${limits.maxDirs} directories)` });
  return { found, truncated, unscanned: collapseUnscanned(unscanned) };
}

export interface SubtreeLimits {
  /** Entries read in all, over every target of one command. */
  maxEntries: number;
  /** Levels below each target. */
  maxDepth: number;
  /** Wall time for all targets together. */
  maxMs: number;
}

// 250,000 entries take ~110 ms on an idle 2-core machine (~0.45 us each, warm dentry cache): a
// 100k-file tree (a build tree, an old WAL archive) is looked through, not asked about. The time
// bound is for slow or cold filesystems (NFS, a spinning disk): past it the command asks.
export const SUBTREE_LIMITS: SubtreeLimits = { maxEntries: 250_000, maxDepth: 16, maxMs: 500 };

/**
 * Look for PG_VERSION inside the trees a recursive command will walk (its own targets), so that a
 * cluster no scan found is still seen. Bounded: where the bound is hit, the target is returned
 * as unscanned (the command then asks). Never follows a symbolic link (d_type, like rm -r).
 */
export function probeSubtrees(targets: string[], limits: SubtreeLimits = SUBTREE_LIMITS, clock: () => number = () => performance.now()): { found: string[]; unscanned: Unscanned[]; complete: string[] } {
  const found: string[] = [];
  const complete: string[] = [];
  const unscanned: Unscanned[] = [];
  const t0 = clock();
  let entries = 0;
  for (const target of [...new Set(targets)]) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(target);
    } catch (e) {
      // Nothing there hides nothing; a target it cannot even stat is not looked through.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') complete.push(target);
      else unscanned.push({ path: target, why: `cannot look at it (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    // A file or a symbolic link (rm -r removes the link, not what it points to) has no subtree.
    if (!st.isDirectory()) {
      complete.push(target);
      continue;
    }
    const stack: Array<[string, number]> = [[target, 0]];
    let why: string | null = null;
    while (stack.length && why === null) {
      const [dir, depth] = stack.pop()!;
      let d: fs.Dir;
      try {
        d = fs.opendirSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') why = `cannot list ${dir} (${code ?? 'error'})`;
        continue;
      }
      const subdirs: string[] = [];
      let isDataDir = false;
      try {
        for (;;) {
          const ent = d.readSync();
          if (!ent) break;
          if (++entries > limits.maxEntries) {
            why = `more than ${limits.maxEntries} entries to look through`;
            break;
          }
          if (ent.name === 'PG_VERSION' && ent.isFile()) isDataDir = true;
          else if (ent.isDirectory()) subdirs.push(path.join(dir, ent.name));
        }
      } catch (e) {
        why = `cannot read ${dir} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
      } finally {
        d.closeSync();
      }
      if (isDataDir) {
        found.push(dir);
        continue;
      }
      if (why !== null) break;
      if (subdirs.length && depth >= limits.maxDepth) why = `deeper than ${limits.maxDepth} levels`;
      else for (const s of subdirs) stack.push([s, depth + 1]);
      if (why === null && clock() - t0 > limits.maxMs) why = `looking through it took longer than ${limits.maxMs} ms`;
    }
    if (why !== null) unscanned.push({ path: target, why: `the look inside it for data directories stopped: ${why}` });
    else complete.push(target);
  }
  return { found, unscanned, complete };
}
