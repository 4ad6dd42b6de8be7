// pg_ctlcluster (Debian postgresql-common): which cluster it stops or promotes, and how hard.
import type { ToolContext, ToolResult } from './context.js';
import { allValues, scan } from './getopt.js';
import { scanPerl, type PerlOption, type PerlScan } from './perl-getopt.js';
import { PG_CTL_OPTIONS, harsher, stopMode } from './pg-ctl-shared.js';
import type { ClusterRef, StopMode } from './types.js';

const OPTIONS: readonly PerlOption[] = [
  { names: ['o', 'options'], takesValue: true },
  { names: ['f', 'force'], takesValue: false },
  { names: ['m', 'mode'], takesValue: true },
  { names: ['foreground'], takesValue: false },
  { names: ['skip-systemctl-redirect'], takesValue: false },
  { names: ['stdlog'], takesValue: false },
  { names: ['bindir'], takesValue: true },
];

// pg_ctlcluster matches these regexes against @ARGV joined with spaces; Perl's `$` also
// matches before a final newline, and \d / \s are ASCII on its byte strings.
const V = '([0-9]+\\.?[0-9])';
const C = `([^'"\\t\\n\\v\\f\\r ]+)`;
const A = '(start|stop|restart|reload|status|promote)';
const END = '(?=\\n?$)';
const FORMS: ReadonlyArray<{ re: RegExp; words: number; order: readonly ['v' | 'c' | 'a', 'v' | 'c' | 'a', 'v' | 'c' | 'a'] }> = [
  { re: new RegExp(`^${V} ${C} ${A}${END}`), words: 3, order: ['v', 'c', 'a'] },
  { re: new RegExp(`^${A} ${V} ${C}${END}`), words: 3, order: ['a', 'v', 'c'] },
  { re: new RegExp(`^${V}[-/]${C} ${A}${END}`), words: 2, order: ['v', 'c', 'a'] },
  { re: new RegExp(`^${A} ${V}[-/]${C}${END}`), words: 2, order: ['a', 'v', 'c'] },
];

interface Positionals {
  version: string;
  name: string;
  action: string;
  /** What pg_ctlcluster hands to pg_ctl (`-- -m immediate`). */
  pgCtlArgs: string[];
}

/** Parses `pg_ctlcluster ARGS` in any of its four positional forms. */
export function parsePgCtlcluster(args: string[], _ctx: ToolContext): ToolResult {
  const perl = scanPerl(args, OPTIONS);
  const notes = [...perl.notes];
  const pos = positionals(perl.argv);
  if (pos === null) {
    notes.push('pg_ctlcluster: no <version> <cluster> <action> found (it will print its usage and do nothing)');
    return { ops: [], notes };
  }
  if (pos.action !== 'stop' && pos.action !== 'restart' && pos.action !== 'promote') return { ops: [], notes };
  const tail = scan(pos.pgCtlArgs, PG_CTL_OPTIONS);
  notes.push(...tail.notes.map((n) => `pg_ctl options: ${n}`));
  // A -D among the pg_ctl options comes after pg_ctlcluster's own -D, so pg_ctl acts on it.
  const refs: ClusterRef[] = [{ kind: 'debian', version: pos.version, name: pos.name }, ...allValues(tail, 'D').map((path): ClusterRef => ({ kind: 'path', path }))];
  if (pos.action === 'promote') return { ops: [{ type: 'promote', refs }], notes };
  const mode = shutdownMode(perl, allValues(tail, 'm'), notes);
  return { ops: [{ type: 'stop', refs, mode, restart: pos.action === 'restart' }], notes };
}

/** The first of the four forms that matches the start of @ARGV. */
function positionals(argv: string[]): Positionals | null {
  for (const form of FORMS) {
    if (argv.length < form.words) continue;
    const m = form.re.exec(argv.slice(0, form.words).join(' '));
    if (m === null) continue;
    const got: Record<string, string> = {};
    form.order.forEach((k, i) => (got[k] = m[i + 1]!));
    return { version: got.v!, name: got.c!, action: got.a!, pgCtlArgs: argv.slice(form.words) };
  }
  return null;
}

/** -m (default fast); --force ends in immediate; a -m among the pg_ctl options counts too (the harshest wins). */
function shutdownMode(perl: PerlScan, pgCtlModes: string[], notes: string[]): StopMode {
  const judge = (word: string): StopMode => {
    const m = stopMode(word);
    if (m === null) notes.push(`unrecognised shutdown mode ${JSON.stringify(word)} (refused by pg_ctlcluster/pg_ctl); judged as immediate`);
    return m ?? 'immediate';
  };
  const given = perl.opts.filter((o) => o.name === 'm' && o.value !== undefined).at(-1)?.value;
  let mode = given === undefined ? 'fast' : judge(given);
  for (const word of pgCtlModes) mode = harsher(mode, judge(word));
  // --force: "does not shutdown gracefully, now stopping immediately".
  if (perl.opts.some((o) => o.name === 'f')) mode = 'immediate';
  return mode;
}
