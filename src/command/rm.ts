// rm (GNU coreutils): the paths it removes, and whether recursively.
import type { ToolContext, ToolResult } from './context.js';
import { has, options, scan } from './getopt.js';

const RM = options({
  short: 'dfirvIR',
  long: [
    'force/f',
    'interactive?',
    'one-file-system',
    'no-preserve-root',
    'preserve-root?',
    'recursive/r',
    'dir/d',
    'verbose/v',
    'help',
    'version',
    '-presume-input-tty',
  ],
});

/** Parses `rm ARGS`: one remove op naming every operand as given, in order. */
export function parseRm(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, RM);
  if (has(s, 'help', 'version')) return { ops: [], notes: ['rm --help / --version removes nothing'] };
  if (s.operands.length === 0) return { ops: [], notes: [...s.notes, 'rm without operands removes nothing'] };
  const recursive = has(s, 'r', 'R');
  return { ops: [{ type: 'remove', paths: s.operands, recursive }], notes: s.notes };
}
