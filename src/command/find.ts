// find(1) (GNU findutils): -delete removes under the start paths; -exec/-execdir/-ok/-okdir run a
// command of their own on every file under them (read like any command line, made recursive).
import type { ToolContext, ToolResult } from './context.js';
import { unwrapPrefixes } from './prefixes.js';
import { firstGuardedWord } from './shell-words.js';
import { TOOL_PARSERS } from './tools.js';
import type { Op } from './types.js';
import { guardedToolOf } from './words.js';

// Primaries taking one argument (two for -fprintf), and those taking none.
const ONE_ARG = new Set([
  '-name', '-iname', '-path', '-ipath', '-wholename', '-iwholename', '-regex', '-iregex', '-lname', '-ilname', '-type', '-xtype', '-user',
  '-group', '-uid', '-gid', '-perm', '-size', '-mtime', '-atime', '-ctime', '-mmin', '-amin', '-cmin', '-newer', '-anewer', '-cnewer',
  '-samefile', '-inum', '-links', '-maxdepth', '-mindepth', '-fstype', '-used', '-context', '-printf', '-regextype', '-files0-from',
]);
const NO_ARG = new Set([
  '-print', '-print0', '-ls', '-prune', '-quit', '-depth', '-d', '-mount', '-xdev', '-noleaf', '-ignore_readdir_race',
  '-noignore_readdir_race', '-follow', '-daystart', '-empty', '-executable', '-readable', '-writable', '-nouser', '-nogroup', '-true',
  '-false', '-a', '-and', '-o', '-or', '-not', '!', '(', ')', ',', '-warn', '-nowarn', '-help', '--help', '-version', '--version',
]);
const WRITE_FILE = new Set(['-fprint', '-fprint0', '-fls', '-fprintf']);
const EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** `find [-H|-L|-P] [-D opts] [-Olevel] [PATH...] [EXPRESSION]`. */
export function parseFind(args: string[], ctx: ToolContext): ToolResult {
  const notes: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-H' || a === '-L' || a === '-P' || /^-O\d*$/.test(a)) continue;
    if (a === '-D') {
      i++;
      continue;
    }
    if (a === '--') {
      i++;
    }
    break;
  }
  const starts: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-') || a === '(' || a === '!' || a === ',') break;
    starts.push(a);
  }
  if (starts.length === 0) starts.push('.');
  const expr = args.slice(i);
  if (expr.includes('-help') || expr.includes('--help') || expr.includes('-version') || expr.includes('--version')) return { ops: [], notes: ['find --help / --version runs nothing'] };
  const ops: Op[] = [];
  for (let k = 0; k < expr.length; k++) {
    const a = expr[k]!;
    if (a === '-delete') {
      ops.push({ type: 'remove', paths: starts, recursive: true });
    } else if (EXEC.has(a)) {
      const cmd: string[] = [];
      let end = k + 1;
      for (; end < expr.length; end++) {
        const w = expr[end]!;
        if (w === ';' || (w === '+' && expr[end - 1] === '{}')) break;
        cmd.push(w);
      }
      if (end >= expr.length) notes.push(`find: ${a} without a terminating ; or + (find will refuse it)`);
      ops.push(...execOps(cmd, starts, a, ctx, notes));
      k = end;
    } else if (WRITE_FILE.has(a)) {
      const f = expr[k + 1];
      if (f !== undefined) ops.push({ type: 'write', paths: [f], recursive: false, tool: `find ${a}` });
      k += a === '-fprintf' ? 2 : 1;
    } else if (ONE_ARG.has(a) || /^-newer[abcmBt]{2}$/.test(a)) {
      k += 1;
    } else if (NO_ARG.has(a)) {
      // a test or operator
    } else if (a.startsWith('-')) {
      const tool = firstGuardedWord(expr.slice(k).join(' '));
      if (tool !== null) {
        ops.push({ type: 'opaque', why: `find: unknown expression ${a} before a word that names ${tool}; safeops cannot tell what it runs` });
        break;
      }
      notes.push(`find: unknown expression ${a}`);
    }
  }
  return { ops, notes };
}

/** The ops of `-exec CMD ... ;` on every file under the start paths: `{}` is each start path, and recursively below it. */
function execOps(cmd: string[], starts: string[], how: string, ctx: ToolContext, notes: string[]): Op[] {
  if (cmd.length === 0) return [];
  const out: Op[] = [];
  for (const start of starts) {
    const argv = cmd.map((w) => w.split('{}').join(start));
    const u = unwrapPrefixes(argv, ctx.env);
    if (u.opaque !== null) {
      out.push({ type: 'opaque', why: `find ${how}: ${u.opaque.why}` });
      continue;
    }
    const tool = u.innerArgv.length > 0 ? guardedToolOf(u.innerArgv[0]!) : null;
    if (tool === null) continue;
    const r = TOOL_PARSERS[tool](u.innerArgv.slice(1), { env: u.env, envUnknown: u.envOpen || ctx.envUnknown, argv0: u.innerArgv[0]! });
    notes.push(...r.notes.map((n) => `find ${how}: ${n}`));
    for (const op of r.ops) {
      // Every file below the start path, the start path included.
      if (op.type === 'remove') out.push({ ...op, recursive: true });
      else if (op.type === 'write') out.push({ ...op, recursive: true });
      else out.push(op);
    }
    if (u.hidden !== null || u.cwdUnknown !== null) out.push({ type: 'opaque', why: `find ${how}: ${u.hidden ?? u.cwdUnknown}` });
  }
  return out;
}
