// pgBackRest: where a restore writes, and the command that deletes a stanza's backups.
import type { Env, ToolContext, ToolResult } from './context.js';
import type { DestRef, Op } from './types.js';
import { pushUnique } from './words.js';

const COMMANDS = new Set([
  'annotate', 'archive-get', 'archive-push', 'backup', 'check', 'expire', 'help', 'info', 'manifest', 'repo-create', 'repo-get',
  'repo-ls', 'repo-put', 'repo-rm', 'restore', 'server', 'server-ping', 'stanza-create', 'stanza-delete', 'stanza-upgrade',
  'start', 'stop', 'verify', 'version',
]);

/** Boolean options (indexed ones written as `repo-x` / `pg-x`): they never take the next word. */
const BOOLEANS = new Set([
  'archive-async', 'archive-check', 'archive-copy', 'archive-header-check', 'archive-mode-check', 'backup-standby', 'beta',
  'checksum-page', 'compress', 'delta', 'detail', 'dry-run', 'expire-auto', 'force', 'ignore-missing', 'link-all',
  'log-subprocess', 'log-timestamp', 'neutral-umask', 'online', 'page-header-check', 'raw', 'recurse', 'report', 'resume',
  'sck-keep-alive', 'start-fast', 'stop-auto', 'target-exclusive', 'verbose', 'repo-block', 'repo-bundle', 'repo-hardlink',
  'repo-symlink', 'repo-storage-verify-tls', 'repo-s3-verify-tls', 'repo-s3-verify-ssl', 'repo-azure-verify-tls', 'repo-gcs-verify-tls',
]);
const VALUED = new Set([
  'stanza', 'config', 'config-path', 'config-include-path', 'type', 'set', 'target', 'target-action', 'target-timeline',
  'tablespace-map', 'tablespace-map-all', 'link-map', 'db-include', 'db-exclude', 'recovery-option', 'archive-mode', 'process-max',
  'log-level-console', 'log-level-file', 'log-level-stderr', 'log-path', 'lock-path', 'spool-path', 'buffer-size', 'cmd',
  'cmd-ssh', 'compress-type', 'compress-level', 'repo', 'pg', 'output', 'filter', 'annotation', 'exclude',
]);

const DEFAULT_CONFIG = '/etc/pgbackrest/pgbackrest.conf';
const ORIGINAL_CONFIG = '/etc/pgbackrest.conf';
const DEFAULT_INCLUDE = '/etc/pgbackrest/conf.d';

type Options = Map<string, string[]>;

/** Parses `pgbackrest [options] COMMAND [options]`. */
export function parsePgbackrest(args: string[], ctx: ToolContext): ToolResult {
  const { opts, command, notes, params } = scanArgs(args);
  if (command === undefined) return { ops: [], notes: [...notes, 'pgbackrest: no command'] };
  // archive-get WAL DEST: a file written into a pg_wal (docs/guarded-tools.md).
  if (command === 'archive-get') return { ops: params[1] !== undefined ? [{ type: 'wal-fetch', paths: [params[1]], tool: 'pgbackrest archive-get' }] : [], notes };
  if (command === 'stanza-delete') return { ops: [{ type: 'opaque', why: "pgbackrest stanza-delete deletes the stanza's backups and archive" }], notes };
  if (command !== 'restore') return { ops: [], notes };
  return restoreOps(opts, ctx, notes);
}

/** Options by name (as given, without dashes) and the command word (a `:role` suffix dropped). */
function scanArgs(args: string[]): { opts: Options; command: string | undefined; notes: string[]; params: string[] } {
  const opts: Options = new Map();
  const notes: string[] = [];
  const params: string[] = [];
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    // getopt_long stops at `--`; pgBackRest never looks at what follows.
    if (a === '--') break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (value === undefined && takesValue(name, args[i + 1])) value = args[++i];
      opts.set(name, [...(opts.get(name) ?? []), value ?? '']);
    } else if (a.startsWith('-') && a !== '-') {
      notes.push(`unknown option ${a} passed on unchanged (pgBackRest has no short options)`);
    } else if (command === undefined) {
      command = COMMANDS.has(a) ? a : a.split(':')[0]!;
    } else {
      params.push(a);
    }
  }
  return { opts, command, notes, params };
}

/** Whether `--name` (no `=`) takes the next word; in doubt, not when that word is a command. */
function takesValue(name: string, next: string | undefined): boolean {
  if (next === undefined || name.startsWith('no-') || name.startsWith('reset-')) return false;
  const canon = name.replace(/^(pg|repo|db)\d+-/, '$1-');
  if (BOOLEANS.has(canon)) return false;
  if (VALUED.has(canon) || /^(pg|repo|db)-/.test(canon)) return true;
  return !next.startsWith('--') && !COMMANDS.has(next.split(':')[0]!);
}

