// The bench's own temp dirs (files to remove, state dirs, homes): each is removed when the bench
// exits, also when a part throws half-way (a part's own clean-up then never runs). Clusters go
// through test/support/pg.ts makeTempRoot, which cleanupAll removes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dirs = new Set<string>();
let hooked = false;

/** A fresh temp dir, removed at exit; `tmpfs`: on /dev/shm, as /run/safeops is on a real host. */
export function benchTempDir(prefix: string, opts: { tmpfs?: boolean } = {}): string {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  const base = opts.tmpfs && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, prefix));
  dirs.add(dir);
  return dir;
}
