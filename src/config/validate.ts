// The pure validator of one parsed config file: one function per top-level section, each
// naming the file and the key of every problem (docs/design.md, config keys).
import { applyFleetConfig } from './fleet.js';
import type { Config, ConfigProblem } from './schema.js';

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

type Bad = (key: string, message: string) => void;
interface ApplyOpts {
  additiveOnly: boolean;
  rootsFile?: boolean;
}
/** Validates one section's value into `into` (mutated), reporting problems through `bad`. */
type Section = (into: Config, v: unknown, bad: Bad, opts: ApplyOpts) => void;

/** `protect`: paths (or {path, action, reason}) protected like a cluster. */
const protect: Section = (into, v, bad) => {
  if (!Array.isArray(v)) return bad('protect', 'must be an array of {"path", "action": "confirm"|"refuse", "reason"}');
  v.forEach((p, i) => {
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
};

/** `discovery`: where data directories are looked for, and which server binaries are trusted. */
const discovery: Section = (into, d, bad, opts) => {
  if (!isObj(d)) return bad('discovery', 'must be an object');
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
};

/** `sql`: how SQL facts connect. */
const sql: Section = (into, s, bad) => {
  if (!isObj(s)) return bad('sql', 'must be an object');
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
};

/** `audit`: where the audit log goes (a user's file may not move root's). */
const audit: Section = (into, a, bad, opts) => {
  if (!isObj(a)) return bad('audit', 'must be an object');
  for (const k of Object.keys(a)) if (k !== 'path') bad(`audit.${k}`, 'unknown key (known: path)');
  if (a.path !== undefined) {
    if (typeof a.path !== 'string' || !a.path.startsWith('/')) bad('audit.path', 'must be an absolute path');
    else if (!opts.additiveOnly || into.audit.path === null) into.audit.path = a.path;
  }
};

/** `shell`: the colours and what the integration sets. */
const shell: Section = (into, sh, bad) => {
  if (!isObj(sh)) return bad('shell', 'must be an object');
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
};

/** A section of numbers with ranges (watch, archiving, wal): unknown keys and out-of-range values are problems. */
function numbers<K extends 'watch' | 'archiving' | 'wal'>(section: K, ranges: Record<keyof Config[K], [number, number]>): Section {
  return (into, v, bad) => {
    if (!isObj(v)) return bad(section, 'must be an object');
    const r: Record<string, [number, number]> = ranges;
    for (const [k, x] of Object.entries(v)) {
      const range = r[k];
      if (!range) bad(`${section}.${k}`, `unknown key (known: ${Object.keys(r).join(', ')})`);
      else if (typeof x !== 'number' || !Number.isFinite(x) || x < range[0] || x > range[1]) bad(`${section}.${k}`, `must be a number from ${range[0]} to ${range[1]}`);
      else (into[section] as unknown as Record<string, number>)[k] = x;
    }
  };
}

/** Every top-level key, in the order its problems are reported. */
const SECTIONS: Record<keyof Config, Section> = {
  fleet: (into, v, bad) => applyFleetConfig(into.fleet, v, bad),
  protect,
  discovery,
  sql,
  audit,
  watch: numbers('watch', { sqlIntervalMs: [200, 600000], rediscoverIntervalMs: [1000, 3600000], staleAfterSeconds: [2, 3600] }),
  archiving: numbers('archiving', { readyMaxAgeSeconds: [5, 86400], timelineGraceSeconds: [5, 86400] }),
  wal: numbers('wal', { diskFullWithinHours: [0, 8760], minFreePercent: [0, 99], slotRetainedMaxMB: [1, 10485760], slotSafeMinMB: [0, 10485760] }),
  shell,
};
/** As the message lists them. */
const KNOWN: Array<keyof Config> = ['protect', 'discovery', 'sql', 'audit', 'watch', 'archiving', 'wal', 'shell', 'fleet'];

/** Validate one parsed config file into `into` (mutated); returns problems naming file and key. */
export function applyConfigObject(into: Config, raw: unknown, file: string, opts: ApplyOpts): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bad: Bad = (key, message) => {
    problems.push({ file, key, message });
  };
  if (!isObj(raw)) {
    bad('(top level)', 'must be a JSON object');
    return problems;
  }
  for (const k of Object.keys(raw)) if (k !== '$schema' && !(k in SECTIONS)) bad(k, `unknown key (known: ${KNOWN.join(', ')})`);
  for (const [k, apply] of Object.entries(SECTIONS)) if (raw[k] !== undefined) apply(into, raw[k], bad, opts);
  return problems;
}
