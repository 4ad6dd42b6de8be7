// wal-g (PostgreSQL): the subcommands that write into a data directory or delete backups.
import type { ToolContext, ToolResult } from './context.js';
import type { DestRef, Op } from './types.js';
import { isPathLike, pushUnique } from './words.js';

const SUBCOMMANDS = new Set([
  'backup-fetch', 'backup-list', 'backup-mark', 'backup-merge', 'backup-push', 'catchup-fetch', 'catchup-list', 'catchup-push',
  'catchup-receive', 'catchup-send', 'completion', 'copy', 'daemon', 'delete', 'flags', 'help', 'pgbackrest', 'snapshot-fetch',
  'snapshot-push', 'st', 'wal-fetch', 'wal-prefetch', 'wal-purge', 'wal-push', 'wal-receive', 'wal-restore', 'wal-show', 'wal-verify',
]);

/** Subcommands that write into a local directory, and which positional names it. */
const WRITERS: Readonly<Record<string, number>> = {
  'backup-fetch': 0,
  'catchup-fetch': 0,
  'catchup-receive': 0,
  // wal-restore TARGET-PGDATA SOURCE-PGDATA writes WAL into the target's pg_wal.
  'wal-restore': 0,
  // snapshot-fetch NAME DIR writes backup_label (and recovery settings) into DIR.
  'snapshot-fetch': 1,
};

/** Subcommands that delete from the backup storage only with --confirm (a dry run without). */
const DELETERS = new Set(['delete', 'wal-purge']);

const BOOL_FLAGS = new Set([
  'turbo', 'help', 'version', 'h', 'v', 'confirm', 'reverse-unpack', 'skip-redundant-tars', 'use-sentinel-time', 'find-full',
  'full', 'f', 'permanent', 'verify', 'setup-recovery', 'without-files-metadata', 'delta-from-user-data',
]);
const VALUE_FLAGS = new Set([
  'config', 'mask', 'restore-spec', 'target-user-data', 'restore-only', 'target-storage', 'restore-command', 'recovery-target',
  'add-user-data', 'delta-from-name',
]);
// Every setting is also a (string) flag: --walg-s3-prefix X, --aws-region X, --pghost X ...
const SETTING_PREFIXES = [
  'walg-', 'wale-', 'aws-', 's3-', 'gs-', 'gcs-', 'google-', 'az-', 'azure-', 'swift-', 'ssh-', 'os-', 'yc-', 'pg', 'gpg-',
  'libsodium-', 'upload-', 'total-bg-', 'profile-', 'http-',
];

type Arity = 'bool' | 'value' | 'unknown';

/** Whether `--name` (no `=`) takes the next word as its value. */
function arity(flag: string): Arity {
  const name = flag.replace(/^--?/, '');
  if (BOOL_FLAGS.has(name)) return 'bool';
  if (VALUE_FLAGS.has(name) || SETTING_PREFIXES.some((p) => name.startsWith(p))) return 'value';
  return 'unknown';
}

/** Parses `wal-g ARGS`; global flags may come before or after the subcommand. */
export function parseWalg(args: string[], ctx: ToolContext): ToolResult {
  const notes: string[] = [];
  if (args.some((a) => a === '-h' || a === '--help' || a === '-v' || a === '--version')) {
    return { ops: [], notes: ['wal-g --help / --version acts on nothing'] };
  }
  const at = subcommandIndex(args);
  if (at < 0) return { ops: [], notes: ['wal-g: no known subcommand'] };
  const sub = args[at]!;
  if (DELETERS.has(sub)) return { ops: deleteOps(sub, args, ctx.argv0 ?? 'wal-g'), notes };
  if (sub === 'wal-fetch' || sub === 'wal-prefetch') {
    // wal-fetch WAL_NAME DEST / wal-prefetch WAL_NAME PREFETCH_DIR: a file written into a pg_wal (docs/guarded-tools.md).
    const words = positionals(args, at + 1);
    const paths: string[] = [];
    for (const w of [words.strict[1], words.loose[1]]) if (w !== undefined) pushUnique(paths, w);
    if (paths.length === 0) return { ops: [], notes: [...notes, `wal-g ${sub} without a destination: it will refuse to run`] };
    return { ops: [{ type: 'wal-fetch', paths, tool: `wal-g ${sub}` }], notes };
  }
  const target = writeTarget(args, at);
  if (target === null) return { ops: [], notes };
  const dests = destinations(target.words, target.index);
  if (dests.length === 0) {
    notes.push(`wal-g ${target.name} without a destination directory: it will refuse to run`);
    return { ops: [], notes };
  }
  const op: Op = { type: 'write-into', dests: dests.map((path): DestRef => ({ kind: 'path', path })), tool: `wal-g ${target.name}` };
  return { ops: [op], notes };
}

