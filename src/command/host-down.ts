// reboot, shutdown, poweroff, halt (systemd): the whole host goes down, every cluster with it.
import type { ToolContext, ToolResult } from './context.js';
import { programName } from './words.js';

/** `reboot|poweroff|halt [OPTIONS] [ARG]`, `shutdown [OPTIONS] [TIME] [WALL...]`. */
export function parseHostDown(args: string[], ctx: ToolContext): ToolResult {
  const tool = programName(ctx.argv0 ?? 'reboot');
  const flags = args.filter((a) => a.startsWith('-'));
  if (flags.some((a) => a === '--help' || a === '--version')) return { ops: [], notes: [`${tool} --help / --version changes nothing`] };
  if (flags.some((a) => a === '-w' || a === '--wtmp-only')) return { ops: [], notes: [`${tool} --wtmp-only only writes a wtmp record`] };
  if (tool === 'shutdown') {
    if (flags.some((a) => a === '-c' || a === '--show' || (/^-[^-]/.test(a) && a.includes('c')))) return { ops: [], notes: ['shutdown -c / --show changes nothing now'] };
    if (flags.some((a) => a === '-k' || (/^-[^-]/.test(a) && a.includes('k')))) return { ops: [], notes: ['shutdown -k only sends the warning'] };
  }
  return { ops: [{ type: 'host-down', what: [tool, ...args].join(' ') }], notes: [] };
}
