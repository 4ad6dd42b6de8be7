// What an op would do and the safe next step, in the operator's words (pure): the `what` and
// `next` of every reason decide() gives about a cluster.
import type { Command, ResolvedOp, ResolvedPath } from '../command/types.js';
import type { ClusterFacts, FootprintEntry } from '../facts/types.js';
import type { ClusterState, Row } from './types.js';
import { stopHint } from './words.js';

const OFFLINE_VERB = { drop: 'delete (data directory and configuration)', resetwal: 'reset the WAL of', rewind: 'rewrite (rewind)', upgrade: 'upgrade', 'upgrade-link': 'upgrade with hard links (the old cluster becomes unusable)' } as const;

export function verb(op: ResolvedOp, command: Command): string {
  const tool = command.parsed.tool ?? 'the command';
  switch (op.type) {
    case 'remove':
      if (command.parsed.tool !== null && command.parsed.tool !== 'rm') return `${command.parsed.tool} would remove${command.parsed.tool === 'mv' ? ' (move away)' : ''}`;
      return op.recursive ? 'rm -r would delete' : 'rm would delete';
    case 'write-into':
      return `${op.tool} would write into`;
    case 'stop':
      return `${tool} ${op.restart ? 'restart' : 'stop'} (mode ${op.mode}) would shut down`;
    case 'kill':
      return `${tool} kill ${op.signal} would signal`;
    case 'promote':
      return `${tool} promote would promote`;
    case 'write':
      return `${op.tool} would write`;
    case 'wal-fetch':
      return `${op.tool} would write a WAL file into`;
    case 'unmount':
      return 'umount would detach the file system of';
    case 'wipe-device':
      return `${op.tool} would destroy the file system of`;
    case 'offline':
      return `${op.tool} would ${OFFLINE_VERB[op.kind]}`;
    default:
      return tool;
  }
}

/** The safe next step for a cell, in the operator's words. */
export function nextStep(row: Row, state: ClusterState, c: ClusterFacts, host: string): string {
  const here = `You are on ${host}: if you meant another host, run it there.`;
  const unknownHelp = 'safeops could not tell its role: run as root, or set sql.user to a monitoring role (README "SQL facts as root").';
  if (row === 'host-down') return state === 'running-primary' || state === 'unknown' ? `This takes down a PRIMARY: every client loses its connection until the host is back. Fail over first if the cluster must stay available. ${here}` : `The standby stops replicating until the host is back. ${here}`;
  if (row === 'signal-odd') return `This signal is not one PostgreSQL documents for operators; use pg_ctl reload/stop/promote, or pg_cancel_backend()/pg_terminate_backend() for one session. ${here}`;
  if (row === 'remove' || row === 'write-into' || row === 'wipe' || row === 'offline' || row === 'offline-strong' || row === 'wal-fetch') {
    if (state === 'unknown') return `${unknownHelp} ${here}`;
    if (state === 'running-primary' || state === 'running-standby') return `Stop the cluster first (${stopHint(c)}), then run it again. ${here}`;
    if (c.restoreInProgress === true) return `This looks like an unfinished restore: removing it is usually the clean-up you want. Check it is the copy you mean. ${here}`;
    if (row === 'write-into') return `Restoring replaces this cluster's data. ${here}`;
    if (state === 'stopped-standby') return `This is a stopped standby: if you still need it afterwards, rebuild it from the primary (pg_basebackup -R). ${here}`;
    return `A stopped cluster without standby.signal may be the only copy of a primary's data: check there is a backup or a running replica elsewhere first. ${here}`;
  }
  if (row === 'promote') return state === 'running-standby' || state === 'unknown' ? 'Promoting makes this node a primary: stop or fence the old primary first, or you get two primaries (split brain).' : here;
  if (state === 'running-primary') return `This is the PRIMARY: clients lose their connections until it is started again${row === 'stop-hard' ? ', and an immediate stop or kill means crash recovery at the next start' : ''}. If you meant a standby, check the host and cluster.`;
  if (state === 'unknown') return `${unknownHelp}`;
  return here;
}

const PLACE: Record<FootprintEntry['kind'], string> = { data: 'the data directory', wal: 'the WAL directory (pg_wal)', tablespace: 'a tablespace', config: 'the configuration directory' };

/** How a target relates to a footprint entry, in words: "it is inside the data directory". */
export function relation(t: ResolvedPath, e: FootprintEntry): string {
  const place = e.kind === 'data' ? PLACE.data : `${PLACE[e.kind]} ${e.path}`;
  const views = [e.path, ...e.aliases];
  if (views.includes(t.real) || (e.id !== null && t.id === e.id)) return `it is ${place}`;
  if (views.some((v) => t.real.startsWith(v + '/') || t.self.startsWith(v + '/')) || (e.id !== null && t.chain.includes(e.id))) return `it is inside ${place}`;
  return `it contains ${place}`;
}
