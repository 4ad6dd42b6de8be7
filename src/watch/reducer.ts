// The watcher's brain, pure: reduce(state, event, now) -> { state, effects }. It decides when to
// gather (file events, SQL interval, rediscovery), when to publish (every change, and a heartbeat),
// when to tell the shells (role or label changed), and what to log. It never throws and does no
// I/O: the loop (loop.ts) runs the effects and feeds their results back as events.
import { defaultConfig, type Config, type LoadedConfig } from '../config/schema.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { computeAlerts, emptyAlertMemory, type AlertMemory } from './alerts.js';
import type { Alert, ClusterPromptRole, Effect, GatherRequest, PromptRole, WatchEvent } from './events.js';
import { buildStateDoc, clusterPromptRole, hostRole, renderLabel, renderPrompt } from './publish.js';
import { alertsWithExtra, docWithExtra, emptyExtra, extraKey, labelWithExtra, type ExtraState } from '../fleet/extra.js';

/** Publish at least this often, so the prompt's heartbeat (and the file's mtime) stay fresh. */
export const HEARTBEAT_MS = 1500;
/** After a file event, gather at once and again after these delays: right after standby.signal
 *  goes, pg_is_in_recovery() may still say true for a moment. */
export const BURST_DELAYS_MS = [100, 300, 1000];
/** While a cluster is visibly mid-transition (promote file, files and SQL disagree), poll this fast... */
export const SETTLE_STEP_MS = 50;
/** ...but only this long after the last file event. */
export const SETTLE_WINDOW_MS = 3000;
/** A data directory that vanished is still looked for this long (a restore recreates it). */
export const GONE_KEEP_MS = 10 * 60_000;
/** state.json is rewritten on every change, and otherwise at least this often (its heartbeat);
 *  the small prompt file carries the HEARTBEAT_MS heartbeat. Fewer rewrites of the big file keep
 *  the watcher light and spare readers that refresh on each rename (the confirmation screen). */
export const STATE_REFRESH_MS = 5000;
/** A failed publish is retried after this long. */
export const PUBLISH_RETRY_MS = 1000;

interface KnownCluster {
  name: string;
  role: ClusterPromptRole;
  /** dev:ino of the data dir when last seen (a recreated dir must be watched again). */
  id: string | null;
  goneSince: number | null;
}

export interface WatchState {
  /** The watcher's pid, for state.json. */
  pid: number;
  /** The configuration in force: the last one read without problems (or the first one read). */
  config: Config;
  configAdopted: boolean;
  /** What the last `config-loaded` held, to ignore reloads that change nothing. */
  configFingerprint: string | null;
  /** `--interval`: overrides config watch.sqlIntervalMs. */
  intervalOverrideMs: number | null;

  host: HostFacts | null;
  factsAt: number | null;
  alerts: Alert[];
  memory: AlertMemory;
  /** Every cluster seen, by data dir (including vanished ones for GONE_KEEP_MS). */
  known: Record<string, KnownCluster>;
  hostProblems: string[];
  watchKey: string;

  seq: number;
  inFlight: { seq: number; req: GatherRequest; since: number } | null;
  queued: GatherRequest | null;
  bursts: number[];
  /** Data dirs whose file events the pending bursts are about. */
  burstDirs: string[];
  settleUntil: number;
  settleAt: number | null;
  nextSqlAt: number | null;
  nextRediscoverAt: number | null;
  gatherFailures: number;
  lastGatherError: string | null;
  staleLogged: boolean;

  lastPublishAt: number | null;
  lastStatePublishAt: number | null;
  publishedKey: string | null;
  published: { role: PromptRole; label: string } | null;
  notified: { role: PromptRole; label: string } | null;
  publishBlockedUntil: number | null;
  lastPublishError: string | null;
  loggedErrors: string[];
  /** The fleet (etcd) and Patroni views (src/fleet/extra.ts). */
  extra: ExtraState;
}

