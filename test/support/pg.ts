// Fixtures that run real PostgreSQL 15 servers (primaries, standbys, odd on-disk states) for integration tests.
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';

/** Where the PostgreSQL server binaries live. */
export const PG_BIN = process.env.SAFEOPS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** One cluster made by these fixtures; all paths are absolute and symlink-free. */
export interface PgNode {
  name: string;
  dataDir: string;
  port: number;
  socketDir: string;
  logFile: string;
  /** The real WAL directory when pg_wal is a symlink to it. */
  waldir?: string;
  /** The tablespace LOCATION directory when the cluster has one. */
  tablespaceDir?: string;
}

const roots = new Set<string>(); // temp roots to delete
const nodes = new Set<PgNode>(); // every cluster created, to stop at cleanup
const sleepers = new Set<number>(); // fake "live pid" processes we spawned
const handedOutPorts = new Set<number>();

// ---------- low-level helpers ----------

let pgIds: { uid: number; gid: number } | undefined;
/** uid/gid of the postgres OS user. */
export function postgresIds(): { uid: number; gid: number } {
  if (pgIds) return pgIds;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const f = line?.split(':');
  if (!f || f.length < 4) throw new Error('no postgres user in /etc/passwd');
  pgIds = { uid: Number(f[2]), gid: Number(f[3]) };
  return pgIds;
}

/** Runs a binary as postgres from /tmp with a clean environment; throws (execa error) on failure. */
export function runAsPostgres(bin: string, args: string[], timeoutMs = 120_000): Promise<Result> {
  return execa('runuser', ['-u', 'postgres', '--', bin, ...args], {
    cwd: '/tmp',
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' },
    stdin: 'ignore',
    timeout: timeoutMs,
  });
}

/** Runs one of the PostgreSQL binaries (initdb, pg_ctl, psql, ...) as postgres. */
export function pgBin(name: string, args: string[], timeoutMs?: number): Promise<Result> {
  return runAsPostgres(path.join(PG_BIN, name), args, timeoutMs);
}

/** mkdir -p owned by postgres (every created level), with the given mode for the last one. */
export function mkdirOwned(dir: string, mode = 0o755): string {
  const { uid, gid } = postgresIds();
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = path.dirname(d)) missing.unshift(d);
  mkdirSync(dir, { recursive: true });
  for (const d of missing) chownSync(d, uid, gid);
  chmodSync(dir, mode);
  return dir;
}

/** Writes a file owned by postgres. */
export function writeOwned(file: string, content: string, mode = 0o644): void {
  writeFileSync(file, content, { mode });
  chmodSync(file, mode);
  const { uid, gid } = postgresIds();
  chownSync(file, uid, gid);
}

/** SQL / postgresql.conf string literal. */
export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Shell single-quoting. */
function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Appends settings to the node's postgresql.conf (later lines win). */
export function appendConf(node: PgNode, settings: Record<string, string | number>): void {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'number' ? v : lit(v)}`);
  appendFileSync(path.join(node.dataDir, 'postgresql.conf'), `\n# safeops test fixture\n${lines.join('\n')}\n`);
}

/** Last lines of the node's server log (for error messages). */
export function logTail(node: PgNode, lines = 40): string {
  try {
    return readFileSync(node.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log file)';
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuf, 0, 0, ms);
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value (errors count as "not yet"); returns that value. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 30_000,
  what = 'condition',
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${errText(last)}` : ''}`);
    }
    await delay(intervalMs);
  }
}

// ---------- processes ----------

/** True when /proc/<pid> is a live (non-zombie) process. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Live processes whose cwd is one of dirs or inside one (postmasters and backends chdir to the data dir). */
export function processesUnder(dirs: Iterable<string>): number[] {
  const list = [...dirs];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (list.some((d) => cwd === d || cwd.startsWith(d + '/')) && processAlive(pid)) found.push(pid);
  }
  return found;
}

