// The one place facts are gathered: discovery, each cluster's files, /proc, and SQL when asked.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { ClusterFacts, HostFacts } from './types.js';
import { discoverCandidates, probeSubtrees, watcherClusters, type Candidate } from './discover.js';
import { readMounts, type Mount } from './mounts.js';
import { canonical, statId } from './paths.js';
import { listPostmasters, type Postmaster } from './proc.js';
import { readCluster } from './cluster.js';
import { deriveRole } from './role.js';
import { parseConninfo, readPgConf } from './pgconf.js';
import { findStateDir } from '../util/state-dir.js';
import { configuredName, nameClusters, usableClusterName } from './names.js';

export interface GatherEdge {
  env: NodeJS.ProcessEnv;
  now: () => Date;
  hostname: string;
  shortHostname: string;
  userName: string;
}

export interface GatherOptions {
  config: Config;
  edge: GatherEdge;
  /** Extra data dirs to consider (found from the command's own targets). */
  extra?: Candidate[];
  /** Use the running watcher's cluster list as a hint (default true). */
  useWatcher?: boolean;
  /** false: identity and footprint only (see completeState); default true. */
  state?: boolean;
  /** Trees a recursive command will walk: looked through (bounded) for PG_VERSION (discover.ts probeSubtrees). */
  probe?: string[];
  /** Directories the scan of roots may list (default 2000; the watcher affords more). */
  scanMaxDirs?: number;
  /** The watcher's rediscovery: facts of stopped clusters whose files did not change (src/watch/reuse.ts). */
  reuse?: ClusterReuse;
}

/**
 * Facts kept between the watcher's rediscoveries (src/watch/reuse.ts): asked before a cluster is
 * read (never for one a postmaster was found for), told of every cluster read in full.
 */
export interface ClusterReuse {
  /** The facts of the last read when nothing they were read from changed, else null. */
  take(dataDir: string, debian: Candidate['debian'] | null): { facts: ClusterFacts; preferredName: string | null } | null;
  /** A cluster read in full, and its cluster_name (before clashes were settled). */
  fresh(c: ClusterFacts, preferredName: string | null): void;
}

/** The shared, per-gather snapshot of /proc and the mount table. */
export interface ProcSnapshot {
  postmasters: Postmaster[];
  mounts: Mount[];
  /** Processes that call themselves postgres but are none (facts/proc.ts serverBinary): reported apart. */
  suspects?: Postmaster[];
}

export function snapshotProc(): ProcSnapshot {
  const all = listPostmasters();
  return { postmasters: all.filter((p) => !p.suspect), mounts: readMounts(), suspects: all.filter((p) => p.suspect) };
}

/** Suspects reported in facts: the first few, and how many in all (a flood must not grow state.json). */
const MAX_SUSPECTS = 20;

