import { describe, expect, it } from 'vitest';
import { parsePgCtl } from '../../../src/command/pg-ctl.js';

const ctx = { env: {}, envUnknown: false };
const stop = (path: string, mode = 'fast', restart = false) => [{ type: 'stop', refs: [{ kind: 'path', path }], mode, restart }];

describe('parsePgCtl: data directory', () => {
  it.each([
    [['-D', '/d', 'stop']],
    [['stop', '-D', '/d']],
    [['-D/d', 'stop']],
    [['stop', '-D/d']],
    [['--pgdata=/d', 'stop']],
    [['--pgdata', '/d', 'stop']],
    [['stop', '--pgdata', '/d']],
    [['--pgd=/d', 'stop']],
    [['--pg', '/d', 'stop']],
    [['-D', '/a', '-D', '/d', 'stop']],
    [['-D', '/a', 'stop', '--pgdata=/d']],
    [['-s', '-w', '-D', '/d', 'stop']],
    [['-sw', '-D', '/d', 'stop']],
    [['-swD/d', 'stop']],
    [['-W', '-c', 'stop', '-D', '/d']],
    [['-t', '60', 'stop', '-D', '/d']],
    [['--timeout=60', '--wait', 'stop', '-D', '/d']],
    [['-l', '/tmp/log', '-o', '-c x=1', '-D', '/d', 'stop']],
    [['--log', '/tmp/log', '--options', '-k /tmp', '-D', '/d', 'stop']],
    [['-e', 'src', '-N', 'svc', '-P', 'pw', '-U', 'user', '-S', 'auto', '-p', '/usr/bin/postgres', '-D', '/d', 'stop']],
    [['--silent', '--no-wait', '--core-files', '-D', '/d', 'stop']],
  ])('pg_ctl %j stops /d fast', (args) => {
    expect(parsePgCtl(args, ctx)).toEqual({ ops: stop('/d'), notes: [] });
  });

  it('-D wins over $PGDATA', () => {
    expect(parsePgCtl(['-D', '/d', 'stop'], { env: { PGDATA: '/env' }, envUnknown: false }).ops).toEqual(stop('/d'));
  });

  it('uses $PGDATA without -D', () => {
    expect(parsePgCtl(['stop'], { env: { PGDATA: '/env' }, envUnknown: false }).ops).toEqual(stop('/env'));
  });

  it('an unknown environment without -D is an unknown cluster', () => {
    expect(parsePgCtl(['stop', '-m', 'i'], { env: {}, envUnknown: true }).ops).toEqual([
      { type: 'stop', refs: [{ kind: 'unknown', why: 'pg_ctl without -D uses $PGDATA from an environment safeops cannot see' }], mode: 'immediate', restart: false },
    ]);
  });

  it('a PGDATA known in an unknown environment (set after sudo -i) is used', () => {
    expect(parsePgCtl(['promote'], { env: { PGDATA: '/x' }, envUnknown: true }).ops).toEqual([{ type: 'promote', refs: [{ kind: 'path', path: '/x' }] }]);
  });

  it('neither -D nor PGDATA: pg_ctl refuses, no ops', () => {
    expect(parsePgCtl(['stop'], ctx)).toEqual({ ops: [], notes: ['pg_ctl has neither -D nor $PGDATA: it will refuse to run'] });
  });

  it('a value option swallows the next word (-l stop is a log file, the mode is start)', () => {
    expect(parsePgCtl(['-l', 'stop', '-D', '/d', 'start'], ctx).ops).toEqual([]);
  });
});

