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

type Facts = Awaited<ReturnType<typeof querySqlFacts>>;
const target = (n: PgNode) => ({ socketDir: n.socketDir, port: n.port, dataDir: n.dataDir });

/** One session as `user`; `polls` polls on it, each with the statements the server logged for it. */
async function pollTimes(node: PgNode, user: string, polls: number): Promise<Array<{ facts: Facts; lines: string[] }>> {
  const s = await openSession(target(node), opts(user));
  if (!s.ok) throw new Error(s.error);
  try {
    const out: Array<{ facts: Facts; lines: string[] }> = [];
    for (let i = 0; i < polls; i++) {
      let facts: Facts | undefined;
      const lines = await statementsDuring(node, user, async () => {
        facts = await querySqlFacts(s.client, s.user, target(node), opts(user));
      });
      out.push({ facts: facts!, lines });
    }
    return out;
  } finally {
    await s.client.end();
  }
}

describe('the SQL poll', { timeout: 120_000 }, () => {
  it('reads a standby in one statement message: receiver, upstream, lag, archiver', async () => {
    for (const n of [primary, standby]) {
      appendConf(n, { log_statement: 'all', log_line_prefix: '%m [%u] ' });
      await psql(n, 'select pg_reload_conf()');
    }
    const { facts, lines } = (await pollTimes(standby, 'postgres', 1))[0]!;
    expect(facts, JSON.stringify(facts)).toMatchObject({ ok: true, inRecovery: true, walReceiver: true, replication: { receiverStatus: 'streaming', replayLagSeconds: 0 } });
    if (!facts.ok) throw new Error('no facts');
    expect(facts.replication.upstream?.conninfo).toContain(`port=${primary.port}`);
    expect(facts.archiving.mode).toBe('off');
    // One message: the log has one "statement:" line for the whole poll.
    expect(lines.length, lines.join('\n')).toBe(1);
    expect(lines[0]).toContain('pg_stat_wal_receiver');
  });

  it('reads a primary in one statement message: its standby and its inactive slot', async () => {
    const { facts, lines } = (await pollTimes(primary, 'postgres', 1))[0]!;
    expect(facts, JSON.stringify(facts)).toMatchObject({ ok: true, inRecovery: false, walReceiver: false, replication: { upstream: null, receiverStatus: null } });
    if (!facts.ok) throw new Error('no facts');
    expect(facts.replication.connectedStandbys?.map((x) => x.state)).toEqual(['streaming']);
    expect((facts.replication as { inactivePhysicalSlots?: string[] }).inactivePhysicalSlots).toEqual(['gone']);
    expect(lines.length, lines.join('\n')).toBe(1);
  });

  it('a role that may not read primary_conninfo gets the same facts read one by one, and keeps that session on them', async () => {
    const [first, second] = await pollTimes(standby, 'watcher', 2);
    // (pg_stat_wal_receiver shows such a role its pid only, and primary_conninfo not at all.)
    expect(first!.facts, JSON.stringify(first!.facts)).toMatchObject({ ok: true, inRecovery: true, walReceiver: true, clusterName: 'poll-standby', replication: { upstream: null } });
    // The batch was refused, then the reads went one by one (base, receiver, conninfo, lag, archiver).
    expect(first!.lines.length, first!.lines.join('\n')).toBe(6);
    expect(second!.facts).toMatchObject({ ok: true, inRecovery: true });
    expect(second!.lines.length, second!.lines.join('\n')).toBe(5);
  });

  it('a server that stops mid-session: the poll fails as a lost connection, not as facts', async () => {
    const s = await openSession(target(primary), opts('postgres'));
    if (!s.ok) throw new Error(s.error);
    await stopNode(primary, 'fast');
    try {
      const r = await querySqlFacts(s.client, s.user, target(primary), opts('postgres'));
      expect(r).toMatchObject({ ok: false, connectionLost: true });
    } finally {
      await s.client.end().catch(() => undefined);
      await startNode(primary);
    }
  });
});
