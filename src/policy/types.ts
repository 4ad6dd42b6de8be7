// The result of decide(): what safeops does with a command, and why, in the operator's words.
import type { ExtraRow } from './rows-extra.js';

export type VerdictKind = 'allow' | 'confirm' | 'refuse';

/** A row of the decision table (docs/design.md §2): what a command does to a cluster. */
export type Row = 'remove' | 'write-into' | 'stop' | 'stop-hard' | 'promote' | ExtraRow;

/** The table column a cluster falls in (docs/design.md §2). */
export type ClusterState = 'running-primary' | 'running-standby' | 'stopped-standby' | 'stopped' | 'unknown';

export interface Reason {
  verdict: VerdictKind;
  /** Cluster display name, or null for reasons not about a cluster (protected path, cwd...). */
  cluster: string | null;
  dataDir: string | null;
  /** The table column, for machines (audit log, UI colour). */
  state: ClusterState | null;
  /** Role in words, e.g. "running PRIMARY", "stopped standby (standby.signal)". */
  role: string | null;
  /** How the role was known, e.g. "SQL pg_is_in_recovery() = false at 03:12:04". */
  how: string | null;
  /** What the command would do, e.g. "rm -r would delete /var/lib/postgresql/15/main (data directory)". */
  what: string;
  /** The safe way to do what the operator meant. */
  next: string;
}

export interface Verdict {
  kind: VerdictKind;
  /** A strong confirmation asks for more than the host name (see README "Confirmations"). */
  strong: boolean;
  reasons: Reason[];
  /** Data dirs of every cluster the command touches (for re-reading facts before executing). */
  touched: string[];
  /** Extra warnings shown with a confirmation (split brain, dry-run output to show...). */
  warnings: string[];
  /** Standbys being promoted whose upstream should be probed for split brain (UI does the I/O). */
  promoteUpstreams: Array<{ dataDir: string; host: string | null; port: number | null }>;
  /** wal-g delete --confirm: the dry-run argv the confirmation shows the output of. */
  dryRunArgv: string[] | null;
}
