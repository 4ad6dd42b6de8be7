// The watcher's persistent SQL session (src/watch/sessions.ts) against a real PostgreSQL 15, under
// the two things a busy host does to it: polls that never leave the session idle (the background
// read of archiving health must still get its turn), and answers slower than query_timeout (a
// slow host, not a broken session: no reconnect, no new backend, until it happens MAX_TIMEOUTS
// times in a row).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFacts } from '../../src/facts/types.js';
import type { SqlFacts, SqlOptions } from '../../src/facts/sql.js';
import { MAX_TIMEOUTS, createSessionPool, type SessionPool } from '../../src/watch/sessions.js';
import { type PgNode, cleanupAll, initPrimary, makeTempRoot, psql, readPidFile, waitFor } from '../support/pg.js';

describe('the watcher session on a busy host', () => {
  let primary: PgNode;
  let cluster: ClusterFacts;
  const pools: SessionPool[] = [];

  beforeAll(async () => {
    const root = makeTempRoot('so-wsbusy-');
    primary = await initPrimary({ root, name: 'busy', archive: true });
    await psql(primary, 'CREATE ROLE so_sess_test LOGIN');
    cluster = { dataDir: primary.dataDir, port: primary.port, socketDir: primary.socketDir, pid: readPidFile(primary)!.pid } as ClusterFacts;
  }, 120_000);

  afterAll(async () => {
    for (const p of pools) await p.close();
    await cleanupAll();
  });

  const backends = async () => (await psql(primary, "select string_agg(pid::text, ',' order by pid) from pg_stat_activity where usename = 'so_sess_test'")).split(',').filter(Boolean);

  it('two pollers back to back never leave the session idle: archiving health still arrives', async () => {
    const pool = createSessionPool();
    pools.push(pool);
    const opts: SqlOptions = { users: ['so_sess_test'], database: 'postgres', connectTimeoutMs: 5000, extra: true };
    let health: SqlFacts | null = null;
    let stop = false;
    let reads = 0;
    const poller = async () => {
      while (!stop) {
        const r = await pool.read(cluster, opts);
        reads++;
        if (r.ok && r.health && r.walDisk) {
          health = r;
          stop = true;
        }
      }
    };
    const t0 = Date.now();
    const deadline = setTimeout(() => (stop = true), 60_000);
    await Promise.all([poller(), poller()]);
    clearTimeout(deadline);
    // Within a few background attempts (MAX_YIELDS + 1), not never; generous for a loaded machine.
    expect(health, `no archiving health after ${reads} reads in ${Date.now() - t0} ms`).not.toBeNull();
    expect((health as unknown as { health: { mode: string | null } }).health).toBeTruthy();
    expect(await backends()).toHaveLength(1);
    await pool.close();
  }, 90_000);

  it('a backend that stops answering (SIGSTOP) times out without a reconnect; MAX_TIMEOUTS in a row make a new session', async () => {
    const pool = createSessionPool();
    pools.push(pool);
    const opts: SqlOptions = { users: ['so_sess_test'], database: 'postgres', connectTimeoutMs: 400, extra: false };
    await waitFor(async () => (await pool.read(cluster, opts)).ok, 30_000, 'a first read');
    const [pid] = await backends();
    expect(pid).toBeDefined();
    const stopped = () => execFileSync('kill', ['-STOP', pid!]);
    const resumed = () => execFileSync('kill', ['-CONT', pid!]);
    try {
      stopped();
      const r = await pool.read(cluster, opts);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.timedOut).toBe(true);
    } finally {
      resumed();
    }
    // The same backend answers again: the session was kept.
    await waitFor(async () => (await pool.read(cluster, opts)).ok, 30_000, 'the session to answer again');
    expect(await backends()).toEqual([pid]);

    // Now MAX_TIMEOUTS in a row: the session is given up and made again (a new backend).
    try {
      stopped();
      for (let i = 0; i < MAX_TIMEOUTS; i++) {
        const r = await pool.read(cluster, opts);
        expect(!r.ok && r.timedOut, `read ${i + 1}`).toBe(true);
      }
    } finally {
      resumed();
    }
    await waitFor(async () => (await pool.read(cluster, opts)).ok, 30_000, 'a new session');
    await waitFor(async () => {
      const b = await backends();
      return b.length === 1 && b[0] !== pid;
    }, 30_000, 'the old backend to go and one new one to stay');
    await pool.close();
  }, 120_000);
});
