// More prefixes (issue 9 item 2): xargs, flock, script, watch, setpriv, busybox, and programs
// that run a command safeops does not read (parallel, systemd-run, nsenter ...): what cannot be
// read with certainty is asked about when a guarded tool's name appears in it, never allowed.
import { has, lastValue, options, scan, type OptionTable, type Scan } from '../getopt.js';
import { firstGuardedWord } from '../shell-words.js';
import { programName } from '../words.js';
import { runScript } from './shell.js';
import { clearEnv, type PrefixHandler, type PrefixState, type Step } from './state.js';

/** Opaque when a guarded tool's name is among `words`, else nothing guarded runs. */
function opaqueIfGuarded(words: string[], why: (tool: string) => string, all: string[]): Step {
  const tool = firstGuardedWord(words.join(' '));
  if (tool !== null) return { kind: 'opaque', tool, why: why(tool), words: all };
  return { kind: 'none', why: `${programName(all[0]!)}: no guarded tool named` };
}

/** Scans a prefix's options: with one of `nothing` (help, version ...) it runs nothing (`why`); else the scan and the words after the options. */
function scanPrefix(words: string[], table: OptionTable, nothing: string[], why: string): Step | { s: Scan; rest: string[] } {
  const args = words.slice(1);
  const s = scan(args, table);
  if (has(s, ...nothing)) return { kind: 'none', why };
  return { s, rest: args.slice(s.end) };
}

const XARGS = options({
  short: '0a:d:E:e::I:i::L:l::n:oP:prs:tx',
  long: [
    'null/0', 'arg-file=/a', 'delimiter=/d', 'eof?/e', 'replace?/i', 'max-lines?/l', 'max-args=/n', 'open-tty/o', 'max-procs=/P',
    'interactive/p', 'no-run-if-empty/r', 'max-chars=/s', 'verbose/t', 'exit/x', 'process-slot-var=', 'show-limits', 'help', 'version',
  ],
  stopAtOperand: true,
});

/** `xargs [options] [COMMAND [ARGS]]`: the command's targets come from standard input. */
const xargs: PrefixHandler = (words) => {
  const r = scanPrefix(words, XARGS, ['help', 'version', 'show-limits'], 'xargs --help / --version runs nothing');
  if ('kind' in r) return r;
  const cmd = r.rest;
  if (cmd.length === 0) return { kind: 'none', why: 'xargs without a command runs echo' };
  return opaqueIfGuarded(cmd, (t) => `xargs runs ${t} with arguments read from its input, which safeops cannot see`, words);
};

const FLOCK = options({
  short: 'sexunw:E:oFhVc:',
  long: ['shared/s', 'exclusive/x', 'nonblock/n', 'nb/n', 'unlock/u', 'timeout=/w', 'wait=/w', 'conflict-exit-code=/E', 'close/o', 'no-fork/F', 'verbose', 'help/h', 'version/V', 'command=/c'],
  stopAtOperand: true,
});

/** `flock [options] FILE COMMAND [ARGS]`, `flock [options] FILE -c STRING`, `flock FD`. */
const flock: PrefixHandler = (words, st) => {
  const r = scanPrefix(words, FLOCK, ['h', 'V'], 'flock --help / --version runs nothing');
  if ('kind' in r) return r;
  const { s, rest } = r;
  const early = lastValue(s, 'c');
  if (early !== undefined) return runScript(early, 'flock -c', words, st);
  if (rest[1] === '-c' || rest[1] === '--command') return rest[2] === undefined ? { kind: 'none', why: 'flock -c without a command' } : runScript(rest[2], 'flock -c', words, st);
  if (rest.length < 2) return { kind: 'none', why: 'flock on a file descriptor runs no command' };
  return { kind: 'next', words: rest.slice(1) };
};

const SCRIPT = options({
  short: 'ac:E:efI:O:B:T:t::m:qo:hV',
  long: ['append/a', 'command=/c', 'echo=/E', 'return/e', 'flush/f', 'log-in=/I', 'log-out=/O', 'log-io=/B', 'log-timing=/T', 'timing?/t', 'logging-format=/m', 'quiet/q', 'output-limit=/o', 'force', 'help/h', 'version/V'],
});