/** `restore`: every pgN-path and mapped tablespace/link, else the stanza's paths from its config. */
function restoreOps(opts: Options, ctx: ToolContext, notes: string[]): ToolResult {
  const dests: DestRef[] = [];
  const pgPaths = dataPaths(opts, ctx.env);
  for (const path of pgPaths) dests.push({ kind: 'path', path });
  const stanza = (opts.get('stanza') ?? []).filter((v) => v !== '').at(-1) ?? nonEmpty(ctx.env.PGBACKREST_STANZA);
  if (pgPaths.length === 0 && stanza !== undefined) dests.push({ kind: 'pgbackrest-stanza', stanza, ...configSources(opts, ctx.env) });
  for (const path of mappedPaths(opts)) if (!dests.some((d) => d.kind === 'path' && d.path === path)) dests.push({ kind: 'path', path });
  const ops: Op[] = [];
  if (dests.length > 0) ops.push({ type: 'write-into', dests, tool: 'pgbackrest restore' });
  else notes.push('pgbackrest restore names neither --pg1-path nor a stanza: it will refuse to run');
  if (pgPaths.length === 0 && ctx.envUnknown) {
    ops.push({ type: 'opaque', why: 'pgbackrest restore takes its stanza and pg1-path from an environment safeops cannot see (PGBACKREST_*)' });
  }
  return { ops, notes };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** --pgN-path (also the old --db-path / --dbN-path), and PGBACKREST_PGN_PATH for indexes not on the command line. */
function dataPaths(opts: Options, env: Env): string[] {
  const byIndex = new Map<number, string[]>();
  for (const [key, value] of Object.entries(env)) {
    const m = /^PGBACKREST_(?:PG|DB)(\d*)_PATH$/.exec(key);
    if (m !== null && value) byIndex.set(Number(m[1] || '1'), [value]);
  }
  const fromCli = new Map<number, string[]>();
  for (const [name, values] of opts) {
    const m = /^(?:pg|db)(\d*)-path$/.exec(name);
    if (m === null) continue;
    const index = Number(m[1] || '1');
    fromCli.set(index, [...(fromCli.get(index) ?? []), ...values.filter((v) => v !== '')]);
  }
  for (const [index, values] of fromCli) byIndex.set(index, values);
  const out: string[] = [];
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    if (index < 1 || index > 256) continue;
    for (const v of byIndex.get(index)!) pushUnique(out, v);
  }
  return out;
}

/** Where --tablespace-map=NAME=DIR, --tablespace-map-all=DIR and --link-map=LINK=DIR send files. */
function mappedPaths(opts: Options): string[] {
  const out: string[] = [];
  for (const v of opts.get('tablespace-map-all') ?? []) if (v) pushUnique(out, v);
  for (const name of ['tablespace-map', 'link-map']) {
    for (const v of opts.get(name) ?? []) {
      const eq = v.indexOf('=');
      if (eq >= 0 && eq + 1 < v.length) pushUnique(out, v.slice(eq + 1));
    }
  }
  return out;
}

/** The config files and include dirs pgBackRest loads (its rules in config/parse.c cfgFileLoad). */
function configSources(opts: Options, env: Env): { configFiles: string[]; includeDirs: string[] } {
  const pick = (name: string, envName: string): string | undefined => (opts.get(name) ?? []).filter((v) => v !== '').at(-1) ?? nonEmpty(env[envName]);
  const config = pick('config', 'PGBACKREST_CONFIG');
  const configPath = pick('config-path', 'PGBACKREST_CONFIG_PATH');
  const include = pick('config-include-path', 'PGBACKREST_CONFIG_INCLUDE_PATH');
  const noConfig = opts.has('no-config');
  const defaultConfig = configPath === undefined ? DEFAULT_CONFIG : `${configPath}/pgbackrest.conf`;
  const defaultInclude = configPath === undefined ? DEFAULT_INCLUDE : `${configPath}/conf.d`;
  let configFiles: string[] = [];
  if (!noConfig) {
    if (config !== undefined) configFiles = [config];
    // Only the built-in default falls back to the pre-2.x location.
    else configFiles = defaultConfig === DEFAULT_CONFIG ? [DEFAULT_CONFIG, ORIGINAL_CONFIG] : [defaultConfig];
  }
  // An explicit --config (or --no-config) alone disables the default include dir.
  const configGiven = config !== undefined || noConfig;
  const includeDirs = configGiven && include === undefined && configPath === undefined ? [] : [include ?? defaultInclude];
  return { configFiles, includeDirs };
}
