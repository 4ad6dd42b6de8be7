// uid -> user name from /etc/passwd (read once per process).
import fs from 'node:fs';

let byUid: Map<number, string> | null = null;

/** The login name for a uid, or null if /etc/passwd does not know it. */
export function userName(uid: number): string | null {
  if (!byUid) {
    byUid = new Map();
    try {
      for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 3 && f[0]) byUid.set(Number(f[2]), f[0]);
      }
    } catch {
      // no passwd: names stay unknown
    }
  }
  return byUid.get(uid) ?? null;
}

let homes: Map<string, string> | null = null;

/** A user's home directory from /etc/passwd (login shells of su -, sudo -i start there), or null. */
export function homeDir(user: string): string | null {
  if (!homes) {
    homes = new Map();
    try {
      for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 6 && f[0]) homes.set(f[0], f[5]!);
      }
    } catch {
      // no passwd: homes stay unknown (relative targets of login shells are then asked about)
    }
  }
  return homes.get(user) ?? null;
}
