// What a command line means to the guard. Parsers (pure) turn argv into a ParsedCommand;
// the facts layer resolves its raw targets into ResolvedTargets; decide() judges the result.

/** The commands safeops wraps itself. */
export const GUARDED_TOOLS = ['rm', 'pg_ctl', 'pg_ctlcluster', 'wal-g', 'pgbackrest', 'pg_basebackup', 'systemctl'] as const;
export type GuardedTool = (typeof GUARDED_TOOLS)[number];

/** How a command names a cluster it acts on (before resolution against the host's facts). */
export type ClusterRef =
  /** pg_ctl -D DIR / PGDATA: a data directory or a Debian config directory. */
  | { kind: 'path'; path: string }
  /** pg_ctlcluster 15 main, postgresql@15-main.service */
  | { kind: 'debian'; version: string; name: string }
  /** postgresql-15.service (RHEL/PGDG): every non-Debian cluster of that major version. */
  | { kind: 'major'; version: string }
  /** pg_ctl kill SIG PID: the cluster whose postmaster or backend has this pid. */
  | { kind: 'pid'; pid: number }
  /** postgresql.service (Debian's umbrella unit), postgresql@* : every cluster. */
  | { kind: 'all'; why: string }
  /** The command acts on a cluster safeops cannot tell from argv (e.g. PGDATA from a login shell). */
  | { kind: 'unknown'; why: string };

/** Where a restore / fetch / base backup writes. */
export type DestRef =
  | { kind: 'path'; path: string }
  /** pgbackrest: pgN-path from the stanza in its config files (resolved by the facts layer). */
  | { kind: 'pgbackrest-stanza'; stanza: string; configFiles: string[]; includeDirs: string[] };

export type StopMode = 'smart' | 'fast' | 'immediate';

/** One effect of a command. A command line may carry several (e.g. `rm a b`, `systemctl stop x y`). */
export type Op =
  | { type: 'remove'; paths: string[]; recursive: boolean }
  | { type: 'write-into'; dests: DestRef[]; tool: string }
  | { type: 'stop'; refs: ClusterRef[]; mode: StopMode; restart: boolean }
  | { type: 'kill'; refs: ClusterRef[]; signal: string }
  | { type: 'promote'; refs: ClusterRef[] }
  /** wal-g delete ... --confirm: deletes backups; dryRunArgv is the same command without --confirm. */
  | { type: 'delete-backups'; tool: string; dryRunArgv: string[] }
  /** A target safeops cannot see (e.g. systemctl -H otherhost): confirmed, never silently allowed. */
  | { type: 'opaque'; why: string };

export interface ParsedCommand {
  /** The tool as recognised (after seeing through sudo/env/time/...), or null if not guarded. */
  tool: GuardedTool | null;
  /** The argv that will be executed, byte for byte as given (argv[0] as typed). */
  argv: string[];
  /** The inner argv of the guarded tool (argv[0] = the tool as typed, e.g. /opt/wal-g/wal-g). */
  innerArgv: string[];
  /** Working directory the inner command will run in (sudo -D, env -C), when it differs. */
  cwd: string | null;
  /** Environment changes the inner command will see (env VAR=x, sudo VAR=x), e.g. PGDATA. */
  envOverrides: Record<string, string>;
  /** The inner environment is unknown (sudo -i / su -): PGDATA etc. cannot be read from ours. */
  envUnknown: boolean;
  ops: Op[];
  /** Observations for the operator ("unknown option --frobnicate passed on unchanged"). */
  notes: string[];
}

/** A path target after resolution against the file system (I/O done by src/facts/resolve.ts). */
export interface ResolvedPath {
  /** As given. */
  arg: string;
  /** Absolute, lexically normalised (for display). */
  abs: string;
  /** Canonical path the kernel reaches (final symlink followed). Non-existent tails are kept lexically. */
  real: string;
  /** Canonical path of the entry itself (final symlink not followed). */
  self: string;
  exists: boolean;
  isSymlink: boolean;
  isDir: boolean;
  /** `dev:ino` of `real` and every ancestor (for "inside a footprint"). */
  chain: string[];
  /** `dev:ino` of `self`'s parent chain (the symlink's own location). */
  selfChain: string[];
  /** `dev:ino` of `real` (for "ancestor of a footprint"). */
  id: string | null;
  /** Mount points strictly below `real` (canonical), for recursion through bind mounts. */
  mountsBelow: Array<{ path: string; id: string | null }>;
  /** For write-into: the directory exists and has entries. */
  nonEmpty: boolean;
  /** For write-into: the command's working directory is inside this path. */
  cwdInside: boolean;
  /** Set when another user could swap a component of the path before the tool walks it (docs/races.md). */
  swappable?: string | null;
}

/** A cluster reference after resolution: which clusters (by data dir) it names. */
export interface ResolvedRef {
  ref: ClusterRef;
  /** Data dirs of the clusters it names. Empty: names no cluster on this host. */
  dataDirs: string[];
  /** True when the reference could name a cluster safeops cannot see: treat as unknown. */
  unresolved: string | null;
}

export type ResolvedOp =
  | { type: 'remove'; targets: ResolvedPath[]; recursive: boolean }
  | { type: 'write-into'; targets: ResolvedPath[]; tool: string; unresolved: string[] }
  | { type: 'stop'; refs: ResolvedRef[]; mode: StopMode; restart: boolean }
  | { type: 'kill'; refs: ResolvedRef[]; signal: string }
  | { type: 'promote'; refs: ResolvedRef[] }
  | { type: 'delete-backups'; tool: string; dryRunArgv: string[] }
  | { type: 'opaque'; why: string };

/** The `command` argument of decide(): the parsed command with every target resolved. */
export interface Command {
  parsed: ParsedCommand;
  ops: ResolvedOp[];
  /** Canonical working directory of the command. */
  cwd: string;
}
