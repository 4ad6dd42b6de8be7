// The watcher's gatherer: the I/O of a gather (/proc and the mount table, discovery, each
// cluster's files, SQL over the kept sessions of src/watch/sessions.ts). What it reads and when is
// decided by the pure functions of src/watch/gather-policy.ts; this file only does it. It keeps
// the last file-level facts, so that the periodic SQL poll (scope `sql`) reads no files at all:
// role changes come with file events, which ask for more. docs/watcher-flow.md.
import fs from 'node:fs';
import type { Config } from '../config/schema.js';
import { addSqlFacts, gatherFileFacts, snapshotProc, type GatherEdge, type ProcSnapshot, type SqlReadOptions } from '../facts/gather.js';
import { isPostmasterArgv, readCmdline, serverBinary } from '../facts/proc.js';
import type { HostFacts } from '../facts/types.js';
import type { GatherRequest } from './events.js';
import { createClusterReuse } from './reuse.js';
import { carriedClusters, dirsToRead, discoveryConfig, emptyPidWatch, pollReadsFiles, scanForPostmaster, snapshotStale, sqlDeadlineMs, sqlLost, sqlStillHolds, type ProcessKind } from './gather-policy.js';

export interface GatherContext {
  config: Config;
  edge: GatherEdge;
  /** Data dirs known to the reducer (read again even when discovery does not find them now). */
  known: string[];
  previous: HostFacts | null;
}

