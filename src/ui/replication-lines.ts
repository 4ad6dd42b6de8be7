// Replication and archiving of one cluster in a few lines of words (pure): what an operator
// checks before touching it. The matrix.org archiving had silently stopped for hours.
import type { ClusterFacts } from '../facts/types.js';
import { clockTime, formatCount } from './format.js';
import type { Tone } from './roles.js';

export interface Line {
  text: string;
  tone: Tone | null;
}

/** Connected standbys of a primary, or the upstream of a standby. */
function replication(c: ClusterFacts): Line | null {
  const r = c.replication;
  if (c.role === 'primary') {
    const list = r?.connectedStandbys;
    if (!list) return { text: 'connected standbys: unknown (no SQL connection)', tone: 'warn' };
    if (list.length === 0) return { text: 'NO STANDBY CONNECTED: this primary may hold the only copy', tone: 'danger' };
    const each = list.map((s) => {
      const lag = s.replayLagSeconds === null ? '' : `, lag ${Math.round(s.replayLagSeconds)} s`;
      return `${s.application || '?'}${s.clientAddr ? ` (${s.clientAddr})` : ''} ${s.state ?? '?'}${s.syncState ? ` ${s.syncState}` : ''}${lag}`;
    });
    return { text: `${list.length} standby${list.length > 1 ? 's' : ''} connected: ${each.join('; ')}`, tone: 'info' };
  }
  if (c.role === 'standby' || c.role === 'recovering') {
    if (!r) return { text: 'upstream: unknown (no SQL connection)', tone: 'warn' };
    const up = r.upstream ? `upstream ${r.upstream.host ?? '(local socket)'}:${r.upstream.port ?? 5432}` : 'no upstream in primary_conninfo';
    const lag = r.replayLagSeconds === null ? '' : `, replay lag ${Math.round(r.replayLagSeconds)} s`;
    if (r.receiverStatus === 'streaming') return { text: `${up}, streaming${lag}`, tone: 'info' };
    return { text: `${up}, NOT STREAMING (WAL receiver: ${r.receiverStatus ?? 'none'})${lag}`, tone: 'warn' };
  }
  return r ? null : { text: 'replication: unknown (no SQL connection)', tone: 'warn' };
}

/** WAL archiving: failing is said loudly, off or fine quietly. */
function archiving(c: ClusterFacts): Line | null {
  const a = c.archiving;
  if (!a) return null;
  const ready = a.readyCount ? `; ${formatCount(a.readyCount)} WAL files waiting to be archived` : '';
  if (a.failing) {
    const wal = a.lastFailedWal ? ` (${a.lastFailedWal})` : '';
    const ok = a.lastArchivedAt ? `, last success ${clockTime(a.lastArchivedAt)}` : ', never succeeded';
    return { text: `WAL ARCHIVING FAILING: last failure ${clockTime(a.lastFailedAt)}${wal}${ok}${ready}`, tone: 'danger' };
  }
  if (!a.mode || a.mode === 'off') return { text: 'WAL archiving off', tone: null };
  // archive_mode=on archives nothing during recovery; only "always" does.
  if (a.mode === 'on' && (c.role === 'standby' || c.role === 'recovering')) {
    return { text: 'WAL archiving idle while in recovery (archive_mode=on): it starts on promotion', tone: null };
  }
  const last = a.lastArchivedAt ? `, last archived ${clockTime(a.lastArchivedAt)}` : '';
  return { text: `WAL archiving working (archive_mode=${a.mode}${last})${ready}`, tone: null };
}

/** Everything the screen says about a cluster's replication and archiving. */
export function replicationLines(c: ClusterFacts): Line[] {
  if (c.running === false) return [{ text: 'stopped: no replication or archiving running', tone: null }];
  if (c.running === 'unknown') return [{ text: 'replication and archiving unknown (cannot tell whether it runs)', tone: 'warn' }];
  return [replication(c), archiving(c)].filter((l): l is Line => l !== null);
}
