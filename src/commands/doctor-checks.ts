// doctor's checks from the gathered facts alone (pure): role, version, archiving, standbys,
// streaming, slots, the WAL disk. Each a line `ok`/`warn`/`fail` with the fact and the fix.
import type { LoadedConfig } from '../config/schema.js';
import type { ClusterFacts } from '../facts/types.js';
import { bytesText } from '../facts/wal-disk.js';
import { roleWords } from '../policy/words.js';

export type Level = 'ok' | 'warn' | 'fail';

export interface Check {
  /** Stable identifier: role, version, archiving, probe, standbys, streaming, slots, wal-disk, backup, tool. */
  id: string;
  status: Level;
  /** What is true now, in words. */
  fact: string;
  /** What to do about it (null when ok). */
  fix: string | null;
}

export const RANK: Record<Level, number> = { ok: 0, warn: 1, fail: 2 };
export const worst = (xs: Level[]): Level => xs.reduce<Level>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
export const ok = (id: string, fact: string): Check => ({ id, status: 'ok', fact, fix: null });
export const warn = (id: string, fact: string, fix: string): Check => ({ id, status: 'warn', fact, fix });
export const fail = (id: string, fact: string, fix: string): Check => ({ id, status: 'fail', fact, fix });
export const age = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : ms < 172_800_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 86_400_000).toFixed(1)} days`);

/** Checks that need only the gathered facts. Pure. */
export function factChecks(c: ClusterFacts, loaded: LoadedConfig, nowMs: number): Check[] {
  const out: Check[] = [];
  const limits = loaded.config;
  if (c.running !== true) {
    if (c.running === 'unknown') out.push(fail('role', `running state unknown: ${c.runningSource}`, 'run safeops doctor as root or as the cluster\'s owner'));
    else if (c.restoreInProgress === true) out.push(warn('role', 'stopped, restore in progress (backup_label, or no global/pg_control)', 'finish or clean up the restore before starting it'));
    else out.push(ok('role', `stopped (${c.runningSource})${c.standbySignal === true ? ', standby.signal present' : ''}`));
    out.push(ok('version', `PostgreSQL ${c.version ?? '?'} (PG_VERSION)`));
    return out;
  }
  if (c.roleSource === 'sql') out.push(ok('role', `${roleWords(c)}: ${c.roleDetail}`));
  else out.push(fail('role', `${roleWords(c)}: not confirmed over SQL (${c.problems.find((p) => p.startsWith('cannot connect') || p.startsWith('query failed')) ?? c.roleDetail})`, 'run safeops as root or the cluster\'s owner (peer authentication), or set sql.user; see README "SQL facts as root"'));
  out.push(ok('version', `PostgreSQL ${c.serverVersion ?? c.version ?? '?'}${c.serverVersion ? ' (server_version)' : ' (PG_VERSION)'}`));

  // Archiving (primaries, and standbys with archive_mode = always).
  const a = c.archiving;
  const h = a?.health;
  const judged = a && (a.mode === 'always' || (c.role === 'primary' && c.inRecovery !== true));
  if (a && judged) {
    if (a.mode === 'off') out.push(warn('archiving', 'archive_mode is off: no WAL archive, no point-in-time recovery from this server', 'set archive_mode = on and an archive_command (needs a restart) if backups depend on it'));
    else if (h?.configProblem) out.push(fail('archiving', h.configProblem + (h.lastFailureLine ? `; server log: ${h.lastFailureLine}` : ''), 'fix archive_command (install the program or correct its path), then SELECT pg_reload_conf()'));
    else if (a.failing) out.push(fail('archiving', `failing: pg_stat_archiver's last failure ${a.lastFailedAt ?? '?'} (${a.lastFailedWal ?? '?'}) is newer than its last success ${a.lastArchivedAt ?? '(never)'}${h?.lastFailureLine ? `; server log: ${h.lastFailureLine}` : ''}`, 'run the archive_command by hand as the cluster\'s owner for the file named, fix what it says'));
    else {
      const oldest = h?.oldestReadyAt ? nowMs - Date.parse(h.oldestReadyAt) : null;
      const hist = h?.historyReadyAt ? nowMs - Date.parse(h.historyReadyAt) : null;
      if (h?.historyReady && hist !== null && hist >= limits.archiving.timelineGraceSeconds * 1000) out.push(fail('archiving', `the new timeline's history file ${h.historyReady} has waited ${age(hist)} to be archived${h.lastFailureLine ? `; server log: ${h.lastFailureLine}` : ''}`, 'archiving is stuck since the promotion: check archive_command and the server log'));
      else if (oldest !== null && oldest >= limits.archiving.readyMaxAgeSeconds * 1000) out.push(fail('archiving', `stuck: ${h!.oldestReady} has waited ${age(oldest)} (${h!.readyCount} waiting)${h!.lastFailureLine ? `; server log: ${h!.lastFailureLine}` : ''}`, 'a command killed by a signal or exiting above 125 is not counted by pg_stat_archiver: check the server log and run the archive_command by hand'));
      else if (a.mode === null) out.push(warn('archiving', `unknown without SQL${h ? ` (${h.readyCount ?? '?'} waiting in archive_status)` : ''}`, 'run as root or the cluster\'s owner'));
      else out.push(ok('archiving', `archive_mode ${a.mode}; ${a.archivedCount ?? 0} archived since the server started${a.lastArchivedAt ? `, last ${age(nowMs - Date.parse(a.lastArchivedAt))} ago` : ''}; ${h?.readyCount ?? a.readyCount ?? '?'} waiting${h?.program ? `; runs ${h.program}` : ''}`));
    }
  }

  const r = c.replication;
  if (c.role === 'primary' && r?.connectedStandbys) {
    const list = r.connectedStandbys;
    const inactive = (c.walDisk?.slots ?? []).filter((s) => !s.active && s.type === 'physical').map((s) => s.name);
    if (list.length === 0) {
      if (inactive.length) out.push(warn('standbys', `no standby connected; inactive physical slot(s) ${inactive.join(', ')} wait for one`, 'start the standby, or drop the slot if it is gone for good (it keeps WAL)'));
      else out.push(ok('standbys', 'no standby connected (standalone)'));
    } else {
      const lagging = list.filter((s) => s.state !== 'streaming' || (s.replayLagSeconds ?? 0) > 60);
      const text = list.map((s) => `${s.application || s.clientAddr || '?'} ${s.state ?? '?'}${s.replayLagSeconds !== null ? ` lag ${s.replayLagSeconds.toFixed(1)} s` : ''}`).join(', ');
      out.push(lagging.length ? warn('standbys', `${list.length} standby(s): ${text}`, 'a standby not streaming or lagging over 60 s is not ready to take over: check its log') : ok('standbys', `${list.length} standby(s): ${text}`));
    }
  }
  if (c.role === 'standby' && c.roleSource === 'sql' && r) {
    const up = r.upstream ? ` from ${r.upstream.host ?? '?'}:${r.upstream.port ?? '?'}` : '';
    const lag = r.replayLagSeconds !== null ? `; last replayed transaction ${age(r.replayLagSeconds * 1000)} ago (on an idle primary this only means no writes)` : '';
    if (r.receiverStatus === 'streaming') out.push(ok('streaming', `streaming${up}${lag}`));
    else out.push(fail('streaming', `not streaming (${r.receiverStatus ? `WAL receiver ${r.receiverStatus}` : 'no WAL receiver'})${up}`, 'check primary_conninfo, the upstream server and this server\'s log'));
  }

  const w = c.walDisk;
  if (w) {
    for (const s of w.slots ?? []) {
      if (s.walStatus === 'lost') out.push(fail('slots', `slot ${s.name} lost WAL it needed (wal_status lost)`, 'rebuild its consumer; drop the slot'));
      else if (s.walStatus === 'unreserved') out.push(warn('slots', `slot ${s.name} is about to lose WAL (wal_status unreserved)`, 'bring its consumer back now, or drop it'));
      else if (s.safeWalSize !== null && s.safeWalSize < limits.wal.slotSafeMinMB * 1048576) out.push(warn('slots', `slot ${s.name}: ${bytesText(Math.max(0, s.safeWalSize))} of WAL left before it loses WAL`, 'bring its consumer back, or drop it'));
      else if (!s.active && s.retainedBytes !== null && s.retainedBytes > limits.wal.slotRetainedMaxMB * 1048576) out.push(warn('slots', `inactive slot ${s.name} holds ${bytesText(s.retainedBytes)} of WAL`, `drop it if its consumer is gone: SELECT pg_drop_replication_slot('${s.name}')`));
      else out.push(ok('slots', `slot ${s.name} ${s.active ? 'active' : 'inactive'}${s.walStatus ? `, ${s.walStatus}` : ''}${s.retainedBytes !== null ? `, holds ${bytesText(s.retainedBytes)}` : ''}`));
    }
    const pct = w.freeBytes !== null && w.totalBytes ? (w.freeBytes / w.totalBytes) * 100 : null;
    const fact = `pg_wal ${w.walBytes === null ? '?' : bytesText(w.walBytes)}; ${w.freeBytes === null ? '?' : bytesText(w.freeBytes)} free of ${w.totalBytes ? bytesText(w.totalBytes) : '?'} on its filesystem`;
    if (pct !== null && pct < limits.wal.minFreePercent) out.push(fail('wal-disk', `${fact} (${pct.toFixed(1)}%)`, 'free space or fix what keeps WAL (archiving, slots) before the disk fills and the server stops'));
    else out.push(ok('wal-disk', fact));
  }
  return out;
}
