// confirm: asking the operator about a `confirm` verdict. --confirm=HOST without a question; else
// the Ink screen (loaded lazily by the edge); else, when it cannot start, the plain prompt. Both
// ask for the same answers, checked by the same rule (src/ui/answers.ts).
import fs from 'node:fs';
import type { ParsedCommand } from '../command/types.js';
import type { LoadedConfig } from '../config/schema.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import type { Verdict } from '../policy/types.js';
import { expectedAnswers } from '../ui/answers.js';
import { escapeText } from '../util/escape.js';
import { findStateDir } from '../util/state-dir.js';
import { colorLevel } from './color.js';
import type { GuardEdge } from './edge.js';
import { evaluate, touchedClusters, type Evaluation } from './evaluate.js';
import type { GuardRequest } from './guard.js';
import type { Answer } from './outcome.js';

export type Confirmation = { method: 'flag' | 'screen' | 'prompt' | 'none'; matched: boolean; typed: string[] };

export interface Confirmed {
  answer: Extract<Answer, 'confirmed' | 'declined' | 'interrupted' | 'no-terminal' | 'changed'>;
  confirmation: Confirmation;
  /** The verdict and facts in force when the question ended (the screen refreshes them). */
  verdict: Verdict;
  facts: HostFacts;
  /** The signal that interrupted the question, if any. */
  signal: string | null;
}

/** The answers the operator must type: the short host name, then (strong) each touched cluster's name. */
export function answersFor(verdict: Verdict, facts: HostFacts, shortHost: string): string[] {
  return expectedAnswers(verdict, shortHost, verdict.touched.map((d) => facts.clusters.find((c) => c.dataDir === d)?.name ?? d));
}

/** Ask the operator (screen, or plain prompt if the screen cannot start), or check --confirm. */
export async function confirm(req: GuardRequest, parsed: ParsedCommand, ev: Evaluation, loaded: LoadedConfig, edge: GuardEdge): Promise<Confirmed> {
  const asked = { verdict: ev.verdict, facts: ev.facts, signal: null };
  if (req.confirm !== null) {
    const matched = req.confirm === edge.shortHostname || req.confirm === edge.hostname;
    return { ...asked, answer: matched ? 'confirmed' : 'declined', confirmation: { method: 'flag', matched, typed: [req.confirm] } };
  }
  if (!edge.stdinIsTTY || !edge.stdoutIsTTY) return { ...asked, answer: 'no-terminal', confirmation: { method: 'none', matched: false, typed: [] } };
  // Before a restore: the tool's version and the backup's age (src/guard/restore-info.ts), read
  // in the background and shown from the screen's next refresh (never delaying the first frame).
  let restoreNotes: string[] = [];
  const restoreNotesP = parsed.tool === 'wal-g' || parsed.tool === 'pgbackrest'
    ? import('./restore-info.js').then((m) => m.restoreNotes(parsed, { env: edge.env, now: () => edge.now(), resolve: (n) => edge.resolveBinary(n, req.selfPath) })).then((n) => (restoreNotes = n), () => [])
    : null;
  const withNotes = (v: Verdict): Verdict => (restoreNotes.length ? { ...v, warnings: [...v.warnings, ...restoreNotes] } : v);
  const dryRunAbort = new AbortController();
  try {
    const result = await edge.screen({
      host: edge.hostname,
      shortHost: edge.shortHostname,
      argv: parsed.argv,
      verdict: ev.verdict,
      clusters: touchedClusters(ev.facts, ev.verdict),
      destroys: ev.destroys,
      refresh: async () => {
        const again = await evaluate(parsed, loaded, edge);
        return { verdict: withNotes(again.verdict), clusters: touchedClusters(again.facts, again.verdict) };
      },
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
        return runDryRun([edge.resolveBinary(argv[0]!, req.selfPath) ?? argv[0]!, ...argv.slice(1)], { timeoutMs: 60_000, signal: dryRunAbort.signal });
      },
      probeUpstream: async (host, port) => (await import('../facts/upstream.js')).probeUpstream(host, port, { timeoutMs: 1500 }),
      noColor: colorLevel(edge.env, true) === 0,
    });
    dryRunAbort.abort();
    const typed = 'typed' in result ? result.typed : [];
    const confirmation: Confirmation = { method: 'screen', matched: result.outcome === 'confirmed', typed };
    // Confirmed or refused: the verdict and clusters of the screen's last refresh are in force.
    if (result.outcome === 'confirmed' || result.outcome === 'refused') {
      const facts = { ...ev.facts, clusters: mergeClusters(ev.facts.clusters, result.clusters) };
      return { answer: result.outcome === 'confirmed' ? 'confirmed' : 'changed', confirmation, verdict: result.verdict, facts, signal: null };
    }
    return { ...asked, answer: result.outcome, confirmation, signal: 'signal' in result ? result.signal : null };
  } catch (e) {
    dryRunAbort.abort();
    edge.stderr(`safeops: the confirmation screen could not start (${escapeText((e as Error).message)}); asking plainly.\n`);
  }
  return askPlainly(parsed, ev, restoreNotesP ? await restoreNotesP.then(() => withNotes(ev.verdict)) : ev.verdict, edge);
}

/** The plain prompt: the verdict in words, then the same answers as the screen, one per line. */
async function askPlainly(parsed: ParsedCommand, ev: Evaluation, verdict: Verdict, edge: GuardEdge): Promise<Confirmed> {
  const [host, ...clusters] = answersFor(verdict, ev.facts, edge.shortHostname);
  const prompts = [{ question: `Type the host name (${escapeText(edge.shortHostname)}) to run it, anything else cancels: `, expected: host! }];
  for (const name of clusters) prompts.push({ question: `This is a strong confirmation. Type the cluster name (${escapeText(name)}): `, expected: name });
  const { formatVerdict } = await import('./report.js');
  const { withUpstreamWarnings } = await import('./upstream-warnings.js');
  const text = formatVerdict(await withUpstreamWarnings(verdict), { host: edge.hostname, argv: parsed.argv, level: colorLevel(edge.env, edge.stderrIsTTY), title: 'CONFIRM', detail: 'this is legal but dangerous.' });
  const r = await edge.ask(text, prompts);
  const typed = 'typed' in r ? r.typed : [];
  return { answer: r.outcome, confirmation: { method: 'prompt', matched: r.outcome === 'confirmed', typed }, verdict, facts: ev.facts, signal: 'signal' in r ? r.signal : null };
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
