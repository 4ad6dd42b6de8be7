// Versions a member reports (issue 13: version drift): the server's (`postgres --version` of the
// binary the postmaster runs), and of the backup tools its archive_command uses (`wal-g
// --version`, `pgbackrest version`). Each probe runs at most once per binary and mtime, bounded
// in time; a probe that fails says null (unknown), never a guess.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterFacts } from '../facts/types.js';
import { readPgConf } from '../facts/pgconf.js';

/** safeops' own version (as src/main.ts). */
export const SAFEOPS_VERSION = '0.1.0';
const PROBE_TIMEOUT_MS = 3000;

/** The first version number in a tool's output: "v3.0.2", "2.54.2", "15.14". */
export function parseVersion(out: string, keepV = false): string | null {
  const m = /\bv?(\d+\.\d+(?:\.\d+)?)\b/.exec(out);
  if (!m) return null;
  return keepV && m[0].startsWith('v') ? m[0] : m[1]!;
}

/** archive_command as the server would read it: postgresql.auto.conf wins over postgresql.conf. */
export function archiveCommand(c: Pick<ClusterFacts, 'dataDir' | 'debian'>): string | null {
  const files = [path.join(c.dataDir, 'postgresql.auto.conf'), path.join(c.dataDir, 'postgresql.conf')];
  if (c.debian) files.push(path.join(c.debian.confDir, 'postgresql.conf'));
  for (const f of files) {
    const v = readPgConf(f)?.get('archive_command');
    if (v !== undefined && v !== '') return v;
  }
  return null;
}

/** The wal-g / pgbackrest binaries an archive_command runs (absolute, or found on PATH). */
export function backupTools(cmd: string | null, envPath: string): { walg: string | null; pgbackrest: string | null } {
  const out = { walg: null as string | null, pgbackrest: null as string | null };
  if (!cmd) return out;
  for (const raw of cmd.split(/[\s;&|()'"]+/)) {
    const base = path.posix.basename(raw);
    const kind = base === 'wal-g' || /^wal-g-(pg|postgres)$/.test(base) ? 'walg' : base === 'pgbackrest' ? 'pgbackrest' : null;
    if (!kind || out[kind]) continue;
    out[kind] = raw.startsWith('/') ? raw : onPath(raw, envPath);
  }
  return out;
}

function onPath(name: string, envPath: string): string | null {
  if (name.includes('/')) return null;
  for (const d of envPath.split(':')) {
    if (!d.startsWith('/')) continue;
    const f = path.join(d, name);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      // next
    }
  }
  return null;
}

const cache = new Map<string, { key: string; value: Promise<string | null> }>();

/** Run `bin args` once per (bin, mtime): the first version in its output, or null. */
export function probeVersion(bin: string | null, args: string[], keepV = false): Promise<string | null> {
  if (!bin) return Promise.resolve(null);
  let key: string;
  try {
    const st = fs.statSync(bin);
    key = `${st.dev}:${st.ino}:${st.mtimeMs}`;
  } catch {
    return Promise.resolve(null);
  }
  const id = `${bin}\0${args.join(' ')}`;
  const hit = cache.get(id);
  if (hit && hit.key === key) return hit.value;
  const value = new Promise<string | null>((resolve) => {
    execFile(bin, args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 64 * 1024, env: { PATH: '/usr/bin:/bin', LANG: 'C' } }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      resolve(err && !text.trim() ? null : parseVersion(text, keepV));
    });
  });
  cache.set(id, { key, value });
  return value;
}

/** The server binary of a cluster: the running postmaster's, else Debian's for its major version. */
export function serverBinary(c: Pick<ClusterFacts, 'pid' | 'running' | 'version'>): string | null {
  if (c.running === true && c.pid !== null) {
    try {
      return fs.realpathSync(`/proc/${c.pid}/exe`);
    } catch {
      // not ours to read
    }
  }
  const deb = c.version ? `/usr/lib/postgresql/${c.version}/bin/postgres` : null;
  return deb && fs.existsSync(deb) ? deb : null;
}

export interface Versions {
  server: string | null;
  walg: string | null;
  pgbackrest: string | null;
  safeops: string;
}

export async function clusterVersions(c: ClusterFacts, envPath: string): Promise<Versions> {
  const tools = backupTools(archiveCommand(c), envPath);
  const [server, walg, pgbackrest] = await Promise.all([probeVersion(serverBinary(c), ['--version']), probeVersion(tools.walg, ['--version'], true), probeVersion(tools.pgbackrest, ['version'])]);
  return { server, walg, pgbackrest, safeops: SAFEOPS_VERSION };
}
