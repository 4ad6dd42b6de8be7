import { describe, expect, it } from 'vitest';
import { parsePgbackrest } from '../../../src/command/pgbackrest.js';

const ctx = { env: {}, envUnknown: false };
const DEFAULT = { configFiles: ['/etc/pgbackrest/pgbackrest.conf', '/etc/pgbackrest.conf'], includeDirs: ['/etc/pgbackrest/conf.d'] };
const stanza = (name: string, sources = DEFAULT) => ({ kind: 'pgbackrest-stanza', stanza: name, ...sources });
const restore = (...dests: object[]) => [{ type: 'write-into', dests, tool: 'pgbackrest restore' }];
const path = (p: string) => ({ kind: 'path', path: p });

describe('parsePgbackrest: restore', () => {
  it.each([
    [['--stanza=main', 'restore']],
    [['restore', '--stanza=main']],
    [['--stanza', 'main', 'restore']],
    [['restore', '--stanza', 'main']],
    [['--delta', '--stanza=main', 'restore']],
    [['--delta', 'restore', '--stanza=main']],
    [['--force', 'restore', '--stanza', 'main']],
    [['--stanza=main', '--type=time', '--target=2024-01-01 00:00:00', '--target-action=promote', 'restore']],
    [['--stanza=main', '--type', 'standby', '--set', '20240101-000000F', 'restore', '--archive-mode', 'off']],
    [['--log-level-console', 'info', '--stanza=main', 'restore']],
    [['--process-max', '4', '--stanza', 'main', '--link-all', 'restore']],
    [['--no-online', '--stanza=main', 'restore']],
    [['--reset-target-action', '--stanza=main', 'restore']],
    // In doubt whether --x takes a value: not when the next word is a command.
    [['--made-up-flag', 'restore', '--stanza=main']],
    [['--stanza=main', 'restore:main']],
  ])('pgbackrest %j restores into the stanza from the default config', (args) => {
    expect(parsePgbackrest(args, ctx)).toEqual({ ops: restore(stanza('main')), notes: [] });
  });

  it.each([
    [['--stanza=main', '--pg1-path=/var/lib/postgresql/15/main', 'restore'], ['/var/lib/postgresql/15/main']],
    [['--pg1-path', '/srv/pg', 'restore'], ['/srv/pg']],
    [['restore', '--pg2-path=/b', '--pg1-path=/a'], ['/a', '/b']],
    [['--pg256-path=/z', 'restore'], ['/z']],
    [['--db-path=/old', 'restore'], ['/old']],
    [['--db1-path', '/old', 'restore'], ['/old']],
  ])('pgbackrest %j restores into %j', (args, paths) => {
    expect(parsePgbackrest(args, ctx).ops).toEqual(restore(...paths.map(path)));
  });

  it('PGBACKREST_PG1_PATH counts as pg1-path; the command line wins for the same index', () => {
    expect(parsePgbackrest(['--stanza=main', 'restore'], { env: { PGBACKREST_PG1_PATH: '/env/pg' }, envUnknown: false }).ops).toEqual(restore(path('/env/pg')));
    expect(parsePgbackrest(['--pg1-path=/cli', 'restore'], { env: { PGBACKREST_PG1_PATH: '/env/pg', PGBACKREST_PG2_PATH: '/env/pg2' }, envUnknown: false }).ops).toEqual(
      restore(path('/cli'), path('/env/pg2')),
    );
  });

  it('PGBACKREST_STANZA names the stanza', () => {
    expect(parsePgbackrest(['restore'], { env: { PGBACKREST_STANZA: 'demo' }, envUnknown: false }).ops).toEqual(restore(stanza('demo')));
  });

  it.each([
    [['--config=/etc/x.conf'], {}, { configFiles: ['/etc/x.conf'], includeDirs: [] }],
    [['--config', '/etc/x.conf'], {}, { configFiles: ['/etc/x.conf'], includeDirs: [] }],
    [[], { PGBACKREST_CONFIG: '/e.conf' }, { configFiles: ['/e.conf'], includeDirs: [] }],
    [['--config-path=/opt/pgbr'], {}, { configFiles: ['/opt/pgbr/pgbackrest.conf'], includeDirs: ['/opt/pgbr/conf.d'] }],
    [[], { PGBACKREST_CONFIG_PATH: '/opt/pgbr' }, { configFiles: ['/opt/pgbr/pgbackrest.conf'], includeDirs: ['/opt/pgbr/conf.d'] }],
    [['--config-path=/etc/pgbackrest'], {}, DEFAULT],
    [['--config-include-path=/inc'], {}, { configFiles: DEFAULT.configFiles, includeDirs: ['/inc'] }],
    [[], { PGBACKREST_CONFIG_INCLUDE_PATH: '/inc' }, { configFiles: DEFAULT.configFiles, includeDirs: ['/inc'] }],
    [['--config=/x.conf', '--config-include-path=/inc'], {}, { configFiles: ['/x.conf'], includeDirs: ['/inc'] }],
    [['--config=/x.conf', '--config-path=/p'], {}, { configFiles: ['/x.conf'], includeDirs: ['/p/conf.d'] }],
    [['--no-config'], {}, { configFiles: [], includeDirs: [] }],
    [['--no-config', '--config-include-path=/inc'], {}, { configFiles: [], includeDirs: ['/inc'] }],
  ])('config files for %j with env %j', (extra, env, sources) => {
    expect(parsePgbackrest([...extra, '--stanza=main', 'restore'], { env, envUnknown: false }).ops).toEqual(restore(stanza('main', sources)));
  });

  it('tablespace and link maps are destinations too', () => {
    expect(parsePgbackrest(['--stanza=main', '--tablespace-map=ts1=/srv/ts1', '--link-map', 'pg_wal=/srv/wal', '--tablespace-map-all=/srv/all', 'restore'], ctx).ops).toEqual(
      restore(stanza('main'), path('/srv/all'), path('/srv/ts1'), path('/srv/wal')),
    );
  });

  it('neither pg1-path nor stanza: pgbackrest refuses, no ops', () => {
    expect(parsePgbackrest(['restore'], ctx)).toEqual({ ops: [], notes: ['pgbackrest restore names neither --pg1-path nor a stanza: it will refuse to run'] });
  });

  it('an unknown environment may hold PGBACKREST_PG1_PATH: also opaque', () => {
    expect(parsePgbackrest(['--stanza=main', 'restore'], { env: {}, envUnknown: true }).ops).toEqual([
      ...restore(stanza('main')),
      { type: 'opaque', why: 'pgbackrest restore takes its stanza and pg1-path from an environment safeops cannot see (PGBACKREST_*)' },
    ]);
    expect(parsePgbackrest(['--pg1-path=/a', 'restore'], { env: {}, envUnknown: true }).ops).toEqual(restore(path('/a')));
  });
});

describe('parsePgbackrest: other commands', () => {
  it('stanza-delete is opaque', () => {
    expect(parsePgbackrest(['--stanza=main', '--force', 'stanza-delete'], ctx).ops).toEqual([{ type: 'opaque', why: "pgbackrest stanza-delete deletes the stanza's backups and archive" }]);
  });

  it.each([
    [['--stanza=main', 'backup', '--type=full']],
    [['--stanza=main', 'info']],
    [['--stanza=main', 'archive-push', '/var/lib/postgresql/15/main/pg_wal/000000010000000000000001']],
    [['--stanza=main', 'check']],
    [['--stanza=main', 'expire']],
    [['help', 'restore']],
    [['version']],
    [[]],
    [['--stanza=main', '--', 'restore']],
    [['--stanza', 'restore']],
  ])('pgbackrest %j: no ops', (args) => {
    expect(parsePgbackrest(args, ctx).ops).toEqual([]);
  });
});
