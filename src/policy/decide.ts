// decide(command, facts, config): the decision table of docs/design.md §2 as a pure function.
import type { Command, OfflineKind, ResolvedOp, ResolvedPath, ResolvedRef } from '../command/types.js';
import type { ConfigProblem } from '../config/schema.js';
import type { ResolvedProtect } from '../facts/resolve.js';
import type { ClusterFacts, FootprintEntry, HostFacts } from '../facts/types.js';
import type { ClusterState, Reason, Row, Verdict, VerdictKind } from './types.js';
import { touchedEntries, touchesPlace } from './touch.js';
import { cautions } from './caution.js';
import { nextStep, relation, verb } from './explain.js';
import { clusterLabel, clusterState, howKnown, roleWords } from './words.js';
import { EXTRA_ROWS, signalRow } from './rows-extra.js';

/** What decide() needs of the configuration (protected paths already resolved). */
export interface PolicyConfig {
  protect: ResolvedProtect[];
  /** Config problems that may hide protection: allowed rm/restore become confirmations. */
  degraded: ConfigProblem[];
}

interface Cell {
  verdict: VerdictKind;
  strong?: boolean;
}

/** docs/design.md §2, row by column. "—" cells (nothing to stop) are allow: the tool itself reports it. */
const TABLE: Record<Row, Record<ClusterState, Cell>> = {
  remove: { 'running-primary': { verdict: 'refuse' }, 'running-standby': { verdict: 'refuse' }, 'stopped-standby': { verdict: 'confirm' }, stopped: { verdict: 'confirm', strong: true }, unknown: { verdict: 'refuse' } },
  'write-into': { 'running-primary': { verdict: 'refuse' }, 'running-standby': { verdict: 'refuse' }, 'stopped-standby': { verdict: 'confirm' }, stopped: { verdict: 'confirm' }, unknown: { verdict: 'refuse' } },
  stop: { 'running-primary': { verdict: 'confirm' }, 'running-standby': { verdict: 'allow' }, 'stopped-standby': { verdict: 'allow' }, stopped: { verdict: 'allow' }, unknown: { verdict: 'confirm' } },
  'stop-hard': { 'running-primary': { verdict: 'confirm', strong: true }, 'running-standby': { verdict: 'confirm' }, 'stopped-standby': { verdict: 'allow' }, stopped: { verdict: 'allow' }, unknown: { verdict: 'confirm' } },
  promote: { 'running-primary': { verdict: 'allow' }, 'running-standby': { verdict: 'confirm' }, 'stopped-standby': { verdict: 'confirm' }, stopped: { verdict: 'allow' }, unknown: { verdict: 'confirm' } },
  ...EXTRA_ROWS,
};

const RANK: Record<VerdictKind, number> = { allow: 0, confirm: 1, refuse: 2 };

interface Acc {
  reasons: Reason[];
  strong: boolean;
  touched: Set<string>;
  warnings: string[];
  promoteUpstreams: Verdict['promoteUpstreams'];
  dryRunArgv: string[] | null;
  /** The replication set as the watcher saw it (state.json): only adds caution. */
  fleet?: HostFacts['fleet'];
}

/** Apply the table to every cluster an op touches. */
function judgeCluster(acc: Acc, row: Row, c: ClusterFacts, what: string, host: string): VerdictKind {
  const state = clusterState(c);
  let cell = TABLE[row][state];
  // A stopped restore-in-progress is what operators clean up: confirmed, never "the only copy".
  if (row === 'remove' && state === 'stopped' && c.restoreInProgress === true) cell = { verdict: 'confirm' };
  acc.touched.add(c.dataDir);
  // Patroni and the rest of the replication set (src/policy/caution.ts): only ever stricter.
  let extra: VerdictKind = 'allow';
  for (const k of cautions(row, c, what, acc.fleet, host)) {
    acc.reasons.push(k.reason);
    if (k.strong) acc.strong = true;
    if (RANK[k.reason.verdict] > RANK[extra]) extra = k.reason.verdict;
  }
  if (cell.verdict === 'allow') return extra;
  if (cell.strong) acc.strong = true;
  acc.reasons.push({ verdict: cell.verdict, cluster: c.name, dataDir: c.dataDir, state, role: roleWords(c), how: howKnown(c), what, next: nextStep(row, state, c, host) });
  return RANK[extra] > RANK[cell.verdict] ? extra : cell.verdict;
}

/** Clusters whose unread footprint `t` may reach (only when the command outranks the reader). */
function gapTouched(t: ResolvedPath, facts: HostFacts, recursive: boolean): ClusterFacts[] {
  if (!facts.readerOutranked) return [];
  return facts.clusters.filter((c) => (c.footprintGaps?.length ?? 0) > 0 && touchedEntries(t, c, recursive).length === 0);
}

