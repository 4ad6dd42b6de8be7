// The configuration: its shape, its defaults, and a pure validator that names the file and the
// key of every problem. Read on every guarded command, so it is plain JSON.parse plus checks
// (see DEVELOPERS.md: instantiating `conf` costs more than the guard's whole start-up budget).
import { applyFleetConfig, defaultFleetConfig, type FleetConfig } from './fleet.js';
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

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validate one parsed config file into `into` (mutated); returns problems naming file and key. */
export function applyConfigObject(into: Config, raw: unknown, file: string, opts: { additiveOnly: boolean; rootsFile?: boolean }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bad = (key: string, message: string) => problems.push({ file, key, message });
  if (!isObj(raw)) {
    bad('(top level)', 'must be a JSON object');
    return problems;
  }
  const known = new Set(['protect', 'discovery', 'sql', 'audit', 'watch', 'archiving', 'wal', 'shell', 'fleet', '$schema']);
  for (const k of Object.keys(raw)) if (!known.has(k)) bad(k, `unknown key (known: ${[...known].filter((x) => x !== '$schema').join(', ')})`);

  if (raw.fleet !== undefined) applyFleetConfig(into.fleet, raw.fleet, bad);

  if (raw.protect !== undefined) {
    if (!Array.isArray(raw.protect)) bad('protect', 'must be an array of {"path", "action": "confirm"|"refuse", "reason"}');
    else
      raw.protect.forEach((p, i) => {
        const key = `protect[${i}]`;
        if (typeof p === 'string') {
          if (!p.startsWith('/')) bad(key, `path must be absolute, got ${JSON.stringify(p)}`);
          else into.protect.push({ path: p, action: 'confirm', reason: 'protected path' });
          return;
        }
        if (!isObj(p)) return bad(key, 'must be a path string or {"path", "action", "reason"}');
        if (typeof p.path !== 'string' || !p.path.startsWith('/')) return bad(`${key}.path`, 'must be an absolute path');
        const action = p.action ?? 'confirm';
        if (action !== 'confirm' && action !== 'refuse') return bad(`${key}.action`, `must be "confirm" or "refuse", got ${JSON.stringify(action)}`);
        if (p.reason !== undefined && typeof p.reason !== 'string') return bad(`${key}.reason`, 'must be a string');
        into.protect.push({ path: p.path, action, reason: (p.reason as string | undefined) ?? 'protected path' });
      });
  }

  if (raw.discovery !== undefined) {
    const d = raw.discovery;
    if (!isObj(d)) bad('discovery', 'must be an object');
    else {
      for (const k of Object.keys(d)) if (!['roots', 'maxDepth', 'clusters', 'binDirs'].includes(k)) bad(`discovery.${k}`, 'unknown key (known: roots, maxDepth, clusters, binDirs)');
      for (const listKey of ['roots', 'clusters', 'binDirs'] as const) {
        const v = d[listKey];
        if (v === undefined) continue;
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !x.startsWith('/'))) {
          bad(`discovery.${listKey}`, 'must be an array of absolute paths');
          continue;
        }
        const list = into.discovery[listKey];
        // Trusting more server binaries widens what counts as a postmaster: the system's call only.
        if (listKey === 'binDirs' && opts.additiveOnly && !opts.rootsFile) {
          bad('discovery.binDirs', 'ignored: only a config file of root\'s (owned by root, writable by root only) may trust more server binaries');
          continue;
        }
        for (const x of v as string[]) if (!list.includes(x)) list.push(x);
      }
      if (d.maxDepth !== undefined) {
        if (typeof d.maxDepth !== 'number' || !Number.isInteger(d.maxDepth) || d.maxDepth < 1 || d.maxDepth > 8) bad('discovery.maxDepth', 'must be a whole number from 1 to 8');
        else into.discovery.maxDepth = Math.max(into.discovery.maxDepth, d.maxDepth);
      }
    }
  }

  if (raw.sql !== undefined) {
    const s = raw.sql;
    if (!isObj(s)) bad('sql', 'must be an object');
    else {
      for (const k of Object.keys(s)) if (!['user', 'database', 'connectTimeoutMs'].includes(k)) bad(`sql.${k}`, 'unknown key (known: user, database, connectTimeoutMs)');
      if (s.user !== undefined) {
        if (typeof s.user !== 'string' || !/^[A-Za-z_][A-Za-z0-9_$-]*$/.test(s.user)) bad('sql.user', 'must be a role name');
        else into.sql.user = s.user;
      }
      if (s.database !== undefined) {
        if (typeof s.database !== 'string' || s.database === '') bad('sql.database', 'must be a database name');
        else into.sql.database = s.database;
      }
      if (s.connectTimeoutMs !== undefined) {
        if (typeof s.connectTimeoutMs !== 'number' || s.connectTimeoutMs < 100 || s.connectTimeoutMs > 30000) bad('sql.connectTimeoutMs', 'must be a number of milliseconds from 100 to 30000');
        else into.sql.connectTimeoutMs = s.connectTimeoutMs;
      }
    }
  }

  if (raw.audit !== undefined) {
    const a = raw.audit;
    if (!isObj(a)) bad('audit', 'must be an object');
    else {
      for (const k of Object.keys(a)) if (k !== 'path') bad(`audit.${k}`, 'unknown key (known: path)');
      if (a.path !== undefined) {
        if (typeof a.path !== 'string' || !a.path.startsWith('/')) bad('audit.path', 'must be an absolute path');
        else if (!opts.additiveOnly || into.audit.path === null) into.audit.path = a.path;
      }
    }
  }

  if (raw.watch !== undefined) {
    const w = raw.watch;
    if (!isObj(w)) bad('watch', 'must be an object');
    else {
      const ranges: Record<string, [number, number]> = { sqlIntervalMs: [200, 600000], rediscoverIntervalMs: [1000, 3600000], staleAfterSeconds: [2, 3600] };
      for (const k of Object.keys(w)) {
        const r = ranges[k];
        if (!r) {
          bad(`watch.${k}`, `unknown key (known: ${Object.keys(ranges).join(', ')})`);
          continue;
        }
        const v = w[k];
        if (typeof v !== 'number' || v < r[0] || v > r[1]) bad(`watch.${k}`, `must be a number from ${r[0]} to ${r[1]}`);
        else (into.watch as unknown as Record<string, number>)[k] = v;
      }
    }
  }

  problems.push(...numberSection(raw, 'archiving', { readyMaxAgeSeconds: [5, 86400], timelineGraceSeconds: [5, 86400] }, into.archiving as unknown as Record<string, number>, file));
  problems.push(...numberSection(raw, 'wal', { diskFullWithinHours: [0, 8760], minFreePercent: [0, 99], slotRetainedMaxMB: [1, 10485760], slotSafeMinMB: [0, 10485760] }, into.wal as unknown as Record<string, number>, file));

  if (raw.shell !== undefined) {
    const sh = raw.shell;
    if (!isObj(sh)) bad('shell', 'must be an object');
    else {
      for (const k of Object.keys(sh)) {
        const v = sh[k];
        if (k === 'colors') {
          if (!isObj(v)) {
            bad('shell.colors', 'must be an object');
            continue;
          }
          for (const [ck, cv] of Object.entries(v)) {
            if (!(ck in into.shell.colors)) bad(`shell.colors.${ck}`, `unknown key (known: ${Object.keys(into.shell.colors).join(', ')})`);
            else if (ck === 'none' && cv === null) into.shell.colors.none = null;
            else if (typeof cv !== 'string' || !COLOR_RE.test(cv)) bad(`shell.colors.${ck}`, `must be a colour like "#5f0000", got ${JSON.stringify(cv)}`);
            else (into.shell.colors as unknown as Record<string, string>)[ck] = cv.toLowerCase();
          }
        } else if (k === 'background' || k === 'title' || k === 'tmux' || k === 'prompt') {
          if (typeof v !== 'boolean') bad(`shell.${k}`, 'must be true or false');
          else into.shell[k] = v;
        } else bad(`shell.${k}`, 'unknown key (known: colors, background, title, tmux, prompt)');
      }
    }
  }
  return problems;
}

/** A section of numbers with ranges (archiving, wal): unknown keys and out-of-range values are problems. */
function numberSection(raw: Obj, section: string, ranges: Record<string, [number, number]>, into: Record<string, number>, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const v = raw[section];
  if (v === undefined) return problems;
  if (!isObj(v)) return [{ file, key: section, message: 'must be an object' }];
  for (const [k, x] of Object.entries(v)) {
    const r = ranges[k];
    if (!r) problems.push({ file, key: `${section}.${k}`, message: `unknown key (known: ${Object.keys(ranges).join(', ')})` });
    else if (typeof x !== 'number' || !Number.isFinite(x) || x < r[0] || x > r[1]) problems.push({ file, key: `${section}.${k}`, message: `must be a number from ${r[0]} to ${r[1]}` });
    else into[k] = x;
  }
  return problems;
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
