// One SQL session per running cluster in the watcher (issue 11): kept open between polls
// (application_name=safeops), reconnected with backoff when it breaks, closed when the cluster
// stops or vanishes. A server with log_connections = on logs one connection, not one per poll.
// Loaded lazily (it pulls in `pg` through sql.ts).
import type pg from 'pg';
import type { ClusterFacts } from '../facts/types.js';
import { openSession, querySqlExtra, querySqlFacts, type SqlFacts, type SqlOptions } from '../facts/sql.js';

/** The extra facts (archiving health, WAL/disk, version) are read at most this often per session;
 *  the polls between reuse them (their rules work in tens of seconds; pg_stat_archiver, roles and
 *  replication stay fresh at every poll). */
export const EXTRA_EVERY_MS = 10_000;

/** A background read of the extra facts that yielded this many times in a row runs to the end
 *  the next time (its few short queries queue behind, or ahead of, one foreground read): a watcher
 *  polled back to back on a busy host still reads archiving health every EXTRA_EVERY_MS or so. */
export const MAX_YIELDS = 2;

/** This many timed-out reads in a row (pg's query_timeout: no answer in time, the socket still
 *  open) and the session is closed and made again; fewer are a slow host, not a broken session. */
export const MAX_TIMEOUTS = 3;

/** Backoff after failed connection attempts to the same server: 0.5 s doubling, at most this. */
export const BACKOFF_MAX_MS = 10_000;
const BACKOFF_FIRST_MS = 500;

interface Session {
  /** The server this session belongs to: a new postmaster (pid) or another socket is another server. */
  key: string;
  client: pg.Client | null;
  user: string;
  /** A connection attempt in progress. */
  opening: Promise<void> | null;
  failures: number;
  retryAt: number;
  lastError: string | null;
  ended: boolean;
  extraAt: number;
  extra: Pick<Extract<SqlFacts, { ok: true }>, 'health' | 'walDisk'> | null;
  extraRecovery: boolean | null;
  extraRunning: boolean;
  /** Background reads that yielded since the last complete one. */
  yields: number;
  /** Foreground reads that timed out in a row. */
  timeouts: number;
  /** Foreground reads in progress or waiting: the background extra read yields to them. */
  fg: number;
}

export interface SessionPool {
  /** Read a cluster's SQL facts over its session (opening it when needed). Never throws. */
  read(c: ClusterFacts, opts: SqlOptions): Promise<SqlFacts>;
  /** Close the sessions of clusters not in `keep` (data dirs of running clusters). */
  retain(keep: Iterable<string>): void;
  /** How many sessions are open (tests, debug). */
  openCount(): number;
  close(): Promise<void>;
}

const keyOf = (c: Pick<ClusterFacts, 'pid' | 'port' | 'socketDir'>) => `${c.pid ?? '?'}@${c.socketDir ?? ''}:${c.port ?? ''}`;

function endQuietly(client: pg.Client | null): void {
  if (client) client.end().catch(() => undefined);
}

