// The reaper: a detached process (its own session, so a closed terminal or a Ctrl-C does not
// reach it) that holds the read end of a pipe whose only writer is the demo. When the demo
// goes, however it goes (even SIGKILL), the pipe reaches EOF and the reaper tears down what the
// demo's record still names. After a clean exit the demo dir is gone and the reaper just exits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { loadRecord } from './record.js';
import { isDemoDir, removeDemoDir, teardown } from './teardown.js';
import { killLeftovers } from './servers.js';

/** Start the reaper for `dir` (`safeops demo --reap DIR`). */
export function spawnReaper(selfBin: string, dir: string): void {
  const child = spawn(process.execPath, [selfBin, 'demo', '--reap', dir], {
    detached: true,
    cwd: '/',
    // Our end of stdin is close-on-exec: the shell and servers we start never hold it open.
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH || '/usr/bin:/bin', LANG: 'C' },
  });
  child.unref();
  (child.stdin as Socket | null)?.unref();
}

/** The reaper's body: wait for the demo to go, then clean up whatever it left. */
export async function runReaper(dir: string): Promise<number> {
  if (!isDemoDir(dir)) return 2;
  for (const sig of ['SIGHUP', 'SIGINT'] as const) process.on(sig, () => undefined);
  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    process.stdin.on('error', () => resolve());
    process.stdin.resume();
  });
  if (!fs.existsSync(dir)) return 0;
  const rec = loadRecord(dir);
  if (rec) {
    await teardown(rec);
  } else {
    // The demo died half-way through deleting its dir (the record went first): finish.
    killLeftovers(dir);
    try {
      removeDemoDir(dir);
    } catch {
      // nothing to tell: the reaper has no terminal; the dir stays rather than anything else going
    }
  }
  return 0;
}
