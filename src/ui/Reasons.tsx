// Why safeops asks: each reason's what and the safer way, and the verdict's extra warnings.
import { Box } from 'ink';
import type { Verdict } from '../policy/types.js';
import { printable } from './format.js';
import { Heading, Styled } from './theme.js';

export function Reasons({ verdict }: { verdict: Verdict }) {
  if (verdict.reasons.length === 0 && verdict.warnings.length === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Heading>{verdict.kind === 'refuse' ? 'Why safeops refuses:' : 'Why safeops asks:'}</Heading>
      <Box flexDirection="column" paddingLeft={2}>
        {verdict.reasons.map((r, i) => (
          <Box key={i} flexDirection="column">
            <Styled wrap="wrap" tone={r.verdict === 'refuse' ? 'danger' : null}>{`- ${printable(r.what)}`}</Styled>
            <Box paddingLeft={2}>
              <Styled wrap="wrap" dim>{`safer: ${printable(r.next)}`}</Styled>
            </Box>
          </Box>
        ))}
        {verdict.warnings.map((w, i) => (
          <Styled key={`w${i}`} tone="warn" bold wrap="wrap">{`WARNING: ${printable(w)}`}</Styled>
        ))}
      </Box>
    </Box>
  );
}
