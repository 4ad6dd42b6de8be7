// Finding the real binary to run: PATH minus safeops' own shims (anything that is safeops).
import fs from 'node:fs';
import path from 'node:path';

/** Places wal-g is commonly installed when it is not on PATH (the matrix.org host had /opt/wal-g). */
const EXTRA_DIRS: Record<string, string[]> = { 'wal-g': ['/opt/wal-g', '/usr/local/bin'] };
const PG_TOOLS = new Set(['pg_ctl', 'pg_basebackup', 'postgres', 'initdb', 'pg_controldata']);

/**
 * Where PostgreSQL's own binaries live when they are not on PATH (Debian keeps pg_ctl in
 * /usr/lib/postgresql/<ver>/bin, PGDG RPMs in /usr/pgsql-<ver>/bin): the versions of the clusters
 * the command touches first, then every installed version, newest first.
 */
function pgDirs(versions: string[]): string[] {
  const installed: string[] = [];
  try {
    installed.push(...fs.readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v)));
  } catch {
    /* not Debian's layout */
  }
  try {
    installed.push(...fs.readdirSync('/usr').filter((d) => /^pgsql-\d+$/.test(d)).map((d) => d.slice('pgsql-'.length)));
  } catch {
    /* not PGDG's layout */
  }
  const order = [...new Set([...versions, ...installed.sort((a, b) => Number(b) - Number(a))])];
  return order.flatMap((v) => [`/usr/lib/postgresql/${v}/bin`, `/usr/pgsql-${v}/bin`]);
}

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when `p` is safeops itself (a symlink to our bundle) or a shim script that calls it. */
function isSafeopsShim(p: string, selfReal: string | null): boolean {
  try {
    const real = fs.realpathSync(p);
    if (selfReal && real === selfReal) return true;
    const fd = fs.openSync(real, 'r');
    try {
      const buf = Buffer.alloc(512);
      const n = fs.readSync(fd, buf, 0, 512, 0);
      return buf.subarray(0, n).toString('latin1').includes('safeops-shim');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Resolve `name` to an executable: as given when it contains a slash, else the first match on
 * PATH that is not safeops itself. Null when there is none.
 */
export function resolveBinary(name: string, env: NodeJS.ProcessEnv, cwd: string, selfPath: string | null, pgVersions: string[] = []): string | null {
  if (name.includes('/')) {
    const p = path.resolve(cwd, name);
    return isExecutableFile(p) ? p : null;
  }
  let selfReal: string | null = null;
  try {
    selfReal = selfPath ? fs.realpathSync(selfPath) : null;
  } catch {
    selfReal = null;
  }
  const dirs = (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => d || '.');
  const extra = PG_TOOLS.has(name) ? pgDirs(pgVersions.map((v) => v.split('.')[0]!)) : (EXTRA_DIRS[name] ?? []);
  for (const d of [...dirs, ...extra]) {
    const p = path.resolve(cwd, d, name);
    if (isExecutableFile(p) && !isSafeopsShim(p, selfReal)) return p;
  }
  return null;
}
