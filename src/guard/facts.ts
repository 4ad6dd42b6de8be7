// The guard's facts: which ones a command needs (the plan, pure) and reading them (the real
// gatherer, all the I/O of one decision). Each fact is read once per evaluation.
import path from 'node:path';
import type { Command, ParsedCommand } from '../command/types.js';
import type { LoadedConfig } from '../config/schema.js';
import { subtreeTargets } from '../facts/discover.js';
import { addSqlFacts, completeState, gatherFileFacts, snapshotProc } from '../facts/gather.js';
import { elevationOf, factsForCommand } from '../facts/privileged.js';
import { trustFor } from '../facts/race.js';
import { candidatesFromCommand, resolveCommand, resolveProtected } from '../facts/resolve.js';
import type { HostFacts } from '../facts/types.js';
import type { PolicyConfig } from '../policy/decide.js';
import { touchedBy } from '../policy/scope.js';
import { touchedByPaths } from '../policy/touch.js';
import type { Edge } from '../util/edge.js';
import { trace } from '../util/trace.js';
import { addCautionFacts } from './caution-facts.js';

/** What a command needs to be judged. */
export interface FactsPlan {
  /** Nothing destructive on the command line: no facts at all (the fast path). */
  none: boolean;
  /**
   * 'all': every cluster's state (running, role). 'touched': a command that only names paths
   * (rm, restores) reads the others as identity and footprint only; their state stays unknown.
   */
  state: 'all' | 'touched';
  /** Through sudo/su/runuser/doas by a non-root user: the facts as root reads them (docs/privilege.md). */
  privileged: boolean;
  // Always, for the touched clusters only: Patroni and the watcher's fleet view (they only add
  // caution), and SQL for the running ones.
}

/** The facts `parsed` needs, from its ops alone (pure). */
export function planFacts(parsed: ParsedCommand, uid: number): FactsPlan {
  const pathsOnly = parsed.ops.every((op) => op.type === 'remove' || op.type === 'write-into' || op.type === 'write' || op.type === 'wal-fetch');
  return { none: parsed.ops.length === 0, state: pathsOnly ? 'touched' : 'all', privileged: elevationOf(parsed) !== null && uid !== 0 };
}

/** What the decision is taken on: the resolved command, the host's facts, the policy's inputs. */
export interface Gathered {
  command: Command;
  facts: HostFacts;
  policy: PolicyConfig;
}

/** The facts of no cluster at all, for a command with nothing destructive in it. */
export function noFacts(parsed: ParsedCommand, edge: Pick<Edge, 'hostname' | 'shortHostname' | 'now' | 'cwd'>, loaded: LoadedConfig): Gathered {
  const facts: HostFacts = { hostname: edge.hostname, shortHostname: edge.shortHostname, clusters: [], unidentifiedPostmasters: [], observedAt: edge.now().toISOString(), problems: [] };
  return { command: { parsed, ops: [], cwd: edge.cwd }, facts, policy: { protect: [], degraded: loaded.protectionDegraded ? loaded.problems : [] } };
}

/** The real gatherer: reads what `plan` asks for, in one pass (SQL only for touched running clusters). */
export async function gatherFacts(parsed: ParsedCommand, plan: FactsPlan, loaded: LoadedConfig, edge: Edge): Promise<Gathered> {
  if (plan.none) return noFacts(parsed, edge, loaded);
  trace('evaluate');
  const snap = snapshotProc();
  trace('proc snapshot');
  const extra = candidatesFromCommand(parsed, edge.cwd);
  let facts = gatherFileFacts({ config: loaded.config, edge, extra, state: plan.state === 'all', probe: subtreeTargets(parsed.ops, parsed.cwd ? path.posix.resolve(edge.cwd, parsed.cwd) : edge.cwd) }, snap);
  trace('facts');
  // Whose directories are trusted not to be swapped under the command (docs/races.md).
  const trust = trustFor(edge.uid, process.getgid ? process.getgid() : 0, facts.clusters);
  let command = resolveCommand(parsed, facts, { cwd: edge.cwd, mounts: snap.mounts, trust });
  if (plan.state === 'touched') completeState(facts, [...touchedByPaths(command.ops, facts.clusters), ...(plan.privileged ? facts.clusters.filter((c) => c.footprintGaps?.length).map((c) => c.dataDir) : [])], snap, edge.now());
  if (plan.privileged) {
    const wide = factsForCommand(parsed, facts, { uid: edge.uid, userName: edge.userName, env: edge.env, cwd: edge.cwd, config: loaded.config, extra, mounts: snap.mounts, nowMs: edge.now().getTime(), interactive: edge.stdinIsTTY && edge.stderrIsTTY });
    if (wide.privileged) command = resolveCommand(parsed, (facts = wide.facts), { cwd: edge.cwd, mounts: snap.mounts, trust });
  }
  trace('resolved');
  const policy: PolicyConfig = { protect: resolveProtected(loaded.config.protect, snap.mounts), degraded: loaded.protectionDegraded ? loaded.problems : [] };
  const touched = new Set(touchedBy(command, facts, policy));
  if (touched.size) addCautionFacts(facts, touched, edge.env, edge.now().getTime());
  if (facts.clusters.some((c) => touched.has(c.dataDir) && c.running === true)) await addSqlFacts(facts, (c) => touched.has(c.dataDir), loaded.config, edge.userName);
  return { command, facts, policy };
}
