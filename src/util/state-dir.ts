// Where the watcher publishes state (DEVELOPERS.md "Contract: the state directory").
import fs from 'node:fs';
import path from 'node:path';

/** Candidate state dirs in order: SAFEOPS_STATE_DIR, the user's runtime dir, the system one. */
export function stateDirCandidates(env: NodeJS.ProcessEnv): string[] {
  if (env.SAFEOPS_STATE_DIR) return [env.SAFEOPS_STATE_DIR];
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR) out.push(path.join(env.XDG_RUNTIME_DIR, 'safeops'));
  out.push('/run/safeops');
  return out;
}

/** The first candidate that holds a state.json, or null. */
export function findStateDir(env: NodeJS.ProcessEnv): string | null {
  for (const d of stateDirCandidates(env)) if (fs.existsSync(path.join(d, 'state.json'))) return d;
  return null;
}
