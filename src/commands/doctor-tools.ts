// doctor's backup-tool checks: the wal-g and pgBackRest an archive_command or restore_command
// calls, run (as the cluster's owner) for their version and their newest backup.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { checkProgram, commandSegments, serverPath } from '../facts/archive-command.js';
import { newestPgBackRest, newestWalg } from '../facts/backups.js';
import type { ClusterFacts } from '../facts/types.js';
import { unwrapPrefixes } from '../command/prefixes.js';
import { age, fail, ok, warn, type Check } from './doctor-checks.js';

interface Tool {
  kind: 'wal-g' | 'pgbackrest';
  /** The program as resolved (absolute path). */
  program: string;
  /** Options from the command line it was found on (--config, --stanza, ...). */
  options: string[];
  env: Record<string, string>;
  from: string;
}

/** The backup tools an archive_command/restore_command calls, with their options and environment. Pure but for PATH lookup. */
export function toolsIn(command: string, from: string, cwd: string, pathVar: string): Tool[] {
  const out: Tool[] = [];
  for (const seg of commandSegments(command)) {
    const u = unwrapPrefixes(['sh', '-c', seg], {});
    const prog = u.innerArgv[0];
    if (!prog || u.opaque) continue;
    const base = path.basename(prog);
    if (base !== 'wal-g' && base !== 'pgbackrest') continue;
    const resolved = checkProgram({ program: prog, cwd, pathVar, owner: null }).resolved;
    if (!resolved) continue;
    out.push({ kind: base, program: resolved, options: u.innerArgv.slice(1).filter((a) => a.startsWith('--')), env: u.envOverrides, from });
  }
  return out;
}

type RunResult = { code: number; stdout: string; stderr: string };
/** One run per distinct command line: clusters sharing a repository (a primary and its standby) ask once. */
const runs = new Map<string, Promise<RunResult>>();

function run(argv: string[], env: Record<string, string>, asUser: string | null, timeoutMs = 30_000): Promise<RunResult> {
  const key = JSON.stringify([argv, env, asUser]);
  let p = runs.get(key);
  if (!p) {
    p = runOnce(argv, env, asUser, timeoutMs);
    runs.set(key, p);
  }
  return p;
}

function runOnce(argv: string[], env: Record<string, string>, asUser: string | null, timeoutMs: number): Promise<RunResult> {
  const full = asUser ? ['runuser', '-u', asUser, '--', ...argv] : argv;
  return new Promise((resolve) => {
    execFile(full[0]!, full.slice(1), { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code?: unknown }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') });
    });
  });
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200) ?? '';

/** `--version` of the tool. */
const versionArgv = (t: Tool): string[] => (t.kind === 'wal-g' ? [t.program, '--version'] : [t.program, 'version']);
/** Its backups as JSON, with the options of the command line that name its repository. */
const listArgv = (t: Tool): string[] =>
  t.kind === 'pgbackrest'
    ? [t.program, ...t.options.filter((o) => /^--(config|config-path|config-include-path|stanza|repo[0-9]*-)/.test(o)), '--output=json', 'info']
    : [t.program, ...t.options.filter((o) => /^--(config|turbo)/.test(o)), 'backup-list', '--json', '--detail'];

/** Version and newest backup of every backup tool the commands call. */
export async function toolChecks(c: ClusterFacts, commands: Array<{ name: string; value: string }>, backupMaxAgeHours: number, nowMs: number, asUser: string | null): Promise<Check[]> {
  const out: Check[] = [];
  const pathVar = serverPath(c.pid);
  const tools: Tool[] = [];
  for (const cmd of commands) for (const t of toolsIn(cmd.value, cmd.name, c.dataDir, pathVar)) if (!tools.some((x) => x.program === t.program && x.options.join() === t.options.join())) tools.push(t);
  const versions = new Set<string>();
  // Start every tool call at once (they are independent); results are read in order below.
  for (const t of tools) {
    void run(versionArgv(t), t.env, asUser);
    void run(listArgv(t), t.env, asUser, 60_000);
  }
  for (const t of tools) {
    if (!versions.has(t.program)) {
      versions.add(t.program);
      const v = await run(versionArgv(t), t.env, asUser);
      out.push(v.code === 0 ? ok('tool', `${t.program} (${t.from}): ${firstLine(v.stdout)}`) : fail('tool', `${t.program} (${t.from}) --version failed (exit ${v.code}): ${firstLine(v.stderr || v.stdout)}`, 'install the tool the command names, executable for the cluster\'s owner'));
    }
    if (t.kind === 'pgbackrest') {
      const r = await run(listArgv(t), t.env, asUser, 60_000);
      let list: ReturnType<typeof newestPgBackRest> = [];
      try {
        list = newestPgBackRest(JSON.parse(r.stdout));
      } catch {
        out.push(fail('backup', `pgbackrest info failed (exit ${r.code}): ${firstLine(r.stderr || r.stdout)}`, 'run pgbackrest info as the cluster\'s owner and fix what it says'));
        continue;
      }
      for (const s of list) {
        if (!s.stopEpoch) {
          out.push(fail('backup', `pgBackRest stanza ${s.stanza}: no backup (${s.status ?? 'no status'})`, `take one: pgbackrest --stanza=${s.stanza} backup`));
          continue;
        }
        const ms = nowMs - s.stopEpoch * 1000;
        const fact = `pgBackRest stanza ${s.stanza}: newest backup ${s.label}, ${age(ms)} old, made by pgBackRest ${s.version ?? '?'}; oldest WAL needed to restore it ${s.walStart ?? '?'}`;
        out.push(ms > backupMaxAgeHours * 3_600_000 ? warn('backup', fact, `take a backup: pgbackrest --stanza=${s.stanza} backup`) : ok('backup', fact));
      }
    } else {
      const r = await run(listArgv(t), t.env, asUser, 60_000);
      let b: ReturnType<typeof newestWalg> = null;
      try {
        b = newestWalg(JSON.parse(r.stdout));
      } catch {
        out.push(fail('backup', `wal-g backup-list failed (exit ${r.code}): ${firstLine(r.stderr || r.stdout)}`, 'run wal-g backup-list as the cluster\'s owner with its environment and fix what it says'));
        continue;
      }
      if (!b) {
        out.push(fail('backup', 'wal-g: no backup in the storage', 'take one: wal-g backup-push DATADIR'));
        continue;
      }
      const ms = nowMs - Date.parse(b.finishedAt);
      const fact = `wal-g: newest backup ${b.name}, ${Number.isNaN(ms) ? '?' : age(ms)} old; oldest WAL needed to restore it ${b.walStart ?? '?'}`;
      out.push(!Number.isNaN(ms) && ms > backupMaxAgeHours * 3_600_000 ? warn('backup', fact, 'take a backup: wal-g backup-push DATADIR') : ok('backup', fact));
    }
  }
  return out;
}
