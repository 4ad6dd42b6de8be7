// uid -> user name and user -> home directory from /etc/passwd (read once per process).
import fs from 'node:fs';

let entries: string[][] | null = null;

/** The fields of every /etc/passwd line, read once ([] when there is none: names and homes stay unknown). */
function passwd(): string[][] {
  if (!entries) {
    try {
      entries = fs.readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
    } catch {
      entries = [];
    }
  }
  return entries;
}

let byUid: Map<number, string> | null = null;

/** The login name for a uid, or null if /etc/passwd does not know it. */
export function userName(uid: number): string | null {
  byUid ??= new Map(passwd().flatMap((f): Array<[number, string]> => (f.length >= 3 && f[0] ? [[Number(f[2]), f[0]]] : [])));
  return byUid.get(uid) ?? null;
}

let homes: Map<string, string> | null = null;

/** A user's home directory from /etc/passwd (login shells of su -, sudo -i start there), or null (relative targets of login shells are then asked about). */
export function homeDir(user: string): string | null {
  homes ??= new Map(passwd().flatMap((f): Array<[string, string]> => (f.length >= 6 && f[0] ? [[f[0], f[5]!]] : [])));
  return homes.get(user) ?? null;
}
