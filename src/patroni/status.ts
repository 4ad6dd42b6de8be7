// Patroni facts for `safeops status`: detection for every cluster, and Patroni's REST view of the
// managed ones (bounded in time). Mutates and returns the host facts.
import type { HostFacts } from '../facts/types.js';
import { patroniFacts, scanPatroni } from './detect.js';
import { fetchPatroniView } from './rest.js';

export async function addPatroniFacts(host: HostFacts): Promise<HostFacts> {
  const scan = scanPatroni();
  await Promise.all(
    host.clusters.map(async (c) => {
      const p = patroniFacts(c, scan);
      if (p?.restApi && p.running !== false) p.view = await fetchPatroniView(p.restApi, new Date().toISOString());
      c.patroni = p;
    }),
  );
  return host;
}

/** One line for the status table. */
export function patroniText(p: NonNullable<HostFacts['clusters'][number]['patroni']>): string {
  const who = `scope ${p.scope ?? '?'}, member ${p.member ?? '?'}, patroni ${p.running === true ? `running (pid ${p.pid})` : p.running === false ? 'NOT running' : 'unknown'}`;
  const v = p.view;
  if (!v) return who;
  if (v.error) return `${who}; REST ${p.restApi}: ${v.error}`;
  const members = v.members.map((m) => `${m.name} ${m.role} ${m.state}${m.lagMb !== null ? ` lag ${m.lagMb} MB` : ''}${m.timeline !== null ? ` TL${m.timeline}` : ''}`).join('; ');
  return `${who}; leader ${v.leader ?? 'NONE'}${v.paused ? ', PAUSED (maintenance)' : ''}; ${members}`;
}
