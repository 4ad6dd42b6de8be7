// mv, cp (GNU coreutils), rsync, truncate, shred, dd: the paths they remove or write
// (docs/guarded-tools.md). Writing a file inside a footprint is judged like a restore into it.
import path from 'node:path';
import type { ToolContext, ToolResult } from './context.js';
import { has, lastValue, options, scan, type OptionTable, type Scan } from './getopt.js';
import { looseScan } from './loose-options.js';
import type { Op } from './types.js';

const MV = options({
  short: 'bfinS:t:TuvZ',
  long: [
    'backup?', 'force/f', 'interactive/i', 'no-clobber/n', 'no-copy', 'strip-trailing-slashes', 'suffix=/S', 'target-directory=/t',
    'no-target-directory/T', 'update?', 'verbose/v', 'context?', 'exchange', 'debug', 'help', 'version',
  ],
});

const CP = options({
  short: 'abdfiHlLnPpRrsS:t:TuvxZ',
  long: [
    'archive/a', 'attributes-only', 'backup?', 'copy-contents', 'force/f', 'interactive/i', 'link/l', 'dereference/L', 'no-clobber/n',
    'no-dereference/P', 'preserve?', 'no-preserve=', 'parents', 'recursive/r', 'reflink?', 'remove-destination', 'sparse=',
    'strip-trailing-slashes', 'symbolic-link/s', 'suffix=/S', 'target-directory=/t', 'no-target-directory/T', 'update?', 'verbose/v',
    'one-file-system/x', 'context?', 'debug', 'keep-directory-symlink', 'help', 'version',
  ],
});

/** Where each source lands: DEST itself (inside check) and DEST/basename(SRC) (recursive). */
function landing(sources: string[], dest: string, opts: { intoDir: boolean; parents: boolean; contents?: (s: string) => boolean }): string[] {
  const out: string[] = [];
  for (const s of sources) {
    if (opts.contents?.(s)) out.push(dest);
    else if (opts.parents) out.push(path.posix.join(dest, s));
    else {
      const base = path.posix.basename(s.replace(/\/+$/, ''));
      if (base !== '' && base !== '.' && base !== '..') out.push(path.posix.join(dest, base));
      else out.push(dest);
    }
  }
  return opts.intoDir ? out : [dest];
}

/** mv and cp operands: `SOURCE... DEST` or `-t DIR SOURCE...`; nothing to judge with --help or without both. */
function sourcesAndDest(args: string[], table: OptionTable, tool: 'mv' | 'cp', nothing: string): { s: Scan; sources: string[]; dest: string } | ToolResult {
  const s = scan(args, table);
  if (has(s, 'help', 'version')) return { ops: [], notes: [`${tool} --help / --version ${nothing}`] };
  const target = lastValue(s, 't');
  const sources = target !== undefined ? s.operands : s.operands.slice(0, -1);
  const dest = target ?? s.operands.at(-1);
  if (dest === undefined || sources.length === 0) return { ops: [], notes: [...s.notes, `${tool} needs a source and a destination: it will refuse to run`] };
  return { s, sources, dest };
}

/** `mv [OPTION]... SOURCE... DEST` / `mv -t DIR SOURCE...` / `mv -T SOURCE DEST`. */
export function parseMv(args: string[], _ctx: ToolContext): ToolResult {
  const r = sourcesAndDest(args, MV, 'mv', 'moves nothing');
  if ('ops' in r) return r;
  const { s, sources, dest } = r;
  const ops: Op[] = [{ type: 'remove', paths: sources, recursive: true }];
  const noTarget = has(s, 'T');
  // DEST itself (a file it overwrites, a directory it lands in) and where each source lands.
  ops.push({ type: 'write', paths: [dest], recursive: noTarget, tool: 'mv' });
  if (!noTarget) ops.push({ type: 'write', paths: landing(sources, dest, { intoDir: true, parents: false }), recursive: true, tool: 'mv' });
  // --exchange swaps SOURCE and DEST: DEST leaves its place too.
  if (has(s, 'exchange')) ops.push({ type: 'remove', paths: [dest], recursive: true });
  return { ops, notes: s.notes };
}

/** `cp [OPTION]... SOURCE... DEST`: writes DEST (and below it with -r/-a). */
export function parseCp(args: string[], _ctx: ToolContext): ToolResult {
  const r = sourcesAndDest(args, CP, 'cp', 'copies nothing');
  if ('ops' in r) return r;
  const { s, sources, dest } = r;
  const recursive = has(s, 'r', 'R', 'a');
  const ops: Op[] = [{ type: 'write', paths: [dest], recursive: has(s, 'T') && recursive, tool: 'cp' }];
  if (!has(s, 'T')) ops.push({ type: 'write', paths: landing(sources, dest, { intoDir: true, parents: has(s, 'parents') }), recursive, tool: 'cp' });
  return { ops, notes: s.notes };
}

