// /proc: running postmasters, and whether a pid from postmaster.pid is really that cluster's
// postmaster (a stale pid file or a recycled pid must not look like a running server).
import fs from 'node:fs';
import path from 'node:path';
import { canonical, rawPath, statId } from './paths.js';
import { readPgConf } from './pgconf.js';
import { envValue, listPids, procStartEpoch, readCmdline, readCmdlineHead, readProcStat } from './procfs.js';
import { forgetServerBinaries, serverBinary } from './server-binary.js';

// Where these lived before they had modules of their own (src/watch and src/facts/resolve.ts import them from here).
export { parseProcStat, readCmdline, readProcStat } from './procfs.js';
export { serverBinary, setServerBinDirs, type ServerBinary } from './server-binary.js';

/**
 * Options with which `postgres` only prints and exits, never serving a data dir: pg_ctl and
 * initdb run `postgres -C data_directory` (or `-V`) from their own working directory, which must
 * not be taken for a cluster (`--describe-config`, `--help` likewise).
 */
const QUERY_ONLY = new Set(['-C', '--describe-config', '-V', '--version', '-?', '--help']);

/** argv[0] of a postmaster (or a single-user backend): `postgres`/`postmaster`, not a `postgres: …` child title. */
export function isPostmasterArgv(argv: string[]): boolean {
  const a0 = argv[0] ?? '';
  if (a0.includes(':') || a0.includes(' ')) return false;
  const base = path.posix.basename(a0);
  if (base !== 'postgres' && base !== 'postmaster') return false;
  return !argv.slice(1).some((a) => QUERY_ONLY.has(a) || (a.startsWith('-C') && a.length > 2));
}

/** Data dir named on a postgres command line: -D X, -DX, --data-directory=X, -c data_directory=X, or via config_file. */
export function dataDirFromArgv(argv: string[]): { dir: string | null; configFile: string | null } {
  let dir: string | null = null;
  let configFile: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const setting = (kv: string) => {
      const eq = kv.indexOf('=');
      if (eq < 0) return;
      const key = kv.slice(0, eq).replace(/-/g, '_');
      const val = kv.slice(eq + 1);
      if (key === 'data_directory') dir = val;
      if (key === 'config_file') configFile = val;
    };
    if (a === '-D' && i + 1 < argv.length) dir = argv[++i]!;
    else if (a.startsWith('-D') && a.length > 2) dir = a.slice(2);
    else if (a === '-c' && i + 1 < argv.length) setting(argv[++i]!);
    else if (a.startsWith('-c') && a.length > 2) setting(a.slice(2));
    else if (a.startsWith('--')) setting(a.slice(2));
  }
  return { dir, configFile };
}


export interface Postmaster {
  pid: number;
  argv: string[];
  uid: number | null;
  /** Canonical data dir, or null when it cannot be told (then the postmaster is "unidentified"). */
  dataDir: string | null;
  dataDirId: string | null;
  /** How the data dir was told: "cwd", "-D", "config_file", "PGDATA". */
  how: string;
  why: string;
  startEpoch: number | null;
  /**
   * Why this process is not taken for a postmaster although it calls itself one (its executable
   * is no PostgreSQL server, or it does not run as its data directory's owner); null: it counts.
   * Suspects are reported apart (status, state.json), never in the prompt, never make a cluster run.
   */
  suspect?: string | null;
  /** The executable, when readable. */
  exe?: string | null;
}


/**
 * Where a running postmaster's data dir may be, best first: its cwd (it chdirs there early), then
 * what its command line or environment names. A server that has not reached its chdir yet (just
 * forked by pg_ctl, or initdb's `postgres --check`/`--boot`, which get PGDATA) still sits in its
 * caller's directory: the caller names the data dir instead.
 */
