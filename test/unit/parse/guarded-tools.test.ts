// Parsers of the issue-9 tools (docs/guarded-tools.md): argv -> ops, checked against the tools' real option sets.
import { describe, expect, it } from 'vitest';
import { parseExec, parseGuarded } from '../../../src/command/parse.js';
import type { GuardedTool, Op } from '../../../src/command/types.js';
import { parseConnString } from '../../../src/command/psql.js';
import { signalName } from '../../../src/command/signals.js';

const ENV = { PATH: '/usr/bin:/bin', HOME: '/root' };
const ops = (tool: GuardedTool, ...args: string[]): Op[] => parseGuarded(tool, args, ENV).ops;
const types = (o: Op[]) => o.map((x) => x.type);

describe('mv', () => {
  it('moving a source away removes it (recursively); DEST and where it lands are written', () => {
    expect(ops('mv', '/d/data', '/backup/old')).toEqual([
      { type: 'remove', paths: ['/d/data'], recursive: true },
      { type: 'write', paths: ['/backup/old'], recursive: false, tool: 'mv' },
      { type: 'write', paths: ['/backup/old/data'], recursive: true, tool: 'mv' },
    ]);
  });
  it('-t DIR: every operand is a source; -T: DEST is replaced whole', () => {
    expect(ops('mv', '-t', '/x', 'a', 'b')[0]).toEqual({ type: 'remove', paths: ['a', 'b'], recursive: true });
    expect(ops('mv', '--target-directory=/x', 'a')[0]).toEqual({ type: 'remove', paths: ['a'], recursive: true });
    expect(ops('mv', '-T', 'a', '/d/data')).toEqual([{ type: 'remove', paths: ['a'], recursive: true }, { type: 'write', paths: ['/d/data'], recursive: true, tool: 'mv' }]);
  });
  it('--exchange moves DEST away too; -S takes a value', () => {
    expect(ops('mv', '--exchange', 'a', '/d/data').at(-1)).toEqual({ type: 'remove', paths: ['/d/data'], recursive: true });
    expect(ops('mv', '-S', '.bak', 'a', 'b')[0]).toEqual({ type: 'remove', paths: ['a'], recursive: true });
  });
  it.each([[['--help']], [['--version']], [['a']], [[]]])('mv %j: no ops', (args) => {
    expect(ops('mv', ...args)).toEqual([]);
  });
});

describe('cp', () => {
  it('cp -a SRC DEST: DEST (inside) and DEST/SRC (recursive)', () => {
    expect(ops('cp', '-a', '/src/x', '/d/data/')).toEqual([
      { type: 'write', paths: ['/d/data/'], recursive: false, tool: 'cp' },
      { type: 'write', paths: ['/d/data/x'], recursive: true, tool: 'cp' },
    ]);
  });
  it('cp without -r writes files only; --parents appends the source path', () => {
    expect(ops('cp', 'f', '/d')[1]).toEqual({ type: 'write', paths: ['/d/f'], recursive: false, tool: 'cp' });
    expect(ops('cp', '--parents', '-r', 'a/b', '/d')[1]).toEqual({ type: 'write', paths: ['/d/a/b'], recursive: true, tool: 'cp' });
  });
});

describe('rsync', () => {
  it('a trailing slash copies contents into DEST; --delete removes there', () => {
    expect(ops('rsync', '-a', '--delete', 'empty/', '/d/data/')).toEqual([
      { type: 'write', paths: ['/d/data/'], recursive: false, tool: 'rsync' },
      { type: 'write', paths: ['/d/data/'], recursive: true, tool: 'rsync' },
      { type: 'remove', paths: ['/d/data/'], recursive: true },
    ]);
  });
  it.each(['--delete-after', '--delete-before', '--delete-during', '--delete-delay', '--delete-excluded', '--del'])('%s is a delete', (flag) => {
    expect(types(ops('rsync', '-a', flag, 'x/', '/d'))).toContain('remove');
  });
  it('-e takes a value (the remote shell), so it is no source', () => {
    expect(ops('rsync', '-a', '-e', 'ssh -p 22', 'host:/x/', '/d/data/')[1]).toEqual({ type: 'write', paths: ['/d/data/'], recursive: true, tool: 'rsync' });
    expect(ops('rsync', '-ae', 'ssh', 'a', '/d')[1]).toEqual({ type: 'write', paths: ['/d/a'], recursive: true, tool: 'rsync' });
  });
  it('--remove-source-files removes the local sources; a remote DEST writes nothing here', () => {
    expect(ops('rsync', '-a', '--remove-source-files', '/d/data/pg_wal/', 'host:/archive/')).toEqual([{ type: 'remove', paths: ['/d/data/pg_wal/'], recursive: true }]);
  });
  it.each([[['-n', 'a', '/d']], [['--dry-run', 'a', '/d']], [['--list-only', 'a', '/d']], [['host:/x']], [['--help']]])('rsync %j: no ops', (args) => {
    expect(ops('rsync', ...args)).toEqual([]);
  });
});

