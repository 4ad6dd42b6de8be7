// A `safeops watch` child posing as one host of a fleet (config fleet.host, fleet.clusters), with
// its own state dir, for the fleet and Patroni tests; and reading its prompt file as a shell would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN } from './cli.js';
import { waitFor } from './pg.js';

export interface Host {
  name: string;
  stateDir: string;
  config: string;
  proc: ChildProcess | null;
  out: string[];
}

/** Start a watcher for `name` (state dir and config in root); `etcd` null: no fleet. */
export function startWatcherHost(o: { root: string; name: string; clusters: string[]; etcd: string | null; prefix?: string; interval?: number }): Host {
  const dir = path.join(o.root, `state-${o.name}`);
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(o.root, `${o.name}.json`);
  const fleet = o.etcd ? { host: o.name, clusters: o.clusters, leaseTtlSeconds: 8, etcd: { endpoints: [o.etcd], prefix: o.prefix ?? '/safeops/' } } : { host: o.name, clusters: o.clusters };
  fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [o.root] }, watch: { staleAfterSeconds: 10 }, fleet }));
  const h: Host = { name: o.name, stateDir: dir, config, proc: null, out: [] };
  launch(h, o.interval ?? 500);
  return h;
}

function launch(h: Host, interval: number): void {
  const proc = spawn(process.execPath, [BIN, 'watch', '--state-dir', h.stateDir, '--interval', String(interval)], { cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: h.config, HOME: '/tmp', LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (b: Buffer) => {
    h.out.push(...b.toString().split('\n').filter(Boolean));
    if (h.out.length > 500) h.out.splice(0, h.out.length - 500);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  h.proc = proc;
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopHost(h: Host): Promise<void> {
  const p = h.proc;
  h.proc = null;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

export interface Prompt {
  label: string;
  alerts: string[];
  heartbeat: number;
}

/** The prompt file as a shell reads it; throws on a line a shell would refuse (hostile bytes). */
export function prompt(h: Host): Prompt | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(h.stateDir, 'prompt'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  if (lines[0] !== 'safeops-prompt 1' || !lines.includes('end')) return null;
  for (const l of lines) if (l.length > 200 || !/^[A-Za-z0-9 ._,:/@()+=-]*$/.test(l)) throw new Error(`prompt line a shell would refuse: ${JSON.stringify(l)}`);
  const get = (k: string) => lines.filter((l) => l.startsWith(`${k} `)).map((l) => l.slice(k.length + 1));
  return { label: get('label')[0] ?? '', alerts: get('alert'), heartbeat: Number(get('heartbeat')[0]) };
}

/** Wait until the host's prompt satisfies `ok`; the error shows the prompt and the log. */
// Generous: on a CI machine running the rest of the suite a watcher's first etcd sync can take a while;
// the latency figures belong to the bench (docs/fleet.md).
export async function until(h: Host, what: string, ok: (p: Prompt) => boolean, timeoutMs = 90_000): Promise<Prompt> {
  try {
    return await waitFor(() => {
      const p = prompt(h);
      return p && ok(p) ? p : null;
    }, timeoutMs, what, 50);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${h.name} prompt: ${JSON.stringify(prompt(h))}\nlog: ${h.out.filter((l) => /fleet|patroni|etcd/.test(l)).slice(-8).join('\n')}`);
  }
}
