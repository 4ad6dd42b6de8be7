// Before a restore (issue 11): `wal-g backup-fetch` and `pgbackrest restore` confirmations show the
// tool's version and the backup's age, and warn when the restore tool is older than the one that
// made the backup where the tool records it (pgBackRest does). Loaded lazily, only for those
// confirmations; every tool call is bounded, and a failure is shown, never fatal.
import { execFile } from 'node:child_process';
import type { ParsedCommand } from '../command/types.js';
import { newestPgBackRest, newestWalg } from '../facts/backups.js';

export interface RestoreInfoEdge {
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Resolve the real binary (PATH minus safeops' shims). */
  resolve: (name: string) => string | null;
}

const TIMEOUT_MS = 10_000;

function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { env, timeout: TIMEOUT_MS, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code?: unknown }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') });
    });
  });
}

const clean = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').trim().slice(0, 160);
const firstLine = (s: string) => clean(s.trim().split('\n')[0] ?? '');
const age = (ms: number) => (ms < 7_200_000 ? `${Math.max(0, Math.round(ms / 60_000))} min` : ms < 172_800_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 86_400_000).toFixed(1)} days`);

/** "2.45" < "2.50"? Numeric by dot-separated parts; null when either is unreadable. Pure. */
export function olderVersion(a: string, b: string): boolean | null {
  const pa = /(\d+(?:\.\d+)*)/.exec(a)?.[1]?.split('.').map(Number);
  const pb = /(\d+(?:\.\d+)*)/.exec(b)?.[1]?.split('.').map(Number);
  if (!pa || !pb) return null;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** Which restore this is: wal-g backup-fetch (backup name) or pgbackrest restore (--set), with the options that find the repository. Pure. */
export function restoreTarget(parsed: Pick<ParsedCommand, 'tool' | 'innerArgv'>): { kind: 'wal-g' | 'pgbackrest'; options: string[]; backup: string | null } | null {
  const a = parsed.innerArgv;
  if (parsed.tool === 'wal-g') {
    const i = a.indexOf('backup-fetch');
    if (i < 0) return null;
    const options: string[] = [];
    const pos: string[] = [];
    for (let k = 1; k < a.length; k++) {
      if (k === i) continue;
      const w = a[k]!;
      if (w === '--config') {
        options.push(w, a[k + 1] ?? '');
        k++;
      } else if (w.startsWith('--config=')) options.push(w);
      else if (!w.startsWith('-') && k > i) pos.push(w);
    }
    return { kind: 'wal-g', options, backup: pos[1] ?? 'LATEST' };
  }
  if (parsed.tool === 'pgbackrest') {
    if (!a.includes('restore')) return null;
    const options = a.slice(1).filter((w) => /^--(config|config-path|config-include-path|stanza|repo[0-9]*-)/.test(w));
    const set = a.find((w) => w.startsWith('--set='))?.slice(6) ?? null;
    return { kind: 'pgbackrest', options, backup: set };
  }
  return null;
}

/** The lines to show before a restore (empty when this is no restore). Never throws. */
export async function restoreNotes(parsed: Pick<ParsedCommand, 'tool' | 'innerArgv' | 'envOverrides'>, edge: RestoreInfoEdge): Promise<string[]> {
  const t = restoreTarget(parsed);
  if (!t) return [];
  const bin = edge.resolve(parsed.innerArgv[0]!);
  if (!bin) return [`${t.kind}: the program ${clean(parsed.innerArgv[0]!)} was not found: its version and the backup's age are unknown`];
  const env = { ...edge.env, ...parsed.envOverrides };
  const nowMs = edge.now().getTime();
  try {
    if (t.kind === 'wal-g') {
      const [v, list] = await Promise.all([run([bin, '--version'], env), run([bin, ...t.options, 'backup-list', '--json', '--detail'], env)]);
      const version = v.code === 0 ? firstLine(v.stdout) : `version unknown (--version exit ${v.code})`;
      let json: unknown;
      try {
        json = JSON.parse(list.stdout);
      } catch {
        return [`restore tool: ${version} (${bin}); backup-list failed (exit ${list.code}): ${firstLine(list.stderr || list.stdout)}`];
      }
      const all = Array.isArray(json) ? (json as Array<Record<string, unknown>>) : [];
      const b = t.backup && t.backup !== 'LATEST' ? all.find((x) => x.backup_name === t.backup) : null;
      const chosen = b ? { name: String(b.backup_name), finishedAt: String(b.finish_time ?? b.time ?? ''), walStart: (b.wal_file_name as string) ?? null } : t.backup === 'LATEST' ? newestWalg(json) : null;
      if (!chosen) return [`restore tool: ${version} (${bin}); backup ${clean(t.backup ?? '?')} not in backup-list`];
      const ms = nowMs - Date.parse(chosen.finishedAt);
      return [`restore tool: ${version} (${bin}); backup ${clean(chosen.name)} finished ${clean(chosen.finishedAt)}${Number.isNaN(ms) ? '' : `, ${age(ms)} old`} (wal-g does not record which version made it)`];
    }
    const [v, info] = await Promise.all([run([bin, 'version'], env), run([bin, ...t.options, '--output=json', 'info'], env)]);
    const version = v.code === 0 ? firstLine(v.stdout) : `version unknown (version exit ${v.code})`;
    let json: unknown;
    try {
      json = JSON.parse(info.stdout);
    } catch {
      return [`restore tool: ${version} (${bin}); pgbackrest info failed (exit ${info.code}): ${firstLine(info.stderr || info.stdout)}`];
    }
    const notes: string[] = [];
    const stanzas = Array.isArray(json) ? (json as Array<Record<string, any>>) : [];
    for (const st of stanzas) {
      const backups = Array.isArray(st.backup) ? (st.backup as Array<Record<string, any>>) : [];
      const b = t.backup ? backups.find((x) => x.label === t.backup) : newestPgBackRest([st])[0]?.label ? backups.find((x) => x.label === newestPgBackRest([st])[0]!.label) : undefined;
      if (!b) {
        notes.push(`restore tool: ${version} (${bin}); stanza ${clean(String(st.name))}: ${t.backup ? `backup ${clean(t.backup)} not found` : 'no backup'}`);
        continue;
      }
      const stop = Number(b.timestamp?.stop ?? 0) * 1000;
      const made = b.backrest?.version ? String(b.backrest.version) : null;
      notes.push(`restore tool: ${version} (${bin}); stanza ${clean(String(st.name))}: backup ${clean(String(b.label))}, ${stop ? `${age(nowMs - stop)} old` : 'age unknown'}, made by pgBackRest ${made ? clean(made) : '?'}`);
      const older = made ? olderVersion(version, made) : null;
      if (older) notes.push(`the restore tool (${version}) is OLDER than pgBackRest ${clean(made!)} that made this backup: restore with the same or a newer version`);
    }
    return notes;
  } catch (e) {
    return [`${t.kind}: could not read the backup's facts: ${clean((e as Error).message)}`];
  }
}
