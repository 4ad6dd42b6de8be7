// `safeops status [--json]`: every cluster with its live role, like pg_lsclusters with roles,
// replication and archiving. The JSON form is a documented, stable schema (safeops.status/1).
import { Chalk } from 'chalk';
import type { LoadedConfig } from '../config/schema.js';
import { addSqlFacts, gatherFileFacts } from '../facts/gather.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { clusterState, roleWords } from '../policy/words.js';
import type { Edge } from '../util/edge.js';
import { colorLevel } from '../guard/color.js';
import { patroniText } from '../patroni/status.js';

export const STATUS_SCHEMA = 'safeops.status/1';

/** Live facts of the host, SQL included for every running cluster. */
export async function hostStatus(loaded: LoadedConfig, edge: Edge): Promise<HostFacts> {
  const facts = gatherFileFacts({ config: loaded.config, edge });
  await addSqlFacts(facts, () => true, loaded.config, edge.userName);
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
      owner: c.owner?.name ?? null,
      observedAt: c.observedAt,
      problems: c.problems,
      patroni: c.patroni ?? null,
    })),
    unidentifiedPostmasters: facts.unidentifiedPostmasters,
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
  if (a.failing) return `FAILING (last failure ${a.lastFailedAt?.slice(11, 19) ?? '?'} on ${a.lastFailedWal ?? '?'})`;
  return `ok (${a.archivedCount ?? 0} archived${a.readyCount ? `, ${a.readyCount} waiting` : ''})`;
}

/** Human table, one block per cluster (roles in words, colour only as an extra). */
export function statusText(facts: HostFacts, loaded: LoadedConfig, level: 0 | 1): string {
  const c = new Chalk({ level });
  const out: string[] = [];
  out.push(c.bold(`Host ${facts.hostname}`) + ` — ${facts.clusters.length} cluster(s), observed ${facts.observedAt.slice(11, 19)} UTC`);
  for (const cl of facts.clusters) {
    const st = clusterState(cl);
    const paint = st === 'running-primary' ? c.red.bold : st === 'running-standby' ? c.blue.bold : st === 'unknown' ? c.yellow.bold : c.dim;
    out.push('');
    out.push(`${c.bold(cl.name)}  ${paint(roleWords(cl))}`);
    out.push(`  data dir     ${cl.dataDir}${cl.version ? `  (PostgreSQL ${cl.version})` : ''}`);
    for (const f of cl.footprint.filter((x) => x.kind !== 'data')) out.push(`  ${f.kind.padEnd(12)} ${f.path}${f.aliases.length ? `  (also at ${f.aliases.join(', ')})` : ''}`);
    out.push(`  running      ${String(cl.running)}${cl.pid ? `  pid ${cl.pid}` : ''}${cl.port ? `  port ${cl.port}` : ''}  — ${cl.runningSource}`);
    out.push(`  role from    ${cl.roleDetail}`);
    out.push(`  replication  ${replicationText(cl)}`);
    out.push(`  archiving    ${archivingText(cl)}`);
    if (cl.patroni) out.push(`  patroni      ${patroniText(cl.patroni)}`);
    for (const p of cl.problems) out.push(c.yellow(`  ! ${p}`));
  }
  if (facts.clusters.length === 0) out.push('', 'No PostgreSQL clusters found (looked at running servers, /etc/postgresql and ' + loaded.config.discovery.roots.join(', ') + ').');
  for (const u of facts.unidentifiedPostmasters) out.push(c.yellow(`! postgres pid ${u.pid}: data directory unknown (${u.why})`));
  for (const p of facts.problems) out.push(c.yellow(`! ${p}`));
  for (const p of loaded.problems) out.push(c.yellow(`! config ${p.file}: ${p.key === '(file)' ? '' : `key ${p.key}: `}${p.message}`));
  return out.join('\n') + '\n';
}

export async function runStatus(opts: { json: boolean; fleet?: boolean }, loaded: LoadedConfig, edge: Edge): Promise<number> {
  if (opts.fleet) return (await import('./fleet-status.js')).runFleetStatus({ json: opts.json }, loaded, edge);
  const facts = await hostStatus(loaded, edge);
  if (opts.json) process.stdout.write(JSON.stringify(statusJson(facts, loaded), null, 2) + '\n');
  else process.stdout.write(statusText(facts, loaded, colorLevel(edge.env, edge.stdoutIsTTY)));
  return 0;
}
