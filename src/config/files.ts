// Where the config files are (no parsing here: the guard's fast path reads only the names, src/boot.ts).
import path from 'node:path';

export const SYSTEM_CONFIG = '/etc/safeops/config.json';

/**
 * Where the config files are, in the order they apply: the system file whenever it exists, then
 * SAFEOPS_CONFIG or else the user's file. SAFEOPS_CONFIG (set by anyone, inherited through `su`)
 * merges like a user file: it can add protection, never remove the system's (docs/host-trust.md).
 */
export function configFiles(env: NodeJS.ProcessEnv, systemFile = SYSTEM_CONFIG): Array<{ file: string; additiveOnly: boolean; required: boolean }> {
  const files = [{ file: systemFile, additiveOnly: false, required: false }];
  if (env.SAFEOPS_CONFIG) return [...files, { file: env.SAFEOPS_CONFIG, additiveOnly: true, required: true }];
  const home = env.HOME;
  const xdg = env.XDG_CONFIG_HOME || (home ? path.join(home, '.config') : null);
  // The user's file can add protection, never remove what the system file sets.
  if (xdg) files.push({ file: path.join(xdg, 'safeops', 'config.json'), additiveOnly: true, required: false });
  return files;
}
