import { describe, expect, it } from 'vitest';
import { parseSystemctl, unitRefs } from '../../../src/command/systemctl.js';
import { globCouldMatch, globMatches } from '../../../src/command/unit-glob.js';

const ctx = { env: {}, envUnknown: false };
const main15 = { kind: 'debian', version: '15', name: 'main' };
const stop = (refs: object[], restart = false) => [{ type: 'stop', refs, mode: 'fast', restart }];

describe('parseSystemctl: verbs', () => {
  it.each([
    [['stop', 'postgresql@15-main']],
    [['stop', 'postgresql@15-main.service']],
    [['--no-block', 'stop', 'postgresql@15-main']],
    [['stop', '--no-block', 'postgresql@15-main']],
    [['stop', 'postgresql@15-main', '-q']],
    [['-t', 'service', 'stop', 'postgresql@15-main']],
    [['--job-mode=fail', 'stop', 'postgresql@15-main']],
    [['--job-mode', 'fail', 'stop', 'postgresql@15-main']],
    [['--system', 'stop', 'postgresql@15-main']],
    [['--user', '--system', 'stop', 'postgresql@15-main']],
    [['stop', 'nginx', 'postgresql@15-main']],
    [['disable', '--now', 'postgresql@15-main']],
    [['mask', 'postgresql@15-main', '--now']],
    [['condstop', 'postgresql@15-main']],
  ])('systemctl %j stops 15/main', (args) => {
    expect(parseSystemctl(args, ctx)).toEqual({ ops: stop([main15]), notes: [] });
  });

  it.each(['restart', 'try-restart', 'reload-or-restart', 'try-reload-or-restart', 'reload-or-try-restart', 'condrestart', 'force-reload'])(
    '%s is a restart',
    (verb) => {
      expect(parseSystemctl([verb, 'postgresql@15-main'], ctx).ops).toEqual(stop([main15], true));
    },
  );

  it.each([
    [['kill', 'postgresql@15-main'], 'SIGTERM'],
    [['kill', '-s', 'KILL', 'postgresql@15-main'], 'KILL'],
    [['kill', '-sKILL', 'postgresql@15-main'], 'KILL'],
    [['kill', '--signal=SIGKILL', 'postgresql@15-main'], 'SIGKILL'],
    [['kill', '--signal', '9', '--kill-whom=main', 'postgresql@15-main'], '9'],
    [['--kill-value=1', 'kill', 'postgresql@15-main', '-s', 'QUIT'], 'QUIT'],
  ])('systemctl %j sends %s', (args, signal) => {
    expect(parseSystemctl(args, ctx).ops).toEqual([{ type: 'kill', refs: [main15], signal }]);
  });

  it.each([
    [['start', 'postgresql@15-main']],
    [['reload', 'postgresql@15-main']],
    [['status', 'postgresql@15-main']],
    [['enable', 'postgresql@15-main']],
    [['disable', 'postgresql@15-main']],
    [['-p', 'MainPID', 'show', 'postgresql@15-main']],
    [['is-active', 'postgresql']],
    [['stop', 'nginx']],
    [['stop']],
    [[]],
    [['--help', 'stop', 'postgresql']],
    [['--user', 'stop', 'postgresql@15-main']],
    [['--system', '--user', 'restart', 'postgresql']],
  ])('systemctl %j: no ops', (args) => {
    expect(parseSystemctl(args, ctx).ops).toEqual([]);
  });

  it('several units: one op naming each cluster', () => {
    expect(parseSystemctl(['stop', 'postgresql@15-main', 'postgresql@16-replica.service', 'postgresql-13'], ctx).ops).toEqual(
      stop([main15, { kind: 'debian', version: '16', name: 'replica' }, { kind: 'major', version: '13' }]),
    );
  });
});

