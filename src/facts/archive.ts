// Archiving health that pg_stat_archiver cannot tell (issue 11): an archive command that exits
// above 125 or dies from a signal is never counted there, and a quiet server never grows its
// `.ready` backlog. So: the age of the oldest `.ready` file, the new timeline's files after a
// promotion, archive_mode on with nothing to archive with, an archive_command whose program is
// missing or not executable for the cluster's owner (archive-command.ts), and the server log's
// own words (server-log.ts).
// No `pg` import here: the SQL is run through the `query` function the caller passes.
import fs from 'node:fs';
import path from 'node:path';
import { archiveConfigProblem } from './archive-command.js';
import { readLastFailure, serverLogFile } from './server-log.js';

export interface ArchiveHealth {
  /** Where the `.ready` facts came from. */
  source: 'sql' | 'dir';
  /** `.ready` files in pg_wal/archive_status (null: unreadable). */
  readyCount: number | null;
  /** The oldest waiting file (its name without `.ready`) and its `.ready`'s modification time (ISO). */
  oldestReady: string | null;
  oldestReadyAt: string | null;
  /** The server's current timeline (a primary's), null when unknown. */
  timeline: number | null;
  /** pg_stat_archiver.last_archived_wal and its timeline. */
  lastArchivedWal: string | null;
  lastArchivedTimeline: number | null;
  /** The current timeline's `.history` file when it waits to be archived, and since when. */
  historyReady: string | null;
  historyReadyAt: string | null;
  command: string | null;
  library: string | null;
  /** The program archive_command runs first (seen through sudo/env/sh -c), when readable. */
  program: string | null;
  /** Why archiving cannot work as configured (empty command, missing program...), or null. */
  configProblem: string | null;
  /** The last "archive command failed" line of the server log, when it could be read. */
  lastFailureLine: string | null;
}

type Row = Record<string, unknown>;
export type QueryFn = (sql: string) => Promise<Row[] | null>;

/** Timeline of a WAL file name (24 hex digits, `.partial`, `.backup`) or of `0000000N.history`. Pure. */
export function timelineOf(walName: string | null): number | null {
  if (!walName) return null;
  const m = /^([0-9A-F]{8})(?:[0-9A-F]{16}(?:\.partial|\.[0-9A-F]{8}\.backup)?|\.history)$/i.exec(walName);
  return m ? parseInt(m[1]!, 16) : null;
}

export interface ArchiveHealthInput {
  dataDir: string;
  pid: number | null;
  owner: { uid: number; gid: number } | null;
  inRecovery: boolean;
  mode: string | null;
  /** pg_stat_archiver says failing (then the log is worth reading). */
  failing: boolean;
}

/** `.ready` facts from the directory (no SQL, or no privilege for pg_ls_archive_statusdir()). */
export function readyFromDir(dataDir: string): Pick<ArchiveHealth, 'readyCount' | 'oldestReady' | 'oldestReadyAt'> & { names: string[] } {
  const dir = path.join(dataDir, 'pg_wal', 'archive_status');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.ready'));
  } catch {
    return { readyCount: null, oldestReady: null, oldestReadyAt: null, names: [] };
  }
  let oldest: string | null = null;
  let oldestMs = Infinity;
  for (const n of names) {
    try {
      const m = fs.statSync(path.join(dir, n)).mtimeMs;
      if (m < oldestMs) {
        oldestMs = m;
        oldest = n;
      }
    } catch {
      // archived meanwhile
    }
  }
  return { readyCount: names.length, oldestReady: oldest ? oldest.slice(0, -6) : null, oldestReadyAt: oldest ? new Date(oldestMs).toISOString() : null, names };
}

function mtimeIso(file: string): string | null {
  try {
    return fs.statSync(file).mtime.toISOString();
  } catch {
    return null;
  }
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v ? String(v) : null);

/** Data dir owner's uid and gid. */
export function ownerIds(dataDir: string): { uid: number; gid: number } | null {
  try {
    const st = fs.statSync(dataDir);
    return { uid: st.uid, gid: st.gid };
  } catch {
    return null;
  }
}

