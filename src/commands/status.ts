// `safeops status [--json]`: every cluster with its live role, like pg_lsclusters with roles,
// replication and archiving. The JSON form is a documented, stable schema (safeops.status/1).
import { Chalk } from 'chalk';
import type { LoadedConfig } from '../config/schema.js';
import { addSqlFacts, gatherFileFacts } from '../facts/gather.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { clusterState, roleWords } from '../policy/words.js';
import type { Edge } from '../util/edge.js';
import { colorLevel } from '../guard/color.js';
import { ROLE_TEXT_COLOUR } from '../contract.js';
import { escapeText as e } from '../util/escape.js';
import { patroniText } from '../patroni/status.js';

export const STATUS_SCHEMA = 'safeops.status/1';

/** Live facts of the host, SQL included for every running cluster. */
export async function hostStatus(loaded: LoadedConfig, edge: Edge): Promise<HostFacts> {
  const facts = gatherFileFacts({ config: loaded.config, edge });
  await addSqlFacts(facts, () => true, loaded.config, edge.userName, { extra: true });
  return (await import('../patroni/status.js')).addPatroniFacts(facts);
}

/** The stable JSON document (README "safeops status --json"). Pure. */
export function statusJson(facts: HostFacts, loaded: LoadedConfig): object {
  return {
    schema: STATUS_SCHEMA,
    host: facts.hostname,
    shortHost: facts.shortHostname,
    generatedAt: facts.observedAt,
    clusters: facts.clusters.map((c) => ({
      name: c.name,
      dataDir: c.dataDir,
      version: c.version,
      debian: c.debian,
      discoveredBy: c.discoveredBy,
      running: c.running,
      runningSource: c.runningSource,
      pid: c.pid,
      port: c.port,
      socketDir: c.socketDir,
      role: c.role,
      roleSource: c.roleSource,
      roleDetail: c.roleDetail,
      state: clusterState(c),
      roleWords: roleWords(c),
      inRecovery: c.inRecovery,
      standbySignal: c.standbySignal,
      recoverySignal: c.recoverySignal,
      restoreInProgress: c.restoreInProgress,
      promoteRequested: c.promoteRequested,
      stalePidFile: c.stalePidFile,
      pgControlState: c.pgControlState,
      footprint: c.footprint.map((f) => ({ kind: f.kind, path: f.path, ...(f.oid ? { oid: f.oid } : {}), aliases: f.aliases })),
      replication: c.replication,
      archiving: c.archiving,
      walDisk: c.walDisk ?? null,
      serverVersion: c.serverVersion ?? null,
      owner: c.owner?.name ?? null,
      observedAt: c.observedAt,
      problems: c.problems,
      patroni: c.patroni ?? null,
    })),
    unidentifiedPostmasters: facts.unidentifiedPostmasters,
    suspectPostmasters: facts.suspectPostmasters ?? [],
    suspectCount: facts.suspectCount ?? 0,
    unscanned: facts.unscanned ?? [],
    problems: facts.problems,
    configProblems: loaded.problems,
  };
}

function replicationText(c: ClusterFacts): string {
  const r = c.replication;
  if (!r || c.running !== true) return c.replication?.upstream ? `upstream ${c.replication.upstream.host ?? '?'}:${c.replication.upstream.port ?? '?'}` : '-';
  if (r.connectedStandbys) {
    if (r.connectedStandbys.length === 0) return 'NO standby connected';
    return `${r.connectedStandbys.length} standby(s): ${r.connectedStandbys.map((s) => `${s.application || s.clientAddr || '?'} ${s.state ?? '?'}`).join(', ')}`;
  }
  const up = r.upstream ? `from ${r.upstream.host ?? '?'}:${r.upstream.port ?? '?'}` : '';
  return `${r.receiverStatus ?? 'NOT streaming'} ${up}${r.replayLagSeconds !== null ? `, replay lag ${Math.round(r.replayLagSeconds)} s` : ''}`.trim();
}

function archivingText(c: ClusterFacts): string {
  const a = c.archiving;
  if (!a) return '-';
  if (a.mode === 'off') return 'off';
  const problem = healthText(c);
  if (a.failing) return `FAILING (last failure ${a.lastFailedAt?.slice(11, 19) ?? '?'} on ${a.lastFailedWal ?? '?'})${problem}`;
  if (a.mode === null) return `unknown (no SQL)${a.readyCount ? `, ${a.readyCount} waiting` : ''}${problem}`;
  return `${problem ? 'PROBLEM' : 'ok'} (${a.archivedCount ?? 0} archived${a.readyCount ? `, ${a.readyCount} waiting` : ''})${problem}`;
}

