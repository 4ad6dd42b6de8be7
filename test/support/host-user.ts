// An unprivileged local user made by a test (the "local user" adversary), removed afterwards.
import { execFileSync } from 'node:child_process';

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  remove(): void;
}

/** useradd a fresh user with a home directory; remove() kills its processes and deletes it. */
export function makeUser(prefix = 'sot'): HostUser {
  const name = `${prefix}${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`.slice(0, 31);
  execFileSync('useradd', ['-m', '-s', '/bin/bash', name]);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  const home = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':')[5]!;
  return {
    name,
    uid,
    gid,
    home,
    remove() {
      try {
        execFileSync('pkill', ['-KILL', '-u', String(uid)]);
      } catch {
        /* no process left */
      }
      try {
        execFileSync('userdel', ['-r', '-f', name], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    },
  };
}

/** Run argv as the user (runuser), synchronously; returns stdout. */
export function asUser(user: HostUser, argv: string[], opts: { cwd?: string } = {}): string {
  return execFileSync('runuser', ['-u', user.name, '--', ...argv], { encoding: 'utf8', cwd: opts.cwd ?? '/tmp' });
}
