// Tools that need their cluster stopped: pg_dropcluster (Debian), pg_resetwal, pg_rewind, pg_upgrade.
import type { ToolContext, ToolResult } from './context.js';
import { has, lastValue, options, scan } from './getopt.js';
import type { ClusterRef, Op } from './types.js';

/** `pg_dropcluster [--stop] VERSION NAME`: deletes the data directory and the configuration. */
export function parsePgDropcluster(args: string[], _ctx: ToolContext): ToolResult {
  const words = args.filter((a) => !a.startsWith('-'));
  if (args.some((a) => a === '--help' || a === '-h')) return { ops: [], notes: ['pg_dropcluster --help drops nothing'] };
  const [version, name] = words;
  if (version === undefined || name === undefined) return { ops: [], notes: ['pg_dropcluster needs a version and a cluster name: it will refuse to run'] };
  return { ops: [{ type: 'offline', refs: [{ kind: 'debian', version, name }], kind: 'drop', tool: 'pg_dropcluster' }], notes: [] };
}

const RESETWAL = options({
  short: 'c:D:e:fl:m:no:O:u:x:V?',
  long: [
    'commit-timestamp-ids=/c', 'pgdata=/D', 'epoch=/e', 'force/f', 'next-wal-file=/l', 'multixact-ids=/m', 'dry-run/n', 'next-oid=/o',
    'multixact-offset=/O', 'oldest-transaction-id=/u', 'next-transaction-id=/x', 'wal-segsize=', 'char-signedness=', 'help/?', 'version/V',
  ],
});

/** `pg_resetwal [OPTION]... [-D] DATADIR`. */
export function parsePgResetwal(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, RESETWAL);
  if (has(s, '?', 'V')) return { ops: [], notes: ['pg_resetwal --help / --version changes nothing'] };
  if (has(s, 'n')) return { ops: [], notes: ['pg_resetwal --dry-run only prints the values it would use'] };
  const dir = lastValue(s, 'D') ?? s.operands[0];
  if (dir === undefined) return { ops: [], notes: [...s.notes, 'pg_resetwal without a data directory: it will refuse to run'] };
  return { ops: [{ type: 'offline', refs: [{ kind: 'path', path: dir }], kind: 'resetwal', tool: 'pg_resetwal' }], notes: s.notes };
}

const REWIND = options({
  short: 'cD:nNPRV?',
  long: [
    'restore-target-wal/c', 'target-pgdata=/D', 'source-pgdata=', 'source-server=', 'no-ensure-shutdown', 'config-file=', 'dry-run/n',
    'no-sync/N', 'progress/P', 'write-recovery-conf/R', 'debug', 'sync-method=', 'help/?', 'version/V',
  ],
});

/** `pg_rewind -D TARGET --source-pgdata=DIR | --source-server=CONNSTR`: rewrites the target. */
export function parsePgRewind(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, REWIND);
  if (has(s, '?', 'V')) return { ops: [], notes: ['pg_rewind --help / --version changes nothing'] };
  if (has(s, 'n')) return { ops: [], notes: ['pg_rewind --dry-run changes nothing'] };
  const target = lastValue(s, 'D');
  if (target === undefined) return { ops: [], notes: [...s.notes, 'pg_rewind without --target-pgdata: it will refuse to run'] };
  return { ops: [{ type: 'offline', refs: [{ kind: 'path', path: target }], kind: 'rewind', tool: 'pg_rewind' }], notes: s.notes };
}

const UPGRADE = options({
  short: 'b:B:cd:D:j:ko:O:p:P:rs:U:vV?',
  long: [
    'old-bindir=/b', 'new-bindir=/B', 'check/c', 'old-datadir=/d', 'new-datadir=/D', 'jobs=/j', 'link/k', 'no-sync/N', 'old-options=/o',
    'new-options=/O', 'old-port=/p', 'new-port=/P', 'retain/r', 'socketdir=/s', 'username=/U', 'verbose/v', 'version/V', 'clone', 'copy',
    'copy-file-range', 'swap', 'sync-method=', 'set-char-signedness=', 'help/?',
  ],
});

/** `pg_upgrade -b OLDBIN -B NEWBIN -d OLDDATA -D NEWDATA [--link|--swap]`: both clusters must be stopped. */
export function parsePgUpgrade(args: string[], ctx: ToolContext): ToolResult {
  const s = scan(args, UPGRADE);
  if (has(s, '?', 'V')) return { ops: [], notes: ['pg_upgrade --help / --version changes nothing'] };
  if (has(s, 'c')) return { ops: [], notes: ['pg_upgrade --check changes nothing'] };
  const refs: ClusterRef[] = [];
  for (const [flag, env] of [['d', 'PGDATAOLD'], ['D', 'PGDATANEW']] as const) {
    const dir = lastValue(s, flag) ?? ctx.env[env];
    if (dir !== undefined && dir !== '') refs.push({ kind: 'path', path: dir });
    else if (ctx.envUnknown) refs.push({ kind: 'unknown', why: `pg_upgrade without -${flag} uses $${env} from an environment safeops cannot see` });
  }
  if (refs.length === 0) return { ops: [], notes: [...s.notes, 'pg_upgrade without data directories: it will refuse to run'] };
  // --link and --swap leave the old cluster unusable once the new one has started.
  const op: Op = { type: 'offline', refs, kind: has(s, 'k', 'swap') ? 'upgrade-link' : 'upgrade', tool: 'pg_upgrade' };
  return { ops: [op], notes: s.notes };
}
