// The fleet: what each host publishes about its clusters into etcd (one key per cluster, under a
// lease), and the view a watcher builds of the replication sets it has locally. Plain data.

export type MemberRole = 'primary' | 'standby' | 'recovering' | 'unknown' | 'stopped';

/** One cluster as its host reports it (the value of its etcd key, JSON). */
export interface MemberReport {
  schema: 'safeops.member/1';
  host: string;
  cluster: string;
  dataDir: string;
  systemIdentifier: string;
  timeline: number | null;
  role: MemberRole;
  /** How the role was known ("SQL pg_is_in_recovery() = false"). */
  roleHow: string;
  running: boolean | 'unknown';
  port: number | null;
  /** Checkpoint LSN from pg_control (coarse for a running server; exact for a cleanly stopped one). */
  lsn: string | null;
  upstream: string | null;
  standbys: string[];
  replayLagSeconds: number | null;
  archiving: 'ok' | 'failing' | 'off' | 'unknown';
  versions: { server: string | null; walg: string | null; pgbackrest: string | null; safeops: string | null };
  patroni: { scope: string | null; member: string | null; role: string | null; leader: string | null; paused: boolean } | null;
  /** When the report was made (ISO). */
  reportedAt: string;
}

/** A member as a watcher sees it. */
export interface FleetMember extends MemberReport {
  /** This watcher's own cluster. */
  local: boolean;
  /** Its key is gone (lease expired) or it was never renewed: not reporting any more. */
  expired: boolean;
  /** Seconds since it was last seen alive. */
  silentSeconds: number;
}

export interface FleetSet {
  systemIdentifier: string;
  members: FleetMember[];
}

export type FleetAlertKind = 'fleet-split-brain' | 'member-silent' | 'no-standby-anywhere' | 'version-drift';

export interface FleetAlert {
  kind: FleetAlertKind;
  systemIdentifier: string;
  text: string;
}

/** What the watcher publishes in state.json (`fleet`) and the guard reads back. */
export interface FleetView {
  /** This host's name in the fleet. */
  self: string;
  /** Connected to etcd and in sync now. */
  connected: boolean;
  /** When the view was last confirmed by etcd (ISO), null if never. */
  syncedAt: string | null;
  /** Seconds since syncedAt when published (stale when not connected). */
  ageSeconds: number | null;
  error: string | null;
  sets: FleetSet[];
  alerts: FleetAlert[];
}