/** Archiving health with every fact still unknown. */
function unknownHealth(source: ArchiveHealth['source']): ArchiveHealth {
  return { source, readyCount: null, oldestReady: null, oldestReadyAt: null, timeline: null, lastArchivedWal: null, lastArchivedTimeline: null, historyReady: null, historyReadyAt: null, command: null, library: null, program: null, configProblem: null, lastFailureLine: null };
}

/** Archiving health over an open SQL session (falls back to the directory for `.ready` facts). Never throws. */
export async function readArchiveHealth(query: QueryFn, input: ArchiveHealthInput): Promise<ArchiveHealth> {
  const settings = await query("select name, setting from pg_settings where name in ('archive_command', 'archive_library', 'logging_collector')");
  const set = new Map((settings ?? []).map((r) => [String(r.name), r.setting === null || r.setting === undefined ? null : String(r.setting)]));
  const command = set.get('archive_command') ?? null;
  const library = set.get('archive_library') ?? null;
  const h: ArchiveHealth = { ...unknownHealth('sql'), command, library };
  if (input.mode !== 'on' && input.mode !== 'always') return h;
  const ready = await query(
    "select name, modification from pg_ls_archive_statusdir() where name like '%.ready' order by modification, name",
  );
  let readyNames: Array<{ name: string; at: string | null }>;
  if (ready) {
    readyNames = ready.map((r) => ({ name: String(r.name).slice(0, -6), at: iso(r.modification) }));
    h.readyCount = readyNames.length;
    h.oldestReady = readyNames[0]?.name ?? null;
    h.oldestReadyAt = readyNames[0]?.at ?? null;
  } else {
    const d = readyFromDir(input.dataDir);
    h.source = 'dir';
    h.readyCount = d.readyCount;
    h.oldestReady = d.oldestReady;
    h.oldestReadyAt = d.oldestReadyAt;
    readyNames = d.names.map((n) => ({ name: n.slice(0, -6), at: null }));
  }
  const tl = await query(
    input.inRecovery
      ? 'select (select last_archived_wal from pg_stat_archiver) as law, (select timeline_id from pg_control_checkpoint()) as tli'
      : 'select (select last_archived_wal from pg_stat_archiver) as law, substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) as tli',
  );
  if (tl?.[0]) {
    h.lastArchivedWal = (tl[0].law as string) ?? null;
    h.lastArchivedTimeline = timelineOf(h.lastArchivedWal);
    const t = tl[0].tli;
    h.timeline = typeof t === 'string' ? parseInt(t, 16) : typeof t === 'number' ? t : null;
  }
  if (h.timeline !== null) {
    const hist = `${h.timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
    const r = readyNames.find((x) => x.name === hist);
    if (r) {
      h.historyReady = hist;
      h.historyReadyAt = r.at ?? mtimeIso(path.join(input.dataDir, 'pg_wal', 'archive_status', `${hist}.ready`));
    }
  }
  const conf = archiveConfigProblem(input.mode, command, library, { dataDir: input.dataDir, pid: input.pid, owner: input.owner });
  h.program = conf.program;
  h.configProblem = conf.problem;
  // The log is read only when something looks wrong: a healthy poll reads no file.
  if (input.failing || (h.readyCount ?? 0) > 0 || h.configProblem) {
    let current: string | null = null;
    if (set.get('logging_collector') === 'on') {
      const r = await query('select pg_current_logfile() as f');
      current = (r?.[0]?.f as string) ?? null;
    }
    h.lastFailureLine = readLastFailure(serverLogFile(input.dataDir, input.pid, current));
  }
  return h;
}

/** Archiving health without SQL: `.ready` facts from the directory only. */
export function archiveHealthFromDir(dataDir: string, pid: number | null): ArchiveHealth | null {
  const d = readyFromDir(dataDir);
  if (d.readyCount === null) return null;
  return {
    ...unknownHealth('dir'),
    readyCount: d.readyCount,
    oldestReady: d.oldestReady,
    oldestReadyAt: d.oldestReadyAt,
    lastFailureLine: d.readyCount > 0 ? readLastFailure(serverLogFile(dataDir, pid, null)) : null,
  };
}
