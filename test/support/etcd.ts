// A real etcd (Debian's etcd-server) for tests: loopback only, free ports, its own temp data dir.
// Killed and its dir removed by stop() (call it from afterAll; an exit hook catches the rest).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './pg.js';

export const ETCD = process.env.SAFEOPS_ETCD ?? '/usr/bin/etcd';
export const ETCDCTL = process.env.SAFEOPS_ETCDCTL ?? '/usr/bin/etcdctl';

export interface Etcd {
  name: string;
  clientPort: number;
  peerPort: number;
  endpoint: string;
  dir: string;
  proc: ChildProcess | null;
  log: string[];
  /** Start (again, on the same ports and data): returns once it answers. */
  start(): Promise<void>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** kill() and remove its data dir. */
  stop(): Promise<void>;
}

const all = new Set<Etcd>();
let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const e of all) {
      try {
        e.proc?.kill('SIGKILL');
      } catch {
        /* gone */
      }
      fs.rmSync(e.dir, { recursive: true, force: true });
    }
  });
}

/** Is etcd answering on its client port? */
async function healthy(endpoint: string): Promise<boolean> {
  try {
    const r = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return r.ok;
  } catch {
    return false;
  }
}

export async function startEtcd(name = 'safeops-test'): Promise<Etcd> {
  hook();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const e: Etcd = {
    name,
    clientPort,
    peerPort,
    endpoint,
    dir,
    proc: null,
    log: [],
    async start() {
      const peer = `http://127.0.0.1:${peerPort}`;
      const proc = spawn(ETCD, ['--name', name, '--data-dir', path.join(dir, 'data'), '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `${name}=${peer}`, '--initial-cluster-state', 'new', '--log-level', 'error', '--logger', 'zap'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: '/usr/bin:/bin', ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
      });
      const collect = (b: Buffer) => e.log.push(...b.toString().split('\n').filter(Boolean).slice(-50));
      proc.stdout!.on('data', collect);
      proc.stderr!.on('data', collect);
      e.proc = proc;
      await waitFor(() => healthy(endpoint), 30_000, `etcd on ${endpoint} (log: ${e.log.slice(-5).join(' | ')})`, 100);
    },
    async kill() {
      const p = e.proc;
      e.proc = null;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    },
    async stop() {
      await e.kill();
      fs.rmSync(dir, { recursive: true, force: true });
      all.delete(e);
    },
  };
  all.add(e);
  await e.start();
  return e;
}
