// decide(command, facts, config): the decision table of docs/design.md §2 as a pure function.
import type { Command, ResolvedOp, ResolvedPath, ResolvedRef } from '../command/types.js';
import type { ConfigProblem } from '../config/schema.js';
import type { ResolvedProtect } from '../facts/resolve.js';
import type { ClusterFacts, FootprintEntry, HostFacts } from '../facts/types.js';
import type { ClusterState, Reason, Verdict, VerdictKind } from './types.js';
import { touchedEntries, touchesPlace } from './touch.js';
import { cautions } from './caution.js';
import type { PatroniRow } from './patroni.js';
import { clusterLabel, clusterState, howKnown, roleWords, stopHint } from './words.js';
import { EXTRA_ROWS, signalRow, type ExtraRow } from './rows-extra.js';

/** What decide() needs of the configuration (protected paths already resolved). */
export interface PolicyConfig {
  protect: ResolvedProtect[];
  /** Config problems that may hide protection: allowed rm/restore become confirmations. */
  degraded: ConfigProblem[];
}

type Row = 'remove' | 'write-into' | 'stop' | 'stop-hard' | 'promote' | ExtraRow;
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

const OFFLINE_VERB = { drop: 'delete (data directory and configuration)', resetwal: 'reset the WAL of', rewind: 'rewrite (rewind)', upgrade: 'upgrade', 'upgrade-link': 'upgrade with hard links (the old cluster becomes unusable)' } as const;

function verb(op: ResolvedOp, command: Command): string {
  const tool = command.parsed.tool ?? 'the command';
  switch (op.type) {
    case 'remove':
      if (command.parsed.tool !== null && command.parsed.tool !== 'rm') return `${command.parsed.tool} would remove${command.parsed.tool === 'mv' ? ' (move away)' : ''}`;
      return op.recursive ? 'rm -r would delete' : 'rm would delete';
    case 'write-into':
      return `${op.tool} would write into`;
    case 'stop':
      return `${tool} ${op.restart ? 'restart' : 'stop'} (mode ${op.mode}) would shut down`;
    case 'kill':
      return `${tool} kill ${op.signal} would signal`;
    case 'promote':
      return `${tool} promote would promote`;
    case 'write':
      return `${op.tool} would write`;
    case 'wal-fetch':
      return `${op.tool} would write a WAL file into`;
    case 'unmount':
      return 'umount would detach the file system of';
    case 'wipe-device':
      return `${op.tool} would destroy the file system of`;
    case 'offline':
      return `${op.tool} would ${OFFLINE_VERB[op.kind]}`;
    default:
      return tool;
  }
}

/** The safe next step for a cell, in the operator's words. */
function nextStep(row: Row, state: ClusterState, c: ClusterFacts, host: string): string {
  const here = `You are on ${host}: if you meant another host, run it there.`;
  const unknownHelp = 'safeops could not tell its role: run as root, or set sql.user to a monitoring role (README "SQL facts as root").';
  if (row === 'host-down') return state === 'running-primary' || state === 'unknown' ? `This takes down a PRIMARY: every client loses its connection until the host is back. Fail over first if the cluster must stay available. ${here}` : `The standby stops replicating until the host is back. ${here}`;
  if (row === 'signal-odd') return `This signal is not one PostgreSQL documents for operators; use pg_ctl reload/stop/promote, or pg_cancel_backend()/pg_terminate_backend() for one session. ${here}`;
  if (row === 'remove' || row === 'write-into' || row === 'wipe' || row === 'offline' || row === 'offline-strong' || row === 'wal-fetch') {
    if (state === 'unknown') return `${unknownHelp} ${here}`;
    if (state === 'running-primary' || state === 'running-standby') return `Stop the cluster first (${stopHint(c)}), then run it again. ${here}`;
    if (c.restoreInProgress === true) return `This looks like an unfinished restore: removing it is usually the clean-up you want. Check it is the copy you mean. ${here}`;
    if (row === 'write-into') return `Restoring replaces this cluster's data. ${here}`;
    if (state === 'stopped-standby') return `This is a stopped standby: if you still need it afterwards, rebuild it from the primary (pg_basebackup -R). ${here}`;
    return `A stopped cluster without standby.signal may be the only copy of a primary's data: check there is a backup or a running replica elsewhere first. ${here}`;
  }
  if (row === 'promote') return state === 'running-standby' || state === 'unknown' ? 'Promoting makes this node a primary: stop or fence the old primary first, or you get two primaries (split brain).' : here;
  if (state === 'running-primary') return `This is the PRIMARY: clients lose their connections until it is started again${row === 'stop-hard' ? ', and an immediate stop or kill means crash recovery at the next start' : ''}. If you meant a standby, check the host and cluster.`;
  if (state === 'unknown') return `${unknownHelp}`;
  return here;
}