describe('find', () => {
  it('-delete removes the start paths recursively', () => {
    expect(ops('find', '/d/data', '-name', '*.tmp', '-delete')).toEqual([{ type: 'remove', paths: ['/d/data'], recursive: true }]);
    expect(ops('find', '-L', '/a', '/b', '-delete')).toEqual([{ type: 'remove', paths: ['/a', '/b'], recursive: true }]);
  });
  it('-exec CMD {} + is read as a command of its own, made recursive', () => {
    expect(ops('find', '/d/data', '-exec', 'rm', '-f', '{}', '+')).toEqual([{ type: 'remove', paths: ['/d/data'], recursive: true }]);
    expect(ops('find', '/d', '-type', 'f', '-execdir', 'shred', '-u', '{}', ';').map((o) => o.type)).toEqual(['write', 'wipe-device', 'remove']);
    expect(ops('find', '/d', '-ok', 'sudo', 'mv', '{}', '/tmp', ';')[0]).toEqual({ type: 'remove', paths: ['/d'], recursive: true });
  });
  it('-exec sh -c with an expansion is opaque when it names a guarded tool', () => {
    expect(types(ops('find', '/d', '-exec', 'sh', '-c', 'rm -rf "$1"', '_', '{}', ';'))).toEqual(['opaque']);
  });
  it('harmless finds have no ops; an unknown expression before a guarded name is opaque', () => {
    expect(ops('find', '/d', '-name', 'x', '-print')).toEqual([]);
    expect(ops('find', '/d', '-exec', 'grep', 'x', '{}', ';')).toEqual([]);
    expect(types(ops('find', '/d', '-frobnicate', 'rm'))).toEqual(['opaque']);
    expect(ops('find', '/d', '-fprint', '/d/out')).toEqual([{ type: 'write', paths: ['/d/out'], recursive: false, tool: 'find -fprint' }]);
  });
});

describe('truncate, shred, dd', () => {
  it('write the files; shred -u removes them; dd writes of=', () => {
    expect(types(ops('truncate', '-s', '0', '/d/f'))).toEqual(['write', 'wipe-device']);
    expect(ops('truncate', '-s', '0', '/d/f')[0]).toEqual({ type: 'write', paths: ['/d/f'], recursive: false, tool: 'truncate' });
    expect(types(ops('shred', '-u', '-n', '3', '/d/f'))).toEqual(['write', 'wipe-device', 'remove']);
    expect(ops('dd', 'if=/dev/zero', 'of=/d/f', 'bs=1M')[0]).toEqual({ type: 'write', paths: ['/d/f'], recursive: false, tool: 'dd' });
    expect(ops('dd', 'if=/d/f')).toEqual([]);
  });
});

describe('pg_dropcluster, pg_resetwal, pg_rewind, pg_upgrade', () => {
  it('name the cluster they need stopped', () => {
    expect(ops('pg_dropcluster', '--stop', '15', 'main')).toEqual([{ type: 'offline', refs: [{ kind: 'debian', version: '15', name: 'main' }], kind: 'drop', tool: 'pg_dropcluster' }]);
    expect(ops('pg_resetwal', '-f', '/d/data')).toEqual([{ type: 'offline', refs: [{ kind: 'path', path: '/d/data' }], kind: 'resetwal', tool: 'pg_resetwal' }]);
    expect(ops('pg_resetwal', '-D', '/d/data', '-n')).toEqual([]);
    expect(ops('pg_rewind', '--target-pgdata=/d/data', '--source-server=host=x')).toEqual([{ type: 'offline', refs: [{ kind: 'path', path: '/d/data' }], kind: 'rewind', tool: 'pg_rewind' }]);
    expect(ops('pg_rewind', '-D', '/d/data', '--dry-run', '--source-pgdata=/s')).toEqual([]);
    expect(ops('pg_upgrade', '-b', '/o/bin', '-B', '/n/bin', '-d', '/old', '-D', '/new', '--link')).toEqual([
      { type: 'offline', refs: [{ kind: 'path', path: '/old' }, { kind: 'path', path: '/new' }], kind: 'upgrade-link', tool: 'pg_upgrade' },
    ]);
    expect(ops('pg_upgrade', '-d', '/old', '-D', '/new', '--check')).toEqual([]);
    expect(parseExec(['env', 'PGDATAOLD=/o', 'PGDATANEW=/n', 'pg_upgrade'], ENV).ops[0]).toMatchObject({ kind: 'upgrade', refs: [{ path: '/o' }, { path: '/n' }] });
  });
});

