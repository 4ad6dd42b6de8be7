// What this host says about each of its clusters (the value of its etcd key). Pure apart from
// one 56-byte read of pg_control for the timeline and checkpoint LSN.
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterFacts } from '../facts/types.js';
import { clusterPromptRole } from '../watch/publish.js';
import type { MemberReport } from './types.js';
import type { Versions } from './versions.js';

/** "16/B3000028" from a 64-bit LSN. */
export function formatLsn(v: bigint): string {
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Compare "X/Y" LSNs; null when either is unknown. */
export function compareLsn(a: string | null, b: string | null): number | null {
  if (!a || !b) return null;
  const n = (s: string) => {
    const [hi, lo] = s.split('/');
    return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
  };
  const d = n(a) - n(b);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/**
 * Timeline and latest checkpoint LSN from pg_control (ControlFileData: checkPoint at offset 32,
 * checkPointCopy.ThisTimeLineID at 48; stable for PostgreSQL 10-17). For a cleanly stopped
 * cluster the checkpoint is its end of WAL; for a running one it is coarse.
 */
export function readControlPosition(dataDir: string): { timeline: number | null; lsn: string | null } {
  let fd: number;
  try {
    fd = fs.openSync(path.join(dataDir, 'global/pg_control'), 'r');
  } catch {
    return { timeline: null, lsn: null };
  }
  try {
    const buf = Buffer.alloc(56);
    if (fs.readSync(fd, buf, 0, 56, 0) < 56) return { timeline: null, lsn: null };
    const tl = buf.readUInt32LE(48);
    return { timeline: tl > 0 ? tl : null, lsn: formatLsn(buf.readBigUInt64LE(32)) };
  } catch {
    return { timeline: null, lsn: null };
  } finally {
    fs.closeSync(fd);
  }
}

/** The report for one cluster. */
export function buildReport(c: ClusterFacts, host: string, versions: Versions, nowIso: string, position = readControlPosition(c.dataDir)): MemberReport | null {
  if (!c.systemIdentifier) return null;
  const r = c.replication;
  const up = r?.upstream ? `${r.upstream.host ?? '?'}:${r.upstream.port ?? '?'}` : null;
  const a = c.archiving;
  const pv = c.patroni?.view;
  const me = pv && c.patroni?.member ? pv.members.find((m) => m.name === c.patroni!.member) : undefined;
  return {
    schema: 'safeops.member/1',
    host,
    cluster: c.name,
    dataDir: c.dataDir,
    systemIdentifier: c.systemIdentifier,
    timeline: position.timeline,
    role: clusterPromptRole(c),
    roleHow: c.running === true ? c.roleDetail : c.runningSource,
    running: c.running,
    port: c.port,
    lsn: position.lsn,
    upstream: up,
    standbys: (r?.connectedStandbys ?? []).map((s) => s.application || s.clientAddr || '?'),
    replayLagSeconds: coarseLag(r?.replayLagSeconds ?? null),
    archiving: !a ? 'unknown' : a.mode === 'off' ? 'off' : a.failing ? 'failing' : 'ok',
    versions: { server: versions.server, walg: versions.walg, pgbackrest: versions.pgbackrest, safeops: versions.safeops },
    patroni: c.patroni ? { scope: c.patroni.scope, member: c.patroni.member, role: me?.role ?? null, leader: pv?.leader ?? null, paused: pv?.paused ?? false } : null,
    reportedAt: nowIso,
  };
}

/** Lag in steps (5 s, then 30 s, then minutes): a report that changes every poll would be a put every poll. */
export function coarseLag(sec: number | null): number | null {
  if (sec === null || !Number.isFinite(sec)) return null;
  if (sec < 60) return Math.floor(sec / 5) * 5;
  if (sec < 3600) return Math.floor(sec / 60) * 60;
  return Math.floor(sec / 600) * 600;
}

/** The report without its time: equal keys mean nothing to write. */
export function reportKey(r: MemberReport): string {
  return JSON.stringify({ ...r, reportedAt: '' });
}
