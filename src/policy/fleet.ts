// Fleet rows (pure): what other members of a cluster's replication set report, as read by the
// watcher from etcd and published in state.json. Only ever more caution.
import type { ClusterFacts } from '../facts/types.js';
import type { FleetView } from '../fleet/types.js';
import type { Caution } from './caution.js';
import type { PatroniRow } from './patroni.js';

export function fleetReasons(_row: PatroniRow, _c: ClusterFacts, _what: string, _fleet: FleetView | null, _host: string): Caution[] {
  return [];
}
