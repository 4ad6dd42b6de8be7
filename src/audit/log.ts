// The audit log: one JSON object per line, appended and fsynced before anything runs.
import fs from 'node:fs';
import path from 'node:path';

/** What auditPath returns when there is nowhere safe to log: not a path (appendAudit refuses it). */
export const NO_AUDIT_PATH = 'HOME and XDG_STATE_HOME are not set: no place for the audit log (set SAFEOPS_AUDIT_LOG)';

/**
 * Where the audit log goes: SAFEOPS_AUDIT_LOG, the config, else a per-user or system default.
 * Never a shared directory: without HOME (and XDG_STATE_HOME) there is no default at all (a /tmp
 * fallback is a place another user can plant a symlink or a FIFO); appending then fails, and a
 * command that needs a confirmation is refused (guard.ts).
 */
export function auditPath(env: NodeJS.ProcessEnv, configured: string | null, uid: number): string {
  if (env.SAFEOPS_AUDIT_LOG) return env.SAFEOPS_AUDIT_LOG;
  if (configured) return configured;
  if (uid === 0) return '/var/log/safeops/audit.jsonl';
  const base = env.XDG_STATE_HOME || (env.HOME ? path.join(env.HOME, '.local', 'state') : null);
  if (!base || !base.startsWith('/')) return NO_AUDIT_PATH;
  return path.join(base, 'safeops', 'audit.jsonl');
}

/**
 * Append one record and fsync it. Throws when the log cannot be written (the caller decides).
 * Opened O_APPEND|O_NOFOLLOW|O_NONBLOCK: a symlink in its place is an error (never followed), a
 * FIFO errors or is refused at once (never a hang), and anything but a regular file is refused.
 */
export function appendAudit(file: string, record: Record<string, unknown>): void {
  if (!file.startsWith('/')) throw new Error(file === NO_AUDIT_PATH ? NO_AUDIT_PATH : `the audit log path must be absolute, got ${JSON.stringify(file)}`);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  const c = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(file, c.O_WRONLY | c.O_APPEND | c.O_CREAT | c.O_NOFOLLOW | c.O_NONBLOCK, 0o640);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`${file} is a symbolic link: the audit log is never written through one`);
    if (code === 'ENXIO') throw new Error(`${file} is a FIFO with no reader: the audit log must be a regular file`);
    throw e;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error(`${file} is not a regular file: the audit log must be one`);
    fs.writeSync(fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
