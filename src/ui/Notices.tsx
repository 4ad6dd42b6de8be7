// Changes seen while the screen was open (ROLE CHANGED...), shown above everything but the host.
import { Box } from 'ink';
import type { Notice } from './state.js';
import { Styled } from './theme.js';

export function Notices({ notices }: { notices: Notice[] }) {
  if (notices.length === 0) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      {notices.map((n, i) => (
        <Styled key={i} tone="danger" bold inverse={i === notices.length - 1} wrap="wrap">
          {n.text}
        </Styled>
      ))}
    </Box>
  );
}