describe('kill, pkill, killall', () => {
  it.each([
    [['-9', '123'], 'KILL', [{ kind: 'pid', pid: 123 }]],
    [['-s', 'QUIT', '123', '124'], 'QUIT', [{ kind: 'pid', pid: 123 }, { kind: 'pid', pid: 124 }]],
    [['-SIGKILL', '--', '-42'], 'KILL', [{ kind: 'group', pgid: 42 }]],
    [['-9', '-1'], 'KILL', [{ kind: 'group', pgid: -1 }]],
    [['123'], 'TERM', [{ kind: 'pid', pid: 123 }]],
    [['-n', '2', '7'], 'INT', [{ kind: 'pid', pid: 7 }]],
    [['--signal=hup', '7'], 'HUP', [{ kind: 'pid', pid: 7 }]],
  ])('kill %j', (args, signal, targets) => {
    expect(ops('kill', ...args)).toEqual([{ type: 'signal', targets, signal, tool: 'kill' }]);
  });
  it.each([[['-l']], [['-L']], [['-l', '9']], [['%1']], [[]]])('kill %j: no ops', (args) => {
    expect(ops('kill', ...args)).toEqual([]);
  });
  it('pkill: signal first, pattern, -f/-x/-i/-v, -F pidfile', () => {
    expect(ops('pkill', '-9', 'postgres')).toEqual([{ type: 'signal', signal: 'KILL', tool: 'pkill', targets: [{ kind: 'name', pattern: 'postgres', full: false, exact: false, regex: true, ignoreCase: false, invert: false }] }]);
    expect(ops('pkill', '-f', '-x', 'postgres -D /d')[0]).toMatchObject({ signal: 'TERM', targets: [{ full: true, exact: true }] });
    expect(ops('pkill', '--signal', 'QUIT', '-F', '/d/postmaster.pid')[0]).toMatchObject({ signal: 'QUIT', targets: [{ kind: 'pidfile', path: '/d/postmaster.pid' }] });
    expect(ops('pkill', '-u', 'postgres')[0]).toMatchObject({ targets: [{ pattern: '' }] });
    expect(ops('pkill', '--help')).toEqual([]);
  });
  it('killall: exact names, -r regex, -s SIG, -u USER alone', () => {
    expect(ops('killall', '-9', 'postgres')).toEqual([{ type: 'signal', signal: 'KILL', tool: 'killall', targets: [{ kind: 'name', pattern: 'postgres', full: false, exact: true, regex: false, ignoreCase: false, invert: false }] }]);
    expect(ops('killall', '-s', 'INT', '-r', '^post')[0]).toMatchObject({ signal: 'INT', targets: [{ regex: true, exact: false }] });
    expect(ops('killall', '-u', 'postgres')[0]).toMatchObject({ targets: [{ pattern: '', regex: true }] });
    expect(ops('killall', '-l')).toEqual([]);
  });
  it('signal names', () => {
    expect(['9', 'kill', 'SIGKILL', 'sigkill', '15', '0', 'iot', 'RTMIN+1', 'nope', '200'].map(signalName)).toEqual(['KILL', 'KILL', 'KILL', 'KILL', 'TERM', '0', 'ABRT', 'RTMIN+1', null, null]);
  });
});

describe('psql pg_promote()', () => {
  it('-c / --command with pg_promote( anywhere, any case', () => {
    expect(ops('psql', '-h', '/run/pg', '-p', '5433', '-c', 'SELECT PG_PROMOTE ( true, 60)')).toEqual([{ type: 'promote', refs: [{ kind: 'conn', hosts: ['/run/pg'], port: '5433', why: null }] }]);
    expect(types(ops('psql', '--command=select 1', '--command=select pg_promote()'))).toEqual(['promote']);
    expect(ops('psql', '-c', 'select 1')).toEqual([]);
  });
  it('-f FILE is judged when read (sql-promote); -f - is stdin', () => {
    expect(ops('psql', '-f', '/tmp/x.sql', 'postgresql://u@db1:6000/x')).toEqual([{ type: 'sql-promote', files: ['/tmp/x.sql'], refs: [{ kind: 'conn', hosts: ['db1'], port: '6000', why: null }] }]);
    expect(ops('psql', '-f', '-')).toEqual([]);
  });
  it('conninfo strings, PGHOST/PGPORT, unknown environments', () => {
    expect(parseConnString("host=/tmp port='5444' dbname=x")).toEqual({ hosts: ['/tmp'], port: '5444', service: false });
    expect(parseConnString('postgresql:///db?host=/var/run/postgresql&port=5433')).toEqual({ hosts: ['/var/run/postgresql'], port: '5433', service: false });
    expect(parseConnString('host=a b')).toBeNull();
    expect(parseGuarded('psql', ['-c', 'select pg_promote()'], { PGHOST: '/s', PGPORT: '7' }).ops[0]).toEqual({ type: 'promote', refs: [{ kind: 'conn', hosts: ['/s'], port: '7', why: null }] });
    expect(parseExec(['sudo', '-i', 'psql', '-c', 'select pg_promote()'], ENV).ops[0]).toMatchObject({ refs: [{ kind: 'conn', why: expect.stringContaining('PGHOST') }] });
    expect(parseGuarded('psql', ['-d', 'service=x', '-c', 'select pg_promote()'], ENV).ops[0]).toMatchObject({ refs: [{ why: expect.stringContaining('service') }] });
  });
  it('\\! in -c naming a guarded tool is opaque', () => {
    expect(types(ops('psql', '-c', '\\! rm -rf /d'))).toEqual(['opaque']);
  });
});

