// `safeops doctor [--json] [--probe] [CLUSTER...]` (issue 11): the check an operator runs before
// maintenance, a failover or a restore. Per cluster, lines `ok`/`warn`/`fail` with the fact and the
// fix. Exit 0 all ok, 1 a warning, 2 a failure. It changes nothing, except with --probe
// (pg_switch_wal(), then a bounded wait until that segment is archived). docs/doctor.md has the
// JSON schema (safeops.doctor/1). Loaded lazily: never on the guard's fast path. The checks from
// facts are in doctor-checks.ts, the backup tools' in doctor-tools.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/schema.js';
import { canonical } from '../facts/paths.js';
import { readPgConf } from '../facts/pgconf.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { roleWords } from '../policy/words.js';
import type { Edge } from '../util/edge.js';
import { addSqlFacts, gatherFileFacts } from '../facts/gather.js';
import { factChecks, fail, ok, RANK, warn, worst, type Check, type Level } from './doctor-checks.js';
import { toolChecks } from './doctor-tools.js';

export const DOCTOR_SCHEMA = 'safeops.doctor/1';

export interface ClusterReport {
  name: string;
  dataDir: string;
  role: string;
  status: Level;
  checks: Check[];
}

export interface DoctorReport {
  schema: typeof DOCTOR_SCHEMA;
  host: string;
  generatedAt: string;
  status: Level;
  exitCode: 0 | 1 | 2;
  clusters: ClusterReport[];
  problems: string[];
}

export interface DoctorOptions {
  json: boolean;
  probe: boolean;
  probeTimeoutMs: number;
  clusters: string[];
  /** Newest backup older than this: warning. */
  backupMaxAgeHours: number;
}

/** archive_command and restore_command: over SQL for a running cluster, else from its config files. */
async function commandsOf(c: ClusterFacts, session: Session | null): Promise<Array<{ name: string; value: string }>> {
  const out: Array<{ name: string; value: string }> = [];
  if (session) {
    const rows = await session.query("select name, setting from pg_settings where name in ('archive_command', 'restore_command')");
    for (const r of rows ?? []) if (r.setting) out.push({ name: String(r.name), value: String(r.setting) });
    return out;
  }
  const files = [path.join(c.dataDir, 'postgresql.conf'), path.join(c.dataDir, 'postgresql.auto.conf')];
  if (c.debian) files.splice(1, 0, path.join(c.debian.confDir, 'postgresql.conf'));
  const seen = new Map<string, string>();
  for (const f of files) {
    const conf = readPgConf(f);
    for (const k of ['archive_command', 'restore_command']) {
      const v = conf?.get(k);
      if (v !== undefined) seen.set(k, v);
    }
  }
  for (const [name, value] of seen) if (value) out.push({ name, value });
  return out;
}

// ---------- SQL for doctor's own questions (restore_command, the probe) ----------

interface Session {
  query(sql: string): Promise<Array<Record<string, unknown>> | null>;
  end(): Promise<void>;
}

