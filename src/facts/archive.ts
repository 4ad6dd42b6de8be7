// Archiving health that pg_stat_archiver cannot tell (issue 11): an archive command that exits
// above 125 or dies from a signal is never counted there, and a quiet server never grows its
// `.ready` backlog. So: the age of the oldest `.ready` file, the new timeline's files after a
// promotion, archive_mode on with nothing to archive with, an archive_command whose program is
// missing or not executable for the cluster's owner, and the server log's own words.
// No `pg` import here: the SQL is run through the `query` function the caller passes.
import fs from 'node:fs';
import path from 'node:path';
import { unwrapPrefixes } from '../command/prefixes.js';
import { programName } from '../command/words.js';

export interface ArchiveHealth {
  /** Where the `.ready` facts came from. */
  source: 'sql' | 'dir';
  /** `.ready` files in pg_wal/archive_status (null: unreadable). */
  readyCount: number | null;
  /** The oldest waiting file (its name without `.ready`) and its `.ready`'s modification time (ISO). */
  oldestReady: string | null;
  oldestReadyAt: string | null;
  /** The server's current timeline (a primary's), null when unknown. */
  timeline: number | null;
  /** pg_stat_archiver.last_archived_wal and its timeline. */
  lastArchivedWal: string | null;
  lastArchivedTimeline: number | null;
  /** The current timeline's `.history` file when it waits to be archived, and since when. */
  historyReady: string | null;
  historyReadyAt: string | null;
  command: string | null;
  library: string | null;
  /** The program archive_command runs first (seen through sudo/env/sh -c), when readable. */
  program: string | null;
  /** Why archiving cannot work as configured (empty command, missing program...), or null. */
  configProblem: string | null;
  /** The last "archive command failed" line of the server log, when it could be read. */
  lastFailureLine: string | null;
}

type Row = Record<string, unknown>;
export type QueryFn = (sql: string) => Promise<Row[] | null>;

/** Timeline of a WAL file name (24 hex digits, `.partial`, `.backup`) or of `0000000N.history`. Pure. */
export function timelineOf(walName: string | null): number | null {
  if (!walName) return null;
  const m = /^([0-9A-F]{8})(?:[0-9A-F]{16}(?:\.partial|\.[0-9A-F]{8}\.backup)?|\.history)$/i.exec(walName);
  return m ? parseInt(m[1]!, 16) : null;
}

const BUILTINS = new Set([
  'test', '[', 'true', 'false', ':', 'cd', 'echo', 'printf', 'exit', 'return', 'set', 'export', 'if', 'then', 'else', 'fi', 'while', 'do', 'done', 'for', '!', '{', '}', 'read', 'trap', 'umask', 'wait', 'shift', 'local',
]);

/** Split a shell command string into its simple commands (at `&&`, `||`, `;`, `|`, newlines), naively. Pure. */
function simpleCommands(script: string): string[] {
  return script.split(/&&|\|\||[;|\n]/).map((s) => s.trim()).filter(Boolean);
}

/**
 * The programs an archive_command (or restore_command) runs, first to last, with the shell's
 * prefixes (sudo, env, sh -c, nice...) seen through by the guard's own reader. Placeholders
 * (%p %f %r) are replaced by plain words. Commands safeops cannot read are left out. Pure.
 */
