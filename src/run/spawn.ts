// Running the real command with the terminal handed over, and giving its exit back.
import { spawn } from 'node:child_process';
import os from 'node:os';

export interface RunResult {
  /** The exit code to leave with (128+N when killed by signal N). */
  code: number;
  signal: NodeJS.Signals | null;
  error: string | null;
}

/**
 * Run `file` with `argv` (argv[0] kept as the operator typed it). The child shares our terminal
 * and process group, so Ctrl-C reaches it directly; we ignore SIGINT/SIGQUIT meanwhile and pass
 * SIGTERM/SIGHUP on. (A wrapper must not die before its child: the exit code would be lost.)
 */
export function runInherit(file: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, argv.slice(1), { stdio: 'inherit', argv0: argv[0], cwd: opts.cwd, env: opts.env });
    const ignore = () => undefined;
    const forward = (sig: NodeJS.Signals) => () => {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    };
    const onTerm = forward('SIGTERM');
    const onHup = forward('SIGHUP');
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    const done = (r: RunResult) => {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve(r);
    };
    child.on('error', (e: NodeJS.ErrnoException) => done({ code: e.code === 'ENOENT' ? 127 : 126, signal: null, error: `${argv[0]}: ${e.message}` }));
    child.on('exit', (code, signal) => {
      if (signal) done({ code: 128 + (os.constants.signals[signal] ?? 0), signal, error: null });
      else done({ code: code ?? 1, signal: null, error: null });
    });
  });
}

/**
 * Leave the way the child left: re-raise its signal (so the shell sees it), else exit with its
 * code (128+N for SIGKILL/SIGSTOP, or a signal that does not end this process). Called by main only.
 */
export function exitLike(r: { code: number; signal: NodeJS.Signals | null }): never {
  if (r.signal && r.signal !== 'SIGKILL' && r.signal !== 'SIGSTOP') {
    process.removeAllListeners(r.signal);
    try {
      process.kill(process.pid, r.signal);
    } catch {
      /* fall through to exit */
    }
  }
  process.exit(r.code);
}