export function createSessionPool(now: () => number = Date.now): SessionPool {
  const sessions = new Map<string, Session>();

  const drop = (dataDir: string) => {
    const s = sessions.get(dataDir);
    if (!s) return;
    s.ended = true;
    endQuietly(s.client);
    s.client = null;
    sessions.delete(dataDir);
  };

  const open = async (s: Session, c: ClusterFacts, opts: SqlOptions): Promise<void> => {
    const r = await openSession(c, opts);
    if (s.ended) {
      if (r.ok) endQuietly(r.client);
      return;
    }
    if (r.ok) {
      s.client = r.client;
      s.user = r.user;
      s.failures = 0;
      s.lastError = null;
      // The server closed it (restart, pg_terminate_backend): forget it, the next read reconnects.
      r.client.on('end', () => {
        if (s.client === r.client) s.client = null;
      });
    } else {
      s.failures += 1;
      s.lastError = r.error;
      s.retryAt = now() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (s.failures - 1));
    }
  };

  return {
    async read(c, opts) {
      const key = `${keyOf(c)} ${opts.users.join(',')}/${opts.database}`; // a new sql.user or database: a new session
      let s = sessions.get(c.dataDir);
      if (s && s.key !== key) {
        drop(c.dataDir); // another server on this data dir now: its own session, no inherited backoff
        s = undefined;
      }
      if (!s) {
        s = { key, client: null, user: '', opening: null, failures: 0, retryAt: 0, lastError: null, ended: false, extraAt: 0, extra: null, extraRecovery: null, extraRunning: false, yields: 0, timeouts: 0, fg: 0 };
        sessions.set(c.dataDir, s);
      }
      for (let attempt = 0; attempt < 2; attempt++) {
        if (!s.client) {
          if (s.failures > 0 && now() < s.retryAt) return { ok: false, error: `${s.lastError ?? 'cannot connect'} (retrying in ${Math.ceil((s.retryAt - now()) / 1000)} s)` };
          s.opening ??= open(s, c, opts).finally(() => {
            s!.opening = null;
          });
          await s.opening;
          if (!s.client) return { ok: false, error: s.lastError ?? 'cannot connect' };
        }
        const client = s.client;
        // The extra facts are never on a gather's critical path (a role change must reach the
        // prompt at once): read in the background on this session, used from the next poll.
        const fgSession = s;
        fgSession.fg += 1;
        let r: SqlFacts;
        try {
          r = await querySqlFacts(client, s.user, c, { ...opts, extra: false });
        } finally {
          fgSession.fg -= 1;
        }
        if (r.ok && opts.extra) {
          const sess = s;
          if (sess.extra && sess.extraRecovery === r.inRecovery) Object.assign(r, sess.extra);
          if (!sess.extraRunning && (sess.extra === null || sess.extraRecovery !== r.inRecovery || now() - sess.extraAt >= EXTRA_EVERY_MS)) {
            sess.extraRunning = true;
            const rec = r.inRecovery;
            // Yields to foreground reads, but not forever (MAX_YIELDS).
            const mayYield = sess.yields < MAX_YIELDS;
            querySqlExtra(client, c, rec, r.archiving, () => mayYield && sess.fg > 0)
              .then((x) => {
                if (!x) {
                  sess.yields += 1; // yielded to a foreground read: again at the next poll
                  return;
                }
                sess.yields = 0;
                sess.extra = x;
                sess.extraAt = now();
                sess.extraRecovery = rec;
              })
              .catch(() => undefined)
              .finally(() => {
                sess.extraRunning = false;
              });
          }
        }
        if (r.ok) s.timeouts = 0;
        else if (r.timedOut && ++s.timeouts < MAX_TIMEOUTS) return r; // slow, not broken: keep the session
        if (r.ok || (!r.connectionLost && !r.timedOut)) return r;
        if (r.timedOut) {
          // Timed out MAX_TIMEOUTS times in a row: a hung server or a wedged socket. A new session next poll.
          if (s.client === client) s.client = null;
          endQuietly(client);
          s.timeouts = 0;
          return r;
        }
        // The session broke under the query: close it and try once more with a new one.
        if (s.client === client) s.client = null;
        endQuietly(client);
        if (attempt === 1) return r;
      }
      return { ok: false, error: 'unreachable' };
    },
    retain(keep) {
      const k = new Set(keep);
      for (const dir of [...sessions.keys()]) if (!k.has(dir)) drop(dir);
    },
    openCount() {
      let n = 0;
      for (const s of sessions.values()) if (s.client) n++;
      return n;
    },
    async close() {
      const clients = [...sessions.values()].map((s) => s.client).filter((x): x is pg.Client => x !== null);
      for (const s of sessions.values()) s.ended = true;
      sessions.clear();
      await Promise.all(clients.map((cl) => cl.end().catch(() => undefined)));
    },
  };
}
