// A cluster as the watcher sees it, for the watcher's pure tests (alerts, reducer).
import type { ClusterFacts } from '../../src/facts/types.js';

/** A running primary or standby (confirmed over SQL), or a stopped cluster. */
export function cluster(dataDir: string, kind: 'primary' | 'standby' | 'stopped', extra: Partial<ClusterFacts> = {}): ClusterFacts {
  const running = kind !== 'stopped';
  return {
    dataDir,
    id: `8:${dataDir.length}`,
    name: dataDir.split('/').slice(-2).join('/'),
    debian: null,
    discoveredBy: ['scan'],
    version: '15',
    footprint: [],
    running,
    runningSource: running ? 'pid 100 is a postgres process' : 'no postmaster.pid',
    pid: running ? 100 : null,
    port: running ? 5432 : null,
    socketDir: running ? '/tmp' : null,
    pmStatus: running ? 'ready' : null,
    stalePidFile: false,
    standbySignal: kind === 'standby',
    recoverySignal: false,
    recoveryConf: null,
    backupLabel: false,
    hasPgControl: true,
    restoreInProgress: false,
    promoteRequested: false,
    pgControlState: 'in production',
    systemIdentifier: '7300000000000000001',
    inRecovery: running ? kind === 'standby' : null,
    role: kind === 'standby' ? 'standby' : 'primary',
    roleSource: running ? 'sql' : 'signal-file',
    roleDetail: kind === 'standby' ? 'SQL pg_is_in_recovery() = true, standby.signal present' : 'SQL pg_is_in_recovery() = false',
    replication: running
      ? kind === 'standby'
        ? { connectedStandbys: null, upstream: { host: '/tmp', port: 5432, conninfo: '' }, receiverStatus: 'streaming', replayLagSeconds: 0 }
        : { connectedStandbys: [], upstream: null, receiverStatus: null, replayLagSeconds: null }
      : null,
    archiving: running ? { mode: 'on', archivedCount: 3, failedCount: 0, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing: false, readyCount: 0 } : null,
    owner: null,
    observedAt: '2025-01-01T00:00:00.000Z',
    problems: [],
    ...extra,
  };
}
