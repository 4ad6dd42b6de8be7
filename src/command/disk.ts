// umount (util-linux), mkfs / mkfs.* / wipefs: file systems and devices under a footprint.
import type { ToolContext, ToolResult } from './context.js';
import { has, options, scan } from './getopt.js';

const UMOUNT = options({
  short: 'acdfilnN:O:qrRt:vVh',
  long: [
    'all/a', 'all-targets/A', 'no-canonicalize/c', 'detach-loop/d', 'fake', 'force/f', 'internal-only/i', 'no-mtab/n', 'lazy/l',
    'namespace=/N', 'test-opts=/O', 'quiet/q', 'read-only/r', 'recursive/R', 'types=/t', 'verbose/v', 'version/V', 'help/h',
  ],
});

/** `umount [-R] [-l] TARGET...` / `umount -a`. */
export function parseUmount(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, UMOUNT);
  if (has(s, 'h', 'V')) return { ops: [], notes: ['umount --help / --version unmounts nothing'] };
  if (has(s, 'fake')) return { ops: [], notes: ['umount --fake unmounts nothing'] };
  const all = has(s, 'a');
  if (!all && s.operands.length === 0) return { ops: [], notes: [...s.notes, 'umount without a target: it will refuse to run'] };
  // -A (all targets) unmounts every mount point of the file system: judged like -R.
  return { ops: [{ type: 'unmount', targets: s.operands, recursive: has(s, 'R', 'A'), all }], notes: s.notes };
}

/** `mkfs [-t TYPE] [fs-options] DEVICE [SIZE]`, `mkfs.TYPE ... DEVICE`: every operand that may be the device. */
export function parseMkfs(args: string[], _ctx: ToolContext): ToolResult {
  if (args.some((a) => a === '-V' || a === '--version' || a === '-h' || a === '--help') && args.filter((a) => !a.startsWith('-')).length === 0) {
    return { ops: [], notes: ['mkfs --help / --version makes nothing'] };
  }
  // Option syntaxes differ per file system: every non-option word is judged as a device (a size or a label is no device).
  const devices = args.filter((a) => !a.startsWith('-'));
  if (devices.length === 0) return { ops: [], notes: ['mkfs without a device: it will refuse to run'] };
  return { ops: [{ type: 'wipe-device', devices, tool: 'mkfs' }], notes: [] };
}

const WIPEFS = options({
  short: 'abfhiJno:O:pqt:V',
  long: ['all/a', 'backup?/b', 'force/f', 'help/h', 'noheadings/i', 'json/J', 'lock?', 'no-act/n', 'offset=/o', 'output=/O', 'parsable/p', 'quiet/q', 'types=/t', 'version/V'],
});

/** `wipefs [-a | -o OFFSET] DEVICE...`: without -a/-o it only lists signatures. */
export function parseWipefs(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, WIPEFS);
  if (has(s, 'h', 'V')) return { ops: [], notes: ['wipefs --help / --version wipes nothing'] };
  if (has(s, 'n')) return { ops: [], notes: ['wipefs --no-act wipes nothing'] };
  if (!has(s, 'a', 'o') || s.operands.length === 0) return { ops: [], notes: ['wipefs without -a / -o only lists signatures'] };
  return { ops: [{ type: 'wipe-device', devices: s.operands, tool: 'wipefs' }], notes: s.notes };
}
