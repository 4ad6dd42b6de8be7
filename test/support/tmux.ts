// Real interactive shells in tmux for tests: one private server per test suite (its own -L
// socket, no user config), panes driven with send-keys and read with capture-pane, and
// polling with a deadline instead of fixed sleeps.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let counter = 0;

export interface PaneOptions {
  /** Extra environment for the pane's process (tmux new-session -e). */
  env?: Record<string, string>;
  /** Append everything the pane's program writes (raw bytes, escapes included) to this file. */
  pipeTo?: string;
  cwd?: string;
}

export class TmuxServer {
  readonly socket: string;
  private readonly env: NodeJS.ProcessEnv;

  /** `env` is the server's whole environment, which every pane starts from. */
  constructor(name: string, env: Record<string, string>) {
    this.socket = `safeops-${name}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
    this.env = { ...env };
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { env: this.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Start `argv` in a new detached 120x30 session named `name`; returns the tmux target. */
  start(name: string, argv: string[], opts: PaneOptions = {}): string {
    const envArgs = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const args = ['new-session', '-d', '-s', name, '-x', '120', '-y', '30', ...(opts.cwd ? ['-c', opts.cwd] : []), ...envArgs, '--', ...argv];
    // One command list: pipe-pane is in place before the server reads the pane's first byte.
    if (opts.pipeTo) args.push(';', 'pipe-pane', '-o', '-t', name, `exec cat >> '${opts.pipeTo}'`);
    args.push(';', 'set-option', '-t', name, 'remain-on-exit', 'on');
    this.tmux(...args);
    return name;
  }

  pid(target: string): number {
    return Number(this.tmux('display-message', '-p', '-t', target, '#{pane_pid}').trim());
  }

  /** The visible screen, with colours as SGR when `escapes`. */
  /** `join`: a line the pane wrapped comes back whole (long temp paths wrap at 120 columns). */
  capture(target: string, escapes = false, join = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), ...(join ? ['-J'] : []), '-t', target);
  }

  lines(target: string, escapes = false, join = false): string[] {
    return this.capture(target, escapes, join).split('\n');
  }

  /** Type `text` literally, then Enter. */
  type(target: string, text: string, enter = true): void {
    if (text) this.tmux('send-keys', '-t', target, '-l', text);
    if (enter) this.tmux('send-keys', '-t', target, 'Enter');
  }

  keys(target: string, ...keys: string[]): void {
    this.tmux('send-keys', '-t', target, ...keys);
  }

  /** Kill the server and remove its socket file (tmux leaves it behind). */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    const dir = this.env.TMUX_TMPDIR || '/tmp';
    fs.rmSync(`${dir}/tmux-${process.getuid?.() ?? 0}/${this.socket}`, { force: true });
  }
}

/** Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | null, timeoutMs = 5000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `\n--- state ---\n${describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Bytes appended to `file` since `from` (0 when the file does not exist yet). */
export function readFrom(file: string, from = 0): Buffer {
  try {
    return fs.readFileSync(file).subarray(from);
  } catch {
    return Buffer.alloc(0);
  }
}

export function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The environment every test shell starts from: no user rc, a temp HOME, a UTF-8 locale. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_CACHE_HOME: `${home}/.cache`,
    ...extra,
  };
}

export type TestShell = 'bash' | 'zsh' | 'fish';

/**
 * argv and env for an interactive `shell` that loads `initFile` and nothing of the user's:
 * bash with our own --rcfile, zsh with ZDOTDIR=`dir` and no global rc, fish with --no-config.
 * The prompt is a plain `$ ` / `% ` / `> ` (with the safeops segment in front).
 */
export function interactiveShell(shell: TestShell, dir: string, initFile: string, prefix: string[] = []): { argv: string[]; env: Record<string, string> } {
  fs.mkdirSync(dir, { recursive: true });
  if (shell === 'bash') {
    const rc = `${dir}/bashrc`;
    fs.writeFileSync(rc, `source '${initFile}'\nPS1='\\$ '\n`);
    return { argv: [...prefix, 'bash', '--noprofile', '--rcfile', rc, '-i'], env: {} };
  }
  if (shell === 'zsh') {
    fs.writeFileSync(`${dir}/.zshrc`, `source '${initFile}'\nPROMPT='%# '\n`);
    return { argv: [...prefix, 'zsh', '-d', '-i'], env: { ZDOTDIR: dir } };
  }
  const init = `set -g fish_greeting ''; function fish_prompt; printf '> '; end; source '${initFile}'`;
  return { argv: [...prefix, 'fish', '--no-config', '--private', '-i', '-C', init], env: {} };
}