/** `script [options] [FILE]`: -c STRING runs through the shell. */
const script: PrefixHandler = (words, st) => {
  const r = scanPrefix(words, SCRIPT, ['h', 'V'], 'script --help / --version runs nothing');
  if ('kind' in r) return r;
  const cmd = lastValue(r.s, 'c');
  if (cmd === undefined) return { kind: 'none', why: 'script without -c starts an interactive shell' };
  return runScript(cmd, 'script -c', words, st);
};

const WATCH = options({
  short: 'bcCd::eghn:ptwxqr',
  long: ['beep/b', 'color/c', 'no-color/C', 'differences?/d', 'errexit/e', 'chgexit/g', 'interval=/n', 'precise/p', 'no-title/t', 'no-wrap/w', 'exec/x', 'no-rerun/r', 'equexit=/q', 'help/h', 'version/v'],
  stopAtOperand: true,
});

/** `watch [options] COMMAND...`: the words joined by blanks run through sh -c (with -x: as argv). */
const watch: PrefixHandler = (words, st) => {
  const r = scanPrefix(words, WATCH, ['h', 'v'], 'watch --help / --version runs nothing');
  if ('kind' in r) return r;
  const cmd = r.rest;
  if (cmd.length === 0) return { kind: 'none', why: 'watch without a command' };
  if (has(r.s, 'x')) return { kind: 'next', words: cmd };
  return runScript(cmd.join(' '), 'watch', words, st);
};

const SETPRIV = options({
  short: 'dhV',
  long: [
    'dump/d', 'no-new-privs', 'nnp', 'ambient-caps=', 'inh-caps=', 'bounding-set=', 'ruid=', 'euid=', 'rgid=', 'egid=', 'reuid=', 'regid=',
    'clear-groups', 'keep-groups', 'init-groups', 'groups=', 'securebits=', 'pdeathsig=', 'selinux-label=', 'apparmor-profile=',
    'landlock-access=', 'landlock-rule=', 'seccomp-filter=', 'reset-env', 'help/h', 'version/V',
  ],
  stopAtOperand: true,
});

/** `setpriv [options] PROGRAM [ARGS]`. */
const setpriv: PrefixHandler = (words, st: PrefixState) => {
  const r = scanPrefix(words, SETPRIV, ['d', 'h', 'V'], 'setpriv --dump / --help runs nothing');
  if ('kind' in r) return r;
  const cmd = r.rest;
  if (cmd.length === 0) return { kind: 'none', why: 'setpriv without a program' };
  if (has(r.s, 'reset-env')) {
    clearEnv(st);
    st.notes.push('setpriv --reset-env clears the environment (HOME, SHELL, USER, LOGNAME, PATH are set for the target user)');
  }
  return { kind: 'next', words: cmd };
};

/** `busybox APPLET [ARGS]`: the applet reads like the tool of that name. */
const busybox: PrefixHandler = (words) => {
  const rest = words.slice(1);
  if (rest.length === 0 || rest[0]!.startsWith('-')) return { kind: 'none', why: 'busybox without an applet runs nothing' };
  return { kind: 'next', words: rest };
};

// Programs that run a command of their own in ways safeops does not read (their options differ, or the command comes from elsewhere).
const OPAQUE_RUNNERS = ['parallel', 'systemd-run', 'nsenter', 'unshare', 'pkexec', 'sg', 'cgexec', 'numactl', 'strace', 'ltrace', 'fakeroot', 'faketime', 'firejail', 'bwrap', 'schroot', 'machinectl', 'ssh-agent', 'dbus-run-session', 'expect', 'tmux', 'screen'];

const opaqueRunner: PrefixHandler = (words) => opaqueIfGuarded(words.slice(1), (t) => `${programName(words[0]!)} runs ${t} in a way safeops does not read`, words);

export const MORE_PREFIXES: ReadonlyArray<[string, PrefixHandler]> = [
  ['xargs', xargs],
  ['flock', flock],
  ['script', script],
  ['watch', watch],
  ['setpriv', setpriv],
  ['busybox', busybox],
  ...OPAQUE_RUNNERS.map((n): [string, PrefixHandler] => [n, opaqueRunner]),
];
