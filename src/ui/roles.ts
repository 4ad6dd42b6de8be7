// A cluster's role in words and in a tone (the colour); the words alone must carry the meaning,
// because NO_COLOR, TERM=dumb and colour-blind operators get no colour.
import type { ClusterFacts } from '../facts/types.js';

/** danger: a primary or something treated as one; warn: in between; standby: a standby; ok: done. */
export type Tone = 'danger' | 'warn' | 'standby' | 'ok' | 'info';

export interface RoleWords {
  words: string;
  tone: Tone;
}

/** Why a restore is said to be in progress, from the file facts. */
function restoreWhy(c: ClusterFacts): string {
  if (c.backupLabel === true) return 'backup_label present, never started';
  if (c.hasPgControl === false) return 'PG_VERSION without global/pg_control';
  return 'partial copy';
}

/** The role of one cluster as the screen says it, e.g. "RUNNING PRIMARY", "running standby". */
export function describeRole(c: ClusterFacts): RoleWords {
  const promote = c.promoteRequested === true ? ', PROMOTION REQUESTED' : '';
  if (c.restoreInProgress === true && c.running !== true) {
    return { words: `RESTORE IN PROGRESS (stopped, ${restoreWhy(c)})`, tone: 'warn' };
  }
  if (c.running === 'unknown') return { words: 'UNKNOWN — treated as primary (cannot tell whether it runs)', tone: 'danger' };
  if (c.running === true) {
    switch (c.role) {
      case 'primary':
        return { words: 'RUNNING PRIMARY', tone: 'danger' };
      case 'standby':
        return promote ? { words: `running standby${promote}`, tone: 'danger' } : { words: 'running standby', tone: 'standby' };
      case 'recovering':
        return { words: `RUNNING, IN ARCHIVE RECOVERY (PITR)${promote}`, tone: 'warn' };
      default:
        return { words: `RUNNING, ROLE UNKNOWN — treated as primary${promote}`, tone: 'danger' };
    }
  }
  switch (c.role) {
    case 'standby':
      return { words: `stopped standby (standby.signal)${promote}`, tone: 'standby' };
    case 'recovering':
      return { words: `stopped, set for recovery (recovery.signal)${promote}`, tone: 'warn' };
    case 'unknown':
      return { words: 'STOPPED, ROLE UNKNOWN — may be the only copy', tone: 'danger' };
    default:
      return { words: 'STOPPED (no standby.signal) — may be the only copy', tone: 'danger' };
  }
}

/** Where the role came from, in words ("SQL", "signal files"). */
export function sourceWords(c: ClusterFacts): string {
  const m: Record<string, string> = {
    sql: 'SQL',
    'signal-file': 'signal files',
    'pid-file': 'postmaster.pid',
    proc: '/proc',
    pg_control: 'pg_control',
    config: 'configuration',
    watcher: 'the watcher',
    none: 'nothing',
  };
  return m[c.roleSource] ?? c.roleSource;
}
