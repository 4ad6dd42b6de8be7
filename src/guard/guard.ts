// A guarded command, top to bottom: evaluate (parse, plan the facts, gather them once, decide),
// confirm, read the facts again, look the outcome up in one table, run, audit. runGuard returns
// how to leave ({code, signal}); only main exits. All I/O goes through the edge (./edge.ts), so
// tests drive this in-process with a fake one. The design: docs/guard-flow.md.
import type { GuardedTool, ParsedCommand } from '../command/types.js';
import { formatConfigProblems, type LoadedConfig } from '../config/schema.js';
import type { Verdict } from '../policy/types.js';
import { auditPath } from '../audit/log.js';
import { EXIT } from '../util/errors.js';
import { trace } from '../util/trace.js';
import { escapeText, shellQuote } from '../util/escape.js';
import { colorLevel } from './color.js';
import { confirm, type Confirmation } from './confirm.js';
import type { GuardEdge } from './edge.js';
import { evaluate, parse, rolesSeen, stateKey, touchedClusters } from './evaluate.js';
import { outcome, sayText, type Answer, type Say } from './outcome.js';

export interface GuardRequest {
  mode: 'tool' | 'sudo' | 'exec';
  tool?: GuardedTool;
  args: string[];
  /** --confirm=HOST (or SAFEOPS_CONFIRM): a non-interactive confirmation. */
  confirm: string | null;
  /** Path of the running safeops (so a shim that is safeops is never taken for the real tool). */
  selfPath: string | null;
}

/**
 * How the wrapper leaves: `code`, or die by `signal` when set (the signal that killed the child,
 * or the hang-up that ended the question); main falls back to `code` (128+N) when it cannot.
 */
export interface GuardExit {
  code: number;
  signal: NodeJS.Signals | null;
}

const NOT_ASKED: Confirmation = { method: 'none', matched: false, typed: [] };

/** Run a guarded command to the end; never exits the process. */
export async function runGuard(req: GuardRequest, edge: GuardEdge): Promise<GuardExit> {
  trace('guard');
  // The shells' fast path, for a `safeops rm` that did not take it in a shell (docs/fast-path.md):
  // the watcher's footprint says every operand is surely outside every cluster and protected path.
  if (req.mode === 'tool' && req.tool === 'rm' && edge.surelyHarmlessRm(req.args)) {
    trace('fast path');
    const file = edge.resolveBinary('rm', req.selfPath);
    if (file) {
      const result = await edge.run(file, ['rm', ...req.args], { ...edge.env });
      if (result.error) edge.stderr(`safeops: ${escapeText(String(result.error))}\n`);
      return { code: result.code, signal: result.signal };
    }
  }
  const loaded = configOf(edge);
  const parsed = parse(req, edge.env);
  trace('parsed');
  const log = auditTrail(edge, loaded, parsed);

  // 1. evaluate: parse, plan, gather, decide.
  let ev = await evaluate(parsed, loaded, edge);

  // 2. confirm: only a `confirm` verdict asks.
  let answer: Answer = 'none';
  let confirmation = NOT_ASKED;
  let signal: string | null = null;
  if (ev.verdict.kind === 'confirm') {
    const c = await confirm(req, parsed, ev, loaded, edge);
    ({ answer, confirmation, signal } = c);
    ev = { ...ev, verdict: c.verdict, facts: c.facts };
  }

  // 3. Read the facts again right before running: a role may have changed while the operator
  // read. What was confirmed must still hold; what was allowed must still be allowed.
  let o = outcome(ev.verdict.kind, answer);
  if (o.runs && (ev.verdict.touched.length || answer === 'confirmed')) {
    const again = await evaluate(parsed, loaded, edge);
    const moved = answer === 'confirmed' ? stateKey(again.facts, again.verdict.touched) !== stateKey(ev.facts, ev.verdict.touched) : again.verdict.kind === 'confirm';
    if (again.verdict.kind === 'refuse' || moved) answer = 'stale';
    ev = again;
    o = outcome(ev.verdict.kind, answer);
  }

  // 4. The outcome: nothing runs, or the command runs.
  const record = (decision: string, exitCode: number | null) =>
    log({ event: 'decision', decision, strong: ev.verdict.strong, reasons: ev.verdict.reasons, roles: rolesSeen(ev.facts, ev.verdict), confirmation, exitCode, ran: exitCode === null });
  if (!o.runs) {
    await tell(edge, parsed, ev.verdict, o.say);
    record(o.decision, o.code);
    // After a hang-up the terminal is gone: main leaves by the signal itself (Node 20 can abort
    // while restoring a vanished tty at a normal exit), so nothing else is attempted.
    return { code: o.code, signal: answer === 'interrupted' && signal === 'SIGHUP' ? 'SIGHUP' : null };
  }

  const name = parsed.argv[0]!;
  const versions = touchedClusters(ev.facts, ev.verdict).map((c) => c.version).filter((v): v is string => v !== null);
  const file = edge.resolveBinary(name, req.selfPath, versions);
  trace('binary');
  if (!file) {
    edge.stderr(`safeops: ${escapeText(name)}: command not found on PATH (safeops' own shims excluded)\n`);
    record(ev.verdict.kind, 127);
    return { code: 127, signal: null };
  }
  // Anything that touched a cluster or was confirmed is recorded (fsynced) before it runs, then
  // its exit. A harmless command (allowed, touching no cluster or protected path) gets no record:
  // the shells' fast path runs the same commands without safeops and writes nothing either
  // (docs/fast-path.md "Audit").
  const harmless = o.audit === 'unless-harmless' && ev.verdict.touched.length === 0;
  if (!harmless && !record(o.decision, null) && o.audit === 'required') {
    edge.stderr('safeops: refusing a confirmed command without an audit record; fix the audit log path (SAFEOPS_AUDIT_LOG).\n');
    return { code: EXIT.refused, signal: null };
  }
  trace('spawn');
  const result = await edge.run(file, parsed.argv, { ...edge.env });
  trace('child exited');
  if (result.error) edge.stderr(`safeops: ${escapeText(String(result.error))}\n`);
  if (!harmless) log({ event: 'exit', exitCode: result.code, signal: result.signal });
  trace('audited');
  return { code: result.code, signal: result.signal };
}

