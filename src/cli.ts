// The management CLI (yargs): status, init, watch, demo, config. Guarded commands never get
// here (main.ts hands them to the guard with their arguments untouched).
import yargs from 'yargs';
import { loadConfig } from './config/load.js';
import { formatConfigProblems } from './config/schema.js';
import type { Edge } from './util/edge.js';
import { UsageError } from './util/errors.js';
import { GUARDED_TOOLS } from './command/types.js';

/** The guarded commands and exit codes, laid out for a terminal `width` columns wide. */
export function guardHelp(width: number): string {
  const entries: Array<[string, string]> = [
    ['safeops [--confirm=HOST] TOOL ARGS...', 'TOOL: one of the guarded tools below'],
    ['safeops [--confirm=HOST] sudo SUDO-ARGS...', 'see through sudo, env, time, nice, ...'],
    ['safeops [--confirm=HOST] exec ARGV...', 'any command line'],
    ['safeops explain [--json] COMMAND...', 'what safeops would decide, nothing run'],
  ];
  const lines = wrapWords('Guarded commands (arguments passed on byte for byte):', width, '', '');
  const col = Math.max(...entries.map(([u]) => u.length)) + 4;
  // Two columns when every entry fits, else each description under its usage.
  const columns = entries.every(([, what]) => 2 + col + what.length <= width);
  for (const [usage, what] of entries) {
    if (columns) lines.push(`  ${usage.padEnd(col)}${what}`);
    else lines.push(...wrapWords(usage, width, '  ', '      '), ...wrapWords(what, width, '      ', '      '));
  }
  lines.push('', ...wrapWords(`Guarded tools: ${GUARDED_TOOLS.join(', ')}.`, width, '', '  '), '');
  const codes =
    "Exit codes: the command's own after it ran; 77 refused; 1 confirmation declined; 130 interrupted; 2 bad usage; 70 safeops failed. Nothing ran in the last five cases.";
  lines.push(...wrapWords(codes, width, '', ''));
  return lines.join('\n');
}

/** Words joined into lines of at most `width` columns (a longer word stands alone). */
function wrapWords(text: string, width: number, first: string, rest: string): string[] {
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = rest;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  out.push(line);
  return out;
}

