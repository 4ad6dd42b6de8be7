// kill(1) (procps and the shells' builtin), pkill(1) (procps), killall(1) (psmisc): which
// processes get which signal. The processes are found by the facts layer (src/facts/targets.ts).
import type { ToolContext, ToolResult } from './context.js';
import { looseScan } from './loose-options.js';
import { signalName } from './signals.js';
import type { ProcTarget } from './types.js';

/** `kill [-s SIG | -SIG | -n NUM] [--] PID|-PGID|NAME...`; `kill -l`, `kill -L` list only. */
export function parseKill(args: string[], _ctx: ToolContext): ToolResult {
  const notes: string[] = [];
  let signal = 'TERM';
  let sawSignal = false;
  const targets: ProcTarget[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (['-l', '-L', '--list', '--table', '-p', '--pid', '--help', '--version', '-V'].includes(a) || a.startsWith('--list=')) {
      return { ops: [], notes: [`kill ${a} sends no signal`] };
    }
    if (a === '-s' || a === '-n' || a === '--signal' || a.startsWith('--signal=')) {
      const v = a.startsWith('--signal=') ? a.slice(9) : args[++i];
      const s = v === undefined ? null : signalName(v);
      if (s === null) notes.push(`kill: ${JSON.stringify(v ?? '')} is not a signal (kill will refuse it); judged as KILL`);
      signal = s ?? 'KILL';
      sawSignal = true;
      continue;
    }
    if (a === '-q' || a === '--queue') {
      i += 1;
      continue;
    }
    if (a === '--timeout') {
      // --timeout MS SIGNAL: a follow-up signal after a delay; judged as the worse of the two.
      const follow = signalName(args[i + 2] ?? '');
      i += 2;
      if (follow !== null) signal = worse(signal, follow);
      continue;
    }
    if (a === '-a' || a === '--all' || a === '-r' || a === '--require-handler' || a === '--verbose') continue;
    if (!a.startsWith('-') || a === '-') break;
    if (!sawSignal && signalName(a.slice(1)) !== null) {
      signal = signalName(a.slice(1))!;
      sawSignal = true;
      continue;
    }
    if (!sawSignal && (a[1] === 's' || a[1] === 'n') && signalName(a.slice(2)) !== null) {
      signal = signalName(a.slice(2))!;
      sawSignal = true;
      continue;
    }
    // After the signal, -N is a process group.
    if (/^-\d+$/.test(a)) break;
    notes.push(`kill: unknown option ${a}`);
  }
  for (const a of args.slice(i)) {
    const t = procWord(a, notes);
    if (t !== null) targets.push(t);
  }
  if (targets.length === 0) return { ops: [], notes: [...notes, 'kill names no process'] };
  return { ops: [{ type: 'signal', targets, signal, tool: 'kill' }], notes };
}

const ORDER = ['0', 'HUP', 'USR1', 'TERM', 'INT', 'QUIT', 'KILL'];
function worse(a: string, b: string): string {
  const ra = ORDER.indexOf(a);
  const rb = ORDER.indexOf(b);
  if (ra < 0) return a;
  if (rb < 0) return b;
  return ra >= rb ? a : b;
}

/** A pid word: N, -N (a process group), -1 (every process), %job (the caller's shell only), a name. */
function procWord(a: string, notes: string[]): ProcTarget | null {
  if (/^\d+$/.test(a)) {
    const pid = Number(a);
    if (pid === 0) {
      notes.push('kill 0 signals the caller\'s own process group');
      return null;
    }
    return { kind: 'pid', pid };
  }
  if (/^-\d+$/.test(a)) return { kind: 'group', pgid: Number(a.slice(1)) === 1 ? -1 : Number(a.slice(1)) };
  if (a.startsWith('%')) {
    notes.push(`kill ${a}: a job of the calling shell, not a process safeops can see`);
    return null;
  }
  // procps/util-linux kill also take a process name.
  return { kind: 'name', pattern: a, full: false, exact: true, regex: false, ignoreCase: false, invert: false };
}

const PKILL_VALUE = new Set(['g', 'G', 'P', 's', 't', 'u', 'U', 'F', 'L', 'r', 'q', 'pgroup', 'group', 'parent', 'session', 'terminal', 'euid', 'uid', 'pidfile', 'logpidfile', 'runstates', 'queue', 'signal', 'ns', 'nslist', 'cgroup', 'env', 'delimiter', 'older', 'O', 'd']);
const PKILL_LONG: Readonly<Record<string, string>> = {
  full: 'f', exact: 'x', 'ignore-case': 'i', inverse: 'v', newest: 'n', oldest: 'o', echo: 'e', count: 'c', pidfile: 'F', signal: 'signal',
  pgroup: 'g', group: 'G', parent: 'P', session: 's', terminal: 't', euid: 'u', uid: 'U', logpidfile: 'L', runstates: 'r', queue: 'q',
  ns: 'ns', nslist: 'nslist', cgroup: 'cgroup', env: 'env', older: 'O', 'ignore-ancestors': 'A', 'require-handler': 'H', help: 'help', version: 'V', 'list-name': 'l', 'list-full': 'a', lightweight: 'w', delimiter: 'd',
};