/** A cluster touched through the unknown part of its footprint: the `unknown` column unless known stopped. */
function judgeGap(acc: Acc, row: 'remove' | 'write-into' | 'wal-fetch', c: ClusterFacts, what: string, host: string): VerdictKind {
  if (c.running === false) return judgeCluster(acc, row, c, what, host);
  const cell = TABLE[row].unknown;
  acc.touched.add(c.dataDir);
  if (cell.strong) acc.strong = true;
  acc.reasons.push({ verdict: cell.verdict, cluster: c.name, dataDir: c.dataDir, state: 'unknown', role: `${roleWords(c)}; footprint not fully readable`, how: howKnown(c), what, next: `safeops could not read this cluster's files with the privileges the command will have: allow it to read them (sudo -n for safeops, or run it as root), or run the watcher as root (its state.json carries every footprint). You are on ${host}.` });
  return cell.verdict;
}

/** remove / write-into: targets against every footprint and protected path. */
function judgePaths(acc: Acc, row: 'remove' | 'write-into' | 'wal-fetch', targets: ResolvedPath[], recursive: boolean, facts: HostFacts, config: PolicyConfig, what: string, plain = false): VerdictKind {
  let worst: VerdictKind = 'allow';
  const bump = (v: VerdictKind) => {
    if (RANK[v] > RANK[worst]) worst = v;
  };
  for (const t of targets) {
    let touchedAny = false;
    for (const c of facts.clusters) {
      const entries = touchedEntries(t, c, recursive);
      if (entries.length === 0) continue;
      touchedAny = true;
      bump(judgeCluster(acc, row, c, `${what} ${t.arg}: ${entries.map((e) => relation(t, e)).join('; ')} of cluster ${clusterLabel(c)}`, facts.hostname));
    }
    // A footprint that could not be read, for a command that runs with more privilege than the
    // reader: the target may lie in its unseen part (docs/privilege.md). Never smaller: unknown.
    for (const c of gapTouched(t, facts, recursive)) {
      touchedAny = true;
      bump(judgeGap(acc, row, c, `${what} ${t.arg}, which may be part of cluster ${clusterLabel(c)}: its footprint is only partly known (${c.footprintGaps!.join('; ')}) and ${facts.readerOutranked}`, facts.hostname));
    }
    for (const p of config.protect) {
      if (!touchesPlace(t, p, recursive)) continue;
      touchedAny = true;
      bump(p.action);
      acc.reasons.push({ verdict: p.action, cluster: null, dataDir: null, state: null, role: null, how: 'safeops config "protect"', what: `${what} ${t.arg}, which is protected: ${p.path} (${p.reason})`, next: p.action === 'refuse' ? 'This path is protected by the host\'s safeops config; change the config if this is really intended.' : 'Make sure this is the host and the path you mean.' });
    }
    if (row === 'write-into' && !plain) {
      if (t.cwdInside) {
        bump('refuse');
        acc.reasons.push({ verdict: 'refuse', cluster: null, dataDir: null, state: null, role: null, how: 'your working directory', what: `your current directory is inside the destination ${t.real}`, next: 'cd out of it first (e.g. cd /) and run it again: a log written there with tee corrupts the restore, as in the matrix.org incident.' });
      }
      if (t.nonEmpty && !touchedAny) {
        bump('confirm');
        acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: null, role: null, how: 'the destination directory', what: `the destination ${t.real} is not empty`, next: 'Restoring into a non-empty directory overwrites or mixes files: check it holds nothing you need.' });
      }
    }
    // Discovery did not finish looking there (limit, depth, permission): a cluster may hide in it.
    const hidden = !touchedAny && worst === 'allow' && (recursive || row === 'write-into') && !(facts.lookedThrough ?? []).includes(t.real) ? (facts.unscanned ?? []).find((u) => t.real === u.path || t.real.startsWith(u.path + '/') || u.path.startsWith(t.real === '/' ? '/' : t.real + '/')) : undefined;
    if (hidden) {
      bump('confirm');
      acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: 'unknown', role: null, how: 'discovery', what: `${what} ${t.arg}, where safeops has not looked for clusters everywhere: ${hidden.path}: ${hidden.why}`, next: 'Check that no data directory is in there (find it with: find PATH -name PG_VERSION), or list it in the config\'s discovery.clusters.' });
    }
    if (!touchedAny && worst === 'allow' && config.degraded.length) {
      bump('confirm');
      const d = config.degraded[0]!;
      acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: null, role: null, how: `config ${d.file}`, what: `safeops cannot tell which paths are protected: ${d.file}${d.key === '(file)' ? '' : ` key ${d.key}`}: ${d.message}`, next: 'Fix the config file (safeops status shows every problem); until then destructive commands ask first.' });
    }
  }
  // A path another user can swap for a link to a data dir before the tool walks it (docs/races.md).
  const racy = (recursive || (row === 'write-into' && !plain)) && (facts.clusters.length > 0 || facts.unidentifiedPostmasters.length > 0) ? targets.filter((t) => t.swappable) : [];
  for (const t of racy) {
    bump('confirm');
    acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: null, role: null, how: 'the path\'s directories', what: `${what} ${t.arg}, a path another user can change before it runs: ${t.swappable}`, next: 'That user can replace it with a link to a data directory between this check and the deletion. Remove it as that user, or move it into a directory only you control first.' });
  }
  if ((recursive || (row === 'write-into' && !plain)) && facts.unidentifiedPostmasters.length && targets.length) {
    bump('confirm');
    acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: 'unknown', role: 'running, data directory unknown', how: facts.unidentifiedPostmasters.map((u) => `pid ${u.pid}: ${u.why}`).join('; '), what: `${what} a tree that may hold the data of a running postgres safeops cannot locate`, next: 'Run safeops as root so it can see where every running server keeps its data.' });
  }
  return worst;
}