function dataDirCandidates(pid: number, argv: string[]): { candidates: { dir: string; how: string }[]; why: string } {
  const candidates: { dir: string; how: string }[] = [];
  let cwdReadable = false;
  let cwd: string | null = null;
  try {
    const link = fs.readlinkSync(`/proc/${pid}/cwd`);
    cwdReadable = true;
    if (link.startsWith('/') && !link.endsWith(' (deleted)')) {
      cwd = link;
      candidates.push({ dir: cwd, how: 'cwd' });
    }
  } catch {
    // not ours to read: fall back to the command line
  }
  const { dir, configFile } = dataDirFromArgv(argv);
  if (dir && dir.startsWith('/')) candidates.push({ dir, how: '-D' });
  else if (dir && cwd) candidates.push({ dir: path.posix.resolve(cwd, dir), how: '-D' });
  if (configFile && configFile.startsWith('/')) {
    const conf = readPgConf(configFile);
    const dd = conf?.get('data_directory');
    if (dd && dd.startsWith('/')) candidates.push({ dir: dd, how: 'config_file' });
  }
  // PGDATA only counts when the command line names no data dir (as for postgres itself).
  const pgdata = dir || configFile ? null : envValue(pid, 'PGDATA');
  if (pgdata && pgdata.startsWith('/')) candidates.push({ dir: pgdata, how: 'PGDATA' });
  const why = cwdReadable
    ? 'its working directory is gone and nothing on its command line or in its environment names a data directory'
    : dir && !dir.startsWith('/')
      ? `relative -D ${dir} and no readable cwd`
      : 'no -D on its command line and its cwd/environment are not readable as this user';
  return { candidates, why };
}


const head = Buffer.alloc(64);

/** Could /proc/<pid>/cmdline belong to a postmaster? (argv[0] ends in postgres/postmaster) */
function mayBePostmaster(pid: number): boolean {
  const n = readCmdlineHead(pid, head);
  if (n < 0) return false;
  const end = head.indexOf(0);
  const a0 = head.toString('latin1', 0, end >= 0 && end < n ? end : n);
  // A long argv[0] (a deep install path) is not cut short here: read the rest to decide.
  return end < 0 || end >= n ? n === head.length : a0.endsWith('postgres') || a0.endsWith('postmaster');
}

/** Every postmaster (and single-user backend) running on the host. */
export function listPostmasters(): Postmaster[] {
  forgetServerBinaries(); // a bin dir's owner or mode may have changed since the last look
  const out: Postmaster[] = [];
  for (const pid of listPids()) {
    // Most processes are not postgres (or are backends titled "postgres: ..."): a 64-byte read of
    // the command line tells, without reading the whole of it for hundreds of processes.
    if (!mayBePostmaster(pid)) continue;
    const argv = readCmdline(pid);
    if (!argv || !isPostmasterArgv(argv)) continue;
    const stat = readProcStat(pid);
    // A postmaster's children keep argv[0] only when update_process_title is off; skip them.
    if (stat && stat.ppid > 1) {
      const parentArgv = readCmdline(stat.ppid);
      if (parentArgv && isPostmasterArgv(parentArgv)) continue;
    }
    const bin = serverBinary(pid, stat?.uid ?? null);
    if (bin.ok === false) {
      out.push({ pid, argv, uid: stat?.uid ?? null, dataDir: null, dataDirId: null, how: 'none', why: bin.why, startEpoch: stat ? procStartEpoch(stat) : null, suspect: bin.why, exe: bin.exe });
      continue;
    }
    const found = dataDirCandidates(pid, argv);
    let how = 'none';
    let why = found.why;
    let dataDir: string | null = null;
    let dataDirId: string | null = null;
    for (const c of found.candidates) {
      const c2 = canonical(rawPath(c.dir, '/'));
      // A server's directory without PG_VERSION is no data dir we can name (deleted under it, or
      // not chdir'd yet: the next candidate). If none holds one, the postmaster is unidentified
      // and never a cluster: every tree that may hold its data is then the dangerous case.
      if (fs.existsSync(path.posix.join(c2.real, 'PG_VERSION')) || !canSee(c2.real)) {
        dataDir = c2.real;
        dataDirId = statId(dataDir);
        how = c.how;
        break;
      }
      if (why === found.why) why = `its directory ${c2.real} (from ${c.how}) holds no PG_VERSION`;
    }
    // PostgreSQL itself refuses to serve a data directory its user does not own.
    let suspect: string | null = null;
    if (dataDir !== null && stat?.uid != null) {
      const owner = ownerUid(dataDir);
      if (owner !== null && owner !== stat.uid) suspect = `it runs as uid ${stat.uid}, but its data directory ${dataDir} belongs to uid ${owner}`;
    }
    out.push({ pid, argv, uid: stat?.uid ?? null, dataDir: suspect ? null : dataDir, dataDirId: suspect ? null : dataDirId, how, why: suspect ?? why, startEpoch: stat ? procStartEpoch(stat) : null, suspect, exe: bin.ok === true ? bin.exe : null });
  }
  return out;
}

