// Can archive_command run at all? The programs it runs (seen through sudo, env, sh -c ... by the
// guard's own reader), resolved like the shell would with the server's PATH, and executable for
// the cluster's owner. pg_stat_archiver never counts a command that exits 127 (issue 11).
import fs from 'node:fs';
import path from 'node:path';
import { unwrapPrefixes } from '../command/prefixes.js';
import { programName } from '../command/words.js';

const BUILTINS = new Set([
  'test', '[', 'true', 'false', ':', 'cd', 'echo', 'printf', 'exit', 'return', 'set', 'export', 'if', 'then', 'else', 'fi', 'while', 'do', 'done', 'for', '!', '{', '}', 'read', 'trap', 'umask', 'wait', 'shift', 'local',
]);

/** An archive or restore command's simple commands (split at `&&`, `||`, `;`, `|`, newlines, naively), placeholders (%p %f %r) as plain words. Pure. */
export function commandSegments(command: string): string[] {
  const plain = command.replace(/%[pfr]/g, 'WALFILE').replace(/%%/g, '%');
  return plain.split(/&&|\|\||[;|\n]/).map((s) => s.trim()).filter(Boolean);
}

/**
 * The programs an archive_command (or restore_command) runs, first to last, with the shell's
 * prefixes (sudo, env, sh -c, nice...) seen through by the guard's own reader. Placeholders
 * (%p %f %r) are replaced by plain words. Commands safeops cannot read are left out. Pure.
 */
export function commandPrograms(command: string): string[] {
  const out: string[] = [];
  for (const seg of commandSegments(command)) {
    const u = unwrapPrefixes(['sh', '-c', seg], {});
    const first = u.innerArgv[0];
    if (!first || u.opaque || /[$`*?]/.test(first)) continue;
    if (BUILTINS.has(first)) continue;
    out.push(first);
  }
  return out;
}

export interface ProgramCheckInput {
  program: string;
  /** Where a relative program path is resolved (the data dir: the archiver's working directory). */
  cwd: string;
  /** The server's PATH (from /proc/<pid>/environ), or a default. */
  pathVar: string;
  owner: { uid: number; gid: number } | null;
}

/** Resolve a program like the shell would and say whether the owner can execute it; null when fine or unknowable. */
export function checkProgram(input: ProgramCheckInput): { resolved: string | null; problem: string | null } {
  const { program } = input;
  const candidates = program.includes('/') ? [path.resolve(input.cwd, program)] : input.pathVar.split(':').filter((d) => d.startsWith('/')).map((d) => path.join(d, program));
  let sawEacces = false;
  for (const file of candidates) {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') sawEacces = true;
      continue;
    }
    if (!st.isFile()) continue;
    const o = input.owner;
    if (!o) return { resolved: file, problem: null };
    const mode = st.mode;
    const can = o.uid === 0 ? (mode & 0o111) !== 0 : st.uid === o.uid ? (mode & 0o100) !== 0 : st.gid === o.gid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0 || (mode & 0o010) !== 0; // other groups: cannot know, no alarm
    if (can) return { resolved: file, problem: null };
    if (program.includes('/')) return { resolved: file, problem: `${file} is not executable for the cluster's owner (mode ${(mode & 0o7777).toString(8)}, owner uid ${st.uid})` };
  }
  if (sawEacces) return { resolved: null, problem: null };
  return {
    resolved: null,
    problem: program.includes('/') ? `${candidates[0]} does not exist (the archiver's command would exit 127)` : `${program} is not in the server's PATH (${input.pathVar}): the archiver's command would exit 127`,
  };
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The PATH a postmaster runs with (its environment, as root or its owner), else a default. */
export function serverPath(pid: number | null): string {
  if (pid === null) return DEFAULT_PATH;
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    for (const kv of env.split('\0')) if (kv.startsWith('PATH=')) return kv.slice(5);
  } catch {
    // not ours to read
  }
  return DEFAULT_PATH;
}

const checkCache = new Map<string, { at: number; value: { program: string | null; problem: string | null } }>();
const CHECK_CACHE_MS = 5000;

/** What is wrong with archiving as configured, before any failure. Cached for a few seconds (stat calls). */
export function archiveConfigProblem(
  mode: string | null,
  command: string | null,
  library: string | null,
  cluster: { dataDir: string; pid: number | null; owner: { uid: number; gid: number } | null },
  nowMs = Date.now(),
): { program: string | null; problem: string | null } {
  if (mode !== 'on' && mode !== 'always') return { program: null, problem: null };
  const cmd = (command ?? '').trim();
  if (cmd === '' && !(library ?? '').trim()) return { program: null, problem: `archive_mode is ${mode} but archive_command and archive_library are empty: WAL piles up in pg_wal and nothing is archived` };
  if (cmd === '' || (library ?? '').trim()) return { program: null, problem: null };
  const pathVar = serverPath(cluster.pid);
  const key = `${cmd}\0${cluster.dataDir}\0${pathVar}\0${cluster.owner?.uid}:${cluster.owner?.gid}`;
  const hit = checkCache.get(key);
  if (hit && nowMs - hit.at < CHECK_CACHE_MS) return hit.value;
  let value: { program: string | null; problem: string | null } = { program: null, problem: null };
  for (const prog of commandPrograms(cmd)) {
    const r = checkProgram({ program: prog, cwd: cluster.dataDir, pathVar, owner: cluster.owner });
    value.program ??= r.resolved ?? prog;
    if (r.problem) {
      value = { program: r.resolved ?? prog, problem: `archive_command runs ${programName(prog) === prog ? prog : prog}: ${r.problem}` };
      break;
    }
  }
  if (checkCache.size > 200) checkCache.clear();
  checkCache.set(key, { at: nowMs, value });
  return value;
}
