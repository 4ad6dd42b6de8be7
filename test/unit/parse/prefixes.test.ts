import { describe, expect, it } from 'vitest';
import { parseExec, parseSudo } from '../../../src/command/parse.js';

const DATA = '/var/lib/postgresql/15/main';
const STOP_D = [{ type: 'stop', refs: [{ kind: 'path', path: '/d' }], mode: 'fast', restart: false }];
const stopAt = (path: string) => [{ type: 'stop', refs: [{ kind: 'path', path }], mode: 'fast', restart: false }];

describe('sudo', () => {
  it.each([
    [[]],
    [['-u', 'postgres']],
    [['-upostgres']],
    [['--user=postgres']],
    [['--user', 'postgres']],
    [['--us=postgres']],
    [['-E']],
    [['-En']],
    [['-Eu', 'postgres']],
    [['-nEupostgres']],
    [['--preserve-env']],
    [['--preserve-env=PGDATA,PATH']],
    [['--']],
    [['-u', 'postgres', '--']],
    [['-g', 'postgres', '-C', '5', '-p', 'pw:', '-r', 'role', '-t', 'type', '-U', 'u', '-T', '10']],
    [['--group=postgres', '--close-from=5', '--prompt=pw:', '--role=r', '--type=t', '--other-user=u', '--command-timeout=10']],
    [['-h', 'localhost']],
    [['-hlocalhost']],
    [['--host=localhost']],
    [['-H', '-P', '-S', '-n', '-b', '-A', '-B', '-N']],
    [['--set-home', '--preserve-groups', '--stdin', '--non-interactive', '--background', '--askpass', '--bell', '--no-update']],
    [['-a', 'style', '-c', 'class', '--auth-type=s', '--login-class=c']],
    [['-k']],
    [['--reset-timestamp']],
  ])('sudo %j pg_ctl -D /d stop', (opts) => {
    const r = parseSudo([...opts, 'pg_ctl', '-D', '/d', 'stop'], {});
    expect(r.tool).toBe('pg_ctl');
    expect(r.innerArgv).toEqual(['pg_ctl', '-D', '/d', 'stop']);
    expect(r.ops).toEqual(STOP_D);
    expect(r.envUnknown).toBe(false);
    expect(r.notes).toEqual([]);
  });

  it.each([[['-l']], [['--list']], [['-v']], [['--validate']], [['-K']], [['--remove-timestamp']], [['-V']], [['--version']], [['-e']], [['--edit']], [['--help']], [['-ll']]])(
    'sudo %j pg_ctl ... runs nothing guarded',
    (opts) => {
      const r = parseSudo([...opts, 'pg_ctl', '-D', '/d', 'stop'], {});
      expect(r.tool).toBeNull();
      expect(r.ops).toEqual([]);
      expect(r.innerArgv).toEqual([]);
    },
  );

  it('sudo -h alone is help; sudo -h HOST takes the next word as a host', () => {
    expect(parseSudo(['-h'], {}).tool).toBeNull();
    expect(parseSudo(['-h', '-u', 'postgres', 'rm', 'x'], {}).tool).toBeNull();
    const r = parseSudo(['-h', 'pg_ctl', '-D', '/d', 'stop'], {});
    expect([r.tool, r.innerArgv, r.cwd]).toEqual([null, ['stop'], '/d']);
  });

  it('sudoedit runs nothing guarded', () => {
    expect(parseExec(['sudoedit', '/etc/postgresql/15/main/postgresql.conf'], {}).tool).toBeNull();
  });

  it('sudo VAR=value sets the environment', () => {
    const r = parseSudo(['-u', 'postgres', 'PGDATA=/x', 'A=1', 'pg_ctl', 'stop'], { PGDATA: '/caller' });
    expect(r.envOverrides).toEqual({ PGDATA: '/x', A: '1' });
    expect(r.ops).toEqual(stopAt('/x'));
  });

  it('plain sudo keeps the caller environment (PGDATA)', () => {
    expect(parseSudo(['pg_ctl', 'stop'], { PGDATA: '/caller' }).ops).toEqual(stopAt('/caller'));
  });

  it.each([[['-D', '/var/lib/postgresql']], [['--chdir=/var/lib/postgresql']], [['--chdir', '/var/lib/postgresql']], [['-D/var/lib/postgresql']]])('sudo %j sets the cwd', (opts) => {
    const r = parseSudo([...opts, 'rm', '-rf', '15/main'], {});
    expect(r.cwd).toBe('/var/lib/postgresql');
    expect(r.ops).toEqual([{ type: 'remove', paths: ['15/main'], recursive: true }]);
  });

  it.each([[['-i']], [['--login']], [['-iu', 'postgres']]])('sudo %j: the environment and the directory are unknown', (opts) => {
    const r = parseSudo([...opts, 'pg_ctl', 'stop'], { PGDATA: '/caller' });
    expect(r.envUnknown).toBe(true);
    expect(r.ops).toEqual([{ type: 'stop', refs: [{ kind: 'unknown', why: 'pg_ctl without -D uses $PGDATA from an environment safeops cannot see' }], mode: 'fast', restart: false }]);
    expect(parseSudo([...opts, 'rm', '-rf', '15/main', '/abs'], {}).ops).toEqual([
      { type: 'remove', paths: ['15/main', '/abs'], recursive: true },
      { type: 'opaque', why: "sudo -i starts in the target user's home directory; safeops cannot tell where 15/main is" },
    ]);
  });

  it('sudo -i with absolute paths only, or with -D, needs no extra op', () => {
    expect(parseSudo(['-i', 'rm', '-rf', DATA], {}).ops).toEqual([{ type: 'remove', paths: [DATA], recursive: true }]);
    expect(parseSudo(['-i', '-D', '/srv', 'rm', '-rf', 'x'], {}).ops).toEqual([{ type: 'remove', paths: ['x'], recursive: true }]);
  });

  it.each([[['-s']], [['--shell']]])('sudo %j: the environment is unknown', (opts) => {
    const r = parseSudo([...opts, 'pg_ctl', '-D', '/d', 'stop'], {});
    expect(r.envUnknown).toBe(true);
    expect(r.ops).toEqual(STOP_D);
  });

  it('sudo -R DIR (chroot): paths inside are not ours', () => {
    expect(parseSudo(['-R', '/mnt', 'rm', '-rf', DATA], {}).ops).toEqual([
      { type: 'remove', paths: [DATA], recursive: true },
      { type: 'opaque', why: 'sudo -R /mnt runs the command inside a chroot; safeops cannot see the paths and clusters it acts on' },
    ]);
  });

  it('sudo alone, or sudo -i alone, runs nothing guarded', () => {
    expect(parseSudo([], {}).tool).toBeNull();
    expect(parseSudo(['-i'], {}).tool).toBeNull();
  });
});

