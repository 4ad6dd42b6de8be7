// Decision-table rows for the issue-9 tools (docs/guarded-tools.md), by the columns of docs/design.md §2.
import { AUX_SAFE, BACKEND_SAFE, postmasterEffect } from '../command/signals.js';
import type { ClusterState, VerdictKind } from './types.js';

export type ExtraRow = 'offline' | 'offline-strong' | 'wipe' | 'wal-fetch' | 'signal-odd' | 'host-down';
type Cell = { verdict: VerdictKind; strong?: boolean };

const REFUSE: Cell = { verdict: 'refuse' };
const ALLOW: Cell = { verdict: 'allow' };
const CONFIRM: Cell = { verdict: 'confirm' };
const STRONG: Cell = { verdict: 'confirm', strong: true };

export const EXTRA_ROWS: Record<ExtraRow, Record<ClusterState, Cell>> = {
  /** pg_rewind, pg_upgrade, umount: the cluster must be stopped; then it is the operator's call. */
  offline: { 'running-primary': REFUSE, 'running-standby': REFUSE, 'stopped-standby': CONFIRM, stopped: CONFIRM, unknown: REFUSE },
  /** pg_dropcluster, pg_resetwal, pg_upgrade --link: as final as deleting the data. */
  'offline-strong': { 'running-primary': REFUSE, 'running-standby': REFUSE, 'stopped-standby': STRONG, stopped: STRONG, unknown: REFUSE },
  /** mkfs / wipefs / dd / shred of the device under a footprint. */
  wipe: { 'running-primary': REFUSE, 'running-standby': REFUSE, 'stopped-standby': STRONG, stopped: STRONG, unknown: REFUSE },
  /** wal-g wal-fetch / pgbackrest archive-get typed into a live pg_wal; a stopped cluster is being prepared for recovery. */
  'wal-fetch': { 'running-primary': REFUSE, 'running-standby': REFUSE, 'stopped-standby': ALLOW, stopped: ALLOW, unknown: REFUSE },
  /** USR1/USR2/STOP to a postmaster, STOP to a backend: not an operator's signal. */
  'signal-odd': { 'running-primary': CONFIRM, 'running-standby': CONFIRM, 'stopped-standby': ALLOW, stopped: ALLOW, unknown: CONFIRM },
  /** reboot / poweroff / systemctl isolate ...: every running cluster goes down. */
  'host-down': { 'running-primary': STRONG, 'running-standby': CONFIRM, 'stopped-standby': ALLOW, stopped: ALLOW, unknown: STRONG },
};

const FREEZE = new Set(['STOP', 'TSTP', 'TTIN', 'TTOU']);

/** The row a signal to a process of a cluster falls in; null: harmless (allowed). */
export function signalRow(kind: 'postmaster' | 'backend' | 'aux', signal: string): 'stop' | 'stop-hard' | 'signal-odd' | null {
  if (kind === 'postmaster') {
    switch (postmasterEffect(signal)) {
      case 'none':
      case 'reload':
        return null;
      case 'stop-smart':
      case 'stop-fast':
        return 'stop';
      case 'odd':
        return 'signal-odd';
      default:
        return 'stop-hard';
    }
  }
  if ((kind === 'backend' ? BACKEND_SAFE : AUX_SAFE).has(signal)) return null;
  if (FREEZE.has(signal)) return 'signal-odd';
  // SIGKILL, SIGQUIT, SIGABRT, SIGSEGV ... to a child: the postmaster restarts every backend (crash recovery).
  return 'stop-hard';
}
