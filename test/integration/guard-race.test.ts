// Decisions a local user cannot race (issue 9, item 5; docs/races.md). A user owns /tmp/…/x and
// swaps x/junk between a directory and a symlink to a running primary's data directory, in a
// tight loop, while root runs the guarded `rm -rf /tmp/…/x/junk/` round after round. Before the
// fix, a round decided on the directory and rm then walked the symlink. Now the path, running
// through a directory another user can change, is asked about (and refused without a terminal):
// the data directory survives every round. Paths only the invoking user controls are not asked.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, safeopsAs, type CliEnv } from '../support/cli.js';
import { cleanupAll, initPrimary, isRunning, makeTempRoot, psql, stopNode, type PgNode } from '../support/pg.js';
import { createTestUser, removeTestUsers } from '../support/users.js';

const PROTECTED = '/proc/sys/fs/protected_symlinks';
let oldProtected: string | null = null;
let root: string;
let primary: PgNode;
let env: CliEnv;
let attacker: string;
let attackerUid: number;
let xdir: string;
let racer: ChildProcess | null = null;

function stopRacer() {
  if (racer?.pid) {
    try {
      process.kill(-racer.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  racer = null;
}

async function assertIntact() {
  for (const p of ['PG_VERSION', 'global/pg_control', 'base']) expect(fs.existsSync(path.join(primary.dataDir, p)), p).toBe(true);
  expect(isRunning(primary)).toBe(true);
  expect(await psql(primary, 'select 1')).toBe('1');
}

beforeAll(async () => {
  try {
    oldProtected = fs.readFileSync(PROTECTED, 'utf8').trim();
    fs.writeFileSync(PROTECTED, '0');
  } catch {
    oldProtected = null; // not writable here: the symlink below is not in a sticky directory anyway
  }
  root = makeTempRoot('safeops-race-');
  primary = await initPrimary({ root, name: 'primary' });
  env = cliEnv({ roots: [root] });
  ({ name: attacker, uid: attackerUid } = createTestUser('r'));
  xdir = fs.mkdtempSync('/tmp/safeops-race-x-');
  fs.chownSync(xdir, attackerUid, attackerUid);
  fs.chmodSync(xdir, 0o755);
}, 180_000);

afterAll(async () => {
  stopRacer();
  if (oldProtected !== null) fs.writeFileSync(PROTECTED, oldProtected);
  removeTestUsers();
  if (xdir) fs.rmSync(xdir, { recursive: true, force: true });
  if (primary) await stopNode(primary, 'immediate').catch(() => undefined);
  await cleanupAll();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('a symlink swapped between the decision and rm', () => {
  it('never gets root\'s guarded rm -rf to delete the data directory (many rounds)', async () => {
    // The attacker's loop: junk is a directory, then (renamed away) a symlink to the data dir, and back.
    const loop = `cd ${xdir} && while :; do mkdir -p junk.d; mv -T junk junk.old 2>/dev/null; ln -sfn ${primary.dataDir} junk.l; mv -T junk.l junk 2>/dev/null; rm -f junk 2>/dev/null; rm -rf junk.old 2>/dev/null; mv -T junk.d junk 2>/dev/null; done`;
    racer = spawn('runuser', ['-u', attacker, '--', 'bash', '--norc', '-c', loop], { detached: true, stdio: 'ignore' });
    const target = path.join(xdir, 'junk') + '/';
    const deadline = Date.now() + 80_000;
    let rounds = 0;
    const verdicts = new Map<number, number>();
    while (rounds < 40 && Date.now() < deadline) {
      const r = await safeops(['rm', '-rf', target], env.env);
      verdicts.set(r.exitCode, (verdicts.get(r.exitCode) ?? 0) + 1);
      rounds++;
      expect(fs.existsSync(path.join(primary.dataDir, 'PG_VERSION')), `round ${rounds}: the data dir was emptied\n${r.stderr}`).toBe(true);
      expect(r.exitCode, r.stderr).toBe(77);
      expect(r.stderr).toMatch(/another user can change before it runs|REFUSE/);
    }
    stopRacer();
    expect(rounds).toBeGreaterThanOrEqual(5);
    await assertIntact();
  }, 150_000);

  it('the question names the directory and its owner', async () => {
    fs.mkdirSync(path.join(xdir, 'plain'), { recursive: true });
    fs.chownSync(path.join(xdir, 'plain'), attackerUid, attackerUid);
    const r = await safeops(['explain', 'rm', '-rf', path.join(xdir, 'plain') + '/'], env.env);
    expect(r.stdout).toMatch(/CONFIRM/);
    expect(r.stdout).toContain(`belongs to ${attacker}`);
  });
});

describe('paths only the invoking user controls are not asked about', () => {
  it('root: rm -rf of its own directory in /tmp runs at once', async () => {
    const mine = fs.mkdtempSync('/tmp/safeops-race-mine-');
    fs.mkdirSync(path.join(mine, 'a/b'), { recursive: true });
    const r = await safeops(['rm', '-rf', mine + '/'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(mine)).toBe(false);
  });

  it('a plain user: rm -rf of their own directory in /tmp runs at once', async () => {
    const mine = execFileSync('runuser', ['-u', attacker, '--', 'mktemp', '-d', '/tmp/safeops-race-own-XXXXXX'], { encoding: 'utf8' }).trim();
    execFileSync('runuser', ['-u', attacker, '--', 'mkdir', '-p', path.join(mine, 'a/b')]);
    const r = await safeopsAs(attacker, ['rm', '-rf', mine + '/'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(mine)).toBe(false);
  });
});
