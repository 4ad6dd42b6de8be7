// WAL and disk (issue 11): the size of pg_wal against the free space of its filesystem, and the
// replication slots that hold WAL back. No `pg` import: SQL goes through the caller's `query`.
import fs from 'node:fs';
import path from 'node:path';
import type { QueryFn } from './archive.js';

export interface SlotFacts {
  name: string;
  type: string;
  active: boolean;
  /** reserved | extended | unreserved | lost (PG 13+), null when unknown. */
  walStatus: string | null;
  /** Bytes that can still be written before this slot is in danger of losing WAL (null: no limit). */
  safeWalSize: number | null;
  /** WAL this slot keeps (bytes from its restart_lsn to the current position). */
  retainedBytes: number | null;
}

export interface WalDiskFacts {
  /** Bytes in pg_wal (pg_ls_waldir()), null when unknown. */
  walBytes: number | null;
  /** The filesystem holding pg_wal: free bytes (for unprivileged users) and total bytes. */
  freeBytes: number | null;
  totalBytes: number | null;
  /** Replication slots (primaries), null when not readable. */
  slots: SlotFacts[] | null;
}

/** Free and total bytes of the filesystem holding `dir` (statfs). */
export function diskSpace(dir: string): { freeBytes: number | null; totalBytes: number | null } {
  try {
    const st = fs.statfsSync(dir);
    return { freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize };
  } catch {
    return { freeBytes: null, totalBytes: null };
  }
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** pg_wal size, free space and slots of a running cluster. Never throws. */
export async function readWalDisk(query: QueryFn, c: { dataDir: string; inRecovery: boolean }): Promise<WalDiskFacts> {
  const size = await query('select coalesce(sum(size), 0)::int8 as b from pg_ls_waldir()');
  const space = diskSpace(path.join(c.dataDir, 'pg_wal'));
  const slots = await query(
    c.inRecovery
      ? 'select slot_name, slot_type, active, wal_status, safe_wal_size, null::int8 as retained from pg_replication_slots'
      : 'select slot_name, slot_type, active, wal_status, safe_wal_size, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::int8 as retained from pg_replication_slots',
  );
  return {
    walBytes: num(size?.[0]?.b),
    ...space,
    slots: slots
      ? slots.map((r) => ({
          name: String(r.slot_name),
          type: String(r.slot_type),
          active: r.active === true,
          walStatus: (r.wal_status as string) ?? null,
          safeWalSize: num(r.safe_wal_size),
          retainedBytes: num(r.retained),
        }))
      : null,
  };
}

/** "1.5 GB" */
export function bytesText(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
