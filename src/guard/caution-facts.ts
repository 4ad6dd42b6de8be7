// Facts that only add caution, read for the clusters a command touches (cheap, synchronous):
// whether Patroni manages them (a stat and one pass over /proc), and the replication set as the
// watcher last published it in state.json (never etcd itself: the guard must not wait on a network).
import type { HostFacts } from '../facts/types.js';
import { patroniFacts, scanPatroni } from '../patroni/detect.js';
import { readFleetFromState } from '../fleet/state-read.js';
import { findStateDir } from '../util/state-dir.js';

/** Adds `patroni` to the touched clusters and `fleet` to the host. Mutates and returns `facts`. */
export function addCautionFacts(facts: HostFacts, touched: Set<string>, env: NodeJS.ProcessEnv, nowMs: number): HostFacts {
  const scan = scanPatroni();
  for (const c of facts.clusters) if (touched.has(c.dataDir)) c.patroni = patroniFacts(c, scan);
  const dir = findStateDir(env);
  facts.fleet = dir ? readFleetFromState(dir, nowMs) : null;
  return facts;
}
