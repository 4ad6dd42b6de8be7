// `safeops watch`: the resident process that keeps the state dir current (docs/design.md §4), or with
// `--once` a single gather and publish. The loop itself lives in src/watch/loop.ts.
import path from 'node:path';
import type { Edge } from '../util/edge.js';
import { UsageError } from '../util/errors.js';
import { SYSTEM_STATE_DIR, USER_STATE_DIR_NAME } from '../contract.js';

export interface WatchCommandOptions {
  /** `--state-dir DIR` */
  stateDir?: string;
  /** `--user`: the user's state dir, $XDG_RUNTIME_DIR/safeops, and user modes (0700). */
  user: boolean;
  /** `--once`: gather, publish, exit. */
  once: boolean;
  /** `--interval MS`: overrides config watch.sqlIntervalMs. */
  intervalMs?: number;
  /** `--daemon`: start a detached watcher (src/watch/daemon.ts) and return once it published. */
  daemon?: boolean;
  /** `--stop`: stop the watcher of this state dir. */
  stop?: boolean;
  /** `--status`: exit 0 when a `--daemon` watcher runs, 1 another watcher, 3 none. */
  status?: boolean;
  /** `--log FILE`: the daemon's log (default: daemon.ts defaultLogFile). */
  log?: string;
  /** (hidden) `--daemon-child`: this is the detached process `--daemon` started. */
  daemonChild?: boolean;
}

/** Where to publish, and whether it is the system-wide dir. Pure; throws UsageError. */
export function resolveStateDir(opts: Pick<WatchCommandOptions, 'stateDir' | 'user'>, env: NodeJS.ProcessEnv, uid: number): { dir: string; system: boolean } {
  const userDir = () => {
    const xdg = env.XDG_RUNTIME_DIR;
    if (!xdg || !xdg.startsWith('/')) throw new UsageError('XDG_RUNTIME_DIR is not set, so there is no per-user state dir: give --state-dir DIR, or run the system watcher as root');
    return path.join(xdg, USER_STATE_DIR_NAME);
  };
  let dir: string;
  if (opts.stateDir) dir = path.resolve(opts.stateDir);
  else if (opts.user) dir = userDir();
  else if (env.SAFEOPS_STATE_DIR) dir = path.resolve(env.SAFEOPS_STATE_DIR);
  else dir = uid === 0 ? SYSTEM_STATE_DIR : userDir();
  return { dir, system: uid === 0 && !opts.user };
}

export async function runWatchCommand(opts: WatchCommandOptions, edge: Edge): Promise<number> {
  if (opts.intervalMs !== undefined && (!Number.isFinite(opts.intervalMs) || opts.intervalMs < 50 || opts.intervalMs > 600_000)) {
    throw new UsageError('--interval must be a number of milliseconds from 50 to 600000');
  }
  if ([opts.once, opts.daemon, opts.stop, opts.status].filter(Boolean).length > 1) throw new UsageError('give only one of --once, --daemon, --stop, --status');
  const { dir, system } = resolveStateDir(opts, edge.env, edge.uid);
  const watchOpts = { edge, stateDir: dir, system, intervalOverrideMs: opts.intervalMs ?? null };
  if (opts.daemon || opts.stop || opts.status) return runDaemonControl(opts, edge, dir, system);
  const { publishOnce, startWatcher } = await import('../watch/loop.js');
  if (opts.once) return (await publishOnce(watchOpts)) ? 0 : 1;
  // One watcher per state dir (daemon.ts): the lock is held until this process exits.
  const daemon = await import('../watch/daemon.js');
  try {
    daemon.prepareStateDir(dir, system);
  } catch {
    // The loop reports a state dir it cannot make or use, and keeps trying (as before the lock).
  }
  const lock = daemon.lockStateDir(dir);
  if (!lock.ok && lock.reason === 'held') {
    const other = daemon.runningWatcher(dir);
    process.stderr.write(`safeops watch: another watcher${other ? ` (pid ${other.pid}${other.daemon ? ', started with --daemon' : ''})` : ''} already publishes to ${dir}; stop it first (safeops watch --stop${opts.user ? ' --user' : ''})\n`);
    return daemon.EXIT_ANOTHER_WATCHER;
  }
  if (!lock.ok && opts.daemonChild) {
    process.stderr.write(`safeops watch: ${lock.message}: a daemon needs the lock (one watcher per state dir)\n`);
    return 1;
  }
  if (!lock.ok) process.stdout.write(`safeops watch: running without the one-watcher lock: ${lock.message}\n`);
  if (opts.daemonChild) daemon.timestampOutput(process.stdout);
  daemon.writePidFile(dir, Boolean(opts.daemonChild), opts.daemonChild ? (opts.log ?? null) : null, { system });

  // A log reader that went away (a closed pipe) must not stop the watcher.
  process.stdout.on('error', () => undefined);
  process.on('unhandledRejection', (e) => process.stdout.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`));
  const watcher = await startWatcher(watchOpts);
  const stop = () => void watcher.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // SIGHUP, as daemons do: read the config again now.
  process.on('SIGHUP', () => watcher.dispatch({ type: 'config-changed', file: '(SIGHUP)' }));
  await watcher.done;
  process.stdout.write('safeops watch: stopped\n');
  return 0;
}

/** `--daemon`, `--stop`, `--status` (docs/release.md). */
async function runDaemonControl(opts: WatchCommandOptions, edge: Edge, dir: string, system: boolean): Promise<number> {
  const daemon = await import('../watch/daemon.js');
  const userFlag = opts.user ? ' --user' : '';
  if (opts.status) {
    const info = daemon.runningWatcher(dir);
    if (!info) {
      process.stdout.write(`no watcher publishes to ${dir}\n`);
      return 3;
    }
    process.stdout.write(`watcher pid ${info.pid} publishes to ${dir}${info.daemon ? ` (--daemon, log ${info.log ?? '?'})` : ''}\n`);
    return info.daemon ? 0 : 1;
  }
  if (opts.stop) {
    const r = await daemon.stopWatcher(dir);
    if (r.kind === 'none') process.stdout.write(`no watcher publishes to ${dir}\n`);
    else if (r.kind === 'stopped') process.stdout.write(`stopped the watcher (pid ${r.pid}) of ${dir}\n`);
    else process.stderr.write(`safeops watch --stop: ${r.message}\n`);
    return r.kind === 'failed' ? 1 : 0;
  }
  daemon.prepareStateDir(dir, system);
  const logFile = opts.log ? path.resolve(edge.cwd, opts.log) : daemon.defaultLogFile(edge.env, edge.uid);
  const childArgs = ['watch', '--state-dir', dir, ...(opts.user ? ['--user'] : []), ...(opts.intervalMs !== undefined ? ['--interval', String(opts.intervalMs)] : []), '--log', logFile, '--daemon-child'];
  const r = await daemon.startDaemon({ stateDir: dir, system, logFile, childArgs });
  if (r.kind === 'running') {
    process.stdout.write(`a watcher already publishes to ${dir}${r.pid ? ` (pid ${r.pid})` : ''}\n`);
    return 0;
  }
  if (r.kind === 'failed') {
    process.stderr.write(`safeops watch --daemon: ${r.message}\n`);
    return 1;
  }
  process.stdout.write(`safeops watch: started (pid ${r.pid}), publishing to ${dir}; log: ${logFile}; stop it with: safeops watch --stop${userFlag}\n`);
  return 0;
}
