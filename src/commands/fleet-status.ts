// `safeops status --fleet [--json]`: every member of every local replication set on every host.
// Read from etcd directly when fleet.etcd is configured (bounded: CALL_TIMEOUT_MS per call), else
// (or when etcd does not answer) from the watcher's state.json, saying which and how old.
import { Chalk } from 'chalk';
import type { LoadedConfig } from '../config/schema.js';
import { fleetHost } from '../config/fleet.js';
import { gatherFileFacts } from '../facts/gather.js';
import { readFleetFromState } from '../fleet/state-read.js';
import type { FleetView } from '../fleet/types.js';
import { parseReport } from '../fleet/validate.js';
import { buildView, coarseAge, type KnownMember } from '../fleet/view.js';
import { colorLevel } from '../guard/color.js';
import type { Edge } from '../util/edge.js';
import { findStateDir } from '../util/state-dir.js';

export const FLEET_SCHEMA = 'safeops.fleet/1';

/** The local system identifiers (clusters under fleet.clusters, when set). */
function localSysids(loaded: LoadedConfig, edge: Edge): string[] {
  const under = loaded.config.fleet.clusters;
  const host = gatherFileFacts({ config: loaded.config, edge });
  const ids = host.clusters.filter((c) => under.length === 0 || under.some((p) => c.dataDir === p || c.dataDir.startsWith(p.replace(/\/?$/, '/')))).map((c) => c.systemIdentifier);
  return [...new Set(ids.filter((x): x is string => x !== null))].sort();
}

async function fromEtcd(loaded: LoadedConfig, edge: Edge, sysids: string[], self: string): Promise<FleetView> {
  const { CALL_TIMEOUT_MS, clientOptions, loadEtcdClient, memberKey, within } = await import('../fleet/etcd-client.js');
  const { Etcd3, noop } = await loadEtcdClient();
  const fleet = loaded.config.fleet;
  const client = new Etcd3({ ...clientOptions(fleet), faultHandling: { host: () => noop, global: noop } });
  try {
    const known: KnownMember[] = [];
    const t = edge.now().getTime();
    for (const sysid of sysids) {
      const all = await within(client.getAll().prefix(`${fleet.etcd!.prefix}members/${sysid}/`).limit(1024).strings(), CALL_TIMEOUT_MS, 'read members');
      for (const [k, v] of Object.entries(all)) {
        const r = parseReport(v);
        if (r && k === memberKey(fleet.etcd!.prefix, r)) known.push({ report: r, seenAt: t, goneAt: null });
      }
    }
    return buildView({ self, localSysids: sysids, known, nowMs: t, connected: true, syncedAt: t, error: null });
  } finally {
    client.close();
  }
}

export function fleetText(view: FleetView, source: string, level: 0 | 1): string {
  const c = new Chalk({ level });
  const out: string[] = [];
  out.push(c.bold(`Fleet as seen from ${view.self}`) + ` — ${source}${view.connected ? '' : c.yellow(`, STALE: etcd not reachable${view.ageSeconds !== null ? `, last sync ${coarseAge(view.ageSeconds)} ago` : ''}${view.error ? ` (${view.error})` : ''}`)}`);
  for (const s of view.sets) {
    out.push('', c.bold(`Replication set ${s.systemIdentifier}`) + ` — ${s.members.length} member(s)`);
    for (const m of s.members) {
      const role = m.role === 'primary' ? c.red.bold('PRIMARY') : m.role === 'standby' ? c.blue.bold('standby') : m.role;
      const bits = [
        `${m.host.padEnd(16)} ${m.cluster.padEnd(14)} ${role}${m.expired ? c.yellow(` — NO REPORT for ${coarseAge(m.silentSeconds)}`) : ''}${m.local && m.host === view.self ? ' (this host)' : ''}`,
        `    ${m.dataDir}${m.port ? ` port ${m.port}` : ''}; timeline ${m.timeline ?? '?'}; checkpoint LSN ${m.lsn ?? '?'}; ${m.roleHow}`,
        `    ${m.upstream ? `upstream ${m.upstream}; ` : ''}${m.standbys.length ? `standbys ${m.standbys.join(', ')}; ` : ''}${m.replayLagSeconds !== null ? `replay lag ~${m.replayLagSeconds} s; ` : ''}archiving ${m.archiving}`,
        `    versions: PostgreSQL ${m.versions.server ?? '?'}, wal-g ${m.versions.walg ?? '-'}, pgBackRest ${m.versions.pgbackrest ?? '-'}, safeops ${m.versions.safeops ?? '?'}; reported ${m.reportedAt.slice(0, 19)}Z`,
      ];
      if (m.patroni) bits.push(`    patroni: scope ${m.patroni.scope ?? '?'}, member ${m.patroni.member ?? '?'}, role ${m.patroni.role ?? '?'}, leader ${m.patroni.leader ?? '?'}${m.patroni.paused ? ', PAUSED' : ''}`);
      out.push(...bits);
    }
  }
  if (view.sets.length === 0) out.push('', 'No local cluster with a system identifier: nothing to look up.');
  for (const a of view.alerts) out.push(c.yellow(`! ${a.text}`));
  return out.join('\n') + '\n';
}

export async function runFleetStatus(opts: { json: boolean }, loaded: LoadedConfig, edge: Edge): Promise<number> {
  const fleet = loaded.config.fleet;
  const self = fleetHost(fleet, edge.hostname);
  let view: FleetView | null = null;
  let source = '';
  let etcdError: string | null = null;
  if (fleet.etcd) {
    try {
      view = await fromEtcd(loaded, edge, localSysids(loaded, edge), self);
      source = `etcd ${fleet.etcd.endpoints.join(',')} (prefix ${fleet.etcd.prefix})`;
    } catch (e) {
      etcdError = (e as Error).message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
    }
  }
  if (!view) {
    const dir = findStateDir(edge.env);
    view = dir ? readFleetFromState(dir, edge.now().getTime()) : null;
    source = view ? `the watcher's state.json${etcdError ? ` (etcd: ${etcdError})` : ''}` : '';
  }
  if (!view) {
    const why = fleet.etcd ? `etcd did not answer (${etcdError ?? 'unknown error'}) and no watcher has published a fleet view` : 'fleet.etcd is not configured (docs/fleet.md) and no watcher has published a fleet view';
    if (opts.json) process.stdout.write(JSON.stringify({ schema: FLEET_SCHEMA, source: null, error: why, view: null }, null, 2) + '\n');
    else process.stderr.write(`safeops: no fleet view: ${why}\n`);
    return 1;
  }
  if (opts.json) process.stdout.write(JSON.stringify({ schema: FLEET_SCHEMA, source, error: etcdError, view }, null, 2) + '\n');
  else process.stdout.write(fleetText(view, source, colorLevel(edge.env, edge.stdoutIsTTY)));
  return 0;
}
