// Tearing the demo down, from its record: the shell, the watcher, the servers, the files. The
// same code runs in the demo at exit and in its reaper when the demo died without cleaning up;
// every step is idempotent, so a teardown interrupted half-way can simply run again.
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_DIR_PREFIX, stillOurs, type DemoRecord, type OwnProcess } from './record.js';
import { killLeftovers, removeLeftoverShm, stopNode } from './servers.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Signal `p` (if it is still ours), wait up to `graceMs` for it to go, then SIGKILL it. */
async function stopProcess(p: OwnProcess | null, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!stillOurs(p)) return;
  try {
    process.kill(p.pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (stillOurs(p) && Date.now() < deadline) await sleep(25);
  if (stillOurs(p)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** True when `dir` is a demo dir this code may delete: an absolute path named safeops-demo-*. */
export function isDemoDir(dir: string): boolean {
  return path.isAbsolute(dir) && path.basename(dir).startsWith(DEMO_DIR_PREFIX) && path.resolve(dir) === dir && dir !== '/';
}

/**
 * Stop everything the record names and (unless it says keep) delete the demo dir. The shell
 * gets SIGHUP (an interactive bash ignores SIGTERM), the watcher SIGTERM, the servers a fast
 * then immediate shutdown; whatever PostgreSQL process is still inside the dir gets SIGKILL.
 */
export async function teardown(rec: DemoRecord): Promise<void> {
  await stopProcess(rec.shell, 'SIGHUP', 2000);
  await stopProcess(rec.watcher, 'SIGTERM', 3000);
  await Promise.all(rec.nodes.map((n) => stopNode(rec, n)));
  // A server still starting when we were interrupted has no pid file yet: sweep twice.
  for (let i = 0; i < 2; i++) {
    if (killLeftovers(rec.dir) > 0) removeLeftoverShm(rec.nodes);
    if (i === 0) await sleep(200);
  }
  if (!rec.keep) removeDemoDir(rec.dir);
}

/** rm -rf the demo dir, only if it is one. */
export function removeDemoDir(dir: string): void {
  if (!isDemoDir(dir)) return;
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