const RSYNC_VALUE_LONG = new Set([
  'rsh', 'rsync-path', 'block-size', 'backup-dir', 'suffix', 'chmod', 'chown', 'usermap', 'groupmap', 'max-delete', 'max-size', 'min-size',
  'max-alloc', 'partial-dir', 'timeout', 'contimeout', 'modify-window', 'temp-dir', 'compare-dest', 'copy-dest', 'link-dest',
  'compress-choice', 'zc', 'compress-level', 'zl', 'skip-compress', 'filter', 'exclude', 'exclude-from', 'include', 'include-from',
  'files-from', 'address', 'port', 'sockopts', 'out-format', 'log-file', 'log-file-format', 'password-file', 'early-input', 'bwlimit',
  'stop-after', 'stop-at', 'write-batch', 'only-write-batch', 'read-batch', 'protocol', 'iconv', 'checksum-choice', 'cc', 'checksum-seed',
  'info', 'debug', 'outbuf', 'remote-option', 'copy-as', 'config', 'dparam', 'log-format', 'time-limit',
]);
// -e -B -f -M -T -@ take a value (attached or the next word).
const RSYNC_VALUE_SHORT = new Set(['e', 'B', 'f', 'M', 'T', '@']);

/** host:path, host::module, rsync://...: not on this host. */
function isRemote(spec: string): boolean {
  if (spec.startsWith('rsync://')) return true;
  const colon = spec.indexOf(':');
  const slash = spec.indexOf('/');
  return colon > 0 && (slash < 0 || colon < slash);
}

/** `rsync [OPTION]... SRC... DEST`. */
export function parseRsync(args: string[], _ctx: ToolContext): ToolResult {
  const notes: string[] = [];
  const { flags, values, operands } = looseScan(args, { value: (name, long) => (long ? RSYNC_VALUE_LONG : RSYNC_VALUE_SHORT).has(name) });
  if (flags.has('help') || flags.has('version') || flags.has('V')) return { ops: [], notes: ['rsync --help / --version copies nothing'] };
  if (flags.has('n') || flags.has('dry-run')) return { ops: [], notes: ['rsync --dry-run changes nothing'] };
  if (flags.has('list-only') || operands.length < 2) return { ops: [], notes: [...notes, 'rsync with one operand only lists'] };
  const dest = operands.at(-1)!;
  const sources = operands.slice(0, -1);
  const ops: Op[] = [];
  if (!isRemote(dest)) {
    const relative = flags.has('R') || flags.has('relative');
    const lands = landing(sources, dest, { intoDir: true, parents: relative, contents: (src) => src.endsWith('/') && !relative });
    ops.push({ type: 'write', paths: [dest], recursive: false, tool: 'rsync' });
    ops.push({ type: 'write', paths: lands, recursive: true, tool: 'rsync' });
    // --delete and friends remove what the source lacks, below where the sources land.
    if ([...flags].some((f) => f === 'del' || f.startsWith('delete'))) ops.push({ type: 'remove', paths: lands, recursive: true });
  }
  const local = sources.filter((src) => !isRemote(src));
  if ((flags.has('remove-source-files') || flags.has('remove-sent-files')) && local.length > 0) ops.push({ type: 'remove', paths: local, recursive: true });
  for (const [name, v] of values) if (name === 'log-file' || name === 'write-batch' || name === 'only-write-batch') ops.push({ type: 'write', paths: [v ?? ''], recursive: false, tool: 'rsync' });
  return { ops, notes };
}

const TRUNCATE = options({ short: 'cor:s:', long: ['no-create/c', 'io-blocks/o', 'reference=/r', 'size=/s', 'help', 'version'] });

/** `truncate -s SIZE FILE...`: rewrites each file (and a block device named there). */
export function parseTruncate(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, TRUNCATE);
  if (has(s, 'help', 'version') || s.operands.length === 0) return { ops: [], notes: s.notes };
  return { ops: [{ type: 'write', paths: s.operands, recursive: false, tool: 'truncate' }, { type: 'wipe-device', devices: s.operands, tool: 'truncate' }], notes: s.notes };
}

const SHRED = options({ short: 'fn:s:uvxz', long: ['force/f', 'iterations=/n', 'random-source=', 'size=/s', 'remove?/u', 'verbose/v', 'exact/x', 'zero/z', 'help', 'version'] });

/** `shred [-u] FILE...`: destroys each file's content; -u also removes it. */
export function parseShred(args: string[], _ctx: ToolContext): ToolResult {
  const s = scan(args, SHRED);
  const files = s.operands.filter((f) => f !== '-');
  if (has(s, 'help', 'version') || files.length === 0) return { ops: [], notes: s.notes };
  const ops: Op[] = [{ type: 'write', paths: files, recursive: false, tool: 'shred' }, { type: 'wipe-device', devices: files, tool: 'shred' }];
  if (has(s, 'u')) ops.push({ type: 'remove', paths: files, recursive: false });
  return { ops, notes: s.notes };
}

/** `dd if=... of=FILE ...`: writes FILE (a device named there is wiped). */
export function parseDd(args: string[], _ctx: ToolContext): ToolResult {
  if (args.some((a) => a === '--help' || a === '--version')) return { ops: [], notes: ['dd --help / --version writes nothing'] };
  const outs = args.filter((a) => a.startsWith('of=')).map((a) => a.slice(3));
  // dd takes the last of= (GNU: a repeated operand overrides); judge every one.
  if (outs.length === 0) return { ops: [], notes: ['dd without of= writes to its standard output'] };
  return { ops: [{ type: 'write', paths: outs, recursive: false, tool: 'dd' }, { type: 'wipe-device', devices: outs, tool: 'dd' }], notes: [] };
}

