// Entry points: argv as safeops received it -> ParsedCommand (pure: the environment is passed in).
import type { Env } from './context.js';
import { unwrapPrefixes, type Unwrapped } from './prefixes.js';
import { TOOL_PARSERS } from './tools.js';
import type { GuardedTool, Op, ParsedCommand } from './types.js';
import { guardedToolOf } from './words.js';
import { UsageError } from '../util/errors.js';

export type { Env } from './context.js';

/** `safeops <tool> args...`: the arguments are the tool's own. */
export function parseGuarded(tool: GuardedTool, args: string[], env: Env): ParsedCommand {
  const argv = [tool, ...args];
  const r = TOOL_PARSERS[tool]([...args], { env, envUnknown: false, argv0: tool });
  return { tool, argv, innerArgv: [...argv], cwd: null, envOverrides: {}, envUnknown: false, ops: r.ops, notes: r.notes };
}

/** `safeops sudo args...`: sudo's own arguments. */
export function parseSudo(args: string[], env: Env, homeOf?: (user: string) => string | null): ParsedCommand {
  return parseExec(['sudo', ...args], env, homeOf);
}

/** `safeops exec argv...`: any command line, seen through its prefixes. */
export function parseExec(argv: string[], env: Env, homeOf?: (user: string) => string | null): ParsedCommand {
  if (argv.length === 0) throw new UsageError('safeops exec needs a command: safeops exec COMMAND [ARGS...]');
  const u = unwrapPrefixes(argv, env, homeOf);
  const base = { argv: [...argv], innerArgv: u.innerArgv, cwd: u.cwd, envOverrides: u.envOverrides, envUnknown: u.envUnknown, notes: u.notes };
  if (u.opaque !== null) return { ...base, tool: u.opaque.tool, ops: [{ type: 'opaque', why: u.opaque.why }] };
  const tool = u.innerArgv.length > 0 ? guardedToolOf(u.innerArgv[0]!) : null;
  if (tool === null) return { ...base, tool: null, ops: [] };
  const r = TOOL_PARSERS[tool](u.innerArgv.slice(1), { env: u.env, envUnknown: u.envOpen, argv0: u.innerArgv[0]! });
  return { ...base, tool, ops: [...r.ops, ...blindSpots(r.ops, u)], notes: [...u.notes, ...r.notes] };
}

/** Opaque ops for what the prefixes hide from safeops: a chroot, or relative paths from an unknown directory. */
function blindSpots(ops: Op[], u: Unwrapped): Op[] {
  if (ops.length === 0) return [];
  const out: Op[] = [];
  if (u.hidden !== null) out.push({ type: 'opaque', why: `${u.hidden}; safeops cannot see the paths and clusters it acts on` });
  const relative = relativePaths(ops);
  if (u.cwdUnknown !== null && relative.length > 0) {
    out.push({ type: 'opaque', why: `${u.cwdUnknown}; safeops cannot tell where ${relative.join(', ')} ${relative.length === 1 ? 'is' : 'are'}` });
  }
  return out;
}

/** Path targets of the ops that are relative to the working directory. */
function relativePaths(ops: Op[]): string[] {
  const paths: string[] = [];
  for (const op of ops) {
    if (op.type === 'remove') paths.push(...op.paths);
    if (op.type === 'write-into') for (const d of op.dests) if (d.kind === 'path') paths.push(d.path);
    if (op.type === 'stop' || op.type === 'kill' || op.type === 'promote') for (const r of op.refs) if (r.kind === 'path') paths.push(r.path);
    if (op.type === 'write' || op.type === 'wal-fetch') paths.push(...op.paths);
    if (op.type === 'offline') for (const r of op.refs) if (r.kind === 'path') paths.push(r.path);
    if (op.type === 'unmount') paths.push(...op.targets);
    if (op.type === 'wipe-device') paths.push(...op.devices);
  }
  return paths.filter((p) => !p.startsWith('/'));
}
