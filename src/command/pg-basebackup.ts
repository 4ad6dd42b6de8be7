// pg_basebackup: the directories a base backup writes into.
import type { ToolContext, ToolResult } from './context.js';
import { allValues, has, lastValue, options, scan } from './getopt.js';
import type { DestRef } from './types.js';
import { pushUnique } from './words.js';

const PG_BASEBACKUP = options({
  short: 'c:Cd:D:F:h:i:l:nNp:Pr:Rs:S:t:T:U:vwWX:zZ:V?',
  long: [
    'help/?', 'version/V', 'pgdata=/D', 'format=/F', 'incremental=/i', 'checkpoint=/c', 'create-slot/C', 'max-rate=/r',
    'write-recovery-conf/R', 'slot=/S', 'target=/t', 'tablespace-mapping=/T', 'wal-method=/X', 'gzip/z', 'compress=/Z',
    'label=/l', 'no-clean/n', 'no-sync/N', 'dbname=/d', 'host=/h', 'port=/p', 'username=/U', 'no-password/w', 'password/W',
    'status-interval=/s', 'verbose/v', 'progress/P', 'waldir=', 'no-slot', 'no-verify-checksums', 'no-estimate-size',
    'no-manifest', 'manifest-force-encode', 'manifest-checksums=', 'sync-method=',
  ],
});

/** Parses `pg_basebackup ARGS`: -D, --waldir, the NEW side of each -T mapping, and a server:DIR target. */
export function parsePgBasebackup(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, PG_BASEBACKUP);
  const notes = [...s.notes];
  if (has(s, '?', 'V')) return { ops: [], notes: [...notes, 'pg_basebackup --help / --version writes nothing'] };
  if (s.operands.length > 0) notes.push(`pg_basebackup: unexpected arguments ${s.operands.map((o) => JSON.stringify(o)).join(' ')} (it will refuse them)`);
  const paths: string[] = [];
  const pgdata = lastValue(s, 'D');
  // -D - writes a tar stream to stdout.
  if (pgdata !== undefined && pgdata !== '-') pushUnique(paths, pgdata);
  const waldir = lastValue(s, 'waldir');
  if (waldir !== undefined) pushUnique(paths, waldir);
  for (const mapping of allValues(s, 'T')) {
    const dir = mappingTarget(mapping);
    if (dir === null) notes.push(`tablespace mapping ${JSON.stringify(mapping)} has no OLDDIR=NEWDIR (pg_basebackup will refuse it)`);
    else pushUnique(paths, dir);
  }
  const target = lastValue(s, 't');
  if (target?.startsWith('server:')) {
    // The server writes the backup on its own host, which may be this one.
    pushUnique(paths, target.slice('server:'.length));
    notes.push('pg_basebackup --target=server:DIR writes on the database server, judged as this host');
  }
  if (paths.length === 0) return { ops: [], notes };
  return { ops: [{ type: 'write-into', dests: paths.map((path): DestRef => ({ kind: 'path', path })), tool: 'pg_basebackup' }], notes };
}

/** NEWDIR of `OLDDIR=NEWDIR`, where `\=` is a literal `=` (pg_basebackup's tablespace_list_append). */
export function mappingTarget(mapping: string): string | null {
  let old = '';
  let dir: string | null = null;
  for (let i = 0; i < mapping.length; i++) {
    const c = mapping[i]!;
    if (c === '\\' && mapping[i + 1] === '=') continue;
    if (c === '=' && mapping[i - 1] !== '\\' && dir === null) dir = '';
    else if (dir === null) old += c;
    else dir += c;
  }
  return old === '' || dir === null || dir === '' ? null : dir;
}
