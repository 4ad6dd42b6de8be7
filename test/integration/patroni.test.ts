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
import { type Host, startWatcherHost, stopHost, until } from '../support/watcher-host.js';

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

const watchers: Host[] = [];

afterAll(async () => {
  await Promise.allSettled(watchers.map(stopHost));
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

describe('Patroni\'s view in the watcher and status', { timeout: 600_000 }, () => {
  it('both hosts\' prompts show the leader and members; status shows Patroni\'s view', async () => {
    const prefix = `/safeops-patroni-${path.basename(root)}/`;
    watchers.push(startWatcherHost({ root, name: 'host-1', clusters: [m1.dataDir], etcd: etcd.endpoint, prefix }));
    watchers.push(startWatcherHost({ root, name: 'host-2', clusters: [m2.dataDir], etcd: etcd.endpoint, prefix }));
    for (const w of watchers) await until(w, `${w.name} to show Patroni's view`, (p) => p.label.includes(`patroni ${m1.scope}: m1 LEADER, m2 replica`), 120_000);
    // The fleet segment: each host sees the other.
    await until(watchers[0]!, 'host-1 to see host-2', (p) => /host-2 standby/.test(p.label), 120_000);
    const r = await safeops(['status'], cli.env);
    expect(r.stdout).toMatch(new RegExp(`patroni +scope ${m1.scope}, member m1, patroni running \\(pid \\d+\\); leader m1; m1 leader running`));
    const j = JSON.parse((await safeops(['status', '--json'], cli.env)).stdout) as { clusters: Array<{ dataDir: string; patroni: { member: string; view: { leader: string } } | null }> };
    expect(j.clusters.find((c) => c.dataDir === m2.dataDir)?.patroni?.view.leader).toBe('m1');
  });

  it('a patronictl switchover shows up in both prompts', async () => {
    const r = await patronictl(m1, ['switchover', m1.scope, '--leader', 'm1', '--candidate', 'm2', '--force']);
    expect(r.code, r.out).toBe(0);
    for (const w of watchers) await until(w, `${w.name} to show m2 as leader`, (p) => p.label.includes(`patroni ${m1.scope}: m1 replica`) && p.label.includes('m2 LEADER'), 90_000);
    // And the guard follows Patroni's members, whatever their role: once m1 runs again (as a
    // replica now), stopping it behind Patroni's back is still refused.
    await waitPatroniRole(m1, 'replica');
    const again = await safeopsAs('postgres', ['pg_ctl', '-D', m1.dataDir, 'stop'], cli.env);
    expect(again.exitCode, again.stderr).toBe(77);
  });
});
