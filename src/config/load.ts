// Reading the config files from disk (system, then user); parsing is pure (schema.ts).
import fs from 'node:fs';
import path from 'node:path';
import { configFiles, SYSTEM_CONFIG } from './files.js';
import { parseConfigs, type LoadedConfig } from './schema.js';
import { setServerBinDirs } from '../facts/server-binary.js';

export { SYSTEM_CONFIG, configFiles } from './files.js';

/** The last parse, by what it parsed: the watcher reads the config at every footprint publish
 *  (1.5 s) as the guard would, and the files rarely change. Callers never alter what they get. */
let lastParse: { key: string; loaded: LoadedConfig } | null = null;

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
  const key = JSON.stringify(sources);
  const loaded = lastParse?.key === key ? lastParse.loaded : parseConfigs(sources);
  lastParse = { key, loaded };
  // Which executables count as PostgreSQL servers (facts/server-binary.ts): the config may trust more dirs.
  setServerBinDirs(loaded.config.discovery.binDirs);
  return loaded;
}
