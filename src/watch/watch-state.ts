// The watcher reducer's state (src/watch/reducer.ts): what it remembers between events, its
// start, and the small pure readings of it that the loop and the other reducer parts share.
import { defaultConfig, type Config } from '../config/schema.js';
import type { HostFacts } from '../facts/types.js';
import { emptyAlertMemory, type AlertMemory } from './alerts.js';
import type { Alert, ClusterPromptRole, Effect, GatherRequest, PromptRole } from './events.js';
import { emptyExtra, type ExtraState } from '../fleet/extra.js';

export interface KnownCluster {
  name: string;
  role: ClusterPromptRole;
  /** dev:ino of the data dir when last seen (a recreated dir must be watched again). */
  id: string | null;
  goneSince: number | null;
}

export interface WatchState {
  /** The watcher's pid, for state.json. */
  pid: number;
  /** The configuration in force: the last one read without problems (or the first one read). */
  config: Config;
  configAdopted: boolean;
  /** What the last `config-loaded` held, to ignore reloads that change nothing. */
  configFingerprint: string | null;
  /** `--interval`: overrides config watch.sqlIntervalMs. */
  intervalOverrideMs: number | null;

  host: HostFacts | null;
  factsAt: number | null;
  alerts: Alert[];
  memory: AlertMemory;
  /** Every cluster seen, by data dir (including vanished ones for GONE_KEEP_MS). */
  known: Record<string, KnownCluster>;
  hostProblems: string[];
  watchKey: string;

  seq: number;
  inFlight: { seq: number; req: GatherRequest; since: number } | null;
  queued: GatherRequest | null;
  bursts: number[];
  /** Data dirs whose file events the pending bursts are about. */
  burstDirs: string[];
  settleUntil: number;
  settleAt: number | null;
  nextSqlAt: number | null;
  nextRediscoverAt: number | null;
  gatherFailures: number;
  lastGatherError: string | null;
  staleLogged: boolean;

  lastPublishAt: number | null;
  lastStatePublishAt: number | null;
  publishedKey: string | null;
  published: { role: PromptRole; label: string } | null;
  notified: { role: PromptRole; label: string } | null;
  publishBlockedUntil: number | null;
  lastPublishError: string | null;
  loggedErrors: string[];
  /** The fleet (etcd) and Patroni views (src/fleet/extra.ts). */
  extra: ExtraState;
}

export interface InitialInput {
  pid: number;
  intervalOverrideMs?: number | null;
}

export function initialState(input: InitialInput): WatchState {
  return {
    pid: input.pid,
    config: defaultConfig(),
    configAdopted: false,
    configFingerprint: null,
    intervalOverrideMs: input.intervalOverrideMs ?? null,
    host: null,
    factsAt: null,
    alerts: [],
    memory: emptyAlertMemory(),
    known: {},
    hostProblems: [],
    watchKey: '',
    seq: 0,
    inFlight: null,
    queued: null,
    bursts: [],
    burstDirs: [],
    settleUntil: 0,
    settleAt: null,
    nextSqlAt: null,
    nextRediscoverAt: null,
    gatherFailures: 0,
    lastGatherError: null,
    staleLogged: false,
    lastPublishAt: null,
    lastStatePublishAt: null,
    publishedKey: null,
    published: null,
    notified: null,
    publishBlockedUntil: null,
    lastPublishError: null,
    loggedErrors: [],
    extra: emptyExtra(),
  };
}

/** The SQL interval in force. */
export function sqlIntervalMs(s: Pick<WatchState, 'intervalOverrideMs' | 'config'>): number {
  return s.intervalOverrideMs ?? s.config.watch.sqlIntervalMs;
}

/** With no good gather for this long, heartbeats stop so that shells show "stale" rather than old facts. */
export function staleAfterMs(s: WatchState): number {
  return Math.max((s.config.watch.staleAfterSeconds * 1000) / 2, 2 * sqlIntervalMs(s) + s.config.sql.connectTimeoutMs + 1000);
}

/** Data dirs the next gather must read besides what discovery finds (known and recently vanished). */
export function knownDirs(s: WatchState): string[] {
  return Object.keys(s.known).sort();
}

/** A reducer step in progress: the state being changed (a copy) and the effects asked for so far. */
export type Out = { state: WatchState; effects: Effect[] };

export function log(o: Out, line: string): void {
  o.effects.push({ type: 'log', line });
}

/** Log a problem once (until it changes): a persistent failure must not flood the journal. */
export function logOnce(o: Out, line: string): void {
  const s = o.state;
  if (s.loggedErrors.includes(line)) return;
  s.loggedErrors = [...s.loggedErrors.slice(-19), line];
  log(o, line);
}
