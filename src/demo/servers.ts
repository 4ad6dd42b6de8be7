// The demo's PostgreSQL servers: a primary (initdb) and a streaming standby (pg_basebackup -R),
// Unix sockets only, in the demo dir. As root every server command runs as the `postgres` user
// (initdb and pg_ctl refuse root); otherwise as the invoking user.
import { execa, type Result } from 'execa';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { DemoNode, DemoRecord } from './record.js';
import { findOnPath } from './shell.js';

/** The environment of every server command: no SAFEOPS_*, no PG* of the operator's. */
function serverEnv(): Record<string, string> {
  return { PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
}

/** runuser(1): on PATH, else where util-linux puts it (root's PATH may lack sbin). */
const runuserPath = (): string => findOnPath('runuser', `${process.env.PATH ?? ''}:/usr/sbin:/sbin`) ?? 'runuser';

/** Run a PostgreSQL binary as the server user; throws (with its stderr) on failure. */
export function runPg(rec: Pick<DemoRecord, 'pgBin' | 'runuser' | 'serverUser'>, tool: string, args: string[], timeoutMs = 120_000): Promise<Result> {
  const file = path.join(rec.pgBin, tool);
  const [cmd, argv] = rec.runuser ? [runuserPath(), ['-u', rec.serverUser, '--', file, ...args]] : [file, args];
  return execa(cmd, argv, { cwd: '/', extendEnv: false, env: serverEnv(), stdin: 'ignore', timeout: timeoutMs });
}

/** uid and gid of a user from /etc/passwd, or null. */
export function passwdIds(user: string): { uid: number; gid: number } | null {
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
    const f = line?.split(':');
    return f && f.length >= 4 ? { uid: Number(f[2]), gid: Number(f[3]) } : null;
  } catch {
    return null;
  }
}

/** mkdir owned by the server user (chown only when we run as root). */
/**
 * Whether `user` may enter `dir` (search permission on it and every ancestor), from the modes
 * alone: no fork. Supplementary groups are not read; an unsure answer is false.
 */
export function enterableBy(dir: string, ids: { uid: number; gid: number }): boolean {
  let d = path.resolve(dir);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch {
      return false;
    }
    const bit = st.uid === ids.uid ? 0o100 : st.gid === ids.gid ? 0o010 : 0o001;
    if (ids.uid !== 0 && (st.mode & bit) === 0) return false;
    if (d === '/') return true;
    d = path.dirname(d);
  }
}

export function mkdirFor(dir: string, owner: { uid: number; gid: number } | null, mode: number): void {
  fs.mkdirSync(dir, { mode });
  fs.chmodSync(dir, mode);
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);
}

/** A TCP port nothing listens on now (the servers listen on Unix sockets only, but a free port avoids confusion). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = addr && typeof addr === 'object' ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** postgresql.conf lines (later lines win over initdb's). */
function confLines(settings: Record<string, string | number>): string {
  const lit = (v: string | number) => (typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);
  return `\n# safeops demo\n${Object.entries(settings).map(([k, v]) => `${k} = ${lit(v)}`).join('\n')}\n`;
}

/** The last lines of a server log, for error messages. */
function logTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** pg_ctl start -w; the error carries the tail of the server log. */
export async function startNode(rec: DemoRecord, node: DemoNode): Promise<void> {
  try {
    await runPg(rec, 'pg_ctl', ['-D', node.dataDir, '-l', node.logFile, '-w', '-t', '60', 'start'], 90_000);
  } catch (e) {
    throw new Error(`could not start the ${node.name} (${node.dataDir}): ${(e as Error).message.split('\n')[0]}\n--- ${node.logFile} ---\n${logTail(node.logFile)}`);
  }
}

