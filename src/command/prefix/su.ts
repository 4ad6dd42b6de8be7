// runuser(1) and su(1) (util-linux): `runuser -u USER cmd...` runs cmd; `su USER -c CMD` runs
// CMD through the user's shell.
import { has, lastValue, options, scan } from '../getopt.js';
import { programName } from '../words.js';
import { firstGuardedWord } from '../shell-words.js';
import { SHELLS } from './shell.js';
import { loginHome, loseEnv, type PrefixState, type Step } from './state.js';

const SU_SPEC = {
  short: 'c:fg:G:lmpPs:u:hVw:',
  long: [
    'command=/c', 'session-command=/c', 'fast/f', 'group=/g', 'supp-group=/G', 'login/l', 'preserve-environment/p', 'pty/P',
    'shell=/s', 'user=/u', 'help/h', 'version/V', 'whitelist-environment=/w',
  ],
};
// util-linux su/runuser permute options past operands ...
const SU = options(SU_SPEC);
// ... but `runuser -u USER cmd -x` is read as running cmd (in doubt, the command counts).
const SU_U = options({ ...SU_SPEC, stopAtOperand: true });

/** `runuser -u USER [--] cmd...`, `su [-] USER [-c CMD] [args...]`. */
export function unwrapSu(words: string[], st: PrefixState): Step {
  const name = programName(words[0]!);
  const args = words.slice(1);
  let s = scan(args, SU);
  if (has(s, 'u')) s = scan(args, SU_U);
  st.notes.push(...s.notes.map((n) => `${name}: ${n}`));
  if (has(s, 'h', 'V')) return { kind: 'none', why: `${name} --help / --version runs nothing` };
  // util-linux su/runuser permute: options anywhere (also after USER and the command) are theirs.
  let rest = has(s, 'u') ? args.slice(s.end) : s.operands;
  let login = has(s, 'l');
  if (rest[0] === '-') {
    login = true;
    rest = rest.slice(1);
  }
  if (login) {
    loseEnv(st, `${name} -l starts a login shell whose startup files may set any variable`);
    loginHome(st, has(s, 'u') ? lastValue(s, 'u') : (rest[0] ?? 'root'), `${name} -l starts in the target user's home directory`);
  }
  if (has(s, 'u')) {
    if (rest.length === 0) return { kind: 'none', why: `${name} -u without a command runs no guarded command` };
    return { kind: 'next', words: rest };
  }
  // After USER, the remaining words go to the user's shell (`su postgres -- -c CMD` works this way too).
  const shellArgs = rest.slice(1);
  const command = lastValue(s, 'c');
  if (command === undefined && shellArgs.length === 0) return { kind: 'none', why: `${name} without a command opens an interactive shell` };
  const shell = lastValue(s, 's') ?? 'sh';
  if (!(SHELLS as readonly string[]).includes(programName(shell))) {
    const tool = firstGuardedWord([command ?? '', ...shellArgs].join(' '));
    if (tool !== null) return { kind: 'opaque', tool, why: `${name} -s ${shell} runs a program safeops cannot read; its arguments name ${tool}`, words };
    return { kind: 'none', why: `${name} -s ${shell}: no guarded tool named` };
  }
  return { kind: 'next', words: [shell, ...(command === undefined ? [] : ['-c', command]), ...shellArgs] };
}
