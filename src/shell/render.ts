// Renders the shell integration (shell/safeops.{bash,zsh,fish}) from one typed options object.
// Pure: no env, no fs. Every value put into a script is validated, then quoted for that shell,
// so nothing in a config file or a path can become shell code.
import bashTpl from '../../shell/safeops.bash?raw';
import zshTpl from '../../shell/safeops.zsh?raw';
import fishTpl from '../../shell/safeops.fish?raw';
import type { ShellColors } from '../config/schema.js';
import { PROMPT_ROLES, type PromptRoleName } from '../contract.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type ShellName = (typeof SHELLS)[number];

/** The `role` line of the prompt file (DEVELOPERS.md), most dangerous first. */
export { PROMPT_ROLES } from '../contract.js';
export type PromptRole = PromptRoleName;
/** What a shell shows: a role from a fresh, valid file, or stale. */
export type PromptStyle = PromptRole | 'stale';

/** A state dir candidate starting with this is expanded by the shell at run time. */
export const XDG_RUNTIME_PREFIX = '$XDG_RUNTIME_DIR/';

/** The candidates a shell looks in when SAFEOPS_STATE_DIR is not set, in order. */
export const DEFAULT_STATE_DIRS: readonly string[] = [`${XDG_RUNTIME_PREFIX}safeops`, '/run/safeops'];

export interface InitFeatures {
  /** Lead the prompt with the role segment. */
  prompt: boolean;
  /** Set the terminal background (OSC 11) by role, reset it (OSC 111) on exit. */
  background: boolean;
  /** Set the window title (OSC 2) by role. */
  title: boolean;
  /** Also inside tmux (OSC 11 from a pane colours that pane, tmux >= 3.2). */
  tmux: boolean;
}

export interface InitOptions {
  /** Absolute path of the `safeops` binary the guarded-command functions call. */
  binPath: string;
  /**
   * Where to look for the `prompt` file when SAFEOPS_STATE_DIR is not set at run time: the
   * first one holding it wins. Absolute paths, or `$XDG_RUNTIME_DIR/...` expanded at run time.
   * @default DEFAULT_STATE_DIRS
   */
  stateDirs: readonly string[];
  /** `#rrggbb` per role, and for stale; `null` leaves the terminal's own colours. */
  colors: ShellColors;
  /** A heartbeat older than this (seconds) shows the prompt as stale. */
  staleAfterSeconds: number;
  features: InitFeatures;
  /** No colour and no escape sequences at all (NO_COLOR, TERM=dumb); the text segment stays. */
  noColor: boolean;
  /** `mkfs.*` tools found at init time, each wrapped like `mkfs` (names not matching MKFS_TOOL_RE are dropped). */
  mkfsTools?: readonly string[];
}

/**
 * The commands each template wraps in a function that calls safeops (TOOLS.md; the templates
 * spell them out, and test/unit/shell-render.test.ts checks they match). `find`, `dd`, `psql`
 * and `kill` have a cheap pre-filter in the shell; `mkfs.*` follow `mkfsTools`.
 */
export const SHELL_GUARDED_TOOLS = [
  'rm', 'pg_ctl', 'pg_ctlcluster', 'wal-g', 'pgbackrest', 'pg_basebackup', 'systemctl',
  'mv', 'cp', 'rsync', 'find', 'truncate', 'shred', 'dd', 'pg_dropcluster', 'pg_resetwal', 'pg_rewind', 'pg_upgrade',
  'kill', 'pkill', 'killall', 'psql', 'reboot', 'shutdown', 'poweroff', 'halt', 'umount', 'mkfs', 'wipefs',
] as const;
/** Prefix commands routed through `safeops exec` when a word names a guarded tool (plus `sudo`, and `exec` by alias). */
export const SHELL_PREFIX_COMMANDS = [
  'nice', 'ionice', 'nohup', 'timeout', 'env', 'setsid', 'stdbuf', 'chrt', 'taskset', 'runuser', 'su', 'doas',
  'xargs', 'flock', 'script', 'busybox', 'parallel', 'watch',
] as const;

/** A `mkfs.*` name that may become a shell function name. */
export const MKFS_TOOL_RE = /^mkfs\.[A-Za-z0-9_]{1,32}$/;

const TEMPLATES: Record<ShellName, string> = { bash: bashTpl, zsh: zshTpl, fish: fishTpl };
const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
// Printable characters only: no control bytes (newline, ESC, NUL) in a baked-in path.
const PATH_RE = /^[^\u0000-\u001f\u007f-\u009f]+$/;

