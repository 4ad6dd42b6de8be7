// Discovery: every data directory on the host, without being told (SPEC §1): running
// postmasters, Debian's /etc/postgresql, a bounded scan of roots, and the config's list.
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterFacts } from './types.js';
import type { Postmaster } from './proc.js';
import { settingFromConf } from './pgconf.js';

export type DiscoveredBy = ClusterFacts['discoveredBy'][number];

export interface Candidate {
  /** As found (not yet canonical). */
  path: string;
  by: DiscoveredBy;
  debian?: { version: string; name: string; confDir: string };
}

/** Debian postgresql-common clusters: /etc/postgresql/<ver>/<name>/postgresql.conf. */
export function debianClusters(confRoot = '/etc/postgresql'): Candidate[] {
  const out: Candidate[] = [];
  let versions: string[];
  try {
    versions = fs.readdirSync(confRoot);
  } catch {
    return out;
  }
  for (const version of versions) {
    if (!/^\d+(\.\d+)?$/.test(version)) continue;
    let names: string[];
    try {
      names = fs.readdirSync(path.join(confRoot, version));
    } catch {
      continue;
    }
    for (const name of names) {
      const confDir = path.join(confRoot, version, name);
      let text: string;
      try {
        text = fs.readFileSync(path.join(confDir, 'postgresql.conf'), 'utf8');
      } catch {
        continue;
      }
      // Only data_directory is needed here: a targeted search, not a parse of ~800 lines of comments.
      const dataDir = settingFromConf(text, 'data_directory') || `/var/lib/postgresql/${version}/${name}`;
      out.push({ path: dataDir, by: 'debian', debian: { version, name, confDir } });
    }
  }
  return out;
}

/** Directory names never worth descending into while looking for data dirs. */
const SKIP = new Set(['pg_wal', 'pg_xlog', 'base', 'global', 'pg_xact', 'pg_multixact', 'pg_tblspc', 'node_modules', '.git', 'lost+found', 'proc', 'sys']);

export interface ScanLimits {
  maxDepth: number;
  /** At most this many directories listed in all (a host with a huge /srv must not stall rm). */
  maxDirs: number;
  /** At most this many entries read from one directory. */
  maxEntries: number;
}

/** Bounded breadth-first scan of `roots` for directories holding PG_VERSION (not descending into them). */
export function scanRoots(roots: string[], limits: ScanLimits): { found: string[]; truncated: boolean } {
  const found: string[] = [];
  let listed = 0;
  let truncated = false;
  const queue: Array<[string, number]> = roots.map((r) => [r, 0]);
  while (queue.length) {
    const [dir, depth] = queue.shift()!;
    if (listed >= limits.maxDirs) {
      truncated = true;
      break;
    }
    let d: fs.Dir;
    try {
      d = fs.opendirSync(dir);
    } catch {
      continue;
    }
    listed++;
    const subdirs: string[] = [];
    let isDataDir = false;
    try {
      for (let n = 0; n < limits.maxEntries; n++) {
        const ent = d.readSync();
        if (!ent) break;
        if (ent.name === 'PG_VERSION' && ent.isFile()) isDataDir = true;
        else if (ent.isDirectory() && !SKIP.has(ent.name) && !/^PG_\d+/.test(ent.name)) subdirs.push(path.join(dir, ent.name));
        if (n === limits.maxEntries - 1) truncated = true;
      }
    } finally {
      d.closeSync();
    }
    if (isDataDir) found.push(dir);
    else if (depth < limits.maxDepth) for (const s of subdirs) queue.push([s, depth + 1]);
  }
  return { found, truncated };
}

/** Data dirs recorded by a running watcher (a hint only: every one is re-read live). */
export function watcherClusters(stateDir: string | null, maxAgeSeconds: number, nowMs: number): string[] {
  if (!stateDir) return [];
  try {
    const st = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { heartbeat?: number; clusters?: Array<{ dataDir?: unknown }> };
    if (typeof st.heartbeat !== 'number' || nowMs / 1000 - st.heartbeat > maxAgeSeconds) return [];
    return (st.clusters ?? []).map((c) => c.dataDir).filter((d): d is string => typeof d === 'string' && d.startsWith('/'));
  } catch {
    return [];
  }
}

export interface DiscoverInput {
  postmasters: Postmaster[];
  roots: string[];
  configured: string[];
  limits: ScanLimits;
  debianConfRoots: string[];
  watcher: string[];
}

/** Every candidate data dir, with how it was found (duplicates resolved later by dev:ino). */
export function discoverCandidates(input: DiscoverInput): { candidates: Candidate[]; problems: string[] } {
  const candidates: Candidate[] = [];
  const problems: string[] = [];
  for (const pm of input.postmasters) if (pm.dataDir) candidates.push({ path: pm.dataDir, by: 'proc' });
  for (const root of input.debianConfRoots) candidates.push(...debianClusters(root));
  for (const c of input.configured) candidates.push({ path: c, by: 'config' });
  const scan = scanRoots(input.roots, input.limits);
  for (const f of scan.found) candidates.push({ path: f, by: 'scan' });
  if (scan.truncated) problems.push(`the scan of ${input.roots.join(', ')} stopped at its limit (${input.limits.maxDirs} directories): list data directories in the config's discovery.clusters`);
  for (const w of input.watcher) candidates.push({ path: w, by: 'watcher' });
  return { candidates, problems };
}
