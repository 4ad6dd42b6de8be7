// Where the watcher publishes state (DEVELOPERS.md "Contract: the state directory").
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM_STATE_DIR, USER_STATE_DIR_NAME } from '../contract.js';

/**
 * Candidate state dirs in order: SAFEOPS_STATE_DIR, the user's runtime dir, the system one.
 * Root never takes XDG_RUNTIME_DIR: after `su` without `-` it is still a user's (issue 15).
 */
export function stateDirCandidates(env: NodeJS.ProcessEnv, euid: number = process.geteuid?.() ?? -1): string[] {
  if (env.SAFEOPS_STATE_DIR) return [env.SAFEOPS_STATE_DIR];
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR && euid !== 0) out.push(path.join(env.XDG_RUNTIME_DIR, USER_STATE_DIR_NAME));
  out.push(SYSTEM_STATE_DIR);
  return out;
}

/** A state dir we may read: a real directory (not a link) owned by us or by root. */
export function isTrustedStateDir(dir: string, euid: number = process.geteuid?.() ?? -1): boolean {
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() && (st.uid === euid || st.uid === 0);
  } catch {
    return false;
  }
}

/** The first trusted candidate that holds a state.json, or null. */
export function findStateDir(env: NodeJS.ProcessEnv): string | null {
  for (const d of stateDirCandidates(env)) if (isTrustedStateDir(d) && fs.existsSync(path.join(d, 'state.json'))) return d;
  return null;
}

/**
 * Check that `dir` is a state directory we may write into: a real directory (not a symlink),
 * ours (or root's), not writable by group or others; and no ancestor writable by everyone
 * without the sticky bit (anyone could swap a component there). An ancestor owned by another
 * user is allowed (test roots, a DBA's directory): the writes go through a descriptor of the
 * checked directory (withStateDirFd), never through the path again. Throws an Error with a
 * `code` (ENOTDIR, EPERM) naming what is wrong. See docs/host-trust.md.
 */
export function assertStateDir(dir: string, uid: number = process.getuid ? process.getuid() : 0): void {
  const fail = (msg: string, code: string) => {
    throw Object.assign(new Error(msg), { code });
  };
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) fail(`${dir} is a symbolic link: the state dir must be a real directory`, 'ENOTDIR');
  if (!st.isDirectory()) fail(`${dir} is not a directory`, 'ENOTDIR');
  if (st.uid !== uid && st.uid !== 0) fail(`${dir} belongs to uid ${st.uid}, not to this user`, 'EPERM');
  if (st.mode & 0o022) fail(`${dir} is writable by others (mode ${(st.mode & 0o7777).toString(8)})`, 'EPERM');
  for (let a = path.dirname(path.resolve(dir)); ; a = path.dirname(a)) {
    const s = fs.statSync(a);
    if (s.mode & 0o002 && !(s.mode & 0o1000)) fail(`${a} (above the state dir) is writable by everyone and not sticky`, 'EPERM');
    if (a === '/') break;
  }
}

/**
 * Run `fn` with a path that reaches the state dir through a descriptor opened O_DIRECTORY|
 * O_NOFOLLOW and checked (fstat) after opening: /proc/self/fd/N. What `fn` creates and renames
 * there lands in that very directory, even if a path component is swapped meanwhile.
 */
export function withStateDirFd<T>(dir: string, fn: (dirPath: string) => T, uid: number = process.getuid ? process.getuid() : 0): T {
  assertStateDir(dir, uid);
  const c = fs.constants;
  const fd = fs.openSync(dir, c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW);
  try {
    const st = fs.fstatSync(fd);
    if ((st.uid !== uid && st.uid !== 0) || st.mode & 0o022) throw Object.assign(new Error(`${dir} changed under us (owner or mode)`), { code: 'EPERM' });
    const via = `/proc/self/fd/${fd}`;
    return fn(fs.existsSync(via) ? via : dir);
  } finally {
    fs.closeSync(fd);
  }
}