/**
 * For the host-wide tests, which judge the whole host's colour: kill whatever an earlier test
 * file of this run left running in the run's temp dir (test/global-setup.ts), and say so.
 */
export async function sweepRunLeftovers(): Promise<void> {
  const run = process.env.SAFEOPS_TEST_RUN_DIR;
  if (!run) return;
  const left = processesUnder([run]);
  if (left.length === 0) return;
  console.log(`host-wide test: killing ${left.length} process(es) an earlier test left under ${run}`);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await waitFor(() => left.every((pid) => !processAlive(pid)), 10_000, 'the leftovers to die');
}

/** postmaster.pid parsed, or undefined when absent. */
export function readPidFile(node: PgNode): { pid: number; lines: string[] } | undefined {
  try {
    const lines = readFileSync(path.join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), lines };
  } catch {
    return undefined;
  }
}

/** True when the pid file names a live process whose cwd is this data dir (i.e. our postmaster). */
export function isRunning(node: PgNode): boolean {
  const pf = readPidFile(node);
  if (!pf || !(pf.pid > 0) || !processAlive(pf.pid)) return false;
  try {
    return readlinkSync(`/proc/${pf.pid}/cwd`) === node.dataDir;
  } catch {
    return false;
  }
}

// ---------- temp dirs and ports ----------

/** A fresh temp dir (under SAFEOPS_TEST_TMP or the run's TMPDIR: test/global-setup.ts), owned by postgres, mode 0755, removed by cleanupAll. */
export function makeTempRoot(prefix = 'safeops-test-'): string {
  installExitHook();
  const base = process.env.SAFEOPS_TEST_TMP ?? tmpdir();
  const dir = realpathSync(mkdtempSync(path.join(base, prefix)));
  roots.add(dir);
  // Unix socket paths are limited to 107 bytes: keep roots short.
  if (dir.length > 80) throw new Error(`temp root ${dir} is too long for a Unix socket path`);
  const { uid, gid } = postgresIds();
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o755);
  return dir;
}

/** A TCP port nothing listens on right now, never handed out twice by this process. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = addr && typeof addr === 'object' ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port > 0 && !handedOutPorts.has(port)) {
      handedOutPorts.add(port);
      return port;
    }
  }
  throw new Error('freePort: no unused port found');
}

// ---------- servers ----------

/** The node record for root/<name> (data dir root/<name>, log root/<name>.log, socket in root). */
async function newNode(rootIn: string, name: string, port?: number): Promise<PgNode> {
  installExitHook();
  const root = realpathSync(rootIn);
  const node: PgNode = {
    name,
    dataDir: path.join(root, name),
    port: port ?? (await freePort()),
    socketDir: root,
    logFile: path.join(root, `${name}.log`),
  };
  if (existsSync(node.dataDir)) throw new Error(`${node.dataDir} already exists (node names must be unique per root)`);
  nodes.add(node);
  return node;
}

/** pg_ctl start -w; with waitStreaming, also waits until the WAL receiver is streaming. */
export async function startNode(node: PgNode, opts: { waitStreaming?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const t = Math.ceil((opts.timeoutMs ?? 60_000) / 1000);
  try {
    await pgBin('pg_ctl', ['-D', node.dataDir, '-l', node.logFile, '-w', '-t', String(t), 'start']);
  } catch (e) {
    throw new Error(`could not start ${node.name} (${node.dataDir}): ${errText(e)}\n--- tail of ${node.logFile} ---\n${logTail(node)}`);
  }
  if (opts.waitStreaming) await waitStreaming(node, opts.timeoutMs);
}

/** Waits until the node's WAL receiver reports status 'streaming'. */
export async function waitStreaming(node: PgNode, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(async () => (await psql(node, 'select status from pg_stat_wal_receiver')) === 'streaming', timeoutMs, `${node.name} to stream`, 200);
  } catch (e) {
    throw new Error(`${errText(e)}\n--- tail of ${node.logFile} ---\n${logTail(node)}`);
  }
}