export interface Gatherer {
  gather(req: GatherRequest, ctx: GatherContext): Promise<HostFacts>;
  /** Close what the gatherer keeps open (the SQL sessions). */
  close?(): Promise<void>;
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const pidAlive = (pid: number | null) => pid !== null && fs.existsSync(`/proc/${pid}`);

/** One process's command line, read and judged (the policy decides which to read). */
function lookAtProcess(pid: number): ProcessKind {
  const argv = readCmdline(pid);
  if (!argv) return 'other';
  // A process that only calls itself postgres (facts/proc.ts serverBinary) starts no cluster.
  if (isPostmasterArgv(argv) && serverBinary(pid, null).ok !== false) return 'postmaster';
  return !(argv[0] ?? '').startsWith('postgres:') && /postgres|postmaster|pg_ctl/.test(argv.join(' ')) ? 'maybe' : 'other';
}

/** The pids in /proc now, or null when /proc cannot be listed. */
function procPids(): number[] | null {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const pids: number[] = [];
  for (const n of names) {
    const pid = Number(n);
    if (Number.isInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

/** Gathers for the watcher. `mono`: the monotonic clock of the snapshot's age (a wall clock stepped back must not freeze it). */
export function createGatherer(mono: () => number = () => performance.now()): Gatherer {
  let fileBase: HostFacts | null = null;
  // One SQL session per running cluster, kept open between polls (src/watch/sessions.ts, lazy: pg).
  let pool: import('./sessions.js').SessionPool | null = null;
  const sqlHow = async (config: Config): Promise<SqlReadOptions> => {
    pool ??= (await import('./sessions.js')).createSessionPool();
    return { read: pool.read, extra: true, deadlineMs: sqlDeadlineMs(config) };
  };
  const retainSessions = (host: HostFacts): HostFacts => {
    pool?.retain(host.clusters.filter((c) => c.running === true).map((c) => c.dataDir));
    return host;
  };
  let pidWatch = emptyPidWatch();
  const kept = createClusterReuse();
  // /proc's postmasters and the mount table, kept between gathers: reading every process's
  // command line at each of the many gathers a burst of file events asks for would cost more
  // than everything else. Refreshed by full gathers, when a postmaster starts, and every
  // SNAPSHOT_MAX_AGE_MS; postmasters that died since are dropped at each use (a stat each).
  let snap: { at: number; value: ProcSnapshot } | null = null;
  const procSnapshot = (fresh: boolean): ProcSnapshot => {
    const now = mono();
    if (fresh || !snap || snapshotStale(snap.at, now)) {
      snap = { at: now, value: snapshotProc() };
      return snap.value;
    }
    return { postmasters: snap.value.postmasters.filter((pm) => pidAlive(pm.pid)), mounts: snap.value.mounts, suspects: snap.value.suspects?.filter((pm) => pidAlive(pm.pid)) };
  };

  /** Did a postmaster start since the last look? (A new cluster, perhaps in a directory nobody watches.) */
  const newPostmaster = (): boolean => {
    const pids = procPids();
    if (pids === null) return true;
    const r = scanForPostmaster(pidWatch, pids, mono(), lookAtProcess);
    pidWatch = r.watch;
    return r.found;
  };

  /** Files and /proc (discovery in full, or the clusters already known), then SQL. */
  const fromFiles = async (req: GatherRequest, ctx: GatherContext, newProc = false): Promise<HostFacts> => {
    const prev = ctx.previous;
    const changed = new Set(req.dirs);
    const carried = carriedClusters(req, prev);
    // Known clusters (and recently vanished ones) are read again even when nothing else finds them
    // now (a stopped cluster outside the scanned roots); without PG_VERSION they are dropped.
    const extra = dirsToRead(ctx.known, carried).map((p) => ({ path: p, by: 'watcher' as const }));
    const fresh = newPostmaster() || newProc || req.scope === 'all';
    const snapshot = procSnapshot(fresh);
    // A rediscovery keeps the facts of stopped clusters whose files did not change (reuse.ts).
    const reuse = req.rediscover ? kept.begin(snapshot.mounts) : undefined;
    const host = gatherFileFacts({ config: discoveryConfig(req, ctx.config), edge: ctx.edge, useWatcher: false, extra, reuse }, snapshot);
    if (req.rediscover) kept.retain(host.clusters.map((c) => c.dataDir));
    for (const c of host.clusters) if (c.discoveredBy.length > 1) c.discoveredBy = c.discoveredBy.filter((b) => b !== 'watcher');
    if (carried.length && prev) {
      const read = new Set(host.clusters.map((c) => c.dataDir));
      host.clusters.push(...carried.filter((c) => !read.has(c.dataDir))); // shared: never mutated
      host.clusters.sort((a, b) => cmp(a.name, b.name) || cmp(a.dataDir, b.dataDir));
      // Problems found by the scan are only known from full gathers: keep them until the next one.
      host.problems = [...new Set([...host.problems, ...prev.problems])];
    }
    // The file facts before SQL: only running clusters are changed by the SQL step, so only
    // they are copied (published facts are never mutated; sharing the rest keeps memory flat).
    fileBase = { ...host, clusters: host.clusters.map((c) => (c.running === true ? structuredClone(c) : c)) };
    // sql=false: SQL where something changed (the dirs with file events, a new pid, other signal
    // files); the other running clusters keep their SQL facts of the last gather.
    const select = req.sql
      ? () => true
      : (c: HostFacts['clusters'][number]) => {
          if (changed.has(c.dataDir)) return true;
          const held = sqlStillHolds(c, prev);
          if (held) Object.assign(c, held);
          return !held;
        };
    await addSqlFacts(host, select, ctx.config, ctx.edge.userName, await sqlHow(ctx.config));
    return retainSessions(host);
  };

  return {
    async gather(req, ctx) {
      await Promise.resolve(); // let the caller finish what it was doing: the file part is synchronous
      const base = fileBase;
      if (req.scope !== 'sql') return fromFiles(req, ctx);
      const started = newPostmaster();
      const readFiles = pollReadsFiles({
        haveBase: base !== null,
        havePrevious: ctx.previous !== null,
        postmasterStarted: started,
        snapshotStale: snapshotStale(snap?.at ?? null, mono()),
        runningPidGone: base?.clusters.some((c) => c.running === true && !pidAlive(c.pid)) ?? false,
      });
      if (readFiles || !base || !ctx.previous) return fromFiles({ ...req, scope: 'live' }, ctx, started);
      // The SQL poll: last file facts, fresh SQL. Only the running clusters get new facts: the
      // others are shared, never mutated.
      const host: HostFacts = { ...base, clusters: base.clusters.map((c) => (c.running === true ? structuredClone(c) : c)), observedAt: ctx.edge.now().toISOString() };
      for (const c of host.clusters) if (c.running === true) c.observedAt = host.observedAt;
      await addSqlFacts(host, (c) => c.running === true, ctx.config, ctx.edge.userName, await sqlHow(ctx.config));
      retainSessions(host);
      if (sqlLost(host, ctx.previous)) return fromFiles({ ...req, scope: 'live' }, ctx);
      return host;
    },
    async close() {
      await pool?.close();
    },
  };
}

/** One gather without memory (`--once`, tests). */
export async function gatherHost(req: GatherRequest, ctx: GatherContext): Promise<HostFacts> {
  const g = createGatherer();
  try {
    return await g.gather(req, ctx);
  } finally {
    await g.close?.();
  }
}
