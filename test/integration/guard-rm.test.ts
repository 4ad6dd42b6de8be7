// The guard against a real primary (pg_wal and a tablespace on other file systems) and a real
// streaming standby, tried the way an attacker of our own safety would: every spelling of every
// footprint path, flag orders, relative paths from inside, globs, symlinks, bind mounts, prefixes.
// Every refusal checks that the files are still there and the server still runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecords, cliEnv, safeops, SHORT_HOST, type CliEnv } from '../support/cli.js';
import { cleanupAll, createStandby, initPrimary, makeRestoreInProgress, makeStalePidFile, makeStoppedStandbyCopy, makeTempRoot, postgresIds, psql, stopNode, type PgNode } from '../support/pg.js';

let root: string;
let primary: PgNode;
let standby: PgNode;
let env: CliEnv;
const mounted: string[] = [];
let bindOutside: string;

function mount(args: string[], target: string) {
  execFileSync('mount', [...args, target]);
  mounted.unshift(target);
}

/** Files that must survive every refusal, and the servers that must keep running. */
async function assertIntact() {
  for (const p of [path.join(primary.dataDir, 'PG_VERSION'), path.join(primary.dataDir, 'global/pg_control'), primary.waldir!, primary.tablespaceDir!, path.join(standby.dataDir, 'PG_VERSION')]) expect(fs.existsSync(p), p).toBe(true);
  expect(await psql(primary, 'select 1')).toBe('1');
  expect(await psql(standby, 'select pg_is_in_recovery()')).toBe('t');
}

beforeAll(async () => {
  root = makeTempRoot('safeops-guard-');
  // pg_wal and the tablespace on other file systems (tmpfs), as on a real host with separate disks.
  for (const d of ['waldisk', 'tblspc']) {
    fs.mkdirSync(path.join(root, d));
    mount(['-t', 'tmpfs', '-o', `mode=0755,uid=${postgresIds().uid},gid=${postgresIds().gid}`, 'tmpfs'], path.join(root, d));
  }
  primary = await initPrimary({ root, name: 'primary', waldir: true, tablespace: true, archive: true });
  standby = await createStandby(primary, { root, name: 'standby' });
  fs.symlinkSync(primary.dataDir, path.join(root, 'link-to-primary'));
  fs.symlinkSync(root, path.join(root, 'link-to-root'));
  fs.mkdirSync(path.join(root, 'bind-of-primary'));
  mount(['--bind', primary.dataDir], path.join(root, 'bind-of-primary'));
  // A bind mount of the test root somewhere unrelated: rm -r of that place reaches the clusters.
  bindOutside = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-bindout-'));
  fs.mkdirSync(path.join(bindOutside, 'view'));
  mount(['--bind', root], path.join(bindOutside, 'view'));
  env = cliEnv({ roots: [root] });
}, 180_000);

