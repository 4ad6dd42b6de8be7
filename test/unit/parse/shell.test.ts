import { describe, expect, it } from 'vitest';
import { parseExec } from '../../../src/command/parse.js';

const STOP_D = [{ type: 'stop', refs: [{ kind: 'path', path: '/d' }], mode: 'fast', restart: false }];
const stopAt = (path: string) => [{ type: 'stop', refs: [{ kind: 'path', path }], mode: 'fast', restart: false }];

describe('sh -c', () => {
  it.each([
    [['sh', '-c', 'pg_ctl -D /d stop'], false],
    [['bash', '-c', 'pg_ctl -D /d stop'], false],
    [['dash', '-c', 'pg_ctl -D /d stop'], false],
    [['/bin/sh', '-ec', 'pg_ctl -D /d stop'], false],
    [['bash', '-e', '-c', 'pg_ctl -D /d stop'], false],
    [['bash', '-o', 'pipefail', '-c', 'pg_ctl -D /d stop'], false],
    [['bash', '-eo', 'pipefail', '-c', 'pg_ctl -D /d stop'], false],
    [['bash', '--norc', '-c', 'pg_ctl -D /d stop'], false],
    [['bash', '-c', 'pg_ctl -D /d stop', 'name', 'arg'], false],
    [['sh', '-c', '  pg_ctl   -D "/d"  stop  '], false],
    [['sh', '-c', "pg_ctl -D '/d' stop"], false],
    [['sh', '-c', 'exec pg_ctl -D /d stop'], false],
    [['sh', '-c', 'sudo -u postgres pg_ctl -D /d stop'], false],
    [['sh', '-c', "sh -c 'pg_ctl -D /d stop'"], false],
    [['bash', '-lc', 'pg_ctl -D /d stop'], true],
    [['bash', '-l', '-c', 'pg_ctl -D /d stop'], true],
    [['bash', '--login', '-c', 'pg_ctl -D /d stop'], true],
    [['bash', '-ic', 'pg_ctl -D /d stop'], true],
    [['zsh', '-c', 'pg_ctl -D /d stop'], true],
    [['zsh', '-fc', 'pg_ctl -D /d stop'], false],
    [['eval', 'pg_ctl -D /d stop'], false],
    [['eval', 'pg_ctl', '-D', '/d', 'stop'], false],
  ])('%j stops /d (environment unknown: %s)', (argv, unknown) => {
    const r = parseExec(argv, {});
    expect(r.tool).toBe('pg_ctl');
    expect(r.innerArgv).toEqual(['pg_ctl', '-D', '/d', 'stop']);
    expect(r.ops).toEqual(STOP_D);
    expect(r.envUnknown).toBe(unknown);
  });

  it('bash with $BASH_ENV set reads a file first: unknown environment', () => {
    expect(parseExec(['bash', '-c', 'pg_ctl stop'], { BASH_ENV: '/etc/bashenv', PGDATA: '/x' }).envUnknown).toBe(true);
    expect(parseExec(['sh', '-c', 'pg_ctl stop'], { BASH_ENV: '/etc/bashenv', PGDATA: '/x' }).ops).toEqual(stopAt('/x'));
  });

  it('keeps quoted words whole and non-ASCII intact', () => {
    expect(parseExec(['sh', '-c', `rm -rf "/srv/my data" '/srv/ü x' /srv/é`], {}).ops).toEqual([
      { type: 'remove', paths: ['/srv/my data', '/srv/ü x', '/srv/é'], recursive: true },
    ]);
  });

  it('assignments before the command set its environment', () => {
    const r = parseExec(['sh', '-c', 'PGDATA=/x LC_ALL=C pg_ctl stop'], {});
    expect(r.envOverrides).toEqual({ PGDATA: '/x', LC_ALL: 'C' });
    expect(r.ops).toEqual(stopAt('/x'));
  });

  it.each([
    ['sh', 'rm -rf $PGDATA', 'rm'],
    ['sh', 'rm -rf "$PGDATA"', 'rm'],
    ['sh', 'cd /var/lib/postgresql && rm -rf 15/main', 'rm'],
    ['sh', 'rm -rf /var/lib/postgresql/15/main/*', 'rm'],
    ['sh', 'rm -rf ~/15/main', 'rm'],
    ['sh', 'rm -rf `cat list`', 'rm'],
    ['sh', 'rm -rf $(cat list)', 'rm'],
    ['sh', 'for d in a b; do rm -rf $d; done', 'rm'],
    ['sh', 'if true\nthen rm -rf x\nfi', 'rm'],
    ['sh', 'coproc rm -rf x', 'rm'],
    ['sh', 'echo x;rm -rf y', 'rm'],
    ['sh', 'rm -rf x\\ y', 'rm'],
    ['sh', "rm -rf 'unclosed", 'rm'],
    ['bash', 'pg_ctl stop; echo done', 'pg_ctl'],
    ['bash', '/opt/wal-g/wal-g backup-fetch "$DEST" LATEST', 'wal-g'],
    ['sh', 'systemctl stop postgresql@15-main || true', 'systemctl'],
    ['dash', 'sudo -u postgres /usr/lib/postgresql/15/bin/pg_ctl -D $D stop', 'pg_ctl'],
  ])('%s -c %j is opaque (%s)', (shell, script, tool) => {
    const r = parseExec([shell, '-c', script], {});
    expect(r.tool).toBe(tool);
    expect(r.ops).toEqual([{ type: 'opaque', why: `a shell script (${shell} -c) runs ${tool}; safeops cannot see its arguments` }]);
    expect(r.innerArgv).toEqual([shell, '-c', script]);
  });

  it('eval of a script safeops cannot read is opaque too', () => {
    expect(parseExec(['eval', 'rm -rf $X'], {}).ops).toEqual([{ type: 'opaque', why: 'a shell script (eval) runs rm; safeops cannot see its arguments' }]);
  });

  it.each([
    [['sh', '-c', 'echo hi > /tmp/x']],
    [['sh', '-c', 'echo hello']],
    [['sh', '-c', '']],
    [['sh', '-c', 'A=1']],
    [['sh', '-c']],
    [['sh', 'script.sh']],
    [['sh']],
    [['bash', '-s']],
    [['bash', '-c', 'ls $HOME']],
  ])('%j runs nothing guarded', (argv) => {
    const r = parseExec(argv, {});
    expect(r.tool).toBeNull();
    expect(r.ops).toEqual([]);
  });
});
