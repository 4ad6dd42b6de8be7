// What the demo prints: the banner above the shell, and the machine-readable lines of --no-shell.
import type { DemoRecord } from './record.js';

/** The environment the demo's shell gets (and --no-shell prints), in print order. */
export function demoEnv(rec: DemoRecord, config: string, audit: string): Array<[string, string]> {
  const [primary, standby] = rec.nodes;
  return [
    ['PRIMARY', primary!.dataDir],
    ['STANDBY', standby!.dataDir],
    ['PRIMARY_PORT', String(primary!.port)],
    ['STANDBY_PORT', String(standby!.port)],
    ['SAFEOPS_STATE_DIR', rec.stateDir],
    ['SAFEOPS_CONFIG', config],
    ['SAFEOPS_AUDIT_LOG', audit],
    // psql with no arguments reaches the primary.
    ['PGHOST', rec.socketDir],
    ['PGPORT', String(primary!.port)],
    ['PGUSER', rec.serverUser],
    ['PGDATABASE', 'postgres'],
  ];
}

/** The banner shown before the shell's first prompt: each thing to try under a comment line, so it fits 80 columns and copies as is. Pure. */
export function banner(rec: DemoRecord, pgVersion: string): string {
  const [primary, standby] = rec.nodes;
  // pg_ctl refuses to run as root: as root the demo's servers belong to postgres.
  const asOwner = rec.runuser ? `safeops exec runuser -u ${rec.serverUser} -- ` : '';
  // In an order that works top to bottom: SQL while the primary runs, then the stop, then the
  // promotion (with the old primary down: no split brain), then SQL on the new primary.
  const tries: Array<[string, string]> = [
    ['refused: $PRIMARY is a running primary', 'rm -rf $PRIMARY'],
    ['every cluster on this host, with its live role', 'safeops status'],
    ['SQL on the primary (PGHOST and PGPORT are set): f, not in recovery', "psql -c 'select pg_is_in_recovery()'"],
    ['stop the primary: safeops asks you to type the host name', `${asOwner}pg_ctl -D $PRIMARY stop`],
    ['promote the standby: watch the prompt and the colours change', `${asOwner}pg_ctl -D $STANDBY promote`],
    ['SQL on the new primary: f now', "psql -p $STANDBY_PORT -c 'select pg_is_in_recovery()'"],
    ['stop the servers and the watcher, delete everything', 'exit'],
  ];
  return [
    `safeops demo: a disposable PostgreSQL ${pgVersion} primary and a streaming standby,`,
    'watched live. Names lie, roles do not: the prompt shows what each one is now.',
    `  $PRIMARY  ${primary!.dataDir}  (port ${primary!.port})`,
    `  $STANDBY  ${standby!.dataDir}  (port ${standby!.port})`,
    `Everything is in ${rec.dir} and goes away when this shell exits.`,
    '',
    'Try:',
    ...tries.flatMap(([what, cmd]) => [`  # ${what}`, `  ${cmd}`]),
    '',
  ].join('\n');
}
