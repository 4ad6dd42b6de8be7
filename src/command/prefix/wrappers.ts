// Prefixes that only wrap the command they run: time, nice, ionice, nohup, command, exec,
// stdbuf, timeout, chrt, taskset, setsid, chroot. Each is an option table plus what it skips.
import { has, options, scan, type OptionTable, type Scan } from '../getopt.js';
import { programName } from '../words.js';
import { clearEnv, type PrefixHandler, type PrefixState, type Step } from './state.js';

interface Wrapper {
  table: OptionTable;
  /** Options with which nothing new runs (they print, or act on running processes). */
  nothing?: readonly string[];
  /** Operands before the command (timeout's DURATION, taskset's MASK ...). */
  skip?: (rest: string[]) => number;
  /** Effects of the options and skipped operands on what the command sees. */
  apply?: (s: Scan, skipped: string[], st: PrefixState) => void;
}

const HELP_VERSION = ['help', 'version'];

/** A handler for a wrapper: scan its options, skip its operands, run what follows. */
function wrapper(w: Wrapper): PrefixHandler {
  return (words, st): Step => {
    const name = programName(words[0]!);
    const args = words.slice(1);
    const s = scan(args, w.table);
    st.notes.push(...s.notes.map((n) => `${name}: ${n}`));
    const stop = (w.nothing ?? HELP_VERSION).find((o) => has(s, o));
    if (stop !== undefined) return { kind: 'none', why: `${name} ${stop.length === 1 ? '-' : '--'}${stop} runs no new command` };
    const rest = args.slice(s.end);
    const n = w.skip?.(rest) ?? 0;
    if (rest.length <= n) return { kind: 'none', why: `${name} runs no command` };
    w.apply?.(s, rest.slice(0, n), st);
    return { kind: 'next', words: rest.slice(n) };
  };
}

export const WRAPPERS: ReadonlyMap<string, PrefixHandler> = new Map([
  // GNU time; the shell keyword `time -p` reads the same way.
  ['time', wrapper({
    table: options({ short: 'ao:f:pqvV', long: ['append/a', 'output=/o', 'format=/f', 'portability/p', 'quiet/q', 'verbose/v', 'help', 'version/V'], stopAtOperand: true }),
    nothing: ['help', 'V'],
  })],
  ['nice', wrapper({
    // nice -5, nice --5, nice -+5: the old spelling of -n.
    table: options({ short: 'n:', long: ['adjustment=/n', 'help', 'version'], stopAtOperand: true, word: (a) => /^-[-+]?\d/.test(a) }),
  })],
  ['ionice', wrapper({
    table: options({ short: 'c:n:p:P:u:tVh', long: ['class=/c', 'classdata=/n', 'pid=/p', 'pgid=/P', 'uid=/u', 'ignore/t', 'help/h', 'version/V'], stopAtOperand: true }),
    nothing: ['p', 'P', 'u', 'h', 'V'],
  })],
  ['nohup', wrapper({ table: options({ short: '', long: HELP_VERSION, stopAtOperand: true }) })],
  ['command', wrapper({ table: options({ short: 'pvV', stopAtOperand: true }), nothing: ['v', 'V'] })],
  // The shell builtin: exec -c clears the environment, -a NAME only renames argv[0].
  ['exec', wrapper({
    table: options({ short: 'a:cl', stopAtOperand: true }),
    nothing: [],
    apply: (s, _skipped, st) => (has(s, 'c') ? clearEnv(st) : undefined),
  })],
  ['stdbuf', wrapper({ table: options({ short: 'i:o:e:', long: ['input=/i', 'output=/o', 'error=/e', ...HELP_VERSION], stopAtOperand: true }) })],
  ['timeout', wrapper({
    table: options({ short: 'k:s:v', long: ['kill-after=/k', 'signal=/s', 'foreground', 'preserve-status', 'verbose/v', ...HELP_VERSION], stopAtOperand: true }),
    skip: () => 1,
  })],
  ['chrt', wrapper({
    table: options({
      short: 'abdD:efhimoP:pRrT:vV',
      long: [
        'all-tasks/a', 'batch/b', 'deadline/d', 'ext/e', 'fifo/f', 'idle/i', 'max/m', 'other/o', 'pid/p', 'help/h', 'reset-on-fork/R',
        'rr/r', 'sched-runtime=/T', 'sched-period=/P', 'sched-deadline=/D', 'verbose/v', 'version/V',
      ],
      stopAtOperand: true,
    }),
    nothing: ['p', 'm', 'h', 'V'],
    // The priority may be left out for policies that have none.
    skip: (rest) => (/^[+-]?\d+$/.test(rest[0] ?? '') ? 1 : 0),
  })],
  ['taskset', wrapper({
    table: options({ short: 'acphV', long: ['all-tasks/a', 'cpu-list/c', 'pid/p', 'help/h', 'version/V'], stopAtOperand: true }),
    nothing: ['p', 'h', 'V'],
    skip: () => 1,
  })],
  ['setsid', wrapper({ table: options({ short: 'cfwhV', long: ['ctty/c', 'fork/f', 'wait/w', 'help/h', 'version/V'], stopAtOperand: true }), nothing: ['h', 'V'] })],
  ['chroot', wrapper({
    table: options({ short: '', long: ['userspec=', 'groups=', 'skip-chdir', ...HELP_VERSION], stopAtOperand: true }),
    skip: () => 1,
    apply: (_s, [root], st) => {
      st.hidden = `chroot ${root} runs the command inside another root`;
    },
  })],
]);
