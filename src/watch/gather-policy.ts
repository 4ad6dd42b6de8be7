// What the watcher's gatherer reads, and when (pure: no I/O, times passed in). The gatherer
// (src/watch/gatherer.ts) does the reading; every choice it makes is one of these functions:
// which clusters a gather reads and which it carries over, which need SQL, when the periodic SQL
// poll must read the files after all, when the kept /proc snapshot is too old, and which
// processes are looked at again for a postmaster that has just started. docs/watcher-flow.md.
import type { Config } from '../config/schema.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import type { GatherRequest } from './events.js';

/** The kept /proc snapshot (postmasters, mounts) is taken again when older than this. */
export const SNAPSHOT_MAX_AGE_MS = 10_000;
/** A process that may still exec a postmaster (pg_ctl's `sh -c "exec postgres …"`) is looked at again this long. */
export const YOUNG_MS = 5_000;

/** A gather that has not answered in this long is given up on (SQL has its own, shorter, timeouts). */
export function gatherTimeoutMs(config: Config): number {
  return 4 * config.sql.connectTimeoutMs + 10_000;
}

/** How long a gather waits for one cluster's SQL answer: well inside gatherTimeoutMs, so that one
 *  slow or stopped server leaves its own cluster without SQL facts, not the host unpublished. */
export function sqlDeadlineMs(config: Config): number {
  return 2 * config.sql.connectTimeoutMs + 2_000;
}

/** Is a /proc snapshot taken at `takenAt` (monotonic ms; null: none yet) too old to use at `now`? */
export function snapshotStale(takenAt: number | null, now: number): boolean {
  return takenAt === null || now - takenAt > SNAPSHOT_MAX_AGE_MS;
}

/** The config a gather discovers with: the roots are scanned only by a rediscovery. */
export function discoveryConfig(req: Pick<GatherRequest, 'rediscover'>, config: Config): Config {
  return req.rediscover ? config : { ...config, discovery: { ...config.discovery, roots: [] } };
}

/**
 * Stopped clusters whose last facts a gather keeps without reading them (scope `live` or `sql`):
 * their files are watched, and rediscovery reads them again. Not those with problems, nor those
 * with file events (`req.dirs`).
 */
export function carriedClusters(req: Pick<GatherRequest, 'scope' | 'dirs'>, prev: HostFacts | null): ClusterFacts[] {
  if (req.scope === 'all' || !prev) return [];
  const changed = new Set(req.dirs);
  return prev.clusters.filter((c) => c.running === false && c.problems.length === 0 && !changed.has(c.dataDir));
}

/** Data dirs read besides what discovery finds: those the watcher knows (also recently vanished), less the carried ones. */
export function dirsToRead(known: string[], carried: ClusterFacts[]): string[] {
  const skip = new Set(carried.map((c) => c.dataDir));
  return known.filter((p) => !skip.has(p));
}

/** The fields of a cluster that only SQL tells (carried over with them). */
const SQL_FIELDS = ['name', 'inRecovery', 'role', 'roleSource', 'roleDetail', 'replication', 'archiving', 'walDisk', 'serverVersion'] as const;
export type SqlPart = Pick<ClusterFacts, (typeof SQL_FIELDS)[number]>;

/**
 * The SQL facts of the previous gather that still hold for `c`: it knew the role from SQL, the
 * same postmaster runs, and no signal file changed. Null: `c` needs SQL now.
 */
export function sqlStillHolds(c: ClusterFacts, prev: HostFacts | null): SqlPart | null {
  const p = prev?.clusters.find((x) => x.dataDir === c.dataDir);
  if (!p || p.roleSource !== 'sql' || c.running !== true || p.running !== true || p.pid !== c.pid) return null;
  if (p.standbySignal !== c.standbySignal || p.recoverySignal !== c.recoverySignal || p.promoteRequested !== c.promoteRequested || p.recoveryConf !== c.recoveryConf) return null;
  const out: Partial<SqlPart> = {};
  for (const k of SQL_FIELDS) (out as Record<string, unknown>)[k] = p[k];
  return out as SqlPart;
}

/**
 * Must the periodic SQL poll (scope `sql`) read the files after all? When it has no file facts
 * to build on, a postmaster started, the snapshot is too old (whatever the cheap checks miss is
 * seen then), or a running cluster's postmaster is gone.
 */
export function pollReadsFiles(x: { haveBase: boolean; havePrevious: boolean; postmasterStarted: boolean; snapshotStale: boolean; runningPidGone: boolean }): boolean {
  return !x.haveBase || !x.havePrevious || x.postmasterStarted || x.snapshotStale || x.runningPidGone;
}

/** After a poll: a running cluster that answered SQL before and does not now (crash, shutdown) is read from its files at once. */
export function sqlLost(host: HostFacts, previous: HostFacts): boolean {
  const before = new Map(previous.clusters.map((c) => [c.dataDir, c.roleSource]));
  return host.clusters.some((c) => c.running === true && c.roleSource !== 'sql' && before.get(c.dataDir) === 'sql');
}

/** What a process's command line says: a postmaster, perhaps soon one (pg_ctl's shell), or neither. */
export type ProcessKind = 'postmaster' | 'maybe' | 'other';

/** The pids seen at the last look, and the young ones (maybe soon a postmaster) with when they were first seen. */
export interface PidWatch {
  seen: Set<number> | null;
  young: Map<number, number>;
}

export function emptyPidWatch(): PidWatch {
  return { seen: null, young: new Map() };
}

/**
 * Did a postmaster start since the last look? Only processes new since then, and the young ones,
 * are looked at (`look` reads one command line): cheap enough for every poll. The first look
 * only learns the pids. Pure but for `look`.
 */
export function scanForPostmaster(w: PidWatch, pids: Iterable<number>, now: number, look: (pid: number) => ProcessKind): { found: boolean; watch: PidWatch } {
  const seen = new Set<number>();
  const young = new Map(w.young);
  let found = false;
  for (const pid of pids) {
    seen.add(pid);
    const isNew = w.seen !== null && !w.seen.has(pid);
    const since = young.get(pid);
    if (found || (!isNew && (since === undefined || now - since > YOUNG_MS))) continue;
    const kind = look(pid);
    if (kind === 'postmaster') {
      found = true;
      young.delete(pid);
    } else if (isNew && kind === 'maybe') young.set(pid, now);
  }
  for (const [pid, since] of young) if (!seen.has(pid) || now - since > YOUNG_MS) young.delete(pid);
  return { found, watch: { seen, young } };
}
