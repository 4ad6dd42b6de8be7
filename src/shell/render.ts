// Renders the shell integration (shell/safeops.{bash,zsh,fish}) from one typed options object.
// Pure: no env, no fs. Every value put into a script is validated, then quoted for that shell,
// so nothing in a config file or a path can become shell code.
import bashTpl from '../../shell/safeops.bash?raw';
import zshTpl from '../../shell/safeops.zsh?raw';
import fishTpl from '../../shell/safeops.fish?raw';
import type { ShellColors } from '../config/schema.js';
import {
  GUARDED_TOOLS, MKFS_TOOL_RE, PROMPT_ALERTS_MAX, PROMPT_BYTES, PROMPT_BYTES_MAX, PROMPT_CHARSET, PROMPT_FIRST_LINE, PROMPT_HEARTBEAT_DIGITS_MAX,
  PROMPT_LINE_MAX, PROMPT_LINES_MAX, PROMPT_ROLES, ROLE_WORD, SHELLS, SHELL_PLAIN_TOOLS, SHELL_PREFIX_COMMANDS, XDG_RUNTIME_PREFIX,
  type PromptRoleName, type PromptStyleName, type ShellName,
} from '../contract.js';

// What the templates and their importers know from the contract (src/contract.ts), re-exported.
export { DEFAULT_STATE_DIRS, MKFS_TOOL_RE, PROMPT_ROLES, SHELLS, SHELL_PREFIX_COMMANDS, XDG_RUNTIME_PREFIX, type ShellName } from '../contract.js';
/** Every guarded tool has a function in each template (src/contract.ts GUARDED_TOOLS). */
export const SHELL_GUARDED_TOOLS = GUARDED_TOOLS;
export type PromptRole = PromptRoleName;
/** What a shell shows: a role from a fresh, valid file, or stale. */
export type PromptStyle = PromptStyleName;

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

/** A tool or command name that may become a shell function name, a pattern and a regex alternative. */
const COMMAND_NAME_RE = /^[a-z][a-z0-9_-]{0,31}$/;
/** Bytes a bracket expression of a glob, an ERE and a PCRE reads alike, `-` last (PROMPT_BYTES). */
const BRACKET_SAFE_RE = /^[A-Za-z0-9 ._,:/@()+=]+-?$/;
/** A word boundary for a command name: a name of its own, as a basename or in an `sh -c` string. */
const NAME_CHAR = '[^A-Za-z0-9_.-]';

/**
 * The contract's values for the templates (src/contract.ts; docs/contract.md), quoted for
 * `shell`. Checked here, so that nothing in the contract can become shell code: names are plain
 * command names, the byte set holds no quote or bracket metacharacter.
 */
function contractSubstitutions(shell: ShellName): Map<string, string> {
  const q = (v: string) => quoteFor(shell, v);
  for (const n of [...GUARDED_TOOLS, ...SHELL_PREFIX_COMMANDS, ...PROMPT_ROLES])
    if (!COMMAND_NAME_RE.test(n)) throw new Error(`src/contract.ts: ${JSON.stringify(n)} cannot be a shell function name`);
  if (!BRACKET_SAFE_RE.test(PROMPT_BYTES)) throw new Error('src/contract.ts: PROMPT_BYTES must be plain printable bytes, `-` last');
  const m = new Map<string, string>([
    ['__SAFEOPS_PLAIN_TOOLS__', SHELL_PLAIN_TOOLS.map(q).join(' ')],
    ['__SAFEOPS_PREFIX_COMMANDS__', SHELL_PREFIX_COMMANDS.map(q).join(' ')],
    ['__SAFEOPS_XDG_PREFIX__', q(XDG_RUNTIME_PREFIX)],
    ['__SAFEOPS_PROMPT_FIRST_LINE__', q(PROMPT_FIRST_LINE)],
    ['__SAFEOPS_PROMPT_LINE_MAX__', String(PROMPT_LINE_MAX)],
    ['__SAFEOPS_PROMPT_LINES_MAX__', String(PROMPT_LINES_MAX)],
    ['__SAFEOPS_PROMPT_ALERTS_MAX__', String(PROMPT_ALERTS_MAX)],
    ['__SAFEOPS_PROMPT_BYTES_MAX__', String(PROMPT_BYTES_MAX)],
    ['__SAFEOPS_HEARTBEAT_DIGITS_MAX__', String(PROMPT_HEARTBEAT_DIGITS_MAX)],
  ]);
  for (const key of [...PROMPT_ROLES, 'stale'] as const) m.set(`__SAFEOPS_WORD_${key.toUpperCase()}__`, q(ROLE_WORD[key]));
  if (shell === 'fish') {
    m.set('__SAFEOPS_ROLES__', PROMPT_ROLES.map(q).join(' '));
    // PCRE2 (string match -r): the whole file may hold newlines, a line may not.
    m.set('__SAFEOPS_PROMPT_BAD_RE__', q(`[^\\n${PROMPT_CHARSET}]`));
    m.set('__SAFEOPS_PROMPT_BAD_LINE_RE__', q(`[^${PROMPT_CHARSET}]`));
  } else {
    m.set('__SAFEOPS_ROLES_ALT__', PROMPT_ROLES.map(q).join('|'));
    // A glob matching any text with a byte outside the set (newlines allowed), bytes listed.
    m.set('__SAFEOPS_PROMPT_BAD_GLOB__', `${q('*[!')}$'\\n'${q(`${PROMPT_BYTES}]*`)}`);
  }
  const names = GUARDED_TOOLS.map((t) => (t === 'mkfs' ? (shell === 'zsh' ? 'mkfs|mkfs.*' : 'mkfs(\\.[A-Za-z0-9_]+)?') : t)).join('|');
  if (shell === 'zsh') m.set('__SAFEOPS_GUARDED_GLOB__', q(`(|*${NAME_CHAR})(${names})(|${NAME_CHAR}*)`));
  else m.set('__SAFEOPS_GUARDED_RE__', q(`(^|${NAME_CHAR})(${names})($|${NAME_CHAR})`));
  return m;
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
  for (const [k, v] of contractSubstitutions(shell)) m.set(k, v);
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
  return fill(`shell/safeops.${shell}`, TEMPLATES[shell], substitutions(shell, opts));
}

/**
 * `template` with each `__SAFEOPS_*__` placeholder replaced by its value. Both ways strict: an
 * unknown placeholder throws, and so does a value no placeholder asks for (a template that
 * spells a contract list out by hand again instead of taking it from here).
 */
export function fill(what: string, template: string, subs: ReadonlyMap<string, string>): string {
  const used = new Set<string>();
  const out = template.replace(/__SAFEOPS_[A-Z_]+__/g, (name) => {
    const v = subs.get(name);
    if (v === undefined) throw new Error(`${what}: unknown placeholder ${name}`);
    used.add(name);
    return v;
  });
  const unused = [...subs.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`${what}: placeholder${unused.length > 1 ? 's' : ''} ${unused.join(', ')} not used`);
  return out;
}
