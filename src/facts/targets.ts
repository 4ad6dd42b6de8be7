// Resolving the targets of the issue-9 tools against the host (docs/guarded-tools.md): which
// processes a signal reaches, which cluster psql connects to, which clusters live on a mount or a
// device, and whether a psql -f file calls pg_promote(). All I/O; decide() stays pure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterRef, ProcTarget, ResolvedRef, SignalledProc } from '../command/types.js';
import { callsPromote } from '../command/psql.js';
import type { HostFacts } from './types.js';
import type { Mount } from './mounts.js';
import { canonical, isUnder, rawPath } from './paths.js';
import { isPostmasterArgv } from './proc.js';
import { listPids, readCmdline } from './procfs.js';

interface ProcInfo {
  pid: number;
  comm: string;
  argv: string[];
  ppid: number;
  pgrp: number;
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    return { pid, comm: stat.slice(open + 1, close), argv: readCmdline(pid) ?? [], ppid: Number(f[1]), pgrp: Number(f[2]) };
  } catch {
    return null;
  }
}

function allProcs(): ProcInfo[] {
  return listPids().flatMap((pid) => readProc(pid) ?? []);
}

/** A PostgreSQL process title or program name: postmaster, backend, auxiliary process. */
function looksPostgres(p: ProcInfo): boolean {
  const a0 = p.argv[0] ?? '';
  return p.comm === 'postgres' || p.comm === 'postmaster' || a0.startsWith('postgres:') || isPostmasterArgv(p.argv);
}

// Children of a postmaster that are not client backends: a signal other than the harmless ones may make the postmaster restart everything.
const AUX = /^postgres: (?:[^:]*: )?(checkpointer|background writer|walwriter|wal writer|autovacuum launcher|stats collector|logical replication launcher|archiver|startup|walreceiver|wal receiver|logger|walsummarizer|wal summarizer|io worker|slotsync worker)\b/;

/** What a child of a postmaster is, by its title (a client backend or walsender titles itself `postgres: USER DB ...`). */
export function childKind(argv: string[]): 'backend' | 'aux' {
  const title = argv.join(' ');
  if (!title.startsWith('postgres: ')) return 'aux';
  return AUX.test(title) ? 'aux' : 'backend';
}

function nameMatcher(t: Extract<ProcTarget, { kind: 'name' }>): ((p: ProcInfo) => boolean) | null {
  if (t.regex) {
    let re: RegExp;
    try {
      re = new RegExp(t.exact ? `^(?:${t.pattern})$` : t.pattern, t.ignoreCase ? 'i' : '');
    } catch {
      return null;
    }
    const test = (p: ProcInfo) => (t.full ? re.test(p.argv.length ? p.argv.join(' ') : p.comm) : re.test(p.comm) || re.test(path.posix.basename(p.argv[0] ?? '')));
    return t.invert ? (p) => !test(p) : test;
  }
  const eq = (a: string, b: string) => (t.ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b);
  // killall NAME: the 15-byte comm, or the program's own name for longer names.
  return (p) => eq(p.comm, t.pattern) || eq(p.comm, t.pattern.slice(0, 15)) || eq(path.posix.basename(p.argv[0] ?? ''), t.pattern);
}

