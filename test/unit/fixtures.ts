// Hand-built facts for pure tests of the decision (no I/O).
import type { ClusterRef, Command, ParsedCommand, ResolvedOp, ResolvedPath, ResolvedRef } from '../../src/command/types.js';
import type { ClusterFacts, FootprintEntry, HostFacts } from '../../src/facts/types.js';
import type { ClusterState } from '../../src/policy/types.js';

/** A fake dev:ino per path: the same path always gets the same id. */
const ids = new Map<string, string>();
export function idOf(p: string): string {
  if (!ids.has(p)) ids.set(p, `8:${1000 + ids.size}`);
  return ids.get(p)!;
}

/** ids of p and its ancestors (like idChain on a real disk). */
export function chainOf(p: string): string[] {
  const out: string[] = [];
  let cur = p;
  for (;;) {
    out.push(idOf(cur));
    if (cur === '/') break;
    cur = cur.slice(0, cur.lastIndexOf('/')) || '/';
  }
  return out;
}

export function place(kind: FootprintEntry['kind'], p: string, aliases: string[] = []): FootprintEntry {
  return { kind, path: p, id: idOf(p), chain: chainOf(p), aliases };
}

/** A cluster in one of the decision table's columns. */
export function cluster(state: ClusterState | 'restore' | 'standby-file-only' | 'recovering', dataDir = '/var/lib/postgresql/15/main', extra: Partial<ClusterFacts> = {}): ClusterFacts {
  const running = state.startsWith('running') || state === 'standby-file-only' || state === 'recovering' ? true : state === 'unknown' ? 'unknown' : false;
  const role = state === 'running-primary' || state === 'stopped' || state === 'restore' ? 'primary' : state === 'unknown' ? 'unknown' : state === 'recovering' ? 'recovering' : 'standby';
  return {
    dataDir,
    id: idOf(dataDir),
    name: dataDir.split('/').slice(-2).join('/'),
    debian: null,
    discoveredBy: ['scan'],
    version: '15',
    footprint: [place('data', dataDir)],
    running,
    runningSource: running === true ? 'pid 4242 is a postgres server whose working directory is the data directory' : running === false ? 'no postmaster.pid' : 'postmaster.pid is not readable as this user',
    pid: running === true ? 4242 : null,
    port: running === true ? 5432 : null,
    socketDir: running === true ? '/var/run/postgresql' : null,
    pmStatus: running === true ? 'ready' : null,
    stalePidFile: false,
    standbySignal: state === 'running-standby' || state === 'stopped-standby' || state === 'standby-file-only',
    recoverySignal: state === 'recovering',
    recoveryConf: null,
    backupLabel: state === 'restore',
    hasPgControl: true,
    restoreInProgress: state === 'restore',
    promoteRequested: false,
    pgControlState: null,
    systemIdentifier: '7300000000000000001',
    inRecovery: running === true ? role !== 'primary' : null,
    role,
    roleSource: state === 'running-primary' || state === 'running-standby' || state === 'recovering' ? 'sql' : 'signal-file',
    roleDetail: 'test',
    replication: null,
    archiving: null,
    owner: { uid: 101, name: 'postgres' },
    observedAt: '2026-11-22T03:12:04.000Z',
    problems: [],
    ...extra,
  };
}

export function host(clusters: ClusterFacts[], extra: Partial<HostFacts> = {}): HostFacts {
  return { hostname: 'db-01.example.com', shortHostname: 'db-01', clusters, unidentifiedPostmasters: [], observedAt: '2026-11-22T03:12:04.000Z', problems: [], ...extra };
}

/** A resolved path target as the facts layer would produce for an existing path without symlinks. */
export function target(p: string, extra: Partial<ResolvedPath> = {}): ResolvedPath {
  return { arg: p, abs: p, real: p, self: p, exists: true, isSymlink: false, isDir: true, chain: chainOf(p), selfChain: chainOf(p), id: idOf(p), mountsBelow: [], nonEmpty: false, cwdInside: false, ...extra };
}

export function parsed(tool: ParsedCommand['tool'], argv: string[]): ParsedCommand {
  return { tool, argv, innerArgv: argv, cwd: null, envOverrides: {}, envUnknown: false, ops: [], notes: [] };
}

export function command(tool: ParsedCommand['tool'], ops: ResolvedOp[]): Command {
  return { parsed: parsed(tool, [tool ?? 'x']), ops, cwd: '/root' };
}

export function ref(dataDirs: string[], unresolved: string | null = null, r: ClusterRef = { kind: 'path', path: dataDirs[0] ?? '/x' }): ResolvedRef {
  return { ref: r, dataDirs, unresolved };
}

export const NO_CONFIG = { protect: [], degraded: [] };