/** stop / kill / promote: the clusters each reference names. */
function judgeRefs(acc: Acc, row: Row, refs: ResolvedRef[], facts: HostFacts, what: string): VerdictKind {
  let worst: VerdictKind = 'allow';
  for (const r of refs) {
    for (const dd of r.dataDirs) {
      const c = facts.clusters.find((x) => x.dataDir === dd);
      if (!c) continue;
      const v = judgeCluster(acc, row, c, `${what} cluster ${clusterLabel(c)}`, facts.hostname);
      if (RANK[v] > RANK[worst]) worst = v;
      if (row === 'promote' && v !== 'allow' && c.replication?.upstream) acc.promoteUpstreams.push({ dataDir: c.dataDir, host: c.replication.upstream.host, port: c.replication.upstream.port });
    }
    if (r.unresolved) {
      const cell = TABLE[row].unknown;
      if (RANK[cell.verdict] > RANK[worst]) worst = cell.verdict;
      acc.reasons.push({ verdict: cell.verdict, cluster: null, dataDir: null, state: 'unknown', role: 'UNKNOWN (treated as primary)', how: r.unresolved, what: `${what} a cluster safeops cannot identify`, next: 'Name the cluster explicitly (pg_ctl -D DIR, pg_ctlcluster VER NAME) or run safeops as root.' });
    }
  }
  return worst;
}

