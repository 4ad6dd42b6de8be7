// One watcher per state dir, and `safeops watch --daemon | --stop | --status` for hosts without
// systemd (docs/release.md). Every watcher that runs (under systemd, in the foreground, as a
// daemon) holds an flock(2) on STATE/watch.lock for its whole life and says who it is in
// STATE/watch.pid:
//
//   safeops-watch 1
//   pid 12345
//   start 987654          field 22 of /proc/<pid>/stat (the pid's identity across reuse)
//   daemon 1              1: started by --daemon (--stop and package upgrades may replace it)
//   log /var/log/safeops/watch.log
//
// Node has no flock(): util-linux's flock(1) takes it on our open file description (passed as its
// fd 3). A lock belongs to the open file description, so it stays held after flock(1) exits, for
// as long as this process keeps the fd open: the kernel drops it when the watcher dies, however
// it dies. No stale lock files, no pid guessing.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseProcStat } from '../facts/proc.js';
import { ensureStateDir, writeAtomic } from './publish.js';

export const LOCK_FILE = 'watch.lock';
export const PID_FILE = 'watch.pid';
/** Exit code of a watcher that found another one holding the state dir (EX_TEMPFAIL). */
export const EXIT_ANOTHER_WATCHER = 75;

export interface PidInfo {
  pid: number;
  start: number;
  daemon: boolean;
  log: string | null;
}

export function renderPidFile(info: PidInfo): string {
  return `safeops-watch 1\npid ${info.pid}\nstart ${info.start}\ndaemon ${info.daemon ? 1 : 0}\n${info.log ? `log ${info.log.replace(/\n/g, '?')}\n` : ''}`;
}

/** Pure: the pid file's fields, or null when it is not one. */
export function parsePidFile(text: string): PidInfo | null {
  const lines = text.split('\n');
  if (lines[0] !== 'safeops-watch 1') return null;
  const kv = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const sp = l.indexOf(' ');
    if (sp > 0) kv.set(l.slice(0, sp), l.slice(sp + 1));
  }
  const pid = Number(kv.get('pid'));
  const start = Number(kv.get('start'));
  if (!Number.isSafeInteger(pid) || pid <= 1 || !Number.isSafeInteger(start) || start < 0) return null;
  return { pid, start, daemon: kv.get('daemon') === '1', log: kv.get('log') ?? null };
}

function startTicks(pid: number): number | null {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.startTicks ?? null;
  } catch {
    return null;
  }
}

/** The watcher the pid file names, if that very process still runs. */
export function runningWatcher(stateDir: string): PidInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(stateDir, PID_FILE), 'utf8');
  } catch {
    return null;
  }
  const info = parsePidFile(text);
  if (!info) return null;
  return startTicks(info.pid) === info.start ? info : null;
}

export type LockResult = { ok: true; fd: number } | { ok: false; reason: 'held' | 'no-flock' | 'error'; message: string };

/**
 * Take STATE/watch.lock for this process's life (the fd is kept open, never closed). `held`:
 * another watcher has it.
 */
export function lockStateDir(stateDir: string): LockResult {
  const file = path.join(stateDir, LOCK_FILE);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    return { ok: false, reason: 'error', message: `cannot open ${file}: ${(e as Error).message}` };
  }
  const r = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(EXIT_ANOTHER_WATCHER), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], timeout: 10_000 });
  if (r.error) {
    fs.closeSync(fd);
    const noent = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, reason: noent ? 'no-flock' : 'error', message: noent ? 'flock(1) is not installed (util-linux)' : `flock(1): ${r.error.message}` };
  }
  if (r.status === 0) return { ok: true, fd };
  fs.closeSync(fd);
  if (r.status === EXIT_ANOTHER_WATCHER) return { ok: false, reason: 'held', message: `another watcher holds ${file}` };
  return { ok: false, reason: 'error', message: `flock(1) failed on ${file}: ${r.stderr.toString().trim() || `exit ${r.status}`}` };
}

/** After taking the lock: say who holds it. Removed at exit while it still names us. */
export function writePidFile(stateDir: string, daemon: boolean, log: string | null, mode: { system: boolean }): void {
  const start = startTicks(process.pid);
  if (start === null) throw new Error('cannot read /proc/self/stat');
  writeAtomic(stateDir, PID_FILE, renderPidFile({ pid: process.pid, start, daemon, log }), mode.system ? 0o644 : 0o600);
  process.once('exit', () => {
    try {
      const now = parsePidFile(fs.readFileSync(path.join(stateDir, PID_FILE), 'utf8'));
      if (now?.pid === process.pid) fs.unlinkSync(path.join(stateDir, PID_FILE));
    } catch {
      // gone already
    }
  });
}

