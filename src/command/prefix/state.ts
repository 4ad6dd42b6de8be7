// What a command's prefixes build up for the command they run: its environment, its working
// directory, and what safeops can no longer see.
import path from 'node:path';
import type { Env } from '../context.js';
import type { GuardedTool } from '../types.js';

/** What the prefixes leave known about the command they run (kept while peeling, reported by unwrapPrefixes). */
export interface PrefixView {
  /** Some prefix made the environment unknown (reported; sticks once set). */
  envUnknown: boolean;
  /** The environment is unknown now: a variable absent from `env` may still be set (env -i after sudo -i makes it known again). */
  envOpen: boolean;
  cwd: string | null;
  /** Why the inner command's working directory cannot be known (sudo -i, su -), or null. */
  cwdUnknown: string | null;
  /** Why the inner command sees other paths than ours (a chroot), or null. */
  hidden: string | null;
  notes: string[];
}

export interface PrefixState extends PrefixView {
  /** Variables known to be set for the inner command. */
  env: Map<string, string>;
  /** Variables the prefixes set (since the environment was last reset). */
  overrides: Map<string, string>;
  /** A user's home directory (from /etc/passwd, passed in by the caller), or null: login shells start there. */
  homeOf: (user: string) => string | null;
}

/** What a prefix handler decides: the words that run next, nothing at all, or a script safeops cannot see into. */
export type Step =
  | { kind: 'next'; words: string[] }
  | { kind: 'none'; why: string }
  | { kind: 'opaque'; tool: GuardedTool; why: string; words: string[] };

/** A prefix (sudo, env, sh -c ...): `words[0]` is the prefix as typed. */
export type PrefixHandler = (words: string[], st: PrefixState) => Step;

export function initialState(env: Env, homeOf: (user: string) => string | null = () => null): PrefixState {
  const known = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) if (v !== undefined) known.set(k, v);
  return { env: known, overrides: new Map(), envUnknown: false, envOpen: false, cwd: null, cwdUnknown: null, hidden: null, notes: [], homeOf };
}

export function setVar(st: PrefixState, name: string, value: string): void {
  st.env.set(name, value);
  st.overrides.set(name, value);
}

export function unsetVar(st: PrefixState, name: string): void {
  st.env.delete(name);
  st.overrides.delete(name);
}

/** `env -i`, `exec -c`: the command starts from an empty, fully known environment. */
export function clearEnv(st: PrefixState): void {
  st.env.clear();
  st.overrides.clear();
  st.envOpen = false;
}

/** A login shell or startup file may set anything: only variables set after this point are known. */
export function loseEnv(st: PrefixState, why: string): void {
  st.env.clear();
  st.overrides.clear();
  st.envUnknown = true;
  st.envOpen = true;
  st.notes.push(why);
}

/** A login shell of `user` starts in its home: relative paths are taken from there (unknown home: opaque). */
export function loginHome(st: PrefixState, user: string | undefined, why: string): void {
  const home = user === undefined || user.startsWith('#') ? null : st.homeOf(user);
  if (home !== null && home.startsWith('/')) {
    st.cwd = home;
    st.cwdUnknown = null;
    st.notes.push(`${why}: ${home}`);
  } else {
    st.cwdUnknown = why;
  }
}

/** `env -C DIR`, `sudo -D DIR`: a relative DIR is taken lexically against the outer one. */
export function chdir(st: PrefixState, dir: string): void {
  if (dir.startsWith('/')) {
    st.cwd = dir;
    st.cwdUnknown = null;
  } else {
    st.cwd = st.cwd === null ? dir : path.posix.join(st.cwd, dir);
  }
}

/** Leading `NAME=value` words (sudo, env) set variables; returns the words after them. */
export function takeAssignments(words: string[], st: PrefixState): string[] {
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    if (eq <= 0) break;
    setVar(st, w.slice(0, eq), w.slice(eq + 1));
  }
  return words.slice(i);
}
