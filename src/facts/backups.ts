// The newest backup in pgBackRest's and wal-g's JSON listings (doctor, restore confirmations). Pure.

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Parse `pgbackrest info --output=json`: the newest backup of each stanza. Pure. */
export function newestPgBackRest(json: unknown): Array<{ stanza: string; label: string; stopEpoch: number; walStart: string | null; version: string | null; status: string | null }> {
  if (!Array.isArray(json)) return [];
  const out = [];
  for (const st of json as Array<Record<string, unknown>>) {
    const backups = Array.isArray(st.backup) ? (st.backup as Array<Record<string, any>>) : [];
    const b = backups.reduce<Record<string, any> | null>((best, x) => (!best || (x.timestamp?.stop ?? 0) > (best.timestamp?.stop ?? 0) ? x : best), null);
    out.push({
      stanza: String(st.name ?? '?'),
      label: b ? String(b.label) : '',
      stopEpoch: b ? Number(b.timestamp?.stop ?? 0) : 0,
      walStart: b?.archive?.start ?? null,
      version: b?.backrest?.version ?? null,
      status: (st.status as any)?.message ?? null,
    });
  }
  return out;
}

/** Parse `wal-g backup-list --json --detail`: the newest backup. Pure. */
export function newestWalg(json: unknown): { name: string; finishedAt: string; walStart: string | null } | null {
  if (!Array.isArray(json) || json.length === 0) return null;
  const when = (b: Record<string, any>) => String(b.finish_time ?? b.time ?? b.modify_time ?? '');
  const b = (json as Array<Record<string, any>>).reduce((best, x) => (when(x) > when(best) ? x : best));
  return { name: String(b.backup_name ?? '?'), finishedAt: when(b), walStart: b.wal_file_name ?? null };
}

