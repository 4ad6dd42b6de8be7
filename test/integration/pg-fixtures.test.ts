// Smoke test for the real-PostgreSQL fixtures in test/support (pg.ts, pgbackrest.ts).
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type PgNode,
  breakArchiving,
  cleanupAll,
  crashNode,
  createStandby,
  initPrimary,
  isRunning,
  makeRestoreInProgress,
  makeStalePidFile,
  makeStoppedStandbyCopy,
  makeTempRoot,
  pgBin,
  processAlive,
  processesUnder,
  promote,
  psql,
  readPidFile,
  waitFor,
} from '../support/pg.js';
import { pgbackrest, setupPgBackRest } from '../support/pgbackrest.js';

const has = (node: PgNode, rel: string) => existsSync(path.join(node.dataDir, rel));
const clusterState = async (node: PgNode) =>
  /Database cluster state:\s+(.*)/.exec(String((await pgBin('pg_controldata', [node.dataDir])).stdout))?.[1]?.trim();

describe('pg fixtures', () => {
  afterAll(cleanupAll);

  let root: string;
  let primary: PgNode;
  let standby: PgNode;

  it('builds a primary (waldir, tablespace, archive) and a streaming standby', async () => {
    root = makeTempRoot();
    primary = await initPrimary({ root, waldir: true, tablespace: true, archive: true });
    standby = await createStandby(primary, { root });
    expect(await psql(primary, 'select pg_is_in_recovery()')).toBe('f');
    expect(await psql(standby, 'select pg_is_in_recovery()')).toBe('t');
    expect(await psql(standby, 'select count(*) from safeops_ts_table')).toBe('1');

    for (const node of [primary, standby]) {
      const wal = path.join(node.dataDir, 'pg_wal');
      expect(lstatSync(wal).isSymbolicLink()).toBe(true);
      expect(readlinkSync(wal)).toBe(node.waldir);
      const links = readdirSync(path.join(node.dataDir, 'pg_tblspc'));
      expect(links).toHaveLength(1);
      expect(readlinkSync(path.join(node.dataDir, 'pg_tblspc', links[0]!))).toBe(node.tablespaceDir);
    }
    expect(standby.tablespaceDir).not.toBe(primary.tablespaceDir);

    // archive_command copies into root/archive
    await psql(primary, 'CREATE TABLE t (x int)');
    await psql(primary, 'INSERT INTO t VALUES (1)');
    await psql(primary, 'select pg_switch_wal()');
    await waitFor(() => readdirSync(path.join(root, 'archive')).length > 0, 20_000, 'a segment in root/archive');
  });

  it('makes stopped standby copies and restores in progress', async () => {
    const never = await makeStoppedStandbyCopy(primary, { root, name: 'copy_never' });
    expect(has(never, 'standby.signal')).toBe(true);
    expect(has(never, 'backup_label')).toBe(true);
    expect(has(never, 'postmaster.pid')).toBe(false);

    const once = await makeStoppedStandbyCopy(primary, { root, name: 'copy_once', startedOnce: true });
    expect(has(once, 'standby.signal')).toBe(true);
    expect(has(once, 'backup_label')).toBe(false);
    expect(has(once, 'postmaster.pid')).toBe(false);
    expect(await clusterState(once)).toBe('shut down in recovery');

    const label = await makeRestoreInProgress(primary, { root, name: 'restore_label', variant: 'backup_label' });
    expect(has(label, 'backup_label')).toBe(true);
    expect(has(label, 'global/pg_control')).toBe(true);
    expect(has(label, 'standby.signal')).toBe(false);
    expect(has(label, 'postmaster.pid')).toBe(false);

    const partial = await makeRestoreInProgress(primary, { root, name: 'restore_partial', variant: 'no_pg_control' });
    expect(has(partial, 'PG_VERSION')).toBe(true);
    expect(has(partial, 'global/pg_control')).toBe(false);

    // stale pid files: a live non-postgres process, then a dead pid
    const live = await makeStalePidFile(once);
    expect(readPidFile(once)?.pid).toBe(live.pid);
    expect(processAlive(live.pid)).toBe(true);
    const argv0 = readFileSync(`/proc/${live.pid}/cmdline`, 'utf8').split('\0')[0]!;
    expect(path.basename(argv0)).toBe('sleep');
    expect(isRunning(once)).toBe(false);
    live.cleanup();
    expect(has(once, 'postmaster.pid')).toBe(false);
    await waitFor(() => !processAlive(live.pid), 5_000, 'sleep to die');

    const dead = await makeStalePidFile(label, { pid: 'dead' });
    expect(readPidFile(label)?.pid).toBe(dead.pid);
    expect(processAlive(dead.pid)).toBe(false);
    dead.cleanup();
  });

  it('promotes the standby for real', async () => {
    await promote(standby);
    expect(await psql(standby, 'select pg_is_in_recovery()')).toBe('f');
    expect(has(standby, 'standby.signal')).toBe(false);
  });

  it('sets up pgBackRest with a full backup', async () => {
    const setup = await setupPgBackRest(primary, { root });
    const info = JSON.parse(await pgbackrest(setup, ['info', '--output=json'])) as { backup: { type: string }[] }[];
    expect(info[0]?.backup.map((b) => b.type)).toEqual(['full']);
    expect(await pgbackrest(setup, ['info'])).toMatch(/full backup/);
  });

  it('breaks archiving', async () => {
    await breakArchiving(primary);
    expect(Number(await psql(primary, 'select failed_count from pg_stat_archiver'))).toBeGreaterThan(0);
  });

  it('crashes a node, leaving its pid file', async () => {
    const pid = await crashNode(standby);
    expect(readPidFile(standby)?.pid).toBe(pid);
    expect(processAlive(pid)).toBe(false);
    expect(isRunning(standby)).toBe(false);
    expect(processesUnder([standby.dataDir])).toEqual([]);
  });

  it('cleans up every server and temp dir', async () => {
    expect(isRunning(primary)).toBe(true);
    await cleanupAll();
    expect(processesUnder([root])).toEqual([]);
    expect(existsSync(root)).toBe(false);
  });
});
