// Reading the config files from disk (system, then user); parsing is pure (schema.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parseConfigs, type LoadedConfig } from './schema.js';
import { setServerBinDirs } from '../facts/server-binary.js';

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

/** Read and validate the config; never throws: problems are returned, protection stays on. */
export function loadConfig(env: NodeJS.ProcessEnv, systemFile = SYSTEM_CONFIG): LoadedConfig {
  const sources = configFiles(env, systemFile).map(({ file, additiveOnly, required }) => {
    try {
      const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        const st = fs.fstatSync(fd);
        if (!st.isFile()) return { file, text: null, error: 'cannot read: not a regular file', additiveOnly };
        // A file only root can have written (a FIFO or device there is no config).
        const rootsFile = st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0;
        return { file, text: fs.readFileSync(fd, 'utf8'), additiveOnly, rootsFile };
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !required) return { file, text: null, additiveOnly };
      const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied (cannot read it)' : (e as Error).message;
      return { file, text: null, error: `cannot read: ${why}`, additiveOnly };
    }
  });
  const loaded = parseConfigs(sources);
  // Which executables count as PostgreSQL servers (facts/server-binary.ts): the config may trust more dirs.
  setServerBinDirs(loaded.config.discovery.binDirs);
  return loaded;
}