export interface InitialInput {
  pid: number;
  intervalOverrideMs?: number | null;
}

export function initialState(input: InitialInput): WatchState {
  return {
    pid: input.pid,
    config: defaultConfig(),
    configAdopted: false,
    configFingerprint: null,
    intervalOverrideMs: input.intervalOverrideMs ?? null,
    host: null,
    factsAt: null,
    alerts: [],
    memory: emptyAlertMemory(),
    known: {},
    hostProblems: [],
    watchKey: '',
    seq: 0,
    inFlight: null,
    queued: null,
    bursts: [],
    burstDirs: [],
    settleUntil: 0,
    settleAt: null,
    nextSqlAt: null,
    nextRediscoverAt: null,
    gatherFailures: 0,
    lastGatherError: null,
    staleLogged: false,
    lastPublishAt: null,
    lastStatePublishAt: null,
    publishedKey: null,
    published: null,
    notified: null,
    publishBlockedUntil: null,
    lastPublishError: null,
    loggedErrors: [],
    extra: emptyExtra(),
  };
}

/** The SQL interval in force. */
export function sqlIntervalMs(s: WatchState): number {
  return s.intervalOverrideMs ?? s.config.watch.sqlIntervalMs;
}

/** With no good gather for this long, heartbeats stop so that shells show "stale" rather than old facts. */
export function staleAfterMs(s: WatchState): number {
  return Math.max((s.config.watch.staleAfterSeconds * 1000) / 2, 2 * sqlIntervalMs(s) + s.config.sql.connectTimeoutMs + 1000);
}

/** Data dirs the next gather must read besides what discovery finds (known and recently vanished). */
export function knownDirs(s: WatchState): string[] {
  return Object.keys(s.known).sort();
}

/** When the loop should send the next `tick` (epoch ms), or null when nothing is scheduled. */
export function nextWakeAt(s: WatchState, now: number): number | null {
  const times: number[] = [];
  if (s.bursts[0] !== undefined) times.push(s.bursts[0]);
  if (s.settleAt !== null) times.push(s.settleAt);
  if (s.nextSqlAt !== null) times.push(s.nextSqlAt);
  if (s.nextRediscoverAt !== null) times.push(s.nextRediscoverAt);
  if (s.host && s.factsAt !== null) {
    // The heartbeat is due only while the facts are fresh (maybePublish); past that, wake once
    // to say that the facts went stale.
    const freshUntil = s.factsAt + staleAfterMs(s);
    const due = Math.max(s.lastPublishAt === null ? 0 : s.lastPublishAt + HEARTBEAT_MS, s.publishBlockedUntil ?? 0);
    if (Math.max(due, now) <= freshUntil) times.push(due);
    else if (!s.staleLogged) times.push(freshUntil + 1);
  }
  return times.length ? Math.min(...times) : null;
}

// ---------- helpers (pure) ----------

type Out = { state: WatchState; effects: Effect[] };

function mergeReq(a: GatherRequest | null, b: GatherRequest): GatherRequest {
  if (!a) return { ...b };
  const rank = { sql: 0, live: 1, all: 2 } as const;
  const dirs = [...new Set([...a.dirs, ...b.dirs])].sort();
  return { sql: a.sql || b.sql, rediscover: a.rediscover || b.rediscover, scope: rank[a.scope] >= rank[b.scope] ? a.scope : b.scope, dirs };
}

/** Ask for a gather: run it now, or coalesce it into the one queued behind the gather in flight. */
function requestGather(o: Out, req: GatherRequest, now: number): void {
  const s = o.state;
  if (s.inFlight) {
    s.queued = mergeReq(s.queued, req);
    return;
  }
  s.seq += 1;
  s.inFlight = { seq: s.seq, req, since: now };
  o.effects.push({ type: 'gather', seq: s.seq, sql: req.sql, rediscover: req.rediscover, scope: req.scope, dirs: req.dirs });
}

