import { describe, expect, it } from 'vitest';
import { parseWalg } from '../../../src/command/walg.js';

const ctx = { env: {}, envUnknown: false };
const into = (tool: string, ...paths: string[]) => [{ type: 'write-into', dests: paths.map((path) => ({ kind: 'path', path })), tool }];
const DATA = '/var/lib/postgresql/15/main';

describe('parseWalg: backup-fetch', () => {
  it.each([
    [['backup-fetch', DATA, 'LATEST']],
    [['--config', '/etc/wal-g.json', 'backup-fetch', DATA, 'LATEST']],
    [['--config=/etc/wal-g.json', 'backup-fetch', DATA, 'LATEST']],
    [['--turbo', 'backup-fetch', DATA, 'LATEST']],
    [['backup-fetch', DATA, 'LATEST', '--config', '/etc/wal-g.json']],
    [['backup-fetch', '--config', '/etc/wal-g.json', DATA, 'LATEST']],
    [['backup-fetch', DATA, '--config=/etc/wal-g.json', 'LATEST']],
    [['--walg-s3-prefix', 's3://bucket/pg', 'backup-fetch', DATA, 'LATEST']],
    [['backup-fetch', '--walg-s3-prefix', 's3://bucket/pg', DATA, 'LATEST']],
    [['backup-fetch', '--aws-region', 'eu-west-1', '--pghost', '/var/run/postgresql', DATA, 'LATEST']],
    [['--walg-download-concurrency=4', 'backup-fetch', DATA, 'base_000000010000000000000002']],
    [['backup-fetch', '--reverse-unpack', '--skip-redundant-tars', DATA, 'LATEST']],
    [['backup-fetch', '--restore-spec', '/etc/spec.json', DATA, 'LATEST']],
    [['backup-fetch', '--mask', 'base/*', DATA, 'LATEST']],
    [['backup-fetch', DATA, '--target-user-data', '{"x":1}']],
    [['backup-fetch', '--target-storage', 'default', DATA, 'LATEST']],
    [['backup-fetch', '--', DATA, 'LATEST']],
  ])('wal-g %j writes into the data dir', (args) => {
    expect(parseWalg(args, ctx)).toEqual({ ops: into('wal-g backup-fetch', DATA), notes: [] });
  });

  it.each([
    [['backup-fetch', 'main', 'LATEST'], ['main']],
    [['backup-fetch', '.', 'LATEST'], ['.']],
    [['backup-fetch', '~/restore', 'LATEST'], ['~/restore']],
    [['backup-fetch', 'restore dir/', 'LATEST'], ['restore dir/']],
    // An unknown flag may or may not take a value: both readings count, plus every path-like word.
    [['backup-fetch', '--frob', DATA, 'LATEST'], [DATA, 'LATEST']],
    [['backup-fetch', '--frob', '/tmp/x', DATA, 'LATEST'], ['/tmp/x', DATA]],
    [['backup-fetch', DATA], [DATA]],
    [['backup-fetch', '--frob', '--config', '/etc/wal-g.json', DATA, 'LATEST'], [DATA]],
  ])('wal-g %j writes into %j', (args, dests) => {
    expect(parseWalg(args, ctx).ops).toEqual(into('wal-g backup-fetch', ...dests));
  });

  it('without a destination, nothing', () => {
    expect(parseWalg(['backup-fetch'], ctx)).toEqual({ ops: [], notes: ['wal-g backup-fetch without a destination directory: it will refuse to run'] });
  });
});

describe('parseWalg: other local writers', () => {
  it.each([
    [['catchup-fetch', DATA, 'base_1'], 'wal-g catchup-fetch', DATA],
    [['catchup-receive', DATA, '5433'], 'wal-g catchup-receive', DATA],
    [['wal-restore', DATA, '/srv/source'], 'wal-g wal-restore', DATA],
    [['snapshot-fetch', 'base_1', DATA], 'wal-g snapshot-fetch', DATA],
    [['pgbackrest', 'backup-fetch', DATA, '20240101-000000F'], 'wal-g pgbackrest backup-fetch', DATA],
  ])('wal-g %j: %s into %s', (args, tool, dest) => {
    expect(parseWalg(args, ctx).ops).toEqual(into(tool, dest));
  });

  it('only an unknown flag makes the other path-like words possible destinations', () => {
    expect(parseWalg(['wal-restore', '--frob', DATA, '/srv/source'], ctx).ops).toEqual(into('wal-g wal-restore', DATA, '/srv/source'));
  });
});

describe('parseWalg: delete', () => {
  it.each([
    [['delete', 'retain', 'FULL', '5', '--confirm'], ['wal-g', 'delete', 'retain', 'FULL', '5']],
    [['--confirm', 'delete', 'before', 'base_000000010000000000000002'], ['wal-g', 'delete', 'before', 'base_000000010000000000000002']],
    [['delete', 'everything', 'FORCE', '--confirm'], ['wal-g', 'delete', 'everything', 'FORCE']],
    [['delete', 'retain', '5', '--confirm=true'], ['wal-g', 'delete', 'retain', '5']],
    [['--config', '/etc/wal-g.json', 'delete', 'garbage', '--confirm'], ['wal-g', '--config', '/etc/wal-g.json', 'delete', 'garbage']],
    [['delete', '--confirm', 'target', 'base_1', '--confirm'], ['wal-g', 'delete', 'target', 'base_1']],
  ])('wal-g %j deletes backups; the dry run is %j', (args, dryRunArgv) => {
    expect(parseWalg(args, ctx)).toEqual({ ops: [{ type: 'delete-backups', tool: 'wal-g delete', dryRunArgv }], notes: [] });
  });

  it('the dry run keeps argv[0] as typed', () => {
    expect(parseWalg(['delete', 'retain', '3', '--confirm'], { ...ctx, argv0: '/opt/wal-g/wal-g' }).ops).toEqual([
      { type: 'delete-backups', tool: 'wal-g delete', dryRunArgv: ['/opt/wal-g/wal-g', 'delete', 'retain', '3'] },
    ]);
  });

  it('wal-purge --confirm deletes WAL archives', () => {
    expect(parseWalg(['wal-purge', '--confirm'], ctx).ops).toEqual([{ type: 'delete-backups', tool: 'wal-g wal-purge', dryRunArgv: ['wal-g', 'wal-purge'] }]);
  });

  it.each([[['delete', 'retain', '5']], [['delete', 'retain', '5', '--confirm=false']], [['wal-purge']]])('wal-g %j is a dry run: no ops', (args) => {
    expect(parseWalg(args, ctx).ops).toEqual([]);
  });
});

describe('parseWalg: everything else', () => {
  it.each([
    [['backup-push', DATA]],
    [['wal-push', '/var/lib/postgresql/15/main/pg_wal/000000010000000000000001']],
    [['backup-list', '--detail']],
    [['st', 'ls', '/']],
    [['wal-verify', 'integrity', 'timeline']],
    [['help', 'backup-fetch']],
    [['backup-fetch', DATA, 'LATEST', '--help']],
    [['-h']],
    [['--version']],
    [['-v', 'backup-fetch', DATA, 'LATEST']],
    [['--config', '/etc/wal-g.json']],
    [[]],
  ])('wal-g %j: no ops', (args) => {
    expect(parseWalg(args, ctx).ops).toEqual([]);
  });
});