/** The archiving problems pg_stat_archiver does not show (issue 11), as ": ..." or ''. */
function healthText(c: ClusterFacts): string {
  const h = c.archiving?.health;
  if (!h) return '';
  const parts: string[] = [];
  if (h.configProblem) parts.push(h.configProblem);
  if (h.oldestReadyAt) {
    const age = Math.round((Date.parse(c.observedAt) - Date.parse(h.oldestReadyAt)) / 1000);
    if (age >= 10) parts.push(`oldest waiting ${h.oldestReady} for ${age} s`);
  }
  if (h.historyReady) parts.push(`timeline history ${h.historyReady} not archived`);
  if (h.lastFailureLine) parts.push(`log: ${h.lastFailureLine}`);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

function walText(c: ClusterFacts): string | null {
  const w = c.walDisk;
  if (!w) return null;
  const gb = (n: number | null) => (n === null ? '?' : `${(n / 1073741824).toFixed(1)} GB`);
  const slots = (w.slots ?? []).map((s) => `${s.name}${s.active ? '' : ' (inactive)'}${s.walStatus ? ` ${s.walStatus}` : ''}`);
  return `pg_wal ${w.walBytes === null ? '?' : `${Math.round(w.walBytes / 1048576)} MB`}, ${gb(w.freeBytes)} free of ${gb(w.totalBytes)}${slots.length ? `; slots: ${slots.join(', ')}` : ''}`;
}

/** Human table, one block per cluster (roles in words, colour only as an extra). Host text is escaped. */
export function statusText(facts: HostFacts, loaded: LoadedConfig, level: 0 | 1): string {
  const c = new Chalk({ level });
  const out: string[] = [];
  out.push(c.bold(`Host ${e(facts.hostname)}`) + ` — ${facts.clusters.length} cluster(s), observed ${facts.observedAt.slice(11, 19)} UTC`);
  for (const cl of facts.clusters) {
    const st = clusterState(cl);
    const paint = st === 'running-primary' ? c[ROLE_TEXT_COLOUR.primary].bold : st === 'running-standby' ? c[ROLE_TEXT_COLOUR.standby].bold : st === 'unknown' ? c[ROLE_TEXT_COLOUR.unknown].bold : c.dim;
    out.push('');
    out.push(`${c.bold(e(cl.name))}  ${paint(roleWords(cl))}`);
    out.push(`  data dir     ${e(cl.dataDir)}${cl.version ? `  (PostgreSQL ${e(cl.version)})` : ''}`);
    for (const f of cl.footprint.filter((x) => x.kind !== 'data')) out.push(`  ${f.kind.padEnd(12)} ${e(f.path)}${f.aliases.length ? `  (also at ${e(f.aliases.join(', '))})` : ''}`);
    out.push(`  running      ${String(cl.running)}${cl.pid ? `  pid ${cl.pid}` : ''}${cl.port ? `  port ${cl.port}` : ''}  — ${e(cl.runningSource)}`);
    out.push(`  role from    ${e(cl.roleDetail)}`);
    out.push(`  replication  ${e(replicationText(cl))}`);
    out.push(`  archiving    ${e(archivingText(cl))}`);
    const wal = walText(cl);
    if (wal) out.push(`  wal          ${e(wal)}`);
    if (cl.patroni) out.push(`  patroni      ${e(patroniText(cl.patroni))}`);
    for (const p of cl.problems) out.push(c.yellow(`  ! ${e(p)}`));
  }
  if (facts.clusters.length === 0) out.push('', 'No PostgreSQL clusters found (looked at running servers, /etc/postgresql and ' + e(loaded.config.discovery.roots.join(', ')) + ').');
  for (const u of facts.unidentifiedPostmasters) out.push(c.yellow(`! postgres pid ${u.pid}: data directory unknown (${e(u.why)})`));
  // Processes that call themselves postgres but are none: apart, their host-made strings escaped.
  for (const u of facts.suspectPostmasters ?? []) out.push(c.yellow(`! suspect postgres process pid ${u.pid} (uid ${u.uid ?? '?'}): not counted: ${e(u.why)}`));
  if ((facts.suspectCount ?? 0) > (facts.suspectPostmasters ?? []).length) out.push(c.yellow(`! ... ${facts.suspectCount! - facts.suspectPostmasters!.length} more suspect postgres processes`));
  for (const p of facts.problems) out.push(c.yellow(`! ${e(p)}`));
  for (const p of loaded.problems) out.push(c.yellow(`! config ${e(p.file)}: ${p.key === '(file)' ? '' : `key ${e(p.key)}: `}${e(p.message)}`));
  return out.join('\n') + '\n';
}

export async function runStatus(opts: { json: boolean; fleet?: boolean }, loaded: LoadedConfig, edge: Edge): Promise<number> {
  if (opts.fleet) return (await import('./fleet-status.js')).runFleetStatus({ json: opts.json }, loaded, edge);
  const facts = await hostStatus(loaded, edge);
  if (opts.json) process.stdout.write(JSON.stringify(statusJson(facts, loaded), null, 2) + '\n');
  else process.stdout.write(statusText(facts, loaded, colorLevel(edge.env, edge.stdoutIsTTY)));
  return 0;
}
