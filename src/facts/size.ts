// What a destructive command would destroy, in numbers: files and bytes under some paths,
// counted in the background while the confirmation screen is open.
import type { BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Progress of a measurement; the last report has `done: true`. */
export interface SizeProgress {
  /** Entries that are not directories (regular files, symlinks, sockets...): what rm unlinks. */
  files: number;
  /** Directories, the roots included. */
  dirs: number;
  /** Sum of the sizes of regular files; a file hard-linked several times inside counts once. */
  bytes: number;
  /** Entries that could not be read (EACCES, vanished while counting...). */
  skipped: number;
  done: boolean;
}

export interface MeasureOptions {
  /** Minimum time between two progress reports (the final one is always sent). @default 100 */
  intervalMs?: number;
  /** Directories read at the same time. @default 8 */
  concurrency?: number;
}

/**
 * Count files and bytes under `paths` without following symlinks (lstat only), yielding to the
 * event loop between directories so that the screen keeps answering keys. Never throws:
 * unreadable or vanished entries are counted in `skipped`. Returns a function that cancels;
 * after cancelling no more reports are sent.
 */
export function measurePaths(paths: string[], onProgress: (p: SizeProgress) => void, opts: MeasureOptions = {}): () => void {
  const intervalMs = opts.intervalMs ?? 100;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const p: SizeProgress = { files: 0, dirs: 0, bytes: 0, skipped: 0, done: false };
  // Directories and multiply-linked files already counted, by dev:ino: overlapping roots
  // (a data dir and its own pg_wal) and hard links are counted once.
  const seen = new Set<string>();
  const queue: string[] = [];
  let cancelled = false;
  let active = 0;
  let lastReport = 0;

  const report = (force: boolean): void => {
    if (cancelled) return;
    const now = Date.now();
    if (!force && now - lastReport < intervalMs) return;
    lastReport = now;
    onProgress({ ...p });
  };

  // Count one entry; directories are queued for reading.
  const visit = async (file: string): Promise<void> => {
    let st: BigIntStats;
    try {
      st = await fs.lstat(file, { bigint: true });
    } catch {
      p.skipped++;
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (st.isDirectory()) {
      if (seen.has(key)) return;
      seen.add(key);
      p.dirs++;
      queue.push(file);
      return;
    }
    if (st.nlink > 1n) {
      if (seen.has(key)) return;
      seen.add(key);
    }
    p.files++;
    if (st.isFile()) p.bytes += Number(st.size);
  };

  // Read one directory and visit its entries, a few lstat calls at a time.
  const readDir = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      p.skipped++;
      return;
    }
    for (let i = 0; i < names.length && !cancelled; i += 64) {
      await Promise.all(names.slice(i, i + 64).map((n) => visit(path.join(dir, n))));
      report(false);
    }
  };

  const pump = (): void => {
    while (!cancelled && active < concurrency && queue.length > 0) {
      const dir = queue.shift() as string;
      active++;
      void readDir(dir).finally(() => {
        active--;
        if (cancelled) return;
        if (queue.length === 0 && active === 0) {
          p.done = true;
          report(true);
          return;
        }
        // setImmediate: let keystrokes and renders run between directories.
        setImmediate(pump);
      });
    }
  };

  void (async () => {
    for (const root of paths) {
      if (cancelled) return;
      await visit(path.resolve(root));
    }
    if (cancelled) return;
    if (queue.length === 0) {
      p.done = true;
      report(true);
      return;
    }
    report(true);
    pump();
  })();

  return () => {
    cancelled = true;
    queue.length = 0;
  };
}
