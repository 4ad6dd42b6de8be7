// The watcher gatherer's policy (src/watch/gather-policy.ts), by tables, on a fake clock: what a
// gather reads, what it carries over, when the SQL poll reads the files, when /proc is looked at.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import {
  carriedClusters,
  discoveryConfig,
  dirsToRead,
  emptyPidWatch,
  gatherTimeoutMs,
  pollReadsFiles,
  scanForPostmaster,
  snapshotStale,
  SNAPSHOT_MAX_AGE_MS,
  sqlLost,
  sqlStillHolds,
  YOUNG_MS,
  type PidWatch,
  type ProcessKind,
} from '../../src/watch/gather-policy.js';
import { cluster } from './watch-fixtures.js';

const MAIN = '/var/lib/postgresql/15/main';
const REPLICA = '/var/lib/postgresql/15/replica';
const COPY = '/srv/pg/copy1';

function host(...clusters: ClusterFacts[]): HostFacts {
  return { hostname: 'db-01', shortHostname: 'db-01', clusters, unidentifiedPostmasters: [], observedAt: '2025-01-01T00:00:00.000Z', problems: [] };
}

describe('gather policy: timeouts and the /proc snapshot', () => {
  it('a gather is given up on after four SQL connect timeouts and 10 s', () => {
    const c = defaultConfig();
    c.sql.connectTimeoutMs = 3000;
    expect(gatherTimeoutMs(c)).toBe(22_000);
  });

  it.each([
    [null, 0, true],
    [1000, 1000, false],
    [1000, 1000 + SNAPSHOT_MAX_AGE_MS, false],
    [1000, 1001 + SNAPSHOT_MAX_AGE_MS, true],
  ] as const)('snapshot taken at %s, now %s: stale %s', (at, now, stale) => {
    expect(snapshotStale(at, now)).toBe(stale);
  });
});

describe('gather policy: what a gather reads', () => {
  it('the roots are scanned only by a rediscovery', () => {
    const c = defaultConfig();
    c.discovery.roots = ['/srv/pg'];
    expect(discoveryConfig({ rediscover: true }, c)).toBe(c);
    const live = discoveryConfig({ rediscover: false }, c);
    expect(live.discovery.roots).toEqual([]);
    expect(c.discovery.roots).toEqual(['/srv/pg']); // the config in force is not changed
  });

  const prev = host(cluster(MAIN, 'primary'), cluster(COPY, 'stopped'), cluster('/srv/pg/broken', 'stopped', { problems: ['EACCES'] }));
  it.each([
    ['all', [], []],
    ['live', [], [COPY]],
    ['sql', [], [COPY]],
    ['live', [COPY], []],
  ] as const)('scope %s, file events in %j: carries %j', (scope, dirs, carried) => {
    expect(carriedClusters({ scope, dirs: [...dirs] }, prev).map((c) => c.dataDir)).toEqual(carried);
  });

  it('nothing is carried without a previous gather; carried clusters are not read again', () => {
    expect(carriedClusters({ scope: 'live', dirs: [] }, null)).toEqual([]);
    const carried = carriedClusters({ scope: 'live', dirs: [] }, prev);
    expect(dirsToRead([COPY, MAIN, REPLICA], carried)).toEqual([MAIN, REPLICA]);
  });
});

describe('gather policy: which clusters keep their SQL facts', () => {
  const before = cluster(REPLICA, 'standby', { standbySignal: true, roleSource: 'sql', name: '15/replica', serverVersion: '15.4' });
  const prev = host(before);
  it('the same postmaster and signal files: the SQL part of the last gather, every field of it', () => {
    const now = cluster(REPLICA, 'standby', { standbySignal: true, role: 'unknown', roleSource: 'signal-file', roleDetail: 'files only', replication: null, archiving: null, name: 'replica' });
    const held = sqlStillHolds(now, prev);
    expect(held).toEqual({ name: '15/replica', inRecovery: before.inRecovery, role: before.role, roleSource: 'sql', roleDetail: before.roleDetail, replication: before.replication, archiving: before.archiving, walDisk: undefined, serverVersion: '15.4' });
  });
  it.each<[string, Partial<ClusterFacts>]>([
    ['another pid', { pid: 101 }],
    ['standby.signal gone', { standbySignal: false }],
    ['recovery.signal', { recoverySignal: true }],
    ['a promote file', { promoteRequested: true }],
    ['recovery.conf', { recoveryConf: 'standby' }],
    ['not running', { running: false }],
  ])('%s: SQL again', (_what, patch) => {
    expect(sqlStillHolds(cluster(REPLICA, 'standby', { standbySignal: true, ...patch }), prev)).toBeNull();
  });
  it('a cluster not known from SQL before, or not known at all: SQL again', () => {
    expect(sqlStillHolds(cluster(REPLICA, 'standby', { standbySignal: true }), host({ ...before, roleSource: 'signal-file' }))).toBeNull();
    expect(sqlStillHolds(cluster(MAIN, 'primary'), prev)).toBeNull();
    expect(sqlStillHolds(cluster(MAIN, 'primary'), null)).toBeNull();
  });
});

