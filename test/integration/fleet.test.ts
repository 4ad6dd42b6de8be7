// The fleet through a real etcd (Debian's etcd-server on loopback, free ports): two watchers
// posing as two hosts (config fleet.host, fleet.clusters), each with its own real cluster of one
// replication set. A real pg_ctl promote on host-a reaches host-b's prompt file; split brain
// across hosts; version drift from two wal-g fixtures; the guard's fleet rows (read from the
// watcher's state.json); etcd killed and restarted; a watcher gone silent.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops } from '../support/cli.js';
import { type PgNode, appendConf, cleanupAll, createStandby, initPrimary, makeTempRoot, stopNode, writeOwned } from '../support/pg.js';
import { ETCDCTL, startEtcd, type Etcd } from '../support/etcd.js';
import { type Host, prompt, startWatcherHost, stopHost, until } from '../support/watcher-host.js';

let etcd: Etcd;
let root: string;
let primary: PgNode; // on host-b
let standby: PgNode; // on host-a
const hosts: Host[] = [];
let prefix: string;

function fixtureWalg(dir: string, version: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, 'wal-g');
  writeOwned(f, `#!/bin/sh\n# wal-g fixture: prints a version, archives nothing\ncase "$1" in --version) echo "wal-g version ${version}\tabc123\t2025.01.01_00:00:00\tPostgreSQL"; exit 0;; esac\nexit 0\n`, 0o755);
  return f;
}

function startHost(name: string, clusters: string[]): Host {
  const h = startWatcherHost({ root, name, clusters, etcd: etcd.endpoint, prefix });
  hosts.push(h);
  return h;
}

beforeAll(async () => {
  etcd = await startEtcd('fleet-test');
  root = makeTempRoot('so-fleet-');
  prefix = `/safeops-test-${path.basename(root)}/`;
  primary = await initPrimary({ root, name: 'db-b' });
  appendConf(primary, { archive_command: `${fixtureWalg(path.join(root, 'bin-b'), 'v3.0.5')} wal-push %p` });
  standby = await createStandby(primary, { root, name: 'db-a', start: false });
  appendConf(standby, { archive_command: `${fixtureWalg(path.join(root, 'bin-a'), 'v3.0.2')} wal-push %p` });
  const { startNode } = await import('../support/pg.js');
  await startNode(standby, { waitStreaming: true });
  startHost('host-a', [standby.dataDir]);
  startHost('host-b', [primary.dataDir]);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(hosts.map(stopHost));
  await etcd?.stop();
  await cleanupAll();
}, 120_000);

