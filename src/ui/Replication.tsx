// Replication and archiving of each touched cluster: connected standbys, upstream streaming,
// WAL archiving failing.
import { Box } from 'ink';
import type { ClusterFacts } from '../facts/types.js';
import { printable } from './format.js';
import { replicationLines } from './replication-lines.js';
import { Heading, Styled } from './theme.js';

export function Replication({ clusters }: { clusters: ClusterFacts[] }) {
  if (clusters.length === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Heading>Replication and archiving:</Heading>
      <Box flexDirection="column" paddingLeft={2}>
        {clusters.flatMap((c) =>
          replicationLines(c).map((l, i) => (
            <Styled key={`${c.dataDir}:${i}`} tone={l.tone} bold={l.tone === 'danger'} wrap="wrap">
              {`${printable(c.name)}: ${l.text}`}
            </Styled>
          )),
        )}
      </Box>
    </Box>
  );
}
