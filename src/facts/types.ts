// The facts safeops knows about a host (docs/design.md §1). Plain data: produced by src/facts/*,
// consumed by the pure decision, the status command, the watcher and the UI.

/** A tri-state: true, false, or "could not be known" (no permission, unreachable...). */
export type Tri = boolean | 'unknown';

/** What a cluster is doing right now. `unknown` is always treated as the dangerous case. */
export type Role = 'primary' | 'standby' | 'recovering' | 'unknown';

/** Where a fact came from, shown to the operator ("standby (SQL pg_is_in_recovery())"). */
export type FactSource =
  | 'sql' // a query over the Unix socket
  | 'signal-file' // standby.signal / recovery.signal / recovery.conf
  | 'pid-file' // postmaster.pid checked against /proc
  | 'proc' // /proc/<pid>/{cmdline,cwd,stat}
  | 'pg_control' // global/pg_control
  | 'config' // safeops config or /etc/postgresql
  | 'watcher' // state.json published by `safeops watch`
  | 'none';

/** One place that is part of a cluster: the data dir, an external pg_wal, a tablespace. */
export interface FootprintEntry {
  kind: 'data' | 'wal' | 'tablespace' | 'config';
  /** Canonical path (symlinks resolved). */
  path: string;
  /** `dev:ino` of `path`, or null when it cannot be stat'ed (then only `path` is compared). */
  id: string | null;
  /** `dev:ino` of `path` and of every ancestor up to `/`: a target whose id is in here is an ancestor. */
  chain: string[];
  /** Other paths through which this place (or a part of it) is visible: bind mounts. */
  aliases: string[];
  /** For a tablespace: its OID (the symlink name in pg_tblspc). */
  oid?: string;
}

/** Facts read from postmaster.pid (lines 1, 3, 4, 5, 8). */
export interface PidFile {
  pid: number;
  startEpoch: number | null;
  port: number | null;
  socketDir: string | null;
  status: string | null;
}

export interface ReplicationFacts {
  /** On a primary: standbys connected (pg_stat_replication). */
  connectedStandbys: Array<{ application: string; clientAddr: string | null; state: string | null; syncState: string | null; replayLagSeconds: number | null }> | null;
  /** On a standby: upstream from primary_conninfo. */
  upstream: { host: string | null; port: number | null; conninfo: string } | null;
  /** On a standby: pg_stat_wal_receiver.status ("streaming"), null if no receiver. */
  receiverStatus: string | null;
  /** On a standby: seconds since last replayed transaction (approximate lag). */
  replayLagSeconds: number | null;
}

export interface ArchivingFacts {
  mode: string | null; // archive_mode
  archivedCount: number | null;
  failedCount: number | null;
  lastArchivedAt: string | null;
  lastFailedAt: string | null;
  lastFailedWal: string | null;
  /** last_failed_time newer than last_archived_time. */
  failing: boolean;
  /** `.ready` files waiting in pg_wal/archive_status (null if unreadable). */
  readyCount: number | null;
  /** What pg_stat_archiver cannot tell (src/facts/archive.ts); read by the watcher, status and doctor. */
  health?: import('./archive.js').ArchiveHealth;
}

export interface ClusterFacts {
  /** Canonical data directory. */
  dataDir: string;
  /** `dev:ino` of the data directory. */
  id: string | null;
  /** Human name, unique on the host: Debian `15/main`, else cluster_name, else the shortest unique path suffix (names.ts). */
  name: string;
  /** Debian postgresql-common identity, when the cluster is registered there. */
  debian: { version: string; name: string; confDir: string } | null;
  /** How the cluster was found. */
  discoveredBy: Array<'proc' | 'debian' | 'scan' | 'config' | 'command' | 'watcher'>;
  version: string | null;
  footprint: FootprintEntry[];
  /**
   * Parts of the footprint that could not be read (EACCES on the data dir, its pg_wal link,
   * pg_tblspc): the footprint may be larger than `footprint`. Absent or empty: complete.
   * See docs/privilege.md: decide() treats such a cluster as touched by any path a more
   * privileged command acts on.
   */
  footprintGaps?: string[];

  running: Tri;
  /** Why `running` is what it is ("pid 123 is a postgres process whose cwd is the data dir"). */
  runningSource: string;
  pid: number | null;
  port: number | null;
  socketDir: string | null;
  pmStatus: string | null;
  stalePidFile: boolean;

