// A cluster as the watcher sees it, for the watcher's pure tests (alerts, reducer).
import type { ClusterFacts } from '../../src/facts/types.js';
import { cluster as base } from './fixtures.js';

/** A running primary or standby (confirmed over SQL), or a stopped cluster. */
export function cluster(dataDir: string, kind: 'primary' | 'standby' | 'stopped', extra: Partial<ClusterFacts> = {}): ClusterFacts {
  const running = kind !== 'stopped';
  return base(kind === 'stopped' ? 'stopped' : kind === 'standby' ? 'running-standby' : 'running-primary', dataDir, {
    id: `8:${dataDir.length}`,
    footprint: [],
    runningSource: running ? 'pid 100 is a postgres process' : 'no postmaster.pid',
    pid: running ? 100 : null,
    socketDir: running ? '/tmp' : null,
    pgControlState: 'in production',
    roleDetail: kind === 'standby' ? 'SQL pg_is_in_recovery() = true, standby.signal present' : 'SQL pg_is_in_recovery() = false',
    replication: running
      ? kind === 'standby'
        ? { connectedStandbys: null, upstream: { host: '/tmp', port: 5432, conninfo: '' }, receiverStatus: 'streaming', replayLagSeconds: 0 }
        : { connectedStandbys: [], upstream: null, receiverStatus: null, replayLagSeconds: null }
      : null,
    archiving: running ? { mode: 'on', archivedCount: 3, failedCount: 0, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing: false, readyCount: 0 } : null,
    owner: null,
    observedAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  });
}
