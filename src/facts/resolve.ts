// Resolving a parsed command's targets against the file system and the host's clusters:
// every spelling of a path becomes a canonical path plus dev:ino chains (policy/touch.ts
// compares them, purely).
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterRef, Command, DestRef, ParsedCommand, ResolvedOp, ResolvedPath, ResolvedRef } from '../command/types.js';
import type { ProtectedPath } from '../config/schema.js';
import type { HostFacts } from './types.js';
import type { Candidate } from './discover.js';
import { aliasesOf, mountsBelow, type Mount } from './mounts.js';
import { canonical, exists, hasEntries, isUnder, rawPath } from './paths.js';
import { readCmdline, readProcStat, isPostmasterArgv } from './proc.js';
import { resolveStanzaPaths } from './pgbackrest-conf.js';
import { filesCallPromote, resolveConnRef, resolveDevices, resolveSignalTargets, resolveUnmount } from './targets.js';
import { swappableOn, type Trust } from './race.js';

/** A protected path from the config, resolved like a footprint entry. */
export interface ResolvedProtect extends ProtectedPath {
  real: string;
  id: string | null;
  chain: string[];
  aliases: string[];
}

/** Memoised stat ids for one resolution pass (thousands of glob-expanded args share parents). */
class IdCache {
  private ids = new Map<string, string | null>();
  private chains = new Map<string, string[]>();
  id(p: string): string | null {
    let v = this.ids.get(p);
    if (v === undefined) {
      try {
        const st = fs.statSync(p, { bigint: true });
        v = `${st.dev}:${st.ino}`;
      } catch {
        v = null;
      }
      this.ids.set(p, v);
    }
    return v;
  }
  /** dev:ino of p and every ancestor (canonical p). */
  chain(p: string): string[] {
    const hit = this.chains.get(p);
    if (hit) return hit;
    const own = this.id(p);
    const parent = p === '/' ? [] : this.chain(path.posix.dirname(p));
    const c = own ? [own, ...parent] : parent;
    this.chains.set(p, c);
    return c;
  }
}

/** Resolve one path argument the way the tool will see it, relative to `cwd`. */
export function resolvePath(arg: string, cwd: string, mounts: Mount[], cache = new IdCache(), cwdReal?: string): ResolvedPath {
  const raw = rawPath(arg, cwd);
  const abs = path.posix.resolve(cwd, arg);
  const { real, exists: ok } = canonical(raw);
  // Without a trailing slash or a final `.`/`..`, the tool acts on the entry itself (a symlink is not followed).
  const followsFinal = raw.endsWith('/') || /(^|\/)\.\.?$/.test(raw);
  let self = real;
  let isSymlink = false;
  if (!followsFinal) {
    const parent = canonical(path.posix.dirname(raw)).real;
    self = path.posix.join(parent, path.posix.basename(raw));
    try {
      isSymlink = fs.lstatSync(self).isSymbolicLink();
    } catch {
      isSymlink = false;
    }
    if (!isSymlink) self = real;
  }
  let isDir = false;
  try {
    isDir = fs.statSync(real).isDirectory();
  } catch {
    isDir = false;
  }
  const chain = cache.chain(real);
  const cwdR = cwdReal ?? canonical(cwd).real;
  const id = ok ? cache.id(real) : null;
  return {
    arg,
    abs,
    real,
    self,
    exists: ok,
    isSymlink,
    isDir,
    chain,
    selfChain: isSymlink ? cache.chain(path.posix.dirname(self)) : chain,
    id,
    mountsBelow: isDir ? mountsBelow(real, mounts) : [],
    nonEmpty: isDir ? hasEntries(real) === true : false,
    cwdInside: ok && (isUnder(cwdR, real) || (id !== null && cache.chain(cwdR).includes(id))),
  };
}

