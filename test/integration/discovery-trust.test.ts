// Discovery never shrinks protection (issues 15.2, 9.5): a real stopped cluster behind a user's
// flood of directories, one deeper than any scan depth, one under another user's directory; the
// real guard asks (strong) instead of deleting, and what the scan did not reach asks too.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, safeopsAs, type CliEnv } from '../support/cli.js';
import { cleanupAll, initPrimary, makeTempRoot, mkdirOwned, stopNode, type PgNode } from '../support/pg.js';
import { asUser, makeUser, type HostUser } from '../support/host-user.js';

let root: string;
let srv: string;
let stopped: PgNode;
let deep: string;
let underUser: string;
let user: HostUser;
let env: CliEnv;

const cpa = (from: string, to: string) => execFileSync('cp', ['-a', from, to]);

beforeAll(async () => {
  user = makeUser();
  root = makeTempRoot('safeops-disc-');
  srv = path.join(root, 'srv');
  fs.mkdirSync(srv, { mode: 0o755 });
  // A stopped cluster at the depth operators use: /srv/x/y/z/data.
  const z = path.join(srv, 'x', 'y', 'z');
  mkdirOwned(z);
  stopped = await initPrimary({ root: z, name: 'data' });
  await stopNode(stopped);
  // The same files, deeper than any scan depth, and in a directory of another (unprivileged) user.
  deep = path.join(srv, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'data');
  fs.mkdirSync(path.dirname(deep), { recursive: true });
  cpa(stopped.dataDir, deep);
  const home = path.join(srv, 'home-of-user');
  fs.mkdirSync(home);
  fs.chownSync(home, user.uid, user.gid);
  underUser = path.join(home, 'old', 'data');
  fs.mkdirSync(path.dirname(underUser));
  fs.chownSync(path.dirname(underUser), user.uid, user.gid);
  cpa(stopped.dataDir, underUser);
  // The user's flood: 2,100 directories of their own under the scan root.
  const flood = path.join(srv, 'flood');
  fs.mkdirSync(flood);
  fs.chownSync(flood, user.uid, user.gid);
  asUser(user, ['sh', '-c', `cd ${flood} && i=0; while [ $i -lt 2100 ]; do mkdir d$i; i=$((i+1)); done`]);
  env = cliEnv({ roots: [srv] });
}, 180_000);

afterAll(async () => {
  await cleanupAll();
  user?.remove();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('discovery under a flood, at depth, under other users', () => {
  it("status (root) lists the stopped clusters at /srv/x/y/z/data and under the user's directory despite the flood", async () => {
    const r = await safeops(['status', '--json'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { clusters: Array<{ dataDir: string; running: unknown }>; problems: string[] };
    const dirs = doc.clusters.map((c) => c.dataDir);
    expect(dirs).toContain(stopped.dataDir);
    expect(dirs).toContain(underUser);
    expect(doc.clusters.find((c) => c.dataDir === stopped.dataDir)!.running).toBe(false);
    // What it did not reach is said.
    expect(doc.problems.join('\n')).toMatch(/did not look everywhere/);
  });

  it.each([
    ['behind the flood', () => stopped.dataDir],
    ['deeper than the scan depth', () => deep],
    ["under another user's directory", () => underUser],
    ['an ancestor of the deep one', () => path.join(srv, 'a', 'b')],
  ])('rm -rf of a stopped cluster %s is a strong confirmation, never run without one', async (_n, dir) => {
    const target = dir();
    const ex = await safeops(['explain', '--json', 'rm', '-rf', target], env.env);
    const v = JSON.parse(ex.stdout).verdict as { kind: string; strong: boolean };
    expect(v.kind).toBe('confirm');
    expect(v.strong).toBe(true);
    // The real guard, without a terminal: refused, nothing deleted.
    const r = await safeops(['rm', '-rf', target], env.env);
    expect(r.exitCode).toBe(77);
    expect(fs.existsSync(path.join(target === path.join(srv, 'a', 'b') ? deep : target, 'PG_VERSION'))).toBe(true);
  });

  it('rm -rf of a harmless tree beside the flood is allowed (looked through to the end)', async () => {
    // Root's own tree (root inside the flood's directory is asked about whatever it holds: that
    // user could swap it for a link, docs/races.md), with a few thousand entries to look through.
    const mine = path.join(srv, 'harmless');
    for (let i = 0; i < 300; i++) fs.mkdirSync(path.join(mine, `d${i}`, 'sub'), { recursive: true });
    const r = await safeops(['rm', '-rf', mine], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(mine)).toBe(false);
  });

  it('a tree the guard cannot look through to the end asks (here: a directory this user cannot read)', async () => {
    const mine = path.join(srv, 'flood', 'd8');
    const hidden = path.join(mine, 'hidden');
    fs.mkdirSync(hidden, { mode: 0o700 });
    const ex = await safeopsAs(user.name, ['explain', '--json', 'rm', '-rf', mine], env.env);
    const v = JSON.parse(ex.stdout).verdict as { kind: string; reasons: Array<{ what: string }> };
    expect(v.kind).toBe('confirm');
    expect(v.reasons.map((r) => r.what).join('\n')).toMatch(/has not looked for clusters everywhere/);
    fs.rmSync(hidden, { recursive: true });
  });
});