/** Where `--daemon` logs: SAFEOPS_WATCH_LOG, else root's next to the audit log, others' in their state home. */
export function defaultLogFile(env: NodeJS.ProcessEnv, uid: number): string {
  if (env.SAFEOPS_WATCH_LOG?.startsWith('/')) return env.SAFEOPS_WATCH_LOG;
  if (uid === 0) return '/var/log/safeops/watch.log';
  const stateHome = env.XDG_STATE_HOME?.startsWith('/') ? env.XDG_STATE_HOME : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(stateHome, 'safeops', 'watch.log');
}

/** Lines written to the log get a UTC time stamp (systemd's journal adds its own; a file has none). */
export function timestampOutput(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  let atLineStart = true;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const stamp = new Date().toISOString();
    let out = '';
    for (const part of text.split(/(?<=\n)/)) {
      if (part === '') continue;
      out += (atLineStart ? `${stamp} ` : '') + part;
      atLineStart = part.endsWith('\n');
    }
    return write(out, ...rest);
  }) as typeof stream.write;
}

export interface DaemonStart {
  stateDir: string;
  system: boolean;
  logFile: string;
  /** The arguments after `safeops` for the detached child (`watch ... --daemon-child`). */
  childArgs: string[];
  /** How long to wait for the first publish. */
  timeoutMs?: number;
}

export type DaemonStartResult = { kind: 'started'; pid: number } | { kind: 'running'; pid: number | null } | { kind: 'failed'; message: string };

/**
 * Start a detached watcher: a new session (setsid, no terminal), cwd /, stdin from /dev/null,
 * stdout and stderr appended to the log file. Returns when it has published its first state
 * (its `prompt` file names a heartbeat after it started), or when it exited.
 */
export async function startDaemon(opts: DaemonStart): Promise<DaemonStartResult> {
  const already = runningWatcher(opts.stateDir);
  if (already) return { kind: 'running', pid: already.pid };
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true, mode: opts.system ? 0o750 : 0o700 });
  const logFd = fs.openSync(opts.logFile, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o640);
  const self = process.argv[1];
  if (!self) return { kind: 'failed', message: 'cannot tell where this safeops is (process.argv[1] is empty)' };
  const startedAt = Math.floor(Date.now() / 1000);
  // The systemd units' smaller young generation (Environment=NODE_OPTIONS there): bounds the RSS a
  // burst leaves behind (docs/decisions.md), for a watcher started without systemd too.
  const nodeOptions = [process.env.NODE_OPTIONS, '--max-semi-space-size=4'].filter(Boolean).join(' ');
  const child = spawn(process.execPath, [...process.execArgv, self, ...opts.childArgs], { detached: true, stdio: ['ignore', logFd, logFd], cwd: '/', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  fs.closeSync(logFd);
  let exited: number | null | undefined;
  child.once('exit', (code, signal) => {
    exited = code ?? (signal ? 128 : 1);
  });
  child.once('error', () => {
    exited = 127;
  });
  const pid = child.pid;
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  try {
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        if (exited === EXIT_ANOTHER_WATCHER) return { kind: 'running', pid: runningWatcher(opts.stateDir)?.pid ?? null };
        return { kind: 'failed', message: `the watcher exited at once (exit ${exited}): see ${opts.logFile}` };
      }
      const info = runningWatcher(opts.stateDir);
      if (info && info.pid === pid && publishedSince(opts.stateDir, startedAt)) return { kind: 'started', pid };
      await new Promise((r) => setTimeout(r, 50));
    }
    return { kind: 'failed', message: `the watcher (pid ${pid}) did not publish within ${(opts.timeoutMs ?? 15_000) / 1000} s: see ${opts.logFile}` };
  } finally {
    child.unref();
    child.removeAllListeners();
  }
}

function publishedSince(stateDir: string, sinceEpoch: number): boolean {
  try {
    const m = /^safeops-prompt 1\nheartbeat (\d+)\n/.exec(fs.readFileSync(path.join(stateDir, 'prompt'), 'latin1'));
    return m !== null && Number(m[1]) >= sinceEpoch - 1;
  } catch {
    return false;
  }
}

export type StopResult = { kind: 'stopped'; pid: number } | { kind: 'none' } | { kind: 'failed'; message: string };

/** SIGTERM the watcher the pid file names (it removes `prompt` and exits); wait for it to go. */
export async function stopWatcher(stateDir: string, timeoutMs = 15_000): Promise<StopResult> {
  const info = runningWatcher(stateDir);
  if (!info) return { kind: 'none' };
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch (e) {
    return { kind: 'failed', message: `cannot signal pid ${info.pid}: ${(e as Error).message}` };
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (startTicks(info.pid) !== info.start) return { kind: 'stopped', pid: info.pid };
    await new Promise((r) => setTimeout(r, 50));
  }
  return { kind: 'failed', message: `pid ${info.pid} is still running ${timeoutMs / 1000} s after SIGTERM` };
}

/** The state dir, created with the contract's modes, ready for the lock file. */
export function prepareStateDir(stateDir: string, system: boolean): void {
  ensureStateDir(stateDir, { system });
}
