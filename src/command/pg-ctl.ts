// pg_ctl: which cluster a stop, restart, promote or kill acts on.
import type { ToolContext, ToolResult } from './context.js';
import { has, lastValue, scan, type Scan } from './getopt.js';
import { PG_CTL_OPTIONS, stopMode } from './pg-ctl-shared.js';
import type { ClusterRef, StopMode } from './types.js';

const MODES = new Set(['init', 'initdb', 'start', 'stop', 'restart', 'reload', 'status', 'promote', 'logrotate', 'kill', 'register', 'unregister']);
import { signalName } from './signals.js';

/** Parses `pg_ctl ARGS` (options before or after the mode, as glibc's getopt permutes them). */
export function parsePgCtl(args: string[], ctx: ToolContext): ToolResult {
  const s = scan(args, PG_CTL_OPTIONS);
  const notes = [...s.notes];
  if (has(s, '?', 'V')) return { ops: [], notes: [...notes, 'pg_ctl --help / --version acts on no cluster'] };
  const at = s.operands.findIndex((w) => MODES.has(w));
  if (at < 0) {
    notes.push(s.operands.length > 0 ? `pg_ctl: unrecognised mode ${JSON.stringify(s.operands[0])} (pg_ctl will refuse it)` : 'pg_ctl without a mode does nothing');
    return { ops: [], notes };
  }
  const mode = s.operands[at]!;
  if (mode === 'kill') return { ops: killOps(s.operands.slice(at + 1), notes), notes };
  if (mode !== 'stop' && mode !== 'restart' && mode !== 'promote') return { ops: [], notes };
  const ref = dataDirRef(s, ctx, notes);
  if (ref === null) return { ops: [], notes };
  if (mode === 'promote') return { ops: [{ type: 'promote', refs: [ref] }], notes };
  return { ops: [{ type: 'stop', refs: [ref], mode: shutdownMode(s, notes), restart: mode === 'restart' }], notes };
}

/** The data directory: the last -D, else $PGDATA (unknown when the environment is). */
function dataDirRef(s: Scan, ctx: ToolContext, notes: string[]): ClusterRef | null {
  const d = lastValue(s, 'D');
  if (d !== undefined) return { kind: 'path', path: d };
  const env = ctx.env.PGDATA;
  if (env !== undefined && env !== '') return { kind: 'path', path: env };
  if (ctx.envUnknown) return { kind: 'unknown', why: 'pg_ctl without -D uses $PGDATA from an environment safeops cannot see' };
  notes.push('pg_ctl has neither -D nor $PGDATA: it will refuse to run');
  return null;
}

/** The last -m (pg_ctl's default is fast); a mode pg_ctl would reject is judged as immediate. */
function shutdownMode(s: Scan, notes: string[]): StopMode {
  const m = lastValue(s, 'm');
  if (m === undefined) return 'fast';
  const mode = stopMode(m);
  if (mode !== null) return mode;
  notes.push(`pg_ctl: unrecognised shutdown mode ${JSON.stringify(m)} (pg_ctl will refuse it); judged as immediate`);
  return 'immediate';
}

/** `kill SIGNAL PID`: a kill op, except for reload-like signals. */
function killOps(rest: string[], notes: string[]): ToolResult['ops'] {
  const [signal, pidWord] = rest;
  if (signal === undefined || pidWord === undefined) {
    notes.push('pg_ctl kill needs a signal and a pid: it will refuse to run');
    return [];
  }
  // pg_ctl accepts ABRT HUP INT KILL QUIT TERM USR1 USR2 (and refuses anything else).
  const name = signalName(signal.replace(/^\d+$/, 'x')) ?? 'KILL';
  // pg_ctl reads the pid with atol(): leading blanks and digits count, the rest is ignored.
  const m = /^\s*([+-]?\d+)/.exec(pidWord);
  if (m === null) {
    notes.push(`pg_ctl kill: ${JSON.stringify(pidWord)} is not a pid`);
    return [];
  }
  const pid = Number(m[1]);
  if (pid <= 0) return [{ type: 'kill', refs: [{ kind: 'unknown', why: `pg_ctl kill ${signal} ${pidWord} signals a whole process group` }], signal }];
  // issue 9 item 7: what the signal means depends on whether the pid is a postmaster or a backend (src/facts/targets.ts).
  return [{ type: 'signal', targets: [{ kind: 'pid', pid }], signal: name, tool: 'pg_ctl kill' }];
}
