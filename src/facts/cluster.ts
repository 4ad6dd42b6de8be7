// One cluster's facts from its files and /proc (no SQL here; see sql.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterFacts, FootprintEntry, PidFile, Tri } from './types.js';
import { aliasesOf, type Mount } from './mounts.js';
import { canonical, exists, idChain, statId } from './paths.js';
import { checkPostmasterPid, type Postmaster } from './proc.js';
import { deriveRole } from './role.js';
import { parsePgConf } from './pgconf.js';
import { userName } from './users.js';

/** Parse postmaster.pid (tolerates fewer than 8 lines: they appear over time). Pure. */
export function parsePidFile(text: string): PidFile | null {
  const lines = text.split('\n');
  const pid = Number(lines[0]?.trim());
  if (!lines[0] || !Number.isInteger(pid) || pid === 0) return null;
  const num = (s: string | undefined) => (s && /^\s*\d+\s*$/.test(s) ? Number(s) : null);
  const socketDir = lines[4]?.trim() || null;
  return { pid, startEpoch: num(lines[2]), port: num(lines[3]), socketDir, status: lines[7]?.trim() || null };
}

/** DBState from pg_control (int32 at offset 16, stable since 9.x). */
const PG_CONTROL_STATES = ['starting up', 'shut down', 'shut down in recovery', 'shutting down', 'in crash recovery', 'in archive recovery', 'in production'];