/** initdb (trust on the private socket only, no TCP), tuned small and fast, then start. */
export async function createPrimary(rec: DemoRecord, node: DemoNode): Promise<void> {
  await runPg(rec, 'initdb', ['-D', node.dataDir, '-A', 'trust', '-U', rec.serverUser, '-N', '--no-instructions', '--locale=C', '-E', 'UTF8']);
  fs.appendFileSync(
    path.join(node.dataDir, 'postgresql.conf'),
    confLines({
      port: node.port,
      listen_addresses: '',
      unix_socket_directories: rec.socketDir,
      cluster_name: node.name,
      max_connections: 20,
      shared_buffers: '16MB',
      fsync: 'off',
      log_line_prefix: '%m [%p] ',
    }),
  );
  await startNode(rec, node);
}

/** A base backup of the primary with -R (standby.signal + primary_conninfo), started; resolves once it streams. */
export async function createStandby(rec: DemoRecord, primary: DemoNode, node: DemoNode): Promise<void> {
  await runPg(rec, 'pg_basebackup', ['-h', rec.socketDir, '-p', String(primary.port), '-U', rec.serverUser, '-D', node.dataDir, '-X', 'stream', '-c', 'fast', '-R', '-N']);
  fs.appendFileSync(path.join(node.dataDir, 'postgresql.conf'), confLines({ port: node.port, cluster_name: node.name }));
  await startNode(rec, node);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await psql(rec, node, 'select status from pg_stat_wal_receiver').catch(() => '');
    if (status === 'streaming') return;
    if (Date.now() > deadline) throw new Error(`the standby did not start streaming within 30 s\n--- ${node.logFile} ---\n${logTail(node.logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One SQL string over the node's socket; trimmed -At output. */
export async function psql(rec: DemoRecord, node: DemoNode, sql: string): Promise<string> {
  const r = await runPg(rec, 'psql', ['-X', '-q', '-h', rec.socketDir, '-p', String(node.port), '-U', rec.serverUser, '-d', 'postgres', '-Atc', sql], 20_000);
  return String(r.stdout).trim();
}

/** postmaster.pid lines, or null when there is none. */
function pidFileLines(node: DemoNode): string[] | null {
  try {
    return fs.readFileSync(path.join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
}

/** Stop a node if its pid file is there: fast, then immediate (what is left after that is killed by the caller). Never throws. */
export async function stopNode(rec: DemoRecord, node: DemoNode): Promise<void> {
  for (const mode of ['fast', 'immediate']) {
    if (!pidFileLines(node)) return;
    // pg_ctl fails for a stale pid file ("no server running") or a server that will not stop in time.
    await runPg(rec, 'pg_ctl', ['-D', node.dataDir, '-m', mode, '-w', '-t', '10', 'stop'], 20_000).catch(() => undefined);
  }
}

/** Programs of ours that may still run inside the demo dir after the servers were told to stop. */
const SWEPT = new Set(['postgres', 'postmaster', 'initdb', 'pg_ctl', 'pg_basebackup', 'psql']);

/** SIGKILL PostgreSQL processes whose working directory is inside `dir`; the number killed. */
export function killLeftovers(dir: string): number {
  let n = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd !== dir && !cwd.startsWith(dir + '/')) continue;
      if (!SWEPT.has(fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) continue;
      process.kill(Number(entry), 'SIGKILL');
      n++;
    } catch {
      // gone, or not ours to read
    }
  }
  return n;
}

/** After a SIGKILL a postmaster leaves its SysV shared memory key behind: remove it when unattached. */
export function removeLeftoverShm(nodes: DemoNode[]): void {
  let table: string[][];
  try {
    table = fs.readFileSync('/proc/sysvipc/shm', 'utf8').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  } catch {
    return;
  }
  for (const node of nodes) {
    const [key, id] = (pidFileLines(node)?.[6] ?? '').trim().split(/\s+/).map(Number);
    if (!key || !id) continue;
    // columns: key shmid perms size cpid lpid nattch ...
    const row = table.find((r) => Number(r[0]) === key && Number(r[1]) === id);
    if (row && Number(row[6]) === 0) {
      try {
        execFileSync('ipcrm', ['-m', String(id)], { stdio: 'ignore' });
      } catch {
        // not ours, or already gone
      }
    }
  }
}
