// The fleet through a real etcd (Debian's etcd-server on loopback, free ports): two watchers
// posing as two hosts (config fleet.host, fleet.clusters), each with its own real cluster of one
// replication set. A real pg_ctl promote on host-a reaches host-b's prompt file; split brain
// across hosts; version drift from two wal-g fixtures; the guard's fleet rows (read from the
// watcher's state.json); etcd killed and restarted; a watcher gone silent.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, safeops } from '../support/cli.js';
import { type PgNode, appendConf, cleanupAll, createStandby, initPrimary, makeTempRoot, stopNode, waitFor, writeOwned } from '../support/pg.js';
import { startEtcd, type Etcd } from '../support/etcd.js';

interface Host {
  name: string;
  stateDir: string;
  config: string;
  proc: ChildProcess | null;
  out: string[];
}

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
  const dir = path.join(root, `state-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(root, `${name}.json`);
  fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [root] }, watch: { staleAfterSeconds: 10 }, fleet: { host: name, clusters, etcd: { endpoints: [etcd.endpoint], prefix } } }));
  const h: Host = { name, stateDir: dir, config, proc: null, out: [] };
  launch(h);
  hosts.push(h);
  return h;
}

function launch(h: Host): void {
  const proc = spawn(process.execPath, [BIN, 'watch', '--state-dir', h.stateDir, '--interval', '500'], { cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: h.config, HOME: '/tmp', LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (b: Buffer) => h.out.push(...b.toString().split('\n').filter(Boolean));
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  h.proc = proc;
}

async function stopHost(h: Host): Promise<void> {
  const p = h.proc;
  h.proc = null;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

interface Prompt {
  label: string;
  alerts: string[];
  heartbeat: number;
}
function prompt(h: Host): Prompt | null {
  try {
    const lines = fs.readFileSync(path.join(h.stateDir, 'prompt'), 'utf8').split('\n');
    if (lines[0] !== 'safeops-prompt 1' || !lines.includes('end')) return null;
    for (const l of lines) if (l.length > 200 || !/^[A-Za-z0-9 ._,:/@()+=-]*$/.test(l)) throw new Error(`prompt line a shell would refuse: ${JSON.stringify(l)}`);
    const get = (k: string) => lines.filter((l) => l.startsWith(`${k} `)).map((l) => l.slice(k.length + 1));
    return { label: get('label')[0] ?? '', alerts: get('alert'), heartbeat: Number(get('heartbeat')[0]) };
  } catch (e) {
    if ((e as Error).message.startsWith('prompt line')) throw e;
    return null;
  }
}
const describeHost = (h: Host) => () => `${h.name} prompt: ${JSON.stringify(prompt(h))}\nlog: ${h.out.slice(-8).join('\n')}`;
async function until(h: Host, what: string, ok: (p: Prompt) => boolean, timeoutMs = 30_000): Promise<Prompt> {
  try {
    return await waitFor(() => {
      const p = prompt(h);
      return p && ok(p) ? p : null;
    }, timeoutMs, what, 50);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${describeHost(h)()}`);
  }
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

describe('the fleet through etcd', () => {
  it('each host shows the other in its prompt segment', async () => {
    await until(hosts[1]!, 'host-b to show host-a standby', (p) => / : .*host-a standby/.test(p.label));
    await until(hosts[0]!, 'host-a to show host-b PRIMARY', (p) => / : .*host-b PRIMARY/.test(p.label));
    const doc = JSON.parse(fs.readFileSync(path.join(hosts[0]!.stateDir, 'state.json'), 'utf8'));
    expect(doc.fleet.connected).toBe(true);
    expect(doc.fleet.sets).toHaveLength(1);
    expect(doc.fleet.sets[0].members.map((m: { host: string }) => m.host).sort()).toEqual(['host-a', 'host-b']);
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