describe('the other prefixes', () => {
  it.each([
    [['time']],
    [['time', '-p']],
    [['time', '-f', '%e']],
    [['time', '-f%e', '-o', '/tmp/t', '-a']],
    [['time', '-v', '-q']],
    [['time', '--format=%e', '--output=/tmp/t', '--append', '--verbose', '--portability', '--quiet']],
    [['time', '--format', '%e', '--']],
    [['/usr/bin/time', '-p']],
    [['nice']],
    [['nice', '-n', '5']],
    [['nice', '-n5']],
    [['nice', '-n', '-5']],
    [['nice', '-5']],
    [['nice', '--5']],
    [['nice', '-+5']],
    [['nice', '--adjustment=5']],
    [['nice', '--adjustment', '5']],
    [['nice', '--adj=5']],
    [['ionice', '-c', '3']],
    [['ionice', '-c3', '-n7']],
    [['ionice', '-t', '-c', '2', '-n', '0']],
    [['ionice', '--class', 'idle']],
    [['nohup']],
    [['nohup', '--']],
    [['command']],
    [['command', '-p']],
    [['exec']],
    [['exec', '-a', 'renamed']],
    [['exec', '-l']],
    [['stdbuf', '-oL']],
    [['stdbuf', '-o', 'L', '-e', '0', '-i0']],
    [['stdbuf', '--output=L', '--error=0']],
    [['timeout', '10']],
    [['timeout', '-k', '5', '10']],
    [['timeout', '-s', 'KILL', '1m']],
    [['timeout', '--foreground', '--preserve-status', '-v', '--kill-after=5', '--signal=TERM', '2h']],
    [['chrt', '-r', '10']],
    [['chrt', '--idle', '0']],
    [['chrt', '-o']],
    [['chrt', '-b', '0']],
    [['taskset', '0x3']],
    [['taskset', '-c', '0-3']],
    [['taskset', '--cpu-list', '1,2']],
    [['setsid']],
    [['setsid', '-f', '-w']],
    [['env']],
    [['env', 'FOO=bar']],
    [['env', '--']],
    [['env', '-v']],
    [['runuser', '-u', 'postgres', '--']],
    [['runuser', '-u', 'postgres']],
    [['runuser', '--user=postgres', '-g', 'postgres', '--']],
    [['doas']],
    [['doas', '-u', 'postgres']],
    [['doas', '-n', '-u', 'postgres']],
    [['eval']],
    [['sudo', '-u', 'postgres', 'env', 'X=1', 'time', 'nice', '-n5', 'ionice', '-c3', 'nohup']],
    [['/usr/bin/sudo', '/usr/bin/env', '/usr/bin/time', '-p', '/usr/bin/nice', '/usr/bin/nohup']],
  ])('%j pg_ctl -D /d stop', (prefix) => {
    const r = parseExec([...prefix, 'pg_ctl', '-D', '/d', 'stop'], {});
    expect(r.tool).toBe('pg_ctl');
    expect(r.innerArgv).toEqual(['pg_ctl', '-D', '/d', 'stop']);
    expect(r.ops).toEqual(STOP_D);
    expect(r.notes).toEqual([]);
  });

  it.each([
    [['time', '-V']],
    [['time', '--version']],
    [['nice', '--help']],
    [['ionice', '-p', '123']],
    [['ionice', '-P', '1']],
    [['ionice', '-u', '1000']],
    [['nohup', '--version']],
    [['command', '-v']],
    [['command', '-V']],
    [['chrt', '-p', '10']],
    [['chrt', '-m']],
    [['taskset', '-p', '0x1']],
    [['timeout']],
    [['env', '--help']],
    [['doas', '-C', '/etc/doas.conf']],
    [['doas', '-L']],
    [['runuser', '--help']],
  ])('%j pg_ctl ... runs nothing guarded', (prefix) => {
    const r = parseExec([...prefix, 'pg_ctl', '-D', '/d', 'stop'], {});
    expect(r.tool).toBeNull();
    expect(r.ops).toEqual([]);
  });

  it.each([[['timeout']], [['taskset']], [['env']], [['env', 'A=1']], [['nice']], [['time']], [['chroot']], [['exec']], [['sudo', '--']], [['env', '-0']]])(
    '%j alone runs nothing',
    (argv) => {
      const r = parseExec(argv, {});
      expect(r.tool).toBeNull();
      expect(r.innerArgv).toEqual([]);
    },
  );

  it('exec -c clears the environment', () => {
    expect(parseExec(['exec', '-c', 'pg_ctl', 'stop'], { PGDATA: '/caller' }).ops).toEqual([]);
  });

  it('doas -s: unknown environment', () => {
    expect(parseExec(['doas', '-s', 'pg_ctl', 'stop'], {}).envUnknown).toBe(true);
  });

  it('chroot: paths inside are not ours', () => {
    expect(parseExec(['chroot', '/mnt', 'rm', '-rf', DATA], {}).ops).toEqual([
      { type: 'remove', paths: [DATA], recursive: true },
      { type: 'opaque', why: 'chroot /mnt runs the command inside another root; safeops cannot see the paths and clusters it acts on' },
    ]);
    expect(parseExec(['chroot', '--userspec=postgres', '/mnt', 'pg_ctl', '-D', '/d', 'status'], {}).ops).toEqual([]);
  });
});

