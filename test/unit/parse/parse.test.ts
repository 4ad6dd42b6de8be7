import { describe, expect, it } from 'vitest';
import { parseExec, parseGuarded, parseSudo } from '../../../src/command/parse.js';
import { UsageError } from '../../../src/util/errors.js';

const DATA = '/var/lib/postgresql/15/main';
const stopAt = (path: string) => [{ type: 'stop', refs: [{ kind: 'path', path }], mode: 'fast', restart: false }];
const FETCH = [{ type: 'write-into', dests: [{ kind: 'path', path: DATA }], tool: 'wal-g backup-fetch' }];

describe('the matrix.org commands', () => {
  it('sudo /opt/wal-g/wal-g --config ... backup-fetch DEST LATEST', () => {
    const argv = ['sudo', '/opt/wal-g/wal-g', '--config', '/etc/wal-g.json', 'backup-fetch', DATA, 'LATEST'];
    expect(parseExec(argv, {})).toEqual({
      tool: 'wal-g',
      argv,
      innerArgv: ['/opt/wal-g/wal-g', '--config', '/etc/wal-g.json', 'backup-fetch', DATA, 'LATEST'],
      cwd: null,
      envOverrides: {},
      envUnknown: false,
      ops: FETCH,
      notes: [],
    });
  });

  it('sudo time /opt/wal-g/wal-g backup-fetch DEST LATEST', () => {
    const r = parseSudo(['time', '/opt/wal-g/wal-g', 'backup-fetch', DATA, 'LATEST'], {});
    expect(r.argv).toEqual(['sudo', 'time', '/opt/wal-g/wal-g', 'backup-fetch', DATA, 'LATEST']);
    expect(r.innerArgv).toEqual(['/opt/wal-g/wal-g', 'backup-fetch', DATA, 'LATEST']);
    expect(r.tool).toBe('wal-g');
    expect(r.ops).toEqual(FETCH);
  });
});

describe('entry points', () => {
  it('parseExec of an empty argv is a usage error', () => {
    expect(() => parseExec([], {})).toThrow(UsageError);
  });

  it('a command that is not guarded: tool null, no ops', () => {
    expect(parseExec(['sudo', 'ls', '-la'], {})).toEqual({ tool: null, argv: ['sudo', 'ls', '-la'], innerArgv: ['ls', '-la'], cwd: null, envOverrides: {}, envUnknown: false, ops: [], notes: [] });
  });

  it.each([
    ['/bin/rm', 'rm'],
    ['/usr/lib/postgresql/15/bin/pg_ctl', 'pg_ctl'],
    ['/opt/wal-g/wal-g', 'wal-g'],
    ['./pg_basebackup', 'pg_basebackup'],
    ['/usr/bin/pg_ctlcluster', 'pg_ctlcluster'],
    ['/bin/systemctl', 'systemctl'],
    ['/usr/bin/pgbackrest', 'pgbackrest'],
  ])('%s is %s', (word, tool) => {
    expect(parseExec([word, '--help'], {}).tool).toBe(tool);
  });

  it.each([['wal-g.sh'], ['rmdir'], ['pg_ctl2'], ['RM']])('%s is not guarded', (word) => {
    expect(parseExec([word, 'x'], {}).tool).toBeNull();
  });

  const odd = ['a b', 'line\nbreak', '-rf', '--', '', 'ünïcödé', '😀', '\t', '-', '--help=x', '$HOME', "'q'"];

  it('parseGuarded keeps argv byte for byte', () => {
    const r = parseGuarded('rm', ['-r', ...odd], {});
    expect(r.argv).toEqual(['rm', '-r', ...odd]);
    expect(r.innerArgv).toEqual(['rm', '-r', ...odd]);
    expect(r.tool).toBe('rm');
    expect(r.ops).toEqual([{ type: 'remove', paths: ['a b', 'line\nbreak', '-rf', '--', '', 'ünïcödé', '😀', '\t', '-', '--help=x', '$HOME', "'q'"].filter((_, i) => i !== 2 && i !== 3), recursive: true }]);
  });

  it('parseGuarded passes the environment to the tool', () => {
    expect(parseGuarded('pg_ctl', ['stop'], { PGDATA: '/x' }).ops).toEqual(stopAt('/x'));
  });

  it.each([
    [['sudo', '-u', 'postgres', 'rm', '--', ...odd]],
    [['env', 'A=b c', 'sh', '-c', 'rm -rf x', ...odd]],
    [['nice', ...odd]],
    [odd],
  ])('parseExec keeps argv byte for byte: %j', (argv) => {
    const input = [...argv];
    const r = parseExec(argv, {});
    expect(r.argv).toEqual(input);
    expect(argv).toEqual(input);
  });

  it('parseSudo builds sudo argv', () => {
    expect(parseSudo(['-u', 'postgres', 'pg_ctl', 'stop'], {}).argv).toEqual(['sudo', '-u', 'postgres', 'pg_ctl', 'stop']);
  });

  it('the dry run of wal-g delete keeps the inner argv[0]', () => {
    expect(parseExec(['sudo', '-u', 'postgres', '/opt/wal-g/wal-g', 'delete', 'retain', '3', '--confirm'], {}).ops).toEqual([
      { type: 'delete-backups', tool: 'wal-g delete', dryRunArgv: ['/opt/wal-g/wal-g', 'delete', 'retain', '3'] },
    ]);
  });
});
