// Issue 9 items 2, 4, 7 against real clusters: the new guarded tools refuse or ask on a live
// cluster (and leave its files and processes alone), a real Debian cluster for pg_dropcluster,
// real su/runuser/env -S through `safeops exec`, signals to a real postmaster versus a backend,
// and psql pg_promote() on a real standby.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, safeopsAs, SHORT_HOST, type CliEnv } from '../support/cli.js';
import { cleanupAll, createStandby, freePort, initPrimary, isRunning, makeTempRoot, mkdirOwned, psql, readPidFile, waitFor, type PgNode } from '../support/pg.js';

let root: string;
let primary: PgNode;
let standby: PgNode;
let env: CliEnv;
let fakeBin: string;
const debName = `safeops_t_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
let debDir: string;
let debPort: number;

beforeAll(async () => {
  root = makeTempRoot('safeops-tools-');
  primary = await initPrimary({ root, name: 'primary' });
  standby = await createStandby(primary, { root, name: 'standby' });
  env = cliEnv({ roots: [root] });
  // Host-wide tools never run for real here: a fake `reboot` first on PATH records that it ran.
  fakeBin = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-fakebin-'));
  for (const t of ['reboot', 'poweroff']) fs.writeFileSync(path.join(fakeBin, t), `#!/bin/sh\ntouch ${fakeBin}/${t}.ran\n`, { mode: 0o755 });
  env.env.PATH = `${fakeBin}:${env.env.PATH}`;
  debDir = mkdirOwned(path.join(root, 'debian-data'), 0o700);
  debPort = await freePort();
  await execa('pg_createcluster', ['15', debName, '-d', debDir, '-p', String(debPort), '--', '-A', 'trust'], { cwd: '/tmp' });
  await execa('pg_ctlcluster', ['15', debName, 'start'], { cwd: '/tmp' });
}, 240_000);

afterAll(async () => {
  await execa('pg_dropcluster', ['--stop', '15', debName], { reject: false, cwd: '/tmp' });
  await cleanupAll();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
  if (fakeBin) fs.rmSync(fakeBin, { recursive: true, force: true });
});

const pgVersion = () => path.join(primary.dataDir, 'PG_VERSION');
const autoConf = () => path.join(primary.dataDir, 'postgresql.auto.conf');

