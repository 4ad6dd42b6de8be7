// `safeops doctor [--json] [--probe] [CLUSTER...]` (issue 11): the check an operator runs before
// maintenance, a failover or a restore. Per cluster, lines `ok`/`warn`/`fail` with the fact and the
// fix. Exit 0 all ok, 1 a warning, 2 a failure. It changes nothing, except with --probe
// (pg_switch_wal(), then a bounded wait until that segment is archived). docs/doctor.md has the
// JSON schema (safeops.doctor/1). Loaded lazily: never on the guard's fast path.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/schema.js';
import { checkProgram, commandPrograms, serverPath } from '../facts/archive-command.js';
import { canonical } from '../facts/paths.js';
import { readPgConf } from '../facts/pgconf.js';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import { bytesText } from '../facts/wal-disk.js';
import { newestPgBackRest, newestWalg } from '../facts/backups.js';

export { newestPgBackRest, newestWalg };
import { unwrapPrefixes } from '../command/prefixes.js';
import { roleWords } from '../policy/words.js';
import type { Edge } from '../util/edge.js';
import { addSqlFacts, gatherFileFacts } from '../facts/gather.js';

export const DOCTOR_SCHEMA = 'safeops.doctor/1';

export type Level = 'ok' | 'warn' | 'fail';

export interface Check {
  /** Stable identifier: role, version, archiving, probe, standbys, streaming, slots, wal-disk, backup, tool. */
  id: string;
  status: Level;
  /** What is true now, in words. */
  fact: string;
  /** What to do about it (null when ok). */
  fix: string | null;
}

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

