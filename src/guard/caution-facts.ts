// Facts that only add caution, read for the clusters a command touches (cheap, synchronous):
// whether Patroni manages them (a stat and one pass over /proc), and the replication set as the
// watcher last published it in state.json (never etcd itself: the guard must not wait on a network).
import type { HostFacts } from '../facts/types.js';
import { mayBePatroniManaged, NO_PATRONI, patroniFacts, scanPatroni } from '../patroni/detect.js';
import { readFleetFromState } from '../fleet/state-read.js';
import { findStateDir } from '../util/state-dir.js';

/** Adds `patroni` to the touched clusters and `fleet` to the host. Mutates and returns `facts`. */
export function addCautionFacts(facts: HostFacts, touched: Set<string>, env: NodeJS.ProcessEnv, nowMs: number): HostFacts {
  const mine = facts.clusters.filter((c) => touched.has(c.dataDir));
  // The /proc pass for Patroni daemons only when something says Patroni may be here.
  const scan = mine.some((c) => mayBePatroniManaged(c)) ? scanPatroni() : NO_PATRONI;
  for (const c of mine) c.patroni = patroniFacts(c, scan);
  const dir = findStateDir(env);
  facts.fleet = dir ? readFleetFromState(dir, nowMs) : null;
  return facts;
}