/** kill/pkill/killall/pg_ctl kill: each process by what the signal means to it (docs/guarded-tools.md). */
function judgeSignal(acc: Acc, op: Extract<ResolvedOp, { type: 'signal' }>, facts: HostFacts, what: string): VerdictKind {
  let worst: VerdictKind = 'allow';
  const seen = new Set<string>();
  for (const p of op.procs) {
    const row = signalRow(p.kind, op.signal);
    if (row === null) continue;
    const key = `${p.dataDir}\0${row}\0${p.kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const c = facts.clusters.find((x) => x.dataDir === p.dataDir);
    if (!c) continue;
    const whom = p.kind === 'postmaster' ? `the postmaster (pid ${p.pid})` : p.kind === 'backend' ? `a backend (pid ${p.pid}): the postmaster restarts the whole cluster after it dies this way` : `an auxiliary process (pid ${p.pid}, ${p.title.slice(0, 60)}): the postmaster may restart the whole cluster`;
    const v = judgeCluster(acc, row, c, `${what} SIG${op.signal} to ${whom} of cluster ${clusterLabel(c)}`, facts.hostname);
    if (RANK[v] > RANK[worst]) worst = v;
  }
  if (op.unresolved.length && signalRow('aux', op.signal) !== null) {
    const cell = TABLE['stop-hard'].unknown;
    if (RANK[cell.verdict] > RANK[worst]) worst = cell.verdict;
    acc.reasons.push({ verdict: cell.verdict, cluster: null, dataDir: null, state: 'unknown', role: 'UNKNOWN (treated as primary)', how: op.unresolved.join('; '), what: `${what} SIG${op.signal} to processes safeops cannot place`, next: 'Signal one pid you have checked (ps -o pid,ppid,cmd), or use pg_ctl / pg_terminate_backend().' });
  }
  return worst;
}

/** reboot/shutdown/...: every running cluster goes down with the host. */
function judgeHostDown(acc: Acc, what: string, facts: HostFacts): VerdictKind {
  let worst: VerdictKind = 'allow';
  for (const c of facts.clusters) {
    if (c.running === false) continue;
    const v = judgeCluster(acc, 'host-down', c, `${what} would take down cluster ${clusterLabel(c)}`, facts.hostname);
    if (RANK[v] > RANK[worst]) worst = v;
  }
  if (facts.unidentifiedPostmasters.length) {
    worst = worst === 'allow' ? 'confirm' : worst;
    acc.strong = true;
    acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: 'unknown', role: 'running, data directory unknown', how: facts.unidentifiedPostmasters.map((u) => `pid ${u.pid}: ${u.why}`).join('; '), what: `${what} would take down a running postgres safeops cannot identify`, next: 'Run safeops as root so it can see every running server.' });
  }
  return worst;
}

type PathOp = Extract<ResolvedOp, { targets: ResolvedPath[] }>;
type RefOp = Extract<ResolvedOp, { refs: ResolvedRef[] }>;

/** The row of each op on paths; `plain` ops (cp, rsync, wal-fetch ...) are no restore: no cwd or empty-destination rule. */
const PATH_ROW: Record<PathOp['type'], { row: 'remove' | 'write-into' | 'wal-fetch'; plain: boolean }> = {
  remove: { row: 'remove', plain: false },
  'write-into': { row: 'write-into', plain: false },
  write: { row: 'write-into', plain: true },
  'wal-fetch': { row: 'wal-fetch', plain: true },
};

/** The row of each op that names clusters; a stop and an offline tool depend on how. */
const REF_ROW: Record<Exclude<RefOp['type'], 'stop' | 'offline'>, Row> = { kill: 'stop-hard', promote: 'promote', unmount: 'offline', 'wipe-device': 'wipe' };
const STRONG_OFFLINE = new Set<OfflineKind>(['drop', 'resetwal', 'upgrade-link']);

function refRow(op: RefOp): Row {
  if (op.type === 'stop') return op.mode === 'immediate' ? 'stop-hard' : 'stop';
  if (op.type === 'offline') return STRONG_OFFLINE.has(op.kind) ? 'offline-strong' : 'offline';
  return REF_ROW[op.type];
}

/** One op against the table: paths, cluster references, signalled processes, or the ops judged on their own. */
function judgeOp(acc: Acc, op: ResolvedOp, facts: HostFacts, config: PolicyConfig, what: string): VerdictKind {
  if ('refs' in op) return judgeRefs(acc, refRow(op), op.refs, facts, what);
  if ('targets' in op) {
    const { row, plain } = PATH_ROW[op.type];
    const v = judgePaths(acc, row, op.targets, 'recursive' in op ? op.recursive : true, facts, config, what, plain);
    if (op.type !== 'write-into' || op.unresolved.length === 0) return v;
    for (const u of op.unresolved) acc.reasons.push({ verdict: 'refuse', cluster: null, dataDir: null, state: 'unknown', role: null, how: u, what: `${op.tool} would write into a directory safeops cannot determine`, next: 'Give the destination explicitly (e.g. --pg1-path=DIR) or run safeops as root so it can read the tool\'s config.' });
    return 'refuse';
  }
  switch (op.type) {
    case 'signal':
      return judgeSignal(acc, op, facts, what);
    case 'host-down':
      return judgeHostDown(acc, op.what, facts);
    case 'delete-backups':
      acc.dryRunArgv = op.dryRunArgv;
      acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: null, role: null, how: `${op.tool} delete with --confirm`, what: `${op.tool} would permanently delete backups (see its dry run)`, next: 'Check the dry run lists only what you mean to delete; keep at least one restorable backup.' });
      return 'confirm';
    case 'opaque':
      acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: 'unknown', role: null, how: 'the command line', what: op.why, next: 'Check what it will do on which host before confirming.' });
      return 'confirm';
  }
}

/** The verdict for a command on this host. Pure: everything it needs is in its arguments. */
export function decide(command: Command, facts: HostFacts, config: PolicyConfig): Verdict {
  const acc: Acc = { reasons: [], strong: false, touched: new Set(), warnings: [], promoteUpstreams: [], dryRunArgv: null, fleet: facts.fleet ?? null };
  let worst: VerdictKind = 'allow';
  for (const op of command.ops) {
    const v = judgeOp(acc, op, facts, config, verb(op, command));
    if (RANK[v] > RANK[worst]) worst = v;
  }
  return {
    kind: worst,
    strong: worst === 'confirm' && acc.strong,
    // Reasons below the final verdict stay (they inform), the strongest first.
    reasons: acc.reasons.sort((a, b) => RANK[b.verdict] - RANK[a.verdict]),
    touched: [...acc.touched],
    warnings: acc.warnings,
    promoteUpstreams: acc.promoteUpstreams,
    dryRunArgv: acc.dryRunArgv,
  };
}
