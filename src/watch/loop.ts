// The watcher's loop: wires the chokidar adapter, the pure reducer and the effects (gather,
// publish, notify the shells, log). All decisions are the reducer's; this file only runs them
// and turns their outcome back into events.
import { escapeText } from '../util/escape.js';
import { loadConfig, configFiles } from '../config/load.js';
import type { GatherEdge } from '../facts/gather.js';
import type { Adapter } from './adapter.js';
import type { Effect, WatchEvent } from './events.js';
import { startFootprint } from './footprint.js';
import { ensureStateDir, publishFiles, removePrompt, removeStaleTemps, type StateDirMode } from './publish.js';
import { initialState, knownDirs, nextWakeAt, reduce, sqlIntervalMs, type WatchState } from './reducer.js';
import { createClock, delayUntil, rateLimitLog, restampDoc, restampPrompt } from './clock.js';
import { createGatherer, gatherHost } from './gatherer.js';
import { gatherTimeoutMs } from './gather-policy.js';
import { createShellNotifier } from './shell-notifier.js';

/** The gatherer lives in src/watch/gatherer.ts (its policy in gather-policy.ts). */
export { createGatherer, gatherHost, type GatherContext, type Gatherer } from './gatherer.js';

export interface WatchOptions {
  edge: GatherEdge;
  stateDir: string;
  /** System-wide state dir (root, not --user): modes 0755 and shells/ 1777. */
  system: boolean;
  /** `--interval MS`: overrides config watch.sqlIntervalMs. */
  intervalOverrideMs: number | null;
  /** Where log lines go (default: stdout, one line each). */
  log?: (line: string) => void;
}

/** Control bytes never reach the journal or a terminal (cluster names come from disk and SQL). */
function cleanLine(line: string): string {
  return escapeText(line);
}

export function stdoutLog(line: string): void {
  process.stdout.write(cleanLine(line) + '\n');
}

export interface Watcher {
  /** Resolves when the watcher stopped (after `stop()`). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Feed an event from outside (SIGHUP: `config-changed`). */
  dispatch(event: WatchEvent): void;
  /** For tests: the reducer's state now. */
  state(): WatchState;
}