/** pg_ctl stop -w with the given mode; no-op when the node is not running. */
export async function stopNode(node: PgNode, mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
  if (!isRunning(node)) return;
  await pgBin('pg_ctl', ['-D', node.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
}

/** Real promotion (pg_ctl promote -w), then waits until SQL says it left recovery. */
export async function promote(node: PgNode): Promise<void> {
  await pgBin('pg_ctl', ['-D', node.dataDir, '-w', '-t', '60', 'promote']);
  await waitFor(async () => (await psql(node, 'select pg_is_in_recovery()')) === 'f', 30_000, `${node.name} to leave recovery`);
}

/** Runs one SQL string through psql over the node's socket as postgres; returns trimmed -At output. */
export async function psql(node: PgNode, sql: string): Promise<string> {
  const r = await pgBin('psql', [
    '-X', '-q', '-v', 'ON_ERROR_STOP=1',
    '-h', node.socketDir, '-p', String(node.port), '-U', 'postgres', '-d', 'postgres',
    '-Atc', sql,
  ], 60_000);
  return String(r.stdout).trim();
}

/** initdb + start a primary (trust auth, socket in root, no TCP), optionally with a WAL dir, tablespace, archiving. */
export async function initPrimary(opts: {
  root: string;
  name?: string;
  waldir?: boolean;
  tablespace?: boolean;
  archive?: boolean;
  port?: number;
  /** WAL segment size in MB (initdb --wal-segsize): 1 for tests that switch WAL in a loop. */
  walSegSizeMb?: number;
}): Promise<PgNode> {
  const node = await newNode(opts.root, opts.name ?? 'primary', opts.port);
  const root = node.socketDir;
  const args = ['-D', node.dataDir, '-A', 'trust', '-U', 'postgres', '-N', '--no-instructions', '--locale=C', '-E', 'UTF8'];
  if (opts.waldir) {
    node.waldir = path.join(mkdirOwned(path.join(root, 'waldisk', node.name)), 'pg_wal');
    args.push(`--waldir=${node.waldir}`);
  }
  if (opts.walSegSizeMb) args.push(`--wal-segsize=${opts.walSegSizeMb}`);
  await pgBin('initdb', args);
  const conf: Record<string, string | number> = {
    port: node.port,
    unix_socket_directories: root,
    listen_addresses: '',
    cluster_name: node.name,
    max_connections: 20,
    shared_buffers: '16MB',
    fsync: 'off',
    log_line_prefix: '%m [%p] ',
  };
  if (opts.archive) {
    const dir = mkdirOwned(path.join(root, 'archive'));
    conf.archive_mode = 'on';
    conf.archive_command = `test ! -f ${shq(dir)}/%f && cp %p ${shq(dir)}/%f`;
  }
  appendConf(node, conf);
  await startNode(node);
  if (opts.tablespace) {
    mkdirOwned(path.join(root, 'tblspc'));
    const dir = mkdirOwned(path.join(root, 'tblspc', node.name), 0o700);
    await psql(node, `CREATE TABLESPACE safeops_ts LOCATION ${lit(dir)}`);
    await psql(node, 'CREATE TABLE safeops_ts_table (id int) TABLESPACE safeops_ts');
    await psql(node, 'INSERT INTO safeops_ts_table VALUES (1)');
    node.tablespaceDir = dir;
  }
  return node;
}

/** pg_basebackup of primary into root/<name> (-X stream, WAL dir and tablespace mapped into root); not started. */
async function baseBackup(primary: PgNode, opts: { root: string; name: string; port?: number; standby: boolean }): Promise<PgNode> {
  const node = await newNode(opts.root, opts.name, opts.port);
  const root = node.socketDir;
  const args = ['-h', primary.socketDir, '-p', String(primary.port), '-U', 'postgres', '-D', node.dataDir, '-X', 'stream', '-c', 'fast', '-N'];
  if (opts.standby) args.push('-R');
  if (primary.waldir) {
    node.waldir = path.join(mkdirOwned(path.join(root, 'waldisk', node.name)), 'pg_wal');
    args.push(`--waldir=${node.waldir}`);
  }
  if (primary.tablespaceDir) {
    mkdirOwned(path.join(root, 'tblspc'));
    node.tablespaceDir = path.join(root, 'tblspc', node.name);
    args.push('-T', `${primary.tablespaceDir}=${node.tablespaceDir}`);
  }
  await pgBin('pg_basebackup', args);
  appendConf(node, { port: node.port, unix_socket_directories: root, cluster_name: node.name });
  return node;
}

/** A streaming standby of primary (pg_basebackup -R); when started, returns only once it streams. */
export async function createStandby(
  primary: PgNode,
  opts: { root: string; name?: string; port?: number; start?: boolean },
): Promise<PgNode> {
  const node = await baseBackup(primary, { root: opts.root, name: opts.name ?? 'standby', port: opts.port, standby: true });
  if (opts.start ?? true) await startNode(node, { waitStreaming: true });
  return node;
}

/** A stopped standby: a -R base backup never started (standby.signal + backup_label), or with startedOnce
 *  started, streamed and stopped cleanly (standby.signal, "shut down in recovery"). */
export async function makeStoppedStandbyCopy(
  primary: PgNode,
  opts: { root: string; name: string; port?: number; startedOnce?: boolean },
): Promise<PgNode> {
  const node = await baseBackup(primary, { root: opts.root, name: opts.name, port: opts.port, standby: true });
  if (opts.startedOnce) {
    await startNode(node, { waitStreaming: true });
    await stopNode(node, 'fast');
  }
  return node;
}

/** A restore that never started: a base backup (no -R) with backup_label; 'no_pg_control' also removes
 *  global/pg_control like a failed partial restore. */
export async function makeRestoreInProgress(
  primary: PgNode,
  opts: { root: string; name: string; variant: 'backup_label' | 'no_pg_control' },
): Promise<PgNode> {
  const node = await baseBackup(primary, { root: opts.root, name: opts.name, standby: false });
  if (opts.variant === 'no_pg_control') rmSync(path.join(node.dataDir, 'global', 'pg_control'));
  return node;
}

/** Stops the node and writes a postmaster.pid naming a live non-postgres process (a `sleep`, owned by
 *  postgres unless owner 'root') or, with pid 'dead', a pid that no longer exists. */
export async function makeStalePidFile(
  node: PgNode,
  opts: { pid?: 'live' | 'dead'; owner?: 'postgres' | 'root' } = {},
): Promise<{ pid: number; cleanup: () => void }> {
  await stopNode(node, 'fast');
  let pid: number;
  if ((opts.pid ?? 'live') === 'live') {
    const ids = opts.owner === 'root' ? {} : postgresIds();
    const child = spawn('sleep', ['3600'], { cwd: '/tmp', detached: true, stdio: 'ignore', ...ids });
    child.unref();
    if (!child.pid) throw new Error('could not spawn sleep');
    pid = child.pid;
    sleepers.add(pid);
  } else {
    pid = spawnSync('true').pid;
    if (!pid || processAlive(pid)) throw new Error('could not find a dead pid');
  }
  const pidFile = path.join(node.dataDir, 'postmaster.pid');
  const lines = [pid, node.dataDir, Math.floor(Date.now() / 1000), node.port, node.socketDir, '', '        0         0', 'ready   '];
  writeOwned(pidFile, lines.join('\n') + '\n', 0o600);
  const cleanup = () => {
    if (sleepers.delete(pid)) killQuietly(pid);
    if (readPidFile(node)?.pid === pid) rmSync(pidFile, { force: true });
  };
  return { pid, cleanup };
}

/** kill -9 the postmaster (postmaster.pid stays), then makes sure no backend of it survives; returns the old pid. */
export async function crashNode(node: PgNode): Promise<number> {
  const pid = readPidFile(node)?.pid;
  if (!pid || !isRunning(node)) throw new Error(`${node.name} is not running`);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !processAlive(pid), 10_000, `postmaster ${pid} to die`, 50);
  // Backends notice the postmaster's death by themselves; do not let a slow one linger.
  try {
    await waitFor(() => processesUnder([node.dataDir]).length === 0, 3_000, 'backends to exit', 50);
  } catch {
    for (const p of processesUnder([node.dataDir])) killQuietly(p);
    await waitFor(() => processesUnder([node.dataDir]).length === 0, 10_000, 'backends to die', 50);
  }
  return pid;
}

/** Sets archive_command to `false`, reloads, switches segments until pg_stat_archiver shows a failure. */
export async function breakArchiving(node: PgNode, timeoutMs = 60_000): Promise<void> {
  if ((await psql(node, 'show archive_mode')) === 'off') throw new Error(`${node.name}: archive_mode is off`);
  await psql(node, `ALTER SYSTEM SET archive_command = 'false'`);
  await psql(node, 'select pg_reload_conf()');
  await psql(node, 'CREATE TABLE IF NOT EXISTS safeops_archive_probe (at timestamptz)');
  const failing = async () =>
    (await psql(node, `select coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) from pg_stat_archiver`)) === 't';
  const deadline = Date.now() + timeoutMs;
  // The archiver may pick up the reload after the first switch and archive it fine: switch again then.
  while (!(await failing())) {
    if (Date.now() > deadline) throw new Error(`${node.name}: archiving did not fail within ${timeoutMs} ms\n${logTail(node)}`);
    await psql(node, 'INSERT INTO safeops_archive_probe VALUES (now())');
    await psql(node, 'select pg_switch_wal()');
    await waitFor(failing, 3_000, 'archive failure').catch(() => undefined);
  }
}

// ---------- cleanup ----------

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Every directory whose processes belong to us. */
function ownedDirs(): string[] {
  return [...roots, ...[...nodes].map((n) => n.dataDir)];
}

/** Removes the SysV shared memory segment a killed postmaster left behind (found via its pid file). */
function removeLeftoverShm(): void {
  let table: string[][];
  try {
    table = readFileSync('/proc/sysvipc/shm', 'utf8').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  } catch {
    return;
  }
  const { uid } = postgresIds();
  for (const node of nodes) {
    const [key, id] = (readPidFile(node)?.lines[6] ?? '').trim().split(/\s+/).map(Number);
    if (!key || !id) continue;
    // columns: key shmid perms size cpid lpid nattch uid ...
    const row = table.find((r) => Number(r[1]) === id && Number(r[0]) === key);
    if (row && Number(row[6]) === 0 && Number(row[7]) === uid) spawnSync('ipcrm', ['-m', String(id)]);
  }
}

/** Kills everything left (sleepers, processes under our dirs), frees shm, deletes temp roots. */
function finalSweepSync(): void {
  for (const pid of sleepers) killQuietly(pid);
  sleepers.clear();
  const dirs = ownedDirs();
  for (let i = 0; i < 100 && dirs.length > 0; i++) {
    const left = processesUnder(dirs);
    if (left.length === 0) break;
    left.forEach(killQuietly);
    sleepSync(50);
  }
  removeLeftoverShm();
  for (const r of roots) {
    try {
      rmSync(r, { recursive: true, force: true, maxRetries: 5 });
    } catch {
      /* best effort */
    }
  }
  roots.clear();
  nodes.clear();
}

/** Stops every server (immediate), kills leftovers, removes temp dirs. Call from afterAll. */
export async function cleanupAll(): Promise<void> {
  await Promise.allSettled(
    [...nodes].filter(isRunning).map((n) => pgBin('pg_ctl', ['-D', n.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], 40_000)),
  );
  finalSweepSync();
}

let hookInstalled = false;
/** Best effort at process exit / on a fatal signal: kill -9 what is left and delete the temp dirs. */
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', finalSweepSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      finalSweepSync();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}
