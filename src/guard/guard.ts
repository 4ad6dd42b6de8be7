// A guarded command, start to end: parse, gather facts, decide, confirm, re-read, run, audit.
import fs from 'node:fs';
import path from 'node:path';
import { subtreeTargets } from '../facts/discover.js';
import type { GuardedTool, ParsedCommand } from '../command/types.js';
import { parseExec, parseGuarded, parseSudo } from '../command/parse.js';
import { formatConfigProblems, type LoadedConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { addSqlFacts, completeState, gatherFileFacts, snapshotProc } from '../facts/gather.js';
import { candidatesFromCommand, resolveCommand, resolveProtected } from '../facts/resolve.js';
import { elevationOf, factsForCommand } from '../facts/privileged.js';
import { trustFor } from '../facts/race.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { decide } from '../policy/decide.js';
import { homeDir } from '../facts/users.js';
import { touchedByPaths } from '../policy/touch.js';
import type { Verdict } from '../policy/types.js';
import { appendAudit, auditPath } from '../audit/log.js';
import { resolveBinary } from '../run/resolve-bin.js';
import { exitLike, runInherit } from '../run/spawn.js';
import { EXIT } from '../util/errors.js';
import { findStateDir } from '../util/state-dir.js';
import { trace } from '../util/trace.js';
import type { Edge } from '../util/edge.js';
import { colorLevel } from './color.js';
import { addCautionFacts } from './caution-facts.js';
import { escapeText, shellQuote } from '../util/escape.js';

export interface GuardRequest {
  mode: 'tool' | 'sudo' | 'exec';
  tool?: GuardedTool;
  args: string[];
  /** --confirm=HOST (or SAFEOPS_CONFIRM): a non-interactive confirmation. */
  confirm: string | null;
  /** Path of the running safeops (so a shim that is safeops is never taken for the real tool). */
  selfPath: string | null;
}

interface Evaluation {
  facts: HostFacts;
  verdict: Verdict;
  /** Canonical paths the command would delete or write into (shown and measured on the screen). */
  destroys: string[];
}

/** Facts + decision for a parsed command; SQL only for running clusters the command touches. */
export async function evaluate(parsed: ParsedCommand, loaded: LoadedConfig, edge: Edge): Promise<Evaluation> {
  if (parsed.ops.length === 0) {
    // Nothing destructive in the command line: no facts needed (the fast path).
    const facts: HostFacts = { hostname: edge.hostname, shortHostname: edge.shortHostname, clusters: [], unidentifiedPostmasters: [], observedAt: edge.now().toISOString(), problems: [] };
    return { facts, verdict: { kind: 'allow', strong: false, reasons: [], touched: [], warnings: [], promoteUpstreams: [], dryRunArgv: null }, destroys: [] };
  }
  trace('evaluate');
  const snap = snapshotProc();
  trace('proc snapshot');
  // A command that only names paths (rm, restores) needs the full state of the clusters it
  // touches only: the others are read as identity and footprint (their state stays unknown).
  const pathsOnly = parsed.ops.every((op) => op.type === 'remove' || op.type === 'write-into' || op.type === 'write' || op.type === 'wal-fetch');
  const extra = candidatesFromCommand(parsed, edge.cwd);
  let facts = gatherFileFacts({ config: loaded.config, edge, extra, state: !pathsOnly, probe: subtreeTargets(parsed.ops, parsed.cwd ? path.posix.resolve(edge.cwd, parsed.cwd) : edge.cwd) }, snap);
  trace('facts');
  // Whose directories are trusted not to be swapped under the command (docs/races.md).
  const trust = trustFor(edge.uid, process.getgid ? process.getgid() : 0, facts.clusters);
  let command = resolveCommand(parsed, facts, { cwd: edge.cwd, mounts: snap.mounts, trust });
  const elevated = elevationOf(parsed) !== null && edge.uid !== 0;
  if (pathsOnly) completeState(facts, [...touchedByPaths(command.ops, facts.clusters), ...(elevated ? facts.clusters.filter((c) => c.footprintGaps?.length).map((c) => c.dataDir) : [])], snap, edge.now());
  if (elevated) {
    // Whose view decides: through sudo/su/runuser/doas, the facts as root reads them (docs/privilege.md).
    const wide = factsForCommand(parsed, facts, { uid: edge.uid, userName: edge.userName, env: edge.env, cwd: edge.cwd, config: loaded.config, extra, mounts: snap.mounts, nowMs: edge.now().getTime(), interactive: edge.stdinIsTTY && edge.stderrIsTTY });
    if (wide.privileged) command = resolveCommand(parsed, (facts = wide.facts), { cwd: edge.cwd, mounts: snap.mounts, trust });
  }
  trace('resolved');
  const policy = { protect: resolveProtected(loaded.config.protect, snap.mounts), degraded: loaded.protectionDegraded ? loaded.problems : [] };
  let verdict = decide(command, facts, policy);
  trace('decided');
  const touched = new Set(verdict.touched);
  // Patroni and the watcher's fleet view, for the touched clusters only: they can only add caution.
  if (touched.size) {
    addCautionFacts(facts, touched, edge.env, edge.now().getTime());
    verdict = decide(command, facts, policy);
  }
  if (facts.clusters.some((c) => touched.has(c.dataDir) && c.running === true)) {
    await addSqlFacts(facts, (c) => touched.has(c.dataDir), loaded.config, edge.userName);
    verdict = decide(command, facts, policy);
  }
  const destroys = [...new Set(command.ops.flatMap((op) => (op.type === 'remove' || op.type === 'write-into' ? op.targets.filter((t) => t.exists).map((t) => t.real) : [])))];
  return { facts, verdict, destroys };
}

/** What the operator confirmed about each touched cluster: if it changes, the answer is void. */
export function stateKey(facts: HostFacts, dataDirs: string[]): string {
  return dataDirs
    .map((d) => facts.clusters.find((c) => c.dataDir === d))
    .map((c) => (c ? `${c.dataDir}=${String(c.running)}/${c.role}` : 'gone'))
    .sort()
    .join(';');
}

function touchedClusters(facts: HostFacts, v: Verdict): ClusterFacts[] {
  return facts.clusters.filter((c) => v.touched.includes(c.dataDir));
}

function parse(req: GuardRequest, env: NodeJS.ProcessEnv): ParsedCommand {
  if (req.mode === 'sudo') return parseSudo(req.args, env, homeDir);
  if (req.mode === 'exec') return parseExec(req.args, env, homeDir);
  return parseGuarded(req.tool!, req.args, env);
}

type Confirmation = { method: 'flag' | 'screen' | 'prompt' | 'none'; matched: boolean; typed: string[] };
type ConfirmOutcome = { outcome: 'confirmed' | 'declined' | 'interrupted' | 'refused'; confirmation: Confirmation; verdict: Verdict; facts: HostFacts; signal?: string | null };

/** Ask the operator (screen, or plain prompt if the screen cannot load), or check --confirm. */
async function confirm(req: GuardRequest, parsed: ParsedCommand, ev: Evaluation, loaded: LoadedConfig, edge: Edge): Promise<ConfirmOutcome> {
  if (req.confirm !== null) {
    const matched = req.confirm === edge.shortHostname || req.confirm === edge.hostname;
    return { outcome: matched ? 'confirmed' : 'declined', confirmation: { method: 'flag', matched, typed: [req.confirm] }, verdict: ev.verdict, facts: ev.facts };
  }
  if (!edge.stdinIsTTY || !edge.stdoutIsTTY) {
    return { outcome: 'refused', confirmation: { method: 'none', matched: false, typed: [] }, verdict: ev.verdict, facts: ev.facts };
  }
  // Before a restore: the tool's version and the backup's age (issue 11, src/guard/restore-info.ts),
  // read in the background and shown from the screen's next refresh (it never delays the first frame).
  let restoreNotes: string[] = [];
  const restoreNotesP = parsed.tool === 'wal-g' || parsed.tool === 'pgbackrest'
    ? import('./restore-info.js').then((m) => m.restoreNotes(parsed, { env: edge.env, now: () => new Date(), resolve: (n) => resolveBinary(n, edge.env, edge.cwd, req.selfPath) })).then((n) => (restoreNotes = n), () => [])
    : null;
  const withNotes = (v: Verdict): Verdict => (restoreNotes.length ? { ...v, warnings: [...v.warnings, ...restoreNotes] } : v);
  const refresh = async () => {
    const again = await evaluate(parsed, loaded, edge);
    return { verdict: withNotes(again.verdict), clusters: touchedClusters(again.facts, again.verdict) };
  };
  try {
    trace('ui import');
    const ui = await importWithoutFetch(() => import('../ui/run.js'));
    trace('ui imported');
    const dryRunAbort = new AbortController();
    const result = await ui.runConfirmation({
      host: edge.hostname,
      shortHost: edge.shortHostname,
      argv: parsed.argv,
      verdict: ev.verdict,
      clusters: touchedClusters(ev.facts, ev.verdict),
      destroys: ev.destroys,
      refresh,
      subscribe: (onChange) => watchStateDir(edge.env, onChange),
      // Helpers are imported when used: a screen for rm must not wait for execa or pg.
      measure: (paths, onProgress) => {
        let cancel: (() => void) | null = null;
        let cancelled = false;
        void import('../facts/size.js').then(({ measurePaths }) => {
          if (!cancelled) cancel = measurePaths(paths, onProgress);
        });
        return () => {
          cancelled = true;
          cancel?.();
        };
      },
      // The dry run uses the real binary, never a shim that would be safeops itself.
      dryRun: async (argv) => {
        const { runDryRun } = await import('../run/dry-run.js');
        return runDryRun([resolveBinary(argv[0]!, edge.env, edge.cwd, req.selfPath) ?? argv[0]!, ...argv.slice(1)], { timeoutMs: 60_000, signal: dryRunAbort.signal });
      },
      probeUpstream: async (host, port) => (await import('../facts/upstream.js')).probeUpstream(host, port, { timeoutMs: 1500 }),
      noColor: colorLevel(edge.env, true) === 0,
    });
    dryRunAbort.abort();
    const typed = 'typed' in result ? result.typed : [];
    if (result.outcome === 'confirmed') return { outcome: 'confirmed', confirmation: { method: 'screen', matched: true, typed }, verdict: result.verdict, facts: { ...ev.facts, clusters: mergeClusters(ev.facts.clusters, result.clusters) } };
    if (result.outcome === 'refused') return { outcome: 'refused', confirmation: { method: 'screen', matched: false, typed }, verdict: result.verdict, facts: { ...ev.facts, clusters: mergeClusters(ev.facts.clusters, result.clusters) } };
    return { outcome: result.outcome, confirmation: { method: 'screen', matched: false, typed }, verdict: ev.verdict, facts: ev.facts, signal: 'signal' in result ? result.signal : null };
  } catch (e) {
    process.stderr.write(`safeops: the confirmation screen could not start (${escapeText((e as Error).message)}); asking plainly.\n`);
  }
  const { askPlain } = await import('./confirm-plain.js');
  const { formatVerdict } = await import('./report.js');
  if (restoreNotesP) await restoreNotesP;
  ev = { ...ev, verdict: withNotes(ev.verdict) };
  const prompts = [{ question: `Type the host name (${escapeText(edge.shortHostname)}) to run it, anything else cancels: `, expected: edge.shortHostname }];
  if (ev.verdict.strong) for (const c of ev.verdict.touched.map((d) => ev.facts.clusters.find((x) => x.dataDir === d)).filter((x): x is ClusterFacts => !!x)) prompts.push({ question: `This is a strong confirmation. Type the cluster name (${escapeText(c.name)}): `, expected: c.name });
  const { withUpstreamWarnings } = await import('./upstream-warnings.js');
  const text = formatVerdict(await withUpstreamWarnings(ev.verdict), { host: edge.hostname, argv: parsed.argv, level: colorLevel(edge.env, edge.stderrIsTTY), title: 'CONFIRM', detail: 'this is legal but dangerous.' });
  const r = await askPlain(text, prompts);
  const typed = 'typed' in r ? r.typed : [];
  return { outcome: r.outcome, confirmation: { method: 'prompt', matched: r.outcome === 'confirmed', typed }, verdict: ev.verdict, facts: ev.facts, signal: 'signal' in r ? r.signal : null };
}

/**
 * Import with `fetch` hidden: Ink's layout engine (yoga) decodes its embedded WebAssembly through
 * fetch() of a data: URL when fetch exists, which loads undici and costs ~55 ms; without fetch
 * it decodes the same bytes directly. Restored right after.
 */
async function importWithoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    if (saved) Object.defineProperty(globalThis, 'fetch', saved);
    else delete (globalThis as { fetch?: unknown }).fetch;
  }
}

