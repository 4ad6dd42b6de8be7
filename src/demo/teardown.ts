// Tearing the demo down, from its record: the shell, the watcher, the servers, the files. The
// same code runs in the demo at exit and in its reaper when the demo died without cleaning up;
// every step is idempotent, so a teardown interrupted half-way can simply run again.
import { spawnSync } from 'node:child_process';
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
  if (!rec.keep) {
    try {
      removeDemoDir(rec.dir);
    } catch (e) {
      process.stderr.write(`safeops demo: ${(e as Error).message}\n`);
    }
  }
}

/**
 * rm -rf the demo dir, only if it is one, without ever following a link a local user swaps in.
 *
 * Node has no unlinkat/openat, and fs.rmSync walks by path: a directory inside the demo dir that
 * another user can write (shells/ is 1777) can be swapped for a symlink between its lstat and its
 * readdir, and the walk then deletes in the link's target. So the walk is GNU rm's (fts with
 * FTS_PHYSICAL|FTS_CWDFD: every directory opened O_NOFOLLOW|O_DIRECTORY relative to its parent's
 * descriptor, checked against its earlier stat, entries removed with unlinkat(dirfd, name)), after
 * checking every component of the path ourselves: absolute, canonical, named safeops-demo-*, a
 * real directory owned by us, and each ancestor owned by root or us and sticky if others can write
 * it. --one-file-system: a bind mount planted inside is never descended (docs/host-trust.md).
 */
export function removeDemoDir(dir: string): void {
  if (!isDemoDir(dir)) return;
  const uid = process.getuid ? process.getuid() : 0;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return; // already gone
  }
  if (!st.isDirectory() || st.uid !== uid) throw new Error(`${dir} is not our demo directory (a link, or another user's): not removed`);
  for (let a = path.dirname(dir); ; a = path.dirname(a)) {
    const s = fs.lstatSync(a);
    if (!s.isDirectory() || (s.uid !== 0 && s.uid !== uid) || (s.mode & 0o002 && !(s.mode & 0o1000))) throw new Error(`${a} (above ${dir}) could be changed by another user: not removed`);
    if (a === '/') break;
  }
  const r = spawnSync('rm', ['-rf', '--one-file-system', '--', dir], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  if (r.error || (r.status !== 0 && fs.existsSync(dir))) throw new Error(`rm -rf ${dir} failed: ${r.error?.message ?? String(r.stderr).trim()}`);
}
