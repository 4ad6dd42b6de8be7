// The one contract every output of safeops agrees on (docs/contract.md): the guarded tools, the
// roles with their words and colours, the state-dir candidates and the prompt file's grammar,
// byte set and limits. The guard, the watcher's writer and reader, status, the confirmation
// screen, the three shell templates and the completions all take them from here: the shells
// and completions through placeholders that src/shell/render.ts fills (validated, quoted).
// Pure data and one pure reader: no I/O, nothing heavy (the guard's fast path imports it).

// ---------------------------------------------------------------------------------------------
// The commands safeops guards.

/** The commands safeops wraps itself (docs/guarded-tools.md); `mkfs.*` are read as mkfs. */
export const GUARDED_TOOLS = [
  'rm', 'pg_ctl', 'pg_ctlcluster', 'wal-g', 'pgbackrest', 'pg_basebackup', 'systemctl',
  'mv', 'cp', 'rsync', 'find', 'truncate', 'shred', 'dd', 'pg_dropcluster', 'pg_resetwal', 'pg_rewind', 'pg_upgrade',
  'kill', 'pkill', 'killall', 'psql', 'reboot', 'shutdown', 'poweroff', 'halt', 'umount', 'mkfs', 'wipefs',
] as const;
export type GuardedTool = (typeof GUARDED_TOOLS)[number];

/**
 * Guarded tools each shell template wraps in a function of its own with a cheap pre-filter
 * (most calls are harmless: `find` without -delete/-exec, `dd` without of=, `psql` without
 * promote or a script, `kill %1`). Every other guarded tool gets the plain guard function.
 */
export const SHELL_PREFILTERED_TOOLS = ['find', 'dd', 'psql', 'kill'] as const satisfies readonly GuardedTool[];

/** The guarded tools the shells wrap with the plain guard function, in GUARDED_TOOLS order. */
export const SHELL_PLAIN_TOOLS: readonly GuardedTool[] = GUARDED_TOOLS.filter((t) => !(SHELL_PREFILTERED_TOOLS as readonly string[]).includes(t));

/** Prefix commands the shells route through `safeops exec` when a word names a guarded tool (plus `sudo`, and `exec`). */
export const SHELL_PREFIX_COMMANDS = [
  'nice', 'ionice', 'nohup', 'timeout', 'env', 'setsid', 'stdbuf', 'chrt', 'taskset', 'runuser', 'su', 'doas',
  'xargs', 'flock', 'script', 'busybox', 'parallel', 'watch',
] as const;

/** Words `safeops` takes before a command line of its own (see-through wrappers), with what completions say. */
export const GUARD_WRAPPERS = {
  sudo: 'sudo, seeing through to the guarded command',
  exec: 'run any command line, seeing through prefixes',
} as const;

/** The management commands (the yargs CLI, and `explain` read by main.ts), with what completions say. */
export const MANAGEMENT_COMMANDS = {
  status: 'list clusters with their live roles',
  doctor: 'check clusters before maintenance, a failover or a restore',
  explain: 'what safeops would decide, nothing run',
  watch: 'the watcher that publishes roles to shells',
  init: 'print the shell integration',
  completions: 'print the completion script for a shell',
  demo: 'a disposable primary and standby to try it on',
  config: 'read or change the configuration',
} as const;

/** The shells safeops integrates with. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type ShellName = (typeof SHELLS)[number];

/** A `mkfs.*` name that may become a shell function name. */
export const MKFS_TOOL_RE = /^mkfs\.[A-Za-z0-9_]{1,32}$/;

// ---------------------------------------------------------------------------------------------
// Roles: their order, words and colours.

/** The roles a prompt file may name, most dangerous first. */
export const PROMPT_ROLES = ['primary', 'unknown', 'recovering', 'standby', 'stopped', 'none'] as const;
export type PromptRoleName = (typeof PROMPT_ROLES)[number];
/** What a prompt shows: a role from a fresh, valid file, or stale. */
export type PromptStyleName = PromptRoleName | 'stale';

/**
 * The word each role is shown with (prompt segment, window title, the watcher's label, the
 * fleet line): colour is never the only signal, so the dangerous ones are in capitals.
 */
export const ROLE_WORD: Readonly<Record<PromptStyleName, string>> = {
  primary: 'PRIMARY',
  unknown: 'UNKNOWN',
  recovering: 'recovering',
  standby: 'standby',
  stopped: 'stopped',
  none: 'no clusters',
  stale: 'STALE',
};

/** Text colour per role (chalk and Ink colour names). A standby is blue everywhere. */
export const ROLE_TEXT_COLOUR = {
  primary: 'red',
  unknown: 'yellow',
  recovering: 'yellow',
  standby: 'blue',
  stopped: 'gray',
} as const;

/**
 * The default terminal background per role (config `shell.colors`, `#rrggbb`): dark shades of
 * the text colours above (a standby dark blue); `none` (no cluster) leaves the terminal's own.
 */
export const DEFAULT_ROLE_BACKGROUND = {
  primary: '#5f0000',
  standby: '#00005f',
  recovering: '#3f005f',
  stopped: '#303030',
  unknown: '#5f3f00',
  stale: '#5f3f00',
  none: null,
} as const satisfies Readonly<Record<PromptStyleName, string | null>>;