const PLACE: Record<FootprintEntry['kind'], string> = { data: 'the data directory', wal: 'the WAL directory (pg_wal)', tablespace: 'a tablespace', config: 'the configuration directory' };

/** How a target relates to a footprint entry, in words: "it is inside the data directory". */
function relation(t: ResolvedPath, e: FootprintEntry): string {
  const place = e.kind === 'data' ? PLACE.data : `${PLACE[e.kind]} ${e.path}`;
  const views = [e.path, ...e.aliases];
  if (views.includes(t.real) || (e.id !== null && t.id === e.id)) return `it is ${place}`;
  if (views.some((v) => t.real.startsWith(v + '/') || t.self.startsWith(v + '/')) || (e.id !== null && t.chain.includes(e.id))) return `it is inside ${place}`;
  return `it contains ${place}`;
}

/** The Patroni/fleet row an extra row counts as: what it does to the cluster. */
function cautionRow(row: Row): PatroniRow {
  switch (row) {
    case 'offline':
    case 'offline-strong':
    case 'wipe':
      return 'remove';
    case 'wal-fetch':
      return 'write-into';
    case 'signal-odd':
      return 'kill';
    case 'host-down':
      return 'stop';
    default:
      return row;
  }
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
  for (const k of cautions(cautionRow(row), c, what, acc.fleet, host)) {
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

/** The verdict for a command on this host. Pure: everything it needs is in its arguments. */
export function decide(command: Command, facts: HostFacts, config: PolicyConfig): Verdict {
  const acc: Acc = { reasons: [], strong: false, touched: new Set(), warnings: [], promoteUpstreams: [], dryRunArgv: null, fleet: facts.fleet ?? null };
  let worst: VerdictKind = 'allow';
  for (const op of command.ops) {
    let v: VerdictKind = 'allow';
    const what = verb(op, command);
    switch (op.type) {
      case 'remove':
        v = judgePaths(acc, 'remove', op.targets, op.recursive, facts, config, what);
        break;
      case 'write-into':
        v = judgePaths(acc, 'write-into', op.targets, true, facts, config, what);
        for (const u of op.unresolved) {
          v = 'refuse';
          acc.reasons.push({ verdict: 'refuse', cluster: null, dataDir: null, state: 'unknown', role: null, how: u, what: `${op.tool} would write into a directory safeops cannot determine`, next: 'Give the destination explicitly (e.g. --pg1-path=DIR) or run safeops as root so it can read the tool\'s config.' });
        }
        break;
      case 'stop':
        v = judgeRefs(acc, op.mode === 'immediate' ? 'stop-hard' : 'stop', op.refs, facts, what);
        break;
      case 'kill':
        v = judgeRefs(acc, 'stop-hard', op.refs, facts, what);
        break;
      case 'promote':
        v = judgeRefs(acc, 'promote', op.refs, facts, what);
        break;
      case 'delete-backups':
        v = 'confirm';
        acc.dryRunArgv = op.dryRunArgv;
        acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: null, role: null, how: `${op.tool} delete with --confirm`, what: `${op.tool} would permanently delete backups (see its dry run)`, next: 'Check the dry run lists only what you mean to delete; keep at least one restorable backup.' });
        break;
      // issue 9 item 4 (docs/guarded-tools.md)
      case 'write':
        v = judgePaths(acc, 'write-into', op.targets, op.recursive, facts, config, what, true);
        break;
      case 'wal-fetch':
        v = judgePaths(acc, 'wal-fetch', op.targets, true, facts, config, what, true);
        break;
      case 'unmount':
        v = judgeRefs(acc, 'offline', op.refs, facts, what);
        break;
      case 'wipe-device':
        v = judgeRefs(acc, 'wipe', op.refs, facts, what);
        break;
      case 'offline':
        v = judgeRefs(acc, op.kind === 'drop' || op.kind === 'resetwal' || op.kind === 'upgrade-link' ? 'offline-strong' : 'offline', op.refs, facts, what);
        break;
      case 'signal':
        v = judgeSignal(acc, op, facts, what);
        break;
      case 'host-down':
        v = judgeHostDown(acc, op.what, facts);
        break;
      case 'opaque':
        v = 'confirm';
        acc.reasons.push({ verdict: 'confirm', cluster: null, dataDir: null, state: 'unknown', role: null, how: 'the command line', what: op.why, next: 'Check what it will do on which host before confirming.' });
        break;
    }
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
