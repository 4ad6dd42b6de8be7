// The watcher's brain, pure: reduce(state, event, now) -> { state, effects }. It decides when to
// gather (file events, SQL interval, rediscovery), when to publish (every change, and a heartbeat),
// when to tell the shells (role or label changed), and what to log. It never throws and does no
// I/O: the loop (loop.ts) runs the effects and feeds their results back as events.
import type { LoadedConfig } from '../config/schema.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { computeAlerts } from './alerts.js';
import type { Effect, GatherRequest, WatchEvent } from './events.js';
import { clusterPromptRole, hostRole, renderLabel } from './publish.js';
import { maybePublish, maybeWatch } from './reducer-publish.js';
import { burst, GONE_KEEP_MS, mergeReq, PUBLISH_RETRY_MS, requestGather, retryAfterFailureMs, SETTLE_STEP_MS, unsettled } from './schedule.js';
import { log, logOnce, sqlIntervalMs, staleAfterMs, type KnownCluster, type Out, type WatchState } from './watch-state.js';

// The reducer's parts: its state (watch-state.ts), when it gathers (schedule.ts), when it
// publishes (reducer-publish.ts, publish-key.ts). Their names are exported here too.
export { initialState, knownDirs, sqlIntervalMs, staleAfterMs, type InitialInput, type WatchState } from './watch-state.js';
export { BURST_DELAYS_MS, GONE_KEEP_MS, HEARTBEAT_MS, nextWakeAt, PUBLISH_RETRY_MS, retryAfterFailureMs, SETTLE_STEP_MS, SETTLE_WINDOW_MS, STATE_REFRESH_MS } from './schedule.js';
export { publishKey } from './publish-key.js';

/** How the cluster's role was known, for log lines. */
function why(c: ClusterFacts): string {
  return c.running === true ? c.roleDetail : c.runningSource;
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
        s.nextSqlAt = now + retryAfterFailureMs(s);
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
