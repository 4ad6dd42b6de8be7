// Noticing that a touched cluster changed role or liveness while the screen was open (pure).
// The operator read one thing and is about to confirm it; if it is no longer true, say so.
import type { ClusterFacts, Role, Tri } from '../facts/types.js';
import type { Verdict } from '../policy/types.js';
import { clockTime } from './format.js';
import { describeRole } from './roles.js';

/** What was known about one touched cluster when the operator last saw it. */
export interface Seen {
  name: string;
  running: Tri | null;
  role: Role | null;
  words: string;
  /** When these facts were read (shown on TERM=dumb, where a ticking age would redraw). */
  observedAt: string | null;
}

export interface RoleChange {
  dataDir: string;
  name: string;
  before: string;
  after: string;
  /** Local time the new state was observed ("03:12:05"). */
  at: string;
}

/** The touched clusters in the verdict's order; touched data dirs without facts are null. */
export function touchedClusters(verdict: Verdict, clusters: ClusterFacts[]): Array<{ dataDir: string; facts: ClusterFacts | null }> {
  const dirs = verdict.touched.length > 0 ? verdict.touched : clusters.map((c) => c.dataDir);
  const out = dirs.map((d) => ({ dataDir: d, facts: clusters.find((c) => c.dataDir === d) ?? null }));
  for (const c of clusters) if (!dirs.includes(c.dataDir)) out.push({ dataDir: c.dataDir, facts: c });
  return out;
}

/** Snapshot of the touched clusters, keyed by data dir. */
export function snapshot(verdict: Verdict, clusters: ClusterFacts[]): Map<string, Seen> {
  const m = new Map<string, Seen>();
  for (const { dataDir, facts } of touchedClusters(verdict, clusters)) {
    m.set(dataDir, facts
      ? { name: facts.name, running: facts.running, role: facts.role, words: describeRole(facts).words, observedAt: facts.observedAt }
      : { name: dataDir, running: null, role: null, words: 'not found (no facts): UNKNOWN — treated as primary', observedAt: null });
  }
  return m;
}

/** Differences in liveness or role (or the words derived from them) between two snapshots. */
export function diffSnapshots(before: Map<string, Seen>, after: Map<string, Seen>, observedAt: Map<string, string>): RoleChange[] {
  const out: RoleChange[] = [];
  for (const dir of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(dir);
    const a = after.get(dir);
    if (b && a && b.running === a.running && b.role === a.role && b.words === a.words) continue;
    out.push({
      dataDir: dir,
      name: b?.name ?? a?.name ?? dir,
      before: b ? b.words : 'not touched',
      after: a ? a.words : 'no longer touched',
      at: clockTime(observedAt.get(dir) ?? null),
    });
  }
  return out;
}

/** "15/replica was running standby, is now RUNNING PRIMARY (03:12:05)" */
export function describeChange(c: RoleChange): string {
  return `${c.name} was ${c.before}, is now ${c.after} (${c.at})`;
}