describe('gather policy: the periodic SQL poll', () => {
  const quiet = { haveBase: true, havePrevious: true, postmasterStarted: false, snapshotStale: false, runningPidGone: false };
  it('reads no files when nothing says it must', () => {
    expect(pollReadsFiles(quiet)).toBe(false);
  });
  it.each(['haveBase', 'havePrevious'] as const)('reads the files without %s', (k) => {
    expect(pollReadsFiles({ ...quiet, [k]: false })).toBe(true);
  });
  it.each(['postmasterStarted', 'snapshotStale', 'runningPidGone'] as const)('reads the files when %s', (k) => {
    expect(pollReadsFiles({ ...quiet, [k]: true })).toBe(true);
  });
  it('a server that answered SQL and does not now is read from its files', () => {
    const prev = host(cluster(MAIN, 'primary', { roleSource: 'sql' }), cluster(COPY, 'stopped'));
    expect(sqlLost(host(cluster(MAIN, 'primary', { roleSource: 'sql' })), prev)).toBe(false);
    expect(sqlLost(host(cluster(MAIN, 'primary', { roleSource: 'pid-file' })), prev)).toBe(true);
    // Never known from SQL: nothing was lost.
    expect(sqlLost(host(cluster(MAIN, 'primary', { roleSource: 'pid-file' })), host(cluster(MAIN, 'primary', { roleSource: 'pid-file' })))).toBe(false);
  });
});

describe('gather policy: looking for a postmaster that just started (fake clock)', () => {
  /** Drive scanForPostmaster over successive /proc listings, recording which pids were read. */
  function drive(kinds: Record<number, ProcessKind>) {
    let w: PidWatch = emptyPidWatch();
    const read: number[][] = [];
    return {
      look(pids: number[], now: number): boolean {
        const seen: number[] = [];
        const r = scanForPostmaster(w, pids, now, (pid) => {
          seen.push(pid);
          return kinds[pid] ?? 'other';
        });
        w = r.watch;
        read.push(seen);
        return r.found;
      },
      read,
      watch: () => w,
    };
  }

  it('the first look only learns the pids; later looks read only new processes', () => {
    const d = drive({ 7: 'postmaster' });
    expect(d.look([1, 2, 7], 0)).toBe(false); // a postmaster running at start is discovery's, not a start
    expect(d.look([1, 2, 7, 8], 100)).toBe(false);
    expect(d.read).toEqual([[], [8]]);
    const p = drive({ 9: 'postmaster' });
    p.look([1, 2], 0);
    expect(p.look([1, 2, 9], 100)).toBe(true);
  });

  it('pg_ctl\'s shell is looked at again until it execs the postmaster, for YOUNG_MS at most', () => {
    const kinds: Record<number, ProcessKind> = { 50: 'maybe' };
    const d = drive(kinds);
    d.look([1], 0);
    expect(d.look([1, 50], 1000)).toBe(false);
    expect(d.watch().young.get(50)).toBe(1000);
    expect(d.look([1, 50], 2000)).toBe(false); // still a shell: looked at again
    kinds[50] = 'postmaster';
    expect(d.look([1, 50], 3000)).toBe(true); // it exec'd postgres
    expect(d.watch().young.has(50)).toBe(false);
    expect(d.read).toEqual([[], [50], [50], [50]]);
  });

  it('a young process is forgotten after YOUNG_MS, or when it exits', () => {
    const d = drive({ 50: 'maybe', 60: 'maybe' });
    d.look([1], 0);
    d.look([1, 50, 60], 0);
    expect(d.look([1, 50], 10)).toBe(false); // 60 exited
    expect([...d.watch().young.keys()]).toEqual([50]);
    d.look([1, 50], YOUNG_MS + 1);
    expect(d.watch().young.size).toBe(0);
    d.look([1, 50], YOUNG_MS + 100);
    expect(d.read.at(-1)).toEqual([]); // not read any more
  });

  it('an old process that only now looks like pg_ctl is not followed (only new ones are)', () => {
    const d = drive({ 5: 'maybe' });
    d.look([5], 0);
    d.look([5], 100);
    expect(d.watch().young.size).toBe(0);
  });

  it('stops reading once one postmaster is found', () => {
    const d = drive({ 10: 'postmaster', 11: 'postmaster' });
    d.look([1], 0);
    expect(d.look([1, 10, 11], 100)).toBe(true);
    expect(d.read.at(-1)).toEqual([10]);
  });
});

describe('a slow server holds up only its own cluster', () => {
  it('the per-cluster SQL deadline is well inside the gather timeout, for every allowed connect timeout', async () => {
    const { sqlDeadlineMs } = await import('../../src/watch/gather-policy.js');
    for (const ms of [100, 1500, 5000, 30_000]) {
      const c = defaultConfig();
      c.sql.connectTimeoutMs = ms;
      expect(sqlDeadlineMs(c)).toBeLessThan(gatherTimeoutMs(c) / 1.5);
    }
  });

  it('addSqlFacts: a read that never answers leaves that cluster without SQL facts by the deadline; the other gets its answer', async () => {
    const { addSqlFacts } = await import('../../src/facts/gather.js');
    const { cluster, host } = await import('./fixtures.js');
    const slow = cluster('running-primary', '/srv/slow');
    const fast = cluster('running-primary', '/srv/fast');
    const h = host([slow, fast]);
    const read = (c: ClusterFacts) =>
      c.dataDir === '/srv/slow'
        ? new Promise<never>(() => undefined)
        : Promise.resolve({ ok: true as const, user: 'postgres', inRecovery: false, walReceiver: false, clusterName: null, replication: { connectedStandbys: [], upstream: null, receiverStatus: null, replayLagSeconds: null }, archiving: { mode: 'off', archivedCount: null, failedCount: null, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing: false, readyCount: null } });
    const t0 = Date.now();
    await addSqlFacts(h, () => true, defaultConfig(), 'root', { read, deadlineMs: 50 });
    expect(Date.now() - t0).toBeLessThan(5000); // returns at the deadline, not never
    expect(h.clusters[0]!.problems).toContain('no SQL answer within 50 ms');
    expect(h.clusters[0]!.roleSource).not.toBe('sql');
    expect(h.clusters[1]!.roleSource).toBe('sql');
  });
});