/** Data dirs a command names or reaches into, so that clusters discovery missed are still read. */
export function candidatesFromCommand(parsed: ParsedCommand, cwd: string): Candidate[] {
  const dir = parsed.cwd ? path.posix.resolve(cwd, parsed.cwd) : cwd;
  const paths: string[] = [];
  for (const op of parsed.ops) {
    if (op.type === 'remove') paths.push(...op.paths);
    if (op.type === 'write-into') for (const d of op.dests) if (d.kind === 'path') paths.push(d.path);
    if (op.type === 'stop' || op.type === 'kill' || op.type === 'promote') for (const r of op.refs) if (r.kind === 'path') paths.push(r.path);
    // issue 9 item 4 (src/facts/targets.ts)
    if (op.type === 'write' || op.type === 'wal-fetch') paths.push(...op.paths);
    if (op.type === 'offline') for (const r of op.refs) if (r.kind === 'path') paths.push(r.path);
  }
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const p of paths.slice(0, 10000)) {
    // Walk up from the target: a PG_VERSION in it or an ancestor marks a data dir.
    let cur = canonical(rawPath(p, dir)).real;
    for (;;) {
      if (seen.has(cur)) break;
      seen.add(cur);
      if (exists(path.posix.join(cur, 'PG_VERSION')) === true) {
        out.push({ path: cur, by: 'command' });
        break;
      }
      if (cur === '/') break;
      cur = path.posix.dirname(cur);
    }
  }
  return out;
}

/** Which clusters a reference names. */
function resolveRef(ref: ClusterRef, facts: HostFacts, cwd: string): ResolvedRef {
  const all = facts.clusters.map((c) => c.dataDir);
  const unidentified = facts.unidentifiedPostmasters.length ? `${facts.unidentifiedPostmasters.length} running postgres server(s) whose data directory safeops cannot see (pid ${facts.unidentifiedPostmasters.map((u) => u.pid).join(', ')})` : null;
  switch (ref.kind) {
    case 'path': {
      const { real } = canonical(rawPath(ref.path, cwd));
      const hits = facts.clusters.filter((c) => c.dataDir === real || c.footprint.some((f) => (f.kind === 'data' || f.kind === 'config') && (f.path === real || f.aliases.includes(real))));
      if (hits.length) return { ref, dataDirs: hits.map((c) => c.dataDir), unresolved: null };
      const pv = exists(path.posix.join(real, 'PG_VERSION'));
      return { ref, dataDirs: [], unresolved: pv === 'unknown' ? `cannot read ${real} as this user` : null };
    }
    case 'debian': {
      const hits = facts.clusters.filter((c) => c.debian && c.debian.name === ref.name && c.debian.version === ref.version);
      return { ref, dataDirs: hits.map((c) => c.dataDir), unresolved: null };
    }
    case 'major': {
      const hits = facts.clusters.filter((c) => !c.debian && c.version !== null && c.version.split('.')[0] === ref.version.split('.')[0]);
      const unknownVersion = facts.clusters.some((c) => c.version === null && c.running !== false);
      return { ref, dataDirs: hits.map((c) => c.dataDir), unresolved: unknownVersion ? 'a running cluster whose version safeops cannot read' : null };
    }
    case 'pid': {
      const direct = facts.clusters.find((c) => c.pid === ref.pid);
      if (direct) return { ref, dataDirs: [direct.dataDir], unresolved: null };
      const stat = readProcStat(ref.pid);
      const parent = stat ? facts.clusters.find((c) => c.pid === stat.ppid) : undefined;
      if (parent) return { ref, dataDirs: [parent.dataDir], unresolved: null };
      const argv = readCmdline(ref.pid);
      const pgish = argv && (isPostmasterArgv(argv) || (argv[0] ?? '').startsWith('postgres:'));
      return { ref, dataDirs: [], unresolved: pgish ? `pid ${ref.pid} is a postgres process of a cluster safeops cannot identify` : null };
    }
    case 'all':
      return { ref, dataDirs: all, unresolved: unidentified };
    case 'unknown':
      return { ref, dataDirs: all, unresolved: ref.why };
    case 'conn':
      return resolveConnRef(ref, facts);
  }
}

