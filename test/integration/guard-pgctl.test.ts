// Stopping, killing and promoting real clusters through pg_ctl, pg_ctlcluster (a real Debian
// cluster made with pg_createcluster) and systemctl.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, safeopsAs, SHORT_HOST, type CliEnv } from '../support/cli.js';
import { cleanupAll, createStandby, freePort, initPrimary, isRunning, makeTempRoot, psql, readPidFile, startNode, stopNode, waitFor, type PgNode } from '../support/pg.js';

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
let root: string;
let primary: PgNode;
let standby: PgNode;
let env: CliEnv;
const debName = `sotest${process.pid}`;
let debPort: number;

beforeAll(async () => {
  root = makeTempRoot('safeops-pgctl-');
  primary = await initPrimary({ root, name: 'primary' });
  standby = await createStandby(primary, { root, name: 'standby' });
  env = cliEnv({ roots: [root] });
  debPort = await freePort();
  await execa('pg_createcluster', ['15', debName, '-p', String(debPort), '--start', '--', '-A', 'trust'], { cwd: '/tmp' });
}, 180_000);

afterAll(async () => {
  await execa('pg_dropcluster', ['--stop', '15', debName], { reject: false, cwd: '/tmp' });
  await cleanupAll();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('pg_ctl', () => {
  it('stop of a running primary is confirmed: refused without a terminal, the server keeps running', async () => {
    for (const args of [['-D', primary.dataDir, 'stop'], ['stop', '-D', primary.dataDir], [`--pgdata=${primary.dataDir}`, 'stop', '-m', 'fast'], ['restart', '-D', primary.dataDir + '/']]) {
      const r = await safeopsAs('postgres', ['exec', PG_CTL, ...args], env.env);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(77);
      expect(r.stderr).toContain('running PRIMARY');
    }
    const viaEnv = await safeopsAs('postgres', ['exec', PG_CTL, 'stop'], { ...env.env, PGDATA: primary.dataDir });
    expect(viaEnv.exitCode).toBe(77);
    expect(isRunning(primary)).toBe(true);
  });

  it('stop of a running standby is allowed and really stops it', async () => {
    const r = await safeopsAs('postgres', ['exec', PG_CTL, '-D', standby.dataDir, '-m', 'fast', 'stop'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(isRunning(standby)).toBe(false);
    await startNode(standby, { waitStreaming: true });
  });

  it('an immediate stop or a kill of the standby asks; of the primary it is a strong confirmation', async () => {
    const imm = await safeopsAs('postgres', ['exec', PG_CTL, '-D', standby.dataDir, '-mi', 'stop'], env.env);
    expect(imm.exitCode).toBe(77);
    const backend = Number(await psql(primary, 'select pid from pg_stat_activity where backend_type = \'checkpointer\''));
    const kill = await safeopsAs('postgres', ['exec', PG_CTL, 'kill', 'KILL', String(backend)], env.env);
    expect(kill.exitCode, kill.stderr).toBe(77);
    expect(kill.stderr).toContain('running PRIMARY');
    const hup = await safeopsAs('postgres', ['exec', PG_CTL, 'kill', 'HUP', String(readPidFile(primary)!.pid)], env.env);
    expect(hup.exitCode, hup.stderr).toBe(0);
    expect(await psql(primary, 'select 1')).toBe('1');
  });

  it('status is allowed and its exit code comes back', async () => {
    const r = await safeopsAs('postgres', ['exec', PG_CTL, '-D', primary.dataDir, 'status'], env.env);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('server is running');
    const none = await safeopsAs('postgres', ['exec', PG_CTL, '-D', path.join(root, 'nothing-here'), 'status'], env.env);
    expect(none.exitCode).toBe(4);
  });

  it('promote of a standby is confirmed; with --confirm it really promotes', async () => {
    const r = await safeopsAs('postgres', ['exec', PG_CTL, '-D', standby.dataDir, 'promote'], env.env);
    expect(r.exitCode).toBe(77);
    expect(await psql(standby, 'select pg_is_in_recovery()')).toBe('t');
    const ok = await safeopsAs('postgres', [`--confirm=${SHORT_HOST}`, 'exec', PG_CTL, '-D', standby.dataDir, '-w', 'promote'], env.env);
    expect(ok.exitCode, ok.stderr).toBe(0);
    await waitFor(async () => (await psql(standby, 'select pg_is_in_recovery()')) === 'f', 10_000, 'promotion');
    // Now it is a primary: rm refuses it as one.
    const rm = await safeops(['rm', '-rf', standby.dataDir], env.env);
    expect(rm.stderr).toContain('standby is running PRIMARY');
  });

  it('the split-brain warning is given only while the upstream primary still answers', async () => {
    const second = await createStandby(primary, { root, name: 'standby2' });
    const explain = () => safeopsAs('postgres', ['explain', PG_CTL, '-D', second.dataDir, 'promote'], env.env);
    const up = await explain();
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain('CONFIRM');
    expect(up.stdout).toContain('WARNING The upstream primary still answers');
    await stopNode(primary);
    const down = await explain();
    expect(down.stdout).toContain('CONFIRM');
    expect(down.stdout).not.toContain('WARNING');
  });
});

describe('pg_ctlcluster and systemctl (a real Debian cluster)', () => {
  const dd = () => `/var/lib/postgresql/15/${debName}`;
  it.each([
    ['VER NAME ACTION', ['15', '@', 'stop']],
    ['ACTION VER NAME', ['stop', '15', '@']],
    ['VER/NAME ACTION', ['15/@', 'stop']],
    ['ACTION VER-NAME', ['stop', '15-@']],
    ['options first', ['-m', 'fast', '15', '@', 'stop']],
    ['restart', ['15', '@', 'restart']],
    ['force (fast, then immediate)', ['--force', '15', '@', 'stop']],
    ['pg_ctl options after --', ['15', '@', 'stop', '--', '-m', 'immediate']],
  ])('pg_ctlcluster %s of the running primary is confirmed', async (_, args) => {
    const r = await safeops(['pg_ctlcluster', ...args.map((a) => a.replace('@', debName))], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain(`15/${debName} is running PRIMARY`);
  });

  it('pg_ctlcluster status runs', async () => {
    const r = await safeops(['pg_ctlcluster', '15', debName, 'status'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('pg_ctl -D with the Debian config directory names the same cluster', async () => {
    const r = await safeopsAs('postgres', ['exec', PG_CTL, '-D', `/etc/postgresql/15/${debName}`, 'stop'], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
  });

  it('rm of its config directory or data directory is refused', async () => {
    expect((await safeops(['rm', '-rf', `/etc/postgresql/15/${debName}`], env.env)).exitCode).toBe(77);
    expect((await safeops(['rm', '-rf', dd()], env.env)).exitCode).toBe(77);
    expect(fs.existsSync(path.join(dd(), 'PG_VERSION'))).toBe(true);
  });

  it.each([
    [['stop', `postgresql@15-${debName}`]],
    [['restart', `postgresql@15-${debName}.service`]],
    [['kill', '-s', 'KILL', `postgresql@15-${debName}`]],
    [['stop', 'postgresql']],
    [['--no-block', 'stop', 'postgresql@*']],
  ])('systemctl %j is confirmed', async (args) => {
    const r = await safeops(['systemctl', ...args], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
  });

  it('systemctl status is allowed (its own exit code comes back)', async () => {
    const r = await safeops(['systemctl', 'status', `postgresql@15-${debName}`], env.env);
    expect(r.exitCode).not.toBe(77);
  });
});
