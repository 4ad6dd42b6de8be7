// The question and the answer being typed; after the end, what happened (nothing ran yet).
import { Box } from 'ink';
import { printable } from './format.js';
import { Styled, useTheme } from './theme.js';
import type { ConfirmationResult } from './types.js';

export interface PromptProps {
  expected: string[];
  typed: string[];
  buffer: string;
  result: ConfirmationResult | null;
}

/** The question for step `i`: the host name first, then each cluster name. */
export function question(expected: string[], i: number): string {
  const steps = expected.length > 1 ? `Step ${i + 1} of ${expected.length}: ` : '';
  const want = printable(expected[i] ?? '');
  return i === 0
    ? `${steps}Type the host name (${want}) to run it, anything else cancels: `
    : `${steps}Type the cluster name (${want}) to run it, anything else cancels: `;
}

/** What the screen says once it is over. */
function outcomeText(r: ConfirmationResult): string {
  switch (r.outcome) {
    case 'confirmed':
      return 'Confirmed. safeops reads the facts once more, then runs the command.';
    case 'declined':
      return `Not confirmed (you typed "${printable(r.typed[r.typed.length - 1] ?? '')}"): nothing was run.`;
    case 'interrupted':
      return 'Interrupted: nothing was run.';
    case 'refused':
      return 'REFUSED: nothing was run.';
  }
}

export function Prompt({ expected, typed, buffer, result }: PromptProps) {
  const { plain, dumb } = useTheme();
  const cursor = dumb ? '' : plain ? '_' : <Styled inverse> </Styled>;
  return (
    <Box flexDirection="column" marginTop={1}>
      {expected.length > 1 ? (
        <Styled wrap="wrap">{`Strong confirmation: type the host name, then the cluster name${expected.length > 2 ? 's one by one' : ''}.`}</Styled>
      ) : null}
      {typed.map((t, i) => (
        <Styled key={i} tone="ok" wrap="wrap">{`${question(expected, i)}${printable(t)}  (ok)`}</Styled>
      ))}
      {result ? (
        <Styled bold tone={result.outcome === 'confirmed' ? 'ok' : 'danger'} wrap="wrap">{outcomeText(result)}</Styled>
      ) : (
        <Styled bold wrap="wrap">
          {question(expected, typed.length)}
          <Styled tone="info">{printable(buffer)}</Styled>
          {cursor}
        </Styled>
      )}
    </Box>
  );
}
