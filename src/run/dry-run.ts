// wal-g's own dry run for `wal-g delete … --confirm`: the same command without --confirm
// prints what it would delete and deletes nothing. The confirmation screen shows that output.
import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';

export interface DryRunResult {
  /** The command's exit code; null when it could not be started, timed out or was cancelled. */
  exitCode: number | null;
  /** stdout and stderr interleaved as they arrived, capped, plus a note when something went wrong. */
  output: string;
}

export interface DryRunOptions {
  /** Stop the command after this long. */
  timeoutMs: number;
  /** Keep at most this many bytes of output (the rest is drained and dropped). @default 256 KiB */
  maxBytes?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Abort to stop the command early (the screen was closed). */
  signal?: AbortSignal;
}

/**
 * Drop every form of wal-g's --confirm flag (`--confirm`, `--confirm=true`): a dry run that
 * kept it would delete the backups it was meant to only list.
 */
export function withoutConfirm(argv: string[]): string[] {
  return argv.filter((a) => a !== '--confirm' && !a.startsWith('--confirm='));
}

/**
 * Run `argv` (already resolved to the real binary by the caller, never a safeops shim) without
 * --confirm, with no stdin, and capture its output. Never throws.
 */
export async function runDryRun(argv: string[], opts: DryRunOptions): Promise<DryRunResult> {
  const args = withoutConfirm(argv);
  const [file, ...rest] = args;
  if (!file) return { exitCode: null, output: 'safeops: no command to dry-run' };
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  let kept = '';
  let dropped = 0;
  let timedOut = false;
  let cancelled = false;
  const timers: NodeJS.Timeout[] = [];
  try {
    // Its own process group (detached), so that stopping it also stops whatever it started:
    // otherwise a grandchild holding the pipe open would keep us waiting.
    const sub = execa(file, rest, {
      all: true,
      buffer: false,
      reject: false,
      stdin: 'ignore',
      detached: true,
      cwd: opts.cwd,
      env: opts.env,
      encoding: 'utf8',
      stripFinalNewline: false,
    });
    const stopGroup = (): void => {
      killGroup(sub.pid, 'SIGTERM');
      timers.push(setTimeout(() => killGroup(sub.pid, 'SIGKILL'), 2000));
    };
    timers.push(setTimeout(() => {
      timedOut = true;
      stopGroup();
    }, opts.timeoutMs));
    const onAbort = (): void => {
      cancelled = true;
      stopGroup();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const decoder = new StringDecoder('utf8');
    sub.all?.on('data', (chunk: Buffer | string) => {
      const s = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const room = maxBytes - Buffer.byteLength(kept);
      if (room <= 0) {
        dropped += Buffer.byteLength(s);
      } else if (Buffer.byteLength(s) <= room) {
        kept += s;
      } else {
        const head = Buffer.from(s).subarray(0, room).toString();
        kept += head;
        dropped += Buffer.byteLength(s) - Buffer.byteLength(head);
      }
    });
    const res = await sub;
    opts.signal?.removeEventListener('abort', onAbort);
    const notes: string[] = [];
    if (dropped > 0) notes.push(`[safeops: ${dropped} more bytes of output not shown]`);
    if (timedOut) notes.push(`[safeops: the dry run took longer than ${opts.timeoutMs} ms and was stopped]`);
    else if (cancelled) notes.push('[safeops: the dry run was stopped]');
    else if (res.failed && res.exitCode === undefined) notes.push(`[safeops: could not run ${file}: ${res.shortMessage}]`);
    const output = [kept.replace(/\n$/, ''), ...notes].filter((s) => s !== '').join('\n');
    const exitCode = timedOut || cancelled ? null : (res.exitCode ?? null);
    return { exitCode, output };
  } catch (e) {
    return { exitCode: null, output: `[safeops: could not run ${file}: ${e instanceof Error ? e.message : String(e)}]` };
  } finally {
    for (const t of timers) clearTimeout(t);
  }
}

/** Signal a whole process group; it may be gone already. */
function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // Already exited.
  }
}
