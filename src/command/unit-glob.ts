// fnmatch(3) as systemctl uses it for unit patterns (FNM_NOESCAPE): can a pattern match a unit?

type Token = { star: true } | { star: false; test: (c: string) => boolean };

/** Whether a word is a pattern for systemctl (it expands `*`, `?` and `[`). */
export function isUnitGlob(word: string): boolean {
  return /[*?[]/.test(word);
}

function compile(glob: string): Token[] {
  const chars = Array.from(glob);
  const out: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') out.push({ star: true });
    else if (c === '?') out.push({ star: false, test: () => true });
    else if (c === '[') {
      const cls = bracket(chars, i);
      if (cls === null) out.push({ star: false, test: (x) => x === '[' });
      else {
        out.push({ star: false, test: cls.test });
        i = cls.end;
      }
    } else out.push({ star: false, test: (x) => x === c });
  }
  return out;
}

/** A `[...]` class starting at `start`; named classes like [:alpha:] are taken as "any" (fail closed). */
function bracket(chars: string[], start: number): { test: (c: string) => boolean; end: number } | null {
  let i = start + 1;
  const negate = chars[i] === '!' || chars[i] === '^';
  if (negate) i++;
  const items: Array<(c: string) => boolean> = [];
  let first = true;
  for (; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === ']' && !first) {
      const test = (x: string): boolean => items.some((t) => t(x)) !== negate;
      return { test, end: i };
    }
    first = false;
    if (c === '[' && chars[i + 1] === ':') {
      const close = chars.indexOf(']', i + 2);
      if (close < 0) return null;
      items.push(() => true);
      i = close;
    } else if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
      const lo = c;
      const hi = chars[i + 2]!;
      items.push((x) => x >= lo && x <= hi);
      i += 2;
    } else items.push((x) => x === c);
  }
  return null;
}

function close(tokens: Token[], states: Set<number>): Set<number> {
  const out = new Set(states);
  for (const s of [...out].sort((a, b) => a - b)) {
    for (let j = s; j < tokens.length && tokens[j]!.star; j++) out.add(j + 1);
  }
  return out;
}

function step(tokens: Token[], states: Set<number>, c: string): Set<number> {
  const next = new Set<number>();
  for (const s of states) {
    const t = tokens[s];
    if (t === undefined) continue;
    if (t.star) next.add(s);
    else if (t.test(c)) next.add(s + 1);
  }
  return close(tokens, next);
}

function feed(tokens: Token[], states: Set<number>, text: string): Set<number> {
  let cur = states;
  for (const c of Array.from(text)) cur = step(tokens, cur, c);
  return cur;
}

/** Whether `glob` matches `name` exactly. */
export function globMatches(glob: string, name: string): boolean {
  const tokens = compile(glob);
  return feed(tokens, close(tokens, new Set([0])), name).has(tokens.length);
}

/** Whether `glob` matches some name that starts with `prefix` and ends with `suffix`. */
export function globCouldMatch(glob: string, prefix: string, suffix: string): boolean {
  const tokens = compile(glob);
  const afterPrefix = feed(tokens, close(tokens, new Set([0])), prefix);
  if (afterPrefix.size === 0) return false;
  // Any text may follow the prefix, and every token can consume some character: every later state is reachable.
  const lowest = Math.min(...afterPrefix);
  const middle = new Set<number>();
  for (let s = lowest; s <= tokens.length; s++) middle.add(s);
  return feed(tokens, middle, suffix).has(tokens.length);
}
