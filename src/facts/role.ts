// Role = liveness x recovery (docs/postgres.md): pure, from file facts and, when available, SQL.
import type { FactSource, Role, Tri } from './types.js';

export interface RoleInput {
  running: Tri;
  standbySignal: Tri;
  recoverySignal: Tri;
  recoveryConf: 'standby' | 'recovery' | null | 'unknown';
  promoteRequested: Tri;
  /** SQL result for a running cluster: ok with pg_is_in_recovery(), or the reason it failed. */
  sql: { ok: true; inRecovery: boolean; walReceiver: boolean } | { ok: false; error: string } | null;
}

export interface RoleResult {
  role: Role;
  source: FactSource;
  detail: string;
}

/** What the signal files say the cluster is (or would be when started). */
function fromFiles(i: RoleInput): { role: Role; detail: string } {
  if (i.standbySignal === true) return { role: 'standby', detail: 'standby.signal present' };
  if (i.recoveryConf === 'standby') return { role: 'standby', detail: 'recovery.conf with standby_mode = on' };
  if (i.recoverySignal === true) return { role: 'recovering', detail: 'recovery.signal present (targeted recovery)' };
  if (i.recoveryConf === 'recovery') return { role: 'recovering', detail: 'recovery.conf without standby_mode (archive recovery)' };
  if (i.standbySignal === 'unknown' || i.recoverySignal === 'unknown' || i.recoveryConf === 'unknown') return { role: 'unknown', detail: 'signal files not readable as this user' };
  return { role: 'primary', detail: 'no standby.signal or recovery.signal' };
}

export function deriveRole(i: RoleInput): RoleResult {
  if (i.running === 'unknown') return { role: 'unknown', source: 'none', detail: 'whether it runs is unknown' };
  const files = fromFiles(i);
  if (i.running === false) return { role: files.role, source: 'signal-file', detail: files.detail };

  if (i.sql?.ok) {
    if (!i.sql.inRecovery) return { role: 'primary', source: 'sql', detail: 'SQL pg_is_in_recovery() = false' };
    if (i.promoteRequested === true) return { role: 'unknown', source: 'sql', detail: 'SQL pg_is_in_recovery() = true, but a promote file asks for promotion: about to become a primary' };
    if (files.role === 'standby') return { role: 'standby', source: 'sql', detail: `SQL pg_is_in_recovery() = true, ${files.detail}` };
    if (files.role === 'recovering') return { role: 'recovering', source: 'sql', detail: `SQL pg_is_in_recovery() = true, ${files.detail}` };
    return i.sql.walReceiver
      ? { role: 'standby', source: 'sql', detail: 'SQL pg_is_in_recovery() = true with a WAL receiver' }
      : { role: 'recovering', source: 'sql', detail: 'SQL pg_is_in_recovery() = true, no WAL receiver' };
  }
  const why = i.sql && !i.sql.ok ? `; not confirmed over SQL (${i.sql.error})` : '; not confirmed over SQL';
  if (i.promoteRequested === true) return { role: 'unknown', source: 'signal-file', detail: `a promote file asks for promotion: may be a primary by now${why}` };
  return { role: files.role, source: 'signal-file', detail: files.detail + why };
}
