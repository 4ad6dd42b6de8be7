// Seeing through the prefixes operators type before a command (sudo, env, time, nice, sh -c, ...),
// recursively and in any combination, down to the command that really runs.
import type { Env } from './context.js';
import { unwrapEnv } from './prefix/env.js';
import { SHELLS, unwrapEval, unwrapShell } from './prefix/shell.js';
import { initialState, type PrefixHandler, type PrefixView } from './prefix/state.js';
import { unwrapSu } from './prefix/su.js';
import { unwrapDoas, unwrapSudo } from './prefix/sudo.js';
import { WRAPPERS } from './prefix/wrappers.js';
import { MORE_PREFIXES } from './prefix/more.js';
import { firstGuardedWord } from './shell-words.js';
import type { GuardedTool } from './types.js';
import { programName } from './words.js';

const HANDLERS: ReadonlyMap<string, PrefixHandler> = new Map<string, PrefixHandler>([
  ['sudo', unwrapSudo],
  ['sudoedit', unwrapSudo],
  ['doas', unwrapDoas],
  ['env', unwrapEnv],
  ['runuser', unwrapSu],
  ['su', unwrapSu],
  ['eval', unwrapEval],
  ...SHELLS.map((s): [string, PrefixHandler] => [s, unwrapShell]),
  ...WRAPPERS,
  ...MORE_PREFIXES,
]);

// Every prefix consumes at least its own word, so this only bounds absurd inputs.
const MAX_DEPTH = 64;

export interface Unwrapped extends PrefixView {
  /** The command after its prefixes ([] when nothing runs). */
  innerArgv: string[];
  /** Variables known to be set for it. */
  env: Env;
  /** Variables the prefixes set. */
  envOverrides: Record<string, string>;
  /** A shell script that runs a guarded tool safeops cannot see into. */
  opaque: { tool: GuardedTool; why: string } | null;
}

/** Peels prefixes off `argv` until a word that is not a prefix (the command), or until nothing runs. */
export function unwrapPrefixes(argv: string[], env: Env, homeOf?: (user: string) => string | null): Unwrapped {
  const st = initialState(env, homeOf);
  let words = argv;
  let opaque: Unwrapped['opaque'] = null;
  for (let depth = 0; words.length > 0; depth++) {
    const handler = HANDLERS.get(programName(words[0]!));
    if (handler === undefined) break;
    if (depth >= MAX_DEPTH) {
      const tool = firstGuardedWord(words.join(' '));
      if (tool !== null) opaque = { tool, why: `${MAX_DEPTH} nested prefixes before ${tool}: safeops does not read further` };
      break;
    }
    const step = handler(words, st);
    if (step.kind === 'none') {
      st.notes.push(step.why);
      words = [];
    } else if (step.kind === 'opaque') {
      opaque = { tool: step.tool, why: step.why };
      words = step.words;
      break;
    } else {
      words = step.words;
    }
  }
  return {
    innerArgv: [...words],
    env: Object.fromEntries(st.env),
    envOverrides: Object.fromEntries(st.overrides),
    envUnknown: st.envUnknown,
    envOpen: st.envOpen,
    cwd: st.cwd,
    cwdUnknown: st.cwdUnknown,
    hidden: st.hidden,
    notes: st.notes,
    opaque,
  };
}