/** System identifier (uint64 at offset 0) and cluster state (int32 at offset 16) from pg_control. */
function readPgControl(dataDir: string): { state: string | null; systemIdentifier: string | null } {
  let fd: number | null = null;
  try {
    fd = fs.openSync(path.join(dataDir, 'global/pg_control'), 'r');
    const buf = Buffer.alloc(20);
    if (fs.readSync(fd, buf, 0, 20, 0) < 20) return { state: null, systemIdentifier: null };
    const state = buf.readInt32LE(16);
    return { state: PG_CONTROL_STATES[state] ?? `unknown state ${state}`, systemIdentifier: buf.readBigUInt64LE(0).toString() };
  } catch {
    return { state: null, systemIdentifier: null };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** PG < 12: recovery.conf with standby_mode on = standby; without it = archive recovery. */
function readRecoveryConf(dataDir: string): 'standby' | 'recovery' | null | 'unknown' {
  try {
    const conf = parsePgConf(fs.readFileSync(path.join(dataDir, 'recovery.conf'), 'utf8'));
    const sm = (conf.get('standby_mode') ?? '').toLowerCase();
    return ['on', 'true', 'yes', '1'].includes(sm) ? 'standby' : 'recovery';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : 'unknown';
  }
}

/** A footprint entry with its ancestry ids and bind-mount aliases. */
export function footprintEntry(kind: FootprintEntry['kind'], p: string, mounts: Mount[], oid?: string): FootprintEntry {
  const e: FootprintEntry = { kind, path: p, id: statId(p), chain: idChain(p), aliases: aliasesOf(p, mounts) };
  if (oid !== undefined) e.oid = oid;
  return e;
}

/** The data dir, the pg_wal symlink target, the tablespace targets, the Debian config dir. */
function readFootprint(dataDir: string, mounts: Mount[], confDir: string | null, problems: string[], gaps: string[]): FootprintEntry[] {
  const fp: FootprintEntry[] = [footprintEntry('data', dataDir, mounts)];
  for (const wal of ['pg_wal', 'pg_xlog']) {
    const p = path.join(dataDir, wal);
    try {
      if (fs.lstatSync(p).isSymbolicLink()) {
        const c = canonical(p);
        fp.push(footprintEntry('wal', c.real, mounts));
        if (!c.exists) gaps.push(`cannot resolve ${p} (its target is missing or not readable)`);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        if (wal === 'pg_xlog' && gaps.length > 0) continue; // the same unreadable data dir, said once
        problems.push(`cannot see ${p} (${code === 'EACCES' ? 'permission denied' : code ?? 'error'}): a pg_wal on another disk would be missed`);
        gaps.push(`cannot read ${p} (${code ?? 'error'})`);
      }
    }
  }
  const tbl = path.join(dataDir, 'pg_tblspc');
  try {
    for (const oid of fs.readdirSync(tbl)) {
      const link = path.join(tbl, oid);
      try {
        if (fs.lstatSync(link).isSymbolicLink()) {
          const c = canonical(link);
          fp.push(footprintEntry('tablespace', c.real, mounts, oid));
          if (!c.exists) gaps.push(`cannot resolve tablespace link ${link}`);
        }
      } catch {
        problems.push(`cannot read tablespace link ${link}`);
        gaps.push(`cannot read tablespace link ${link}`);
      }
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') problems.push(`cannot list ${tbl} (permission denied): tablespaces on other disks would be missed`);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') gaps.push(`cannot list ${tbl} (${code ?? 'error'})`);
  }
  if (confDir) {
    const c = canonical(confDir);
    if (c.exists) fp.push(footprintEntry('config', c.real, mounts));
  }
  return fp;
}

export interface ReadClusterContext {
  mounts: Mount[];
  postmasters: Postmaster[];
  now: Date;
  debian: { version: string; name: string; confDir: string } | null;
  discoveredBy: ClusterFacts['discoveredBy'];
  /**
   * false: only identity and footprint (for a path command, to find which clusters it touches);
   * the state is left unknown, and read in full for the touched ones (gather.ts, completeState).
   */
  state?: boolean;
}

type Identity = Pick<ClusterFacts, 'dataDir' | 'id' | 'name' | 'debian' | 'discoveredBy' | 'version' | 'footprint' | 'footprintGaps' | 'owner' | 'observedAt' | 'problems'>;

/** What a cluster is, whatever it is doing: identity, version and footprint. */
function identity(dataDir: string, id: string | null, version: string | null, owner: ClusterFacts['owner'], problems: string[], ctx: ReadClusterContext): Identity {
  const footprintGaps: string[] = [];
  const footprint = readFootprint(dataDir, ctx.mounts, ctx.debian?.confDir ?? null, problems, footprintGaps);
  return {
    dataDir,
    id,
    name: ctx.debian ? `${ctx.debian.version}/${ctx.debian.name}` : path.basename(dataDir) || dataDir,
    debian: ctx.debian,
    discoveredBy: ctx.discoveredBy,
    version,
    footprint,
    footprintGaps,
    owner,
    observedAt: ctx.now.toISOString(),
    problems,
  };
}

/** Identity and footprint only; every state fact unknown (the dangerous value) until read. */
function partialCluster(base: Identity): ClusterFacts {
  return {
    ...base,
    running: 'unknown',
    runningSource: 'not read: the command does not touch this cluster',
    pid: null,
    port: null,
    socketDir: null,
    pmStatus: null,
    stalePidFile: false,
    standbySignal: 'unknown',
    recoverySignal: 'unknown',
    recoveryConf: 'unknown',
    backupLabel: 'unknown',
    hasPgControl: 'unknown',
    restoreInProgress: 'unknown',
    promoteRequested: 'unknown',
    pgControlState: null,
    systemIdentifier: null,
    inRecovery: null,
    role: 'unknown',
    roleSource: 'none',
    roleDetail: 'not read: the command does not touch this cluster',
    replication: null,
    archiving: null,
  };
}

/** Read every file-level fact of the cluster at canonical `dataDir`. Never throws. */
export function readCluster(dataDir: string, ctx: ReadClusterContext): ClusterFacts {
  const problems: string[] = [];
  const id = statId(dataDir);
  let owner: ClusterFacts['owner'] = null;
  try {
    const st = fs.statSync(dataDir);
    owner = { uid: st.uid, name: userName(st.uid) };
  } catch (e) {
    problems.push(`cannot stat ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }

  let version: string | null = null;
  try {
    version = fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push(code === 'EACCES' ? `cannot read ${dataDir} (permission denied): run safeops as root or the cluster's owner to know its files` : `no PG_VERSION in ${dataDir}`);
  }
  const base = identity(dataDir, id, version, owner, problems, ctx);
  if (ctx.state === false) return partialCluster(base);
  const f = (name: string): Tri => exists(path.join(dataDir, name));
  const standbySignal = f('standby.signal');
  const recoverySignal = f('recovery.signal');
  const backupLabel = f('backup_label');
  const hasPgControl = f('global/pg_control');
  const promoteRequested = f('promote');
  const recoveryConf = readRecoveryConf(dataDir);

  // Liveness: postmaster.pid checked against /proc, and any postmaster whose data dir is this one.
  let pidFile: PidFile | null = null;
  let pidFileState: 'present' | 'absent' | 'unreadable' = 'absent';
  try {
    pidFile = parsePidFile(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8'));
    pidFileState = 'present';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    pidFileState = code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'unreadable';
  }
  const fromProc = ctx.postmasters.find((pm) => pm.dataDir !== null && ((id && pm.dataDirId === id) || pm.dataDir === dataDir));
  let running: Tri = false;
  let runningSource: string;
  let stalePidFile = false;
  let pid: number | null = null;
  if (pidFile) {
    const check = checkPostmasterPid(pidFile.pid, pidFile.startEpoch, dataDir, id);
    running = check.alive;
    runningSource = check.detail;
    if (check.alive === false) stalePidFile = true;
    if (check.alive !== false) pid = Math.abs(pidFile.pid);
  } else if (pidFileState === 'unreadable') {
    running = 'unknown';
    runningSource = 'postmaster.pid is not readable as this user';
  } else {
    runningSource = 'no postmaster.pid';
  }
  if (fromProc && running !== true) {
    running = true;
    pid = fromProc.pid;
    runningSource = `postgres pid ${fromProc.pid} runs on this data directory (${fromProc.how === 'cwd' ? 'its working directory' : fromProc.how})` + (pidFileState === 'absent' ? '; its postmaster.pid is missing' : '');
  } else if (running === 'unknown' && !fromProc) {
    const unidentified = ctx.postmasters.filter((pm) => pm.dataDir === null);
    if (unidentified.length === 0 && pidFileState === 'unreadable') {
      running = false;
      runningSource = 'no postgres process on this host serves this data directory (/proc)';
    }
  }
  const pmStatus = running === true && pidFile && pid === Math.abs(pidFile.pid) ? pidFile.status : null;

  const restoreInProgress: Tri =
    running === true ? false : backupLabel === true || (version !== null && hasPgControl === false) ? true : backupLabel === 'unknown' || hasPgControl === 'unknown' ? 'unknown' : false;

  const control = readPgControl(dataDir);
  const role = deriveRole({ running, standbySignal, recoverySignal, recoveryConf, promoteRequested, sql: null });
  const facts: ClusterFacts = {
    ...base,
    running,
    runningSource,
    pid,
    port: running === true ? (pidFile?.port ?? null) : null,
    socketDir: running === true ? (pidFile?.socketDir ?? null) : null,
    pmStatus,
    stalePidFile,
    standbySignal,
    recoverySignal,
    recoveryConf,
    backupLabel,
    hasPgControl,
    restoreInProgress,
    promoteRequested,
    pgControlState: control.state,
    systemIdentifier: control.systemIdentifier,
    inRecovery: null,
    role: role.role,
    roleSource: role.source,
    roleDetail: role.detail,
    replication: null,
    archiving: null,
  };
  if (running === true && !facts.port && fromProc) {
    // No readable pid file: the port may still be on the command line (-p) or in the Debian config.
    const pIdx = fromProc.argv.indexOf('-p');
    if (pIdx > 0) facts.port = Number(fromProc.argv[pIdx + 1]) || null;
  }
  // The pid file and the socket must be the owner's (as a real server's are): SQL facts are only
  // read over a socket the data directory's owner made, never one another user put in its place.
  if (running === true && owner && pidFile) {
    const foreign = (p: string): number | null => {
      try {
        const uid = fs.lstatSync(p).uid;
        return uid === owner!.uid ? null : uid;
      } catch {
        return null;
      }
    };
    const pidUid = foreign(path.join(dataDir, 'postmaster.pid'));
    const sockUid = facts.socketDir && facts.port ? foreign(path.join(facts.socketDir, `.s.PGSQL.${facts.port}`)) : null;
    if (pidUid !== null || sockUid !== null) {
      problems.push(`${pidUid !== null ? `postmaster.pid belongs to uid ${pidUid}` : `the socket ${path.join(facts.socketDir!, `.s.PGSQL.${facts.port}`)} belongs to uid ${sockUid}`}, not to the data directory's owner (uid ${owner.uid}): no SQL over it`);
      facts.socketDir = null;
      facts.port = null;
    }
  }
  return facts;
}
