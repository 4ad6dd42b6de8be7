// Extra rows of the decision that can only add caution (pure): Patroni-managed clusters, and
// what the watcher knows of the rest of a cluster's replication set (docs/fleet.md). They never
// turn a refusal or a question into an allow: decide() keeps the strictest verdict.
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import type { Reason } from './types.js';
import { patroniReason, type PatroniRow } from './patroni.js';
import { fleetReasons } from './fleet.js';

export interface Caution {
  reason: Reason;
  strong: boolean;
}

/** Every caution for one cluster touched by one row of the table. */
export function cautions(row: PatroniRow, c: ClusterFacts, what: string, fleet: HostFacts['fleet'], host: string): Caution[] {
  const out: Caution[] = [];
  const p = patroniReason(row, c, what, what.includes(' restart ('));
  if (p) out.push({ reason: p, strong: false });
  out.push(...fleetReasons(row, c, what, fleet ?? null, host));
  return out;
}