afterAll(async () => {
  for (const n of [standby, primary]) if (n) await stopNode(n, 'immediate').catch(() => undefined);
  for (const m of mounted) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      /* already gone */
    }
  }
  if (bindOutside) fs.rmSync(bindOutside, { recursive: true, force: true });
  await cleanupAll();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('rm of a live cluster is refused, however it is spelled', () => {
  const spellings = (): Array<[string, string[], string?]> => {
    const dd = primary.dataDir;
    const rel = path.relative('/tmp', dd);
    const entries = fs.readdirSync(dd).map((e) => path.join(dd, e));
    return [
      ['canonical', ['-rf', dd]],
      ['trailing slash', ['-rf', dd + '/']],
      ['doubled slashes', ['-rf', dd.replace(/\//g, '//')]],
      ['dot segments', ['-rf', `${root}/./primary/.`]],
      ['.. detour', ['-rf', `${dd}/base/../global/..`]],
      ['relative from /tmp', ['-rf', rel], '/tmp'],
      ['relative from inside: .', ['-rf', '.'], dd],
      ['relative from inside: base', ['-rf', 'base'], dd],
      ['relative from inside: ../primary', ['-rf', '../primary'], dd],
      ['glob as the shell expands it (rm -rf *)', ['-rf', ...fs.readdirSync(dd)], dd],
      ['absolute glob', ['-rf', ...entries]],
      ['one file, no -r', [path.join(dd, 'postgresql.auto.conf')]],
      ['pg_control', ['-f', path.join(dd, 'global/pg_control')]],
      ['postmaster.pid (deleting it shuts the server down)', [path.join(dd, 'postmaster.pid')]],
      ['symlink, no trailing slash', ['-rf', path.join(root, 'link-to-primary')]],
      ['symlink, trailing slash', ['-rf', path.join(root, 'link-to-primary') + '/']],
      ['through a symlinked ancestor', ['-rf', path.join(root, 'link-to-root', 'primary')]],
      ['bind mount of the data dir', ['-rf', path.join(root, 'bind-of-primary')]],
      ['inside the bind mount', ['-rf', path.join(root, 'bind-of-primary', 'base')]],
      ['an unrelated dir holding a bind mount of the root', ['-rf', bindOutside]],
      ['the pg_wal symlink itself', [path.join(dd, 'pg_wal')]],
      ['pg_wal target on its own disk', ['-rf', primary.waldir!]],
      ['a WAL segment on that disk', ['-f', path.join(primary.waldir!, fs.readdirSync(primary.waldir!).find((f) => /^[0-9A-F]{24}$/.test(f))!)]],
      ['the WAL disk mount point', ['-rf', path.join(root, 'waldisk')]],
      ['the tablespace on its own disk', ['-rf', primary.tablespaceDir!]],
      ['the tablespace disk', ['-rf', path.join(root, 'tblspc')]],
      ['the parent of everything', ['-rf', root]],
      ['flags after the operand (GNU permutation)', [dd, '-rf']],
      ['separate and long flags', ['-r', '--force', '--', dd]],
      ['abbreviated long option', ['--recur', '-f', dd]],
      ['interactive flags still guarded', ['-rI', dd]],
      ['the standby', ['-rf', standby.dataDir]],
      ['both, one harmless operand first', ['-rf', '/tmp/safeops-nonexistent-harmless', standby.dataDir]],
    ];
  };

  it('refuses every spelling with exit 77 and runs nothing', async () => {
    for (const [name, args, cwd] of spellings()) {
      const r = await safeops(['rm', ...args], env.env, cwd ? { cwd } : {});
      expect(r.exitCode, `${name}: ${r.stderr}`).toBe(77);
      expect(r.stderr, name).toContain('REFUSED');
    }
    await assertIntact();
  });

  it('a refusal names the cluster, its role, how it was known and the next step', async () => {
    const r = await safeops(['rm', '-rf', primary.dataDir], env.env);
    expect(r.exitCode).toBe(77);
    expect(r.stderr).toContain(`REFUSED  host ${os.hostname()} — nothing was run.`);
    expect(r.stderr).toContain('primary is running PRIMARY');
    expect(r.stderr).toContain('SQL pg_is_in_recovery() = false');
    expect(r.stderr).toMatch(/next: +Stop the cluster first \(pg_ctl -D .*primary stop\)/);
    const s = await safeops(['rm', '-rf', standby.dataDir], env.env);
    expect(s.stderr).toContain('standby is running standby');
    expect(s.stderr).toContain('SQL pg_is_in_recovery() = true');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    ['sudo', ['sudo', 'rm', '-rf']],
    ['sudo with options', ['sudo', '-u', 'root', '-E', 'rm', '-rf']],
    ['sudo time', ['sudo', 'time', 'rm', '-rf']],
    ['exec env nice', ['exec', 'env', 'LC_ALL=C', 'nice', '-n', '5', 'rm', '-rf']],
    ['exec absolute rm', ['exec', '/bin/rm', '-rf']],
    ['exec nohup ionice command', ['exec', 'nohup', 'ionice', '-c', '3', 'command', 'rm', '-rf']],
  ])('sees through %s', async (_, prefix) => {
    const r = await safeops([...prefix, primary.dataDir], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    await assertIntact();
  });

  it('writes one fsynced audit record per refusal, with the roles seen', async () => {
    const before = auditRecords(env.audit).length;
    await safeops(['rm', '-rf', primary.dataDir], env.env);
    const recs = auditRecords(env.audit).slice(before);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ event: 'decision', decision: 'refuse', exitCode: 77, ran: false, argv: ['rm', '-rf', primary.dataDir] });
    expect(recs[0]!.roles).toEqual([expect.objectContaining({ dataDir: primary.dataDir, role: 'primary', source: 'sql', running: true })]);
  });
});

describe('stopped clusters: confirmation', () => {
  let stoppedStandby: PgNode;
  let stoppedPrimary: PgNode;
  let restoring: PgNode;
  let partial: PgNode;

  beforeAll(async () => {
    stoppedStandby = await makeStoppedStandbyCopy(primary, { root, name: 'stopped-standby', startedOnce: true });
    stoppedPrimary = await initPrimary({ root, name: 'stopped-primary' });
    await stopNode(stoppedPrimary);
    restoring = await makeRestoreInProgress(primary, { root, name: 'restoring', variant: 'backup_label' });
    partial = await makeRestoreInProgress(primary, { root, name: 'partial', variant: 'no_pg_control' });
  }, 120_000);

  it('without a terminal, confirm is refused unless --confirm names this host', async () => {
    const r = await safeops(['rm', '-rf', stoppedStandby.dataDir], env.env);
    expect(r.exitCode).toBe(77);
    expect(r.stderr).toContain(`--confirm=${SHORT_HOST}`);
    expect(r.stderr).toContain('stopped standby (standby.signal)');
    expect(fs.existsSync(stoppedStandby.dataDir)).toBe(true);

    const wrong = await safeops(['--confirm=not-this-host', 'rm', '-rf', stoppedStandby.dataDir], env.env);
    expect(wrong.exitCode).toBe(1);
    expect(fs.existsSync(stoppedStandby.dataDir)).toBe(true);

    const ok = await safeops([`--confirm=${SHORT_HOST}`, 'rm', '-rf', stoppedStandby.dataDir], env.env);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(fs.existsSync(stoppedStandby.dataDir)).toBe(false);
    const recs = auditRecords(env.audit);
    expect(recs.at(-2)).toMatchObject({ decision: 'confirmed', confirmation: { method: 'flag', matched: true } });
    expect(recs.at(-1)).toMatchObject({ event: 'exit', exitCode: 0 });
  });

  it('SAFEOPS_CONFIRM works like --confirm', async () => {
    const r = await safeops(['rm', '-rf', partial.dataDir], { ...env.env, SAFEOPS_CONFIRM: SHORT_HOST });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(partial.dataDir)).toBe(false);
  });

  it('a stopped primary (no signal file) is a strong confirmation: may be the only copy', async () => {
    const r = await safeops(['rm', '-rf', stoppedPrimary.dataDir], env.env);
    expect(r.exitCode).toBe(77);
    expect(r.stderr).toContain('may be the only copy');
    expect(auditRecords(env.audit).at(-1)).toMatchObject({ strong: true });
  });

  it('a restore in progress says so and is a normal confirmation', async () => {
    const r = await safeops(['rm', '-rf', restoring.dataDir], env.env);
    expect(r.exitCode).toBe(77);
    expect(r.stderr).toContain('RESTORE IN PROGRESS');
    expect(auditRecords(env.audit).at(-1)).toMatchObject({ strong: false });
  });

  it('a stale postmaster.pid (pid reused by another process) does not make a cluster live', async () => {
    const stale = await makeStalePidFile(stoppedPrimary, { pid: 'live' });
    try {
      const r = await safeops(['rm', '-rf', stoppedPrimary.dataDir], env.env);
      expect(r.exitCode).toBe(77);
      expect(r.stderr).toContain('CONFIRM');
      expect(r.stderr).toContain('stale postmaster.pid');
      expect(r.stderr).not.toContain('REFUSE ');
    } finally {
      stale.cleanup();
    }
  });
});

describe('harmless commands run exactly as without safeops', () => {
  it('allows an unrelated rm and passes the exit code back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-harmless-'));
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    const audited = auditRecords(env.audit).length;
    const r = await safeops(['rm', '-r', dir], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
    // Not audited: the shells' fast path runs the same command without safeops (docs/fast-path.md).
    expect(auditRecords(env.audit).length).toBe(audited);
    const missing = await safeops(['rm', '/tmp/safeops-does-not-exist'], env.env);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("cannot remove '/tmp/safeops-does-not-exist'");
  });

  it('a file that merely shares a prefix with the data dir is not the data dir', async () => {
    const f = primary.dataDir + '2';
    fs.writeFileSync(f, 'x');
    const r = await safeops(['rm', f], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(f)).toBe(false);
  });
});

