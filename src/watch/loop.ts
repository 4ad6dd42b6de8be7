// The watcher's loop: wires the chokidar adapter, the pure reducer and the effects (gather,
// publish, notify the shells, log). All decisions are the reducer's; this file only runs them
// and turns their outcome back into events.
import { escapeText } from '../util/escape.js';
import fs from 'node:fs';
import { loadConfig, configFiles } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { addSqlFacts, gatherFileFacts, snapshotProc, type GatherEdge, type ProcSnapshot, type SqlReadOptions } from '../facts/gather.js';
import { isPostmasterArgv, readCmdline, serverBinary } from '../facts/proc.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import type { Adapter } from './adapter.js';
import type { Effect, GatherRequest, WatchEvent } from './events.js';
import { startFootprint } from './footprint.js';
import { ensureStateDir, publishFiles, removePrompt, removeStaleTemps, type StateDirMode } from './publish.js';
import { initialState, knownDirs, nextWakeAt, reduce, sqlIntervalMs, type WatchState } from './reducer.js';
import { createClock, delayUntil, rateLimitLog, restampDoc, restampPrompt } from './clock.js';

export interface WatchOptions {
  edge: GatherEdge;
  stateDir: string;
  /** System-wide state dir (root, not --user): modes 0755 and shells/ 1777. */
  system: boolean;
  /** `--interval MS`: overrides config watch.sqlIntervalMs. */
  intervalOverrideMs: number | null;
  /** Where log lines go (default: stdout, one line each). */
  log?: (line: string) => void;
}

/** Control bytes never reach the journal or a terminal (cluster names come from disk and SQL). */
function cleanLine(line: string): string {
  return escapeText(line);
}

export function stdoutLog(line: string): void {
  process.stdout.write(cleanLine(line) + '\n');
}

/** A gather that has not answered in this long is given up on (SQL has its own, shorter, timeouts). */
function gatherTimeoutMs(config: Config): number {
  return 4 * config.sql.connectTimeoutMs + 10_000;
}

/** SQL facts of the previous gather still hold for a cluster whose process and signal files did not change. */
function carrySql(c: ClusterFacts, prev: HostFacts | null): boolean {
  const p = prev?.clusters.find((x) => x.dataDir === c.dataDir);
  if (!p || p.roleSource !== 'sql' || c.running !== true || p.running !== true || p.pid !== c.pid) return false;
  if (p.standbySignal !== c.standbySignal || p.recoverySignal !== c.recoverySignal || p.promoteRequested !== c.promoteRequested || p.recoveryConf !== c.recoveryConf) return false;
  Object.assign(c, { name: p.name, inRecovery: p.inRecovery, role: p.role, roleSource: p.roleSource, roleDetail: p.roleDetail, replication: p.replication, archiving: p.archiving, walDisk: p.walDisk, serverVersion: p.serverVersion });
  return true;
}

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
const SNAPSHOT_MAX_AGE_MS = 10_000;
const YOUNG_MS = 5_000;
const pidAlive = (pid: number | null) => pid !== null && fs.existsSync(`/proc/${pid}`);

/** Gathers for the watcher. It remembers the last file-level facts, so that the periodic SQL poll
 *  (scope `sql`) reads no files at all: role changes come with file events, which ask for more. */
