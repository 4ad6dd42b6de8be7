// SQL facts over the cluster's Unix socket (recovery, replication, archiving). Loaded lazily:
// it pulls in `pg`, which a harmless command must never pay for.
import pg from 'pg';
import type { ArchivingFacts, ClusterFacts, ReplicationFacts } from './types.js';
import { parseConninfo } from './pgconf.js';
import { ownerIds, readArchiveHealth, type ArchiveHealth } from './archive.js';
import { readWalDisk, type WalDiskFacts } from './wal-disk.js';

export { archiveHealthFromDir } from './archive.js';

export interface SqlOptions {
  /** Roles to try in order (peer auth: the first that the server accepts). */
  users: string[];
  database: string;
  connectTimeoutMs: number;
  /** Also read archiving health and WAL/disk (watcher, status, doctor: src/facts/archive.ts, wal-disk.ts). */
  extra?: boolean;
}

export type SqlFacts =
  | { ok: true; user: string; inRecovery: boolean; walReceiver: boolean; clusterName: string | null; replication: ReplicationFacts; archiving: ArchivingFacts; health?: ArchiveHealth; walDisk?: WalDiskFacts; serverVersion?: string }
  | { ok: false; error: string; connectionLost?: boolean; timedOut?: boolean };

/** The cluster as the SQL step needs it. */
export type SqlTarget = Pick<ClusterFacts, 'socketDir' | 'port' | 'dataDir'> & { pid?: number | null };

type Row = Record<string, unknown>;

/** Replication facts of a primary, with the names of its inactive physical replication slots when readable. */
export type ReplicationFactsWithSlots = ReplicationFacts & { inactivePhysicalSlots?: string[] };

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v ? String(v) : null);

export const NO_PASSWORD = 'the server asked for a password: safeops never sends one (no .pgpass, no PGPASSWORD); use peer authentication (README "SQL facts as root")';

/**
 * The pg client config for SQL facts. Never a password: pg takes `password` from the config, else
 * PGPASSWORD, else ~/.pgpass (PGPASSFILE) when the server asks for one; a function given here is
 * the only source it consults, and it refuses, so a server (or a local user's fake postmaster)
 * that asks for a cleartext, MD5 or SCRAM password gets nothing and the connection fails.
 * Only peer or trust authentication work (docs/host-trust.md).
 */
export function pgClientConfig(host: string, port: number, user: string, opts: SqlOptions): pg.ClientConfig {
  return {
    host,
    port,
    user,
    database: opts.database,
    password: () => {
      throw new Error(NO_PASSWORD);
    },
    connectionTimeoutMillis: opts.connectTimeoutMs,
    statement_timeout: opts.connectTimeoutMs,
    query_timeout: opts.connectTimeoutMs,
    application_name: 'safeops',
  };
}

