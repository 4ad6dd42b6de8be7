// Alerts for the prompt (docs/design.md §4), pure: from the host's facts and what the watcher remembers
// of earlier gathers (a primary that had a standby, a `.ready` backlog that keeps growing).
import type { ClusterFacts, HostFacts, ReplicationFacts } from '../facts/types.js';
import type { Alert } from './events.js';
import { archiveAlerts, DEFAULT_LIMITS, walDiskAlerts, type HealthLimits, type WalSamples } from './health-alerts.js';

/** What the alerts need to remember between gathers (plain data, part of the reducer's state). */
export interface AlertMemory {
  /** Data dirs of primaries seen with a connected standby during this watcher's life. */
  hadStandby: Record<string, true>;
  /** Per data dir: the last `.ready` count and since when it has grown without ever shrinking. */
  ready: Record<string, { count: number; growingSince: number | null }>;
  /** pg_wal size samples per data dir, for the growth rate (health-alerts.ts). */
  wal?: WalSamples;
}

export function emptyAlertMemory(): AlertMemory {
  return { hadStandby: {}, ready: {}, wal: {} };
}

/** A `.ready` backlog that has grown, never shrunk, for this long means the archiver is stuck. */
export const READY_GROWING_MS = 60_000;
/** ...and holds at least this many segments (one or two waiting is normal between archiver runs). */
export const READY_MIN = 3;

/** SQL facts may carry the names of inactive physical slots (src/facts/sql.ts, optional). */
type WithSlots = ReplicationFacts & { inactivePhysicalSlots?: string[] };

function inactiveSlots(c: ClusterFacts): string[] {
  return (c.replication as WithSlots | null)?.inactivePhysicalSlots ?? [];
}

const running = (c: ClusterFacts) => c.running === true;

/** "a, b and c" */
function joinNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The alerts of this host now, and the updated memory. Pure. */
export function computeAlerts(host: Pick<HostFacts, 'clusters'>, memory: AlertMemory, nowMs: number, limits: HealthLimits = DEFAULT_LIMITS): { alerts: Alert[]; memory: AlertMemory } {
  const mem: AlertMemory = { hadStandby: { ...memory.hadStandby }, ready: {}, wal: {} };
  const walBefore = memory.wal ?? {};
  const alerts: Alert[] = [];

  // Two running primaries cloned from one another (same pg_control system identifier): the
  // split brain an un-fenced failover leaves behind.
  const bySystem = new Map<string, ClusterFacts[]>();
  for (const c of host.clusters) {
    if (!running(c) || c.role !== 'primary' || !c.systemIdentifier) continue;
    const list = bySystem.get(c.systemIdentifier) ?? [];
    list.push(c);
    bySystem.set(c.systemIdentifier, list);
  }
  for (const [sysid, list] of bySystem) {
    if (list.length < 2) continue;
    const names = list.map((c) => c.name);
    alerts.push({
      kind: 'split-brain',
      clusters: list.map((c) => c.dataDir),
      text: `SPLIT BRAIN: ${joinNames(names)} are both primaries`,
      detail: `${list.map((c) => `${c.name} (${c.dataDir})`).join(', ')} run as primaries of the same database system ${sysid}: writes to each are lost to the other`,
    });
  }

  for (const c of host.clusters) {
    const a = c.archiving;
    // WAL archiving: pg_stat_archiver says failing, or the `.ready` backlog keeps growing.
    if (running(c) && a && a.mode !== 'off') {
      let growingSince: number | null = null;
      const prev = memory.ready[c.dataDir];
      if (a.readyCount !== null) {
        if (prev && a.readyCount > prev.count) growingSince = prev.growingSince ?? nowMs;
        else if (prev && a.readyCount === prev.count) growingSince = prev.growingSince;
        mem.ready[c.dataDir] = { count: a.readyCount, growingSince };
      }
      const stuck = a.readyCount !== null && a.readyCount >= READY_MIN && growingSince !== null && nowMs - growingSince >= READY_GROWING_MS;
      if (a.failing || stuck) {
        alerts.push({
          kind: 'archiving-failing',
          clusters: [c.dataDir],
          text: `archiving failing on ${c.name}`,
          detail: a.failing
            ? `pg_stat_archiver: last failure ${a.lastFailedAt ?? '?'} (${a.lastFailedWal ?? '?'}) is newer than the last success ${a.lastArchivedAt ?? '(never)'}${a.health?.lastFailureLine ? `; server log: ${a.health.lastFailureLine}` : ''}`
            : `${a.readyCount} WAL segments wait in pg_wal/archive_status and the backlog has grown for ${Math.round((nowMs - (growingSince ?? nowMs)) / 1000)} s`,
        });
      }
    }
    // What pg_stat_archiver cannot tell (issue 11), and WAL filling the disk.
    if (running(c)) {
      alerts.push(...archiveAlerts(c, nowMs, limits, Boolean(a?.failing)));
      if (walBefore[c.dataDir]) mem.wal![c.dataDir] = [...walBefore[c.dataDir]!];
      alerts.push(...walDiskAlerts(c, nowMs, limits, mem.wal!));
    }

    // A primary that lost its standby. A standalone primary must not alert forever: only one
    // that had a standby during this watcher's life, or keeps a slot for one.
    const r = c.replication;
    if (running(c) && c.role === 'primary' && c.roleSource === 'sql' && r?.connectedStandbys) {
      if (r.connectedStandbys.length > 0) mem.hadStandby[c.dataDir] = true;
      const slots = inactiveSlots(c);
      if (r.connectedStandbys.length === 0 && (mem.hadStandby[c.dataDir] || slots.length > 0)) {
        alerts.push({
          kind: 'no-standby',
          clusters: [c.dataDir],
          text: `${c.name}: no standby connected`,
          detail: mem.hadStandby[c.dataDir] ? 'pg_stat_replication is empty; a standby was connected earlier' : `pg_stat_replication is empty; inactive physical replication slot(s): ${slots.join(', ')}`,
        });
      }
    }

    // A standby (confirmed over SQL) whose WAL receiver is not streaming.
    if (running(c) && c.role === 'standby' && c.roleSource === 'sql' && c.inRecovery === true && r && r.receiverStatus !== 'streaming') {
      alerts.push({
        kind: 'not-streaming',
        clusters: [c.dataDir],
        text: `${c.name}: not streaming`,
        detail: r.receiverStatus ? `WAL receiver status ${r.receiverStatus}` : 'no WAL receiver (pg_stat_wal_receiver is empty)',
      });
    }
  }
  return { alerts, memory: mem };
}
