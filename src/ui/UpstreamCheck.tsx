// The split-brain check for a promotion: is the standby's upstream primary still up and still
// a primary? Promoting then makes two primaries that both accept writes.
import { Box } from 'ink';
import type { ClusterFacts } from '../facts/types.js';
import type { Verdict } from '../policy/types.js';
import { printable } from './format.js';
import type { Tone } from './roles.js';
import { Heading, Styled } from './theme.js';
import type { UpstreamChecks } from './types.js';

export interface UpstreamCheckProps {
  targets: Verdict['promoteUpstreams'];
  checks: UpstreamChecks;
  clusters: ClusterFacts[];
}

/** The words for one check, from "checking" to the verdict on split brain. */
function checkText(host: string | null, port: number | null, key: string, checks: UpstreamChecks): { text: string; tone: Tone | null } {
  const addr = `${host ? printable(host) : '(no host)'}:${port ?? 5432}`;
  if (!(key in checks)) return { text: `upstream ${addr} not checked: make sure it is down before promoting`, tone: 'warn' };
  const p = checks[key];
  if (!p) return { text: `checking upstream ${addr}…`, tone: null };
  if (p.reachable && p.inProduction === true) {
    return { text: 'UPSTREAM PRIMARY IS REACHABLE AND IN PRODUCTION: promoting makes two primaries (split brain)', tone: 'danger' };
  }
  if (p.reachable && p.inProduction === null) {
    return { text: `UPSTREAM ${addr} IS REACHABLE, role unknown: it may still be a primary (split brain). ${printable(p.detail)}`, tone: 'danger' };
  }
  if (p.reachable) return { text: `upstream ${addr} is reachable but itself in recovery (not a primary). ${printable(p.detail)}`, tone: 'warn' };
  return { text: `upstream unreachable from this host (${printable(p.detail)}); it may still be up for others`, tone: 'warn' };
}

export function UpstreamCheck({ targets, checks, clusters }: UpstreamCheckProps) {
  if (targets.length === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Heading>Split-brain check before promoting:</Heading>
      <Box flexDirection="column" paddingLeft={2}>
        {targets.map((t) => {
          const name = clusters.find((c) => c.dataDir === t.dataDir)?.name ?? t.dataDir;
          const { text, tone } = checkText(t.host, t.port, t.dataDir, checks);
          return (
            <Styled key={t.dataDir} tone={tone} bold={tone === 'danger'} wrap="wrap">
              {`${printable(name)}: ${text}`}
            </Styled>
          );
        })}
      </Box>
    </Box>
  );
}
