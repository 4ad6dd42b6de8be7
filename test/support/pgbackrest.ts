// A real pgBackRest repository (stanza "demo", one full backup) for a fixture primary.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { type PgNode, lit, mkdirOwned, psql, runAsPostgres, startNode, stopNode, waitFor, writeOwned } from './pg.js';

export const PGBACKREST = process.env.SAFEOPS_PGBACKREST ?? '/usr/bin/pgbackrest';

export interface PgBackRestSetup {
  configFile: string;
  stanza: 'demo';
  repoPath: string;
}

/** Runs `pgbackrest --config=FILE --stanza=demo ARGS...` as postgres; returns trimmed stdout. */
export async function pgbackrest(setup: Pick<PgBackRestSetup, 'configFile' | 'stanza'>, args: string[]): Promise<string> {
  const r = await runAsPostgres(PGBACKREST, [`--config=${setup.configFile}`, `--stanza=${setup.stanza}`, ...args], 180_000);
  return String(r.stdout).trim();
}

/** Writes root/pgbackrest.conf, points the primary's archiving at it, creates the stanza and takes a full backup. */
export async function setupPgBackRest(primary: PgNode, opts: { root: string }): Promise<PgBackRestSetup> {
  const root = realpathSync(opts.root);
  const repoPath = mkdirOwned(path.join(root, 'repo'), 0o750);
  const dirs = Object.fromEntries(
    ['log', 'lock', 'spool'].map((d) => [d, mkdirOwned(path.join(root, 'pgbackrest', d), 0o750)]),
  ) as Record<'log' | 'lock' | 'spool', string>;
  const configFile = path.join(root, 'pgbackrest.conf');
  const config = [
    '[global]',
    `repo1-path=${repoPath}`,
    'repo1-retention-full=2',
    `log-path=${dirs.log}`,
    `lock-path=${dirs.lock}`,
    `spool-path=${dirs.spool}`,
    'log-level-console=warn',
    'log-level-file=info',
    'start-fast=y',
    '',
    '[demo]',
    `pg1-path=${primary.dataDir}`,
    `pg1-socket-path=${primary.socketDir}`,
    `pg1-port=${primary.port}`,
    '',
  ].join('\n');
  writeOwned(configFile, config, 0o640);
  const setup: PgBackRestSetup = { configFile, stanza: 'demo', repoPath };

  const archiveCommand = `${PGBACKREST} --config=${configFile} --stanza=demo archive-push %p`;
  await psql(primary, `ALTER SYSTEM SET archive_command = ${lit(archiveCommand)}`);
  if ((await psql(primary, 'show archive_mode')) === 'off') {
    await psql(primary, `ALTER SYSTEM SET archive_mode = 'on'`);
    await stopNode(primary, 'fast');
    await startNode(primary);
  } else {
    await psql(primary, 'select pg_reload_conf()');
  }
  await pgbackrest(setup, ['stanza-create']);
  // `check` switches a segment and waits for it in the repo; retry in case the archiver had not reloaded yet.
  await waitFor(() => pgbackrest(setup, ['--archive-timeout=10', 'check']).then(() => true), 45_000, 'pgbackrest check', 500);
  await pgbackrest(setup, ['--type=full', 'backup']);
  return setup;
}
