// sudo(8) and doas(1): the command they run, in which directory, with which environment.
import { has, lastValue, options, scan } from '../getopt.js';
import { programName } from '../words.js';
import { chdir, loginHome, loseEnv, takeAssignments, type PrefixState, type Step } from './state.js';

const SUDO = options({
  short: 'Aa:BbC:c:D:Eeg:Hh::iKklNnPp:R:r:SsT:t:U:u:Vv',
  long: [
    'askpass/A', 'auth-type=/a', 'background/b', 'bell/B', 'close-from=/C', 'login-class=/c', 'chdir=/D', 'preserve-env?/E',
    'edit/e', 'group=/g', 'set-home/H', 'help/help', 'host=/h', 'login/i', 'remove-timestamp/K', 'reset-timestamp/k',
    'list/l', 'non-interactive/n', 'no-update/N', 'preserve-groups/P', 'prompt=/p', 'chroot=/R', 'role=/r', 'stdin/S',
    'shell/s', 'type=/t', 'command-timeout=/T', 'other-user=/U', 'user=/u', 'version/V', 'validate/v',
  ],
  stopAtOperand: true,
  // `-h host` when a non-option follows; a bare `-h` is help.
  nextIsValue: (name, next) => name === 'h' && !next.startsWith('-'),
});

// Modes in which sudo runs no command. (-k with a command still runs it: it only drops the cached credentials.)
const NOTHING_RUNS: ReadonlyArray<[string, string]> = [
  ['help', 'sudo --help runs nothing'],
  ['l', 'sudo -l only lists privileges: nothing runs'],
  ['v', 'sudo -v only validates credentials: nothing runs'],
  ['K', 'sudo -K only removes cached credentials: nothing runs'],
  ['V', 'sudo -V only prints its version: nothing runs'],
  ['e', 'sudo -e (sudoedit) edits files: no guarded command runs'],
];

/** `sudo [options] [VAR=value...] command...`. */
export function unwrapSudo(words: string[], st: PrefixState): Step {
  if (programName(words[0]!) === 'sudoedit') return { kind: 'none', why: 'sudoedit edits files: no guarded command runs' };
  const args = words.slice(1);
  const s = scan(args, SUDO);
  st.notes.push(...s.notes.map((n) => `sudo: ${n}`));
  if (s.opts.some((o) => o.name === 'h' && o.value === undefined)) return { kind: 'none', why: 'sudo -h runs nothing' };
  for (const [name, why] of NOTHING_RUNS) if (has(s, name)) return { kind: 'none', why };
  for (const o of s.opts) {
    if (o.name === 'D' && o.value !== undefined) chdir(st, o.value);
    if (o.name === 'R' && o.value !== undefined) st.hidden = `sudo -R ${o.value} runs the command inside a chroot`;
  }
  const command = takeAssignments(args.slice(s.end), st);
  // The shell's startup files run after sudo sets VAR=value, so those are unknown too.
  if (has(s, 'i')) {
    loseEnv(st, 'sudo -i runs a login shell whose startup files may set any variable');
    if (!has(s, 'D')) loginHome(st, lastValue(s, 'u') ?? 'root', "sudo -i starts in the target user's home directory");
  } else if (has(s, 's')) {
    loseEnv(st, 'sudo -s runs the command through a shell whose startup files may set variables');
  }
  if (command.length === 0) return { kind: 'none', why: 'sudo without a command runs no guarded command' };
  return { kind: 'next', words: command };
}

const DOAS = options({ short: 'a:C:Lnsu:', stopAtOperand: true });

/** `doas [-Lns] [-a style] [-C config] [-u user] command...`. */
export function unwrapDoas(words: string[], st: PrefixState): Step {
  const args = words.slice(1);
  const s = scan(args, DOAS);
  st.notes.push(...s.notes.map((n) => `doas: ${n}`));
  if (has(s, 'C')) return { kind: 'none', why: 'doas -C only checks a config file: nothing runs' };
  if (has(s, 'L')) return { kind: 'none', why: 'doas -L only clears persisted authentications: nothing runs' };
  const command = args.slice(s.end);
  if (has(s, 's')) loseEnv(st, 'doas -s runs a shell whose startup files may set variables');
  if (command.length === 0) return { kind: 'none', why: 'doas without a command runs no guarded command' };
  return { kind: 'next', words: command };
}
