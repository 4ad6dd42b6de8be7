// Real Patroni (Debian's patroni 3): two members and a test etcd on loopback, PostgreSQL run by
// Patroni as the postgres user. The guard refuses pg_ctl stop/promote and rm on a member while
// Patroni runs there, naming the patronictl command; status shows Patroni's view; a switchover
// done with patronictl shows up in the watcher's prompt.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, safeopsAs, type CliEnv } from '../support/cli.js';
import { cleanupAll, makeTempRoot, processAlive } from '../support/pg.js';
import { startEtcd, type Etcd } from '../support/etcd.js';
import { patronictl, startPatroniMember, stopAllPatroni, waitPatroniRole, type PatroniMember } from '../support/patroni.js';

let etcd: Etcd;
let root: string;
let m1: PatroniMember;
let m2: PatroniMember;
let cli: CliEnv;

beforeAll(async () => {
  etcd = await startEtcd('patroni-test');
  root = makeTempRoot('so-patroni-');
  const scope = `safeops-${path.basename(root).replace(/[^a-z0-9]/gi, '')}`;
  m1 = await startPatroniMember({ root, name: 'm1', scope, etcd: etcd.endpoint });
  await waitPatroniRole(m1, 'leader');
  m2 = await startPatroniMember({ root, name: 'm2', scope, etcd: etcd.endpoint });
  await waitPatroniRole(m2, 'replica');
  cli = cliEnv({ roots: [root] });
}, 240_000);

afterAll(async () => {
  await stopAllPatroni();
  await etcd?.stop();
  await cleanupAll();
  if (cli) fs.rmSync(cli.dir, { recursive: true, force: true });
}, 120_000);

function pmPid(m: PatroniMember): number {
  return Number(fs.readFileSync(path.join(m.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

describe('the guard on a Patroni member', () => {
  it('refuses pg_ctl stop on the leader and on the replica, naming patronictl; nothing runs', async () => {
    for (const m of [m1, m2]) {
      const pid = pmPid(m);
      const r = await safeopsAs('postgres', ['pg_ctl', '-D', m.dataDir, '-m', 'fast', 'stop'], cli.env);
      expect(r.exitCode, r.stderr).toBe(77);
      expect(r.stderr).toContain('managed by Patroni');
      expect(r.stderr).toContain(`patronictl -c ${m.configFile}`);
      expect(r.stderr).toContain(`pid`);
      expect(processAlive(pid)).toBe(true);
    }
  });

  it('refuses pg_ctl promote of the replica with the switchover command', async () => {
    const r = await safeopsAs('postgres', ['pg_ctl', '-D', m2.dataDir, 'promote'], cli.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain(`switchover ${m2.scope} --candidate m2`);
    expect(fs.existsSync(path.join(m2.dataDir, 'standby.signal'))).toBe(true);
  });

  it('refuses rm -r of a member\'s data dir (even a replica), with reinit; the files stay', async () => {
    const r = await safeops(['rm', '-rf', m2.dataDir], cli.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain(`reinit ${m2.scope} m2`);
    expect(fs.existsSync(path.join(m2.dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('explain says how Patroni was recognised', async () => {
    const r = await safeops(['explain', '--json', 'pg_ctl', '-D', m1.dataDir, 'restart'], cli.env);
    const v = JSON.parse(r.stdout) as { verdict: { kind: string; reasons: Array<{ how: string; next: string }> } };
    expect(v.verdict.kind).toBe('refuse');
    const how = v.verdict.reasons.map((x) => x.how).join('\n');
    expect(how).toMatch(/patroni\.dynamic\.json|patroni pid \d+/);
    expect(v.verdict.reasons.map((x) => x.next).join('\n')).toContain(`restart ${m1.scope} m1`);
  });

  it('patronictl itself still works (sanity: the cluster is healthy)', async () => {
    const r = await patronictl(m1, ['list']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('m2');
  });
});