const RANK: Record<Level, number> = { ok: 0, warn: 1, fail: 2 };
const worst = (xs: Level[]): Level => xs.reduce<Level>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
const ok = (id: string, fact: string): Check => ({ id, status: 'ok', fact, fix: null });
const warn = (id: string, fact: string, fix: string): Check => ({ id, status: 'warn', fact, fix });
const fail = (id: string, fact: string, fix: string): Check => ({ id, status: 'fail', fact, fix });
const age = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : ms < 172_800_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 86_400_000).toFixed(1)} days`);

// ---------- the checks from facts (pure) ----------

/** Checks that need only the gathered facts. Pure. */
export function factChecks(c: ClusterFacts, loaded: LoadedConfig, nowMs: number): Check[] {
  const out: Check[] = [];
  const limits = loaded.config;
  if (c.running !== true) {
    if (c.running === 'unknown') out.push(fail('role', `running state unknown: ${c.runningSource}`, 'run safeops doctor as root or as the cluster\'s owner'));
    else if (c.restoreInProgress === true) out.push(warn('role', 'stopped, restore in progress (backup_label, or no global/pg_control)', 'finish or clean up the restore before starting it'));
    else out.push(ok('role', `stopped (${c.runningSource})${c.standbySignal === true ? ', standby.signal present' : ''}`));
    out.push(ok('version', `PostgreSQL ${c.version ?? '?'} (PG_VERSION)`));
    return out;
  }
  if (c.roleSource === 'sql') out.push(ok('role', `${roleWords(c)}: ${c.roleDetail}`));
  else out.push(fail('role', `${roleWords(c)}: not confirmed over SQL (${c.problems.find((p) => p.startsWith('cannot connect') || p.startsWith('query failed')) ?? c.roleDetail})`, 'run safeops as root or the cluster\'s owner (peer authentication), or set sql.user; see README "SQL facts as root"'));
  out.push(ok('version', `PostgreSQL ${c.serverVersion ?? c.version ?? '?'}${c.serverVersion ? ' (server_version)' : ' (PG_VERSION)'}`));

  // Archiving (primaries, and standbys with archive_mode = always).
  const a = c.archiving;
  const h = a?.health;
  const judged = a && (a.mode === 'always' || (c.role === 'primary' && c.inRecovery !== true));
  if (a && judged) {
    if (a.mode === 'off') out.push(warn('archiving', 'archive_mode is off: no WAL archive, no point-in-time recovery from this server', 'set archive_mode = on and an archive_command (needs a restart) if backups depend on it'));
    else if (h?.configProblem) out.push(fail('archiving', h.configProblem + (h.lastFailureLine ? `; server log: ${h.lastFailureLine}` : ''), 'fix archive_command (install the program or correct its path), then SELECT pg_reload_conf()'));
    else if (a.failing) out.push(fail('archiving', `failing: pg_stat_archiver's last failure ${a.lastFailedAt ?? '?'} (${a.lastFailedWal ?? '?'}) is newer than its last success ${a.lastArchivedAt ?? '(never)'}${h?.lastFailureLine ? `; server log: ${h.lastFailureLine}` : ''}`, 'run the archive_command by hand as the cluster\'s owner for the file named, fix what it says'));
    else {
      const oldest = h?.oldestReadyAt ? nowMs - Date.parse(h.oldestReadyAt) : null;
      const hist = h?.historyReadyAt ? nowMs - Date.parse(h.historyReadyAt) : null;
      if (h?.historyReady && hist !== null && hist >= limits.archiving.timelineGraceSeconds * 1000) out.push(fail('archiving', `the new timeline's history file ${h.historyReady} has waited ${age(hist)} to be archived${h.lastFailureLine ? `; server log: ${h.lastFailureLine}` : ''}`, 'archiving is stuck since the promotion: check archive_command and the server log'));
      else if (oldest !== null && oldest >= limits.archiving.readyMaxAgeSeconds * 1000) out.push(fail('archiving', `stuck: ${h!.oldestReady} has waited ${age(oldest)} (${h!.readyCount} waiting)${h!.lastFailureLine ? `; server log: ${h!.lastFailureLine}` : ''}`, 'a command killed by a signal or exiting above 125 is not counted by pg_stat_archiver: check the server log and run the archive_command by hand'));
      else if (a.mode === null) out.push(warn('archiving', `unknown without SQL${h ? ` (${h.readyCount ?? '?'} waiting in archive_status)` : ''}`, 'run as root or the cluster\'s owner'));
      else out.push(ok('archiving', `archive_mode ${a.mode}; ${a.archivedCount ?? 0} archived since the server started${a.lastArchivedAt ? `, last ${age(nowMs - Date.parse(a.lastArchivedAt))} ago` : ''}; ${h?.readyCount ?? a.readyCount ?? '?'} waiting${h?.program ? `; runs ${h.program}` : ''}`));
    }
  }

  const r = c.replication;
  if (c.role === 'primary' && r?.connectedStandbys) {
    const list = r.connectedStandbys;
    const inactive = (c.walDisk?.slots ?? []).filter((s) => !s.active && s.type === 'physical').map((s) => s.name);
    if (list.length === 0) {
      if (inactive.length) out.push(warn('standbys', `no standby connected; inactive physical slot(s) ${inactive.join(', ')} wait for one`, 'start the standby, or drop the slot if it is gone for good (it keeps WAL)'));
      else out.push(ok('standbys', 'no standby connected (standalone)'));
    } else {
      const lagging = list.filter((s) => s.state !== 'streaming' || (s.replayLagSeconds ?? 0) > 60);
      const text = list.map((s) => `${s.application || s.clientAddr || '?'} ${s.state ?? '?'}${s.replayLagSeconds !== null ? ` lag ${s.replayLagSeconds.toFixed(1)} s` : ''}`).join(', ');
      out.push(lagging.length ? warn('standbys', `${list.length} standby(s): ${text}`, 'a standby not streaming or lagging over 60 s is not ready to take over: check its log') : ok('standbys', `${list.length} standby(s): ${text}`));
    }
  }
  if (c.role === 'standby' && c.roleSource === 'sql' && r) {
    const up = r.upstream ? ` from ${r.upstream.host ?? '?'}:${r.upstream.port ?? '?'}` : '';
    const lag = r.replayLagSeconds !== null ? `; last replayed transaction ${age(r.replayLagSeconds * 1000)} ago (on an idle primary this only means no writes)` : '';
    if (r.receiverStatus === 'streaming') out.push(ok('streaming', `streaming${up}${lag}`));
    else out.push(fail('streaming', `not streaming (${r.receiverStatus ? `WAL receiver ${r.receiverStatus}` : 'no WAL receiver'})${up}`, 'check primary_conninfo, the upstream server and this server\'s log'));
  }

  const w = c.walDisk;
  if (w) {
    for (const s of w.slots ?? []) {
      if (s.walStatus === 'lost') out.push(fail('slots', `slot ${s.name} lost WAL it needed (wal_status lost)`, 'rebuild its consumer; drop the slot'));
      else if (s.walStatus === 'unreserved') out.push(warn('slots', `slot ${s.name} is about to lose WAL (wal_status unreserved)`, 'bring its consumer back now, or drop it'));
      else if (s.safeWalSize !== null && s.safeWalSize < limits.wal.slotSafeMinMB * 1048576) out.push(warn('slots', `slot ${s.name}: ${bytesText(Math.max(0, s.safeWalSize))} of WAL left before it loses WAL`, 'bring its consumer back, or drop it'));
      else if (!s.active && s.retainedBytes !== null && s.retainedBytes > limits.wal.slotRetainedMaxMB * 1048576) out.push(warn('slots', `inactive slot ${s.name} holds ${bytesText(s.retainedBytes)} of WAL`, `drop it if its consumer is gone: SELECT pg_drop_replication_slot('${s.name}')`));
      else out.push(ok('slots', `slot ${s.name} ${s.active ? 'active' : 'inactive'}${s.walStatus ? `, ${s.walStatus}` : ''}${s.retainedBytes !== null ? `, holds ${bytesText(s.retainedBytes)}` : ''}`));
    }
    const pct = w.freeBytes !== null && w.totalBytes ? (w.freeBytes / w.totalBytes) * 100 : null;
    const fact = `pg_wal ${w.walBytes === null ? '?' : bytesText(w.walBytes)}; ${w.freeBytes === null ? '?' : bytesText(w.freeBytes)} free of ${w.totalBytes ? bytesText(w.totalBytes) : '?'} on its filesystem`;
    if (pct !== null && pct < limits.wal.minFreePercent) out.push(fail('wal-disk', `${fact} (${pct.toFixed(1)}%)`, 'free space or fix what keeps WAL (archiving, slots) before the disk fills and the server stops'));
    else out.push(ok('wal-disk', fact));
  }
  return out;
}

