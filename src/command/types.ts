// What a command line means to the guard. Parsers (pure) turn argv into a ParsedCommand;
// the facts layer resolves its raw targets into ResolvedTargets; decide() judges the result.

/** The commands safeops wraps itself: the list lives in the contract (src/contract.ts). */
export { GUARDED_TOOLS, type GuardedTool } from '../contract.js';
import type { GuardedTool } from '../contract.js';

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
  | { kind: 'unknown'; why: string }
  /** psql's connection target: a cluster on this host by socket directory / port (src/facts/targets.ts). */
  | { kind: 'conn'; hosts: string[]; port: string | null; why: string | null };

/** Which processes kill/pkill/killall signal (resolved against /proc by src/facts/targets.ts). */
export type ProcTarget =
  | { kind: 'pid'; pid: number }
  /** kill -N: every process of process group N; kill -1: every process. */
  | { kind: 'group'; pgid: number }
  /** pkill/pgrep PATTERN (ERE) against comm, or the whole command line with -f; killall NAME. */
  | { kind: 'name'; pattern: string; full: boolean; exact: boolean; regex: boolean; ignoreCase: boolean; invert: boolean }
  /** pkill -F FILE: the pid on the file's first line. */
  | { kind: 'pidfile'; path: string };

/** Cluster-level offline tools (pg_dropcluster, pg_resetwal, pg_rewind, pg_upgrade): how final. */
export type OfflineKind = 'drop' | 'resetwal' | 'rewind' | 'upgrade' | 'upgrade-link';

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
  | { type: 'opaque'; why: string }
  // issue 9 item 4 (docs/guarded-tools.md):
  /** cp/mv/rsync/truncate/shred/dd write these paths (not a restore: no empty-destination rule). */
  | { type: 'write'; paths: string[]; recursive: boolean; tool: string }
  /** wal-g wal-fetch / pgbackrest archive-get: refused into a running cluster, allowed elsewhere. */
  | { type: 'wal-fetch'; paths: string[]; tool: string }
  /** kill/pkill/killall/pg_ctl kill: a signal to processes (a postmaster's and a backend's meaning differ). */
  | { type: 'signal'; targets: ProcTarget[]; signal: string; tool: string }
  /** reboot/shutdown/poweroff/halt, systemctl reboot|isolate|...: every running cluster goes down. */
  | { type: 'host-down'; what: string }
  /** umount of mount points or devices. */
  | { type: 'unmount'; targets: string[]; recursive: boolean; all: boolean }
  /** mkfs/wipefs/dd/shred of a block device. */
  | { type: 'wipe-device'; devices: string[]; tool: string }
  /** pg_dropcluster, pg_resetwal, pg_rewind, pg_upgrade: need the cluster stopped. */
  | { type: 'offline'; refs: ClusterRef[]; kind: OfflineKind; tool: string }
  /** psql -f FILE: a promote if a readable file calls pg_promote() (read by the facts layer). */
  | { type: 'sql-promote'; files: string[]; refs: ClusterRef[] };

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

/** An op whose cluster references are resolved; every other field as parsed. */
type RefsResolved<O> = O extends { refs: ClusterRef[] } ? Omit<O, 'refs'> & { refs: ResolvedRef[] } : never;
/** An op whose paths are resolved (as `targets`); every other field as parsed. */
type PathsResolved<O> = O extends { paths: string[] } ? Omit<O, 'paths'> & { targets: ResolvedPath[] } : never;

export type ResolvedOp =
  | Extract<Op, { type: 'delete-backups' | 'opaque' | 'host-down' }>
  | RefsResolved<Extract<Op, { type: 'stop' | 'kill' | 'promote' | 'offline' }>>
  | PathsResolved<Extract<Op, { type: 'remove' | 'write' | 'wal-fetch' }>>
  | { type: 'write-into'; targets: ResolvedPath[]; tool: string; unresolved: string[] }
  | { type: 'signal'; signal: string; tool: string; procs: SignalledProc[]; unresolved: string[] }
  /** unmount / wipe-device: refs.ref is a path ref naming the argument; dataDirs = clusters with a footprint on it. */
  | { type: 'unmount'; refs: ResolvedRef[] }
  | { type: 'wipe-device'; refs: ResolvedRef[]; tool: string };

/** A process a signal reaches that belongs to a known cluster. */
export interface SignalledProc {
  pid: number;
  dataDir: string;
  /** postmaster; a client backend (or walsender); an auxiliary process (checkpointer, startup ...), or a child safeops cannot classify. */
  kind: 'postmaster' | 'backend' | 'aux';
  title: string;
}

/** The `command` argument of decide(): the parsed command with every target resolved. */
export interface Command {
  parsed: ParsedCommand;
  ops: ResolvedOp[];
  /** Canonical working directory of the command. */
  cwd: string;
}