describe('host down', () => {
  it.each([['reboot'], ['poweroff', '-f'], ['halt'], ['shutdown', '-r', 'now'], ['shutdown', '+5']])('%s', (tool, ...args) => {
    expect(types(ops(tool as GuardedTool, ...args))).toEqual(['host-down']);
  });
  it.each([['shutdown', '-c'], ['shutdown', '-k', 'now'], ['reboot', '--help'], ['reboot', '-w']])('%s %s: no ops', (tool, ...args) => {
    expect(ops(tool as GuardedTool, ...args)).toEqual([]);
  });
  it.each([['reboot'], ['poweroff'], ['halt'], ['kexec'], ['isolate', 'rescue.target'], ['rescue'], ['emergency'], ['start', 'reboot.target']])('systemctl %s', (...args) => {
    expect(types(ops('systemctl', ...args))).toEqual(['host-down']);
  });
  it('systemctl -H host reboot is opaque; --user is not the host', () => {
    expect(types(ops('systemctl', '-H', 'db2', 'reboot'))).toEqual(['opaque']);
    expect(ops('systemctl', '--user', 'exit')).toEqual([]);
  });
  it('systemctl kill -s HUP of a postgres unit stops nothing (item 7)', () => {
    expect(ops('systemctl', 'kill', '-s', 'HUP', 'postgresql@15-main')).toEqual([]);
    expect(ops('systemctl', 'kill', '--signal=SIGHUP', 'postgresql@15-main')).toEqual([]);
    expect(types(ops('systemctl', 'kill', '-s', 'KILL', 'postgresql@15-main'))).toEqual(['kill']);
  });
});

describe('umount, mkfs, wipefs', () => {
  it('umount targets, -R, -a', () => {
    expect(ops('umount', '-l', '/srv/pg')).toEqual([{ type: 'unmount', targets: ['/srv/pg'], recursive: false, all: false }]);
    expect(ops('umount', '-R', '/srv')).toEqual([{ type: 'unmount', targets: ['/srv'], recursive: true, all: false }]);
    expect(ops('umount', '-a', '-t', 'nfs')).toEqual([{ type: 'unmount', targets: [], recursive: false, all: true }]);
    expect(ops('umount', '--help')).toEqual([]);
  });
  it('mkfs and mkfs.* wipe their device; wipefs only with -a / -o', () => {
    expect(ops('mkfs', '-t', 'ext4', '/dev/vdb')).toEqual([{ type: 'wipe-device', devices: ['ext4', '/dev/vdb'], tool: 'mkfs' }]);
    expect(parseExec(['mkfs.xfs', '-f', '/dev/vdb1'], ENV).ops).toEqual([{ type: 'wipe-device', devices: ['/dev/vdb1'], tool: 'mkfs' }]);
    expect(ops('wipefs', '-a', '/dev/vdb')).toEqual([{ type: 'wipe-device', devices: ['/dev/vdb'], tool: 'wipefs' }]);
    expect(ops('wipefs', '/dev/vdb')).toEqual([]);
    expect(ops('wipefs', '-a', '-n', '/dev/vdb')).toEqual([]);
  });
});

describe('wal-g wal-fetch, pgbackrest archive-get', () => {
  it('name the file they write', () => {
    expect(ops('wal-g', 'wal-fetch', '000000010000000000000001', '/d/data/pg_wal/RECOVERYXLOG')).toEqual([{ type: 'wal-fetch', paths: ['/d/data/pg_wal/RECOVERYXLOG'], tool: 'wal-g wal-fetch' }]);
    expect(ops('wal-g', 'wal-prefetch', '000000010000000000000001', '/d/data/pg_wal/.wal-g/prefetch')[0]).toMatchObject({ type: 'wal-fetch' });
    expect(ops('pgbackrest', '--stanza=main', 'archive-get', '000000010000000000000001', '/d/data/pg_wal/RECOVERYXLOG')).toEqual([{ type: 'wal-fetch', paths: ['/d/data/pg_wal/RECOVERYXLOG'], tool: 'pgbackrest archive-get' }]);
  });
});
