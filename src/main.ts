// Entry point. Guarded commands take a hand-written fast path (their arguments belong to the
// wrapped tool, byte for byte); everything else goes to the yargs CLI, loaded only then.
import { GUARDED_TOOLS, type GuardedTool } from './command/types.js';
import { EXIT, UsageError } from './util/errors.js';
import { readEdge } from './util/edge.js';
import { trace } from './util/trace.js';
import { runExplain, runGuard, type GuardExit } from './guard/guard.js';
import { guardEdge } from './guard/edge.js';
import { exitLike } from './run/spawn.js';
import { escapeText } from './util/escape.js';

// The build puts package.json's version here (SAFEOPS_RELEASE_VERSION overrides it: scripts/release.mjs).
const VERSION = process.env.SAFEOPS_BUILD_VERSION ?? '0.1.0';

/** Global options that may precede the command: --confirm=HOST / --confirm HOST. */
function splitGlobal(argv: string[]): { confirm: string | null; rest: string[] } {
  let confirm: string | null = null;
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a.startsWith('--confirm=')) confirm = a.slice('--confirm='.length);
    else if (a === '--confirm') {
      if (i + 1 >= argv.length) throw new UsageError('--confirm needs the short host name, e.g. --confirm=db-01');
      confirm = argv[++i]!;
    } else break;
    i++;
  }
  return { confirm, rest: argv.slice(i) };
}

async function main(argv: string[]): Promise<number | GuardExit> {
  trace('main');
  const { confirm, rest } = splitGlobal(argv);
  const cmd = rest[0];
  const edge = readEdge();
  trace('edge');
  const confirmValue = confirm ?? (edge.env.SAFEOPS_CONFIRM || null);
  if (cmd !== undefined && (GUARDED_TOOLS as readonly string[]).includes(cmd)) {
    return runGuard({ mode: 'tool', tool: cmd as GuardedTool, args: rest.slice(1), confirm: confirmValue, selfPath: process.argv[1] ?? null }, guardEdge(edge));
  }
  // mkfs.ext4 ...: read as mkfs, run as typed (issue 9 item 4).
  if (cmd !== undefined && /^mkfs\.[A-Za-z0-9_.-]+$/.test(cmd)) return runGuard({ mode: 'exec', args: rest, confirm: confirmValue, selfPath: process.argv[1] ?? null }, guardEdge(edge));
  if (cmd === 'sudo' || cmd === 'exec') {
    const args = cmd === 'exec' && rest[1] === '--' ? rest.slice(2) : rest.slice(1);
    if (args.length === 0) throw new UsageError(`safeops ${cmd} needs a command, e.g. safeops ${cmd} rm -rf /path`);
    return runGuard({ mode: cmd, args, confirm: confirmValue, selfPath: process.argv[1] ?? null }, guardEdge(edge));
  }
  if (cmd === '__facts') return (await import('./facts/privileged.js')).runFactsChild(edge);
  if (cmd === 'explain') {
    const json = rest[1] === '--json';
    const args = rest.slice(json ? 2 : 1);
    const tool = args[0];
    if (tool === undefined) throw new UsageError('safeops explain needs a command, e.g. safeops explain rm -rf /var/lib/postgresql/15/main');
    const base = { args: args.slice(1), confirm: null, selfPath: process.argv[1] ?? null, json };
    if ((GUARDED_TOOLS as readonly string[]).includes(tool)) return untilWritten(await runExplain({ ...base, mode: 'tool', tool: tool as GuardedTool }, guardEdge(edge)));
    if (tool === 'sudo') return untilWritten(await runExplain({ ...base, mode: 'sudo' }, guardEdge(edge)));
    return untilWritten(await runExplain({ ...base, mode: 'exec', args: tool === 'exec' ? args.slice(1) : args }, guardEdge(edge)));
  }
  if (confirm !== null) throw new UsageError(`--confirm only applies to a guarded command (${GUARDED_TOOLS.join(', ')}, sudo, exec)`);
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(VERSION + '\n');
    return EXIT.ok;
  }
  if (cmd === 'init' && rest.length === 2 && ['bash', 'zsh', 'fish'].includes(rest[1]!)) {
    // `eval "$(safeops init bash)"` runs at every shell start: skip yargs (~45 ms) for it.
    // initOutput never throws for a supported shell: a bad config still yields the guard (docs/shell-routing.md).
    const { loadConfig } = await import('./config/load.js');
    const { initOutput } = await import('./commands/init.js');
    process.stdout.write(initOutput(rest[1]!, { loadConfig: () => loadConfig(edge.env), env: edge.env, stdoutIsTTY: edge.stdoutIsTTY, binPath: process.argv[1] ?? 'safeops' }));
    return EXIT.ok;
  }
  const { runCli } = await import('./cli.js');
  return untilWritten(await runCli(rest, edge, VERSION));
}

/**
 * Wait until what was written to stdout has left the process: process.exit() drops what a pipe
 * did not take yet (a `status --json` of a big host, read by a slow reader, arrived cut at 64 KiB,
 * or empty from the single executable). Not on the guard's path: it never writes to stdout.
 */
async function untilWritten(code: number): Promise<number> {
  const out = process.stdout;
  if (out.writableLength > 0) await new Promise<void>((resolve) => out.write('', () => resolve()));
  return code;
}

main(process.argv.slice(2)).then(
  // The only place safeops leaves: with a code, or (a guarded command) the way its child left.
  (r) => (typeof r === 'number' ? process.exit(r) : exitLike(r)),
  (e: unknown) => {
    // By name, not instanceof: the lazily loaded modules are a separate bundle with their own class.
    if (e instanceof UsageError || (e as Error)?.name === 'UsageError') {
      process.stderr.write(`safeops: ${escapeText((e as Error).message)}\nTry 'safeops --help'.\n`);
      process.exit(EXIT.usage);
    }
    // Fail closed: whatever broke, nothing was run.
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`safeops: internal error, nothing was run: ${escapeText(msg)}\n`);
    if (process.env.SAFEOPS_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exit(EXIT.internal);
  },
);
