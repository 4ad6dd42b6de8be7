// What the command would destroy: the paths, and their size while it is being counted.
// The count runs in the background and arrives through props; typing never waits for it.
import { Box } from 'ink';
import type { SizeProgress } from '../facts/size.js';
import type { ClusterFacts } from '../facts/types.js';
import { formatBytes, formatCount, printable } from './format.js';
import { pathLabel } from './targets.js';
import { Heading, Styled, useTheme } from './theme.js';

export interface DestroyedProps {
  paths: string[];
  clusters: ClusterFacts[];
  /** null: not measured (yet); `measuring` says whether a count was started. */
  size: SizeProgress | null;
  measuring: boolean;
}

/** "12,345 files, 3.4 GiB" and what could not be counted. */
function sizeText(p: SizeProgress | null, measuring: boolean, dumb: boolean): string | null {
  if (!p) return measuring ? 'counting…' : null;
  const files = `${formatCount(p.files)} file${p.files === 1 ? '' : 's'}`;
  const skipped = p.skipped > 0 ? ` (${formatCount(p.skipped)} entries could not be read or are gone)` : '';
  if (!p.done) return dumb ? 'counting…' : `counting… ${files} so far (${formatBytes(p.bytes)})${skipped}`;
  return `${files} in ${formatCount(p.dirs)} director${p.dirs === 1 ? 'y' : 'ies'}, ${formatBytes(p.bytes)}${skipped}`;
}

export function Destroyed({ paths, clusters, size, measuring }: DestroyedProps) {
  const { dumb } = useTheme();
  if (paths.length === 0) return null;
  const total = sizeText(size, measuring, dumb);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Heading>Would be destroyed:</Heading>
      <Box flexDirection="column" paddingLeft={2}>
        {paths.map((p) => {
          const label = pathLabel(p, clusters);
          return <Styled key={p} wrap="wrap">{printable(p) + (label ? ` (${label})` : '')}</Styled>;
        })}
        {total ? <Styled tone={size?.done ? 'danger' : null} bold={size?.done === true} wrap="wrap">{total}</Styled> : null}
      </Box>
    </Box>
  );
}