export function commandPrograms(command: string): string[] {
  const plain = command.replace(/%[pfr]/g, 'WALFILE').replace(/%%/g, '%');
  const out: string[] = [];
  for (const seg of simpleCommands(plain)) {
    const u = unwrapPrefixes(['sh', '-c', seg], {});
    const first = u.innerArgv[0];
    if (!first || u.opaque || /[$`*?]/.test(first)) continue;
    if (BUILTINS.has(first)) continue;
    out.push(first);
  }
  return out;
}

export interface ProgramCheckInput {
  program: string;
  /** Where a relative program path is resolved (the data dir: the archiver's working directory). */
  cwd: string;
  /** The server's PATH (from /proc/<pid>/environ), or a default. */
  pathVar: string;
  owner: { uid: number; gid: number } | null;
}

/** Resolve a program like the shell would and say whether the owner can execute it; null when fine or unknowable. */
export function checkProgram(input: ProgramCheckInput): { resolved: string | null; problem: string | null } {
  const { program } = input;
  const candidates = program.includes('/') ? [path.resolve(input.cwd, program)] : input.pathVar.split(':').filter((d) => d.startsWith('/')).map((d) => path.join(d, program));
  let sawEacces = false;
  for (const file of candidates) {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') sawEacces = true;
      continue;
    }
    if (!st.isFile()) continue;
    const o = input.owner;
    if (!o) return { resolved: file, problem: null };
    const mode = st.mode;
    const can = o.uid === 0 ? (mode & 0o111) !== 0 : st.uid === o.uid ? (mode & 0o100) !== 0 : st.gid === o.gid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0 || (mode & 0o010) !== 0; // other groups: cannot know, no alarm
    if (can) return { resolved: file, problem: null };
    if (program.includes('/')) return { resolved: file, problem: `${file} is not executable for the cluster's owner (mode ${(mode & 0o7777).toString(8)}, owner uid ${st.uid})` };
  }
  if (sawEacces) return { resolved: null, problem: null };
  return {
    resolved: null,
    problem: program.includes('/') ? `${candidates[0]} does not exist (the archiver's command would exit 127)` : `${program} is not in the server's PATH (${input.pathVar}): the archiver's command would exit 127`,
  };
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The PATH a postmaster runs with (its environment, as root or its owner), else a default. */
export function serverPath(pid: number | null): string {
  if (pid === null) return DEFAULT_PATH;
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    for (const kv of env.split('\0')) if (kv.startsWith('PATH=')) return kv.slice(5);
  } catch {
    // not ours to read
  }
  return DEFAULT_PATH;
}

const checkCache = new Map<string, { at: number; value: { program: string | null; problem: string | null } }>();
const CHECK_CACHE_MS = 5000;

/** What is wrong with archiving as configured, before any failure. Cached for a few seconds (stat calls). */
export function archiveConfigProblem(
  mode: string | null,
  command: string | null,
  library: string | null,
  cluster: { dataDir: string; pid: number | null; owner: { uid: number; gid: number } | null },
  nowMs = Date.now(),
): { program: string | null; problem: string | null } {
  if (mode !== 'on' && mode !== 'always') return { program: null, problem: null };
  const cmd = (command ?? '').trim();
  if (cmd === '' && !(library ?? '').trim()) return { program: null, problem: `archive_mode is ${mode} but archive_command and archive_library are empty: WAL piles up in pg_wal and nothing is archived` };
  if (cmd === '' || (library ?? '').trim()) return { program: null, problem: null };
  const pathVar = serverPath(cluster.pid);
  const key = `${cmd}\0${cluster.dataDir}\0${pathVar}\0${cluster.owner?.uid}:${cluster.owner?.gid}`;
  const hit = checkCache.get(key);
  if (hit && nowMs - hit.at < CHECK_CACHE_MS) return hit.value;
  let value: { program: string | null; problem: string | null } = { program: null, problem: null };
  for (const prog of commandPrograms(cmd)) {
    const r = checkProgram({ program: prog, cwd: cluster.dataDir, pathVar, owner: cluster.owner });
    value.program ??= r.resolved ?? prog;
    if (r.problem) {
      value = { program: r.resolved ?? prog, problem: `archive_command runs ${programName(prog) === prog ? prog : prog}: ${r.problem}` };
      break;
    }
  }
  if (checkCache.size > 200) checkCache.clear();
  checkCache.set(key, { at: nowMs, value });
  return value;
}

// ---------- the server log ----------

const FAILURE_RE = /archive command (?:failed|was terminated|was terminated by (?:signal|exception))|archiving (?:write-ahead log|WAL) file .* failed too many times|archive_command .*(?:failed|not found)|could not execute archive command/i;
const TAIL_BYTES = 65536;

/** Control bytes never reach a terminal or the journal. */
const clean = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

/** The last line of `text` about a failed archive command (with the DETAIL line after it). Pure. */
export function lastArchiveFailure(text: string): string | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!FAILURE_RE.test(lines[i]!)) continue;
    let line = lines[i]!.trim();
    const next = lines[i + 1];
    if (next && /DETAIL:\s+The failed archive command was/i.test(next)) line += ' ' + next.trim().replace(/^.*DETAIL:\s+/, 'DETAIL: ');
    return clean(line).slice(0, 400);
  }
  return null;
}

