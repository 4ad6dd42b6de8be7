// Real Patroni members (Debian's patroni) for tests: each a `patroni CONFIG` daemon run as the
// postgres user, with its PostgreSQL on a free loopback port, its REST API on another, and a
// test etcd (support/etcd.ts) as the DCS. stopPatroni() kills the daemon and what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, postgresIds, processAlive, processesUnder, waitFor, writeOwned } from './pg.js';

export const PATRONI = process.env.SAFEOPS_PATRONI ?? '/usr/bin/patroni';
export const PATRONICTL = process.env.SAFEOPS_PATRONICTL ?? '/usr/bin/patronictl';

export interface PatroniMember {
  name: string;
  scope: string;
  configFile: string;
  dataDir: string;
  pgPort: number;
  restPort: number;
  proc: ChildProcess | null;
  log: string[];
}

const members = new Set<PatroniMember>();

/** Write the member's config and start its daemon (not waiting for anything). */
export async function startPatroniMember(opts: { root: string; name: string; scope: string; etcd: string }): Promise<PatroniMember> {
  const pgPort = await freePort();
  const restPort = await freePort();
  const dataDir = path.join(opts.root, opts.name);
  const configFile = path.join(opts.root, `${opts.name}.yml`);
  writeOwned(
    configFile,
    `scope: ${opts.scope}
namespace: /service/
name: ${opts.name}
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${restPort}
  connect_address: 127.0.0.1:${restPort}
etcd3:
  hosts: ${opts.etcd.replace(/^http:\/\//, '')}
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 104857600
    postgresql:
      use_pg_rewind: false
  initdb:
  - encoding: UTF8
  - locale: C
postgresql:
  listen: 127.0.0.1:${pgPort}
  connect_address: 127.0.0.1:${pgPort}
  data_dir: ${dataDir}
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: ${path.join(opts.root, `${opts.name}.pgpass`)}
  authentication:
    replication:
      username: postgres
      password: unused
    superuser:
      username: postgres
      password: unused
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: ${opts.root}
    shared_buffers: 16MB
    max_connections: 20
    max_wal_senders: 5
    fsync: 'off'
`,
    0o600,
  );
  const { uid, gid } = postgresIds();
  const m: PatroniMember = { name: opts.name, scope: opts.scope, configFile, dataDir, pgPort, restPort, proc: null, log: [] };
  const proc = spawn('/usr/bin/python3', [PATRONI, configFile], { uid, gid, cwd: opts.root, env: { PATH: '/usr/bin:/bin', HOME: opts.root, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (b: Buffer) => {
    m.log.push(...b.toString().split('\n').filter(Boolean));
    if (m.log.length > 200) m.log.splice(0, m.log.length - 200);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  m.proc = proc;
  members.add(m);
  return m;
}

/** Patroni's REST answer for `path` on this member, parsed; null when it does not answer. */
export async function patroniRest(m: PatroniMember, p: string): Promise<Record<string, unknown> | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${m.restPort}${p}`, { signal: AbortSignal.timeout(2000) });
    return (await r.json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Wait until the member runs PostgreSQL in the role given ("master"/"primary" or "replica"), streaming for a replica. */
export async function waitPatroniRole(m: PatroniMember, role: 'leader' | 'replica', timeoutMs = 90_000): Promise<void> {
  await waitFor(
    async () => {
      const s = await patroniRest(m, '/patroni');
      if (!s || s.state !== 'running') return false;
      return role === 'leader' ? s.role === 'master' || s.role === 'primary' : s.role === 'replica' && (s as { replication_state?: string }).replication_state !== 'stopped';
    },
    timeoutMs,
    `patroni member ${m.name} to run as ${role} (log: ${m.log.slice(-3).join(' | ')})`,
    250,
  );
}

/** SIGKILL the daemon and everything it started in the member's data dir. */
export async function stopPatroniMember(m: PatroniMember): Promise<void> {
  const p = m.proc;
  m.proc = null;
  if (p && p.exitCode === null && p.signalCode === null) {
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }
  for (const pid of processesUnder([m.dataDir])) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await waitFor(() => processesUnder([m.dataDir]).filter(processAlive).length === 0, 20_000, `${m.name}'s postgres to exit`);
  members.delete(m);
}

export async function stopAllPatroni(): Promise<void> {
  await Promise.allSettled([...members].map(stopPatroniMember));
}

/** `patronictl -c CONFIG args…` as postgres. */
export function patronictl(m: PatroniMember, args: string[]): Promise<{ code: number; out: string }> {
  const { uid, gid } = postgresIds();
  return new Promise((resolve) => {
    const p = spawn('/usr/bin/python3', [PATRONICTL, '-c', m.configFile, ...args], { uid, gid, cwd: path.dirname(m.configFile), env: { PATH: '/usr/bin:/bin', HOME: path.dirname(m.configFile), LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    p.on('close', (code) => resolve({ code: code ?? 1, out })); // 'close': all of its output read
  });
}

export function readable(file: string): boolean {
  return fs.existsSync(file);
}
