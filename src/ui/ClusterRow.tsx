// One touched cluster: name and role in words and colour, where it lives, and how and when
// its role was observed.
import { Box } from 'ink';
import type { ClusterFacts } from '../facts/types.js';
import { clockTime, formatAge, printable } from './format.js';
import { describeRole, sourceWords } from './roles.js';
import { Styled, useTheme } from './theme.js';

export interface ClusterRowProps {
  dataDir: string;
  facts: ClusterFacts | null;
  nowMs: number;
  /** Observation time shown on TERM=dumb (from when the operator last saw a change). */
  seenAt: string | null;
}

/** "observed 3 s ago (03:12:04)", or on a dumb terminal a fixed time that does not tick. */
function when(f: ClusterFacts, nowMs: number, dumb: boolean, seenAt: string | null): string {
  if (dumb) return `observed ${clockTime(seenAt ?? f.observedAt)}, re-checked every second`;
  return `observed ${formatAge(f.observedAt, nowMs)} (${clockTime(f.observedAt)})`;
}

export function ClusterRow({ dataDir, facts, nowMs, seenAt }: ClusterRowProps) {
  const { dumb } = useTheme();
  if (!facts) {
    return (
      <Box flexDirection="column" paddingLeft={2}>
        <Styled tone="danger" bold wrap="wrap">{`${printable(dataDir)}  UNKNOWN — treated as primary (no facts could be read)`}</Styled>
      </Box>
    );
  }
  const role = describeRole(facts);
  const where = [printable(facts.dataDir), facts.version ? `PostgreSQL ${facts.version}` : null, facts.pid ? `pid ${facts.pid}` : null, facts.port ? `port ${facts.port}` : null,
    facts.running !== true && facts.pgControlState ? `pg_control: ${printable(facts.pgControlState)}` : null];
  return (
    <Box flexDirection="column" paddingLeft={2}>
      <Styled wrap="wrap">
        <Styled bold>{printable(facts.name)}</Styled>
        {'  '}
        <Styled tone={role.tone} bold>{role.words}</Styled>
      </Styled>
      <Box paddingLeft={2} flexDirection="column">
        <Styled wrap="wrap">{where.filter(Boolean).join(', ')}</Styled>
        <Styled wrap="wrap" dim>{`role from ${sourceWords(facts)}: ${printable(facts.roleDetail)}; ${when(facts, nowMs, dumb, seenAt)}`}</Styled>
        {facts.problems.slice(0, 2).map((p, i) => (
          <Styled key={i} tone="warn" wrap="wrap">{`note: ${printable(p)}`}</Styled>
        ))}
      </Box>
    </Box>
  );
}
