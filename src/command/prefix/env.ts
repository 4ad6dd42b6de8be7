// env(1) (GNU coreutils): variables set, unset or cleared, -C DIR, and -S STRING.
import { has, options, scan } from '../getopt.js';
import { firstGuardedWord } from '../shell-words.js';
import { splitEnvString } from './env-split.js';
import { chdir, clearEnv, takeAssignments, unsetVar, type PrefixState, type Step } from './state.js';

const ENV = options({
  short: 'C:iS:u:v0',
  long: [
    'chdir=/C', 'ignore-environment/i', 'split-string=/S', 'unset=/u', 'debug/v', 'null/0', 'help', 'version',
    'default-signal?', 'ignore-signal?', 'block-signal?', 'list-signal-handling',
  ],
  stopAtOperand: true,
});

/** `env [options] [-] [NAME=value...] [command...]`. */
export function unwrapEnv(words: string[], st: PrefixState): Step {
  return envArgs(words.slice(1), st);
}

function envArgs(args: string[], st: PrefixState): Step {
  const s = scan(args, ENV);
  st.notes.push(...s.notes.map((n) => `env: ${n}`));
  if (has(s, 'help', 'version')) return { kind: 'none', why: 'env --help / --version runs nothing' };
  for (const o of s.opts) {
    if (o.name === 'i') clearEnv(st);
    else if (o.name === 'u' && o.value !== undefined) unsetVar(st, o.value);
    else if (o.name === 'C' && o.value !== undefined) chdir(st, o.value);
    // -S splits its string into arguments that are parsed again, options included.
    else if (o.name === 'S') {
      // ${VAR} expands from the environment env itself received (its -i/-u apply after).
      const text = o.value ?? '';
      const split = splitEnvString(text, (name) => (st.env.has(name) ? st.env.get(name)! : st.envOpen ? null : undefined));
      if (split.kind !== 'words') {
        // Fail closed: a string safeops reads differently from env must not pass as harmless.
        const tool = firstGuardedWord([text, ...args.slice(o.next)].join(' '));
        if (tool !== null) return { kind: 'opaque', tool, why: `${split.why}; the string names ${tool}`, words: ['env', ...args] };
        return { kind: 'none', why: split.why };
      }
      return envArgs([...split.words, ...args.slice(o.next)], st);
    }
  }
  let rest = args.slice(s.end);
  // A lone `-` is the old spelling of -i.
  if (rest[0] === '-') {
    clearEnv(st);
    rest = rest.slice(1);
  }
  const command = takeAssignments(rest, st);
  if (command.length === 0) return { kind: 'none', why: 'env without a command only prints the environment' };
  return { kind: 'next', words: command };
}