function ownerUid(p: string): number | null {
  try {
    return fs.statSync(p).uid;
  } catch {
    return null;
  }
}

/** Can this user look inside `dir`? (If not, a missing PG_VERSION proves nothing.) */
function canSee(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type PidCheck =
  | { alive: true; detail: string }
  | { alive: false; detail: string }
  | { alive: 'unknown'; detail: string };

/**
 * Is `pid` (line 1 of postmaster.pid) the live postmaster of the data dir `dataDirId`?
 * Checks, in order: the process exists; it is a postgres/postmaster; its cwd is the data dir
 * (readable as root or the owner); else its start time matches line 3 of the pid file.
 */
export function checkPostmasterPid(pid: number, startEpoch: number | null, dataDir: string, dataDirId: string | null): PidCheck {
  const p = Math.abs(pid); // negative: a single-user backend
  if (!Number.isInteger(p) || p <= 0) return { alive: false, detail: `postmaster.pid holds no valid pid (${pid})` };
  const argv = readCmdline(p);
  if (!argv) {
    return fs.existsSync(`/proc/${p}`) ? { alive: 'unknown', detail: `pid ${p} exists but its command line is not readable` } : { alive: false, detail: `stale postmaster.pid: pid ${p} is not running` };
  }
  if (!isPostmasterArgv(argv)) return { alive: false, detail: `stale postmaster.pid: pid ${p} is now "${argv.join(' ').slice(0, 60)}", not a postgres server` };
  // What it runs and as whom, not what it calls itself (a user's `exec -a postgres`).
  const pstat = readProcStat(p);
  const bin = serverBinary(p, pstat?.uid ?? null);
  if (bin.ok === false) return { alive: false, detail: `stale postmaster.pid: pid ${p} calls itself postgres, but ${bin.why}` };
  const owner = ownerUid(dataDir);
  if (owner !== null && pstat?.uid != null && pstat.uid !== owner) return { alive: false, detail: `stale postmaster.pid: pid ${p} runs as uid ${pstat.uid}, not as the data directory's owner (uid ${owner})` };
  try {
    const cwd = fs.readlinkSync(`/proc/${p}/cwd`);
    const cwdId = statId(`/proc/${p}/cwd`);
    if ((dataDirId && cwdId === dataDirId) || cwd === dataDir) return { alive: true, detail: `pid ${p} is a postgres server whose working directory is the data directory` };
    return { alive: false, detail: `stale postmaster.pid: pid ${p} is a postgres server of another data directory (${cwd})` };
  } catch {
    // cwd not readable (another user): fall back to the start time
  }
  const stat = readProcStat(p);
  const started = stat ? procStartEpoch(stat) : null;
  if (startEpoch !== null && started !== null) {
    if (Math.abs(started - startEpoch) <= 2) return { alive: true, detail: `pid ${p} is a postgres server started when the pid file was written` };
    return { alive: false, detail: `stale postmaster.pid: pid ${p} is a postgres server started at another time (pid reused)` };
  }
  const { dir } = dataDirFromArgv(argv);
  if (dir && canonical(dir).real === dataDir) return { alive: true, detail: `pid ${p} is a postgres server started with -D ${dir}` };
  return { alive: 'unknown', detail: `pid ${p} is a postgres server, but safeops cannot tell which data directory it serves (run as root)` };
}