/** Gather now and again at the burst delays: the running clusters and the one whose files changed. */
function burst(o: Out, now: number, dataDir: string): void {
  const s = o.state;
  if (!s.burstDirs.includes(dataDir)) s.burstDirs = [...s.burstDirs, dataDir].sort();
  // SQL for the changed cluster (and any whose process or signal files changed); the others keep theirs.
  requestGather(o, { sql: false, rediscover: false, scope: 'live', dirs: [dataDir] }, now);
  const times = [...s.bursts];
  for (const d of BURST_DELAYS_MS) {
    const t = now + d;
    if (!times.some((x) => Math.abs(x - t) < 30)) times.push(t);
  }
  s.bursts = times.sort((a, b) => a - b);
  s.settleUntil = now + SETTLE_WINDOW_MS;
}

function log(o: Out, line: string): void {
  o.effects.push({ type: 'log', line });
}

/** Log a problem once (until it changes): a persistent failure must not flood the journal. */
function logOnce(o: Out, line: string): void {
  const s = o.state;
  if (s.loggedErrors.includes(line)) return;
  s.loggedErrors = [...s.loggedErrors.slice(-19), line];
  log(o, line);
}

/** How the cluster's role was known, for log lines. */
function why(c: ClusterFacts): string {
  return c.running === true ? c.roleDetail : c.runningSource;
}

const keyCache = new WeakMap<HostFacts, { alerts: Alert[]; key: string }>();

/** What the publish would show, without times: equal keys mean nothing worth publishing changed. */
export function contentKey(host: HostFacts, alerts: Alert[]): string {
  const hit = keyCache.get(host);
  if (hit && hit.alerts === alerts) return hit.key;
  const key = computeKey(host, alerts);
  keyCache.set(host, { alerts, key });
  return key;
}

function computeKey(host: HostFacts, alerts: Alert[]): string {
  return JSON.stringify({
    c: host.clusters.map((c) => [
      c.dataDir,
      c.id,
      c.name,
      c.running,
      c.pid,
      c.port,
      c.pmStatus,
      c.role,
      c.roleSource,
      c.roleDetail,
      c.inRecovery,
      c.standbySignal,
      c.recoverySignal,
      c.recoveryConf,
      c.promoteRequested,
      c.restoreInProgress,
      c.pgControlState,
      c.replication?.connectedStandbys?.map((x) => [x.application, x.state]) ?? null,
      c.replication?.receiverStatus ?? null,
      c.archiving?.failing ?? null,
      c.problems,
    ]),
    u: host.unidentifiedPostmasters.map((u) => u.pid),
    a: alerts.map((a) => a.text),
  });
}

/** A cluster visibly in the middle of a change: worth polling fast for a few seconds. */
function unsettled(c: ClusterFacts): boolean {
  if (c.running !== true) return false;
  if (c.promoteRequested === true) return true;
  if (c.pmStatus === 'starting' || c.pmStatus === 'stopping') return true;
  // The signal file is gone but the server still says it is in recovery: promotion under way.
  return c.inRecovery === true && c.standbySignal === false && c.recoverySignal === false && c.recoveryConf === null;
}

