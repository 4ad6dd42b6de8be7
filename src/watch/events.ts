// The watcher's vocabulary: what happens (events, from the chokidar adapter, timers and the
// loop's own I/O) and what the pure reducer asks for in return (effects). Plain data only.
import type { LoadedConfig } from '../config/schema.js';
import type { HostFacts } from '../facts/types.js';

/** The files in a data directory whose appearance, disappearance or change can mean a new role. */
export const WATCHED_NAMES = ['standby.signal', 'recovery.signal', 'postmaster.pid', 'promote'] as const;
export type WatchedName = (typeof WATCHED_NAMES)[number];

/** A cluster's role as the prompt shows it: a stopped cluster is `stopped`, whatever its files say. */
export type ClusterPromptRole = 'primary' | 'unknown' | 'recovering' | 'standby' | 'stopped';
/** The host's role in the prompt file: its most dangerous cluster, or `none` without clusters. */
export type PromptRole = ClusterPromptRole | 'none';

export type AlertKind = 'split-brain' | 'archiving-failing' | 'no-standby' | 'not-streaming' | 'archiving-stuck' | 'archiving-misconfigured' | 'wal-disk' | 'slot';

export interface Alert {
  kind: AlertKind;
  /** Data directories concerned. */
  clusters: string[];
  /** Short, for the prompt: "archiving failing on 15/main". */
  text: string;
  /** Longer, for state.json readers and the log. */
  detail: string;
}

/** The document written to state.json (DEVELOPERS.md "Contract: the state directory"). */
export interface StateDoc {
  schema: 'safeops.state/1';
  host: string;
  generatedAt: string;
  /** Epoch seconds. */
  heartbeat: number;
  watcherPid: number;
  clusters: HostFacts['clusters'];
  alerts: Alert[];
  /** Processes calling themselves postgres that are not counted (never in the label). */
  suspectPostmasters?: NonNullable<HostFacts['suspectPostmasters']>;
}

export interface GatherRequest {
  /** SQL facts (pg_is_in_recovery(), replication, archiving) of every running cluster; when false,
   *  only of those in `dirs` or whose process or signal files changed (the others keep theirs). */
  sql: boolean;
  /** Full discovery (scan of the roots) rather than re-reading the clusters already known. */
  rediscover: boolean;
  /**
   * How much to read again. `all`: every known cluster's files. `live`: only the running ones
   * (and those with problems); stopped clusters keep their last facts, since file events and the
   * rediscovery catch their changes. `sql`: no files, only SQL of the running clusters, over the
   * last file facts: the periodic poll, which keeps the watcher light (role changes come with
   * file events; a server that stops answering makes it read the files again).
   */
  scope: 'all' | 'live' | 'sql';
  /** Data dirs that had file events: read again whatever the scope (sorted, no duplicates). */
  dirs: string[];
}

export type WatchEvent =
  | { type: 'started' }
  /** A timer fired (the loop sets one for `nextWakeAt`). */
  | { type: 'tick' }
  | { type: 'file-changed'; dataDir: string; name: WatchedName; change: 'added' | 'removed' | 'changed' }
  /** A watched data directory vanished (deleted or renamed away). */
  | { type: 'dir-gone'; dataDir: string }
  /** A vanished data directory exists again. */
  | { type: 'dir-back'; dataDir: string }
  /** One of the config files was written, created or removed. */
  | { type: 'config-changed'; file: string }
  /** The config as read from disk (after `load-config`, or at start). */
  | { type: 'config-loaded'; loaded: LoadedConfig }
  /** The result of the gather numbered `seq`. */
  | { type: 'facts'; seq: number; host: HostFacts }
  | { type: 'gather-failed'; seq: number; error: string }
  /** The loop wrote the files of the last `publish` (or could not). */
  | { type: 'published' }
  | { type: 'publish-failed'; error: string }
  /** The file watcher itself had a problem (inotify limit, permission denied...). */
  | { type: 'watcher-error'; error: string }
  /** The fleet view (etcd) or Patroni's view changed (src/fleet/hook.ts). */
  | { type: 'extra'; fleet?: import('../fleet/types.js').FleetView | null; patroni?: Record<string, import('../facts/types.js').PatroniFacts> };

export type Effect =
  | ({ type: 'gather'; seq: number } & GatherRequest)
  /** Write state.json (unless `doc` is null: a heartbeat of unchanged facts) and then `prompt`. */
  | { type: 'publish'; doc: StateDoc | null; prompt: string }
  /** Tell the registered shells to recolour (after the publish that changed role or label). */
  | { type: 'notify-shells'; role: PromptRole; label: string }
  | { type: 'log'; line: string }
  /** The data directories the adapter should watch now (sorted). */
  | { type: 'watch'; dataDirs: string[] }
  /** Read the config files again and answer with `config-loaded`. */
  | { type: 'load-config' };
