// Extra rows of the decision that can only add caution (pure): Patroni-managed clusters, and
// what the watcher knows of the rest of a cluster's replication set (docs/fleet.md). They never
// turn a refusal or a question into an allow: decide() keeps the strictest verdict.
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import type { Reason, Row } from './types.js';
import { patroniReason, type PatroniRow } from './patroni.js';
import { fleetReasons } from './fleet.js';

export interface Caution {
  reason: Reason;
  strong: boolean;
}

/** The Patroni/fleet row an extra row counts as: what it does to the cluster. */
function cautionRow(row: Row): PatroniRow {
  switch (row) {
    case 'offline':
    case 'offline-strong':
    case 'wipe':
      return 'remove';
    case 'wal-fetch':
      return 'write-into';
    case 'signal-odd':
      return 'kill';
    case 'host-down':
      return 'stop';
    default:
      return row;
  }
}

/** Every caution for one cluster touched by one row of the table. */
export function cautions(row: Row, c: ClusterFacts, what: string, fleet: HostFacts['fleet'], host: string): Caution[] {
  const out: Caution[] = [];
  const p = patroniReason(cautionRow(row), c, what, what.includes(' restart ('));
  if (p) out.push({ reason: p, strong: false });
  out.push(...fleetReasons(cautionRow(row), c, what, fleet ?? null, host));
  return out;
}