// ---------- backup tools ----------

interface Tool {
  kind: 'wal-g' | 'pgbackrest';
  /** The program as resolved (absolute path). */
  program: string;
  /** Options from the command line it was found on (--config, --stanza, ...). */
  options: string[];
  env: Record<string, string>;
  from: string;
}

/** The backup tools an archive_command/restore_command calls, with their options and environment. Pure but for PATH lookup. */
export function toolsIn(command: string, from: string, cwd: string, pathVar: string): Tool[] {
  const out: Tool[] = [];
  const plain = command.replace(/%[pfr]/g, 'WALFILE').replace(/%%/g, '%');
  for (const seg of plain.split(/&&|\|\||[;|\n]/)) {
    const u = unwrapPrefixes(['sh', '-c', seg.trim()], {});
    const prog = u.innerArgv[0];
    if (!prog || u.opaque) continue;
    const base = path.basename(prog);
    if (base !== 'wal-g' && base !== 'pgbackrest') continue;
    const resolved = checkProgram({ program: prog, cwd, pathVar, owner: null }).resolved;
    if (!resolved) continue;
    out.push({ kind: base, program: resolved, options: u.innerArgv.slice(1).filter((a) => a.startsWith('--')), env: u.envOverrides, from });
  }
  return out;
}

type RunResult = { code: number; stdout: string; stderr: string };
/** One run per distinct command line: clusters sharing a repository (a primary and its standby) ask once. */
const runs = new Map<string, Promise<RunResult>>();

function run(argv: string[], env: Record<string, string>, asUser: string | null, timeoutMs = 30_000): Promise<RunResult> {
  const key = JSON.stringify([argv, env, asUser]);
  let p = runs.get(key);
  if (!p) {
    p = runOnce(argv, env, asUser, timeoutMs);
    runs.set(key, p);
  }
  return p;
}

function runOnce(argv: string[], env: Record<string, string>, asUser: string | null, timeoutMs: number): Promise<RunResult> {
  const full = asUser ? ['runuser', '-u', asUser, '--', ...argv] : argv;
  return new Promise((resolve) => {
    execFile(full[0]!, full.slice(1), { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code?: unknown }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') });
    });
  });
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200) ?? '';