async function openDoctorSession(c: ClusterFacts, loaded: LoadedConfig, userName: string): Promise<Session | null> {
  if (c.running !== true) return null;
  const { openSession } = await import('../facts/sql.js');
  const { sqlUsers } = await import('../facts/gather.js');
  const s = await openSession(c, { users: sqlUsers(c, loaded.config, userName), database: loaded.config.sql.database, connectTimeoutMs: loaded.config.sql.connectTimeoutMs });
  if (!s.ok) return null;
  return {
    async query(sql) {
      try {
        return (await s.client.query(sql)).rows as Array<Record<string, unknown>>;
      } catch {
        return null;
      }
    },
    end: () => s.client.end().catch(() => undefined),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** --probe: write a commit record, switch WAL, wait (bounded) until that segment is archived. */
async function probe(session: Session, c: ClusterFacts, timeoutMs: number): Promise<Check> {
  await session.query('select txid_current()');
  const r = await session.query('select pg_walfile_name(pg_switch_wal()) as seg');
  const seg = r?.[0]?.seg ? String(r[0].seg) : null;
  if (!seg) return fail('probe', 'pg_switch_wal() failed (not allowed for this role?)', 'run safeops doctor --probe as root or the cluster\'s owner');
  const t0 = Date.now();
  const done = path.join(c.dataDir, 'pg_wal', 'archive_status', `${seg}.done`);
  while (Date.now() - t0 < timeoutMs) {
    const st = (await session.query('select last_archived_wal, last_failed_wal, coalesce(last_failed_time > coalesce(last_archived_time, \'-infinity\'), false) as failing from pg_stat_archiver'))?.[0];
    const law = st?.last_archived_wal ? String(st.last_archived_wal) : '';
    if ((law.length === 24 && law >= seg) || fs.existsSync(done)) return ok('probe', `switched to a new segment: ${seg} archived in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (st?.failing === true && String(st.last_failed_wal) === seg) return fail('probe', `switched WAL: archiving ${seg} failed (pg_stat_archiver)`, 'run the archive_command by hand as the cluster\'s owner and fix what it says');
    await sleep(200);
  }
  return fail('probe', `switched WAL: ${seg} not archived within ${Math.round(timeoutMs / 1000)} s`, 'archiving is stuck or very slow: check the server log and the archive_command');
}

// ---------- the command ----------

function selectClusters(facts: HostFacts, wanted: string[]): { clusters: ClusterFacts[]; problems: string[] } {
  if (wanted.length === 0) return { clusters: facts.clusters, problems: [] };
  const problems: string[] = [];
  const out: ClusterFacts[] = [];
  for (const w of wanted) {
    const real = w.startsWith('/') || w.startsWith('.') ? canonical(w).real : null;
    const c = facts.clusters.find((x) => x.name === w || x.dataDir === w || (real !== null && x.dataDir === real));
    if (!c) problems.push(`no cluster named ${w} on this host`);
    else if (!out.includes(c)) out.push(c);
  }
  return { clusters: out, problems };
}

export async function doctorReport(opts: DoctorOptions, loaded: LoadedConfig, edge: Edge, facts?: HostFacts): Promise<DoctorReport> {
  // SQL only for the clusters asked about (all by default).
  const host = facts ?? gatherFileFacts({ config: loaded.config, edge });
  const nowMs = edge.now().getTime();
  const { clusters, problems } = selectClusters(host, opts.clusters);
  if (!facts) {
    const chosen = new Set(clusters.map((c) => c.dataDir));
    await addSqlFacts(host, (c) => chosen.has(c.dataDir), loaded.config, edge.userName, { extra: true });
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const reports = await Promise.all(
    clusters.map(async (c): Promise<ClusterReport> => {
      const checks = factChecks(c, loaded, nowMs);
      const session = await openDoctorSession(c, loaded, edge.userName).catch(() => null);
      try {
        const asUser = isRoot && c.owner && c.owner.uid !== 0 && c.owner.name ? c.owner.name : null;
        const commands = await commandsOf(c, session);
        // As root, the programs a database superuser named run as the cluster's owner, never as root.
        if (isRoot && !asUser && commands.length) checks.push(warn('tool', `backup tools not run: the data directory's owner is ${c.owner ? (c.owner.uid === 0 ? 'root' : `uid ${c.owner.uid}, unknown to /etc/passwd`) : 'unknown'}`, 'run safeops doctor as the cluster\'s owner'));
        else checks.push(...(await toolChecks(c, commands, opts.backupMaxAgeHours, nowMs, asUser)));
        if (opts.probe && c.running === true && c.role === 'primary' && c.archiving && c.archiving.mode !== 'off') {
          checks.push(session ? await probe(session, c, opts.probeTimeoutMs) : fail('probe', 'no SQL session for the probe', 'run as root or the cluster\'s owner'));
        }
      } catch (e) {
        // Fail closed: a check that broke is a failure, not a silent ok.
        checks.push(fail('internal', `doctor could not finish its checks: ${e instanceof Error ? e.message : String(e)}`, 'run again with SAFEOPS_DEBUG=1 and report it'));
      } finally {
        await session?.end();
      }
      return { name: c.name, dataDir: c.dataDir, role: roleWords(c), status: worst(checks.map((x) => x.status)), checks };
    }),
  );
  const all = [...reports.map((r) => r.status), ...(problems.length ? (['fail'] as Level[]) : [])];
  const status = worst(all);
  return { schema: DOCTOR_SCHEMA, host: host.hostname, generatedAt: new Date(nowMs).toISOString(), status, exitCode: RANK[status] as 0 | 1 | 2, clusters: reports, problems: [...problems, ...host.problems] };
}

/** Control bytes of host strings never reach the terminal. */
const safe = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

export function doctorText(r: DoctorReport): string {
  const out: string[] = [];
  out.push(`safeops doctor on ${safe(r.host)}: ${r.status.toUpperCase()}`);
  for (const c of r.clusters) {
    out.push('', `${safe(c.name)}  ${safe(c.role)}  ${safe(c.dataDir)}`);
    for (const k of c.checks) {
      out.push(`  ${k.status.padEnd(4)}  ${k.id.padEnd(10)} ${safe(k.fact)}`);
      if (k.fix) out.push(`        ${''.padEnd(10)} fix: ${safe(k.fix)}`);
    }
  }
  if (r.clusters.length === 0) out.push('', 'No PostgreSQL clusters found.');
  for (const p of r.problems) out.push(`! ${safe(p)}`);
  return out.join('\n') + '\n';
}

export async function runDoctor(opts: DoctorOptions, loaded: LoadedConfig, edge: Edge): Promise<number> {
  const r = await doctorReport(opts, loaded, edge);
  process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : doctorText(r));
  return r.exitCode;
}
