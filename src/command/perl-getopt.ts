// Perl's Getopt::Long with its default configuration (permute, auto_abbrev, ignore_case, no
// bundling), as pg_ctlcluster uses it: `-force` and `--force` alike, unique prefixes, no clusters.

export interface PerlOption {
  /** Every spelling (`['m', 'mode']`); the first is the name reported. */
  names: readonly string[];
  takesValue: boolean;
}

export interface PerlScan {
  opts: Array<{ name: string; value: string | undefined }>;
  /** What is left in @ARGV: operands in order, then everything after `--`. */
  argv: string[];
  notes: string[];
}

/** Scans `args` the way GetOptions() would, leaving operands in `argv`. */
export function scanPerl(args: readonly string[], table: readonly PerlOption[]): PerlScan {
  const out: PerlScan = { opts: [], argv: [], notes: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.argv.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.argv.push(arg);
      continue;
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    const given = (eq < 0 ? body : body.slice(0, eq)).toLowerCase();
    const attached = eq < 0 ? undefined : body.slice(eq + 1);
    const opt = lookup(table, given, arg, out.notes);
    if (opt === null) continue;
    const name = opt.names[0]!;
    if (!opt.takesValue) {
      if (attached !== undefined) out.notes.push(`option ${arg} takes no value (pg_ctlcluster will refuse it)`);
      out.opts.push({ name, value: undefined });
    } else if (attached !== undefined) {
      out.opts.push({ name, value: attached });
    } else {
      // A mandatory value is the next word, whatever it looks like (even `--`).
      if (i + 1 >= args.length) out.notes.push(`option ${arg} needs a value`);
      out.opts.push({ name, value: args[i + 1] });
      i += 1;
    }
  }
  return out;
}

/** Exact spelling, else a prefix naming exactly one option. */
function lookup(table: readonly PerlOption[], given: string, arg: string, notes: string[]): PerlOption | null {
  const exact = table.find((o) => o.names.includes(given));
  if (exact) return exact;
  const hits = table.filter((o) => o.names.some((n) => n.startsWith(given)));
  if (hits.length === 1) return hits[0]!;
  notes.push(hits.length === 0 ? `unknown option ${arg} passed on unchanged` : `ambiguous option ${arg} (${hits.map((o) => o.names.at(-1)).join(', ')}) passed on unchanged`);
  return null;
}
