// The split-brain warning for the plain (non-screen) outputs: said only when the standby's upstream
// still answers. The screen runs the same probe live (src/ui/UpstreamCheck.tsx); decide() only
// lists which upstreams to probe, because whether one answers is I/O.
import type { Verdict } from '../policy/types.js';

/** `v` with one warning per upstream that still answers (probed in parallel, bounded). */
export async function withUpstreamWarnings(v: Verdict, timeoutMs = 1500): Promise<Verdict> {
  if (v.promoteUpstreams.length === 0) return v;
  const { probeUpstream } = await import('../facts/upstream.js');
  const probes = await Promise.all(v.promoteUpstreams.map((t) => probeUpstream(t.host, t.port, { timeoutMs })));
  const warnings = [...v.warnings];
  for (const p of probes) {
    if (p.reachable && p.inProduction === true) warnings.push(`The upstream primary still answers and is in production (${p.detail}): promoting makes two primaries (split brain). Stop or fence it first.`);
    else if (p.reachable && p.inProduction === null) warnings.push(`The upstream still answers, role unknown (${p.detail}): it may still be a primary (split brain).`);
  }
  return { ...v, warnings };
}
