// Pure parsers of the facts layer: pid file, /proc stat, mountinfo, postgresql.conf, conninfo, INI, role.
import { describe, expect, it } from 'vitest';
import { parsePidFile } from '../../src/facts/cluster.js';
import { dataDirFromArgv, isPostmasterArgv } from '../../src/facts/proc.js';
import { parseProcStat } from '../../src/facts/procfs.js';
import { aliasesOf, parseMountInfo } from '../../src/facts/mounts.js';
import { parseConninfo, parsePgConf } from '../../src/facts/pgconf.js';
import { parseIni } from '../../src/facts/pgbackrest-conf.js';
import { deriveRole, type RoleInput } from '../../src/facts/role.js';

describe('postmaster.pid', () => {
  it('reads lines 1, 3, 4, 5, 8 and trims the padded status', () => {
    const text = '4242\n/var/lib/postgresql/15/main\n1763780000\n5432\n/var/run/postgresql\n*\n  5432001    262144\nready   \n';
    expect(parsePidFile(text)).toEqual({ pid: 4242, startEpoch: 1763780000, port: 5432, socketDir: '/var/run/postgresql', status: 'ready' });
  });
  it('tolerates fewer lines (they appear over time) and an empty socket dir', () => {
    expect(parsePidFile('4242\n/d\n1763780000\n5432\n\n')).toEqual({ pid: 4242, startEpoch: 1763780000, port: 5432, socketDir: null, status: null });
    expect(parsePidFile('4242\n')).toEqual({ pid: 4242, startEpoch: null, port: null, socketDir: null, status: null });
  });
  it('keeps a negative pid (single-user backend) and rejects garbage', () => {
    expect(parsePidFile('-4242\n/d\n')?.pid).toBe(-4242);
    expect(parsePidFile('')).toBeNull();
    expect(parsePidFile('abc\n')).toBeNull();
  });
});

describe('/proc', () => {
  it('parses stat even when comm has spaces and parentheses', () => {
    const stat = '1234 (postgres: a) b) S 1 1234 1234 34816 1234 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615';
    expect(parseProcStat(stat)).toEqual({ ppid: 1, startTicks: 987654, ttyNr: 34816 });
  });
  it('tells a postmaster from a child title', () => {
    expect(isPostmasterArgv(['/usr/lib/postgresql/15/bin/postgres', '-D', '/x'])).toBe(true);
    expect(isPostmasterArgv(['postmaster'])).toBe(true);
    expect(isPostmasterArgv(['postgres: 15/main: checkpointer '])).toBe(false);
    expect(isPostmasterArgv(['/usr/bin/postgresql-wrapper'])).toBe(false);
  });
  it.each([
    [['postgres', '-D', '/a'], '/a', null],
    [['postgres', '-D/a'], '/a', null],
    [['postgres', '--data-directory=/a'], '/a', null],
    [['postgres', '-c', 'data_directory=/a'], '/a', null],
    [['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main', '-c', 'config_file=/etc/postgresql/15/main/postgresql.conf'], '/var/lib/postgresql/15/main', '/etc/postgresql/15/main/postgresql.conf'],
    [['postgres', '-p', '5432'], null, null],
  ])('finds the data dir in %j', (argv, dir, conf) => {
    expect(dataDirFromArgv(argv as string[])).toEqual({ dir, configFile: conf });
  });
});

describe('mountinfo', () => {
  const text = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '30 22 8:1 /var/lib/postgresql /mnt/pg rw,relatime shared:1 - ext4 /dev/vda rw',
    '31 22 8:1 /var/lib/postgresql/15/main/base /mnt/base rw - ext4 /dev/vda rw',
    '32 22 0:50 / /waldisk rw - tmpfs tmpfs rw',
    '33 22 8:1 /srv /mnt/with\\040space rw - ext4 /dev/vda rw',
  ].join('\n');
  const mounts = parseMountInfo(text);
  it('parses and unescapes', () => {
    expect(mounts).toHaveLength(5);
    expect(mounts[4]!.mountPoint).toBe('/mnt/with space');
  });
  it('finds every other place the data dir is visible', () => {
    expect(aliasesOf('/var/lib/postgresql/15/main', mounts).sort()).toEqual(['/mnt/base', '/mnt/pg/15/main']);
  });
  it('finds nothing for a path on its own file system', () => {
    expect(aliasesOf('/waldisk/pg_wal', mounts)).toEqual([]);
  });
});

