// Reading shell command strings (`sh -c STRING`, `env -S STRING`) without a shell: only when
// their meaning is certain, and otherwise only looking for the tools they mention.
import { GUARDED_TOOLS, type GuardedTool } from './types.js';
import { guardedToolOf } from './words.js';

export interface ShellWord {
  /** The word after quote removal. */
  value: string;
  /** The word as written (quotes kept), to tell `A=b` assignments and reserved words. */
  raw: string;
}

const PLAIN_CHAR = /^[\p{L}\p{N}/._\-=:,+@%~]$/u;

/**
 * The words of `script` when every word is plain: letters, digits, `/._-=:,+@%~`, single-quoted
 * parts (literal), and double-quoted parts without `$`, backticks or backslashes. Anything else (operators, expansions, globs,
 * newlines, a `~` the shell would expand) makes the meaning uncertain: null.
 */
export function splitPlain(script: string): ShellWord[] | null {
  const chars = Array.from(script);
  const words: ShellWord[] = [];
  let cur: ShellWord | null = null;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === ' ' || c === '\t') {
      if (cur !== null) words.push(cur);
      cur = null;
      continue;
    }
    cur ??= { value: '', raw: '' };
    if (c === "'" || c === '"') {
      const close = chars.indexOf(c, i + 1);
      if (close < 0) return null;
      const inner = chars.slice(i + 1, close).join('');
      // Single quotes are literal in sh; inside double quotes $ ` \ would still be interpreted.
      if (c === '"' && /[$`\\]/.test(inner)) return null;
      cur.value += inner;
      cur.raw += c + inner + c;
      i = close;
      continue;
    }
    if (!PLAIN_CHAR.test(c)) return null;
    // Tilde expansion happens at the start of a word and after `=` or `:` in assignments.
    if (c === '~' && (cur.raw === '' || /[=:]$/.test(cur.raw))) return null;
    cur.value += c;
    cur.raw += c;
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** The first word of a script (split at blanks and shell operators) that runs a guarded tool. */
export function firstGuardedWord(script: string): GuardedTool | null {
  for (const token of script.split(/[\s;&|()<>`{}$]+/)) {
    const tool = guardedToolOf(token.replace(/['"\\]/g, ''));
    if (tool !== null) return tool;
  }
  // A name glued to escapes or other words (`rm\_-rf` for env -S, `x=rm`): any guarded name between
  // non-word characters, with quotes dropped and backslashes read both as nothing and as a break.
  const unquoted = script.replace(/['"]/g, '');
  for (const text of [unquoted.replace(/\\/g, ''), unquoted.replace(/\\/g, ' '), unquoted.replace(/\\_/g, ' ').replace(/\\/g, '')]) {
    const m = GUARDED_NAME.exec(text);
    if (m !== null) return guardedToolOf(m[2]!);
  }
  return null;
}

const GUARDED_NAME = new RegExp(
  `(^|[^A-Za-z0-9_.+-])(${[...GUARDED_TOOLS].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^$()|[\]\\-]/g, '\\$&')).join('|')}|mkfs\\.[A-Za-z0-9_]+)(?![A-Za-z0-9_.+-])`,
);

/** `env -S STRING`: blanks separate words, quotes group them (GNU env's escapes are not interpreted). */
export function splitLoosely(text: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  let quote: string | null = null;
  for (const c of text) {
    if (quote !== null) {
      if (c === quote) quote = null;
      else cur = (cur ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur ??= '';
    } else if (/\s/.test(c)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}