/** Everything knowable from files and /proc (synchronous, no SQL, no network). */
export function gatherFileFacts(opts: GatherOptions, snap: ProcSnapshot = snapshotProc()): HostFacts {
  const { config, edge } = opts;
  const now = edge.now();
  const confRoots = ['/etc/postgresql'];
  if (edge.env.PG_CLUSTER_CONF_ROOT) confRoots.push(edge.env.PG_CLUSTER_CONF_ROOT);
  const stateDir = opts.useWatcher === false ? null : findStateDir(edge.env);
  const { candidates, problems, unscanned } = discoverCandidates({
    postmasters: snap.postmasters,
    roots: config.discovery.roots,
    configured: config.discovery.clusters,
    limits: { maxDepth: config.discovery.maxDepth, maxDirs: opts.scanMaxDirs ?? 2000, maxEntries: 2000 },
    debianConfRoots: confRoots,
    watcher: stateDir ? watcherClusters(stateDir, 60, now.getTime()) : [],
  });
  candidates.push(...(opts.extra ?? []));
  const lookedThrough: string[] = [];
  if (opts.probe?.length) {
    const probed = probeSubtrees(opts.probe);
    for (const f of probed.found) candidates.push({ path: f, by: 'command' });
    unscanned.push(...probed.unscanned);
    for (const t of probed.complete) lookedThrough.push(canonical(t).real);
  }

  // Merge candidates that are the same directory (by dev:ino, else canonical path).
  const merged = new Map<string, { dataDir: string; by: Set<Candidate['by']>; debian: Candidate['debian'] | null }>();
  for (const c of candidates) {
    const { real, exists } = canonical(c.path);
    if (!exists) {
      if (c.by === 'config') problems.push(`configured cluster ${c.path} does not exist`);
      continue;
    }
    const key = statId(real) ?? real;
    const m = merged.get(key) ?? { dataDir: real, by: new Set(), debian: null };
    m.by.add(c.by);
    if (c.debian) m.debian = c.debian;
    merged.set(key, m);
  }
  const clusters: ClusterFacts[] = [];
  // Kept facts (copies: naming sets `name`), with the originals and their cluster_name.
  const kept = new Map<ClusterFacts, { facts: ClusterFacts; preferredName: string | null }>();
  for (const m of merged.values()) {
    const old = opts.reuse && !m.by.has('proc') && opts.state !== false ? opts.reuse.take(m.dataDir, m.debian ?? null) : null;
    if (old) {
      const c = { ...old.facts, discoveredBy: [...m.by] };
      kept.set(c, old);
      clusters.push(c);
      continue;
    }
    const c = readCluster(m.dataDir, { mounts: snap.mounts, postmasters: snap.postmasters, now, debian: m.debian ?? null, discoveredBy: [...m.by], state: opts.state !== false });
    // A directory found by the scan or the watcher that is no data dir (PG_VERSION gone) is dropped.
    if (c.version === null && !m.by.has('proc') && !m.by.has('debian') && !m.by.has('config') && c.running !== true && !c.problems.some((p) => p.includes('permission denied'))) continue;
    if (c.role === 'standby' || c.role === 'recovering') c.replication = fileReplication(c);
    clusters.push(c);
  }
  const preferred = new Map<ClusterFacts, string | null>();
  nameClusters(clusters, (c) => {
    const v = kept.has(c) ? kept.get(c)!.preferredName : configuredName(c.dataDir);
    preferred.set(c, v);
    return v;
  });
  if (opts.reuse) {
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[i]!;
      const old = kept.get(c);
      if (!old) opts.reuse.fresh(c, preferred.get(c) ?? null);
      // Unchanged: the very object published before (its text is cached, src/watch/publish-key.ts).
      else if (c.name === old.facts.name && c.discoveredBy.join() === old.facts.discoveredBy.join()) clusters[i] = old.facts;
    }
  }
  // Plain code-unit order: localeCompare's first call loads ICU collation (~7 ms at start).
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  clusters.sort((a, b) => cmp(a.name, b.name) || cmp(a.dataDir, b.dataDir));
  const known = knownPids(clusters, opts.state !== false);
  return {
    hostname: edge.hostname,
    shortHostname: edge.shortHostname,
    clusters,
    unidentifiedPostmasters: snap.postmasters.filter((pm) => pm.dataDir === null && !known.has(pm.pid)).map((pm) => ({ pid: pm.pid, why: pm.why })),
    observedAt: now.toISOString(),
    problems,
    suspectPostmasters: (snap.suspects ?? []).slice(0, MAX_SUSPECTS).map((p) => ({ pid: p.pid, uid: p.uid, exe: p.exe ?? null, why: p.suspect ?? '' })),
    suspectCount: (snap.suspects ?? []).length,
    unscanned: unscanned.map((u) => ({ path: canonical(u.path).real, why: u.why })),
    lookedThrough,
  };
}

/** Postmaster pids accounted for by a cluster (from its state, or its pid file when state is not read). */
function knownPids(clusters: ClusterFacts[], withState: boolean): Set<number> {
  const known = new Set(clusters.map((c) => c.pid).filter((p): p is number => p !== null));
  if (!withState)
    for (const c of clusters) {
      try {
        const pid = Math.abs(Number(fs.readFileSync(path.join(c.dataDir, 'postmaster.pid'), 'latin1').split('\n', 1)[0]));
        if (pid > 0) known.add(pid);
      } catch {
        // no pid file: nothing to account for
      }
    }
  return known;
}

/** Read in full the state of the clusters given (after a partial gather). Mutates `host`. */
export function completeState(host: HostFacts, dataDirs: string[], snap: ProcSnapshot, now: Date): HostFacts {
  const want = new Set(dataDirs);
  host.clusters = host.clusters.map((c) => {
    if (!want.has(c.dataDir)) return c;
    const full = readCluster(c.dataDir, { mounts: snap.mounts, postmasters: snap.postmasters, now, debian: c.debian, discoveredBy: c.discoveredBy });
    full.name = c.name; // named among all the host's clusters (names.ts)
    if (full.role === 'standby' || full.role === 'recovering') full.replication = fileReplication(full);
    return full;
  });
  return host;
}

