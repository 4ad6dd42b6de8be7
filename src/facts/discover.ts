// Discovery: every data directory on the host, without being told (docs/design.md §1): running
// postmasters, Debian's /etc/postgresql, a bounded scan of roots (scan.ts), and the config's list.
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterFacts } from './types.js';
import type { Postmaster } from './proc.js';
import { settingFromConf } from './pgconf.js';
import { scanRoots, type ScanLimits, type Unscanned } from './scan.js';

// The look inside a command's own trees is part of discovery (src/facts/gather.ts).
export { probeSubtrees } from './scan.js';

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

/** Absolute paths whose whole subtree a command walks (recursive removals, restore targets). */
export function subtreeTargets(ops: ReadonlyArray<{ type: string; paths?: string[]; recursive?: boolean; dests?: ReadonlyArray<{ kind: string; path?: string }> }>, cwd: string): string[] {
  const out: string[] = [];
  for (const op of ops) {
    // A recursive removal, or a recursive write (rsync --delete, mv of a tree, cp -r over one).
    if ((op.type === 'remove' || op.type === 'write') && op.recursive && op.paths) for (const p of op.paths) out.push(path.posix.resolve(cwd, p));
    if (op.type === 'write-into' && op.dests) for (const d of op.dests) if (d.kind === 'path' && d.path) out.push(path.posix.resolve(cwd, d.path));
  }
  return out;
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
export function discoverCandidates(input: DiscoverInput): { candidates: Candidate[]; problems: string[]; unscanned: Unscanned[] } {
  const candidates: Candidate[] = [];
  const problems: string[] = [];
  for (const pm of input.postmasters) if (pm.dataDir) candidates.push({ path: pm.dataDir, by: 'proc' });
  for (const root of input.debianConfRoots) candidates.push(...debianClusters(root));
  for (const c of input.configured) candidates.push({ path: c, by: 'config' });
  const scan = scanRoots(input.roots, input.limits);
  for (const f of scan.found) candidates.push({ path: f, by: 'scan' });
  if (scan.unscanned.length) problems.push(`the scan of ${input.roots.join(', ')} did not look everywhere (${scan.unscanned.length} subtree(s) unscanned, e.g. ${scan.unscanned[0]?.path ?? '?'}: ${scan.unscanned[0]?.why ?? 'limit'}): recursive removals there ask; list data directories in the config's discovery.clusters`);
  for (const w of input.watcher) candidates.push({ path: w, by: 'watcher' });
  return { candidates, problems, unscanned: scan.unscanned };
}
