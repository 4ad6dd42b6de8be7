// The contract between the guard, the confirmation controller (run.tsx) and the screen.
import type { SizeProgress } from '../facts/size.js';
import type { ClusterFacts } from '../facts/types.js';
import type { UpstreamProbe } from '../facts/upstream.js';
import type { Verdict } from '../policy/types.js';

export type { SizeProgress, UpstreamProbe };

/** How the confirmation ended. Nothing has run in any case: the guard decides what follows. */
export type ConfirmationResult =
  | { outcome: 'confirmed'; typed: string[]; verdict: Verdict; clusters: ClusterFacts[] }
  | { outcome: 'declined'; typed: string[] }
  | { outcome: 'interrupted'; signal: string | null }
  | { outcome: 'refused'; verdict: Verdict; clusters: ClusterFacts[] };

/** wal-g's own dry run, as the screen shows it. */
export type DryRunState =
  | { status: 'running'; argv: string[] }
  | { status: 'done'; argv: string[]; exitCode: number | null; output: string };

/** Split-brain checks by data dir of the standby: null while checking. */
export type UpstreamChecks = Record<string, UpstreamProbe | null>;

export interface ConfirmationSession {
  /** Full host name (shown beside the short one). */
  host: string;
  /** What the operator types: the short host name. */
  shortHost: string;
  /** The command exactly as it will run. */
  argv: string[];
  /** The initial decision and the touched clusters. */
  verdict: Verdict;
  clusters: ClusterFacts[];
  /** Re-read the facts and decide again; called about once a second while open, and on push. */
  refresh(): Promise<{ verdict: Verdict; clusters: ClusterFacts[] }>;
  /** Optional push (the watcher's state file changed); returns unsubscribe. */
  subscribe?(onChange: () => void): () => void;
  /** Background size/count of what would be destroyed; returns cancel. */
  measure?(paths: string[], onProgress: (p: SizeProgress) => void): () => void;
  dryRun?(argv: string[]): Promise<{ exitCode: number | null; output: string }>;
  probeUpstream?(host: string | null, port: number | null): Promise<UpstreamProbe>;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** No colour or other styling at all (NO_COLOR). @default NO_COLOR is set and not empty */
  noColor?: boolean;
  /**
   * Paths the command would delete or overwrite (resolved by the guard): shown and measured.
   * @default absolute paths in argv that lie in a touched cluster's footprint
   */
  destroys?: string[];
  /** A terminal that understands no escape sequences at all. @default TERM=dumb */
  dumb?: boolean;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** How often refresh() is called. @default 1000 */
  refreshMs?: number;
}
