// `sh -c STRING` and friends: read the command string when its meaning is certain, else name
// the guarded tool it mentions as something safeops cannot see into.
import { firstGuardedWord, splitPlain } from '../shell-words.js';
import { programName } from '../words.js';
import { loseEnv, setVar, type PrefixState, type Step } from './state.js';

export const SHELLS = ['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'posh', 'yash', 'fish', 'rbash', 'lksh', 'ksh93', 'csh', 'tcsh'] as const;

// A reserved word in command position starts a compound command: its meaning is not a plain argv.
const RESERVED = new Set([
  '!', '{', '}', '[[', ']]', 'case', 'coproc', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'function', 'if', 'in', 'select',
  'then', 'until', 'while',
]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

interface ShellOptions {
  /** The -c command string. */
  command: string | undefined;
  /** Without -c: the script file it runs, if any. */
  script: string | undefined;
  login: boolean;
  interactive: boolean;
  /** zsh -f / --no-rcs: no startup files at all. */
  noRcs: boolean;
}

/** Options of sh/bash/zsh up to the first operand; with -c that operand is the command string. */
function shellOptions(args: string[], shell: string): ShellOptions {
  const o = { wantsC: false, login: false, interactive: false, noRcs: false, command: undefined as string | undefined };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--' || a === '-') {
      i += 1;
      break;
    }
    if (a.startsWith('--')) {
      if (a === '--login') o.login = true;
      else if (a === '--no-rcs' || a === '--no-config') o.noRcs = true;
      else if (a === '--command') o.command = args[++i];
      else if (a === '--rcfile' || a === '--init-file' || a === '--init-command') i += 1;
      continue;
    }
    if (!/^[-+]./.test(a)) break;
    let values = 0;
    for (const c of a.slice(1)) {
      // -o NAME / -O NAME take the next word, one per letter.
      if (c === 'o' || c === 'O') values += 1;
      else if (a.startsWith('-')) {
        if (c === 'c') o.wantsC = true;
        else if (c === 'l') o.login = true;
        else if (c === 'i') o.interactive = true;
        else if (c === 'f' && shell === 'zsh') o.noRcs = true;
      }
    }
    i += values;
  }
  const first = args[i];
  const command = o.command ?? (o.wantsC ? first : undefined);
  return { command, script: command === undefined ? first : undefined, login: o.login, interactive: o.interactive, noRcs: o.noRcs };
}

/** `sh -c STRING` (bash, dash, zsh ... and -lc, -ec ...). */
export function unwrapShell(words: string[], st: PrefixState): Step {
  const shell = programName(words[0]!);
  const o = shellOptions(words.slice(1), shell);
  if (o.command === undefined) {
    const why = o.script !== undefined ? `${shell} runs the script ${o.script}, which safeops does not read` : `${shell} without -c reads commands from its input`;
    return { kind: 'none', why };
  }
  if (o.login || o.interactive) loseEnv(st, `${shell} ${o.login ? '-l' : '-i'} reads startup files that may set any variable`);
  else if ((shell === 'zsh' && !o.noRcs) || shell === 'fish') loseEnv(st, `${shell} reads startup files (~/.zshenv, config.fish) that may set any variable`);
  else if (shell === 'bash' && st.env.has('BASH_ENV')) loseEnv(st, 'bash reads $BASH_ENV, which may set any variable');
  return runScript(o.command, `${shell} -c`, words, st);
}

/** `eval WORDS`: the words joined by blanks are read again as a command string. */
export function unwrapEval(words: string[], st: PrefixState): Step {
  if (words.length < 2) return { kind: 'none', why: 'eval without arguments does nothing' };
  return runScript(words.slice(1).join(' '), 'eval', words, st);
}

/** The command of a shell string: its plain words, else an opaque op for the guarded tool it mentions. */
export function runScript(script: string, label: string, words: string[], st: PrefixState): Step {
  const plain = splitPlain(script);
  if (plain !== null) {
    let k = 0;
    for (; k < plain.length && ASSIGNMENT.test(plain[k]!.raw); k++) {
      const w = plain[k]!.value;
      setVar(st, w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1));
    }
    const rest = plain.slice(k);
    if (rest.length === 0) return { kind: 'none', why: `the shell script (${label}) runs no command` };
    if (!RESERVED.has(rest[0]!.raw)) return { kind: 'next', words: rest.map((w) => w.value) };
  }
  // Variables the command will see are looked into too: `sh -c '$CMD -rf /d'` with CMD=rm.
  // Values may name other variables (env -S inside): expanded again, a few times, bounded.
  let expanded = script;
  for (let k = 0; k < 4 && expanded.length < 100_000; k++) {
    const next = expanded.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => st.env.get(name) ?? m);
    if (next === expanded) break;
    expanded = next;
  }
  const tool = firstGuardedWord(script) ?? firstGuardedWord(expanded);
  if (tool !== null) return { kind: 'opaque', tool, why: `a shell script (${label}) runs ${tool}; safeops cannot see its arguments`, words };
  return { kind: 'none', why: `the shell script (${label}) runs no guarded command` };
}
