// The configuration: its shape, its defaults, and a pure validator that names the file and the
// key of every problem. Read on every guarded command, so it is plain JSON.parse plus checks
// (see DEVELOPERS.md: instantiating `conf` costs more than the guard's whole start-up budget).
// The checks of each section are in validate.ts.
import { defaultFleetConfig, type FleetConfig } from './fleet.js';
import { applyConfigObject } from './validate.js';
import { DEFAULT_ROLE_BACKGROUND } from '../contract.js';

export type ProtectAction = 'confirm' | 'refuse';

export interface ProtectedPath {
  path: string;
  action: ProtectAction;
  /** Shown to the operator, e.g. "WAL archive". */
  reason: string;
}

export interface ShellColors {
  primary: string;
  standby: string;
  recovering: string;
  stopped: string;
  unknown: string;
  stale: string;
  none: string | null;
}

export interface Config {
  /** Paths that are protected like a cluster (safe-rm style): WAL archives, backup repos. */
  protect: ProtectedPath[];
  discovery: {
    /** Directories scanned (bounded) for data directories. */
    roots: string[];
    /** How deep below each root the scan looks for PG_VERSION. */
    maxDepth: number;
    /** Data directories always considered, found or not. */
    clusters: string[];
    /** Directories besides the packages' ones that hold trusted PostgreSQL server binaries (docs/host-trust.md). */
    binDirs: string[];
  };
  sql: {
    /** Role used for SQL facts; default: the data directory's owner (works with peer auth as that user). */
    user: string | null;
    database: string;
    connectTimeoutMs: number;
  };
  audit: {
    /** JSON Lines audit log; SAFEOPS_AUDIT_LOG overrides. */
    path: string | null;
  };
  watch: {
    sqlIntervalMs: number;
    rediscoverIntervalMs: number;
    /** The prompt shows "stale" when the heartbeat is older than this. */
    staleAfterSeconds: number;
  };
  /** Archiving health alerts (issue 11, docs/archiving-health.md). */
  archiving: {
    /** The oldest `.ready` file older than this means archiving is stuck, whatever pg_stat_archiver says. */
    readyMaxAgeSeconds: number;
    /** After a promotion: the new timeline's history file still waiting this long. */
    timelineGraceSeconds: number;
  };
  /** WAL and disk alerts (issue 11). */
  wal: {
    /** Alert when pg_wal's growth would fill its filesystem within this many hours. */
    diskFullWithinHours: number;
    /** Alert when the filesystem holding pg_wal has less free space than this (percent). */
    minFreePercent: number;
    /** An inactive slot retaining more WAL than this (MB) alerts. */
    slotRetainedMaxMB: number;
    /** A slot whose safe_wal_size is below this (MB) alerts. */
    slotSafeMinMB: number;
  };
  shell: {
    colors: ShellColors;
    /** Set the terminal background (OSC 11) by role. */
    background: boolean;
    /** Set the window title (OSC 2). */
    title: boolean;
    /** Colour the tmux pane too. */
    tmux: boolean;
    /** Show the prompt segment. */
    prompt: boolean;
  };
  /** The replication set through etcd (src/config/fleet.ts, docs/fleet.md). */
  fleet: FleetConfig;
}

export interface ConfigProblem {
  file: string;
  key: string;
  message: string;
}

/** A config file's problems, and whether they touch protection (then protection is widened). */
export interface LoadedConfig {
  config: Config;
  files: string[];
  problems: ConfigProblem[];
  /** True when a problem hides protection settings (unparseable file, bad `protect`/`discovery`). */
  protectionDegraded: boolean;
}

export const DEFAULT_ROOTS = ['/var/lib/postgresql', '/var/lib/pgsql', '/srv', '/data'];

export function defaultConfig(): Config {
  return {
    protect: [],
    discovery: { roots: [...DEFAULT_ROOTS], maxDepth: 6, clusters: [], binDirs: [] },
    sql: { user: null, database: 'postgres', connectTimeoutMs: 1500 },
    audit: { path: null },
    watch: { sqlIntervalMs: 2000, rediscoverIntervalMs: 30000, staleAfterSeconds: 10 },
    archiving: { readyMaxAgeSeconds: 60, timelineGraceSeconds: 30 },
    wal: { diskFullWithinHours: 6, minFreePercent: 5, slotRetainedMaxMB: 1024, slotSafeMinMB: 1024 },
    shell: {
      colors: { ...DEFAULT_ROLE_BACKGROUND }, // src/contract.ts
      background: true,
      title: true,
      tmux: true,
      prompt: true,
    },
    fleet: defaultFleetConfig(),
  };
}

/** Keys whose problems mean protection may be narrower than the operator configured. */
export function problemDegradesProtection(p: ConfigProblem): boolean {
  return p.key === '(file)' || p.key === '(top level)' || p.key.startsWith('protect') || (p.key.startsWith('discovery') && p.key !== 'discovery.binDirs');
}

/** Parse config texts (system first, then user), pure. Unreadable files come in as `text: null, error`. */
export function parseConfigs(sources: Array<{ file: string; text: string | null; error?: string; additiveOnly: boolean; rootsFile?: boolean }>): LoadedConfig {
  const config = defaultConfig();
  const problems: ConfigProblem[] = [];
  const files: string[] = [];
  for (const src of sources) {
    if (src.text === null) {
      if (src.error) problems.push({ file: src.file, key: '(file)', message: src.error });
      continue;
    }
    files.push(src.file);
    let raw: unknown;
    try {
      raw = src.text.trim() === '' ? {} : JSON.parse(src.text);
    } catch (e) {
      problems.push({ file: src.file, key: '(file)', message: `not valid JSON: ${(e as Error).message}` });
      continue;
    }
    problems.push(...applyConfigObject(config, raw, src.file, { additiveOnly: src.additiveOnly, rootsFile: src.rootsFile === true }));
  }
  return { config, files, problems, protectionDegraded: problems.some(problemDegradesProtection) };
}

/** One line per problem, for stderr. */
export function formatConfigProblems(loaded: LoadedConfig): string[] {
  return loaded.problems.map(
    (p) =>
      `safeops: config ${p.file}: ${p.key === '(file)' ? '' : `key ${p.key}: `}${p.message}` +
      (problemDegradesProtection(p) ? ' (protection stays on; paths the broken part may protect now need confirmation)' : ' (ignored)'),
  );
}
