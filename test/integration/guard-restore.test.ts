// Restores and base backups into live clusters: wal-g (a fixture that records its argv: wal-g
// cannot be installed here), real pgBackRest, real pg_basebackup.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, safeopsAs, SHORT_HOST, type CliEnv } from '../support/cli.js';
import { cleanupAll, initPrimary, createStandby, makeTempRoot, mkdirOwned, psql, type PgNode } from '../support/pg.js';
import { setupPgBackRest, type PgBackRestSetup } from '../support/pgbackrest.js';

let root: string;
let primary: PgNode;
let standby: PgNode;
let env: CliEnv;
let record: string;
let bk: PgBackRestSetup;
let createdOptWalg = false;

/** argv lists the wal-g fixture was called with. */
function walgCalls(): string[][] {
  return fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : [];
}

beforeAll(async () => {
  root = makeTempRoot('safeops-restore-');
  primary = await initPrimary({ root, name: 'primary' });
  standby = await createStandby(primary, { root, name: 'standby' });
  bk = await setupPgBackRest(primary, { root });
  env = cliEnv({ roots: [root] });
  record = path.join(env.dir, 'walg.jsonl');
  env.env.WALG_RECORD = record;
  // The matrix.org layout: wal-g under /opt/wal-g, called by absolute path (removed afterwards
  // when this test created it).
  createdOptWalg = !fs.existsSync('/opt/wal-g');
  fs.mkdirSync('/opt/wal-g', { recursive: true });
  fs.copyFileSync(path.resolve('test/fixtures/bin/wal-g'), '/opt/wal-g/wal-g');
  fs.chmodSync('/opt/wal-g/wal-g', 0o755);
}, 180_000);

