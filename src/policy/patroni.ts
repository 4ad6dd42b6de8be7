// Rows of the decision that only add caution, for a cluster Patroni manages (pure). Patroni
// restarts a stopped leader within seconds, or fails over to a replica, and re-clones a member
// whose data directory vanished: pg_ctl and systemctl act behind its back. The safe way is
// patronictl, named with the config file and the member.
import type { ClusterFacts } from '../facts/types.js';
import type { Reason } from './types.js';

/** Shell-quote argv for display (as guard/report.ts, without pulling chalk into the pure policy). */
function quoteArgv(argv: string[]): string {
  return argv.map((a) => (a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ').replace(/[\x00-\x1f\x7f]/g, '?');
}

export type PatroniRow = 'remove' | 'write-into' | 'stop' | 'stop-hard' | 'promote' | 'kill';

/** `patronictl -c CONFIG …`, shell-quoted. */
function ctl(p: NonNullable<ClusterFacts['patroni']>, ...args: Array<string | null>): string {
  const argv = ['patronictl', ...(p.configFile ? ['-c', p.configFile] : []), ...args.map((a) => a ?? 'SCOPE')];
  return quoteArgv(argv);
}

/** The patronictl way to do what the operator meant. */
export function patroniNextStep(row: PatroniRow, p: NonNullable<ClusterFacts['patroni']>, restart: boolean): string {
  const scope = p.scope;
  const member = p.member ?? 'MEMBER';
  switch (row) {
    case 'promote':
      return `Let Patroni do it: ${ctl(p, 'switchover', scope, '--candidate', member)} (or ${ctl(p, 'failover', scope, '--candidate', member)} when the leader is gone).`;
    case 'remove':
    case 'write-into':
      return `To rebuild this member from the leader: ${ctl(p, 'reinit', scope, member)}. To retire it, stop Patroni on this host first (systemctl stop patroni), then remove it.`;
    default:
      if (restart) return `Restart through Patroni: ${ctl(p, 'restart', scope, member)}.`;
      return `To stop this member, stop Patroni on this host (systemctl stop patroni: it stops PostgreSQL, and a leader hands over first), or put the cluster in maintenance first: ${ctl(p, 'pause', scope)}.`;
  }
}

/** A refusal for a command that would act behind a running Patroni's back; null when Patroni is not running here. */
export function patroniReason(row: PatroniRow, c: ClusterFacts, what: string, restart: boolean): Reason | null {
  const p = c.patroni;
  if (!p || p.running === false) return null;
  // pg_ctl stop/promote/kill of a server that is not running does nothing (the tool says so).
  if (row !== 'remove' && row !== 'write-into' && c.running === false) return null;
  // Patroni stopped on a paused cluster is the operator's maintenance window: pg_ctl is theirs then.
  const running = p.running === true ? `patroni runs for it (pid ${p.pid ?? '?'})` : 'a patroni process whose config safeops cannot read may run for it';
  const effect =
    row === 'remove' || row === 'write-into'
      ? 'Patroni would re-clone the member or fail over while its data goes'
      : row === 'promote'
        ? 'a promotion behind Patroni\'s back gives two leaders (split brain) or is undone by Patroni'
        : 'Patroni restarts a stopped leader within seconds, or fails over to a replica';
  return {
    verdict: 'refuse',
    cluster: c.name,
    dataDir: c.dataDir,
    state: null,
    role: `managed by Patroni${p.scope ? ` (scope ${p.scope}${p.member ? `, member ${p.member}` : ''})` : ''}`,
    how: `${p.how}; ${running}`,
    what: `${what}: ${effect}`,
    next: patroniNextStep(row, p, restart),
  };
}
