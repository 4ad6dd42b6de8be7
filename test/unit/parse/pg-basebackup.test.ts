import { describe, expect, it } from 'vitest';
import { mappingTarget, parsePgBasebackup } from '../../../src/command/pg-basebackup.js';

const ctx = { env: {}, envUnknown: false };
const into = (...paths: string[]) => [{ type: 'write-into', dests: paths.map((path) => ({ kind: 'path', path })), tool: 'pg_basebackup' }];

describe('parsePgBasebackup', () => {
  it.each([
    [['-D', '/s']],
    [['-D/s']],
    [['--pgdata=/s']],
    [['--pgdata', '/s']],
    [['--pgd=/s']],
    [['-D', '/old', '-D', '/s']],
    [['-h', 'primary', '-U', 'replicator', '-D', '/s', '-R', '-Xs', '-P', '-v']],
    [['-vPD', '/s']],
    [['-vPD/s']],
    [['-Xstream', '-D', '/s']],
    [['-X', 'stream', '-D', '/s']],
    [['-X', 'fetch', '-D', '/s', '-c', 'fast']],
    [['-F', 't', '-z', '-D', '/s']],
    [['-Ft', '-Z', '9', '-D', '/s']],
    [['-r', '100M', '-l', 'nightly', '-p', '5432', '-d', 'host=x', '-s', '10', '-S', 'slot1', '-C', '-D', '/s']],
    [['-t', 'client', '-D', '/s', '-N', '-n', '-w', '-W']],
    [['--format', 'tar', '--max-rate', '1M', '--checkpoint', 'fast', '--label', 'x', '--host', 'h', '--port', '1', '-D', '/s']],
    [['--username', 'u', '--dbname', 'd', '--status-interval', '5', '--slot', 's', '--manifest-checksums', 'SHA256', '-D', '/s']],
    [['--compress', 'server-gzip:9', '--wal-method=stream', '--write-recovery-conf', '--progress', '--verbose', '-D', '/s']],
    [['--no-slot', '--no-verify-checksums', '--no-estimate-size', '--no-manifest', '--manifest-force-encode', '-D', '/s']],
    [['--sync-method', 'fsync', '--create-slot', '--slot=s', '-D', '/s']],
  ])('pg_basebackup %j writes into /s', (args) => {
    expect(parsePgBasebackup(args, ctx)).toEqual({ ops: into('/s'), notes: [] });
  });

  it.each([
    [['-D', '/s', '--waldir=/w'], ['/s', '/w']],
    [['--waldir', '/w', '-D', '/s'], ['/s', '/w']],
    [['-D', '/s', '-T', '/old=/new'], ['/s', '/new']],
    [['-D', '/s', '-T/old=/new'], ['/s', '/new']],
    [['-D', '/s', '--tablespace-mapping=/old=/new', '--tablespace-mapping', '/o2=/n2'], ['/s', '/new', '/n2']],
    [['-D', '/s', '-T', '/a\\=b=/c\\=d'], ['/s', '/c=d']],
    [['-t', 'server:/srv/backup', '-Xnone'], ['/srv/backup']],
  ])('pg_basebackup %j writes into %j', (args, paths) => {
    expect(parsePgBasebackup(args, ctx).ops).toEqual(into(...paths));
  });

  it.each([[['-D', '-', '-Ft']], [['--pgdata=-', '-Ft']], [['--help']], [['-?']], [['-V']], [['--version']], [['-D', '/s', '--help']], [[]], [['-t', 'blackhole']]])(
    'pg_basebackup %j writes into no directory',
    (args) => {
      expect(parsePgBasebackup(args, ctx).ops).toEqual([]);
    },
  );

  it.each([
    ['/old=/new', '/new'],
    ['/a\\=b=/c', '/c'],
    ['/a=/b\\=c', '/b=c'],
    ['/a\\b=/c', '/c'],
    ['=/new', null],
    ['/old=', null],
    ['/old', null],
  ])('mapping %j targets %j', (mapping, target) => {
    expect(mappingTarget(mapping)).toBe(target);
  });
});
