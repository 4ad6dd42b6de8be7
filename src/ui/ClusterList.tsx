// The clusters the command touches, each with its role in words and colour.
import { Box } from 'ink';
import type { ClusterFacts } from '../facts/types.js';
import type { Seen } from './changes.js';
import { ClusterRow } from './ClusterRow.js';
import { Heading } from './theme.js';

export interface ClusterListProps {
  touched: Array<{ dataDir: string; facts: ClusterFacts | null }>;
  baseline: Map<string, Seen>;
  nowMs: number;
}

export function ClusterList({ touched, baseline, nowMs }: ClusterListProps) {
  if (touched.length === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Heading>{touched.length === 1 ? 'Cluster this command touches:' : `Clusters this command touches (${touched.length}):`}</Heading>
      {touched.map((t) => (
        <ClusterRow key={t.dataDir} dataDir={t.dataDir} facts={t.facts} nowMs={nowMs} seenAt={baseline.get(t.dataDir)?.observedAt ?? null} />
      ))}
    </Box>
  );
}