async function toolChecks(c: ClusterFacts, commands: Array<{ name: string; value: string }>, opts: DoctorOptions, nowMs: number, asUser: string | null): Promise<Check[]> {
  const out: Check[] = [];
  const pathVar = serverPath(c.pid);
  const tools: Tool[] = [];
  for (const cmd of commands) for (const t of toolsIn(cmd.value, cmd.name, c.dataDir, pathVar)) if (!tools.some((x) => x.program === t.program && x.options.join() === t.options.join())) tools.push(t);
  const versions = new Set<string>();
  // Start every tool call at once (they are independent); results are read in order below.
  for (const t of tools) {
    void run(t.kind === 'wal-g' ? [t.program, '--version'] : [t.program, 'version'], t.env, asUser);
    if (t.kind === 'pgbackrest') void run([t.program, ...t.options.filter((o) => /^--(config|config-path|config-include-path|stanza|repo[0-9]*-)/.test(o)), '--output=json', 'info'], t.env, asUser, 60_000);
    else void run([t.program, ...t.options.filter((o) => /^--(config|turbo)/.test(o)), 'backup-list', '--json', '--detail'], t.env, asUser, 60_000);
  }
  for (const t of tools) {
    if (!versions.has(t.program)) {
      versions.add(t.program);
      const v = await run(t.kind === 'wal-g' ? [t.program, '--version'] : [t.program, 'version'], t.env, asUser);
      out.push(v.code === 0 ? ok('tool', `${t.program} (${t.from}): ${firstLine(v.stdout)}`) : fail('tool', `${t.program} (${t.from}) --version failed (exit ${v.code}): ${firstLine(v.stderr || v.stdout)}`, 'install the tool the command names, executable for the cluster\'s owner'));
    }
    if (t.kind === 'pgbackrest') {
      const opt = t.options.filter((o) => /^--(config|config-path|config-include-path|stanza|repo[0-9]*-)/.test(o));
      const r = await run([t.program, ...opt, '--output=json', 'info'], t.env, asUser, 60_000);
      let list: ReturnType<typeof newestPgBackRest> = [];
      try {
        list = newestPgBackRest(JSON.parse(r.stdout));
      } catch {
        out.push(fail('backup', `pgbackrest info failed (exit ${r.code}): ${firstLine(r.stderr || r.stdout)}`, 'run pgbackrest info as the cluster\'s owner and fix what it says'));
        continue;
      }
      for (const s of list) {
        if (!s.stopEpoch) {
          out.push(fail('backup', `pgBackRest stanza ${s.stanza}: no backup (${s.status ?? 'no status'})`, `take one: pgbackrest --stanza=${s.stanza} backup`));
          continue;
        }
        const ms = nowMs - s.stopEpoch * 1000;
        const fact = `pgBackRest stanza ${s.stanza}: newest backup ${s.label}, ${age(ms)} old, made by pgBackRest ${s.version ?? '?'}; oldest WAL needed to restore it ${s.walStart ?? '?'}`;
        out.push(ms > opts.backupMaxAgeHours * 3_600_000 ? warn('backup', fact, `take a backup: pgbackrest --stanza=${s.stanza} backup`) : ok('backup', fact));
      }
    } else {
      const opt = t.options.filter((o) => /^--(config|turbo)/.test(o));
      const r = await run([t.program, ...opt, 'backup-list', '--json', '--detail'], t.env, asUser, 60_000);
      let b: ReturnType<typeof newestWalg> = null;
      try {
        b = newestWalg(JSON.parse(r.stdout));
      } catch {
        out.push(fail('backup', `wal-g backup-list failed (exit ${r.code}): ${firstLine(r.stderr || r.stdout)}`, 'run wal-g backup-list as the cluster\'s owner with its environment and fix what it says'));
        continue;
      }
      if (!b) {
        out.push(fail('backup', 'wal-g: no backup in the storage', 'take one: wal-g backup-push DATADIR'));
        continue;
      }
      const ms = nowMs - Date.parse(b.finishedAt);
      const fact = `wal-g: newest backup ${b.name}, ${Number.isNaN(ms) ? '?' : age(ms)} old; oldest WAL needed to restore it ${b.walStart ?? '?'}`;
      out.push(!Number.isNaN(ms) && ms > opts.backupMaxAgeHours * 3_600_000 ? warn('backup', fact, 'take a backup: wal-g backup-push DATADIR') : ok('backup', fact));
    }
  }
  return out;
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
        else checks.push(...(await toolChecks(c, commands, opts, nowMs, asUser)));
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