describe('the fleet through etcd', { timeout: 300_000 }, () => {
  it('each host shows the other in its prompt segment', async () => {
    await until(hosts[1]!, 'host-b to show host-a standby', (p) => / : .*host-a standby/.test(p.label));
    await until(hosts[0]!, 'host-a to show host-b PRIMARY', (p) => / : .*host-b PRIMARY/.test(p.label));
    const doc = JSON.parse(fs.readFileSync(path.join(hosts[0]!.stateDir, 'state.json'), 'utf8'));
    expect(doc.fleet.connected).toBe(true);
    expect(doc.fleet.sets).toHaveLength(1);
    expect(doc.fleet.sets[0].members.map((m: { host: string }) => m.host).sort()).toEqual(['host-a', 'host-b']);
  });

  it('status --fleet lists every member of the set from etcd', async () => {
    const r = await safeops(['status', '--fleet', '--json'], { SAFEOPS_CONFIG: hosts[1]!.config, SAFEOPS_STATE_DIR: hosts[1]!.stateDir, NO_COLOR: '1' });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { schema: string; source: string; view: { sets: Array<{ members: Array<{ host: string; role: string; versions: { walg: string; server: string } }> }> } };
    expect(doc.schema).toBe('safeops.fleet/1');
    expect(doc.source).toContain('etcd');
    const members = doc.view.sets[0]!.members;
    expect(members.map((m) => `${m.host} ${m.role} ${m.versions.walg}`).sort()).toEqual(['host-a standby v3.0.2', 'host-b primary v3.0.5']);
    expect(members[0]!.versions.server).toMatch(/^15\.\d+$/);
    const text = await safeops(['status', '--fleet'], { SAFEOPS_CONFIG: hosts[1]!.config, SAFEOPS_STATE_DIR: hosts[1]!.stateDir, NO_COLOR: '1' });
    expect(text.stdout).toContain('host-a');
    expect(text.stdout).toContain('(this host)');
  });

  it('a hostile report in etcd is sanitized before the prompt and the terminal', async () => {
    const doc = JSON.parse(fs.readFileSync(path.join(hosts[1]!.stateDir, 'state.json'), 'utf8'));
    const sysid = doc.fleet.sets[0].systemIdentifier as string;
    const evil = { schema: 'safeops.member/1', host: 'evil', cluster: 'x\u001b]11;#ff0000\u0007$(touch /tmp/pwned)', dataDir: '/d/e', systemIdentifier: sysid, timeline: 1, role: 'standby', roleHow: 'line\nbreak \u001b[2J', running: true, port: 5432, lsn: '0/1', upstream: null, standbys: [], replayLagSeconds: 0, archiving: 'ok', versions: { server: '15.1\u001b[31m', walg: null, pgbackrest: null, safeops: '0.1.0' }, patroni: null, reportedAt: new Date().toISOString() };
    const key = `${prefix}members/${sysid}/evil/${encodeURIComponent('/d/e')}`;
    const { execFileSync } = await import('node:child_process');
    execFileSync(ETCDCTL, ['--endpoints', etcd.endpoint, 'put', key, JSON.stringify(evil)], { env: { ETCDCTL_API: '3', PATH: '/usr/bin:/bin' } });
    // prompt() throws on any line a shell would refuse.
    await until(hosts[1]!, 'host-b to show the evil member', (x) => / : .*evil standby/.test(x.label));
    const text = await safeops(['status', '--fleet'], { SAFEOPS_CONFIG: hosts[1]!.config, SAFEOPS_STATE_DIR: hosts[1]!.stateDir, NO_COLOR: '1' });
    expect(text.stdout).toContain('evil');
    expect(text.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
    execFileSync(ETCDCTL, ['--endpoints', etcd.endpoint, 'del', key], { env: { ETCDCTL_API: '3', PATH: '/usr/bin:/bin' } });
    await until(hosts[1]!, 'host-b to drop the evil member', (x) => !/evil standby/.test(x.label));
  });

  it('version drift: wal-g v3.0.2 here, v3.0.5 on host-b', async () => {
    await until(hosts[0]!, 'the drift alert on host-a', (p) => p.alerts.includes('wal-g v3.0.2 here, v3.0.5 on host-b'));
    await until(hosts[1]!, 'the drift alert on host-b', (p) => p.alerts.includes('wal-g v3.0.5 here, v3.0.2 on host-a'));
  });

  it('the guard: promoting host-a\'s standby while host-b reports a live primary is a strong confirmation naming host-b', async () => {
    const env = cliEnv({ roots: [root] });
    const r = await safeops(['explain', '--json', 'pg_ctl', '-D', standby.dataDir, 'promote'], { ...env.env, SAFEOPS_STATE_DIR: hosts[0]!.stateDir });
    const v = JSON.parse(r.stdout) as { verdict: { kind: string; strong: boolean; reasons: Array<{ what: string; how: string }> } };
    expect(v.verdict.kind).toBe('confirm');
    expect(v.verdict.strong).toBe(true);
    expect(v.verdict.reasons.map((x) => x.what).join('\n')).toContain('host-b (db-b) reports a live PRIMARY');
    fs.rmSync(env.dir, { recursive: true, force: true });
  });

  it('a real pg_ctl promote on host-a reaches host-b\'s prompt: split brain across hosts', async () => {
    const t0 = Date.now();
    const { pgBin } = await import('../support/pg.js');
    await pgBin('pg_ctl', ['-D', standby.dataDir, '-w', 'promote']);
    const p = await until(hosts[1]!, 'host-b to show host-a PRIMARY', (x) => / : .*host-a PRIMARY/.test(x.label));
    const ms = Date.now() - t0;
    console.log(`fleet: promotion on host-a -> host-b's prompt file in ${ms} ms`);
    expect(ms).toBeLessThan(30_000);
    await until(hosts[1]!, 'the split brain alert', (x) => x.alerts[0]?.startsWith('SPLIT BRAIN across hosts: db-b is PRIMARY on host-a and host-b') ?? false);
    expect(p.label.startsWith('PRIMARY')).toBe(true);
  });

  it('etcd killed: the local prompt stays fresh, the fleet part says stale; restarted: it recovers', async () => {
    await etcd.kill();
    const p = await until(hosts[1]!, 'host-b to mark the fleet stale', (x) => / : fleet stale/.test(x.label));
    expect(p.heartbeat).toBeGreaterThan(Date.now() / 1000 - 10);
    expect(p.label).toMatch(/^PRIMARY /);
    await etcd.start();
    await until(hosts[1]!, 'host-b to reconnect', (x) => / : /.test(x.label) && !/fleet stale/.test(x.label) && /host-a PRIMARY/.test(x.label), 60_000);
  });

  it('the guard: rm of a stopped standby whose primary is live elsewhere asks, with the rebuild command', async () => {
    // host-a's cluster is a primary now; stop host-b's and make it a standby of nothing (stopped standby).
    await stopNode(primary);
    writeOwned(path.join(primary.dataDir, 'standby.signal'), '');
    await until(hosts[1]!, 'host-b to report its cluster stopped', (x) => /stopped db-b/.test(x.label));
    await until(hosts[0]!, 'host-a to see host-b stopped', (x) => /host-b stopped/.test(x.label));
    const env = cliEnv({ roots: [root] });
    const r = await safeops(['explain', '--json', 'rm', '-rf', primary.dataDir], { ...env.env, SAFEOPS_STATE_DIR: hosts[1]!.stateDir });
    const v = JSON.parse(r.stdout) as { verdict: { kind: string; strong: boolean; reasons: Array<{ what: string; next: string }> } };
    expect(v.verdict.kind).toBe('confirm');
    expect(v.verdict.strong).toBe(false);
    expect(v.verdict.reasons.map((x) => x.next).join('\n')).toContain(`pg_basebackup -h host-a -p ${standby.port} -D ${primary.dataDir} -R`);
    fs.rmSync(env.dir, { recursive: true, force: true });
  });

  it('the guard: rm of a stopped cluster that may be the newest copy is a strong confirmation saying so', async () => {
    await stopNode(standby);
    await until(hosts[1]!, 'host-b to see host-a stopped', (x) => /host-a stopped/.test(x.label));
    const env = cliEnv({ roots: [root] });
    const r = await safeops(['explain', '--json', 'rm', '-rf', standby.dataDir], { ...env.env, SAFEOPS_STATE_DIR: hosts[0]!.stateDir });
    const v = JSON.parse(r.stdout) as { verdict: { kind: string; strong: boolean; reasons: Array<{ what: string }> } };
    expect(v.verdict.kind).toBe('confirm');
    expect(v.verdict.strong).toBe(true);
    expect(v.verdict.reasons.map((x) => x.what).join('\n')).toContain('may be the NEWEST copy');
    fs.rmSync(env.dir, { recursive: true, force: true });
  });

  it('a watcher that stops reporting: the other host alerts "no report"', async () => {
    await stopHost(hosts[0]!);
    await until(hosts[1]!, 'host-b to alert on host-a', (x) => x.alerts.some((a) => a.startsWith('host-a: no report for')), 30_000);
  });
});