describe('postgresql.conf and conninfo', () => {
  it('reads quoted and bare values, comments, last wins', () => {
    const conf = parsePgConf("data_directory = '/var/lib/postgresql/15/main'\t# use data in another directory\nport = 5433 # (change requires restart)\n#port = 1\nprimary_conninfo = 'host=10.0.0.5 port=5432 user=rep password=''x'''\nport=5434\n");
    expect(conf.get('data_directory')).toBe('/var/lib/postgresql/15/main');
    expect(conf.get('port')).toBe('5434');
    expect(conf.get('primary_conninfo')).toBe("host=10.0.0.5 port=5432 user=rep password='x'");
  });
  it.each([
    ['host=10.0.0.5 port=5432 user=rep', '10.0.0.5', 5432],
    ["user=rep host='/tmp/sock dir' port=6000", '/tmp/sock dir', 6000],
    ['hostaddr=10.0.0.9', '10.0.0.9', null],
    ['postgresql://rep@db-02.example.com:5433/postgres', 'db-02.example.com', 5433],
  ])('conninfo %s', (ci, host, port) => {
    expect(parseConninfo(ci)).toEqual({ host, port });
  });
});

describe('pgBackRest INI', () => {
  it('reads sections and keys', () => {
    const ini = parseIni('[global]\nrepo1-path=/var/lib/pgbackrest\n\n# comment\n[main]\npg1-path=/var/lib/postgresql/15/main\n[main:restore]\npg1-path = /restore/here\n');
    expect(ini.get('main')?.get('pg1-path')).toBe('/var/lib/postgresql/15/main');
    expect(ini.get('main:restore')?.get('pg1-path')).toBe('/restore/here');
  });
});

describe('role', () => {
  const base: RoleInput = { running: true, standbySignal: false, recoverySignal: false, recoveryConf: null, promoteRequested: false, sql: null };
  it.each<[string, Partial<RoleInput>, string, string]>([
    ['sql primary', { sql: { ok: true, inRecovery: false, walReceiver: false } }, 'primary', 'sql'],
    ['sql standby', { standbySignal: true, sql: { ok: true, inRecovery: true, walReceiver: true } }, 'standby', 'sql'],
    ['sql PITR', { recoverySignal: true, sql: { ok: true, inRecovery: true, walReceiver: false } }, 'recovering', 'sql'],
    ['sql says primary despite a leftover recovery.signal', { recoverySignal: true, standbySignal: false, sql: { ok: true, inRecovery: false, walReceiver: false } }, 'primary', 'sql'],
    ['promotion requested', { standbySignal: true, promoteRequested: true, sql: { ok: true, inRecovery: true, walReceiver: true } }, 'unknown', 'sql'],
    ['files only: standby', { standbySignal: true, sql: { ok: false, error: 'peer auth' } }, 'standby', 'signal-file'],
    ['files only: primary', {}, 'primary', 'signal-file'],
    ['unreadable signal files', { standbySignal: 'unknown' }, 'unknown', 'signal-file'],
    ['liveness unknown', { running: 'unknown' }, 'unknown', 'none'],
    ['stopped standby', { running: false, standbySignal: true }, 'standby', 'signal-file'],
    ['stopped PG11 standby', { running: false, recoveryConf: 'standby' }, 'standby', 'signal-file'],
    ['stopped primary', { running: false }, 'primary', 'signal-file'],
  ])('%s', (_, over, role, source) => {
    const r = deriveRole({ ...base, ...over });
    expect([r.role, r.source]).toEqual([role, source]);
  });
});

describe('one setting from postgresql.conf', () => {
  it('finds the last uncommented data_directory, quoted or not, and ignores comments', async () => {
    const { settingFromConf } = await import('../../src/facts/pgconf.js');
    const text = "#data_directory = '/nope'\n# data_directory = '/nope2'\ndata_directory = '/var/lib/postgresql/15/main'\t\t# use data in another directory\nport = 5432\n  DATA_DIRECTORY='/srv/pg/15/main'\n";
    expect(settingFromConf(text, 'data_directory')).toBe('/srv/pg/15/main');
    expect(settingFromConf('port = 5\n', 'data_directory')).toBeNull();
    expect(settingFromConf("data_directory = /bare/path # c\n", 'data_directory')).toBe('/bare/path');
  });
});

describe('postgres processes that are not servers', () => {
  it.each([
    [['/usr/lib/postgresql/15/bin/postgres', '-C', 'data_directory', '-D', '/etc/postgresql/15/main']],
    [['postgres', '-Cdata_directory']],
    [['postgres', '--describe-config']],
    [['postgres', '-V']],
    [['postgres', '--version']],
  ])('%j only prints and exits: not a postmaster', (argv) => {
    expect(isPostmasterArgv(argv)).toBe(false);
  });
  it('a single-user backend still holds its data dir', () => {
    expect(isPostmasterArgv(['postgres', '--single', '-D', '/x', 'postgres'])).toBe(true);
  });
});
