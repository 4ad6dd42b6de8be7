// When the watcher reducer publishes (pure): on every change of what it would publish (the
// publish key, src/watch/publish-key.ts), and otherwise as a heartbeat while the facts are fresh;
// when it tells the shells (role or label changed); when it tells the adapter what to watch.
import type { HostFacts } from '../facts/types.js';
import type { Alert, PromptRole, StateDoc } from './events.js';
import { buildStateDoc, hostRole, renderLabel, renderPrompt } from './publish.js';
import { alertsWithExtra, docWithExtra, labelWithExtra, type ExtraState } from '../fleet/extra.js';
import { publishKey } from './publish-key.js';
import { HEARTBEAT_MS, STATE_REFRESH_MS } from './schedule.js';
import { knownDirs, staleAfterMs, type Out, type WatchState } from './watch-state.js';

/** What a publish would write now: both files, and the role and label the shells are told. */
export interface Publishable {
  doc: StateDoc;
  prompt: string;
  role: PromptRole;
  label: string;
}

/** The prompt file's text, and the role and label the shells are told. */
function promptFor(s: WatchState, host: HostFacts, now: number): Omit<Publishable, 'doc'> {
  const role = hostRole(host);
  const label = labelWithExtra(renderLabel(host), s.extra, host);
  return { prompt: renderPrompt({ heartbeat: now / 1000, role, label, alerts: alertsWithExtra(s.alerts, s.extra) }), role, label };
}

/** state.json's document. */
function docFor(s: WatchState, host: HostFacts, now: number): StateDoc {
  return docWithExtra(buildStateDoc({ host, alerts: s.alerts, nowMs: now, pid: s.pid }), s.extra);
}

export function publishable(s: WatchState, host: HostFacts, now: number): Publishable {
  return { doc: docFor(s, host, now), ...promptFor(s, host, now) };
}

const keyCache = new WeakMap<HostFacts, { alerts: Alert[]; extra: ExtraState; pid: number; key: string }>();

/** The publish key of the state's facts: computed once per gather (and per change of alerts or extras), not at every tick. */
export function currentKey(s: WatchState, host: HostFacts): string {
  const hit = keyCache.get(host);
  if (hit && hit.alerts === s.alerts && hit.extra === s.extra && hit.pid === s.pid) return hit.key;
  const p = publishable(s, host, 0);
  const key = publishKey(p.doc, p.prompt);
  keyCache.set(host, { alerts: s.alerts, extra: s.extra, pid: s.pid, key });
  return key;
}

/** Publish (and notify when role or label changed) if something changed or the heartbeat is due. */
export function maybePublish(o: Out, now: number): void {
  const s = o.state;
  if (!s.host || s.factsAt === null) return;
  if (s.publishBlockedUntil !== null && now < s.publishBlockedUntil) return;
  const key = currentKey(s, s.host);
  const changed = key !== s.publishedKey;
  const heartbeatDue = s.lastPublishAt === null || now - s.lastPublishAt >= HEARTBEAT_MS;
  const fresh = now - s.factsAt <= staleAfterMs(s);
  // Unchanged facts are published only as a heartbeat, and only while they are fresh: the
  // heartbeat of facts nobody could confirm must age, so that shells show them as stale.
  if (!changed && !(heartbeatDue && fresh)) return;
  const { prompt, role, label } = promptFor(s, s.host, now);
  const stateDue = changed || s.lastStatePublishAt === null || now - s.lastStatePublishAt >= Math.min(STATE_REFRESH_MS, (s.config.watch.staleAfterSeconds * 1000) / 2);
  o.effects.push({ type: 'publish', doc: stateDue ? docFor(s, s.host, now) : null, prompt });
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
export function maybeWatch(o: Out): void {
  const s = o.state;
  const dirs = knownDirs(s);
  const key = dirs.map((d) => `${d}@${s.known[d]!.id ?? ''}@${s.known[d]!.goneSince === null ? '' : 'gone'}`).join('\n');
  if (key === s.watchKey) return;
  s.watchKey = key;
  o.effects.push({ type: 'watch', dataDirs: dirs });
}