/** Push a refresh when the watcher publishes new state (its state.json is renamed into place). */
function watchStateDir(env: NodeJS.ProcessEnv, onChange: () => void): () => void {
  const dir = findStateDir(env);
  if (!dir) return () => undefined;
  try {
    const w = fs.watch(dir, (_event, name) => {
      if (name === 'state.json') onChange();
    });
    w.on('error', () => undefined);
    return () => w.close();
  } catch {
    return () => undefined;
  }
}

function mergeClusters(all: ClusterFacts[], fresh: ClusterFacts[]): ClusterFacts[] {
  return all.map((c) => fresh.find((f) => f.dataDir === c.dataDir) ?? c);
}

/** Roles of the touched clusters, for the audit log. */
function rolesSeen(facts: HostFacts, v: Verdict) {
  return touchedClusters(facts, v).map((c) => ({ cluster: c.name, dataDir: c.dataDir, running: c.running, role: c.role, source: c.roleSource, detail: c.roleDetail }));
}

/** `safeops explain CMD…`: the decision and its reasons, nothing run, nothing logged. */
export async function runExplain(req: GuardRequest & { json: boolean }, edge: Edge): Promise<number> {
  const loaded = loadConfig(edge.env);
  for (const line of formatConfigProblems(loaded)) process.stderr.write(escapeText(line) + '\n');
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

/** A unique id for the audit records of one decision (no crypto: it costs ~3 ms to load). */
function auditId(edge: Edge): string {
  return `${edge.now().getTime().toString(36)}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Run a guarded command to the end; returns the exit code (or exits like the child did). */
export async function runGuard(req: GuardRequest, edge: Edge): Promise<number> {
  trace('guard');
  const loaded = loadConfig(edge.env);
  for (const line of formatConfigProblems(loaded)) process.stderr.write(escapeText(line) + '\n');
  const parsed = parse(req, edge.env);
  trace('parsed');
  const id = auditId(edge);
  const logFile = auditPath(edge.env, loaded.config.audit.path, edge.uid);
  const base = { id, time: '', user: edge.userName, uid: edge.uid, sudoUser: edge.sudoUser, tty: edge.tty, cwd: edge.cwd, host: edge.hostname, argv: parsed.argv, tool: parsed.tool };
  /** Audit, fsynced; returns false when the log cannot be written. */
  const audit = (rec: Record<string, unknown>): boolean => {
    try {
      appendAudit(logFile, { ...base, time: edge.now().toISOString(), ...rec });
      return true;
    } catch (e) {
      process.stderr.write(`safeops: cannot write the audit log ${escapeText(logFile)}: ${escapeText((e as Error).message)}\n`);
      return false;
    }
  };
  const level = colorLevel(edge.env, edge.stderrIsTTY);
  const say = async (v: Verdict, title: string, detail: string) => {
    const { formatVerdict } = await import('./report.js');
    const { withUpstreamWarnings } = await import('./upstream-warnings.js');
    process.stderr.write(formatVerdict(await withUpstreamWarnings(v), { host: edge.hostname, argv: parsed.argv, level, title, detail }));
  };

  let ev = await evaluate(parsed, loaded, edge);
  let confirmation: Confirmation = { method: 'none', matched: false, typed: [] };
  const record = (decision: string, exitCode: number | null, v: Verdict, facts: HostFacts) =>
    audit({ event: 'decision', decision, strong: v.strong, reasons: v.reasons, roles: rolesSeen(facts, v), confirmation, exitCode, ran: exitCode === null });

  if (ev.verdict.kind === 'refuse') {
    await say(ev.verdict, 'REFUSED', 'nothing was run.');
    record('refuse', EXIT.refused, ev.verdict, ev.facts);
    return EXIT.refused;
  }
  let confirmedKey: string | null = null;
  if (ev.verdict.kind === 'confirm') {
    const c = await confirm(req, parsed, ev, loaded, edge);
    confirmation = c.confirmation;
    if (c.outcome !== 'confirmed') {
      const code = c.outcome === 'interrupted' ? EXIT.interrupted : c.outcome === 'declined' ? EXIT.declined : EXIT.refused;
      if (c.outcome === 'refused' && c.confirmation.method === 'none')
        await say(c.verdict, 'REFUSED', `this needs a typed confirmation and there is no terminal; nothing was run.\n  To confirm from a script, add ${shellQuote(`--confirm=${edge.shortHostname}`)} (or ${shellQuote(`SAFEOPS_CONFIRM=${edge.shortHostname}`)}).`);
      else if (c.outcome === 'refused') await say(c.verdict, 'REFUSED', 'the facts changed while the confirmation was open; nothing was run.');
      else process.stderr.write(`safeops: ${c.outcome === 'declined' ? 'not confirmed' : 'interrupted'} — nothing was run on ${escapeText(edge.hostname)}.\n`);
      record(c.outcome === 'refused' ? 'refuse' : c.outcome, code, c.verdict, c.facts);
      // After a hang-up the terminal is gone: leave by the signal itself (Node 20 can abort while
      // restoring a vanished tty at a normal exit), so nothing else is attempted.
      if (c.outcome === 'interrupted' && c.signal === 'SIGHUP') {
        process.removeAllListeners('SIGHUP');
        process.kill(process.pid, 'SIGHUP');
      }
      return code;
    }
    ev = { verdict: c.verdict, facts: c.facts, destroys: ev.destroys };
    confirmedKey = stateKey(ev.facts, ev.verdict.touched);
  }

  // Re-read the facts right before running: a role may have changed while the operator read.
  if (ev.verdict.touched.length || confirmedKey !== null) {
    const again = await evaluate(parsed, loaded, edge);
    const changed = confirmedKey !== null && stateKey(again.facts, again.verdict.touched) !== confirmedKey;
    if (again.verdict.kind === 'refuse' || changed || (again.verdict.kind === 'confirm' && confirmedKey === null)) {
      if (again.verdict.kind === 'refuse') await say(again.verdict, 'REFUSED', 'the facts changed just before running; nothing was run.');
      else await say(again.verdict, 'NOT RUN', 'the facts changed after your confirmation; nothing was run. Run the command again.');
      const code = again.verdict.kind === 'refuse' ? EXIT.refused : EXIT.declined;
      record(again.verdict.kind === 'refuse' ? 'refuse' : 'declined', code, again.verdict, again.facts);
      return code;
    }
    ev = again;
  }

  const innerEnv = { ...edge.env };
  const name = parsed.argv[0]!;
  const versions = touchedClusters(ev.facts, ev.verdict).map((c) => c.version).filter((v): v is string => v !== null);
  const file = resolveBinary(name, edge.env, edge.cwd, req.selfPath, versions);
  trace('binary');
  if (!file) {
    process.stderr.write(`safeops: ${escapeText(name)}: command not found on PATH (safeops' own shims excluded)\n`);
    record(ev.verdict.kind, 127, ev.verdict, ev.facts);
    return 127;
  }
  // Anything that touched a cluster or was confirmed is recorded (fsynced) before it runs, then
  // its exit; a harmless command (allowed, no cluster touched) gets no record.
  const harmless = ev.verdict.kind === 'allow' && ev.verdict.touched.length === 0;
  if (!harmless) {
    const wrote = record(ev.verdict.kind === 'confirm' ? 'confirmed' : 'allow', null, ev.verdict, ev.facts);
    if (!wrote && ev.verdict.kind === 'confirm') {
      process.stderr.write('safeops: refusing a confirmed command without an audit record; fix the audit log path (SAFEOPS_AUDIT_LOG).\n');
      return EXIT.refused;
    }
  }
  trace('spawn');
  const result = await runInherit(file, parsed.argv, { env: innerEnv });
  trace('child exited');
  if (result.error) process.stderr.write(`safeops: ${escapeText(String(result.error))}\n`);
  // A harmless command (allowed, touching no cluster or protected path) is not audited: the
  // shells' fast path runs the same commands without safeops and writes nothing either
  // (docs/fast-path.md "Audit").
  if (!harmless) audit({ event: 'exit', exitCode: result.code, signal: result.signal });
  trace('audited');
  exitLike(result);
}
