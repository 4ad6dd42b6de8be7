// Hand-built facts and verdicts for the confirmation screen tests: a Debian host db-01 with a
// primary 15/main and a standby 15/replica, in the states the screen must describe.
import type { ClusterFacts } from '../../../src/facts/types.js';
import type { Reason, Verdict } from '../../../src/policy/types.js';

/** 2025-03-01 03:12:04 local time: frames print local clock times. */
export const T0 = new Date(2025, 2, 1, 3, 12, 4).getTime();
export const iso = (ms: number): string => new Date(ms).toISOString();

export function cluster(over: Partial<ClusterFacts> = {}): ClusterFacts {
  const dataDir = over.dataDir ?? '/var/lib/postgresql/15/main';
  return {
    dataDir,
    id: '2049:131074',
    name: '15/main',
    debian: { version: '15', name: 'main', confDir: '/etc/postgresql/15/main' },
    discoveredBy: ['debian', 'proc'],
    version: '15',
    footprint: [
      { kind: 'data', path: dataDir, id: '2049:131074', chain: [], aliases: [] },
      { kind: 'config', path: '/etc/postgresql/15/main', id: '2049:4001', chain: [], aliases: [] },
    ],
    running: true,
    runningSource: 'pid 4242 is a postgres process whose cwd is the data dir',
    pid: 4242,
    port: 5432,
    socketDir: '/var/run/postgresql',
    pmStatus: 'ready',
    stalePidFile: false,
    standbySignal: false,
    recoverySignal: false,
    recoveryConf: null,
    backupLabel: false,
    hasPgControl: true,
    restoreInProgress: false,
    promoteRequested: false,
    pgControlState: 'in production',
    systemIdentifier: '7339127346284713450',
    inRecovery: false,
    role: 'primary',
    roleSource: 'sql',
    roleDetail: 'SQL pg_is_in_recovery() = false',
    replication: {
      connectedStandbys: [{ application: '15/replica', clientAddr: '10.0.0.6', state: 'streaming', syncState: 'async', replayLagSeconds: 0 }],
      upstream: null,
      receiverStatus: null,
      replayLagSeconds: null,
    },
    archiving: {
      mode: 'on',
      archivedCount: 120,
      failedCount: 0,
      lastArchivedAt: iso(T0 - 60_000),
      lastFailedAt: null,
      lastFailedWal: null,
      failing: false,
      readyCount: 0,
    },
    owner: { uid: 112, name: 'postgres' },
    observedAt: iso(T0 - 3000),
    problems: [],
    ...over,
  };
}

/** The primary, stopped: no standby.signal, so it may be the only copy. */
export function stoppedPrimary(over: Partial<ClusterFacts> = {}): ClusterFacts {
  return cluster({
    running: false,
    runningSource: 'no postmaster.pid',
    pid: null,
    port: null,
    pmStatus: null,
    inRecovery: null,
    role: 'primary',
    roleSource: 'signal-file',
    roleDetail: 'no standby.signal or recovery.signal',
    pgControlState: 'shut down',
    replication: null,
    archiving: null,
    ...over,
  });
}

/** The standby 15/replica, running and streaming from 10.0.0.5:5432. */
export function runningStandby(over: Partial<ClusterFacts> = {}): ClusterFacts {
  const dataDir = '/var/lib/postgresql/15/replica';
  return cluster({
    dataDir,
    id: '2049:131090',
    name: '15/replica',
    debian: { version: '15', name: 'replica', confDir: '/etc/postgresql/15/replica' },
    footprint: [{ kind: 'data', path: dataDir, id: '2049:131090', chain: [], aliases: [] }],
    pid: 4300,
    port: 5433,
    standbySignal: true,
    inRecovery: true,
    role: 'standby',
    roleDetail: 'SQL pg_is_in_recovery() = true, standby.signal present',
    pgControlState: 'in archive recovery',
    replication: {
      connectedStandbys: null,
      upstream: { host: '10.0.0.5', port: 5432, conninfo: 'host=10.0.0.5 port=5432 user=replicator' },
      receiverStatus: 'streaming',
      replayLagSeconds: 1,
    },
    archiving: { mode: 'on', archivedCount: 0, failedCount: 0, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing: false, readyCount: 0 },
    ...over,
  });
}

export function reason(over: Partial<Reason> = {}): Reason {
  return {
    verdict: 'confirm',
    cluster: '15/main',
    dataDir: '/var/lib/postgresql/15/main',
    state: 'stopped',
    role: 'stopped, no standby.signal',
    how: 'no standby.signal or recovery.signal at 03:12:01',
    what: 'rm -r would delete /var/lib/postgresql/15/main (data directory of 15/main)',
    next: 'if this host should become a standby, restore into it with wal-g backup-fetch instead; check that a newer copy exists elsewhere first',
    ...over,
  };
}

export function verdict(over: Partial<Verdict> = {}): Verdict {
  return {
    kind: 'confirm',
    strong: false,
    reasons: [reason()],
    touched: ['/var/lib/postgresql/15/main'],
    warnings: [],
    promoteUpstreams: [],
    dryRunArgv: null,
    ...over,
  };
}

/** `rm -rf /var/lib/postgresql/15/main` on the stopped primary: a strong confirmation. */
export const rmStoppedPrimary = {
  argv: ['rm', '-rf', '/var/lib/postgresql/15/main'],
  clusters: [stoppedPrimary()],
  verdict: verdict({ strong: true }),
};

/** `pg_ctl promote` of the running standby whose upstream is still up. */
export const promoteStandby = {
  argv: ['pg_ctl', '-D', '/var/lib/postgresql/15/replica', 'promote'],
  clusters: [runningStandby()],
  verdict: verdict({
    touched: ['/var/lib/postgresql/15/replica'],
    reasons: [
      reason({
        cluster: '15/replica',
        dataDir: '/var/lib/postgresql/15/replica',
        state: 'running-standby',
        role: 'running standby',
        what: 'pg_ctl promote would turn 15/replica into a primary that accepts writes',
        next: 'stop the old primary (10.0.0.5:5432) first, or fence it, then promote',
      }),
    ],
    promoteUpstreams: [{ dataDir: '/var/lib/postgresql/15/replica', host: '10.0.0.5', port: 5432 }],
  }),
};

/** `wal-g delete retain FULL 3 --confirm`: confirm, showing wal-g's own dry run. */
export const walgDelete = {
  argv: ['/opt/wal-g/wal-g', 'delete', 'retain', 'FULL', '3', '--confirm'],
  clusters: [] as ClusterFacts[],
  verdict: verdict({
    touched: [],
    reasons: [
      reason({
        cluster: null,
        dataDir: null,
        state: null,
        role: null,
        how: null,
        what: 'wal-g delete --confirm deletes backups from the backup storage',
        next: "read wal-g's dry run above: these backups and their WAL would go",
      }),
    ],
    dryRunArgv: ['/opt/wal-g/wal-g', 'delete', 'retain', 'FULL', '3'],
  }),
};

export const refuseVerdict = (over: Partial<Verdict> = {}): Verdict =>
  verdict({
    kind: 'refuse',
    reasons: [reason({ verdict: 'refuse', state: 'running-primary', role: 'running PRIMARY', what: 'rm -r would delete the data directory of the RUNNING PRIMARY 15/main', next: 'stop it first, or run this on the right host' })],
    ...over,
  });