// ---------------------------------------------------------------------------------------------
// The state directory: where the watcher publishes and where shells and commands look.

/** A state dir candidate starting with this is expanded by the shell at run time (never for root). */
export const XDG_RUNTIME_PREFIX = '$XDG_RUNTIME_DIR/';
/** The system watcher's state dir (root's watcher, systemd unit). */
export const SYSTEM_STATE_DIR = '/run/safeops';
/** A user watcher's state dir under $XDG_RUNTIME_DIR. */
export const USER_STATE_DIR_NAME = 'safeops';
/** The candidates shells and commands look in when SAFEOPS_STATE_DIR is not set, in order. */
export const DEFAULT_STATE_DIRS: readonly string[] = [`${XDG_RUNTIME_PREFIX}${USER_STATE_DIR_NAME}`, SYSTEM_STATE_DIR];

// ---------------------------------------------------------------------------------------------
// The prompt file (docs/design.md §4): what the watcher writes and what bash, zsh, fish and the
// watcher's own reader accept. The shells check exactly these rules with builtins
// (shell/safeops.*: __safeops_read and __safeops_parse); test/integration/prompt-golden.test.ts
// feeds the same golden files to all four readers and requires them to agree.

/** The first line; another one (a future format) reads as stale. */
export const PROMPT_FIRST_LINE = 'safeops-prompt 1';
/** Longest line after the heartbeat, in bytes. */
export const PROMPT_LINE_MAX = 200;
/** At most this many lines in all, `end` included. */
export const PROMPT_LINES_MAX = 32;
/** At most this many `alert` lines. */
export const PROMPT_ALERTS_MAX = 8;
/** A file of this many bytes or more is not read (the shells read at most this much). */
export const PROMPT_BYTES_MAX = 6600;
/** The heartbeat: seconds since the epoch, at most this many digits. */
export const PROMPT_HEARTBEAT_DIGITS_MAX = 12;
/**
 * The only bytes allowed after the heartbeat line, newlines aside, listed one by one (no ranges:
 * a shell's ranges depend on the locale). `-` is last, so the string is also the body of a
 * bracket expression in a regular expression or a glob.
 */
export const PROMPT_BYTES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ._,:/@()+=-';
/** PROMPT_BYTES as the body of a RegExp bracket expression. */
export const PROMPT_CHARSET = PROMPT_BYTES.replace(/[\\\]^-]/g, (c) => `\\${c}`);

const PROMPT_BAD_BYTE = new RegExp(`[^\\n${PROMPT_CHARSET}]`);
const HEARTBEAT_RE = new RegExp(`^[0-9]{1,${PROMPT_HEARTBEAT_DIGITS_MAX}}$`);
const ROLE_SET: ReadonlySet<string> = new Set(PROMPT_ROLES);

export interface PromptFile {
  heartbeat: number;
  role: PromptRoleName;
  label: string;
  alerts: string[];
}

/** Read a prompt file as the shells do; null when any rule is broken (the shells show stale). Pure. */
export function parsePromptFile(text: string): PromptFile | null {
  if (text.length >= PROMPT_BYTES_MAX) return null;
  const head = `${PROMPT_FIRST_LINE}\nheartbeat `;
  if (!text.startsWith(head)) return null;
  let rest = text.slice(head.length);
  const nl = rest.indexOf('\n');
  const hb = nl < 0 ? rest : rest.slice(0, nl);
  if (!HEARTBEAT_RE.test(hb)) return null;
  rest = nl < 0 ? '' : rest.slice(nl + 1);
  if (PROMPT_BAD_BYTE.test(rest)) return null;
  let role: PromptRoleName | null = null;
  let label: string | null = null;
  const alerts: string[] = [];
  let n = 2;
  let ended = false;
  while (rest !== '') {
    const i = rest.indexOf('\n');
    const line = i < 0 ? rest : rest.slice(0, i);
    rest = i < 0 ? '' : rest.slice(i + 1);
    n += 1;
    if (n > PROMPT_LINES_MAX || line.length > PROMPT_LINE_MAX) return null;
    if (line === 'end') {
      ended = true;
      break;
    }
    if (line.startsWith('role ')) {
      if (role !== null) return null;
      const r = line.slice(5);
      if (!ROLE_SET.has(r)) return null;
      role = r as PromptRoleName;
    } else if (line.startsWith('label ')) {
      if (label !== null && label !== '') return null;
      label = line.slice(6);
    } else if (line.startsWith('alert ')) {
      if (alerts.length >= PROMPT_ALERTS_MAX) return null;
      alerts.push(line.slice(6));
    } else return null;
  }
  if (!ended || role === null) return null;
  return { heartbeat: Number(hb), role, label: label ?? '', alerts };
}

/** The footprint (src/watch/footprint.ts, docs/fast-path.md): bytes a published path may hold (the shells and the Node guard check the whole file against this set). */
export const FOOTPRINT_PATH_OK = /^\/[A-Za-z0-9._,:/@+=~-]*$/;
/** Upper bound of the footprint file; past it the fast path is off (its readers read at most this much). */
export const FOOTPRINT_MAX_BYTES = 60_000;
/** Heartbeat age (s) up to which a footprint is fresh: the templates' `__safeops_fp_max_age` and src/guard/fast-path.ts. */
export const FOOTPRINT_MAX_AGE_S = 3;
