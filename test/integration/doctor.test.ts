// `safeops doctor` (issue 11) with the built CLI against a real primary and streaming standby, a
// real pgBackRest repository (archive_command = pgbackrest archive-push), and wal-g as the
// recording fixture (its --version and backup-list --json --detail): lines, JSON, exit codes, the
// probe, a broken archive_command, and a cluster named that does not exist.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, FIXTURE_BIN, safeops, type CliEnv } from '../support/cli.js';
import { type PgNode, cleanupAll, createStandby, initPrimary, lit, makeTempRoot, psql } from '../support/pg.js';
import { setupPgBackRest, type PgBackRestSetup } from '../support/pgbackrest.js';

interface Report {
  schema: string;
  status: string;
  exitCode: number;
  clusters: Array<{ name: string; dataDir: string; role: string; status: string; checks: Array<{ id: string; status: string; fact: string; fix: string | null }> }>;
  problems: string[];
}

describe('safeops doctor', () => {
  let root: string;
  let primary: PgNode;
  let standby: PgNode;
  let walgNode: PgNode;
  let bk: PgBackRestSetup;
  let env: CliEnv;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    root = makeTempRoot('so-doc-');
    primary = await initPrimary({ root, name: 'dprim', archive: true });
    bk = await setupPgBackRest(primary, { root });
    standby = await createStandby(primary, { root, name: 'dstby' });
    walgNode = await initPrimary({ root, name: 'dwalg' });
    await psql(walgNode, `ALTER SYSTEM SET archive_mode = 'on'`);
    await psql(walgNode, `ALTER SYSTEM SET archive_command = ${lit(`env WALG_FILE_PREFIX=/nonexistent/walg ${FIXTURE_BIN}/wal-g wal-push %p`)}`);
    const { stopNode, startNode } = await import('../support/pg.js');
    await stopNode(walgNode);
    await startNode(walgNode);
    env = cliEnv({ roots: [root] });
  }, 300_000);

  afterAll(async () => {
    console.log('doctor figures (ms):', JSON.stringify(figures));
    await cleanupAll();
  });

  const doctor = async (args: string[]) => {
    const t = Date.now();
    const r = await safeops(['doctor', ...args], env.env, { timeout: 120_000 });
    return { ...r, ms: Date.now() - t };
  };
  const check = (rep: Report, dataDir: string, id: string) => rep.clusters.find((c) => c.dataDir === dataDir)!.checks.filter((k) => k.id === id);

  it('primary + standby with a fresh pgBackRest backup: all ok, exit 0, facts in words', async () => {
    const r = await doctor(['--json', primary.dataDir, standby.dataDir]);
    figures.doctor = r.ms;
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.schema).toBe('safeops.doctor/1');
    const notOk = rep.clusters.flatMap((c) => c.checks.filter((k) => k.status !== 'ok').map((k) => `${c.name} ${k.id}: ${k.fact}`));
    expect(notOk).toEqual([]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(check(rep, primary.dataDir, 'role')[0]!.fact).toContain('pg_is_in_recovery() = false');
    expect(check(rep, primary.dataDir, 'archiving')[0]!.fact).toContain('runs /usr/bin/pgbackrest');
    expect(check(rep, primary.dataDir, 'standbys')[0]!.fact).toMatch(/1 standby\(s\): dstby streaming/);
    expect(check(rep, primary.dataDir, 'version')[0]!.fact).toMatch(/^PostgreSQL 15\.\d+/);
    expect(check(rep, primary.dataDir, 'tool')[0]!.fact).toMatch(/pgBackRest 2\.\d+/);
    const backup = check(rep, primary.dataDir, 'backup')[0]!.fact;
    expect(backup).toMatch(/pgBackRest stanza demo: newest backup \d{8}-\d{6}F, \d+ (s|min) old, made by pgBackRest 2\.\d+; oldest WAL needed to restore it [0-9A-F]{24}/);
    expect(check(rep, standby.dataDir, 'streaming')[0]!.fact).toMatch(/^streaming from /);
    expect(check(rep, standby.dataDir, 'archiving')).toEqual([]); // archive_mode on: a standby does not archive
    expect(check(rep, primary.dataDir, 'wal-disk')[0]!.fact).toMatch(/^pg_wal \d+ MB; .* free of /);
    // The text form: one line per check, ok/warn/fail first.
    const t = await doctor([primary.dataDir]);
    expect(t.exitCode).toBe(0);
    expect(t.stdout).toMatch(/\n {2}ok {4}archiving {2}archive_mode on;/);
    const s = Date.now();
    await safeops(['status', '--json'], env.env);
    figures.status = Date.now() - s;
  }, 180_000);

  it('--probe switches WAL and waits until pgBackRest archived that segment', async () => {
    const r = await doctor(['--json', '--probe', primary.dataDir]);
    expect(r.stdout, r.stderr).not.toBe('');
    const rep = JSON.parse(r.stdout) as Report;
    const p = check(rep, primary.dataDir, 'probe')[0]!;
    expect(p.status, p.fact).toBe('ok');
    const seg = /([0-9A-F]{24}) archived/.exec(p.fact)![1]!;
    // Really in the repository.
    const found = fs.readdirSync(path.join(bk.repoPath, 'archive', 'demo'), { recursive: true }).map(String).some((f) => path.basename(f).startsWith(seg));
    expect(found).toBe(true);
    expect(r.exitCode).toBe(0);
  }, 180_000);

  it('an archive_command naming a missing program: fail with the fix, exit 2; the probe fails within its bound', async () => {
    const good = await psql(primary, 'show archive_command');
    await psql(primary, `ALTER SYSTEM SET archive_command = '/nonexistent/pgbackrest --stanza=demo archive-push %p'`);
    await psql(primary, 'select pg_reload_conf()');
    try {
      const r = await doctor(['--json', '--probe', '--probe-timeout', '5', primary.dataDir]);
      expect(r.stdout, r.stderr).not.toBe('');
      const rep = JSON.parse(r.stdout) as Report;
      expect(r.exitCode).toBe(2);
      const a = check(rep, primary.dataDir, 'archiving')[0]!;
      expect(a.status).toBe('fail');
      expect(a.fact).toContain('/nonexistent/pgbackrest does not exist');
      expect(a.fix).toContain('pg_reload_conf()');
      expect(check(rep, primary.dataDir, 'probe')[0]!.status).toBe('fail');
      const t = await doctor([primary.dataDir]);
      expect(t.exitCode).toBe(2);
      expect(t.stdout).toMatch(/\n {2}fail {2}archiving {2}archive_command runs \/nonexistent\/pgbackrest/);
      expect(t.stdout).toContain('fix: fix archive_command');
    } finally {
      await psql(primary, `ALTER SYSTEM SET archive_command = ${lit(good)}`);
      await psql(primary, 'select pg_reload_conf()');
    }
  }, 180_000);

  it('wal-g named in archive_command: its version and an old newest backup (warning, exit 1)', async () => {
    const r = await doctor(['--json', walgNode.dataDir]);
    const rep = JSON.parse(r.stdout) as Report;
    const tool = check(rep, walgNode.dataDir, 'tool')[0]!;
    expect(tool.fact).toContain(`${FIXTURE_BIN}/wal-g (archive_command): wal-g version v3.0.5`);
    const b = check(rep, walgNode.dataDir, 'backup')[0]!;
    expect(b.status).toBe('warn');
    expect(b.fact).toMatch(/^wal-g: newest backup base_000000010000000000000004, [\d.]+ days old; oldest WAL needed to restore it 000000010000000000000004$/);
    expect(r.exitCode).toBe(1);
  }, 120_000);

  it('a cluster that does not exist: exit 2 with the problem named', async () => {
    const r = await doctor(['--json', 'no/such-cluster']);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.problems).toContain('no cluster named no/such-cluster on this host');
    expect(r.exitCode).toBe(2);
  });
});
