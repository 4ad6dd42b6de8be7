// Running the real command with the terminal handed over, and giving its exit back.
import { spawn } from 'node:child_process';
import os from 'node:os';
import util from 'node:util';
import { nodeBinding } from '../util/binding.js';

export interface RunResult {
  /** The exit code to leave with (128+N when killed by signal N). */
  code: number;
  signal: NodeJS.Signals | null;
  error: string | null;
}

/** A started child: how to signal it, and its end (an exit, or an error that kept it from starting). */
interface Child {
  kill(sig: NodeJS.Signals): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }>;
}

interface ProcessHandle {
  onexit: (code: number, signal: string) => void;
  spawn(options: Record<string, unknown>): number;
  kill(signal: number): number;
  close(): void;
}

/**
 * The child through the same handle child_process uses (process_wrap), without loading
 * child_process: it brings net and stream (~6 ms), and a harmless `safeops rm` runs one child
 * and nothing else. Null when this Node does not offer it (then child_process starts the child).
 */
function viaHandle(file: string, argv: string[], env: NodeJS.ProcessEnv, cwd: string | undefined): Child | null {
  const Process = nodeBinding<{ Process: new () => ProcessHandle }>('process_wrap')?.Process;
  if (typeof Process !== 'function') return null;
  type End = { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException };
  let end!: (e: End) => void;
  const done = new Promise<End>((resolve) => (end = resolve));
  let handle: ProcessHandle;
  let err: number;
  try {
    handle = new Process();
    handle.onexit = (code, signal) => {
      handle.close();
      end(signal ? { code: null, signal: signal as NodeJS.Signals } : { code, signal: null });
    };
    const envPairs = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    const stdio = [0, 1, 2].map((fd) => ({ type: 'inherit', fd }));
    err = handle.spawn({ file, args: argv, envPairs, stdio, cwd, detached: false });
  } catch {
    return null; // a handle of another shape: nothing started, child_process starts it
  }
  if (err) {
    handle.close();
    const code = util.getSystemErrorName(err);
    end({ error: Object.assign(new Error(`spawn ${file} ${code}`), { code, errno: err }) });
  }
  return {
    kill: (sig) => void handle.kill(os.constants.signals[sig]),
    done,
  };
}

function viaChildProcess(file: string, argv: string[], env: NodeJS.ProcessEnv, cwd: string | undefined): Child {
  const child = spawn(file, argv.slice(1), { stdio: 'inherit', argv0: argv[0], cwd, env });
  return {
    kill: (sig) => void child.kill(sig),
    done: new Promise((resolve) => {
      child.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    }),
  };
}

/**
 * Run `file` with `argv` (argv[0] kept as the operator typed it). The child shares our terminal
 * and process group, so Ctrl-C reaches it directly; we ignore SIGINT/SIGQUIT meanwhile and pass
 * SIGTERM/SIGHUP on. (A wrapper must not die before its child: the exit code would be lost.)
 */
export async function runInherit(file: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const child = viaHandle(file, argv, env, opts.cwd) ?? viaChildProcess(file, argv, env, opts.cwd);
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
  try {
    const r = await child.done;
    if ('error' in r) return { code: r.error.code === 'ENOENT' ? 127 : 126, signal: null, error: `${argv[0]}: ${r.error.message}` };
    if (r.signal) return { code: 128 + (os.constants.signals[r.signal] ?? 0), signal: r.signal, error: null };
    return { code: r.code ?? 1, signal: null, error: null };
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
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