/** Bounded read of the end of a file (regular files only). */
function tail(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    const len = Math.min(TAIL_BYTES, st.size);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, st.size - len);
    return buf.toString('utf8');
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** The server log: the collector's current file (pg_current_logfile()), else the postmaster's stderr when it is a file. */
export function serverLogFile(dataDir: string, pid: number | null, currentLogfile: string | null): string | null {
  if (currentLogfile) return path.resolve(dataDir, currentLogfile);
  if (pid === null) return null;
  try {
    const target = fs.readlinkSync(`/proc/${pid}/fd/2`);
    if (target.startsWith('/') && !target.startsWith('/dev/')) return target.replace(/ \(deleted\)$/, '');
  } catch {
    // not ours to read
  }
  return null;
}

export function readLastFailure(file: string | null): string | null {
  if (!file) return null;
  const text = tail(file);
  return text === null ? null : lastArchiveFailure(text);
}

// ---------- gathering ----------

export interface ArchiveHealthInput {
  dataDir: string;
  pid: number | null;
  owner: { uid: number; gid: number } | null;
  inRecovery: boolean;
  mode: string | null;
  /** pg_stat_archiver says failing (then the log is worth reading). */
  failing: boolean;
}

/** `.ready` facts from the directory (no SQL, or no privilege for pg_ls_archive_statusdir()). */
export function readyFromDir(dataDir: string): Pick<ArchiveHealth, 'readyCount' | 'oldestReady' | 'oldestReadyAt'> & { names: string[] } {
  const dir = path.join(dataDir, 'pg_wal', 'archive_status');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.ready'));
  } catch {
    return { readyCount: null, oldestReady: null, oldestReadyAt: null, names: [] };
  }
  let oldest: string | null = null;
  let oldestMs = Infinity;
  for (const n of names) {
    try {
      const m = fs.statSync(path.join(dir, n)).mtimeMs;
      if (m < oldestMs) {
        oldestMs = m;
        oldest = n;
      }
    } catch {
      // archived meanwhile
    }
  }
  return { readyCount: names.length, oldestReady: oldest ? oldest.slice(0, -6) : null, oldestReadyAt: oldest ? new Date(oldestMs).toISOString() : null, names };
}

function mtimeIso(file: string): string | null {
  try {
    return fs.statSync(file).mtime.toISOString();
  } catch {
    return null;
  }
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v ? String(v) : null);

/** Data dir owner's uid and gid. */
export function ownerIds(dataDir: string): { uid: number; gid: number } | null {
  try {
    const st = fs.statSync(dataDir);
    return { uid: st.uid, gid: st.gid };
  } catch {
    return null;
  }
}

