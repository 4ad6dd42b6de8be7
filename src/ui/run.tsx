// The confirmation controller: renders the screen with ink, feeds it live facts (refresh each
// second or on push), the size count, the split-brain probes and wal-g's dry run, and resolves
// once with the operator's answer, after unmounting and giving the terminal back as it was.
// Loaded lazily by the guard (`await import('../ui/run.js')`): only ink and react at the top.
import { trace } from '../util/trace.js';
import { render, type Instance } from 'ink';
import { yogaReady } from './yoga.js';
import { ConfirmScreen, type ConfirmScreenProps } from './ConfirmScreen.js';
import { appendOnlyStdout } from './dumb-output.js';
import { destroyedPaths } from './targets.js';
import type { ConfirmationResult, ConfirmationSession } from './types.js';

export type { ConfirmationResult, ConfirmationSession } from './types.js';

type Data = Omit<ConfirmScreenProps, 'onResolve'>;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Show the confirmation screen and resolve with what the operator did. Rejects only when the
 * screen cannot start at all (nothing was shown, nothing is left running): the caller may then
 * ask plainly.
 */
export async function runConfirmation(session: ConfirmationSession): Promise<ConfirmationResult> {
  await yogaReady;
  const stdin = session.stdin ?? process.stdin;
  const stdout = session.stdout ?? process.stdout;
  const dumb = session.dumb ?? process.env.TERM === 'dumb';
  const plain = dumb || (session.noColor ?? Boolean(process.env.NO_COLOR));
  const now = session.now ?? Date.now;
  const destroys = session.destroys ?? destroyedPaths(session.argv, session.clusters);

  let data: Data = {
    host: session.host,
    shortHost: session.shortHost,
    argv: session.argv,
    verdict: session.verdict,
    clusters: session.clusters,
    nowMs: now(),
    destroys,
    size: null,
    measuring: Boolean(session.measure) && destroys.length > 0,
    upstream: {},
    dryRun: null,
    refreshError: null,
    columns: stdout.columns || 80,
    rows: stdout.rows || 24,
    plain,
    dumb,
  };

  return new Promise<ConfirmationResult>((resolve, reject) => {
    // Background work, stopped first; then `late` (signal and stream-error handlers), kept until
    // the terminal is restored so that a signal during unmount cannot kill us in raw mode.
    const cleanups: Array<() => void> = [];
    const late: Array<() => void> = [];
    let finished = false;
    let instance: Instance | null = null;

    const element = () => <ConfirmScreen {...data} onResolve={(r) => void finish(r)} />;
    const update = (patch: Partial<Data>): void => {
      if (finished) return;
      data = { ...data, ...patch };
      try {
        instance?.rerender(element());
      } catch {
        // A broken terminal: the stream-error handler ends the screen.
      }
    };

    /** The screen could not run: stop what was started, hand the terminal back, reject. */
    const failed = (e: unknown): void => {
      if (finished) return;
      finished = true;
      runAll(cleanups);
      try {
        instance?.unmount();
      } catch {
        // Already gone.
      }
      restoreTerminal(stdin, stdout, dumb);
      runAll(late);
      reject(e instanceof Error ? e : new Error(String(e)));
    };

    /** Stop everything, unmount, give the terminal back, then resolve. */
    const finish = async (result: ConfirmationResult): Promise<void> => {
      if (finished) return;
      finished = true;
      runAll(cleanups);
      try {
        if (instance) {
          const exited = instance.waitUntilExit().catch(() => undefined);
          instance.unmount();
          await Promise.race([exited, new Promise((r) => setTimeout(r, 500))]);
          instance.cleanup();
        }
      } catch {
        // The terminal may be gone (SIGHUP): restoring below is best effort.
      }
      restoreTerminal(stdin, stdout, dumb);
      runAll(late);
      resolve(result);
    };

    // Ctrl-C arrives as a key in raw mode; these are the signals from outside (kill, ssh drop).
    for (const sig of SIGNALS) {
      const onSignal = () => void finish({ outcome: 'interrupted', signal: sig });
      process.on(sig, onSignal);
      late.push(() => process.off(sig, onSignal));
    }
    // A dropped terminal ends stdin and makes writes fail: never crash on that, the answer is
    // "interrupted". The SIGHUP usually follows within milliseconds: wait for it briefly so
    // that the result names it (the guard may need to know the terminal is gone).
    let goneTimer: NodeJS.Timeout | null = null;
    const onGone = () => {
      goneTimer ??= setTimeout(() => void finish({ outcome: 'interrupted', signal: null }), 100);
    };
    stdout.on('error', onGone);
    stdin.on('error', onGone);
    stdin.on('end', onGone);
    late.push(() => {
      if (goneTimer) clearTimeout(goneTimer);
      stdout.off('error', onGone);
      stdin.off('error', onGone);
      stdin.off('end', onGone);
    });
    const onResize = () => update({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    cleanups.push(() => stdout.off('resize', onResize));

    try {
      trace('render');
      instance = render(element(), {
        stdin,
        stdout: dumb ? appendOnlyStdout(stdout) : stdout,
        exitOnCtrlC: false,
        patchConsole: false,
        debug: dumb,
      });
      trace('rendered');
      // Background work (sizes, refresh, probes) starts once the first frame is out.
      setImmediate(() => {
        if (!finished) startBackground(session, data, update, cleanups, () => finished);
      });
      // Ink ends the app by itself only on an error inside it (e.g. stdin has no raw mode).
      instance.waitUntilExit().then(
        () => failed(new Error('the confirmation screen ended without an answer')),
        (e: unknown) => failed(e),
      );
    } catch (e) {
      failed(e);
    }
  });
}

/** Run clean-up functions, newest first; one failing does not stop the others. */
function runAll(fns: Array<() => void>): void {
  for (const f of fns.splice(0).reverse()) {
    try {
      f();
    } catch {
      // Best effort.
    }
  }
}

/** Refresh loop, push subscription, size count, dry run and split-brain probes. */
function startBackground(
  session: ConfirmationSession,
  initial: Data,
  update: (patch: Partial<Data>) => void,
  cleanups: Array<() => void>,
  isFinished: () => boolean,
): void {
  const now = session.now ?? Date.now;
  const probed = new Set<string>();
  let upstream = {};

  /** Probe each standby's upstream once (also standbys that appear in a later verdict). */
  const probe = (targets: ConfirmationSession['verdict']['promoteUpstreams']): void => {
    if (!session.probeUpstream) return;
    for (const t of targets) {
      if (probed.has(t.dataDir)) continue;
      probed.add(t.dataDir);
      upstream = { ...upstream, [t.dataDir]: null };
      update({ upstream });
      session
        .probeUpstream(t.host, t.port)
        .catch((e: unknown) => ({ reachable: false, inProduction: null, detail: `probe failed: ${String(e)}` }))
        .then((p) => {
          upstream = { ...upstream, [t.dataDir]: p };
          update({ upstream });
        });
    }
  };

  let inFlight = false;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (isFinished()) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const next = await session.refresh();
      update({ verdict: next.verdict, clusters: next.clusters, refreshError: null });
      probe(next.verdict.promoteUpstreams);
    } catch (e) {
      update({ refreshError: e instanceof Error ? e.message : String(e) });
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };
  const timer = setInterval(() => {
    update({ nowMs: now() });
    void refresh();
  }, session.refreshMs ?? 1000);
  cleanups.push(() => clearInterval(timer));
  if (session.subscribe) cleanups.push(session.subscribe(() => void refresh()));

  if (session.measure && initial.destroys && initial.destroys.length > 0) {
    cleanups.push(session.measure(initial.destroys, (size) => update({ size })));
  }

  const dryArgv = initial.verdict.dryRunArgv;
  if (dryArgv && session.dryRun) {
    update({ dryRun: { status: 'running', argv: dryArgv } });
    session
      .dryRun(dryArgv)
      .catch((e: unknown) => ({ exitCode: null, output: `[safeops: the dry run failed: ${String(e)}]` }))
      .then((r) => update({ dryRun: { status: 'done', argv: dryArgv, exitCode: r.exitCode, output: r.output } }));
  }
  probe(initial.verdict.promoteUpstreams);
}

/** Raw mode off, cursor shown, input paused: the terminal as the shell expects it. */
function restoreTerminal(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, dumb: boolean): void {
  try {
    if (stdin.isTTY && typeof stdin.setRawMode === 'function') stdin.setRawMode(false);
    stdin.pause?.();
  } catch {
    // stdin already closed.
  }
  try {
    if (dumb) stdout.write('\n');
    else if (stdout.isTTY) stdout.write('\u001B[?25h');
  } catch {
    // stdout already closed.
  }
}