export function isShellName(s: string): s is ShellName {
  return (SHELLS as readonly string[]).includes(s);
}

/** One literal word for `shell`: single quotes, with the quote itself (and, for fish, `\`) escaped. */
export function quoteFor(shell: ShellName, value: string): string {
  if (shell === 'fish') return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** SGR parameters for a segment on `color`: bold, black or bright white text by luminance. */
export function sgrFor(color: string | null): string {
  if (color === null) return '';
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];
  const fg = 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? '30' : '97';
  return `1;${fg};48;2;${r};${g};${b}`;
}

function checkPath(what: string, p: string, allowXdg: boolean): void {
  const rest = allowXdg && p.startsWith(XDG_RUNTIME_PREFIX) ? `/${p.slice(XDG_RUNTIME_PREFIX.length)}` : p;
  if (!rest.startsWith('/') || !PATH_RE.test(rest) || rest.length > 4096)
    throw new RangeError(`${what} must be an absolute path of printable characters${allowXdg ? ` (or ${XDG_RUNTIME_PREFIX}...)` : ''}, got ${JSON.stringify(p)}`);
}

function checkColor(key: string, c: string | null): void {
  if (c !== null && (typeof c !== 'string' || !COLOR_RE.test(c))) throw new RangeError(`colour for ${key} must be "#rrggbb" or null, got ${JSON.stringify(c)}`);
}

/** Validate the options; throws RangeError naming the bad value. */
export function validateInitOptions(opts: InitOptions): void {
  checkPath('binPath', opts.binPath, false);
  if (opts.stateDirs.length === 0) throw new RangeError('stateDirs must name at least one directory');
  for (const d of opts.stateDirs) checkPath('each of stateDirs', d, true);
  for (const key of [...PROMPT_ROLES, 'stale'] as const) checkColor(key, key === 'none' ? opts.colors.none : opts.colors[key]);
  const s = opts.staleAfterSeconds;
  if (!Number.isInteger(s) || s < 1 || s > 86400) throw new RangeError(`staleAfterSeconds must be a whole number from 1 to 86400, got ${s}`);
}

/** The values substituted for each `__SAFEOPS_*__` placeholder, already quoted for `shell`. */
function substitutions(shell: ShellName, opts: InitOptions): Map<string, string> {
  const q = (v: string) => quoteFor(shell, v);
  const flag = (b: boolean) => (b ? '1' : '0');
  const m = new Map<string, string>([
    ['__SAFEOPS_BIN__', q(opts.binPath)],
    ['__SAFEOPS_STATE_DIRS__', opts.stateDirs.map(q).join(' ')],
    ['__SAFEOPS_STALE_AFTER__', String(opts.staleAfterSeconds)],
    ['__SAFEOPS_PROMPT__', flag(opts.features.prompt)],
    ['__SAFEOPS_BACKGROUND__', flag(opts.features.background)],
    ['__SAFEOPS_TITLE__', flag(opts.features.title)],
    ['__SAFEOPS_TMUX__', flag(opts.features.tmux)],
    ['__SAFEOPS_COLOR__', flag(!opts.noColor)],
    ['__SAFEOPS_MKFS_TOOLS__', [...new Set(opts.mkfsTools ?? [])].filter((t) => MKFS_TOOL_RE.test(t)).map(q).join(' ')],
  ]);
  for (const key of [...PROMPT_ROLES, 'stale'] as const) {
    const color = opts.noColor ? null : key === 'none' ? opts.colors.none : opts.colors[key];
    const c = color === null ? '' : color.toLowerCase();
    m.set(`__SAFEOPS_BG_${key.toUpperCase()}__`, q(c));
    m.set(`__SAFEOPS_SGR_${key.toUpperCase()}__`, q(sgrFor(color === null ? null : c)));
  }
  return m;
}

/** The init script for `shell`, from `opts` (validated first: throws RangeError on a bad value). */
export function renderInit(shell: ShellName, opts: InitOptions): string {
  if (!isShellName(shell)) throw new RangeError(`unknown shell ${JSON.stringify(shell)}: use one of ${SHELLS.join(', ')}`);
  validateInitOptions(opts);
  const subs = substitutions(shell, opts);
  const out = TEMPLATES[shell].replace(/__SAFEOPS_[A-Z_]+__/g, (name) => {
    const v = subs.get(name);
    if (v === undefined) throw new Error(`shell/safeops.${shell}: unknown placeholder ${name}`);
    return v;
  });
  return out;
}