export function createGatherer(): Gatherer {
  let fileBase: HostFacts | null = null;
  // One SQL session per running cluster, kept open between polls (src/watch/sessions.ts, lazy: pg).
  let pool: import('./sessions.js').SessionPool | null = null;
  const sqlHow = async (): Promise<SqlReadOptions> => {
    pool ??= (await import('./sessions.js')).createSessionPool();
    return { read: pool.read, extra: true };
  };
  const retainSessions = (host: HostFacts): HostFacts => {
    pool?.retain(host.clusters.filter((c) => c.running === true).map((c) => c.dataDir));
    return host;
  };
  let seenPids: Set<number> | null = null;
  // Processes that may still exec a postmaster: pg_ctl starts it through `sh -c "exec postgres …"`,
  // so the pid is first seen as a shell. Looked at again for a few seconds.
  const young = new Map<number, number>();
  // /proc's postmasters and the mount table, kept between gathers: reading every process's
  // command line at each of the many gathers a burst of file events asks for would cost more
  // than everything else. Refreshed by full gathers, when a postmaster starts, and every 10 s;
  // postmasters that died since are dropped at each use (a stat each).
  let snap: { at: number; value: ProcSnapshot } | null = null;
  const procSnapshot = (fresh: boolean): ProcSnapshot => {
    const now = performance.now(); // monotonic: a wall clock stepped back must not freeze the snapshot
    if (fresh || !snap || now - snap.at > SNAPSHOT_MAX_AGE_MS) {
      snap = { at: now, value: snapshotProc() };
      return snap.value;
    }
    return { postmasters: snap.value.postmasters.filter((pm) => pidAlive(pm.pid)), mounts: snap.value.mounts, suspects: snap.value.suspects?.filter((pm) => pidAlive(pm.pid)) };
  };

  /** Did a postmaster start since the last look? (A new cluster, perhaps in a directory nobody
   *  watches.) Only the command lines of processes new since then are read: cheap enough for the poll. */
  const newPostmaster = (): boolean => {
    let names: string[];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      return true;
    }
    const now = new Set<number>();
    const t = performance.now();
    let found = false;
    for (const n of names) {
      const pid = Number(n);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      now.add(pid);
      const isNew = seenPids !== null && !seenPids.has(pid);
      const since = young.get(pid);
      if (found || (!isNew && (since === undefined || t - since > YOUNG_MS))) continue;
      const argv = readCmdline(pid);
      // A process that only calls itself postgres (facts/proc.ts serverBinary) starts no cluster.
      if (argv && isPostmasterArgv(argv) && serverBinary(pid, null).ok !== false) {
        found = true;
        young.delete(pid);
      } else if (isNew && argv && !(argv[0] ?? '').startsWith('postgres:') && /postgres|postmaster|pg_ctl/.test(argv.join(' '))) {
        young.set(pid, t);
      }
    }
    for (const [pid, since] of young) if (!now.has(pid) || t - since > YOUNG_MS) young.delete(pid);
    seenPids = now;
    return found;
  };

  /** Files and /proc (discovery in full, or the clusters already known), then SQL. */
  const fromFiles = async (req: GatherRequest, ctx: GatherContext, newProc = false): Promise<HostFacts> => {
    const config = req.rediscover ? ctx.config : { ...ctx.config, discovery: { ...ctx.config.discovery, roots: [] } };
    // `live`: stopped clusters keep their last facts (their files are watched; rediscovery re-reads them).
    const prev = ctx.previous;
    const changed = new Set(req.dirs);
    const carried = req.scope !== 'all' && prev ? prev.clusters.filter((c) => c.running === false && c.problems.length === 0 && !changed.has(c.dataDir)) : [];
    const skip = new Set(carried.map((c) => c.dataDir));
    // Known clusters (and recently vanished ones) are read again even when nothing else finds them
    // now (a stopped cluster outside the scanned roots); without PG_VERSION they are dropped.
    const extra = ctx.known.filter((p) => !skip.has(p)).map((p) => ({ path: p, by: 'watcher' as const }));
    const fresh = newPostmaster() || newProc || req.scope === 'all';
    const host = gatherFileFacts({ config, edge: ctx.edge, useWatcher: false, extra }, procSnapshot(fresh));
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
    if (req.sql) await addSqlFacts(host, () => true, ctx.config, ctx.edge.userName, await sqlHow());
    else await addSqlFacts(host, (c) => changed.has(c.dataDir) || !carrySql(c, prev), ctx.config, ctx.edge.userName, await sqlHow());
    return retainSessions(host);
  };

  return {
    async gather(req, ctx) {
      await Promise.resolve(); // let the caller finish what it was doing: the file part is synchronous
      const base = fileBase;
      if (req.scope !== 'sql') return fromFiles(req, ctx);
      // The poll reads files after all when a server went away or a postmaster started, and
      // every SNAPSHOT_MAX_AGE_MS anyway (whatever the checks above could miss, it is seen then).
      const started = newPostmaster();
      const old = !snap || performance.now() - snap.at > SNAPSHOT_MAX_AGE_MS;
      if (!base || !ctx.previous || started || old || base.clusters.some((c) => c.running === true && !pidAlive(c.pid))) return fromFiles({ ...req, scope: 'live' }, ctx, started);
      // The SQL poll: last file facts, fresh SQL. A server that stopped answering (crash,
      // shutdown) is read again from its files at once.
      // Only the running clusters get new facts: the others are shared, never mutated.
      const host: HostFacts = { ...base, clusters: base.clusters.map((c) => (c.running === true ? structuredClone(c) : c)), observedAt: ctx.edge.now().toISOString() };
      for (const c of host.clusters) if (c.running === true) c.observedAt = host.observedAt;
      await addSqlFacts(host, (c) => c.running === true, ctx.config, ctx.edge.userName, await sqlHow());
      retainSessions(host);
      const before = new Map(ctx.previous.clusters.map((c) => [c.dataDir, c.roleSource]));
      if (host.clusters.some((c) => c.running === true && c.roleSource !== 'sql' && before.get(c.dataDir) === 'sql')) return fromFiles({ ...req, scope: 'live' }, ctx);
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

type NotifyModule = typeof import('./notify.js');

export interface Watcher {
  /** Resolves when the watcher stopped (after `stop()`). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Feed an event from outside (SIGHUP: `config-changed`). */
  dispatch(event: WatchEvent): void;
  /** For tests: the reducer's state now. */
  state(): WatchState;
}

/** Start the resident watcher. */
export async function startWatcher(opts: WatchOptions): Promise<Watcher> {
  // Log lines rate-limited; the reducer and timers on a monotonic clock (watch/clock.ts).
  const log = rateLimitLog(opts.log ?? stdoutLog, { max: 60, windowMs: 10_000, always: (l) => /^(role change|cluster |config|alert|publishing|cannot publish)/.test(l) });
  const clock = createClock();
  const mode: StateDirMode = { system: opts.system };
  const env = opts.edge.env;
  let state = initialState({ pid: process.pid, intervalOverrideMs: opts.intervalOverrideMs });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let adapter: Adapter | null = null;
  let notifyMod: NotifyModule | null | undefined;
  let notifying = false;
  let notifyAgain = false;
  let extras: import('../fleet/hook.js').Extras | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  try {
    ensureStateDir(opts.stateDir, mode);
    removeStaleTemps(opts.stateDir);
  } catch (e) {
    // Not fatal: every publish tries again (and says why it fails).
    log(`cannot prepare the state dir ${opts.stateDir}: ${(e as Error).message}`);
  }

  const gatherer = createGatherer();
  const footprint = startFootprint({ dir: opts.stateDir, env, host: () => state.host, log }); // the shells' fast path (docs/fast-path.md)
  const debug = Boolean(env.SAFEOPS_DEBUG);
  // SAFEOPS_DEBUG: one line per effect, and every 10 s how many events of each kind came in.
  const counts: Record<string, number> = {};
  const debugTimer = debug
    ? setInterval(() => {
        const m = process.memoryUsage();
        const mb = (n: number) => (n / 1048576).toFixed(1);
        log(`debug: events in 10 s: ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}; memory MB rss=${mb(m.rss)} heap=${mb(m.heapUsed)}/${mb(m.heapTotal)} external=${mb(m.external)}`);
        for (const k of Object.keys(counts)) delete counts[k];
      }, 10_000)
    : null;
  const queue: WatchEvent[] = [];
  let draining = false;
  /** Feed an event to the reducer and run its effects; events they cause are queued, not nested. */
  const dispatch = (event: WatchEvent) => {
    if (stopped) return;
    if (debug) counts[event.type] = (counts[event.type] ?? 0) + 1;
    queue.push(event);
    if (draining) return;
    draining = true;
    try {
      while (queue.length) {
        const ev = queue.shift()!;
        const r = reduce(state, ev, clock.now());
        state = r.state;
        let publishFailed = false;
        for (const eff of r.effects) {
          if (eff.type === 'notify-shells' && publishFailed) continue; // the shells would read the old file
          try {
            if (runEffect(eff) === false) publishFailed = true;
          } catch (e) {
            // A bug or a surprise in one effect must not stop the watcher.
            log(`internal error running ${eff.type}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
    } finally {
      draining = false;
    }
    extras?.sync(state.host, state.config, sqlIntervalMs(state)); // issue 13: Patroni and the fleet (src/fleet/hook.ts)
    schedule();
  };

  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = null;
    const now = clock.now();
    const at = nextWakeAt(state, now);
    if (at === null) return;
    // Never spin: even a wake time in the past waits a few ms.
    timer = setTimeout(() => {
      timer = null;
      dispatch({ type: 'tick' });
    }, delayUntil(at, now));
  };

  const runGather = (eff: Extract<Effect, { type: 'gather' }>) => {
    const config = state.config;
    let settled = false;
    const guard = setTimeout(() => {
      settled = true;
      dispatch({ type: 'gather-failed', seq: eff.seq, error: `no answer within ${gatherTimeoutMs(config)} ms` });
    }, gatherTimeoutMs(config));
    gatherer.gather(eff, { config, edge: opts.edge, known: knownDirs(state), previous: state.host }).then(
      (host) => {
        clearTimeout(guard);
        if (!settled) dispatch({ type: 'facts', seq: eff.seq, host });
      },
      (e: unknown) => {
        clearTimeout(guard);
        if (!settled) dispatch({ type: 'gather-failed', seq: eff.seq, error: e instanceof Error ? e.message : String(e) });
      },
    );
  };

  const runNotify = async () => {
    if (notifying) {
      notifyAgain = true;
      return;
    }
    notifying = true;
    try {
      do {
        notifyAgain = false;
        if (notifyMod === undefined) {
          try {
            notifyMod = await import('./notify.js');
          } catch (e) {
            notifyMod = null;
            log(`shell notifier unavailable: ${(e as Error).message}`);
          }
        }
        if (!notifyMod) return;
        const sh = state.config.shell;
        const short = opts.edge.shortHostname;
        await notifyMod.notifyShells(opts.stateDir, {
          colorFor: (role) => (sh.background ? (sh.colors[role] ?? null) : null),
          titleFor: (_role, label) => (sh.title ? `${short}: ${label}` : null),
          noEscapes: !sh.background && !sh.title,
          log,
        });
      } while (notifyAgain && !stopped);
    } catch (e) {
      log(`notifying shells failed: ${(e as Error).message}`);
    } finally {
      notifying = false;
    }
  };

  /** Run one effect; returns false when a publish failed. */
  const runEffect = (eff: Effect): boolean | void => {
    if (debug && eff.type !== 'log') log(`debug: ${eff.type}${eff.type === 'gather' ? ` #${eff.seq} sql=${eff.sql} rediscover=${eff.rediscover} scope=${eff.scope}${eff.dirs.length ? ` dirs=${eff.dirs.length}` : ''}` : ''}`);
    switch (eff.type) {
      case 'log':
        log(eff.line);
        return;
      case 'gather':
        runGather(eff);
        return;
      case 'publish':
        try {
          const wall = clock.wall();
          publishFiles(opts.stateDir, restampDoc(eff.doc, wall), restampPrompt(eff.prompt, wall), mode);
          footprint.published(wall);
          queue.push({ type: 'published' });
          return true;
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          // "EACCES: permission denied", without the temp file's name: one failure, one log line.
          const why = err.code ? err.message.split(', ')[0]! : err.message;
          queue.push({ type: 'publish-failed', error: `${opts.stateDir}: ${why}` });
          return false;
        }
      case 'notify-shells':
        void runNotify();
        return;
      case 'watch':
        adapter?.setTargets(eff.dataDirs);
        return;
      case 'load-config':
        queue.push({ type: 'config-loaded', loaded: loadConfig(env) });
        return;
    }
  };

  const files = configFiles(env).map((f) => f.file);
  log(`safeops watch: pid ${process.pid}, state dir ${opts.stateDir} (${opts.system ? 'system-wide' : 'this user only'}), config ${files.join(', ')}`);
  dispatch({ type: 'config-loaded', loaded: loadConfig(env) });
  const { startAdapter } = await import('./adapter.js');
  adapter = startAdapter({ configFiles: files, emit: dispatch });
  extras = (await import('../fleet/hook.js')).startExtras({ hostname: opts.edge.hostname, envPath: env.PATH ?? '/usr/bin:/bin', log, emit: (x) => dispatch({ type: 'extra', ...x }) });
  dispatch({ type: 'started' });

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    if (debugTimer) clearInterval(debugTimer);
    footprint.stop();
    await extras?.stop().catch(() => undefined);
    try {
      await adapter?.close();
    } catch {
      /* closing is best effort */
    }
    await gatherer.close?.().catch(() => undefined);
    // No prompt file: every shell shows "watcher not running" at once instead of ageing colours.
    try {
      removePrompt(opts.stateDir);
    } catch {
      /* the dir may be gone */
    }
    resolveDone();
  };
  return { done, stop, dispatch, state: () => state };
}

/** `--once`: gather everything, publish, return whether the publish worked. No shells are told. */
export async function publishOnce(opts: WatchOptions): Promise<boolean> {
  const log = opts.log ?? stdoutLog;
  const mode: StateDirMode = { system: opts.system };
  let state = initialState({ pid: process.pid, intervalOverrideMs: opts.intervalOverrideMs });
  const now = () => Date.now();
  const step = (ev: WatchEvent): Effect[] => {
    const r = reduce(state, ev, now());
    state = r.state;
    for (const e of r.effects) if (e.type === 'log') log(e.line);
    return r.effects;
  };
  step({ type: 'config-loaded', loaded: loadConfig(opts.edge.env) });
  const gather = step({ type: 'started' }).find((e): e is Extract<Effect, { type: 'gather' }> => e.type === 'gather');
  if (!gather) return false;
  let effects: Effect[];
  try {
    const host = await gatherHost(gather, { config: state.config, edge: opts.edge, known: [], previous: null });
    effects = step({ type: 'facts', seq: gather.seq, host });
  } catch (e) {
    log(`gather failed: ${(e as Error).message}`);
    return false;
  }
  const publish = effects.find((e): e is Extract<Effect, { type: 'publish' }> => e.type === 'publish');
  if (!publish) return false;
  try {
    ensureStateDir(opts.stateDir, mode);
    publishFiles(opts.stateDir, publish.doc, publish.prompt, mode);
    return true;
  } catch (e) {
    log(`cannot publish the state to ${opts.stateDir}: ${(e as Error).message}`);
    return false;
  }
}
