// Finding the host's PostgreSQL server binaries for `safeops demo`: Debian's
// /usr/lib/postgresql/<ver>/bin, PGDG's /usr/pgsql-<ver>/bin (newest version first), else
// `pg_config --bindir`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What the demo runs; all of them must be in one directory. */
export const DEMO_TOOLS = ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres', 'psql'] as const;

export const PG_NOT_FOUND = 'PostgreSQL server binaries not found: install them, e.g. `apt install postgresql` (or `dnf install postgresql-server`), then run safeops demo again';

/** Candidate bin dirs from the entries of /usr/lib/postgresql and /usr, newest version first. Pure. */
export function candidateBinDirs(debianVersions: string[], usrEntries: string[]): string[] {
  const versions: Array<{ v: number; dir: string }> = [];
  for (const v of debianVersions) if (/^\d+(\.\d+)?$/.test(v)) versions.push({ v: Number(v), dir: `/usr/lib/postgresql/${v}/bin` });
  for (const e of usrEntries) {
    const m = /^pgsql-(\d+(\.\d+)?)$/.exec(e);
    if (m) versions.push({ v: Number(m[1]), dir: `/usr/${e}/bin` });
  }
  return versions.sort((a, b) => b.v - a.v).map((x) => x.dir);
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** True when every tool the demo needs is an executable file in `dir`. */
export function hasDemoTools(dir: string): boolean {
  return DEMO_TOOLS.every((t) => {
    try {
      fs.accessSync(path.join(dir, t), fs.constants.X_OK);
      return fs.statSync(path.join(dir, t)).isFile();
    } catch {
      return false;
    }
  });
}

/** `pg_config --bindir` from PATH, or null. */
function pgConfigBindir(): string | null {
  try {
    const out = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return out.startsWith('/') ? out : null;
  } catch {
    return null;
  }
}

/** The directory holding initdb, pg_ctl, pg_basebackup, postgres and psql, or null. */
export function findPgBinDir(override?: string): string | null {
  if (override) return hasDemoTools(override) ? override : null;
  for (const dir of candidateBinDirs(listDir('/usr/lib/postgresql'), listDir('/usr'))) if (hasDemoTools(dir)) return dir;
  const fromConfig = pgConfigBindir();
  return fromConfig && hasDemoTools(fromConfig) ? fromConfig : null;
}
