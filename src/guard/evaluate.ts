// evaluate: parse, plan the facts the command needs, gather them once, decide (pure).
import type { ParsedCommand } from '../command/types.js';
import { parseExec, parseGuarded, parseSudo } from '../command/parse.js';
import type { LoadedConfig } from '../config/schema.js';
import { homeDir } from '../facts/users.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { decide } from '../policy/decide.js';
import type { Verdict } from '../policy/types.js';
import { trace } from '../util/trace.js';
import type { GuardEdge } from './edge.js';
import { planFacts } from './facts.js';
import type { GuardRequest } from './guard.js';

export interface Evaluation {
  facts: HostFacts;
  verdict: Verdict;
  /** Canonical paths the command would delete or write into (shown and measured on the screen). */
  destroys: string[];
}

/** The command line as the guarded tool (or sudo, or exec) reads it. Pure. */
export function parse(req: GuardRequest, env: NodeJS.ProcessEnv): ParsedCommand {
  if (req.mode === 'sudo') return parseSudo(req.args, env, homeDir);
  if (req.mode === 'exec') return parseExec(req.args, env, homeDir);
  return parseGuarded(req.tool!, req.args, env);
}

/** Facts + decision for a parsed command. Called again to re-read before running. */
export async function evaluate(parsed: ParsedCommand, loaded: LoadedConfig, edge: GuardEdge): Promise<Evaluation> {
  const plan = planFacts(parsed, edge.uid);
  const { command, facts, policy } = await edge.gather(parsed, plan, loaded);
  const verdict = decide(command, facts, policy);
  if (!plan.none) trace('decided');
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

export function touchedClusters(facts: HostFacts, v: Verdict): ClusterFacts[] {
  return facts.clusters.filter((c) => v.touched.includes(c.dataDir));
}

/** Roles of the touched clusters, for the audit log. */
export function rolesSeen(facts: HostFacts, v: Verdict) {
  return touchedClusters(facts, v).map((c) => ({ cluster: c.name, dataDir: c.dataDir, running: c.running, role: c.role, source: c.roleSource, detail: c.roleDetail }));
}