  standbySignal: Tri;
  recoverySignal: Tri;
  /** PG < 12: `recovery.conf` with standby_mode=on ("standby") or without ("recovery"). */
  recoveryConf: 'standby' | 'recovery' | null | 'unknown';
  backupLabel: Tri;
  hasPgControl: Tri;
  /** `backup_label` present and never started, or PG_VERSION without global/pg_control. */
  restoreInProgress: Tri;
  /** A `promote` file: promotion requested, not done yet. */
  promoteRequested: Tri;
  /** `Database cluster state` from pg_control, e.g. "in production" (history, not liveness). */
  pgControlState: string | null;
  /** Database system identifier from pg_control: shared by a primary and every standby cloned from it. */
  systemIdentifier: string | null;

  inRecovery: Tri | null; // null when not running / not asked
  role: Role;
  roleSource: FactSource;
  /** One line: how the role was known ("SQL pg_is_in_recovery() = false"). */
  roleDetail: string;

  replication: ReplicationFacts | null;
  archiving: ArchivingFacts | null;
  /** pg_wal size, free space, replication slots (src/facts/wal-disk.ts); watcher, status and doctor only. */
  walDisk?: import('./wal-disk.js').WalDiskFacts;
  /** server_version over SQL (watcher, status and doctor only). */
  serverVersion?: string;
  /** Owner of the data directory. */
  owner: { uid: number; name: string | null } | null;
  /** ISO time these facts were read. */
  observedAt: string;
  /** Why some facts are unknown (permission denied, connection refused, ...). */
  problems: string[];
  /** Patroni manages this cluster (src/patroni/detect.ts); absent or null: nothing says so. */
  patroni?: PatroniFacts | null;
}

/** A Patroni-managed cluster: how that is known, and Patroni's own view when it was asked. */
export interface PatroniFacts {
  how: string;
  /** A patroni daemon runs for this data directory. */
  running: Tri;
  pid: number | null;
  configFile: string | null;
  scope: string | null;
  member: string | null;
  namespace: string;
  restApi: string | null;
  etcdHosts: string[];
  /** Patroni's view (REST /cluster), read by the watcher and `status`; null when not asked or unreachable. */
  view: PatroniView | null;
}

export interface PatroniView {
  /** Where it came from ("REST 127.0.0.1:8008") and when (ISO). */
  source: string;
  at: string;
  paused: boolean;
  leader: string | null;
  members: Array<{ name: string; role: string; state: string; host: string | null; lagMb: number | null; timeline: number | null }>;
  error: string | null;
}

/** A postmaster seen in /proc whose data directory could not be determined. */
export interface UnidentifiedPostmaster {
  pid: number;
  why: string;
}

export interface HostFacts {
  hostname: string;
  shortHostname: string;
  clusters: ClusterFacts[];
  unidentifiedPostmasters: UnidentifiedPostmaster[];
  observedAt: string;
  problems: string[];
  /**
   * Subtrees discovery did not finish looking at (scan limit, depth, permission, or the bounded
   * look inside a command's own targets): a cluster may hide there, so recursive removals and
   * restores touching them ask (docs/host-trust.md). Canonical paths.
   */
  unscanned?: Array<{ path: string; why: string }>;
  /**
   * Processes that call themselves postgres but are not taken for postmasters: their executable is
   * no PostgreSQL server binary, or they do not run as their data directory's owner (the first 20).
   * Never in the prompt's label, never make a cluster "running" (docs/host-trust.md).
   */
  suspectPostmasters?: Array<{ pid: number; uid: number | null; exe: string | null; why: string }>;
  suspectCount?: number;
  /** A command's own targets whose whole subtree was looked through (no cluster hides there). */
  lookedThrough?: string[];
  /** What the watcher knows of the replication sets of this host's clusters (src/fleet); the guard reads it from state.json. */
  fleet?: import('../fleet/types.js').FleetView | null;
  /**
   * Set when the command will run with privileges these facts were not read with (sudo/su/
   * runuser/doas to another user, and no privileged read was possible): why, in words. Then a
   * footprint gap may hide anything the command reaches (docs/privilege.md).
   */
  readerOutranked?: string;
}
