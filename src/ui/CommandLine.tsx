// The exact command that would run, shell-quoted on one (wrapped) line.
import { Box } from 'ink';
import { formatCommand } from './format.js';
import { Heading, Styled } from './theme.js';

export function CommandLine({ argv }: { argv: string[] }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Heading>Command:</Heading>
      <Box paddingLeft={2}>
        <Styled bold wrap="wrap">{`$ ${formatCommand(argv)}`}</Styled>
      </Box>
    </Box>
  );
}
