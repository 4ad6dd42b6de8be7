// The watcher's SQL poll against a real primary and a real streaming standby: all its reads in one
// round trip (one statement message per poll, counted in the server's own log with
// log_statement = all), and the fallback, one read at a time, for a role the server refuses a read
// to (primary_conninfo needs superuser or pg_read_all_settings).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { querySqlFacts, openSession, type SqlOptions } from '../../src/facts/sql.js';
import { type PgNode, appendConf, cleanupAll, createStandby, initPrimary, makeTempRoot, psql, stopNode, startNode } from '../support/pg.js';

let primary: PgNode;
let standby: PgNode;
const opts = (user: string): SqlOptions => ({ users: [user], database: 'postgres', connectTimeoutMs: 10_000 });

beforeAll(async () => {
  const root = makeTempRoot('safeops-sqlpoll-');
  primary = await initPrimary({ root, name: 'poll-primary' });
  await psql(primary, "create role watcher login; select pg_create_physical_replication_slot('gone')");
  standby = await createStandby(primary, { root, name: 'poll-standby' });
}, 180_000);

afterAll(async () => {
  await cleanupAll();
}, 120_000);

/** Statements the server ran for `user` while `fn` ran (log_statement = all, its own log). */
async function statementsDuring(node: PgNode, user: string, fn: () => Promise<void>): Promise<string[]> {
  const before = fs.readFileSync(node.logFile, 'utf8').length;
  await fn();
  await new Promise((r) => setTimeout(r, 300));
  const text = fs.readFileSync(node.logFile, 'utf8').slice(before);
  return text.split('\n').filter((l) => l.includes(`[${user}]`) && /statement: /.test(l));
}

describe('the SQL poll', { timeout: 120_000 }, () => {
  it('reads a standby in one statement message: receiver, upstream, lag, archiver', async () => {
    for (const n of [primary, standby]) {
      appendConf(n, { log_statement: 'all', log_line_prefix: '%m [%u] ' });
      await psql(n, 'select pg_reload_conf()');
    }
    const s = await openSession({ socketDir: standby.socketDir, port: standby.port, dataDir: standby.dataDir }, opts('postgres'));
    if (!s.ok) throw new Error(s.error);
    try {
      let facts: Awaited<ReturnType<typeof querySqlFacts>> | undefined;
      const lines = await statementsDuring(standby, 'postgres', async () => {
        facts = await querySqlFacts(s.client, s.user, { socketDir: standby.socketDir, port: standby.port, dataDir: standby.dataDir }, opts('postgres'));
      });
      expect(facts, JSON.stringify(facts)).toMatchObject({ ok: true, inRecovery: true, walReceiver: true, replication: { receiverStatus: 'streaming', replayLagSeconds: 0 } });
      if (!facts?.ok) throw new Error('no facts');
      expect(facts.replication.upstream?.conninfo).toContain(`port=${primary.port}`);
      expect(facts.archiving.mode).toBe('off');
      // One message: the log has one "statement:" line for the whole poll.
      expect(lines.length, lines.join('\n')).toBe(1);
      expect(lines[0]).toContain('pg_stat_wal_receiver');
    } finally {
      await s.client.end();
    }
  });

  it('reads a primary in one statement message: its standby and its inactive slot', async () => {
    const s = await openSession({ socketDir: primary.socketDir, port: primary.port, dataDir: primary.dataDir }, opts('postgres'));
    if (!s.ok) throw new Error(s.error);
    try {
      let facts: Awaited<ReturnType<typeof querySqlFacts>> | undefined;
      const lines = await statementsDuring(primary, 'postgres', async () => {
        facts = await querySqlFacts(s.client, s.user, { socketDir: primary.socketDir, port: primary.port, dataDir: primary.dataDir }, opts('postgres'));
      });
      expect(facts, JSON.stringify(facts)).toMatchObject({ ok: true, inRecovery: false, walReceiver: false, replication: { upstream: null, receiverStatus: null } });
      if (!facts?.ok) throw new Error('no facts');
      expect(facts.replication.connectedStandbys?.map((x) => x.state)).toEqual(['streaming']);
      expect((facts.replication as { inactivePhysicalSlots?: string[] }).inactivePhysicalSlots).toEqual(['gone']);
      expect(lines.length, lines.join('\n')).toBe(1);
    } finally {
      await s.client.end();
    }
  });

  it('a role that may not read primary_conninfo gets the same facts read one by one, and keeps that session on them', async () => {
    const s = await openSession({ socketDir: standby.socketDir, port: standby.port, dataDir: standby.dataDir }, opts('watcher'));
    if (!s.ok) throw new Error(s.error);
    try {
      const target = { socketDir: standby.socketDir, port: standby.port, dataDir: standby.dataDir };
      let first: Awaited<ReturnType<typeof querySqlFacts>> | undefined;
      const lines1 = await statementsDuring(standby, 'watcher', async () => {
        first = await querySqlFacts(s.client, s.user, target, opts('watcher'));
      });
      // (pg_stat_wal_receiver shows such a role its pid only, and primary_conninfo not at all.)
      expect(first, JSON.stringify(first)).toMatchObject({ ok: true, inRecovery: true, walReceiver: true, clusterName: 'poll-standby', replication: { upstream: null } });
      // The batch was refused, then the reads went one by one (base, receiver, conninfo, lag, archiver).
      expect(lines1.length, lines1.join('\n')).toBe(6);
      const lines2 = await statementsDuring(standby, 'watcher', async () => {
        expect(await querySqlFacts(s.client, s.user, target, opts('watcher'))).toMatchObject({ ok: true, inRecovery: true });
      });
      expect(lines2.length, lines2.join('\n')).toBe(5);
    } finally {
      await s.client.end();
    }
  });

  it('a server that stops mid-session: the poll fails as a lost connection, not as facts', async () => {
    const s = await openSession({ socketDir: primary.socketDir, port: primary.port, dataDir: primary.dataDir }, opts('postgres'));
    if (!s.ok) throw new Error(s.error);
    await stopNode(primary, 'fast');
    try {
      const r = await querySqlFacts(s.client, s.user, { socketDir: primary.socketDir, port: primary.port, dataDir: primary.dataDir }, opts('postgres'));
      expect(r).toMatchObject({ ok: false, connectionLost: true });
    } finally {
      await s.client.end().catch(() => undefined);
      await startNode(primary);
    }
  });
});
