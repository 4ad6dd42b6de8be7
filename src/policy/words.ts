// How clusters and roles are put into words for reasons (pure). Every refusal names the
// cluster, its role, how the role was known, and the safe next step.
import type { ClusterFacts } from '../facts/types.js';
import type { ClusterState } from './types.js';
import { shellQuote as q } from '../util/escape.js';

/** The decision-table column of a cluster (docs/design.md §2); unknown facts fall in the dangerous column. */
export function clusterState(c: ClusterFacts): ClusterState {
  if (c.running === 'unknown') return 'unknown';
  if (c.running === true) {
    if (c.role === 'primary') return 'running-primary';
    // A standby counts as one only when SQL confirmed it; the files alone may be stale.
    if (c.role === 'standby' && c.roleSource === 'sql') return 'running-standby';
    return 'unknown';
  }
  if (c.standbySignal === true || c.recoveryConf === 'standby' || c.recoverySignal === true || c.recoveryConf === 'recovery') return 'stopped-standby';
  return 'stopped';
}

/** The role in words, never colour alone: "running PRIMARY", "stopped standby (standby.signal)". */
export function roleWords(c: ClusterFacts): string {
  if (c.running === 'unknown') return 'UNKNOWN whether it runs (treated as a running primary)';
  if (c.running === true) {
    switch (c.role) {
      case 'primary':
        return c.roleSource === 'sql' ? 'running PRIMARY' : 'running PRIMARY (no signal file; not confirmed over SQL)';
      case 'standby':
        return c.roleSource === 'sql' ? 'running standby' : 'running standby per its signal file, NOT confirmed over SQL (treated as possibly primary)';
      case 'recovering':
        return 'running, in archive recovery (PITR / restore)';
      default:
        return 'running, role UNKNOWN (treated as primary)';
    }
  }
  const restore = c.restoreInProgress !== true ? '' : c.backupLabel === true ? ', RESTORE IN PROGRESS (backup_label: never started)' : ', PARTIAL COPY (PG_VERSION without global/pg_control: a failed restore)';
  if (c.standbySignal === true) return `stopped standby (standby.signal)${restore}`;
  if (c.recoveryConf === 'standby') return `stopped standby (recovery.conf)${restore}`;
  if (c.recoverySignal === true || c.recoveryConf === 'recovery') return `stopped, set up for archive recovery${restore}`;
  if (restore) return `stopped${restore}`;
  if (c.role === 'unknown') return 'stopped, signal files unreadable';
  return 'stopped, no standby.signal (may be the only copy of a primary)';
}

/** How the role was known, with the time: "SQL pg_is_in_recovery() = false; pid 123 …; at 03:12:04Z". */
export function howKnown(c: ClusterFacts): string {
  const t = c.observedAt.slice(11, 19);
  return `${c.roleDetail}; ${c.runningSource}; observed ${t} UTC`;
}

/** The command to stop this cluster, in the operator's own tools. */
export function stopHint(c: ClusterFacts): string {
  // Pasted as shown: every host string shell-quoted (docs/escaping.md).
  return c.debian ? `pg_ctlcluster ${q(c.debian.version)} ${q(c.debian.name)} stop` : `pg_ctl -D ${q(c.dataDir)} stop`;
}

/** "15/main (/var/lib/postgresql/15/main)" */
export function clusterLabel(c: ClusterFacts): string {
  return c.name === c.dataDir ? c.dataDir : `${c.name} (${c.dataDir})`;
}
