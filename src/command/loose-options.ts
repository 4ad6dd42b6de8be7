// A permissive option walk for tools whose whole option table safeops does not keep (rsync,
// pkill): all it needs to know is which options take a value, so that a value is never read as
// an operand. Clusters (`-av`), attached values (`-e ssh`, `-essh`, `--rsh=ssh`) and `--`.

export interface LooseSpec {
  /** The name a long option is reported under (pkill's `--full` is `f`), or undefined when unknown. Default: as typed. */
  long?: (name: string) => string | undefined;
  /** Whether an option (by its reported name) takes a value. */
  value: (name: string, long: boolean) => boolean;
  /** An unknown long option (skipped, its value too if `=value`). */
  unknown?: (word: string) => void;
}

export interface LooseScan {
  flags: Set<string>;
  /** Options with a value, in order; undefined when the value word is missing at the end. */
  values: Array<[string, string | undefined]>;
  operands: string[];
}

/** Walks `args`: options before, between and after operands (GNU permutation), operands after `--`. */
export function looseScan(args: readonly string[], spec: LooseSpec): LooseScan {
  const out: LooseScan = { flags: new Set(), values: [], operands: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const typed = a.slice(2, eq < 0 ? undefined : eq);
      const name = spec.long ? spec.long(typed) : typed;
      if (name === undefined) spec.unknown?.(a);
      else if (spec.value(name, true)) out.values.push([name, eq < 0 ? args[++i] : a.slice(eq + 1)]);
      else out.flags.add(name);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (spec.value(c, false)) {
          out.values.push([c, j + 1 < a.length ? a.slice(j + 1) : args[++i]]);
          break;
        }
        out.flags.add(c);
      }
      continue;
    }
    out.operands.push(a);
  }
  return out;
}
