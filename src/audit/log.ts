// The audit log: one JSON object per line, appended and fsynced before anything runs.
import fs from 'node:fs';
import path from 'node:path';

/** Where the audit log goes: SAFEOPS_AUDIT_LOG, the config, else a per-user or system default. */
export function auditPath(env: NodeJS.ProcessEnv, configured: string | null, uid: number): string {
  if (env.SAFEOPS_AUDIT_LOG) return env.SAFEOPS_AUDIT_LOG;
  if (configured) return configured;
  if (uid === 0) return '/var/log/safeops/audit.jsonl';
  const base = env.XDG_STATE_HOME || path.join(env.HOME || '/tmp', '.local', 'state');
  return path.join(base, 'safeops', 'audit.jsonl');
}

/** Append one record and fsync it. Throws when the log cannot be written (the caller decides). */
export function appendAudit(file: string, record: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o640);
  try {
    fs.writeSync(fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