describe('env', () => {
  it.each([
    [['env', 'PGDATA=/x'], '/x'],
    [['env', '-i', 'PGDATA=/x'], '/x'],
    [['env', '--ignore-environment', 'PGDATA=/x'], '/x'],
    [['env', '-', 'PGDATA=/x'], '/x'],
    [['env', '-S', 'PGDATA=/x'], '/x'],
    [['env', '-SPGDATA=/x'], '/x'],
    [['env', '--split-string=PGDATA=/x'], '/x'],
    [['env', '-u', 'OTHER', 'PGDATA=/x'], '/x'],
    [['env', 'PGDATA=/a', 'env', 'PGDATA=/x'], '/x'],
    [['sudo', 'PGDATA=/a', 'env', 'PGDATA=/x'], '/x'],
  ])('%j pg_ctl stop uses PGDATA=%s', (prefix, pgdata) => {
    expect(parseExec([...prefix, 'pg_ctl', 'stop'], { PGDATA: '/caller' }).ops).toEqual(stopAt(pgdata));
  });

  it('-S splits its string into options, assignments and the command', () => {
    const r = parseExec(['env', '-S', '-i PGDATA=/x pg_ctl stop -m smart'], { PGDATA: '/caller', HOME: '/root' });
    expect(r.innerArgv).toEqual(['pg_ctl', 'stop', '-m', 'smart']);
    expect(r.ops).toEqual([{ type: 'stop', refs: [{ kind: 'path', path: '/x' }], mode: 'smart', restart: false }]);
    expect(parseExec(['env', '-S', 'pg_ctl -D "/a b" stop'], {}).ops).toEqual(stopAt('/a b'));
  });

  it.each([[['env', '-i']], [['env', '-u', 'PGDATA']], [['env', '-uPGDATA']], [['env', '--unset=PGDATA']], [['env', '--unset', 'PGDATA']], [['env', '-']]])(
    '%j pg_ctl stop: no PGDATA, pg_ctl refuses',
    (prefix) => {
      const r = parseExec([...prefix, 'pg_ctl', 'stop'], { PGDATA: '/caller' });
      expect(r.tool).toBe('pg_ctl');
      expect(r.ops).toEqual([]);
      expect(r.notes).toContain('pg_ctl has neither -D nor $PGDATA: it will refuse to run');
    },
  );

  it.each([
    [['env', '-C', '/srv'], '/srv'],
    [['env', '--chdir=/srv'], '/srv'],
    [['env', '-C/srv'], '/srv'],
    [['env', '-C', 'rel'], 'rel'],
    [['sudo', '-D', '/a', 'env', '-C', 'b'], '/a/b'],
    [['env', '-C', '/a', 'env', '-C', '../c'], '/c'],
    [['env', '-C', '/a', 'sudo', '-D', '/z'], '/z'],
    [['env', '-C', 'x', 'env', '-C', 'y'], 'x/y'],
  ])('%j sets cwd %s', (prefix, cwd) => {
    expect(parseExec([...prefix, 'rm', 'f'], {}).cwd).toBe(cwd);
  });

  it('overrides accumulate across prefixes; env -i drops the outer ones', () => {
    expect(parseExec(['env', 'A=1', 'sudo', 'B=2', 'env', 'C=3', 'A=4', 'rm', 'x'], {}).envOverrides).toEqual({ A: '4', B: '2', C: '3' });
    expect(parseExec(['env', 'A=1', 'env', '-i', 'B=2', 'rm', 'x'], {}).envOverrides).toEqual({ B: '2' });
    expect(parseExec(['env', 'A=1', 'env', '-u', 'A', 'rm', 'x'], {}).envOverrides).toEqual({});
  });
});