/** Publish (and notify when role or label changed) if something changed or the heartbeat is due. */
function maybePublish(o: Out, now: number): void {
  const s = o.state;
  if (!s.host || s.factsAt === null) return;
  if (s.publishBlockedUntil !== null && now < s.publishBlockedUntil) return;
  const key = contentKey(s.host, s.alerts) + extraKey(s.extra);
  const changed = key !== s.publishedKey;
  const heartbeatDue = s.lastPublishAt === null || now - s.lastPublishAt >= HEARTBEAT_MS;
  const fresh = now - s.factsAt <= staleAfterMs(s);
  // Unchanged facts are published only as a heartbeat, and only while they are fresh: the
  // heartbeat of facts nobody could confirm must age, so that shells show them as stale.
  if (!changed && !(heartbeatDue && fresh)) return;
  const role = hostRole(s.host);
  const label = labelWithExtra(renderLabel(s.host), s.extra, s.host);
  const stateDue = changed || s.lastStatePublishAt === null || now - s.lastStatePublishAt >= Math.min(STATE_REFRESH_MS, (s.config.watch.staleAfterSeconds * 1000) / 2);
  o.effects.push({
    type: 'publish',
    doc: stateDue ? docWithExtra(buildStateDoc({ host: s.host, alerts: s.alerts, nowMs: now, pid: s.pid }), s.extra) : null,
    prompt: renderPrompt({ heartbeat: now / 1000, role, label, alerts: alertsWithExtra(s.alerts, s.extra) }),
  });
  s.lastPublishAt = now;
  if (stateDue) s.lastStatePublishAt = now;
  s.publishedKey = key;
  s.publishBlockedUntil = null;
  s.published = { role, label };
  if (!s.notified || s.notified.role !== role || s.notified.label !== label) {
    o.effects.push({ type: 'notify-shells', role, label });
    s.notified = { role, label };
  }
}

/** Tell the adapter what to watch when the set of data dirs (or their identity) changed. */
function maybeWatch(o: Out): void {
  const s = o.state;
  const dirs = knownDirs(s);
  const key = dirs.map((d) => `${d}@${s.known[d]!.id ?? ''}@${s.known[d]!.goneSince === null ? '' : 'gone'}`).join('\n');
  if (key === s.watchKey) return;
  s.watchKey = key;
  o.effects.push({ type: 'watch', dataDirs: dirs });
}

// ---------- event handlers ----------

function onFacts(o: Out, host: HostFacts, req: GatherRequest, now: number): void {
  const s = o.state;
  const first = s.host === null;
  s.host = host;
  s.factsAt = now;
  s.gatherFailures = 0;
  s.lastGatherError = null;
  if (s.staleLogged) {
    log(o, 'facts are fresh again: publishing resumed');
    s.staleLogged = false;
  }
  if (req.sql) s.nextSqlAt = now + sqlIntervalMs(s);
  if (req.rediscover) s.nextRediscoverAt = now + s.config.watch.rediscoverIntervalMs;

  // One log line per cluster found, lost, or changing role.
  const known: Record<string, KnownCluster> = {};
  for (const c of host.clusters) {
    const role = clusterPromptRole(c);
    const prev = s.known[c.dataDir];
    if (!prev) log(o, `${first ? 'cluster found' : 'cluster appeared'}: ${c.name} ${c.dataDir} ${role} (${why(c)})`);
    else if (prev.goneSince !== null) log(o, `cluster back: ${c.name} ${c.dataDir} ${role} (${why(c)})`);
    else if (prev.role !== role) log(o, `role change: ${c.name} ${c.dataDir} ${prev.role} -> ${role} (${why(c)})`);
    known[c.dataDir] = { name: c.name, role, id: c.id, goneSince: null };
  }
  for (const [dir, k] of Object.entries(s.known)) {
    if (known[dir]) continue;
    if (k.goneSince === null) {
      log(o, `cluster gone: ${k.name} ${dir} (was ${k.role}): no data directory there any more`);
      known[dir] = { ...k, goneSince: now };
    } else if (now - k.goneSince < GONE_KEEP_MS) known[dir] = k;
  }
  s.known = known;

  for (const p of host.problems) if (!s.hostProblems.includes(p)) log(o, `problem: ${p}`);
  s.hostProblems = [...host.problems];

  const { alerts, memory } = computeAlerts(host, s.memory, now, s.config);
  const before = new Set(s.alerts.map((a) => a.text));
  const after = new Set(alerts.map((a) => a.text));
  for (const a of alerts) if (!before.has(a.text)) log(o, `alert: ${a.text} (${a.detail})`);
  for (const a of s.alerts) if (!after.has(a.text)) log(o, `alert cleared: ${a.text}`);
  s.alerts = alerts;
  s.memory = memory;

  if (first) log(o, `watching ${host.clusters.length} cluster(s); host role ${hostRole(host)}: ${renderLabel(host)}`);

  s.settleAt = now < s.settleUntil && host.clusters.some(unsettled) ? now + SETTLE_STEP_MS : null;
  // The follow-up gathers are for a server whose SQL answer lags its files: a stopped (or
  // vanished) cluster has none, so its file events need no follow-ups.
  if (s.burstDirs.length) {
    const live = s.burstDirs.filter((d) => host.clusters.some((c) => c.dataDir === d && c.running !== false));
    if (live.length !== s.burstDirs.length) {
      s.burstDirs = live;
      if (live.length === 0) s.bursts = [];
    }
  }
  maybeWatch(o);
  maybePublish(o, now);
}