/** The upstream from primary_conninfo in the cluster's config files (when SQL cannot tell). */
function fileReplication(c: ClusterFacts): ClusterFacts['replication'] {
  const files = [path.join(c.dataDir, 'postgresql.auto.conf'), path.join(c.dataDir, 'postgresql.conf')];
  if (c.debian) files.push(path.join(c.debian.confDir, 'postgresql.conf'));
  if (c.recoveryConf !== null) files.unshift(path.join(c.dataDir, 'recovery.conf'));
  for (const f of files) {
    const ci = readPgConf(f)?.get('primary_conninfo');
    if (ci) {
      const { host, port } = parseConninfo(ci);
      return { connectedStandbys: null, upstream: { host, port, conninfo: ci.replace(/password=\S+/g, 'password=***') }, receiverStatus: null, replayLagSeconds: null };
    }
  }
  return null;
}

/** Count WAL segments waiting to be archived (archive_status/*.ready); null if unreadable. */
function readyCount(c: ClusterFacts): number | null {
  try {
    return fs.readdirSync(path.join(c.dataDir, 'pg_wal', 'archive_status')).filter((f) => f.endsWith('.ready')).length;
  } catch {
    return null;
  }
}

/** Roles to try for SQL: the configured one, else the data dir's owner, then the caller. */
export function sqlUsers(c: ClusterFacts, config: Config, callerName: string): string[] {
  if (config.sql.user) return [config.sql.user];
  return [c.owner?.name, callerName, 'postgres'].filter((u): u is string => Boolean(u));
}

/** How addSqlFacts reads: a session pool (the watcher's persistent sessions), and the extra facts (issue 11). */
export interface SqlReadOptions {
  /** Read over this instead of a connection per call (src/watch/sessions.ts). */
  read?: (c: ClusterFacts, opts: import('./sql.js').SqlOptions) => Promise<import('./sql.js').SqlFacts>;
  /** Archiving health, WAL/disk, server version (not for the guard's fast decisions). */
  extra?: boolean;
  /** A cluster whose SQL has not answered by then counts as not answering (its late answer is
   *  dropped): one slow server never holds up the facts of the others (the watcher). */
  deadlineMs?: number;
}

function withDeadline(read: Promise<import('./sql.js').SqlFacts>, ms: number | undefined): Promise<import('./sql.js').SqlFacts> {
  if (!ms) return read;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<import('./sql.js').SqlFacts>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no SQL answer within ${ms} ms` }), ms);
    timer.unref?.();
  });
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}

/** Add SQL facts to the running clusters selected, in parallel. Mutates and returns `host`. */
export async function addSqlFacts(host: HostFacts, select: (c: ClusterFacts) => boolean, config: Config, callerName: string, how: SqlReadOptions = {}): Promise<HostFacts> {
  const targets = host.clusters.filter((c) => c.running === true && select(c));
  if (targets.length === 0) return host;
  const readSqlFacts = how.read ?? (await import('./sql.js')).readSqlFacts;
  await Promise.all(
    targets.map(async (c) => {
      const sql = await withDeadline(readSqlFacts(c, { users: sqlUsers(c, config, callerName), database: config.sql.database, connectTimeoutMs: config.sql.connectTimeoutMs, extra: how.extra }), how.deadlineMs);
      const role = deriveRole({ running: c.running, standbySignal: c.standbySignal, recoverySignal: c.recoverySignal, recoveryConf: c.recoveryConf, promoteRequested: c.promoteRequested, sql: sql.ok ? { ok: true, inRecovery: sql.inRecovery, walReceiver: sql.walReceiver } : sql });
      c.role = role.role;
      c.roleSource = role.source;
      c.roleDetail = role.detail;
      if (sql.ok) {
        c.inRecovery = sql.inRecovery;
        // The server's own cluster_name (set on its command line or in an include) when no other cluster has it.
        const sqlName = c.debian ? null : usableClusterName(sql.clusterName);
        if (sqlName && !host.clusters.some((o) => o !== c && o.name === sqlName)) c.name = sqlName;
        c.replication = { ...sql.replication, upstream: sql.replication.upstream ?? c.replication?.upstream ?? null };
        c.archiving = { ...sql.archiving, readyCount: readyCount(c) };
        if (sql.health) c.archiving.health = sql.health;
        if (sql.walDisk) c.walDisk = sql.walDisk;
        if (sql.serverVersion) c.serverVersion = sql.serverVersion;
      } else {
        c.inRecovery = 'unknown';
        c.problems.push(sql.error);
        if (how.extra) {
          // No SQL: the `.ready` backlog's age is still known from the directory (as root).
          const { archiveHealthFromDir } = await import('./sql.js'); // lazy, with pg: never in the guard's core
          const health = archiveHealthFromDir(c.dataDir, c.pid);
          if (health) c.archiving = { mode: null, archivedCount: null, failedCount: null, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing: false, readyCount: health.readyCount, health };
        }
      }
    }),
  );
  return host;
}
