// The host name, first and large: a full-width banner nobody can misread (matrix.org, GitLab:
// the right command on the wrong host). Coloured by the most dangerous role it shows.
import { Box } from 'ink';
import { printable } from './format.js';
import type { Tone } from './roles.js';
import { Styled, useTheme } from './theme.js';

export interface HostBannerProps {
  host: string;
  shortHost: string;
  columns: number;
  tone: Tone;
}

/** Pad to the full width so the inverse block spans the terminal. */
function pad(s: string, columns: number): string {
  return s.length >= columns ? s : s + ' '.repeat(columns - s.length);
}

export function HostBanner({ host, shortHost, columns, tone }: HostBannerProps) {
  const { plain } = useTheme();
  const full = host && host !== shortHost ? `  (${printable(host)})` : '';
  const label = `  HOST ${printable(shortHost)}`;
  const line = label.length + full.length <= columns ? label + full : label;
  if (plain) {
    const rule = '='.repeat(columns);
    return (
      <Box flexDirection="column">
        <Styled>{rule}</Styled>
        <Styled wrap="wrap">{line}</Styled>
        <Styled>{rule}</Styled>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Styled inverse bold tone={tone}>{pad('', columns)}</Styled>
      <Styled inverse bold tone={tone} wrap="wrap">{pad(line, columns)}</Styled>
      <Styled inverse bold tone={tone}>{pad('', columns)}</Styled>
    </Box>
  );
}
