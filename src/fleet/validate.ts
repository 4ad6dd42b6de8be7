// Everything read from etcd (other hosts' reports) or copied from it is untrusted: each field is
// checked for type, capped in length, and reduced to a narrow charset before it can reach a
// prompt, a terminal or a decision. A report that fails the shape is dropped whole.
import type { FleetAlert, FleetMember, FleetSet, FleetView, MemberReport, MemberRole } from './types.js';

const ROLES: MemberRole[] = ['primary', 'standby', 'recovering', 'unknown', 'stopped'];
/** Largest value read from etcd (a report is ~1 KB). */
export const REPORT_MAX_BYTES = 8192;

/** A name (host, cluster, version): the prompt's name charset, capped. */
export function cleanName(v: unknown, max = 48): string | null {
  if (typeof v !== 'string') return null;
  const s = v.replace(/[^A-Za-z0-9._/@+=:-]/g, '_').slice(0, max);
  return s === '' ? null : s;
}

/** Free text (how a role was known, a path): printable ASCII only, capped. */
export function cleanText(v: unknown, max = 160): string | null {
  if (typeof v !== 'string') return null;
  return v.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A member report as it came out of etcd (JSON text), or null when it is not one. */
export function parseReport(text: string): MemberReport | null {
  if (text.length > REPORT_MAX_BYTES) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  return validateReport(raw);
}

export function validateReport(raw: unknown): MemberReport | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r.schema !== 'safeops.member/1') return null;
  const host = cleanName(r.host, 64);
  const cluster = cleanName(r.cluster);
  const sysid = typeof r.systemIdentifier === 'string' && /^\d{1,20}$/.test(r.systemIdentifier) ? r.systemIdentifier : null;
  const role = ROLES.includes(r.role as MemberRole) ? (r.role as MemberRole) : null;
  const dataDir = cleanText(r.dataDir, 256);
  if (!host || !cluster || !sysid || !role || !dataDir) return null;
  const v = (typeof r.versions === 'object' && r.versions !== null ? r.versions : {}) as Record<string, unknown>;
  const p = typeof r.patroni === 'object' && r.patroni !== null ? (r.patroni as Record<string, unknown>) : null;
  const lsn = typeof r.lsn === 'string' && /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i.test(r.lsn) ? r.lsn.toUpperCase() : null;
  const at = typeof r.reportedAt === 'string' && !Number.isNaN(Date.parse(r.reportedAt)) ? new Date(Date.parse(r.reportedAt)).toISOString() : new Date(0).toISOString();
  return {
    schema: 'safeops.member/1',
    host,
    cluster,
    dataDir,
    systemIdentifier: sysid,
    timeline: num(r.timeline),
    role,
    roleHow: cleanText(r.roleHow) ?? '',
    running: r.running === true || r.running === false ? r.running : 'unknown',
    port: typeof r.port === 'number' && Number.isInteger(r.port) && r.port > 0 && r.port < 65536 ? r.port : null,
    lsn,
    upstream: cleanName(r.upstream, 80),
    standbys: Array.isArray(r.standbys) ? r.standbys.slice(0, 16).map((x) => cleanName(x, 64)).filter((x): x is string => x !== null) : [],
    replayLagSeconds: num(r.replayLagSeconds),
    archiving: r.archiving === 'ok' || r.archiving === 'failing' || r.archiving === 'off' ? r.archiving : 'unknown',
    versions: { server: cleanName(v.server, 32), walg: cleanName(v.walg, 32), pgbackrest: cleanName(v.pgbackrest, 32), safeops: cleanName(v.safeops, 32) },
    patroni: p ? { scope: cleanName(p.scope), member: cleanName(p.member), role: cleanName(p.role, 24), leader: cleanName(p.leader), paused: p.paused === true } : null,
    reportedAt: at,
  };
}

function validateMember(raw: unknown): FleetMember | null {
  const r = validateReport(raw);
  if (!r) return null;
  const m = raw as Record<string, unknown>;
  return { ...r, local: m.local === true, expired: m.expired === true, silentSeconds: num(m.silentSeconds) ?? 0 };
}

/** The `fleet` part of state.json, checked again (the file is the watcher's, its content is not). */
export function validateView(raw: unknown): FleetView | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const self = cleanName(r.self, 64);
  if (!self || !Array.isArray(r.sets)) return null;
  const sets: FleetSet[] = [];
  for (const s of r.sets.slice(0, 64)) {
    if (typeof s !== 'object' || s === null) continue;
    const so = s as Record<string, unknown>;
    if (typeof so.systemIdentifier !== 'string' || !/^\d{1,20}$/.test(so.systemIdentifier) || !Array.isArray(so.members)) continue;
    const members = so.members.slice(0, 256).map(validateMember).filter((m): m is FleetMember => m !== null);
    sets.push({ systemIdentifier: so.systemIdentifier, members });
  }
  const alerts: FleetAlert[] = Array.isArray(r.alerts)
    ? r.alerts.slice(0, 32).flatMap((a) => {
        if (typeof a !== 'object' || a === null) return [];
        const ao = a as Record<string, unknown>;
        const text = cleanText(ao.text, 190);
        if (!text || typeof ao.kind !== 'string') return [];
        return [{ kind: ao.kind as FleetAlert['kind'], systemIdentifier: String(ao.systemIdentifier ?? ''), text }];
      })
    : [];
  return {
    self,
    connected: r.connected === true,
    syncedAt: typeof r.syncedAt === 'string' ? r.syncedAt : null,
    ageSeconds: num(r.ageSeconds),
    error: cleanText(r.error),
    sets,
    alerts,
  };
}