afterAll(async () => {
  if (createdOptWalg) fs.rmSync('/opt/wal-g', { recursive: true, force: true });
  await cleanupAll();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('wal-g', () => {
  it.each([
    ['backup-fetch into the running primary', ['wal-g', 'backup-fetch', '@P', 'LATEST']],
    ['global flag before the subcommand', ['wal-g', '--config', '/etc/wal-g.json', 'backup-fetch', '@P', 'LATEST']],
    ['global flag after the subcommand', ['wal-g', 'backup-fetch', '--config=/etc/wal-g.json', '@P', 'LATEST']],
    ['into the standby', ['wal-g', 'backup-fetch', '@S', 'LATEST']],
    ['catchup-fetch', ['wal-g', 'catchup-fetch', '@S', 'base_0001']],
    ['matrix.org: sudo /opt/wal-g/wal-g', ['sudo', '/opt/wal-g/wal-g', 'backup-fetch', '@P', 'LATEST']],
    ['matrix.org: sudo time /opt/wal-g/wal-g', ['sudo', 'time', '/opt/wal-g/wal-g', 'backup-fetch', '@P', 'LATEST']],
    ['exec -u postgres through sudo', ['sudo', '-u', 'postgres', '/opt/wal-g/wal-g', 'backup-fetch', '@P/', 'LATEST']],
  ])('refuses %s, and wal-g never runs', async (_, args) => {
    const argv = args.map((a) => a.replace('@P', primary.dataDir).replace('@S', standby.dataDir));
    const r = await safeops(argv, env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(walgCalls()).toEqual([]);
    expect(await psql(primary, 'select 1')).toBe('1');
  });

  it('refuses a fetch while the working directory is inside the destination (the matrix.org tee)', async () => {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-dest-'));
    fs.mkdirSync(path.join(dest, 'sub'));
    const r = await safeops(['wal-g', 'backup-fetch', dest, 'LATEST'], env.env, { cwd: path.join(dest, 'sub') });
    expect(r.exitCode).toBe(77);
    expect(r.stderr).toContain('current directory is inside the destination');
    expect(walgCalls()).toEqual([]);
    fs.rmSync(dest, { recursive: true });
  });

  it('allows a fetch into a new empty directory and passes argv byte for byte', async () => {
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-dest-')), 'new data');
    const args = ['--config', '/etc/wal-g.json', 'backup-fetch', dest, 'base_0001 with space', '--', '-n'];
    const r = await safeops(['exec', '/opt/wal-g/wal-g', ...args], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(walgCalls().at(-1)).toEqual(args);
  });

  it('confirms a fetch into a non-empty directory', async () => {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-dest-'));
    fs.writeFileSync(path.join(dest, 'keep'), 'x');
    const r = await safeops(['wal-g', 'backup-fetch', dest, 'LATEST'], env.env);
    expect(r.exitCode).toBe(77);
    expect(r.stderr).toContain('is not empty');
  });

  it('delete --confirm needs a confirmation; without --confirm it is a dry run and runs', async () => {
    const before = walgCalls().length;
    const dry = await safeops(['wal-g', 'delete', 'retain', 'FULL', '3'], env.env);
    expect(dry.exitCode).toBe(0);
    const noTty = await safeops(['wal-g', 'delete', 'retain', 'FULL', '3', '--confirm'], env.env);
    expect(noTty.exitCode).toBe(77);
    expect(walgCalls().length).toBe(before + 1);
    const ok = await safeops([`--confirm=${SHORT_HOST}`, 'wal-g', 'delete', 'retain', 'FULL', '3', '--confirm'], env.env);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(walgCalls().at(-1)).toEqual(['delete', 'retain', 'FULL', '3', '--confirm']);
  });

  it('harmless wal-g subcommands run at once', async () => {
    for (const sub of [['backup-list'], ['wal-push', '/tmp/x'], ['wal-fetch', '000000010000000000000001', '/tmp/y']]) {
      const r = await safeops(['wal-g', ...sub], env.env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(walgCalls().at(-1)).toEqual(sub);
    }
  });
});

describe('pgBackRest (real)', () => {
  it('refuses a restore into the live primary named by the stanza in its config file', async () => {
    const r = await safeopsAs('postgres', ['pgbackrest', `--config=${bk.configFile}`, `--stanza=${bk.stanza}`, '--delta', 'restore'], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain('primary is running PRIMARY');
    expect(await psql(primary, 'select 1')).toBe('1');
  });

  it('refuses --pg1-path pointing at the running standby', async () => {
    const r = await safeopsAs('postgres', ['pgbackrest', `--config=${bk.configFile}`, `--stanza=${bk.stanza}`, `--pg1-path=${standby.dataDir}`, '--delta', 'restore'], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
  });

  it('allows a restore into an empty directory, and it really restores', async () => {
    const target = mkdirOwned(path.join(root, 'restored'), 0o700);
    const r = await safeopsAs('postgres', ['pgbackrest', `--config=${bk.configFile}`, `--stanza=${bk.stanza}`, `--pg1-path=${target}`, 'restore'], env.env);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(fs.existsSync(path.join(target, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(target, 'global/pg_control'))).toBe(true);
  });
});

describe('pg_basebackup (real)', () => {
  it('refuses -D into the running standby, in every spelling', async () => {
    for (const args of [['-D', standby.dataDir], [`-D${standby.dataDir}`], [`--pgdata=${standby.dataDir}`], ['--pgdata', standby.dataDir + '/']]) {
      const r = await safeopsAs('postgres', ['pg_basebackup', '-h', primary.socketDir, '-p', String(primary.port), ...args], env.env);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(77);
    }
    expect(await psql(standby, 'select pg_is_in_recovery()')).toBe('t');
  });

  it('allows -D into a new directory and the backup is made', async () => {
    const target = path.join(root, 'bb-new');
    const r = await safeopsAs('postgres', ['exec', '/usr/lib/postgresql/15/bin/pg_basebackup', '-h', primary.socketDir, '-p', String(primary.port), '-D', target, '-X', 'stream'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(target, 'PG_VERSION'))).toBe(true);
  });
});
