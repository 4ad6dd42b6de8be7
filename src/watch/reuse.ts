// The watcher's rediscovery reads every cluster again (every watch.rediscoverIntervalMs): the
// safety net for changes no file event reported. A stopped cluster read before is not read again
// when nothing it was read from changed: a stamp of its files (lstat: inode, size, mtime, ctime,
// mode, owner), of where its links lead, and of the mount table, taken *before* each read, is
// compared with the stamp taken before the last read. Reading 19 stopped copies (config files,
// pg_control, the footprint's ancestry) was most of a rediscovery's CPU (docs/watcher-flow.md).
//
// Sound in the way git's index is: a stamp is taken before the read it vouches for, so a change
// during the read shows at the next comparison; a stamp with a time within RACY_MS of the read is
// not kept (a coarse file-system clock could give a later change the same mtime); and a cluster is
// read in full at least every MAX_REUSE_MS whatever its stamp says. Only stopped clusters without
// problems are kept: anything running, doubtful or unreadable is read every time.
import fs from 'node:fs';
import path from 'node:path';
import type { Candidate } from '../facts/discover.js';
import type { Mount } from '../facts/mounts.js';
import { canonical, statId } from '../facts/paths.js';
import type { ClusterReuse } from '../facts/gather.js';
import type { ClusterFacts } from '../facts/types.js';

/** A cluster is read in full at least this often (a rediscovery every 30 s: every 10th). */
export const MAX_REUSE_MS = 5 * 60_000;
/** A stamp whose newest file time is this close to when it was taken is not trusted. */
export const RACY_MS = 2000;

/** What a data dir's facts are read from (the dir's own mtime covers the files that only exist or
 *  not: signal files, postmaster.pid, backup_label, promote). */
const STAMPED = ['.', 'global', 'global/pg_control', 'PG_VERSION', 'postgresql.conf', 'postgresql.auto.conf', 'recovery.conf', 'pg_tblspc', 'pg_wal', 'pg_xlog'];

interface Entry {
  stamp: string;
  facts: ClusterFacts;
  preferredName: string | null;
  readAt: number;
}

/** One file's stamp, and its newest time (ms), or why it has none. */
function statStamp(p: string): { text: string; newestMs: number } {
  try {
    const st = fs.lstatSync(p, { bigint: true });
    const newestMs = Number((st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs) / 1_000_000n);
    return { text: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}:${st.uid}:${st.gid}`, newestMs };
  } catch (e) {
    return { text: `!${(e as NodeJS.ErrnoException).code ?? 'error'}`, newestMs: 0 };
  }
}

/** Do the footprint's places lead where they led (links resolved again, the targets' identity)? */
function footprintHolds(c: ClusterFacts): boolean {
  for (const e of c.footprint) {
    const source =
      e.kind === 'data'
        ? c.dataDir
        : e.kind === 'wal'
          ? (['pg_wal', 'pg_xlog'].map((w) => path.join(c.dataDir, w)).find(isLink) ?? null)
          : e.kind === 'tablespace'
            ? (e.oid ? path.join(c.dataDir, 'pg_tblspc', e.oid) : null)
            : (c.debian?.confDir ?? null);
    if (source === null || canonical(source).real !== e.path || statId(e.path) !== e.id) return false;
  }
  return true;
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Can these facts be kept until the files change? */
export function reusable(c: ClusterFacts): boolean {
  return c.running === false && c.stalePidFile === false && c.problems.length === 0 && (c.footprintGaps?.length ?? 0) === 0 && c.pid === null;
}

/** The watcher's memory of stopped clusters between rediscoveries (one per gatherer). */
export function createClusterReuse(opts: { wallMs?: () => number; mono?: () => number } = {}) {
  const wallMs = opts.wallMs ?? Date.now;
  const mono = opts.mono ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  let mountsKey = '';
  let lastMounts: Mount[] | null = null;
  return {
    /** Start a gather that reads with `mounts` (the footprint's aliases come from it): its reuse. */
    begin(mounts: Mount[]): ClusterReuse {
      if (mounts !== lastMounts) {
        const key = JSON.stringify(mounts);
        if (key !== mountsKey) entries.clear(); // a mount changed: every alias may have
        mountsKey = key;
        lastMounts = mounts;
      }
      const pending = new Map<string, { stamp: string; racy: boolean }>();
      return {
        take(dataDir, debian) {
          const now = wallMs();
          let racy = false;
          const files = debian ? [...STAMPED.map((f) => path.join(dataDir, f)), debian.confDir, path.join(debian.confDir, 'postgresql.conf')] : STAMPED.map((f) => path.join(dataDir, f));
          const texts: string[] = [JSON.stringify(debian ?? null)];
          for (const f of files) {
            const s = statStamp(f);
            if (s.newestMs > now - RACY_MS) racy = true;
            texts.push(s.text);
          }
          const e = entries.get(dataDir);
          const stamp = texts.join('\n');
          if (e && e.stamp === stamp && mono() - e.readAt < MAX_REUSE_MS && footprintHolds(e.facts)) return { facts: e.facts, preferredName: e.preferredName };
          pending.set(dataDir, { stamp, racy });
          entries.delete(dataDir);
          return null;
        },
        fresh(c, preferredName) {
          const p = pending.get(c.dataDir);
          if (!p || p.racy || !reusable(c)) return;
          entries.set(c.dataDir, { stamp: p.stamp, facts: c, preferredName, readAt: mono() });
        },
      };
    },
    /** After a rediscovery: forget the clusters it no longer found. */
    retain(dataDirs: Iterable<string>): void {
      const keep = new Set(dataDirs);
      for (const d of entries.keys()) if (!keep.has(d)) entries.delete(d);
    },
    size: () => entries.size,
  };
}
