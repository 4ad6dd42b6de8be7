// The management CLI (yargs): status, init, watch, demo, config. Guarded commands never get
// here (main.ts hands them to the guard with their arguments untouched).
import yargs from 'yargs';
import { loadConfig } from './config/load.js';
import { formatConfigProblems } from './config/schema.js';
import type { Edge } from './util/edge.js';
import { UsageError } from './util/errors.js';

const GUARD_HELP = `Guarded commands (arguments passed on byte for byte):
  safeops [--confirm=HOST] rm|pg_ctl|pg_ctlcluster|wal-g|pgbackrest|pg_basebackup|systemctl ARGS...
  safeops [--confirm=HOST] sudo SUDO-ARGS...     see through sudo, env, time, nice, ...
  safeops [--confirm=HOST] exec ARGV...          any command line
  safeops explain [--json] COMMAND...            what safeops would decide, nothing run

Exit codes: the command's own after it ran; 77 refused; 1 confirmation declined;
130 interrupted; 2 bad usage; 70 safeops failed. Nothing ran in the last five cases.`;

export async function runCli(argv: string[], edge: Edge, version: string): Promise<number> {
  let code = 0;
  const loaded = loadConfig(edge.env);
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
        for (const line of formatConfigProblems(loaded)) process.stderr.write(line + '\n');
        const { runStatus } = await import('./commands/status.js');
        code = await runStatus({ json: Boolean(a.json), fleet: Boolean(a.fleet) }, loaded, edge);
      },
    )
    .command(
      'init <shell>',
      'print the shell integration (eval "$(safeops init bash)")',
      (y) => y.positional('shell', { type: 'string', choices: ['bash', 'zsh', 'fish'], describe: 'bash, zsh or fish' }),
      async (a) => {
        const { initScript } = await import('./commands/init.js');
        process.stdout.write(initScript(String(a.shell), { config: loaded.config, env: edge.env, stdoutIsTTY: edge.stdoutIsTTY, binPath: process.argv[1] ?? 'safeops' }));
      },
    )
    .command(
      'watch',
      'keep the state dir current for prompts and terminals (the resident watcher)',
      (y) =>
        y
          .option('state-dir', { type: 'string', describe: 'publish here (default: SAFEOPS_STATE_DIR, else /run/safeops as root, else $XDG_RUNTIME_DIR/safeops)' })
          .option('user', { type: 'boolean', default: false, describe: "this user's watcher: $XDG_RUNTIME_DIR/safeops, private modes" })
          .option('once', { type: 'boolean', default: false, describe: 'gather, publish once, exit' })
          .option('interval', { type: 'number', describe: 'milliseconds between SQL polls (overrides config watch.sqlIntervalMs)' }),
      async (a) => {
        const { runWatchCommand } = await import('./commands/watch.js');
        code = await runWatchCommand({ stateDir: a['state-dir'] as string | undefined, user: Boolean(a.user), once: Boolean(a.once), intervalMs: a.interval as number | undefined }, edge);
      },
    )
    .command(
      'demo',
      'a disposable primary + streaming standby, a watcher and a shell to try safeops on; all removed on exit',
      (y) =>
        y
          .option('shell', { type: 'string', describe: 'bash, zsh or fish (default: $SHELL if one of them, else bash); --no-shell prints NAME=VALUE lines and READY, then waits for SIGTERM/SIGINT' })
          .option('keep', { type: 'boolean', default: false, describe: 'on exit stop the servers and the watcher but keep the files (debugging)' })
          .option('reap', { type: 'string', hidden: true }),
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
    .epilogue(GUARD_HELP)
    .demandCommand(1, 'Name a command (safeops --help lists them).')
    .strict()
    .version(version)
    .help()
    .wrap(Math.min(100, process.stdout.columns || 80))
    .fail((msg, err) => {
      // Validation problems become a clear usage error; real errors keep their own type.
      if (err) throw err;
      throw new UsageError(msg || 'bad usage');
    });
  await parser.parseAsync();
  return code;
}
