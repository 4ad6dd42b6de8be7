// wal-g's own dry run of `wal-g delete …`: what it says it would delete, in a window that
// scrolls with the arrow keys (long lines are cut, not wrapped, so the window keeps its height).
import { Box } from 'ink';
import { formatCommand, outputLines } from './format.js';
import { Heading, Styled, useTheme } from './theme.js';
import type { DryRunState } from './types.js';

export interface DryRunProps {
  state: DryRunState | null;
  /** First line shown (clamped here). */
  scroll: number;
  /** Lines in the window. */
  height: number;
}

export function DryRun({ state, scroll, height }: DryRunProps) {
  const { plain } = useTheme();
  if (!state) return null;
  const title = `wal-g's own dry run (${formatCommand(state.argv)}):`;
  if (state.status === 'running') {
    return (
      <Box flexDirection="column" marginTop={1}>
        <Heading>{title}</Heading>
        <Box paddingLeft={2}><Styled>running the dry run…</Styled></Box>
      </Box>
    );
  }
  const lines = outputLines(state.output);
  const first = Math.max(0, Math.min(scroll, lines.length - height));
  const shown = lines.slice(first, first + height);
  const failed = state.exitCode !== 0;
  const arrows = plain ? 'Up/Down, PgUp/PgDn' : '↑/↓, PgUp/PgDn';
  const range = lines.length > height ? `lines ${first + 1}-${first + shown.length} of ${lines.length} (${arrows} to scroll)` : null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Heading>{title}</Heading>
      <Box flexDirection="column" paddingLeft={2}>
        {failed ? (
          <Styled tone="danger" bold wrap="wrap">
            {`THE DRY RUN FAILED (${state.exitCode === null ? 'did not finish' : `exit ${state.exitCode}`}): you cannot see what would be deleted`}
          </Styled>
        ) : null}
        {shown.map((l, i) => (
          <Styled key={first + i} wrap="truncate-end">{l === '' ? ' ' : l}</Styled>
        ))}
        {lines.length === 0 || (lines.length === 1 && lines[0] === '') ? <Styled dim>(no output)</Styled> : null}
        {range ? <Styled dim wrap="wrap">{range}</Styled> : null}
      </Box>
    </Box>
  );
}
