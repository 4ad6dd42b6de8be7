// Alerts (pure): each one appears when it should, and only then.
import { describe, expect, it } from 'vitest';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import { cluster } from './watch-fixtures.js';
import { computeAlerts, emptyAlertMemory, READY_GROWING_MS, type AlertMemory } from '../../src/watch/alerts.js';


const host = (...clusters: ClusterFacts[]): Pick<HostFacts, 'clusters'> => ({ clusters });
const texts = (h: Pick<HostFacts, 'clusters'>, mem: AlertMemory = emptyAlertMemory(), now = 1_000_000) => computeAlerts(h, mem, now).alerts.map((a) => a.text);
const standbyConn = [{ application: 'replica', clientAddr: null, state: 'streaming', syncState: 'async', replayLagSeconds: 0 }];

describe('alerts', () => {
  it('a healthy primary + streaming standby: no alert', () => {
    const p = cluster('/d/15/main', 'primary', { replication: { connectedStandbys: standbyConn, upstream: null, receiverStatus: null, replayLagSeconds: null } });
    const s = cluster('/d/15/replica', 'standby');
    expect(texts(host(p, s))).toEqual([]);
  });

  it('archiving failing (pg_stat_archiver), and its absence when archive_mode is off or the cluster is stopped', () => {
    const arch = { mode: 'on', archivedCount: 1, failedCount: 4, lastArchivedAt: '2025-01-01T00:00:00Z', lastFailedAt: '2025-01-01T00:01:00Z', lastFailedWal: '000000010000000000000003', failing: true, readyCount: 1 };
    expect(texts(host(cluster('/d/15/main', 'primary', { archiving: arch })))).toEqual(['archiving failing on 15/main']);
    expect(texts(host(cluster('/d/15/main', 'primary', { archiving: { ...arch, failing: false } })))).toEqual([]);
    expect(texts(host(cluster('/d/15/main', 'primary', { archiving: { ...arch, mode: 'off' } })))).toEqual([]);
    expect(texts(host(cluster('/d/15/main', 'stopped', { archiving: arch })))).toEqual([]);
  });

  it('archiving failing: a .ready backlog that only grows for a minute', () => {
    const at = (n: number) => cluster('/d/15/main', 'primary', { archiving: { mode: 'on', archivedCount: 1, failedCount: 0, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing: false, readyCount: n } });
    let mem = emptyAlertMemory();
    let t = 0;
    const step = (n: number, dt: number) => {
      t += dt;
      const r = computeAlerts(host(at(n)), mem, t);
      mem = r.memory;
      return r.alerts.map((a) => a.text);
    };
    expect(step(1, 0)).toEqual([]);
    expect(step(3, 10_000)).toEqual([]); // growing, not for long yet
    expect(step(5, 20_000)).toEqual([]);
    expect(step(5, READY_GROWING_MS - 20_001)).toEqual([]); // growing (never shrinking) for 1 ms short of a minute
    expect(step(6, 1)).toEqual(['archiving failing on 15/main']); // a minute
    expect(step(2, 2_000)).toEqual([]); // the archiver made progress: over
    expect(step(4, 2_000)).toEqual([]); // grows again, but the clock starts anew
  });

  it('a primary that had a standby and lost it alerts; a standalone primary does not', () => {
    const withStandby = cluster('/d/15/main', 'primary', { replication: { connectedStandbys: standbyConn, upstream: null, receiverStatus: null, replayLagSeconds: null } });
    const alone = cluster('/d/15/main', 'primary');
    expect(texts(host(alone))).toEqual([]); // standalone from the start: never alerts
    const r1 = computeAlerts(host(withStandby), emptyAlertMemory(), 1);
    expect(r1.alerts).toEqual([]);
    expect(texts(host(alone), r1.memory, 2)).toEqual(['15/main: no standby connected']);
  });

  it('a primary with an inactive physical slot and no standby alerts even on its first sight', () => {
    const p = cluster('/d/15/main', 'primary', { replication: { connectedStandbys: [], upstream: null, receiverStatus: null, replayLagSeconds: null, inactivePhysicalSlots: ['replica1'] } as ClusterFacts['replication'] });
    expect(texts(host(p))).toEqual(['15/main: no standby connected']);
  });

  it('no "no standby" alert when pg_stat_replication could not be read (unknown is not zero)', () => {
    const r1 = computeAlerts(host(cluster('/d/15/main', 'primary', { replication: { connectedStandbys: standbyConn, upstream: null, receiverStatus: null, replayLagSeconds: null } })), emptyAlertMemory(), 1);
    const unknown = cluster('/d/15/main', 'primary', { replication: { connectedStandbys: null, upstream: null, receiverStatus: null, replayLagSeconds: null } });
    expect(texts(host(unknown), r1.memory)).toEqual([]);
  });

  it('a standby not streaming alerts; a streaming one, one known only from files, and a stopped one do not', () => {
    const mk = (status: string | null, extra: Partial<ClusterFacts> = {}) =>
      cluster('/d/15/replica', 'standby', { replication: { connectedStandbys: null, upstream: null, receiverStatus: status, replayLagSeconds: null }, ...extra });
    expect(texts(host(mk(null)))).toEqual(['15/replica: not streaming']);
    expect(texts(host(mk('waiting')))).toEqual(['15/replica: not streaming']);
    expect(texts(host(mk('streaming')))).toEqual([]);
    expect(texts(host(mk(null, { roleSource: 'signal-file', inRecovery: 'unknown' })))).toEqual([]);
    expect(texts(host(cluster('/d/15/replica', 'stopped', { standbySignal: true })))).toEqual([]);
  });

  it('split brain: two running primaries of one system identifier', () => {
    const a = cluster('/d/15/main', 'primary');
    const b = cluster('/d/15/replica', 'primary');
    const out = computeAlerts(host(a, b), emptyAlertMemory(), 1).alerts;
    expect(out.map((x) => x.text)).toEqual(['SPLIT BRAIN: 15/main and 15/replica are both primaries']);
    expect(out[0]!.clusters).toEqual(['/d/15/main', '/d/15/replica']);
    // Not when they are different systems, when one is a standby, or when one is stopped.
    expect(texts(host(a, cluster('/d/15/other', 'primary', { systemIdentifier: '999' })))).toEqual([]);
    expect(texts(host(a, cluster('/d/15/replica', 'standby')))).toEqual([]);
    expect(texts(host(a, cluster('/d/15/replica', 'stopped')))).toEqual([]);
    expect(texts(host(a, cluster('/d/15/x', 'primary'), cluster('/d/15/y', 'primary')))).toEqual(['SPLIT BRAIN: 15/main, 15/x and 15/y are both primaries']);
  });

  it('memory is not mutated (the reducer keeps it as plain state)', () => {
    const mem = emptyAlertMemory();
    const frozen = JSON.stringify(mem);
    computeAlerts(host(cluster('/d/15/main', 'primary', { replication: { connectedStandbys: standbyConn, upstream: null, receiverStatus: null, replayLagSeconds: null } })), mem, 1);
    expect(JSON.stringify(mem)).toBe(frozen);
  });
});
