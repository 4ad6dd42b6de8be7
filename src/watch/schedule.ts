// When the watcher reducer gathers (pure): the timing constants, the coalescing of gather
// requests (never two at once), the burst of gathers after a file event, and the next wake-up.
import type { ClusterFacts } from '../facts/types.js';
import type { GatherRequest } from './events.js';
import { sqlIntervalMs, staleAfterMs, type Out, type WatchState } from './watch-state.js';

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

/** After a failed gather, the next one in this long: 0.5 s more for each failure in a row, never beyond the SQL interval. */
export function retryAfterFailureMs(s: Pick<WatchState, 'gatherFailures' | 'intervalOverrideMs' | 'config'>): number {
  return Math.min(sqlIntervalMs(s), 500 * s.gatherFailures);
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

export function mergeReq(a: GatherRequest | null, b: GatherRequest): GatherRequest {
  if (!a) return { ...b };
  const rank = { sql: 0, live: 1, all: 2 } as const;
  const dirs = [...new Set([...a.dirs, ...b.dirs])].sort();
  return { sql: a.sql || b.sql, rediscover: a.rediscover || b.rediscover, scope: rank[a.scope] >= rank[b.scope] ? a.scope : b.scope, dirs };
}

/** Ask for a gather: run it now, or coalesce it into the one queued behind the gather in flight. */
export function requestGather(o: Out, req: GatherRequest, now: number): void {
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
export function burst(o: Out, now: number, dataDir: string): void {
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

/** A cluster visibly in the middle of a change: worth polling fast for a few seconds. */
export function unsettled(c: ClusterFacts): boolean {
  if (c.running !== true) return false;
  if (c.promoteRequested === true) return true;
  if (c.pmStatus === 'starting' || c.pmStatus === 'stopping') return true;
  // The signal file is gone but the server still says it is in recovery: promotion under way.
  return c.inRecovery === true && c.standbySignal === false && c.recoverySignal === false && c.recoveryConf === null;
}