function onConfigLoaded(o: Out, loaded: LoadedConfig, now: number): void {
  const s = o.state;
  const fingerprint = JSON.stringify({ c: loaded.config, p: loaded.problems, f: loaded.files });
  if (fingerprint === s.configFingerprint) return;
  s.configFingerprint = fingerprint;
  for (const p of loaded.problems) log(o, `config problem: ${p.file}: ${p.key === '(file)' ? '' : `key ${p.key}: `}${p.message}`);
  if (loaded.problems.length > 0 && s.configAdopted) {
    log(o, 'config: keeping the configuration in force until the file is fixed');
    return;
  }
  const old = s.config;
  const wasAdopted = s.configAdopted;
  s.config = loaded.config;
  s.configAdopted = true;
  if (!wasAdopted) {
    if (loaded.problems.length > 0) log(o, 'config: starting with the valid parts and the defaults for the rest');
    return;
  }
  log(o, `config: reloaded${loaded.files.length ? ` from ${loaded.files.join(', ')}` : ' (no file: defaults)'}`);
  if (JSON.stringify(old.discovery) !== JSON.stringify(s.config.discovery) || JSON.stringify(old.sql) !== JSON.stringify(s.config.sql)) {
    requestGather(o, { sql: true, rediscover: true, scope: 'all', dirs: [] }, now);
  }
  if (s.nextSqlAt !== null) s.nextSqlAt = Math.min(s.nextSqlAt, now + sqlIntervalMs(s));
  if (s.nextRediscoverAt !== null) s.nextRediscoverAt = Math.min(s.nextRediscoverAt, now + s.config.watch.rediscoverIntervalMs);
  // New colours or title settings: the shells must redraw with them.
  if (JSON.stringify(old.shell) !== JSON.stringify(s.config.shell) && s.published) o.effects.push({ type: 'notify-shells', ...s.published });
}

function onTick(o: Out, now: number): void {
  const s = o.state;
  let req: GatherRequest | null = null;
  if (s.bursts.length && s.bursts[0]! <= now) {
    s.bursts = s.bursts.filter((t) => t > now);
    req = mergeReq(req, { sql: false, rediscover: false, scope: 'live', dirs: s.burstDirs });
    if (s.bursts.length === 0) s.burstDirs = [];
  }
  if (s.settleAt !== null && s.settleAt <= now) {
    s.settleAt = null;
    req = mergeReq(req, { sql: true, rediscover: false, scope: 'live', dirs: [] });
  }
  if (s.nextSqlAt !== null && s.nextSqlAt <= now) {
    s.nextSqlAt = now + sqlIntervalMs(s);
    req = mergeReq(req, { sql: true, rediscover: false, scope: 'sql', dirs: [] });
  }
  if (s.nextRediscoverAt !== null && s.nextRediscoverAt <= now) {
    s.nextRediscoverAt = now + s.config.watch.rediscoverIntervalMs;
    req = mergeReq(req, { sql: true, rediscover: true, scope: 'all', dirs: [] });
    // The config files are watched; reading them again now and then also catches a missed event.
    o.effects.push({ type: 'load-config' });
  }
  if (req) requestGather(o, req, now);
  if (s.host && s.factsAt !== null && now - s.factsAt > staleAfterMs(s) && !s.staleLogged) {
    s.staleLogged = true;
    log(o, `no fresh facts for ${Math.round((now - s.factsAt) / 1000)} s${s.lastGatherError ? ` (last error: ${s.lastGatherError})` : ''}: heartbeats stop, shells will show the state as stale`);
  }
  maybePublish(o, now);
}

