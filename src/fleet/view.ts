// The fleet view (pure): members of the replication sets this host has locally, as last seen in
// etcd, with the alerts they call for: split brain across hosts, a member gone silent, a primary
// with no standby anywhere, version drift between members.
import type { FleetAlert, FleetMember, FleetSet, FleetView, MemberReport } from './types.js';
import { ROLE_WORD } from '../contract.js';
import { oncePer } from '../util/memo.js';

/** A member whose key vanished is remembered (and alerted on) this long. */
export const SILENT_KEEP_MS = 10 * 60_000;

export interface KnownMember {
  report: MemberReport;
  /** Last time etcd confirmed the key was there (epoch ms). */
  seenAt: number;
  /** When the key went away (lease expired or deleted), else null. */
  goneAt: number | null;
}

/** Seconds in coarse steps, so that prompt text (and shell redraws) change rarely. */
export function coarseAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${Math.floor(s / 10) * 10} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

const live = (m: FleetMember) => !m.expired && m.running === true;

/** "15.14" -> "15"; minor drift is within one major. */
const major = (v: string) => v.split('.')[0]!;

function alertsFor(set: FleetSet, self: string): FleetAlert[] {
  const out: FleetAlert[] = [];
  const sysid = set.systemIdentifier;
  const name = set.members.find((m) => m.local)?.cluster ?? sysid;
  const primaries = set.members.filter((m) => live(m) && m.role === 'primary');
  const hosts = [...new Set(primaries.map((m) => m.host))];
  if (hosts.length > 1) out.push({ kind: 'fleet-split-brain', systemIdentifier: sysid, text: `SPLIT BRAIN across hosts: ${name} is PRIMARY on ${hosts.join(' and ')}` });
  for (const m of set.members) if (m.expired && m.host !== self) out.push({ kind: 'member-silent', systemIdentifier: sysid, text: `${m.host}: no report for ${coarseAge(m.silentSeconds)} (${m.cluster})` });
  if (primaries.length > 0 && set.members.length > 1 && !set.members.some((m) => live(m) && (m.role === 'standby' || m.role === 'recovering')))
    out.push({ kind: 'no-standby-anywhere', systemIdentifier: sysid, text: `no standby anywhere for ${name} (primary on ${hosts.join(', ')})` });
  const mine = set.members.filter((m) => m.local && m.host === self);
  for (const me of mine) {
    for (const peer of set.members) {
      if (peer.host === self || peer.expired) continue;
      for (const [tool, label] of [['walg', 'wal-g'], ['pgbackrest', 'pgBackRest']] as const) {
        const a = me.versions[tool];
        const b = peer.versions[tool];
        if (a && b && a !== b) out.push({ kind: 'version-drift', systemIdentifier: sysid, text: `${label} ${a} here, ${b} on ${peer.host}` });
      }
      const a = me.versions.server;
      const b = peer.versions.server;
      if (a && b && a !== b && major(a) === major(b)) out.push({ kind: 'version-drift', systemIdentifier: sysid, text: `PostgreSQL ${a} here, ${b} on ${peer.host}` });
    }
  }
  // One line per text.
  return out.filter((a, i) => out.findIndex((b) => b.text === a.text) === i);
}

/** Build the view from what is known, for the local system identifiers only. */
export function buildView(input: { self: string; localSysids: string[]; known: Iterable<KnownMember>; nowMs: number; connected: boolean; syncedAt: number | null; error: string | null }): FleetView {
  const bySet = new Map<string, FleetMember[]>();
  for (const sysid of input.localSysids) bySet.set(sysid, []);
  for (const k of input.known) {
    const list = bySet.get(k.report.systemIdentifier);
    if (!list) continue;
    const expired = k.goneAt !== null;
    list.push({ ...k.report, local: k.report.host === input.self, expired, silentSeconds: Math.max(0, (input.nowMs - (expired ? k.goneAt! : k.seenAt)) / 1000) });
  }
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const sets: FleetSet[] = [...bySet.entries()].map(([systemIdentifier, members]) => ({ systemIdentifier, members: members.sort((a, b) => cmp(a.host, b.host) || cmp(a.dataDir, b.dataDir)) }));
  const order = { 'fleet-split-brain': 0, 'member-silent': 1, 'no-standby-anywhere': 2, 'version-drift': 3 } as const;
  const alerts = input.connected || input.syncedAt !== null ? sets.flatMap((s) => alertsFor(s, input.self)).sort((a, b) => order[a.kind] - order[b.kind]) : [];
  return {
    self: input.self,
    connected: input.connected,
    syncedAt: input.syncedAt === null ? null : new Date(input.syncedAt).toISOString(),
    ageSeconds: input.syncedAt === null ? null : Math.max(0, Math.round((input.nowMs - input.syncedAt) / 1000)),
    error: input.error,
    sets,
    alerts,
  };
}


/** Lag in the prompt's words: "0s", "lag 3m". */
function lagWords(sec: number | null): string {
  if (sec === null) return '';
  if (sec < 60) return ` ${Math.round(sec / 5) * 5}s`.replace(' 0s', ' 0s');
  if (sec < 3600) return ` lag ${Math.round(sec / 60)}m`;
  return ` lag ${Math.round(sec / 3600)}h`;
}

/**
 * The peers' part of the prompt label: "db-02 standby 0s, dr-01 standby lag 3m" (and
 * "fleet stale 40 s" first when etcd cannot be reached). Coarse on purpose: it changes rarely.
 */
export function fleetSegment(view: FleetView | null): string {
  // Once per view (views are never changed once made): the prompt's label asks at every heartbeat.
  return view ? segmentOf(view) : '';
}

const segmentOf = oncePer((view: FleetView): string => {
  const parts: string[] = [];
  if (!view.connected) parts.push(view.ageSeconds === null ? 'fleet unknown' : `fleet stale ${coarseAge(view.ageSeconds).replace(' ', '')}`);
  const seen = new Set<string>();
  for (const s of view.sets) {
    for (const m of s.members) {
      if (m.host === view.self) continue;
      const text = m.expired ? `${m.host} silent` : `${m.host} ${(ROLE_WORD as Record<string, string>)[m.role] ?? ROLE_WORD.unknown}${m.role === 'standby' ? lagWords(m.replayLagSeconds) : ''}`;
      if (seen.has(text)) continue;
      seen.add(text);
      parts.push(text);
    }
  }
  return parts.join(', ');
});

/** The members of the set of a local cluster (by data dir), or null. */
export function setOf(view: FleetView | null | undefined, dataDir: string, self: string): FleetMember[] | null {
  if (!view) return null;
  for (const s of view.sets) if (s.members.some((m) => m.local && m.host === self && m.dataDir === dataDir)) return s.members;
  return null;
}