describe('file tools on a running primary: refused, nothing touched', () => {
  it.each([
    ['mv', () => ['mv', primary.dataDir, path.join(root, 'moved')]],
    ['mv into', () => ['mv', path.join(root, 'nothing'), path.join(primary.dataDir, 'base')]],
    ['cp into', () => ['cp', '/etc/hostname', autoConf()]],
    ['rsync --delete', () => ['rsync', '-a', '--delete', `${fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-empty-'))}/`, `${primary.dataDir}/`]],
    ['find -delete', () => ['find', primary.dataDir, '-name', 'PG_VERSION', '-delete']],
    ['find -exec rm', () => ['find', root, '-maxdepth', '1', '-name', 'primary', '-exec', 'rm', '-rf', '{}', '+']],
    ['truncate', () => ['truncate', '-s', '0', autoConf()]],
    ['shred -u', () => ['shred', '-u', autoConf()]],
    ['dd of=', () => ['dd', 'if=/dev/zero', `of=${autoConf()}`, 'count=1']],
    ['pg_resetwal', () => ['pg_resetwal', '-f', '-D', primary.dataDir]],
    ['pg_rewind into a running target', () => ['pg_rewind', `--target-pgdata=${standby.dataDir}`, `--source-pgdata=${primary.dataDir}`]],
    ['pgbackrest archive-get into a live pg_wal', () => ['pgbackrest', '--stanza=none', 'archive-get', '000000010000000000000001', path.join(primary.dataDir, 'pg_wal', 'RECOVERYXLOG')]],
  ])('%s', async (_name, args) => {
    const before = fs.readFileSync(autoConf(), 'utf8');
    const r = await safeops(args(), env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain('REFUSED');
    expect(fs.readFileSync(pgVersion(), 'utf8').trim()).toBe('15');
    expect(fs.readFileSync(autoConf(), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(primary.dataDir, 'pg_wal', 'RECOVERYXLOG'))).toBe(false);
    expect(isRunning(primary)).toBe(true);
  });

  it('a harmless cp and find still run at once', async () => {
    const dst = path.join(env.dir, 'copy');
    expect((await safeops(['cp', '/etc/hostname', dst], env.env)).exitCode).toBe(0);
    expect(fs.existsSync(dst)).toBe(true);
    const f = await safeops(['find', env.dir, '-name', 'copy', '-delete'], env.env);
    expect(f.exitCode, f.stderr).toBe(0);
    expect(fs.existsSync(dst)).toBe(false);
  });
});

describe('pg_dropcluster on a real Debian cluster', () => {
  it('refused while it runs, with --stop too; the cluster is still there', async () => {
    for (const args of [['--stop', '15', debName], ['15', debName]]) {
      const r = await safeops(['pg_dropcluster', ...args], env.env);
      expect(r.exitCode, r.stderr).toBe(77);
      expect(r.stderr).toContain('REFUSED');
    }
    expect(fs.existsSync(path.join(debDir, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(`/etc/postgresql/15/${debName}`)).toBe(true);
    const ls = await execa('pg_lsclusters', ['-h'], { cwd: '/tmp' });
    expect(ls.stdout).toMatch(new RegExp(`${debName}\\s+${debPort}\\s+online`));
  });

  it('stopped: a strong confirmation (refused without a terminal), and it drops it when confirmed', async () => {
    await execa('pg_ctlcluster', ['15', debName, 'stop'], { cwd: '/tmp' });
    const r = await safeops(['pg_dropcluster', '15', debName], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain('typed confirmation');
    expect(fs.existsSync(path.join(debDir, 'PG_VERSION'))).toBe(true);
    const ok = await safeops([`--confirm=${SHORT_HOST}`, 'pg_dropcluster', '15', debName], env.env);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(fs.existsSync(`/etc/postgresql/15/${debName}`)).toBe(false);
  });
});

describe('signals: a postmaster versus a backend (items 4 and 7)', () => {
  let sleeper: ResultPromise | undefined;
  afterAll(() => {
    sleeper?.kill('SIGKILL');
  });

  async function startBackend(): Promise<number> {
    sleeper = execa('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/psql', '-h', primary.socketDir, '-p', String(primary.port), '-d', 'postgres', '-Atc', "select 'safeops-sleeper', pg_sleep(600)"], { reject: false, cwd: '/tmp' });
    return waitFor(async () => {
      const pid = await psql(primary, "select pid from pg_stat_activity where query like '%safeops-sleeper%' and pid <> pg_backend_pid()");
      return pid ? Number(pid) : undefined;
    }, 30_000);
  }

  it('kill -9 / pkill -9 of the postmaster: strong confirmation, refused without a terminal; the server lives', async () => {
    const pm = readPidFile(primary)!.pid;
    for (const args of [['kill', '-9', String(pm)], ['kill', '-s', 'QUIT', String(pm)], ['pkill', '-9', '-f', `postgres -D ${primary.dataDir}$`], ['killall', '-9', 'postgres'], ['pkill', '-F', path.join(primary.dataDir, 'postmaster.pid')]]) {
      const r = await safeops(args, env.env);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(77);
      expect(r.stderr).toContain('running PRIMARY');
    }
    expect(readPidFile(primary)!.pid).toBe(pm);
    expect(await psql(primary, 'select 1')).toBe('1');
  });

  it('kill -TERM and pg_ctl kill TERM of a client backend run (item 7); kill -9 of it asks', async () => {
    const pm = readPidFile(primary)!.pid;
    let backend = await startBackend();
    const nine = await safeops(['kill', '-9', String(backend)], env.env);
    expect(nine.exitCode, nine.stderr).toBe(77);
    expect(nine.stderr).toContain('restarts the whole cluster');
    const term = await safeops(['kill', '-TERM', String(backend)], env.env);
    expect(term.exitCode, term.stderr).toBe(0);
    await waitFor(async () => ((await psql(primary, `select count(*) from pg_stat_activity where pid = ${backend}`)) === '0' ? true : undefined), 30_000);
    backend = await startBackend();
    const pgctl = await safeopsAs('postgres', ['exec', '/usr/lib/postgresql/15/bin/pg_ctl', 'kill', 'TERM', String(backend)], env.env);
    expect(pgctl.exitCode, pgctl.stderr).toBe(0);
    await waitFor(async () => ((await psql(primary, `select count(*) from pg_stat_activity where pid = ${backend}`)) === '0' ? true : undefined), 30_000);
    expect(readPidFile(primary)!.pid).toBe(pm);
    expect(await psql(primary, 'select 1')).toBe('1');
  });
});

describe('psql pg_promote() on a real standby', () => {
  it('is confirmed: refused without a terminal, and the standby is still a standby', async () => {
    for (const args of [
      ['-h', standby.socketDir, '-p', String(standby.port), '-d', 'postgres', '-c', 'SELECT pg_promote()'],
      [`--command=select 1; select PG_PROMOTE(true, 60)`, `host=${standby.socketDir} port=${standby.port} dbname=postgres`],
      ['-h', '127.0.0.1', '-p', String(standby.port), '-d', 'postgres', '-c', 'select pg_promote()'],
    ]) {
      const r = await safeopsAs('postgres', ['exec', '/usr/lib/postgresql/15/bin/psql', ...args], env.env);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(77);
      expect(r.stderr).toContain('running standby');
    }
    const sql = path.join(env.dir, 'promote.sql');
    fs.writeFileSync(sql, '-- failover\nselect pg_promote();\n', { mode: 0o644 });
    const f = await safeopsAs('postgres', ['exec', '/usr/lib/postgresql/15/bin/psql', '-h', standby.socketDir, '-p', String(standby.port), '-d', 'postgres', '-f', sql], env.env);
    expect(f.exitCode, f.stderr).toBe(77);
    expect(await psql(standby, 'select pg_is_in_recovery()')).toBe('t');
    expect(fs.existsSync(path.join(standby.dataDir, 'standby.signal'))).toBe(true);
  });

  it('on the primary it is allowed (nothing to promote)', async () => {
    const r = await safeopsAs('postgres', ['exec', '/usr/lib/postgresql/15/bin/psql', '-h', primary.socketDir, '-p', String(primary.port), '-d', 'postgres', '-Atc', 'select pg_promote(false)'], env.env);
    expect(r.exitCode, r.stderr).not.toBe(77);
  });
});

describe('reboot with a running primary', () => {
  it('is a strong confirmation naming the roles; nothing runs without a terminal', async () => {
    const r = await safeops(['reboot'], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain('running PRIMARY');
    expect(r.stderr).toContain('running standby');
    expect(fs.existsSync(path.join(fakeBin, 'reboot.ran'))).toBe(false);
  });
});

describe('wrappers and command strings through safeops exec (item 2)', () => {
  it.each([
    ['su -c', () => ['su', 'postgres', '-c', `rm -rf ${primary.dataDir}`]],
    ['su -s SHELL ... -c (options after the user)', () => ['su', 'postgres', '-s', '/bin/bash', '-c', `rm -rf ${primary.dataDir}`]],
    ['runuser USER -s /bin/bash -c', () => ['runuser', 'postgres', '-s', '/bin/bash', '-c', `rm -rf ${primary.dataDir}`]],
    ['su --session-command', () => ['su', '--session-command', `rm -rf ${primary.dataDir}`, 'postgres']],
    ['env -S with \\_', () => ['env', '-S', `rm\\_-rf\\_${primary.dataDir}`]],
    ['env -S with ${VAR}', () => ['env', `TARGET=${primary.dataDir}`, 'env', '-S', 'rm -rf ${TARGET}']],
    ['flock FILE CMD', () => ['flock', path.join(env.dir, 'lock'), 'rm', '-rf', primary.dataDir]],
    ['script -c', () => ['script', '-qc', `rm -rf ${primary.dataDir}`, '/dev/null']],
    ['nice + timeout + setsid + busybox', () => ['nice', '-n', '19', 'timeout', '1h', 'setsid', 'busybox', 'rm', '-rf', primary.dataDir]],
    ['xargs (targets from input)', () => ['xargs', '-r', 'rm', '-rf']],
  ])('%s', async (_name, args) => {
    const r = await safeops(['exec', ...args()], env.env);
    expect([77, 1]).toContain(r.exitCode);
    expect(r.stderr).toMatch(/REFUSED/);
    expect(fs.readFileSync(pgVersion(), 'utf8').trim()).toBe('15');
    expect(isRunning(primary)).toBe(true);
  });

  it('su - starts in the home from /etc/passwd: a relative path is judged there', async () => {
    const home = (await execa('getent', ['passwd', 'postgres'])).stdout.split(':')[5]!;
    const rel = path.relative(home, primary.dataDir);
    const r = await safeops(['exec', 'su', '-', 'postgres', '-c', `rm -rf ${rel}`], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain('running PRIMARY');
    const ok = await safeops(['exec', 'su', '-', 'postgres', '-c', 'rm -rf safeops-nothing-here'], env.env);
    expect(ok.exitCode, ok.stderr).toBe(0);
  });

  it('harmless strings still run: su -c echo, env -S printf', async () => {
    const su = await safeops(['exec', 'su', 'postgres', '-s', '/bin/sh', '-c', 'echo safeops-ok'], env.env);
    expect(su.exitCode, su.stderr).toBe(0);
    expect(su.stdout).toContain('safeops-ok');
    const e = await safeops(['exec', 'env', 'X=ok', 'env', '-S', 'printf [%s] a\\_b ${X}'], env.env);
    expect(e.exitCode, e.stderr).toBe(0);
    expect(e.stdout).toBe('[a][b][ok]');
  });
});