export async function runCli(argv: string[], edge: Edge, version: string): Promise<number> {
  let code = 0;
  const loaded = loadConfig(edge.env);
  const width = Math.min(100, process.stdout.columns || 80);
  const parser = yargs(argv)
    .scriptName('safeops')
    .usage('safeops — a safety net for PostgreSQL hosts\n\nUsage: safeops <command> [options]')
    .command(
      'status',
      'list the clusters on this host with their live roles',
      (y) =>
        y
          .option('json', { type: 'boolean', default: false, describe: 'machine-readable output (schema safeops.status/1)' })
          .option('fleet', { type: 'boolean', default: false, describe: 'every member of every local replication set on every host (etcd, see docs/fleet.md)' }),
      async (a) => {
        for (const line of formatConfigProblems(loaded)) process.stderr.write((await import('./util/escape.js')).escapeText(line) + '\n');
        const { runStatus } = await import('./commands/status.js');
        code = await runStatus({ json: Boolean(a.json), fleet: Boolean(a.fleet) }, loaded, edge);
      },
    )
    .command(
      'doctor [clusters..]',
      'check each cluster before maintenance, a failover or a restore: role, archiving, replication, slots, WAL/disk, backups, tool versions (exit 0 ok, 1 warning, 2 failure)',
      (y) =>
        y
          .positional('clusters', { type: 'string', array: true, describe: 'cluster names (15/main) or data directories; default: all' })
          .option('json', { type: 'boolean', default: false, describe: 'machine-readable output (schema safeops.doctor/1, docs/doctor.md)' })
          .option('probe', { type: 'boolean', default: false, describe: 'on primaries: pg_switch_wal() and wait until that segment is archived (the only change doctor makes)' })
          .option('probe-timeout', { type: 'number', default: 60, describe: 'seconds to wait for the probe segment' })
          .option('backup-max-age', { type: 'number', default: 26, describe: 'hours: an older newest backup is a warning' }),
      async (a) => {
        for (const line of formatConfigProblems(loaded)) process.stderr.write(line + '\n');
        const { runDoctor } = await import('./commands/doctor.js');
        code = await runDoctor({ json: Boolean(a.json), probe: Boolean(a.probe), probeTimeoutMs: Number(a['probe-timeout']) * 1000, clusters: ((a.clusters as string[] | undefined) ?? []).map(String), backupMaxAgeHours: Number(a['backup-max-age']) }, loaded, edge);
      },
    )
    .command(
      'init [shell]',
      'print the shell integration (eval "$(safeops init bash)")',
      (y) => y.positional('shell', { type: 'string', choices: ['bash', 'zsh', 'fish'], describe: 'bash, zsh or fish' }),
      async (a) => {
        if (a.shell === undefined) {
          throw new UsageError('init: name your shell: bash, zsh or fish, e.g. eval "$(safeops init bash)" in ~/.bashrc, or safeops init fish | source');
        }
        const { initOutput } = await import('./commands/init.js');
        process.stdout.write(initOutput(String(a.shell), { loadConfig: () => loaded, env: edge.env, stdoutIsTTY: edge.stdoutIsTTY, binPath: process.argv[1] ?? 'safeops' }));
      },
    )
    .command(
      'watch',
      'keep the state dir current for prompts and terminals (the resident watcher)',
      (y) =>
        y.options({
          'state-dir': { type: 'string', describe: 'publish here (default: SAFEOPS_STATE_DIR, else /run/safeops as root, else $XDG_RUNTIME_DIR/safeops)' },
          user: { type: 'boolean', default: false, describe: "this user's watcher: $XDG_RUNTIME_DIR/safeops, private modes" },
          once: { type: 'boolean', default: false, describe: 'gather, publish once, exit' },
          interval: { type: 'number', describe: 'milliseconds between SQL polls (overrides config watch.sqlIntervalMs)' },
          daemon: { type: 'boolean', default: false, describe: 'start a detached watcher (no systemd): one per state dir, pid in STATE/watch.pid, logs to --log' },
          stop: { type: 'boolean', default: false, describe: 'stop the watcher of the state dir' },
          status: { type: 'boolean', default: false, describe: 'exit 0 if a --daemon watcher runs, 1 if another watcher does, 3 if none' },
          log: { type: 'string', describe: 'the --daemon log file (default /var/log/safeops/watch.log as root, else ~/.local/state/safeops/watch.log)' },
          'daemon-child': { type: 'boolean', hidden: true },
        }),
      async (a) => {
        const { runWatchCommand } = await import('./commands/watch.js');
        code = await runWatchCommand({ stateDir: a['state-dir'] as string | undefined, user: Boolean(a.user), once: Boolean(a.once), intervalMs: a.interval as number | undefined, daemon: Boolean(a.daemon), stop: Boolean(a.stop), status: Boolean(a.status), log: a.log as string | undefined, daemonChild: Boolean(a['daemon-child']) }, edge);
      },
    )
    .command(
      'demo',
      'a disposable primary + streaming standby, a watcher and a shell to try safeops on; all removed on exit',
      (y) =>
        y.options({
          shell: { type: 'string', describe: 'bash, zsh or fish (default: $SHELL if one of them, else bash); --no-shell prints NAME=VALUE lines and READY, then waits for SIGTERM/SIGINT' },
          keep: { type: 'boolean', default: false, describe: 'on exit stop the servers and the watcher but keep the files (debugging)' },
          reap: { type: 'string', hidden: true },
        }),
      async (a) => {
        const { runDemo } = await import('./commands/demo.js');
        code = await runDemo({ shell: a.shell as string | false | undefined, keep: Boolean(a.keep), reap: a.reap as string | undefined }, edge);
      },
    )
    .command(
      'config <action> [key] [value]',
      'show or change the configuration (path | get [KEY] | set KEY VALUE | unset KEY)',
      (y) =>
        y
          .positional('action', { type: 'string', choices: ['path', 'get', 'set', 'unset'] })
          .positional('key', { type: 'string' })
          .positional('value', { type: 'string' })
          .option('system', { type: 'boolean', describe: 'the system file /etc/safeops/config.json (default for root)' })
          .option('user', { type: 'boolean', describe: "the user's file ~/.config/safeops/config.json (default for others)" }),
      async (a) => {
        const { runConfig } = await import('./commands/config.js');
        code = await runConfig({ action: String(a.action), key: a.key as string | undefined, value: a.value as string | undefined, system: a.system as boolean | undefined, user: a.user as boolean | undefined }, loaded, edge);
      },
    )
    .command(
      'completions <shell>',
      'print the completion script for bash, zsh or fish (packages install it already)',
      (y) => y.positional('shell', { type: 'string', choices: ['bash', 'zsh', 'fish'] }),
      async (a) => {
        const { renderCompletion } = await import('./shell/completions.js');
        process.stdout.write(renderCompletion(a.shell as 'bash' | 'zsh' | 'fish'));
      },
    )
    .epilogue(guardHelp(width))
    .demandCommand(1, 'Name a command (safeops --help lists them).')
    .recommendCommands()
    .strict()
    .version(version)
    .help()
    .wrap(width)
    .fail((msg, err) => {
      // Validation problems become a clear usage error; real errors keep their own type.
      if (err) throw err;
      throw new UsageError(msg || 'bad usage');
    });
  await parser.parseAsync();
  return code;
}