/** Start the resident watcher. */
export async function startWatcher(opts: WatchOptions): Promise<Watcher> {
  // Log lines rate-limited; the reducer and timers on a monotonic clock (watch/clock.ts).
  const log = rateLimitLog(opts.log ?? stdoutLog, { max: 60, windowMs: 10_000, always: (l) => /^(role change|cluster |config|alert|publishing|cannot publish)/.test(l) });
  const clock = createClock();
  const mode: StateDirMode = { system: opts.system };
  const env = opts.edge.env;
  let state = initialState({ pid: process.pid, intervalOverrideMs: opts.intervalOverrideMs });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let adapter: Adapter | null = null;
  let extras: import('../fleet/hook.js').Extras | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  try {
    ensureStateDir(opts.stateDir, mode);
    removeStaleTemps(opts.stateDir);
  } catch (e) {
    // Not fatal: every publish tries again (and says why it fails).
    log(`cannot prepare the state dir ${opts.stateDir}: ${(e as Error).message}`);
  }

  const gatherer = createGatherer();
  const footprint = startFootprint({ dir: opts.stateDir, env, host: () => state.host, log }); // the shells' fast path (docs/fast-path.md)
  const debug = Boolean(env.SAFEOPS_DEBUG);
  // SAFEOPS_DEBUG: one line per effect, and every 10 s how many events of each kind came in and
  // the CPU their handling took (the reducer and the effects it asked for; gathers are logged apart).
  const counts: Record<string, number> = {};
  const cpuMs: Record<string, number> = {};
  const debugTimer = debug
    ? setInterval(() => {
        const m = process.memoryUsage();
        const mb = (n: number) => (n / 1048576).toFixed(1);
        log(`debug: events in 10 s: ${Object.entries(counts).map(([k, v]) => `${k}=${v} (${(cpuMs[k] ?? 0).toFixed(1)} ms)`).join(' ') || 'none'}; memory MB rss=${mb(m.rss)} heap=${mb(m.heapUsed)}/${mb(m.heapTotal)} external=${mb(m.external)}`);
        for (const k of Object.keys(counts)) delete counts[k];
        for (const k of Object.keys(cpuMs)) delete cpuMs[k];
      }, 10_000)
    : null;
  const queue: WatchEvent[] = [];
  let draining = false;
  /** Feed an event to the reducer and run its effects; events they cause are queued, not nested. */
  const dispatch = (event: WatchEvent) => {
    if (stopped) return;
    if (debug) counts[event.type] = (counts[event.type] ?? 0) + 1;
    queue.push(event);
    if (draining) return;
    draining = true;
    try {
      while (queue.length) {
        const ev = queue.shift()!;
        const cpu0 = debug ? process.cpuUsage() : null;
        const r = reduce(state, ev, clock.now());
        state = r.state;
        let publishFailed = false;
        for (const eff of r.effects) {
          if (eff.type === 'notify-shells' && publishFailed) continue; // the shells would read the old file
          try {
            if (runEffect(eff) === false) publishFailed = true;
          } catch (e) {
            // A bug or a surprise in one effect must not stop the watcher.
            log(`internal error running ${eff.type}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (cpu0) {
          const c = process.cpuUsage(cpu0);
          cpuMs[ev.type] = (cpuMs[ev.type] ?? 0) + (c.user + c.system) / 1000;
        }
      }
    } finally {
      draining = false;
    }
    extras?.sync(state.host, state.config, sqlIntervalMs(state)); // issue 13: Patroni and the fleet (src/fleet/hook.ts)
    schedule();
  };

  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = null;
    const now = clock.now();
    const at = nextWakeAt(state, now);
    if (at === null) return;
    // Never spin: even a wake time in the past waits a few ms.
    timer = setTimeout(() => {
      timer = null;
      dispatch({ type: 'tick' });
    }, delayUntil(at, now));
  };

  const runGather = (eff: Extract<Effect, { type: 'gather' }>) => {
    const config = state.config;
    let settled = false;
    const guard = setTimeout(() => {
      settled = true;
      dispatch({ type: 'gather-failed', seq: eff.seq, error: `no answer within ${gatherTimeoutMs(config)} ms` });
    }, gatherTimeoutMs(config));
    // SAFEOPS_DEBUG: what each gather cost (the process's CPU meanwhile, so an upper bound).
    const cpu0 = debug ? process.cpuUsage() : null;
    const t0 = debug ? performance.now() : 0;
    gatherer.gather(eff, { config, edge: opts.edge, known: knownDirs(state), previous: state.host }).then(
      (host) => {
        clearTimeout(guard);
        if (cpu0) {
          const c = process.cpuUsage(cpu0);
          log(`debug: gather #${eff.seq} done: ${host.clusters.length} cluster(s), ${((c.user + c.system) / 1000).toFixed(1)} ms CPU, ${(performance.now() - t0).toFixed(1)} ms wall`);
        }
        if (!settled) dispatch({ type: 'facts', seq: eff.seq, host });
      },
      (e: unknown) => {
        clearTimeout(guard);
        if (!settled) dispatch({ type: 'gather-failed', seq: eff.seq, error: e instanceof Error ? e.message : String(e) });
      },
    );
  };

  const runNotify = createShellNotifier({ stateDir: opts.stateDir, shortHostname: opts.edge.shortHostname, config: () => state.config, log, stopped: () => stopped });

  /** Run one effect; returns false when a publish failed. */
  const runEffect = (eff: Effect): boolean | void => {
    if (debug && eff.type !== 'log') log(`debug: ${eff.type}${eff.type === 'gather' ? ` #${eff.seq} sql=${eff.sql} rediscover=${eff.rediscover} scope=${eff.scope}${eff.dirs.length ? ` dirs=${eff.dirs.length}` : ''}` : ''}`);
    switch (eff.type) {
      case 'log':
        log(eff.line);
        return;
      case 'gather':
        runGather(eff);
        return;
      case 'publish':
        try {
          const wall = clock.wall();
          publishFiles(opts.stateDir, restampDoc(eff.doc, wall), restampPrompt(eff.prompt, wall), mode);
          footprint.published(wall);
          queue.push({ type: 'published' });
          return true;
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          // "EACCES: permission denied", without the temp file's name: one failure, one log line.
          const why = err.code ? err.message.split(', ')[0]! : err.message;
          queue.push({ type: 'publish-failed', error: `${opts.stateDir}: ${why}` });
          return false;
        }
      case 'notify-shells':
        runNotify();
        return;
      case 'watch':
        adapter?.setTargets(eff.dataDirs);
        return;
      case 'load-config':
        queue.push({ type: 'config-loaded', loaded: loadConfig(env) });
        return;
    }
  };

  const files = configFiles(env).map((f) => f.file);
  log(`safeops watch: pid ${process.pid}, state dir ${opts.stateDir} (${opts.system ? 'system-wide' : 'this user only'}), config ${files.join(', ')}`);
  dispatch({ type: 'config-loaded', loaded: loadConfig(env) });
  const { startAdapter } = await import('./adapter.js');
  adapter = startAdapter({ configFiles: files, emit: dispatch });
  extras = (await import('../fleet/hook.js')).startExtras({ hostname: opts.edge.hostname, envPath: env.PATH ?? '/usr/bin:/bin', log, emit: (x) => dispatch({ type: 'extra', ...x }) });
  dispatch({ type: 'started' });

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    if (debugTimer) clearInterval(debugTimer);
    footprint.stop();
    await extras?.stop().catch(() => undefined);
    try {
      await adapter?.close();
    } catch {
      /* closing is best effort */
    }
    await gatherer.close?.().catch(() => undefined);
    // No prompt file: every shell shows "watcher not running" at once instead of ageing colours.
    try {
      removePrompt(opts.stateDir);
    } catch {
      /* the dir may be gone */
    }
    resolveDone();
  };
  return { done, stop, dispatch, state: () => state };
}

/** `--once`: gather everything, publish, return whether the publish worked. No shells are told. */
export async function publishOnce(opts: WatchOptions): Promise<boolean> {
  const log = opts.log ?? stdoutLog;
  const mode: StateDirMode = { system: opts.system };
  let state = initialState({ pid: process.pid, intervalOverrideMs: opts.intervalOverrideMs });
  const now = () => Date.now();
  const step = (ev: WatchEvent): Effect[] => {
    const r = reduce(state, ev, now());
    state = r.state;
    for (const e of r.effects) if (e.type === 'log') log(e.line);
    return r.effects;
  };
  step({ type: 'config-loaded', loaded: loadConfig(opts.edge.env) });
  const gather = step({ type: 'started' }).find((e): e is Extract<Effect, { type: 'gather' }> => e.type === 'gather');
  if (!gather) return false;
  let effects: Effect[];
  try {
    const host = await gatherHost(gather, { config: state.config, edge: opts.edge, known: [], previous: null });
    effects = step({ type: 'facts', seq: gather.seq, host });
  } catch (e) {
    log(`gather failed: ${(e as Error).message}`);
    return false;
  }
  const publish = effects.find((e): e is Extract<Effect, { type: 'publish' }> => e.type === 'publish');
  if (!publish) return false;
  try {
    ensureStateDir(opts.stateDir, mode);
    publishFiles(opts.stateDir, publish.doc, publish.prompt, mode);
    return true;
  } catch (e) {
    log(`cannot publish the state to ${opts.stateDir}: ${(e as Error).message}`);
    return false;
  }
}
