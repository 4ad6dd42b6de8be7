// Patroni's own view of its cluster, from its REST API (`GET /cluster`): leader, members, their
// roles, lag and the pause state. Read by the watcher and `status`, never by the guard. The
// answer is untrusted: bounded in time and size, each field checked and reduced to a narrow
// charset. Patroni 3 says `master` where 4 says `primary`; both read as the leader.
import type { PatroniView } from '../facts/types.js';
import { safeWord } from './detect.js';

export const REST_TIMEOUT_MS = 3000;
const MAX_BYTES = 64 * 1024;

/** Parse a `/cluster` answer (pure). */
export function parseClusterAnswer(raw: unknown, source: string, at: string): PatroniView {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const list = Array.isArray(o.members) ? o.members.slice(0, 32) : [];
  const members: PatroniView['members'] = [];
  for (const m of list) {
    if (typeof m !== 'object' || m === null) continue;
    const r = m as Record<string, unknown>;
    const name = safeWord(typeof r.name === 'string' ? r.name : null, 48);
    if (!name) continue;
    let role = safeWord(typeof r.role === 'string' ? r.role : null, 24) ?? 'unknown';
    if (role === 'master' || role === 'primary') role = 'leader';
    const lag = typeof r.lag === 'number' && Number.isFinite(r.lag) ? Math.round((r.lag / 1048576) * 10) / 10 : null;
    members.push({ name, role, state: safeWord(typeof r.state === 'string' ? r.state : null, 24) ?? 'unknown', host: safeWord(typeof r.host === 'string' ? r.host : null, 64), lagMb: lag, timeline: typeof r.timeline === 'number' ? r.timeline : null });
  }
  const leader = members.find((m) => m.role === 'leader' || m.role === 'standby_leader')?.name ?? null;
  return { source, at, paused: o.pause === true, leader, members, error: null };
}

/** GET http://RESTAPI/cluster, bounded; a view with `error` when it cannot be read. */
export async function fetchPatroniView(restApi: string, at: string): Promise<PatroniView> {
  const source = `REST ${restApi}`;
  try {
    const r = await fetch(`http://${restApi}/cluster`, { signal: AbortSignal.timeout(REST_TIMEOUT_MS) });
    const text = await r.text();
    if (text.length > MAX_BYTES) throw new Error('answer too large');
    return parseClusterAnswer(JSON.parse(text), source, at);
  } catch (e) {
    return { source, at, paused: false, leader: null, members: [], error: safeWord((e as Error).message.replace(/\s+/g, '_'), 80) ?? 'unreachable' };
  }
}

/** "patroni pgt: m1 leader, m2 replica 0MB, paused" for the prompt (pure, prompt charset). */
export function patroniSegment(scope: string | null, v: PatroniView | null): string {
  if (!v) return '';
  const head = `patroni ${scope ?? '?'}`;
  if (v.error) return `${head} unreachable`;
  const parts = v.members.map((m) => `${m.name} ${m.role === 'leader' ? 'LEADER' : m.role}${m.role !== 'leader' && m.lagMb !== null ? ` lag ${m.lagMb}MB` : ''}${m.state !== 'running' && m.state !== 'streaming' ? ` ${m.state}` : ''}`);
  return `${head}: ${parts.join(', ')}${v.paused ? ', PAUSED' : ''}${v.leader ? '' : ', NO LEADER'}`;
}