describe('parseSystemctl: other hosts', () => {
  it.each([
    [['-H', 'db2', 'stop', 'postgresql@15-main'], 'systemctl -H db2 acts on another host whose facts safeops cannot see'],
    [['--host=db2', 'restart', 'postgresql'], 'systemctl -H db2 acts on another host whose facts safeops cannot see'],
    [['kill', '-H', 'root@db2', 'postgresql@15-main'], 'systemctl -H root@db2 acts on another host whose facts safeops cannot see'],
    [['-M', 'pgbox', 'stop', 'postgresql@15-main'], 'systemctl -M pgbox acts on another host whose facts safeops cannot see'],
    [['--machine=pgbox', 'stop', 'postgresql-15'], 'systemctl -M pgbox acts on another host whose facts safeops cannot see'],
    [['--capsule=c1', 'stop', 'postgresql-15'], 'systemctl --capsule c1 acts on another host whose facts safeops cannot see'],
  ])('systemctl %j is opaque', (args, why) => {
    expect(parseSystemctl(args, ctx).ops).toEqual([{ type: 'opaque', why }]);
  });

  it.each([[['-H', 'db2', 'status', 'postgresql']], [['-H', 'db2', 'stop', 'nginx']], [['-H', 'db2', 'start', 'postgresql@15-main']]])('systemctl %j: no ops', (args) => {
    expect(parseSystemctl(args, ctx).ops).toEqual([]);
  });
});

describe('unitRefs', () => {
  const ALL = (unit: string) => [{ kind: 'all', why: `the unit pattern ${unit} may match every PostgreSQL unit` }];
  it.each([
    ['postgresql@15-main', [main15]],
    ['postgresql@9.6-main', [{ kind: 'debian', version: '9.6', name: 'main' }]],
    ['postgresql@15-my-cluster.service', [{ kind: 'debian', version: '15', name: 'my-cluster' }]],
    ['postgresql@15-a.b', [{ kind: 'debian', version: '15', name: 'a.b' }]],
    ['postgresql-15', [{ kind: 'major', version: '15' }]],
    ['postgresql-15.service', [{ kind: 'major', version: '15' }]],
    ['postgresql-9.6.service', [{ kind: 'major', version: '9.6' }]],
    ['postgresql', [{ kind: 'all', why: 'postgresql.service stops every Debian cluster' }]],
    ['postgresql.service', [{ kind: 'all', why: 'postgresql.service stops every Debian cluster' }]],
    ['system-postgresql.slice', [{ kind: 'all', why: 'system-postgresql.slice holds every Debian cluster' }]],
    ['postgresql@main', [{ kind: 'unknown', why: 'postgresql@main is a PostgreSQL unit safeops cannot map to a cluster' }]],
    ['postgresql*', ALL('postgresql*')],
    ['postgres*', ALL('postgres*')],
    ['*', ALL('*')],
    ['postgresql@15-*', ALL('postgresql@15-*')],
    ['postgresql@*.service', ALL('postgresql@*.service')],
    ['*@15-main*', ALL('*@15-main*')],
    ['[pq]ostgres*', ALL('[pq]ostgres*')],
    ['p?stgresql.service', ALL('p?stgresql.service')],
    ['system-*.slice', ALL('system-*.slice')],
    ['nginx', []],
    ['nginx*', []],
    ['*.timer', []],
    ['postgresql@15-m?in', []],
    ['[!p]*.service', []],
    ['postgresql.socket', []],
    ['patroni.service', []],
  ])('%s names %j', (unit, refs) => {
    expect(unitRefs(unit)).toEqual(refs);
  });

  it.each([
    ['post*.service', 'postgresql', '.service', true],
    ['*', 'postgresql', '.service', true],
    ['*.socket', 'postgresql', '.service', false],
    ['a*', 'postgresql', '.service', false],
    ['postgresql', 'postgresql', '.service', false],
    ['*sql*ice', 'postgresql', '.service', true],
  ])('globCouldMatch(%j, %j, %j) is %s', (glob, prefix, suffix, expected) => {
    expect(globCouldMatch(glob, prefix, suffix)).toBe(expected);
  });

  it.each([
    ['system-*.slice', 'system-postgresql.slice', true],
    ['[a-z]ystem-postgresql.slice', 'system-postgresql.slice', true],
    ['[[:alpha:]]ystem-postgresql.slice', 'system-postgresql.slice', true],
    ['system-postgresql.slic', 'system-postgresql.slice', false],
    ['[]]x', ']x', true],
    ['[', '[', true],
  ])('globMatches(%j, %j) is %s', (glob, name, expected) => {
    expect(globMatches(glob, name)).toBe(expected);
  });
});