/** Resolve write-into destinations; pgbackrest stanzas are read from its config files. */
function resolveDests(dests: DestRef[], cwd: string, mounts: Mount[], cache: IdCache, cwdReal: string): { targets: ResolvedPath[]; unresolved: string[] } {
  const targets: ResolvedPath[] = [];
  const unresolved: string[] = [];
  for (const d of dests) {
    if (d.kind === 'path') targets.push(resolvePath(d.path, cwd, mounts, cache, cwdReal));
    else {
      const r = resolveStanzaPaths(d);
      if (r.paths.length === 0) unresolved.push(r.problem ?? `no pg1-path for stanza ${d.stanza}`);
      for (const p of r.paths) targets.push(resolvePath(p, cwd, mounts, cache, cwdReal));
    }
  }
  return { targets, unresolved };
}

/** Turn a parsed command into the `command` decide() judges. */
export function resolveCommand(parsed: ParsedCommand, facts: HostFacts, opts: { cwd: string; mounts: Mount[]; trust?: Trust }): Command {
  const cwd = parsed.cwd ? path.posix.resolve(opts.cwd, parsed.cwd) : opts.cwd;
  const cwdReal = canonical(cwd).real;
  const cache = new IdCache();
  // Which targets another user could swap before the tool walks them (recursive tools only).
  const memo = new Map<string, string | null>();
  const racy = (targets: ResolvedPath[]): ResolvedPath[] => {
    if (opts.trust) for (const t of targets) t.swappable = swappableOn(rawPath(t.arg, cwd), opts.trust, memo);
    return targets;
  };
  const ops: ResolvedOp[] = parsed.ops.map((op): ResolvedOp => {
    switch (op.type) {
      case 'remove':
        {
          const targets = op.paths.map((p) => resolvePath(p, cwd, opts.mounts, cache, cwdReal));
          return { type: 'remove', recursive: op.recursive, targets: op.recursive ? racy(targets) : targets };
        }
      case 'write-into': {
        const { targets, unresolved } = resolveDests(op.dests, cwd, opts.mounts, cache, cwdReal);
        return { type: 'write-into', tool: op.tool, targets: racy(targets), unresolved };
      }
      case 'stop':
      case 'kill':
      case 'promote': {
        const refs = op.refs.map((r) => resolveRef(r, facts, cwd));
        return { ...op, refs } as ResolvedOp;
      }
      // issue 9 item 4 (src/facts/targets.ts)
      case 'write':
        return { type: 'write', tool: op.tool, recursive: op.recursive, targets: op.paths.map((p) => resolvePath(p, cwd, opts.mounts, cache, cwdReal)) };
      case 'wal-fetch':
        return { type: 'wal-fetch', tool: op.tool, targets: op.paths.map((p) => resolvePath(p, cwd, opts.mounts, cache, cwdReal)) };
      case 'signal':
        return { type: 'signal', tool: op.tool, signal: op.signal, ...resolveSignalTargets(op.targets, facts, cwd) };
      case 'unmount':
        return { type: 'unmount', refs: resolveUnmount(op.targets, op.recursive, op.all, opts.mounts, facts, cwd) };
      case 'wipe-device':
        return { type: 'wipe-device', tool: op.tool, refs: resolveDevices(op.devices, opts.mounts, facts, cwd) };
      case 'offline':
        return { type: 'offline', tool: op.tool, kind: op.kind, refs: op.refs.map((r) => resolveRef(r, facts, cwd)) };
      case 'sql-promote':
        return { type: 'promote', refs: filesCallPromote(op.files, cwd) ? op.refs.map((r) => resolveRef(r, facts, cwd)) : [] };
      default:
        return op;
    }
  });
  return { parsed, ops, cwd: cwdReal };
}

/** Resolve the config's protected paths (canonical, ids, bind-mount aliases). */
export function resolveProtected(list: ProtectedPath[], mounts: Mount[]): ResolvedProtect[] {
  const cache = new IdCache();
  return list.map((p) => {
    const { real } = canonical(p.path);
    return { ...p, real, id: cache.id(real), chain: cache.chain(real), aliases: aliasesOf(real, mounts) };
  });
}
