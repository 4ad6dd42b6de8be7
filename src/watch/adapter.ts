// The file-event adapter: chokidar on each cluster's data directory (depth 0, only the four files
// that change a role) and on the config files, turned into typed WatchEvents. No decisions here:
// the reducer decides what an event means.
//
// One chokidar watcher per directory, closed when the directory is no longer wanted: chokidar's
// own unwatch() keeps ignoring everything below the path for good (a cluster found at /tmp once
// would blind the watcher to every data dir under /tmp).
import fs from 'node:fs';
import path from 'node:path';
import { FSWatcher } from 'chokidar';
import { WATCHED_NAMES, type WatchEvent, type WatchedName } from './events.js';

export interface AdapterOptions {
  /** Config files to watch (their directory is watched, filtered to their name, so creation is seen). */
  configFiles: string[];
  emit: (event: WatchEvent) => void;
  /** How often a vanished data directory is looked for again (default 1000 ms). */
  missingPollMs?: number;
}

export interface Adapter {
  /** Watch exactly these data directories from now on. */
  setTargets(dataDirs: string[]): void;
  close(): Promise<void>;
}

const NAMES = new Set<string>(WATCHED_NAMES);

/** `dev:ino` of a directory, or null when it is not (or no longer) one. */
function dirId(p: string): string | null {
  try {
    const st = fs.statSync(p);
    return st.isDirectory() ? `${st.dev}:${st.ino}` : null;
  } catch {
    return null;
  }
}

interface Watched {
  id: string;
  w: FSWatcher;
}

/** Start watching; events go to `emit`. */
export function startAdapter(opts: AdapterOptions): Adapter {
  const targets = new Map<string, Watched>(); // data dir -> its watcher and the dev:ino it watches
  const missing = new Set<string>(); // wanted data dirs that do not exist right now
  const configDirs = new Map<string, Set<string>>();
  for (const f of opts.configFiles) {
    const dir = path.dirname(f);
    const set = configDirs.get(dir) ?? new Set<string>();
    set.add(path.basename(f));
    configDirs.set(dir, set);
  }
  const configWatchers: FSWatcher[] = [];
  let polling = false;
  let closed = false;

  const onError = (err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    const code = e?.code ?? '';
    if (!polling && (code === 'ENOSPC' || code === 'EMFILE')) {
      opts.emit({ type: 'watcher-error', error: `${code === 'ENOSPC' ? 'inotify watch limit reached' : 'too many open files'} (${code}): polling every 1 s instead` });
      switchToPolling();
      return;
    }
    opts.emit({ type: 'watcher-error', error: e?.message ?? String(err) });
  };

  /** A chokidar watcher on `dir` at depth 0 that only sees `names` in it. */
  const watchDir = (dir: string, names: Set<string>, onFile: (name: string, change: 'added' | 'removed' | 'changed') => void, onGone?: () => void): FSWatcher => {
    const w = new FSWatcher({
      depth: 0,
      atomic: false,
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      ignorePermissionErrors: false,
      usePolling: polling,
      interval: 1000,
      binaryInterval: 1000,
      ignored: (p: string) => p !== dir && !(path.dirname(p) === dir && names.has(path.basename(p))),
    });
    const file = (change: 'added' | 'removed' | 'changed') => (p: string) => {
      if (path.dirname(p) === dir && names.has(path.basename(p))) onFile(path.basename(p), change);
    };
    w.on('add', file('added'));
    w.on('change', file('changed'));
    w.on('unlink', file('removed'));
    w.on('unlinkDir', (p: string) => {
      if (p === dir && onGone) onGone();
    });
    w.on('error', onError);
    w.add(dir);
    return w;
  };

  const watchData = (dir: string, id: string) => {
    const w = watchDir(
      dir,
      NAMES,
      (name, change) => opts.emit({ type: 'file-changed', dataDir: dir, name: name as WatchedName, change }),
      () => gone(dir),
    );
    // chokidar reports the watched directory's own removal only when it had a file it tracked:
    // on any rename seen in it, check that it is still the same directory.
    w.on('raw', (event: string) => {
      if (event === 'rename' && targets.get(dir)?.w === w && dirId(dir) !== id) gone(dir);
    });
    targets.set(dir, { id, w });
  };

  const unwatchData = (dir: string) => {
    const t = targets.get(dir);
    if (!t) return;
    targets.delete(dir);
    void t.w.close().catch(() => undefined);
  };

  const watchConfig = () => {
    for (const [dir, names] of configDirs) {
      if (!dirId(dir)) continue; // e.g. no /etc/safeops: the rediscovery reads the config again anyway
      configWatchers.push(watchDir(dir, names, (name) => opts.emit({ type: 'config-changed', file: path.join(dir, name) })));
    }
  };

  const gone = (dir: string) => {
    if (!targets.has(dir)) return;
    unwatchData(dir);
    missing.add(dir);
    opts.emit({ type: 'dir-gone', dataDir: dir });
    armPoll();
  };

  const switchToPolling = () => {
    polling = true;
    for (const w of configWatchers.splice(0)) void w.close().catch(() => undefined);
    watchConfig();
    for (const [dir, t] of [...targets]) {
      void t.w.close().catch(() => undefined);
      watchData(dir, t.id);
    }
  };

  // A vanished directory cannot be watched: look for it again now and then (a stat, nothing more).
  let pollTimer: NodeJS.Timeout | null = null;
  const armPoll = () => {
    if (pollTimer || closed || missing.size === 0) return;
    pollTimer = setInterval(() => {
      for (const dir of [...missing]) {
        const id = dirId(dir);
        if (!id) continue;
        missing.delete(dir);
        watchData(dir, id);
        opts.emit({ type: 'dir-back', dataDir: dir });
      }
      if (missing.size === 0 && pollTimer) {
        clearInterval(pollTimer);
        pollTimer = null;
      }
    }, opts.missingPollMs ?? 1000);
  };

  watchConfig();

  return {
    setTargets(dataDirs: string[]) {
      if (closed) return;
      const want = new Set(dataDirs);
      for (const dir of [...targets.keys()]) if (!want.has(dir)) unwatchData(dir);
      for (const dir of [...missing]) if (!want.has(dir)) missing.delete(dir);
      for (const dir of want) {
        const id = dirId(dir);
        if (id === null) {
          unwatchData(dir);
          missing.add(dir);
          continue;
        }
        missing.delete(dir);
        if (targets.get(dir)?.id === id) continue;
        // New, or deleted and made again (another inode): the old watch saw the old directory.
        unwatchData(dir);
        watchData(dir, id);
      }
      armPoll();
    },
    async close() {
      closed = true;
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = null;
      const all = [...[...targets.values()].map((t) => t.w), ...configWatchers];
      targets.clear();
      await Promise.all(all.map((w) => w.close().catch(() => undefined)));
    },
  };
}
