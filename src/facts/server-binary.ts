// Is a process's executable a PostgreSQL server binary we trust? (What it runs, not what it
// calls itself: a user's `exec -a postgres` is no postmaster.)
import fs from 'node:fs';
import path from 'node:path';

/**
 * Where PostgreSQL server binaries live when installed by a package (realpath of the directory):
 * Debian/Ubuntu, PGDG RPMs, Fedora/Arch/SUSE, Alpine, the source build's default prefix.
 */
const KNOWN_BIN_DIRS = [/^\/usr\/lib\/postgresql\/[^/]+\/bin$/, /^\/usr\/pgsql-[^/]+\/bin$/, /^\/usr\/s?bin$/, /^\/usr\/libexec\/postgresql[^/]*$/, /^\/usr\/lib\/postgresql[^/]*\/bin$/, /^\/usr\/local\/pgsql[^/]*\/bin$/, /^\/opt\/[^/]+\/(pgsql[^/]*\/|postgresql[^/]*\/|[0-9][^/]*\/)?bin$/];

/** Extra directories trusted to hold server binaries (config discovery.binDirs), canonical. */
let extraBinDirs: string[] = [];
export function setServerBinDirs(dirs: string[]): void {
  extraBinDirs = dirs.map((d) => {
    try {
      return fs.realpathSync(d);
    } catch {
      return d;
    }
  });
}

export type ServerBinary = { ok: true; exe: string } | { ok: false; exe: string | null; why: string } | { ok: 'unknown'; why: string };

const binCache = new Map<string, string | null>();

/** Forget what was checked: a bin dir's owner or mode may have changed since the last look. */
export function forgetServerBinaries(): void {
  binCache.clear();
}

/**
 * Is the process's executable a PostgreSQL server binary? (/proc/<pid>/exe: what it runs, not what
 * it calls itself.) Named postgres/postmaster, in a package's bin directory or one the config
 * trusts, and neither it nor its directory writable by anyone but root (or, for a configured
 * directory, the process's own user). Never executes it. Unreadable (another user's process, not
 * root): 'unknown', and the caller keeps counting it (fail closed).
 */
export function serverBinary(pid: number, uid: number | null): ServerBinary {
  let exe: string;
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return { ok: false, exe: null, why: 'it is gone' };
    return { ok: 'unknown', why: `its executable is not readable as this user (${code ?? 'error'})` };
  }
  const deleted = exe.endsWith(' (deleted)');
  const file = deleted ? exe.slice(0, -' (deleted)'.length) : exe;
  const base = path.posix.basename(file);
  if (base !== 'postgres' && base !== 'postmaster') return { ok: false, exe, why: `it runs ${exe}, not a PostgreSQL server binary` };
  const dir = path.posix.dirname(file);
  const key = `${dir}\0${uid}`;
  let bad = binCache.get(key);
  if (bad === undefined) {
    bad = binDirProblem(dir, file, uid, deleted);
    binCache.set(key, bad);
  }
  return bad === null ? { ok: true, exe } : { ok: false, exe, why: bad };
}

function binDirProblem(dir: string, file: string, uid: number | null, deleted: boolean): string | null {
  const known = KNOWN_BIN_DIRS.some((re) => re.test(dir));
  const configured = extraBinDirs.includes(dir);
  if (!known && !configured) return `it runs ${file}, which is not in a PostgreSQL bin directory (config discovery.binDirs lists others)`;
  const trusted = (st: fs.Stats) => (st.uid === 0 || (configured && uid !== null && st.uid === uid)) && (st.mode & 0o022) === 0;
  try {
    if (!trusted(fs.statSync(dir))) return `its directory ${dir} is writable by, or belongs to, another user`;
    // After a package upgrade the running binary is the replaced one: its path still says where it came from.
    if (!deleted && !trusted(fs.statSync(file))) return `${file} is writable by, or belongs to, another user`;
  } catch (e) {
    return `cannot check ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return null;
}