/** For a subcommand that writes locally: its name, positionals and which one is the directory. */
function writeTarget(args: string[], at: number): { name: string; words: Positionals; index: number } | null {
  const sub = args[at]!;
  const words = positionals(args, at + 1);
  if (Object.hasOwn(WRITERS, sub)) return { name: sub, words, index: WRITERS[sub]! };
  if (sub === 'pgbackrest' && words.loose[0] === 'backup-fetch') {
    // wal-g pgbackrest backup-fetch DEST NAME: fetches a pgBackRest backup into DEST.
    return { name: 'pgbackrest backup-fetch', words: positionals(args, args.indexOf('backup-fetch', at + 1) + 1), index: 0 };
  }
  return null;
}

/** The first word equal to a subcommand name, skipping values of flags known to take one. */
function subcommandIndex(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return -1;
    if (a.startsWith('-')) {
      if (!a.includes('=') && arity(a) === 'value') i += 1;
      continue;
    }
    if (SUBCOMMANDS.has(a)) return i;
  }
  return -1;
}

interface Positionals {
  /** Reading unknown flags as booleans: the most words count as positionals. */
  loose: string[];
  /** Reading unknown flags as taking a value. */
  strict: string[];
}

/** Positional words from `from` on, under both readings of flags whose arity is unknown. */
function positionals(args: string[], from: number): Positionals {
  const loose: string[] = [];
  const strict: string[] = [];
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      loose.push(...args.slice(i + 1));
      strict.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      loose.push(a);
      strict.push(a);
      continue;
    }
    if (a.includes('=')) continue;
    const kind = arity(a);
    if (kind === 'value') i += 1;
    else if (kind === 'unknown' && i + 1 < args.length && !args[i + 1]!.startsWith('-')) {
      // Read as a boolean, the next word is a positional; read as taking a value, it is consumed.
      loose.push(args[i + 1]!);
      i += 1;
    }
  }
  return { loose, strict };
}

/** The destination; when a flag of unknown arity makes that uncertain, both readings and every path-like word. */
function destinations(words: Positionals, index: number): string[] {
  const dests: string[] = [];
  for (const w of [words.loose[index], words.strict[index]]) if (w !== undefined) pushUnique(dests, w);
  const doubt = words.loose.length !== words.strict.length;
  if (doubt) for (const w of words.loose) if (isPathLike(w)) pushUnique(dests, w);
  return dests;
}

/** cobra reads `--confirm=VALUE` with strconv.ParseBool. */
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** `delete ... --confirm` (and `wal-purge --confirm`): deletes backups; the dry run is the same without --confirm. */
function deleteOps(sub: string, args: string[], argv0: string): Op[] {
  const isConfirm = (a: string): boolean => a === '--confirm' || a.startsWith('--confirm=');
  const confirmed = args.some((a) => a === '--confirm' || (a.startsWith('--confirm=') && !FALSE_WORDS.has(a.slice('--confirm='.length))));
  if (!confirmed) return [];
  return [{ type: 'delete-backups', tool: `wal-g ${sub}`, dryRunArgv: [argv0, ...args.filter((a) => !isConfirm(a))] }];
}
