// GNU env -S / --split-string: its own small language (coreutils env.c), read exactly or not at all.
// Blanks separate words; '…' is literal except \\ and \'; "…" and bare text take the escapes
// \" \' \\ \$ \# \_ \c \f \n \r \t \v; \_ separates words outside quotes and is a blank inside
// "…"; ${VAR} expands (an unset VAR to nothing); $X without braces, any other \X and an
// unterminated quote are errors (env exits 125, nothing runs); \c ends the string; a word
// starting with an unquoted # starts a comment.

export type EnvSplit =
  | { kind: 'words'; words: string[] }
  /** env itself rejects the string: nothing runs. */
  | { kind: 'error'; why: string }
  /** A ${VAR} whose value safeops cannot know (the environment is unknown). */
  | { kind: 'unknown'; why: string };

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', $: '$', '#': '#', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const BLANK = /[ \t\n\v\f\r]/;

/** Split `text` as GNU env -S does; `lookup` returns a variable's value, undefined (unset) or null (unknown). */
export function splitEnvString(text: string, lookup: (name: string) => string | undefined | null): EnvSplit {
  const words: string[] = [];
  let cur: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else if (c === '\\' && (text[i + 1] === '\\' || text[i + 1] === "'")) cur += text[++i]!;
      else cur += c;
      continue;
    }
    if (quote === null && BLANK.test(c)) {
      if (cur !== null) words.push(cur);
      cur = null;
      continue;
    }
    if (quote === null && c === '#' && cur === null) break;
    if (c === "'" || c === '"') {
      if (quote === c) quote = null;
      else if (quote === null) {
        quote = c;
        cur ??= '';
      } else cur = (cur ?? '') + c;
      continue;
    }
    if (c === '\\') {
      const n = text[i + 1];
      i++;
      if (n === undefined) return { kind: 'error', why: 'env -S: a backslash at the end of the string' };
      if (n === 'c') {
        if (quote !== null) return { kind: 'error', why: 'env -S: \\c inside quotes' };
        break;
      }
      if (n === '_') {
        if (quote === '"') cur = (cur ?? '') + ' ';
        else {
          if (cur !== null) words.push(cur);
          cur = null;
        }
        continue;
      }
      const e = ESCAPES[n];
      if (e === undefined) return { kind: 'error', why: `env -S: invalid sequence \\${n}` };
      cur = (cur ?? '') + e;
      continue;
    }
    if (c === '$') {
      const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i));
      if (m === null) return { kind: 'error', why: 'env -S: only ${VARNAME} expansion is supported' };
      const v = lookup(m[1]!);
      if (v === null) return { kind: 'unknown', why: `env -S expands \${${m[1]}} from an environment safeops cannot see` };
      cur = (cur ?? '') + (v ?? '');
      i += m[0].length - 1;
      continue;
    }
    cur = (cur ?? '') + c;
  }
  if (quote !== null) return { kind: 'error', why: 'env -S: an unterminated quote' };
  if (cur !== null) words.push(cur);
  return { kind: 'words', words };
}