/** Archiving health over an open SQL session (falls back to the directory for `.ready` facts). Never throws. */
export async function readArchiveHealth(query: QueryFn, input: ArchiveHealthInput): Promise<ArchiveHealth> {
  const settings = await query("select name, setting from pg_settings where name in ('archive_command', 'archive_library', 'logging_collector')");
  const set = new Map((settings ?? []).map((r) => [String(r.name), r.setting === null || r.setting === undefined ? null : String(r.setting)]));
  const command = set.get('archive_command') ?? null;
  const library = set.get('archive_library') ?? null;
  const h: ArchiveHealth = {
    source: 'sql',
    readyCount: null,
    oldestReady: null,
    oldestReadyAt: null,
    timeline: null,
    lastArchivedWal: null,
    lastArchivedTimeline: null,
    historyReady: null,
    historyReadyAt: null,
    command,
    library,
    program: null,
    configProblem: null,
    lastFailureLine: null,
  };
  if (input.mode !== 'on' && input.mode !== 'always') return h;
  const ready = await query(
    "select name, modification from pg_ls_archive_statusdir() where name like '%.ready' order by modification, name",
  );
  let readyNames: Array<{ name: string; at: string | null }>;
  if (ready) {
    readyNames = ready.map((r) => ({ name: String(r.name).slice(0, -6), at: iso(r.modification) }));
    h.readyCount = readyNames.length;
    h.oldestReady = readyNames[0]?.name ?? null;
    h.oldestReadyAt = readyNames[0]?.at ?? null;
  } else {
    const d = readyFromDir(input.dataDir);
    h.source = 'dir';
    h.readyCount = d.readyCount;
    h.oldestReady = d.oldestReady;
    h.oldestReadyAt = d.oldestReadyAt;
    readyNames = d.names.map((n) => ({ name: n.slice(0, -6), at: null }));
  }
  const tl = await query(
    input.inRecovery
      ? 'select (select last_archived_wal from pg_stat_archiver) as law, (select timeline_id from pg_control_checkpoint()) as tli'
      : 'select (select last_archived_wal from pg_stat_archiver) as law, substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) as tli',
  );
  if (tl?.[0]) {
    h.lastArchivedWal = (tl[0].law as string) ?? null;
    h.lastArchivedTimeline = timelineOf(h.lastArchivedWal);
    const t = tl[0].tli;
    h.timeline = typeof t === 'string' ? parseInt(t, 16) : typeof t === 'number' ? t : null;
  }
  if (h.timeline !== null) {
    const hist = `${h.timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
    const r = readyNames.find((x) => x.name === hist);
    if (r) {
      h.historyReady = hist;
      h.historyReadyAt = r.at ?? mtimeIso(path.join(input.dataDir, 'pg_wal', 'archive_status', `${hist}.ready`));
    }
  }
  const conf = archiveConfigProblem(input.mode, command, library, { dataDir: input.dataDir, pid: input.pid, owner: input.owner });
  h.program = conf.program;
  h.configProblem = conf.problem;
  // The log is read only when something looks wrong: a healthy poll reads no file.
  if (input.failing || (h.readyCount ?? 0) > 0 || h.configProblem) {
    let current: string | null = null;
    if (set.get('logging_collector') === 'on') {
      const r = await query('select pg_current_logfile() as f');
      current = (r?.[0]?.f as string) ?? null;
    }
    h.lastFailureLine = readLastFailure(serverLogFile(input.dataDir, input.pid, current));
  }
  return h;
}

/** Archiving health without SQL: `.ready` facts from the directory only. */
export function archiveHealthFromDir(dataDir: string, pid: number | null): ArchiveHealth | null {
  const d = readyFromDir(dataDir);
  if (d.readyCount === null) return null;
  return {
    source: 'dir',
    readyCount: d.readyCount,
    oldestReady: d.oldestReady,
    oldestReadyAt: d.oldestReadyAt,
    timeline: null,
    lastArchivedWal: null,
    lastArchivedTimeline: null,
    historyReady: null,
    historyReadyAt: null,
    command: null,
    library: null,
    program: null,
    configProblem: null,
    lastFailureLine: d.readyCount > 0 ? readLastFailure(serverLogFile(dataDir, pid, null)) : null,
  };
}