/** The reducer. Pure and total: any event in any state gives a state and effects, never an exception. */
export function reduce(state: WatchState, event: WatchEvent, now: number): { state: WatchState; effects: Effect[] } {
  const o: Out = { state: { ...state }, effects: [] };
  const s = o.state;
  try {
    switch (event.type) {
      case 'started':
        s.nextSqlAt = now + sqlIntervalMs(s);
        s.nextRediscoverAt = now + s.config.watch.rediscoverIntervalMs;
        requestGather(o, { sql: true, rediscover: true, scope: 'all', dirs: [] }, now);
        break;
      case 'tick':
        onTick(o, now);
        break;
      case 'file-changed':
        burst(o, now, event.dataDir);
        break;
      case 'dir-gone':
        // The other clusters' SQL facts still hold: read the files again, SQL only where they changed.
        requestGather(o, { sql: false, rediscover: false, scope: 'live', dirs: [event.dataDir] }, now);
        break;
      case 'dir-back':
        burst(o, now, event.dataDir);
        break;
      case 'config-changed':
        o.effects.push({ type: 'load-config' });
        break;
      case 'config-loaded':
        onConfigLoaded(o, event.loaded, now);
        break;
      case 'facts': {
        if (!s.inFlight || s.inFlight.seq !== event.seq) break; // a late answer to a gather given up on
        const req = s.inFlight.req;
        s.inFlight = null;
        onFacts(o, event.host, req, now);
        if (s.queued) {
          const q = s.queued;
          s.queued = null;
          requestGather(o, q, now);
        }
        break;
      }
      case 'gather-failed': {
        if (!s.inFlight || s.inFlight.seq !== event.seq) break;
        s.inFlight = null;
        s.gatherFailures += 1;
        if (event.error !== s.lastGatherError) log(o, `gather failed: ${event.error} (keeping the last facts, retrying)`);
        s.lastGatherError = event.error;
        // Back off a little, never beyond the normal interval.
        s.nextSqlAt = now + Math.min(sqlIntervalMs(s), 500 * s.gatherFailures);
        if (s.queued) {
          const q = s.queued;
          s.queued = null;
          requestGather(o, q, now);
        }
        break;
      }
      case 'published':
        if (s.lastPublishError !== null) log(o, 'publishing the state works again');
        s.lastPublishError = null;
        break;
      case 'publish-failed':
        if (event.error !== s.lastPublishError) log(o, `cannot publish the state: ${event.error} (retrying every ${PUBLISH_RETRY_MS / 1000} s)`);
        s.lastPublishError = event.error;
        s.publishBlockedUntil = now + PUBLISH_RETRY_MS;
        s.publishedKey = null; // publish again (both files), and tell the shells again once it works
        s.lastStatePublishAt = null;
        s.published = null;
        s.notified = null;
        break;
      case 'watcher-error':
        logOnce(o, `file watcher: ${event.error}`);
        break;
      case 'extra':
        s.extra = { fleet: event.fleet !== undefined ? event.fleet : s.extra.fleet, patroni: event.patroni ?? s.extra.patroni };
        maybePublish(o, now);
        break;
      default:
        break;
    }
  } catch (e) {
    // A bug here must not stop the watcher: keep the previous state, say what happened.
    return { state, effects: [{ type: 'log', line: `internal error handling ${event.type}: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  return o;
}