/** `safeops explain CMD…`: the decision and its reasons, nothing run, nothing logged. */
export async function runExplain(req: GuardRequest & { json: boolean }, edge: GuardEdge): Promise<number> {
  const loaded = configOf(edge);
  const parsed = parse(req, edge.env);
  const ev = await evaluate(parsed, loaded, edge);
  if (req.json) {
    process.stdout.write(JSON.stringify({ argv: parsed.argv, tool: parsed.tool, notes: parsed.notes, verdict: ev.verdict, destroys: ev.destroys, roles: rolesSeen(ev.facts, ev.verdict) }, null, 2) + '\n');
    return EXIT.ok;
  }
  const { formatVerdict } = await import('./report.js');
  const title = ev.verdict.kind === 'allow' ? 'ALLOW' : ev.verdict.kind === 'confirm' ? (ev.verdict.strong ? 'CONFIRM (strong)' : 'CONFIRM') : 'REFUSE';
  const detail = ev.verdict.kind === 'allow' ? 'safeops would run it at once.' : ev.verdict.kind === 'confirm' ? 'safeops would ask for the host name first.' : 'safeops would refuse it.';
  const { withUpstreamWarnings } = await import('./upstream-warnings.js');
  process.stdout.write(formatVerdict(await withUpstreamWarnings(ev.verdict), { host: edge.hostname, argv: parsed.argv, level: colorLevel(edge.env, edge.stdoutIsTTY), title, detail }));
  for (const n of parsed.notes) process.stdout.write(`  note: ${escapeText(n)}\n`);
  return EXIT.ok;
}

/** The configuration; its problems are said on stderr (escaped: they quote host files). */
function configOf(edge: GuardEdge): LoadedConfig {
  const loaded = edge.loadConfig();
  for (const line of formatConfigProblems(loaded)) edge.stderr(escapeText(line) + '\n');
  return loaded;
}

/** Tell the operator why nothing ran: the verdict with its reasons, or one line. */
async function tell(edge: GuardEdge, parsed: ParsedCommand, v: Verdict, say: Say): Promise<void> {
  const text = sayText(say, escapeText(edge.hostname), edge.shortHostname, shellQuote);
  if ('line' in text) return edge.stderr(`safeops: ${text.line}\n`);
  const { formatVerdict } = await import('./report.js');
  const { withUpstreamWarnings } = await import('./upstream-warnings.js');
  edge.stderr(formatVerdict(await withUpstreamWarnings(v), { host: edge.hostname, argv: parsed.argv, level: colorLevel(edge.env, edge.stderrIsTTY), ...text }));
}

/** A unique id for the audit records of one decision (no crypto: it costs ~3 ms to load). */
function auditId(edge: GuardEdge): string {
  return `${edge.now().getTime().toString(36)}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The audit records of one decision, fsynced; a write returns false when the log cannot be written. */
function auditTrail(edge: GuardEdge, loaded: LoadedConfig, parsed: ParsedCommand): (rec: Record<string, unknown>) => boolean {
  const file = auditPath(edge.env, loaded.config.audit.path, edge.uid);
  const base = { id: auditId(edge), time: '', user: edge.userName, uid: edge.uid, sudoUser: edge.sudoUser, tty: edge.tty, cwd: edge.cwd, host: edge.hostname, argv: parsed.argv, tool: parsed.tool };
  return (rec) => {
    try {
      edge.appendAudit(file, { ...base, time: edge.now().toISOString(), ...rec });
      return true;
    } catch (e) {
      edge.stderr(`safeops: cannot write the audit log ${escapeText(file)}: ${escapeText((e as Error).message)}\n`);
      return false;
    }
  };
}