describe('parsePgCtl: modes', () => {
  it.each([
    [['-m', 'immediate'], 'immediate'],
    [['-mimmediate'], 'immediate'],
    [['-mi'], 'immediate'],
    [['-m', 'i'], 'immediate'],
    [['--mode=immediate'], 'immediate'],
    [['--mode', 'immediate'], 'immediate'],
    [['--mode=i'], 'immediate'],
    [['--mo=i'], 'immediate'],
    [['-m', 'fast'], 'fast'],
    [['-mf'], 'fast'],
    [['-m', 'smart'], 'smart'],
    [['-ms'], 'smart'],
    [['-m', 'i', '-m', 'smart'], 'smart'],
    [[], 'fast'],
  ])('stop with %j is %s', (mode, expected) => {
    expect(parsePgCtl(['-D', '/d', 'stop', ...mode], ctx).ops).toEqual(stop('/d', expected));
    expect(parsePgCtl([...mode, '-D', '/d', 'restart'], ctx).ops).toEqual(stop('/d', expected, true));
  });

  it('a mode pg_ctl would reject is judged as immediate, with a note', () => {
    expect(parsePgCtl(['-m', 'quick', '-D', '/d', 'stop'], ctx)).toEqual({
      ops: stop('/d', 'immediate'),
      notes: ['pg_ctl: unrecognised shutdown mode "quick" (pg_ctl will refuse it); judged as immediate'],
    });
  });

  it('promote', () => {
    expect(parsePgCtl(['promote', '-D', '/d', '-w'], ctx)).toEqual({ ops: [{ type: 'promote', refs: [{ kind: 'path', path: '/d' }] }], notes: [] });
  });

  it.each(['init', 'initdb', 'start', 'reload', 'status', 'logrotate', 'register', 'unregister'])('%s acts on no running cluster', (mode) => {
    expect(parsePgCtl(['-D', '/d', mode], ctx)).toEqual({ ops: [], notes: [] });
  });

  it.each([[['--help']], [['-?']], [['--version']], [['-V']], [['-D', '/d', 'stop', '--help']], [['stop', '-D', '/d', '-V']]])('%j runs nothing', (args) => {
    expect(parsePgCtl(args, ctx).ops).toEqual([]);
  });

  it('no mode, or an unknown one, does nothing', () => {
    expect(parsePgCtl(['-D', '/d'], ctx)).toEqual({ ops: [], notes: ['pg_ctl without a mode does nothing'] });
    expect(parsePgCtl(['-D', '/d', 'halt'], ctx)).toEqual({ ops: [], notes: ['pg_ctl: unrecognised mode "halt" (pg_ctl will refuse it)'] });
  });

  it('an unknown option passes through with a note', () => {
    expect(parsePgCtl(['-D', '/d', '--frobnicate', 'stop'], ctx)).toEqual({ ops: stop('/d'), notes: ['unknown option --frobnicate passed on unchanged'] });
  });
});

describe('parsePgCtl: kill', () => {
  it.each([
    [['kill', 'KILL', '1234'], 'KILL', 1234],
    [['kill', 'TERM', '42'], 'TERM', 42],
    [['kill', 'QUIT', '42'], 'QUIT', 42],
    [['kill', 'INT', '7'], 'INT', 7],
    [['kill', 'ABRT', '7'], 'ABRT', 7],
    [['kill', 'SIGKILL', '7'], 'KILL', 7],
    // issue 9 item 7: what these mean depends on the process (src/facts/targets.ts, src/policy/rows-extra.ts).
    [['kill', 'HUP', '1'], 'HUP', 1],
    [['kill', 'USR2', '1'], 'USR2', 1],
    [['kill', 'KILL', '99x'], 'KILL', 99],
    [['-D', '/d', 'kill', 'KILL', '5'], 'KILL', 5],
  ])('pg_ctl %j kills pid %s', (args, signal, pid) => {
    expect(parsePgCtl(args, ctx).ops).toEqual([{ type: 'signal', targets: [{ kind: 'pid', pid }], signal, tool: 'pg_ctl kill' }]);
  });

  it('a negative pid is a process group: unknown cluster', () => {
    expect(parsePgCtl(['kill', 'KILL', '--', '-1'], ctx).ops).toEqual([{ type: 'kill', refs: [{ kind: 'unknown', why: 'pg_ctl kill KILL -1 signals a whole process group' }], signal: 'KILL' }]);
  });

  it.each([[['kill', 'KILL', 'abc']], [['kill', 'KILL']], [['kill']]])(
    'pg_ctl %j kills nothing',
    (args) => {
      expect(parsePgCtl(args, ctx).ops).toEqual([]);
    },
  );
});
