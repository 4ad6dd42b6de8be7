// A table-driven scanner with GNU getopt_long(3) semantics: the one place that knows how
// options are spelled (clusters, attached values, `--name=value`, unique long prefixes, `--`).

export type ArgMode = 'none' | 'required' | 'optional';

export interface OptionSpec {
  /** getopt(3) letters: `rf` are flags, `D:` takes a value, `h::` takes an attached value only. */
  short: string;
  /** Long names: `force` is a flag, `pgdata=` takes a value, `interactive?` takes `=value` only; `/x` reports it as option `x`. */
  long?: readonly string[];
  /** Stop at the first operand (getopt's leading `+`) instead of permuting operands past options. */
  stopAtOperand?: boolean;
  /** Words taken whole as one option and reported under their own spelling (nice's `-5`). */
  word?: (arg: string) => boolean;
  /** For an optional-value short option standing alone: whether the next word is its value (sudo's `-h host`). */
  nextIsValue?: (name: string, next: string) => boolean;
}

interface LongDef {
  name: string;
  mode: ArgMode;
  as: string;
}

export interface OptionTable {
  spec: OptionSpec;
  short: ReadonlyMap<string, ArgMode>;
  long: readonly LongDef[];
}

export interface Opt {
  /** The short letter, or the long name (or its `/x` alias). */
  name: string;
  value: string | undefined;
  /** Index of the word holding the option. */
  index: number;
  /** Index of the first word after this option and its value. */
  next: number;
}

export interface Scan {
  opts: Opt[];
  operands: string[];
  notes: string[];
  /** For a scan that stops at operands: index of the first operand (the command). Else args.length. */
  end: number;
}

/** Compiles an option spec once (at module load) for scan(). */
export function options(spec: OptionSpec): OptionTable {
  const short = new Map<string, ArgMode>();
  const letters = spec.short;
  for (let i = 0; i < letters.length; i++) {
    const c = letters[i]!;
    if (letters[i + 1] === ':' && letters[i + 2] === ':') {
      short.set(c, 'optional');
      i += 2;
    } else if (letters[i + 1] === ':') {
      short.set(c, 'required');
      i += 1;
    } else {
      short.set(c, 'none');
    }
  }
  const long = (spec.long ?? []).map(compileLong);
  return { spec, short, long };
}

function compileLong(text: string): LongDef {
  const slash = text.indexOf('/');
  const head = slash < 0 ? text : text.slice(0, slash);
  const last = head.at(-1);
  const mode: ArgMode = last === '=' ? 'required' : last === '?' ? 'optional' : 'none';
  const name = mode === 'none' ? head : head.slice(0, -1);
  return { name, mode, as: slash < 0 ? name : text.slice(slash + 1) };
}

/** Scans `args` (argv without argv[0]) the way getopt_long would. */
export function scan(args: readonly string[], table: OptionTable): Scan {
  const out: Scan = { opts: [], operands: [], notes: [], end: args.length };
  const stop = table.spec.stopAtOperand === true;
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === '--') {
      if (stop) out.end = i + 1;
      else out.operands.push(...args.slice(i + 1));
      return out;
    }
    if (table.spec.word?.(arg)) {
      out.opts.push({ name: arg, value: undefined, index: i, next: i + 1 });
      i += 1;
    } else if (arg.startsWith('--')) {
      i = scanLong(args, i, table, out);
    } else if (arg.startsWith('-') && arg.length > 1) {
      i = scanShort(args, i, table, out);
    } else if (stop) {
      out.end = i;
      return out;
    } else {
      out.operands.push(arg);
      i += 1;
    }
  }
  return out;
}

type LongMatch = { def: LongDef } | { ambiguous: string[] } | null;

/** getopt_long's lookup: an exact name, else a unique prefix (prefixes of one option's aliases are not ambiguous). */
export function findLong(table: OptionTable, name: string): LongMatch {
  const exact = table.long.find((d) => d.name === name);
  if (exact) return { def: exact };
  const hits = table.long.filter((d) => d.name.startsWith(name));
  if (hits.length === 0) return null;
  const first = hits[0]!;
  if (hits.every((d) => d.as === first.as && d.mode === first.mode)) return { def: first };
  return { ambiguous: hits.map((d) => `--${d.name}`) };
}

function scanLong(args: readonly string[], i: number, table: OptionTable, out: Scan): number {
  const arg = args[i]!;
  const body = arg.slice(2);
  const eq = body.indexOf('=');
  const name = eq < 0 ? body : body.slice(0, eq);
  const attached = eq < 0 ? undefined : body.slice(eq + 1);
  const match = findLong(table, name);
  if (match === null) {
    out.notes.push(`unknown option ${arg} passed on unchanged`);
    return i + 1;
  }
  if ('ambiguous' in match) {
    out.notes.push(`ambiguous option --${name} (${match.ambiguous.join(', ')}) passed on unchanged`);
    return i + 1;
  }
  const { def } = match;
  if (def.mode === 'required' && attached === undefined) {
    if (i + 1 >= args.length) out.notes.push(`option --${def.name} needs a value`);
    out.opts.push({ name: def.as, value: args[i + 1], index: i, next: Math.min(i + 2, args.length) });
    return i + 2;
  }
  if (def.mode === 'none' && attached !== undefined) out.notes.push(`option --${def.name} takes no value`);
  out.opts.push({ name: def.as, value: attached, index: i, next: i + 1 });
  return i + 1;
}

function scanShort(args: readonly string[], i: number, table: OptionTable, out: Scan): number {
  const arg = args[i]!;
  for (let j = 1; j < arg.length; j++) {
    const c = arg[j]!;
    const mode = table.short.get(c);
    if (mode === undefined) {
      out.notes.push(`unknown option -${c} (in ${arg}) passed on unchanged`);
      continue;
    }
    if (mode === 'none') {
      out.opts.push({ name: c, value: undefined, index: i, next: i + 1 });
      continue;
    }
    const rest = arg.slice(j + 1);
    if (rest !== '') {
      out.opts.push({ name: c, value: rest, index: i, next: i + 1 });
      return i + 1;
    }
    const next = args[i + 1];
    const takesNext = next !== undefined && (mode === 'required' || table.spec.nextIsValue?.(c, next) === true);
    if (mode === 'required' && next === undefined) out.notes.push(`option -${c} needs a value`);
    out.opts.push({ name: c, value: takesNext ? next : undefined, index: i, next: takesNext ? i + 2 : i + 1 });
    return takesNext ? i + 2 : i + 1;
  }
  return i + 1;
}

/** Whether an option named `name` (or any of `names`) was given. */
export function has(s: Scan, ...names: string[]): boolean {
  return s.opts.some((o) => names.includes(o.name));
}

/** The value of the last option named `name` (getopt programs let the last one win). */
export function lastValue(s: Scan, ...names: string[]): string | undefined {
  let v: string | undefined;
  for (const o of s.opts) if (names.includes(o.name) && o.value !== undefined) v = o.value;
  return v;
}

/** Every value given for options named `names`, in order. */
export function allValues(s: Scan, ...names: string[]): string[] {
  return s.opts.filter((o) => names.includes(o.name) && o.value !== undefined).map((o) => o.value!);
}
