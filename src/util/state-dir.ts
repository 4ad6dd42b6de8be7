// Where the watcher publishes state (DEVELOPERS.md "Contract: the state directory").
import fs from 'node:fs';
import path from 'node:path';

/**
 * Candidate state dirs in order: SAFEOPS_STATE_DIR, the user's runtime dir, the system one.
 * Root never takes XDG_RUNTIME_DIR: after `su` without `-` it is still a user's (issue 15).
 */
export function stateDirCandidates(env: NodeJS.ProcessEnv, euid: number = process.geteuid?.() ?? -1): string[] {
  if (env.SAFEOPS_STATE_DIR) return [env.SAFEOPS_STATE_DIR];
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR && euid !== 0) out.push(path.join(env.XDG_RUNTIME_DIR, 'safeops'));
  out.push('/run/safeops');
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
