// Reading the config files from disk (system, then user); parsing is pure (schema.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parseConfigs, type LoadedConfig } from './schema.js';
import { setServerBinDirs } from '../facts/proc.js';

export const SYSTEM_CONFIG = '/etc/safeops/config.json';

/** Where the config files are, in the order they apply. SAFEOPS_CONFIG replaces both. */
export function configFiles(env: NodeJS.ProcessEnv): Array<{ file: string; additiveOnly: boolean; required: boolean }> {
  if (env.SAFEOPS_CONFIG) return [{ file: env.SAFEOPS_CONFIG, additiveOnly: false, required: true }];
  const files = [{ file: SYSTEM_CONFIG, additiveOnly: false, required: false }];
  const home = env.HOME;
  const xdg = env.XDG_CONFIG_HOME || (home ? path.join(home, '.config') : null);
  // The user's file can add protection, never remove what the system file sets.
  if (xdg) files.push({ file: path.join(xdg, 'safeops', 'config.json'), additiveOnly: true, required: false });
  return files;
}

/** Read and validate the config; never throws: problems are returned, protection stays on. */
export function loadConfig(env: NodeJS.ProcessEnv): LoadedConfig {
  const sources = configFiles(env).map(({ file, additiveOnly, required }) => {
    try {
      return { file, text: fs.readFileSync(file, 'utf8'), additiveOnly };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) return { file, text: null, additiveOnly };
      const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied (cannot read it)' : (e as Error).message;
      return { file, text: null, error: `cannot read: ${why}`, additiveOnly };
    }
  });
  const loaded = parseConfigs(sources);
  // Which executables count as PostgreSQL servers (facts/proc.ts): the config may trust more dirs.
  setServerBinDirs(loaded.config.discovery.binDirs);
  return loaded;
}