/** The processes of known clusters a signal reaches, and what safeops cannot place. */
export function resolveSignalTargets(targets: ProcTarget[], facts: HostFacts, cwd: string): { procs: SignalledProc[]; unresolved: string[] } {
  const unresolved: string[] = [];
  const pids = new Map<number, ProcInfo>();
  let scan: ProcInfo[] | null = null;
  const all = () => (scan ??= allProcs());
  for (const t of targets) {
    if (t.kind === 'pid') {
      const p = readProc(t.pid);
      if (p !== null) pids.set(p.pid, p);
    } else if (t.kind === 'group') {
      for (const p of all()) if (t.pgid === -1 || p.pgrp === t.pgid) pids.set(p.pid, p);
    } else if (t.kind === 'pidfile') {
      let text: string;
      try {
        text = fs.readFileSync(rawPath(t.path, cwd), 'utf8');
      } catch (e) {
        unresolved.push(`cannot read the pid file ${t.path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      const pid = Number((/^\s*-?(\d+)/.exec(text) ?? [])[1]);
      const p = Number.isInteger(pid) && pid > 0 ? readProc(pid) : null;
      if (p !== null) pids.set(p.pid, p);
    } else {
      const match = nameMatcher(t);
      if (match === null) {
        unresolved.push(`safeops cannot read the pattern ${JSON.stringify(t.pattern)}; it may match PostgreSQL processes`);
        continue;
      }
      for (const p of all()) if (p.pid !== process.pid && match(p)) pids.set(p.pid, p);
    }
  }
  const procs: SignalledProc[] = [];
  const unidentified = new Set(facts.unidentifiedPostmasters.map((u) => u.pid));
  for (const p of pids.values()) {
    const own = facts.clusters.find((c) => c.running !== false && c.pid === p.pid);
    if (own !== undefined) {
      procs.push({ pid: p.pid, dataDir: own.dataDir, kind: 'postmaster', title: p.argv.join(' ') });
      continue;
    }
    const parent = facts.clusters.find((c) => c.running !== false && c.pid !== null && c.pid === p.ppid);
    if (parent !== undefined) {
      procs.push({ pid: p.pid, dataDir: parent.dataDir, kind: childKind(p.argv), title: p.argv.join(' ') });
      continue;
    }
    if (unidentified.has(p.pid) || unidentified.has(p.ppid)) unresolved.push(`pid ${p.pid} is a postgres server (or its child) whose data directory safeops cannot see`);
    else if (looksPostgres(p) && (isPostmasterArgv(p.argv) || looksPostgres(readProc(p.ppid) ?? p))) unresolved.push(`pid ${p.pid} (${p.comm}) looks like a PostgreSQL process of a cluster safeops cannot identify`);
  }
  return { procs, unresolved };
}

/** Does anything listen on TCP `port` on this host (/proc/net/tcp{,6}, state 0A)? null: cannot tell. */
function tcpListening(port: number): boolean | null {
  let readable = false;
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && cols[1]?.endsWith(`:${hex}`)) return true;
    }
  }
  return readable ? false : null;
}

function localNames(): Set<string> {
  const names = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', '::1', '0.0.0.0', '::']);
  const h = os.hostname();
  names.add(h);
  names.add(h.split('.')[0]!);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(a.address);
  return names;
}

/** psql's target: the local clusters at that socket directory or port. */
export function resolveConnRef(ref: Extract<ClusterRef, { kind: 'conn' }>, facts: HostFacts): ResolvedRef {
  if (ref.why !== null) return { ref, dataDirs: [], unresolved: ref.why };
  const portWord = ref.port ?? '5432';
  const port = Number(portWord);
  if (!Number.isInteger(port) || port <= 0) return { ref, dataDirs: [], unresolved: `psql's port ${JSON.stringify(portWord)} is not one safeops can read` };
  // libpq's default on Debian: the socket directory /var/run/postgresql.
  const hosts = ref.hosts.length ? ref.hosts : ['/var/run/postgresql'];
  const dataDirs = new Set<string>();
  const problems: string[] = [];
  const local = localNames();
  const onPort = facts.clusters.filter((c) => c.running !== false && c.port === port);
  for (const h of hosts) {
    if (h.startsWith('/') || h.startsWith('@')) {
      const sock = path.posix.join(h, `.s.PGSQL.${port}`);
      let present: boolean | null;
      try {
        present = fs.statSync(sock).isSocket();
      } catch (e) {
        present = (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? false : null;
      }
      if (h.startsWith('@')) present = null;
      if (present === false) continue;
      const bySocket = onPort.filter((c) => c.socketDir === null || canonical(c.socketDir).real === canonical(h).real);
      const hits = bySocket.length ? bySocket : onPort;
      if (hits.length) for (const c of hits) dataDirs.add(c.dataDir);
      else problems.push(`the socket ${sock} belongs to no cluster safeops knows`);
    } else if (local.has(h) || /^127\./.test(h)) {
      if (onPort.length) for (const c of onPort) dataDirs.add(c.dataDir);
      else if (tcpListening(port) !== false) problems.push(`something listens on port ${port} that is no cluster safeops knows (a pooler?)`);
    } else {
      problems.push(`psql connects to ${h}, which safeops cannot see`);
    }
  }
  return { ref, dataDirs: [...dataDirs], unresolved: problems.length ? problems.join('; ') : null };
}

/** psql -f FILE...: does a readable file call pg_promote()? Unreadable files are not guarded (docs/guarded-tools.md). */
export function filesCallPromote(files: string[], cwd: string): boolean {
  for (const f of files) {
    try {
      const fd = fs.openSync(rawPath(f, cwd), 'r');
      try {
        const buf = Buffer.alloc(4 << 20);
        const n = fs.readSync(fd, buf, 0, buf.length, 0);
        if (callsPromote(buf.toString('utf8', 0, n))) return true;
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // unreadable: not guarded
    }
  }
  return false;
}

function devOf(p: string): string | null {
  try {
    const st = fs.statSync(p);
    if (!st.isBlockDevice()) return null;
    return `${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`;
  } catch {
    return null;
  }
}

/** A block device and everything built on it: its partitions, and device-mapper/md holders. */
function devicesOn(dev: string): Set<string> {
  const out = new Set<string>([dev]);
  const queue = [dev];
  while (queue.length && out.size < 256) {
    const d = queue.shift()!;
    const sys = `/sys/dev/block/${d}`;
    const more: string[] = [];
    try {
      const real = fs.realpathSync(sys);
      for (const e of fs.readdirSync(real)) {
        if (fs.existsSync(path.posix.join(real, e, 'partition'))) more.push(fs.readFileSync(path.posix.join(real, e, 'dev'), 'utf8').trim());
      }
      for (const h of fs.readdirSync(path.posix.join(real, 'holders'))) more.push(fs.readFileSync(`/sys/class/block/${h}/dev`, 'utf8').trim());
    } catch {
      // no sysfs entry: the device alone
    }
    for (const m of more) if (!out.has(m)) (out.add(m), queue.push(m));
  }
  return out;
}

/** The mount a canonical path lives on (the last of stacked mounts wins). */
function owning(p: string, mounts: Mount[]): Mount | null {
  let best: Mount | null = null;
  for (const m of mounts) if (isUnder(p, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  return best;
}

/** Clusters with a footprint entry (or an alias of one) on one of these mounts. */
function clustersOn(mounts: Set<Mount>, all: Mount[], facts: HostFacts): string[] {
  const out: string[] = [];
  for (const c of facts.clusters) {
    const on = c.footprint.some((f) => [f.path, ...f.aliases].some((p) => {
      const m = owning(p, all);
      return m !== null && mounts.has(m);
    }));
    if (on) out.push(c.dataDir);
  }
  return out;
}

/** umount TARGET: the mount(s) it detaches, and the clusters living there. */
export function resolveUnmount(targets: string[], recursive: boolean, allMounts: boolean, mounts: Mount[], facts: HostFacts, cwd: string): ResolvedRef[] {
  const refs: ResolvedRef[] = [];
  const words = allMounts ? ['-a'] : targets;
  for (const t of words) {
    const hit = new Set<Mount>();
    if (allMounts) for (const m of mounts) hit.add(m);
    else {
      const dev = devOf(rawPath(t, cwd));
      const real = canonical(rawPath(t, cwd)).real;
      for (const m of mounts) if ((dev !== null && m.dev === dev) || m.mountPoint === real || m.source === t) hit.add(m);
      if (recursive) for (const m of [...hit]) for (const n of mounts) if (isUnder(n.mountPoint, m.mountPoint)) hit.add(n);
    }
    refs.push({ ref: { kind: 'path', path: t }, dataDirs: clustersOn(hit, mounts, facts), unresolved: null });
  }
  return refs;
}

/** mkfs/wipefs/dd/shred DEVICE: the clusters on file systems of that device (or a partition or holder of it). */
export function resolveDevices(devices: string[], mounts: Mount[], facts: HostFacts, cwd: string): ResolvedRef[] {
  const refs: ResolvedRef[] = [];
  for (const d of devices) {
    const dev = devOf(rawPath(d, cwd));
    if (dev === null) continue;
    const devs = devicesOn(dev);
    const hit = new Set(mounts.filter((m) => devs.has(m.dev)));
    refs.push({ ref: { kind: 'path', path: d }, dataDirs: clustersOn(hit, mounts, facts), unresolved: null });
  }
  return refs;
}

