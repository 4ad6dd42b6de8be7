// Fleet rows (pure): what other members of a cluster's replication set report, as read by the
// watcher from etcd and published in state.json. Only ever more caution: a peer's report can add
// a confirmation (or make one strong), never allow what the table refuses or asks about.
import type { ClusterFacts } from '../facts/types.js';
import { setOf } from '../fleet/view.js';
import type { FleetMember, FleetView } from '../fleet/types.js';
import { compareLsn } from '../fleet/report.js';
import type { Caution } from './caution.js';
import type { PatroniRow } from './patroni.js';
import { clusterState } from './words.js';

const q = (a: string) => (a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** "as reported by the fleet (etcd), 3 s ago" / "... STALE: etcd unreachable, last sync 40 s ago". */
function asOf(view: FleetView): string {
  const age = view.ageSeconds === null ? 'never synced' : `${view.ageSeconds} s ago`;
  return view.connected ? `the fleet view in etcd (via the watcher; synced ${age})` : `the fleet view in etcd, STALE (etcd unreachable; last sync ${age})`;
}

export function fleetReasons(row: PatroniRow, c: ClusterFacts, what: string, view: FleetView | null, _host: string): Caution[] {
  if (!view) return [];
  const members = setOf(view, c.dataDir, view.self);
  if (!members) return [];
  const others = members.filter((m) => !(m.local && m.host === view.self && m.dataDir === c.dataDir));
  const livePrimaries = others.filter((m) => !m.expired && m.running === true && m.role === 'primary' && m.host !== view.self);
  const state = clusterState(c);
  const base = { cluster: c.name, dataDir: c.dataDir, state, role: null, how: asOf(view) };
  const out: Caution[] = [];
  const names = (ms: FleetMember[]) => ms.map((m) => `${m.host} (${m.cluster})`).join(', ');

  if (row === 'promote' && state !== 'running-primary' && livePrimaries.length) {
    out.push({
      strong: true,
      reason: { ...base, verdict: 'confirm', what: `${what}: ${names(livePrimaries)} reports a live PRIMARY of the same replication set`, next: `Promoting here gives two primaries (split brain). Stop or fence the primary on ${livePrimaries[0]!.host} first, or promote nothing.` },
    });
  }
  if (row === 'remove' && (state === 'stopped' || state === 'stopped-standby')) {
    const anyLivePrimary = members.some((m) => !m.expired && m.running === true && m.role === 'primary');
    const me = members.find((m) => m.local && m.dataDir === c.dataDir);
    // Newest: the highest timeline (a promotion forks a new one), then the highest LSN on it.
    const newer = (m: FleetMember): number | null => {
      if (me?.timeline == null || m.timeline == null) return null;
      if (me.timeline !== m.timeline) return me.timeline > m.timeline ? 1 : -1;
      return compareLsn(me.lsn, m.lsn);
    };
    const newest = me?.lsn && others.every((m) => {
      const d = newer(m);
      return d !== null && d >= 0;
    });
    if (!anyLivePrimary && newest) {
      out.push({
        strong: true,
        reason: { ...base, verdict: 'confirm', what: `${what}: it may be the NEWEST copy of its replication set: no member reports a live primary, and its timeline ${me!.timeline} and LSN ${me!.lsn} are the highest of ${members.length} members`, next: 'This may be the copy a failover should start from. Check every member before deleting it.' },
      });
    } else if (state === 'stopped-standby' && livePrimaries.length) {
      const p = livePrimaries[0]!;
      const cmd = ['pg_basebackup', '-h', p.host, ...(p.port ? ['-p', String(p.port)] : []), '-D', c.dataDir, '-R', '-X', 'stream'].map(q).join(' ');
      out.push({
        strong: false,
        reason: { ...base, verdict: 'confirm', what: `${what}: a stopped standby whose primary is live on ${p.host} (${p.cluster})`, next: `To rebuild it afterwards: ${cmd}` },
      });
    }
  }
  return out;
}
