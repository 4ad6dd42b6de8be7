// Alerts from the facts pg_stat_archiver cannot give (issue 11), pure: archiving stuck (the age of
// the oldest `.ready`, the new timeline not archived after a promotion), archiving misconfigured
// (nothing to archive with, a program that is not there), WAL filling the disk, slots holding WAL.
// Called from computeAlerts (alerts.ts) for each cluster; times come from the caller's clock.
import type { Config } from '../config/schema.js';
import type { ClusterFacts } from '../facts/types.js';
import { bytesText } from '../facts/wal-disk.js';
import type { Alert } from './events.js';

export type HealthLimits = Pick<Config, 'archiving' | 'wal'>;

export const DEFAULT_LIMITS: HealthLimits = {
  archiving: { readyMaxAgeSeconds: 60, timelineGraceSeconds: 30 },
  wal: { diskFullWithinHours: 6, minFreePercent: 5, slotRetainedMaxMB: 1024, slotSafeMinMB: 1024 },
};

/** pg_wal size samples per data dir: [epoch ms, bytes], oldest first. */
export type WalSamples = Record<string, Array<[number, number]>>;

/** One sample at most this often, kept this long: the growth rate is measured over the window. */
export const WAL_SAMPLE_EVERY_MS = 30_000;
export const WAL_WINDOW_MS = 15 * 60_000;
/** The rate is only trusted over at least this span. */
export const WAL_MIN_SPAN_MS = 2 * 60_000;

const ageSeconds = (iso: string | null | undefined, nowMs: number): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.max(0, (nowMs - t) / 1000);
};

const dur = (s: number) => (s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

/** Archiving alerts for one running cluster (a primary, or a standby with archive_mode = always). */
export function archiveAlerts(c: ClusterFacts, nowMs: number, limits: HealthLimits, pgStatFailing: boolean): Alert[] {
  const a = c.archiving;
  const h = a?.health;
  if (!a || !h || c.running !== true) return [];
  const mode = a.mode;
  const applies = mode === 'always' || (mode !== 'off' && c.role !== 'standby' && c.inRecovery !== true);
  if (!applies) return [];
  const out: Alert[] = [];
  const log = h.lastFailureLine ? `; server log: ${h.lastFailureLine}` : '';
  if (h.configProblem) {
    out.push({ kind: 'archiving-misconfigured', clusters: [c.dataDir], text: `archiving broken on ${c.name}: ${h.program ? 'archive_command program' : 'no archive_command'}`, detail: h.configProblem + log });
  }
  if (pgStatFailing) return out; // the pg_stat_archiver alert says it already (with the log line added there)
  const oldest = ageSeconds(h.oldestReadyAt, nowMs);
  const hist = ageSeconds(h.historyReadyAt, nowMs);
  const behind = h.lastArchivedTimeline !== null && h.timeline !== null && h.lastArchivedTimeline < h.timeline;
  const grace = limits.archiving.timelineGraceSeconds;
  let why: string | null = null;
  if (h.historyReady && hist !== null && hist >= grace) {
    why = `the new timeline's history file ${h.historyReady} has waited ${dur(hist)} to be archived (timeline ${h.timeline}, promoted)`;
  } else if (behind && oldest !== null && oldest >= grace) {
    why = `the last archived WAL ${h.lastArchivedWal} is on timeline ${h.lastArchivedTimeline}, the server is on timeline ${h.timeline}, and ${h.oldestReady} has waited ${dur(oldest)}`;
  } else if (oldest !== null && oldest >= limits.archiving.readyMaxAgeSeconds) {
    why = `${h.oldestReady} has waited ${dur(oldest)} in pg_wal/archive_status (${h.readyCount ?? '?'} waiting); pg_stat_archiver counts no failure for commands killed by a signal or exiting above 125`;
  }
  if (why) out.push({ kind: 'archiving-stuck', clusters: [c.dataDir], text: `archiving stuck on ${c.name}`, detail: why + log });
  return out;
}

/** WAL size and slot alerts for one running cluster; updates `samples` (a copy owned by the caller). */
export function walDiskAlerts(c: ClusterFacts, nowMs: number, limits: HealthLimits, samples: WalSamples): Alert[] {
  const w = c.walDisk;
  if (!w || c.running !== true) return [];
  const out: Alert[] = [];
  if (w.walBytes !== null) {
    const list = (samples[c.dataDir] ?? []).filter(([t]) => nowMs - t <= WAL_WINDOW_MS && t <= nowMs);
    if (list.length === 0 || nowMs - list[list.length - 1]![0] >= WAL_SAMPLE_EVERY_MS) list.push([nowMs, w.walBytes]);
    samples[c.dataDir] = list;
    const [t0, b0] = list[0]!;
    const span = nowMs - t0;
    const rate = span >= WAL_MIN_SPAN_MS ? (w.walBytes - b0) / (span / 1000) : 0; // bytes per second
    if (rate > 0 && w.freeBytes !== null) {
      const hours = w.freeBytes / rate / 3600;
      if (hours <= limits.wal.diskFullWithinHours) {
        out.push({
          kind: 'wal-disk',
          clusters: [c.dataDir],
          text: `${c.name}: disk full in about ${hours < 1 ? `${Math.max(1, Math.round(hours * 60))} min` : `${Math.round(hours)} h`} at the current WAL rate`,
          detail: `pg_wal is ${bytesText(w.walBytes)} and grew ${bytesText(w.walBytes - b0)} in ${dur(span / 1000)}; ${bytesText(w.freeBytes)} free on its filesystem`,
        });
      }
    }
  }
  if (w.freeBytes !== null && w.totalBytes && (w.freeBytes / w.totalBytes) * 100 < limits.wal.minFreePercent && !out.length) {
    out.push({ kind: 'wal-disk', clusters: [c.dataDir], text: `${c.name}: pg_wal disk ${Math.round((w.freeBytes / w.totalBytes) * 100)}% free`, detail: `${bytesText(w.freeBytes)} free of ${bytesText(w.totalBytes)} on the filesystem of pg_wal${w.walBytes !== null ? ` (pg_wal ${bytesText(w.walBytes)})` : ''}` });
  }
  for (const s of w.slots ?? []) {
    let why: string | null = null;
    if (s.walStatus === 'lost') why = `slot ${s.name} lost the WAL it needed (wal_status lost): its consumer must be rebuilt`;
    else if (s.walStatus === 'unreserved') why = `slot ${s.name} is about to lose WAL (wal_status unreserved)`;
    else if (s.safeWalSize !== null && s.safeWalSize < limits.wal.slotSafeMinMB * 1048576) why = `slot ${s.name}: only ${bytesText(Math.max(0, s.safeWalSize))} of WAL can still be written before it loses WAL (safe_wal_size)`;
    else if (!s.active && s.retainedBytes !== null && s.retainedBytes > limits.wal.slotRetainedMaxMB * 1048576) why = `inactive slot ${s.name} holds ${bytesText(s.retainedBytes)} of WAL in pg_wal`;
    if (why) out.push({ kind: 'slot', clusters: [c.dataDir], text: `${c.name}: slot ${s.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)} holds WAL`, detail: why });
  }
  return out;
}
