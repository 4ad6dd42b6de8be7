// Whose view decides (issue 9, item 1): an unprivileged user with sudo rights runs, through the
// guard, `sudo rm -rf` of a running primary's external pg_wal or tablespace, or a restore into
// them. The data dir is 0700: the user cannot read its pg_wal and pg_tblspc links. safeops must
// read the host as root (sudo -n re-execution) or, when it cannot, treat the cluster's footprint
// as unknown: refused, files still there, server still running.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { auditRecords, BIN, cliEnv, safeopsAs, type CliEnv } from '../support/cli.js';
import { cleanupAll, initPrimary, makeTempRoot, psql, stopNode, type PgNode } from '../support/pg.js';
import { addSudoers, createTestUser, removeTestUsers } from '../support/users.js';

let root: string;
let primary: PgNode;
let env: CliEnv;
/** May run anything as root without a password: safeops reads the host as root. */
let trusted: string;
/** May run only rm, pg_basebackup and wal-g as root: safeops cannot read as root. */
let narrow: string;

async function assertIntact() {
  expect(fs.statSync(primary.dataDir).mode & 0o777).toBe(0o700);
  for (const p of [path.join(primary.dataDir, 'PG_VERSION'), primary.waldir!, primary.tablespaceDir!]) expect(fs.existsSync(p), p).toBe(true);
  expect(fs.readdirSync(primary.waldir!).some((f) => /^[0-9A-F]{24}$/.test(f)), 'WAL segments in the external pg_wal').toBe(true);
  expect(fs.readdirSync(primary.tablespaceDir!).length).toBeGreaterThan(0);
  expect(await psql(primary, 'select count(*) from safeops_ts_table')).toBe('1');
}

beforeAll(async () => {
  root = makeTempRoot('safeops-priv-');
  primary = await initPrimary({ root, name: 'primary', waldir: true, tablespace: true });
  expect(fs.statSync(primary.dataDir).mode & 0o777).toBe(0o700);
  env = cliEnv({ roots: [root] });
  trusted = createTestUser('t').name;
  narrow = createTestUser('n').name;
  const tools = ['/usr/bin/rm', '/bin/rm', '/usr/bin/pg_basebackup', '/usr/bin/wal-g', '/usr/local/bin/wal-g'].join(', ');
  addSudoers(`${trusted} ALL=(ALL) NOPASSWD: ALL\n${narrow} ALL=(root) NOPASSWD: ${tools}\n`);
}, 180_000);

afterAll(async () => {
  removeTestUsers();
  if (primary) await stopNode(primary, 'immediate').catch(() => undefined);
  await cleanupAll();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('through sudo, the guard judges with root\'s view', () => {
  it('the test users really cannot read the data directory, and sudo works for them', async () => {
    for (const u of [trusted, narrow]) {
      const r = await safeopsAs(u, ['explain', 'rm', '-rf', path.join(primary.dataDir, 'pg_wal') + '/'], env.env);
      expect(r.exitCode).toBe(0);
    }
    const { execa } = await import('execa');
    const denied = await execa('runuser', ['-u', narrow, '--', 'ls', path.join(primary.dataDir, 'pg_tblspc')], { reject: false });
    expect(denied.exitCode).not.toBe(0);
    const ok = await execa('runuser', ['-u', trusted, '--', 'sudo', '-n', 'ls', path.join(primary.dataDir, 'pg_tblspc')], { reject: false });
    expect(ok.exitCode).toBe(0);
  });

  const cases = (): Array<[string, string[]]> => [
    ['rm -rf of the external pg_wal', ['sudo', 'rm', '-rf', primary.waldir! + '/']],
    ['rm -rf of the WAL disk directory above it', ['sudo', 'rm', '-rf', path.dirname(primary.waldir!)]],
    ['rm of one WAL segment', ['sudo', 'rm', '-f', path.join(primary.waldir!, fs.readdirSync(primary.waldir!).find((f) => /^[0-9A-F]{24}$/.test(f))!)]],
    ['rm -rf of the tablespace directory', ['sudo', 'rm', '-rf', primary.tablespaceDir!]],
    ['pg_basebackup -D the tablespace directory', ['sudo', 'pg_basebackup', '-D', primary.tablespaceDir!, '-h', '/nonexistent']],
    ['wal-g backup-fetch into the WAL directory', ['sudo', 'wal-g', 'backup-fetch', primary.waldir!, 'LATEST']],
  ];

  for (const who of ['trusted (sudo -n works: root reads the facts)', 'narrow (sudo -n cannot run safeops: footprint unknown)'] as const) {
    describe(who, () => {
      for (let i = 0; i < 6; i++) {
        it(`refuses case ${i + 1}`, async () => {
          const [what, args] = cases()[i]!;
          const user = who.startsWith('trusted') ? trusted : narrow;
          const before = auditRecords(env.audit).length;
          const r = await safeopsAs(user, args, env.env);
          expect(r.exitCode, `${what}\n${r.stderr}`).toBe(77);
          expect(r.stderr).toMatch(/REFUSED/);
          if (who.startsWith('narrow')) expect(r.stderr).toMatch(/footprint is only partly known|cannot read/);
          const recs = auditRecords(env.audit).slice(before);
          expect(recs.some((x) => x.decision === 'refuse')).toBe(true);
          await assertIntact();
        });
      }
    });
  }

  it('a harmless sudo rm elsewhere still runs for both users when root can read (trusted) ', async () => {
    const junk = fs.mkdtempSync('/tmp/safeops-priv-junk-');
    fs.writeFileSync(path.join(junk, 'f'), 'x');
    const r = await safeopsAs(trusted, ['sudo', 'rm', '-rf', junk], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(junk)).toBe(false);
  });

  it('the same rm as the user itself (no sudo) is not bothered by the unreadable footprint', async () => {
    const { execa } = await import('execa');
    const junk = (await execa('runuser', ['-u', narrow, '--', 'mktemp', '-d', '/tmp/safeops-priv-own-XXXXXX'])).stdout.trim();
    try {
      const r = await safeopsAs(narrow, ['rm', '-rf', junk], env.env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(fs.existsSync(junk)).toBe(false);
    } finally {
      fs.rmSync(junk, { recursive: true, force: true }); // also when the assertions failed
    }
  });

  it('root\'s fresh watcher fills the gaps of a user who cannot read as root: refused for what it is', async () => {
    const once = spawnSync(process.execPath, [BIN, 'watch', '--once', '--state-dir', env.stateDir], { env: { ...process.env, ...env.env }, encoding: 'utf8', timeout: 60_000 });
    expect(once.status, once.stderr).toBe(0);
    const r = await safeopsAs(narrow, ['sudo', 'rm', '-rf', primary.waldir! + '/'], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    // Known from the watcher's footprint, not guessed from a gap.
    expect(r.stderr).toMatch(/it is the WAL directory \(pg_wal\)/);
    await assertIntact();
  });
});