/** `pkill [-SIG] [options] [PATTERN]`. */
export function parsePkill(args: string[], _ctx: ToolContext): ToolResult {
  const notes: string[] = [];
  let signal = 'TERM';
  const pidfiles: string[] = [];
  let filters = 0;
  let rest = args;
  // `pkill -9`, `pkill -KILL`: only as the first word (no signal name is a single letter).
  if (rest[0] !== undefined && /^-[^-]/.test(rest[0]) && signalName(rest[0].slice(1)) !== null) {
    signal = signalName(rest[0].slice(1))!;
    rest = rest.slice(1);
  }
  const { flags, values, operands } = looseScan(rest, {
    long: (long) => PKILL_LONG[long] ?? Object.entries(PKILL_LONG).find(([k]) => k.startsWith(long))?.[1],
    value: (name) => PKILL_VALUE.has(name),
    unknown: (a) => notes.push(`pkill: unknown option ${a}`),
  });
  for (const [name, value] of values) {
    if (name === 'signal') signal = (value !== undefined ? signalName(value) : null) ?? 'KILL';
    else if (name === 'F' && value !== undefined) pidfiles.push(value);
    else if (name !== 'q' && name !== 'd' && name !== 'L') filters++;
  }
  if (flags.has('help') || flags.has('V')) return { ops: [], notes: ['pkill --help / --version signals nothing'] };
  const targets: ProcTarget[] = pidfiles.map((path) => ({ kind: 'pidfile', path }));
  const pattern = operands[0];
  if (pattern !== undefined || (pidfiles.length === 0 && filters > 0)) {
    // Without a pattern, the filters (-u, -P ...) alone choose: judged as every process.
    targets.push({ kind: 'name', pattern: pattern ?? '', full: flags.has('f'), exact: flags.has('x'), regex: true, ignoreCase: flags.has('i'), invert: flags.has('v') });
  }
  if (targets.length === 0) return { ops: [], notes: [...notes, 'pkill names no process (it will refuse to run)'] };
  return { ops: [{ type: 'signal', targets, signal, tool: 'pkill' }], notes };
}

/** `killall [-SIG | -s SIG] [-e] [-I] [-r] [-u USER] ... NAME...` (psmisc). */
export function parseKillall(args: string[], _ctx: ToolContext): ToolResult {
  const notes: string[] = [];
  let signal = 'TERM';
  const flags = new Set<string>();
  const names: string[] = [];
  let user = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      names.push(...args.slice(i + 1));
      break;
    }
    const long: Readonly<Record<string, string>> = { '--signal': 's', '--user': 'u', '--context': 'Z', '--ns': 'n', '--older-than': 'o', '--younger-than': 'y', '--exact': 'e', '--ignore-case': 'I', '--regexp': 'r', '--list': 'l', '--version': 'V', '--help': 'h', '--interactive': 'i', '--process-group': 'g', '--quiet': 'q', '--verbose': 'v', '--wait': 'w' };
    const eq = a.indexOf('=');
    const key = long[eq < 0 ? a : a.slice(0, eq)];
    if (key !== undefined) {
      if ('suZnoy'.includes(key)) {
        const v = eq < 0 ? args[++i] : a.slice(eq + 1);
        if (key === 's') signal = (v === undefined ? null : signalName(v)) ?? 'KILL';
        if (key === 'u') user = true;
      } else flags.add(key);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const s = signalName(a.slice(1));
      if (s !== null) {
        signal = s;
        continue;
      }
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if ('suZnoy'.includes(c)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (c === 's') signal = (v === undefined ? null : signalName(v)) ?? 'KILL';
          if (c === 'u') user = true;
          break;
        }
        flags.add(c);
      }
      continue;
    }
    names.push(a);
  }
  if (flags.has('l') || flags.has('V') || flags.has('h')) return { ops: [], notes: ['killall -l / -V / --help signals nothing'] };
  const regex = flags.has('r');
  const targets: ProcTarget[] = names.map((n) => ({ kind: 'name', pattern: n, full: false, exact: !regex, regex, ignoreCase: flags.has('I'), invert: false }));
  // killall -u USER without a name: every process of that user.
  if (names.length === 0 && user) targets.push({ kind: 'name', pattern: '', full: false, exact: false, regex: true, ignoreCase: false, invert: false });
  if (targets.length === 0) return { ops: [], notes: [...notes, 'killall names no process'] };
  return { ops: [{ type: 'signal', targets, signal, tool: 'killall' }], notes };
}
