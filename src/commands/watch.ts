// `safeops watch`: the resident process that keeps the state dir current (SPEC §4), or with
// `--once` a single gather and publish. The loop itself lives in src/watch/loop.ts.
import path from 'node:path';
import type { Edge } from '../util/edge.js';
import { UsageError } from '../util/errors.js';

export interface WatchCommandOptions {
  /** `--state-dir DIR` */
  stateDir?: string;
  /** `--user`: the user's state dir, $XDG_RUNTIME_DIR/safeops, and user modes (0700). */
  user: boolean;
  /** `--once`: gather, publish, exit. */
  once: boolean;
  /** `--interval MS`: overrides config watch.sqlIntervalMs. */
  intervalMs?: number;
}

/** Where to publish, and whether it is the system-wide dir. Pure; throws UsageError. */
export function resolveStateDir(opts: Pick<WatchCommandOptions, 'stateDir' | 'user'>, env: NodeJS.ProcessEnv, uid: number): { dir: string; system: boolean } {
  const userDir = () => {
    const xdg = env.XDG_RUNTIME_DIR;
    if (!xdg || !xdg.startsWith('/')) throw new UsageError('XDG_RUNTIME_DIR is not set, so there is no per-user state dir: give --state-dir DIR, or run the system watcher as root');
    return path.join(xdg, 'safeops');
  };
  let dir: string;
  if (opts.stateDir) dir = path.resolve(opts.stateDir);
  else if (opts.user) dir = userDir();
  else if (env.SAFEOPS_STATE_DIR) dir = path.resolve(env.SAFEOPS_STATE_DIR);
  else dir = uid === 0 ? '/run/safeops' : userDir();
  return { dir, system: uid === 0 && !opts.user };
}

export async function runWatchCommand(opts: WatchCommandOptions, edge: Edge): Promise<number> {
  if (opts.intervalMs !== undefined && (!Number.isFinite(opts.intervalMs) || opts.intervalMs < 50 || opts.intervalMs > 600_000)) {
    throw new UsageError('--interval must be a number of milliseconds from 50 to 600000');
  }
  const { dir, system } = resolveStateDir(opts, edge.env, edge.uid);
  const watchOpts = { edge, stateDir: dir, system, intervalOverrideMs: opts.intervalMs ?? null };
  const { publishOnce, startWatcher } = await import('../watch/loop.js');
  if (opts.once) return (await publishOnce(watchOpts)) ? 0 : 1;

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