describe('unknown environments', () => {
  it('stick once set, but variables set after are known', () => {
    const r = parseExec(['sudo', '-i', 'env', 'PGDATA=/x', 'pg_ctl', 'stop'], {});
    expect(r.envUnknown).toBe(true);
    expect(r.envOverrides).toEqual({ PGDATA: '/x' });
    expect(r.ops).toEqual(stopAt('/x'));
  });

  it('env -i after sudo -i makes the environment known (and empty) again', () => {
    const r = parseExec(['sudo', '-i', 'env', '-i', 'pg_ctl', 'stop'], { PGDATA: '/caller' });
    expect(r.envUnknown).toBe(true);
    expect(r.ops).toEqual([]);
  });

  it('sudo -i VAR=value: the login shell may override VAR', () => {
    expect(parseExec(['sudo', '-i', 'PGDATA=/x', 'pg_ctl', 'stop'], {}).ops[0]).toMatchObject({ refs: [{ kind: 'unknown' }] });
  });
});

describe('runuser and su', () => {
  it.each([
    [['runuser', '-u', 'postgres', '--', 'pg_ctl', '-D', '/d', 'stop'], false],
    [['runuser', '-u', 'postgres', 'pg_ctl', '-D', '/d', 'stop'], false],
    [['runuser', '-upostgres', 'pg_ctl', '-D', '/d', 'stop'], false],
    [['runuser', 'postgres', '-c', 'pg_ctl -D /d stop'], false],
    [['runuser', '-l', 'postgres', '-c', 'pg_ctl -D /d stop'], true],
    [['su', 'postgres', '-c', 'pg_ctl -D /d stop'], false],
    [['su', '-c', 'pg_ctl -D /d stop', 'postgres'], false],
    [['su', '--command=pg_ctl -D /d stop', 'postgres'], false],
    [['su', '-', 'postgres', '-c', 'pg_ctl -D /d stop'], true],
    [['su', '-l', 'postgres', '-c', 'pg_ctl -D /d stop'], true],
    [['su', '--login', 'postgres', '-c', 'pg_ctl -D /d stop'], true],
    [['su', '-s', '/bin/bash', 'postgres', '-c', 'pg_ctl -D /d stop'], false],
    [['sudo', 'su', '-', 'postgres', '-c', 'pg_ctl -D /d stop'], true],
  ])('%j stops /d (environment unknown: %s)', (argv, unknown) => {
    const r = parseExec(argv, {});
    expect(r.tool).toBe('pg_ctl');
    expect(r.ops).toEqual(STOP_D);
    expect(r.envUnknown).toBe(unknown);
  });

  it('su - starts in the home directory: relative paths are opaque', () => {
    expect(parseExec(['su', '-', 'postgres', '-c', 'rm -rf 15/main'], {}).ops).toEqual([
      { type: 'remove', paths: ['15/main'], recursive: true },
      { type: 'opaque', why: "su -l starts in the target user's home directory; safeops cannot tell where 15/main is" },
    ]);
  });

  it.each([[['su']], [['su', '-']], [['su', 'postgres']], [['runuser', '-u', 'postgres']]])('%j opens a shell: nothing guarded', (argv) => {
    expect(parseExec(argv, {}).tool).toBeNull();
  });
});