/** One connection attempt as `user`; throws on failure. The one place a client is made. */
export async function connect(host: string, port: number, user: string, opts: SqlOptions): Promise<pg.Client> {
  const client = new pg.Client(pgClientConfig(host, port, user, opts));
  client.on('error', () => {
    /* a dropped connection must not crash the caller: the query fails instead */
  });
  try {
    await client.connect();
    return client;
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
}

/** Optional queries (privileges vary): null when not allowed. */
async function tryQuery(client: pg.Client, sql: string): Promise<Row[] | null> {
  try {
    return (await client.query(sql)).rows as Row[];
  } catch {
    return null;
  }
}

/** Open a session as the first of `opts.users` the server accepts. Never throws. */
export async function openSession(c: SqlTarget, opts: SqlOptions): Promise<{ ok: true; client: pg.Client; user: string } | { ok: false; error: string }> {
  if (!c.port) return { ok: false, error: 'port unknown (postmaster.pid not readable)' };
  const host = c.socketDir || '/var/run/postgresql';
  const errors: string[] = [];
  for (const u of [...new Set(opts.users)]) {
    try {
      return { ok: true, client: await connect(host, c.port, u, opts), user: u };
    } catch (e) {
      errors.push(`as ${u}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { ok: false, error: `cannot connect to ${host}:${c.port} (${errors.join('; ') || 'no role to try'}); see README "SQL facts as root"` };
}

/** Read the SQL facts of a running cluster over a fresh connection, closed after. Never throws. */
export async function readSqlFacts(c: SqlTarget, opts: SqlOptions): Promise<SqlFacts> {
  const s = await openSession(c, opts);
  if (!s.ok) return s;
  try {
    return await querySqlFacts(s.client, s.user, c, opts);
  } finally {
    await s.client.end().catch(() => undefined);
  }
}

/** Archiving health and WAL/disk over an open session (src/facts/archive.ts, wal-disk.ts). Never throws. */
export async function querySqlExtra(client: pg.Client, c: SqlTarget, inRecovery: boolean, archiving: ArchivingFacts, yieldTo?: () => boolean): Promise<{ health: ArchiveHealth; walDisk: WalDiskFacts } | null> {
  // `yieldTo`: a foreground read is waiting for this session: stop between queries (null), try later.
  let stopped = false;
  const q = async (sql: string) => {
    if (stopped || yieldTo?.()) {
      stopped = true;
      return null;
    }
    return tryQuery(client, sql);
  };
  const health = await readArchiveHealth(q, { dataDir: c.dataDir, pid: c.pid ?? null, owner: ownerIds(c.dataDir), inRecovery, mode: archiving.mode, failing: archiving.failing });
  const walDisk = await readWalDisk(q, { dataDir: c.dataDir, inRecovery });
  return stopped ? null : { health, walDisk };
}

const BASE_SQL = "select pg_is_in_recovery() as rec, current_setting('cluster_name') as cn, current_setting('archive_mode') as am, current_setting('server_version') as sv";
const REPLICATION_SQL = 'select application_name, client_addr::text as addr, state, sync_state, extract(epoch from replay_lag)::float8 as lag from pg_stat_replication';
const RECEIVER_SQL = 'select status, sender_host, sender_port from pg_stat_wal_receiver';
const CONNINFO_SQL = "select current_setting('primary_conninfo') as ci";
// Streaming and everything received replayed: no lag, however old the primary's last commit
// (the time since the last replayed commit alone grows on an idle primary; the fleet agent
// would publish that "lag" into etcd at every coarse step: docs/fleet.md "Publishing").
const LAG_SQL = "select case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() and exists (select 1 from pg_stat_wal_receiver where status = 'streaming') then 0 else extract(epoch from now() - pg_last_xact_replay_timestamp()) end::float8 as lag";
// Optional (the watcher's "primary without a connected standby" alert): slots kept for absent standbys.
const SLOTS_SQL = "select slot_name from pg_replication_slots where not active and slot_type = 'physical'";
const ARCHIVER_SQL = "select archived_count, failed_count, last_archived_time, last_failed_time, last_failed_wal, coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) as failing from pg_stat_archiver";
/** Every read of a poll, valid on a primary and a standby alike: one message, one round trip. */
const POLL_BATCH = [BASE_SQL, REPLICATION_SQL, RECEIVER_SQL, CONNINFO_SQL, LAG_SQL, SLOTS_SQL, ARCHIVER_SQL].join('; ');

/** What one poll read (null: that read failed or does not apply to the role). */
interface PollRows {
  base: Row;
  replication: Row[] | null;
  receiver: Row[] | null;
  conninfo: Row[] | null;
  lag: Row[] | null;
  slots: Row[] | null;
  archiver: Row[] | null;
}

/** Sessions on which the batch failed for a reason of the server's (a role that may not read primary_conninfo, an old server): read one by one. */
const noBatch = new WeakSet<pg.Client>();

/**
 * The poll's reads in one round trip (the simple-query protocol runs the statements in turn and
 * answers each): a watcher polls every cluster every 2 s, and seven round trips per poll were
 * most of its SQL cost. Where the server refuses one statement (SQLSTATE class 42 or 0A:
 * privilege, an unknown setting), the reads go one by one as before, each allowed to fail, and
 * this session keeps doing so. A lost connection or a timeout is thrown to the caller.
 */
async function readPoll(client: pg.Client): Promise<PollRows> {
  if (!noBatch.has(client)) {
    try {
      const r = (await client.query(POLL_BATCH)) as unknown as pg.QueryResult[];
      if (Array.isArray(r) && r.length === 7) {
        const [base, replication, receiver, conninfo, lag, slots, archiver] = r.map((x) => x.rows as Row[]);
        const rec = base![0]!.rec === true;
        return { base: base![0]!, replication: rec ? null : replication!, receiver: rec ? receiver! : null, conninfo: rec ? conninfo! : null, lag: rec ? lag! : null, slots: rec ? null : slots!, archiver: archiver! };
      }
    } catch (e) {
      if (!/^(42|0A)/.test(String((e as { code?: unknown }).code ?? ''))) throw e;
    }
    noBatch.add(client);
  }
  const base = (await client.query(BASE_SQL)).rows[0] as Row;
  const rec = base.rec === true;
  return {
    base,
    replication: rec ? null : await tryQuery(client, REPLICATION_SQL),
    receiver: rec ? await tryQuery(client, RECEIVER_SQL) : null,
    conninfo: rec ? await tryQuery(client, CONNINFO_SQL) : null,
    lag: rec ? await tryQuery(client, LAG_SQL) : null,
    slots: rec ? null : await tryQuery(client, SLOTS_SQL),
    archiver: await tryQuery(client, ARCHIVER_SQL),
  };
}

/** Read the SQL facts over an open session (the watcher keeps one per cluster). Never throws. */
export async function querySqlFacts(client: pg.Client, user: string, c: SqlTarget, opts: SqlOptions): Promise<SqlFacts> {
  try {
    const poll = await readPoll(client);
    const base = poll.base;
    const inRecovery = base.rec === true;
    const replication: ReplicationFacts = { connectedStandbys: null, upstream: null, receiverStatus: null, replayLagSeconds: null };
    let walReceiver = false;
    if (!inRecovery) {
      const rows = poll.replication;
      if (rows) replication.connectedStandbys = rows.map((r) => ({ application: String(r.application_name ?? ''), clientAddr: (r.addr as string) ?? null, state: (r.state as string) ?? null, syncState: (r.sync_state as string) ?? null, replayLagSeconds: num(r.lag) }));
    } else {
      const recv = poll.receiver;
      if (recv && recv[0]) {
        walReceiver = true;
        replication.receiverStatus = (recv[0].status as string) ?? null;
        if (recv[0].sender_host || recv[0].sender_port) replication.upstream = { host: (recv[0].sender_host as string) ?? null, port: num(recv[0].sender_port), conninfo: '' };
      }
      const ci = poll.conninfo;
      const conninfo = ci?.[0]?.ci ? String(ci[0].ci) : '';
      if (conninfo) {
        const { host: h, port: p } = parseConninfo(conninfo);
        replication.upstream = { host: replication.upstream?.host ?? h, port: replication.upstream?.port ?? p, conninfo: conninfo.replace(/password=\S+/g, 'password=***') };
      }
      replication.replayLagSeconds = num(poll.lag?.[0]?.lag);
    }
    if (!inRecovery && poll.slots) (replication as ReplicationFactsWithSlots).inactivePhysicalSlots = poll.slots.map((r) => String(r.slot_name));
    const arch = poll.archiver?.[0];
    const archiving: ArchivingFacts = {
      mode: (base.am as string) ?? null,
      archivedCount: num(arch?.archived_count),
      failedCount: num(arch?.failed_count),
      lastArchivedAt: iso(arch?.last_archived_time),
      lastFailedAt: iso(arch?.last_failed_time),
      lastFailedWal: (arch?.last_failed_wal as string) ?? null,
      failing: arch?.failing === true,
      readyCount: null,
    };
    const facts: SqlFacts = { ok: true, user, inRecovery, walReceiver, clusterName: (base.cn as string) || null, replication, archiving, serverVersion: base.sv ? String(base.sv) : undefined };
    if (opts.extra) Object.assign(facts, await querySqlExtra(client, c, inRecovery, archiving));
    return facts;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    // pg's client-side query_timeout (it counts the time queued behind this session's other
    // queries): a slow answer on a busy host, not a broken session. The caller decides.
    const timedOut = msg === 'Query read timeout';
    // A session the server closed (restart, terminated backend): the caller reconnects.
    const lost = !timedOut && (!(e as { code?: string }).code || /terminat|closed|Connection|ECONNRESET|EPIPE|not queryable/i.test(String(msg)));
    return { ok: false, error: `query failed: ${msg}`, connectionLost: lost, timedOut };
  }
}
