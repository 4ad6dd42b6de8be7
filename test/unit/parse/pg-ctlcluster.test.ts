import { describe, expect, it } from 'vitest';
import { parsePgCtlcluster } from '../../../src/command/pg-ctlcluster.js';

const ctx = { env: {}, envUnknown: false };
const debian = (version: string, name: string) => ({ kind: 'debian', version, name });

describe('parsePgCtlcluster: the four positional forms', () => {
  it.each([
    [['15', 'main', 'stop'], '15', 'main'],
    [['stop', '15', 'main'], '15', 'main'],
    [['15-main', 'stop'], '15', 'main'],
    [['15/main', 'stop'], '15', 'main'],
    [['stop', '15-main'], '15', 'main'],
    [['stop', '15/main'], '15', 'main'],
    [['9.6', 'main', 'stop'], '9.6', 'main'],
    [['9.6-main', 'stop'], '9.6', 'main'],
    [['stop', '9.6/main'], '9.6', 'main'],
    [['15', 'my-cluster', 'stop'], '15', 'my-cluster'],
    [['15-my-cluster', 'stop'], '15', 'my-cluster'],
    [['stop', '15-my-cluster'], '15', 'my-cluster'],
    [['16', 'main', 'stop', '--', '-w'], '16', 'main'],
  ])('pg_ctlcluster %j stops %s/%s', (args, version, name) => {
    expect(parsePgCtlcluster(args, ctx)).toEqual({ ops: [{ type: 'stop', refs: [debian(version, name)], mode: 'fast', restart: false }], notes: [] });
  });

  it('restart and promote', () => {
    expect(parsePgCtlcluster(['15', 'main', 'restart'], ctx).ops).toEqual([{ type: 'stop', refs: [debian('15', 'main')], mode: 'fast', restart: true }]);
    expect(parsePgCtlcluster(['promote', '15-main'], ctx).ops).toEqual([{ type: 'promote', refs: [debian('15', 'main')] }]);
  });

  it.each(['start', 'reload', 'status'])('%s acts on no running cluster', (action) => {
    expect(parsePgCtlcluster(['15', 'main', action], ctx)).toEqual({ ops: [], notes: [] });
  });

  it.each([[['main', 'stop']], [['9', 'main', 'stop']], [['15', 'main', 'halt']], [['15', 'main']], [[]], [['-fm', 'i', '15', 'main', 'stop']]])(
    'pg_ctlcluster %j matches no form: no ops',
    (args) => {
      const r = parsePgCtlcluster(args, ctx);
      expect(r.ops).toEqual([]);
      expect(r.notes).toContain('pg_ctlcluster: no <version> <cluster> <action> found (it will print its usage and do nothing)');
    },
  );
});

describe('parsePgCtlcluster: options (Perl Getopt::Long)', () => {
  it.each([
    [['-m', 'immediate', '15', 'main', 'stop'], 'immediate'],
    [['--mode=immediate', '15', 'main', 'stop'], 'immediate'],
    [['--mode', 'i', '15', 'main', 'stop'], 'immediate'],
    [['-mode', 'immediate', '15', 'main', 'stop'], 'immediate'],
    [['-m=i', '15', 'main', 'stop'], 'immediate'],
    [['--mo', 'i', '15', 'main', 'stop'], 'immediate'],
    [['-M', 'i', '15', 'main', 'stop'], 'immediate'],
    [['15', '-m', 'immediate', 'main', 'stop'], 'immediate'],
    [['15', 'main', 'stop', '-m', 'i'], 'immediate'],
    [['-m', 'smart', '15', 'main', 'stop'], 'smart'],
    [['-m', 's', '15', 'main', 'stop'], 'smart'],
    [['-m', 'f', '15', 'main', 'stop'], 'fast'],
    [['-f', '15', 'main', 'stop'], 'immediate'],
    [['--force', '15', 'main', 'stop'], 'immediate'],
    [['-force', '15', 'main', 'stop'], 'immediate'],
    [['--forc', '15', 'main', 'stop'], 'immediate'],
    [['--FORCE', '15', 'main', 'stop'], 'immediate'],
    [['15', 'main', 'stop', '-F'], 'immediate'],
    [['-m', 'smart', '-f', '15', 'main', 'stop'], 'immediate'],
    [['15', 'main', 'stop', '--', '-m', 'immediate'], 'immediate'],
    [['15', 'main', 'stop', '--', '-mi'], 'immediate'],
    [['15', 'main', 'stop', '--', '--mode=immediate'], 'immediate'],
    [['15', 'main', 'stop', '--', '-m', 'smart'], 'fast'],
    [['-m', 'smart', '15', 'main', 'stop', '--', '-m', 'smart'], 'smart'],
    [['--foreground', '--skip-systemctl-redirect', '--stdlog', '15', 'main', 'stop'], 'fast'],
    [['--bindir', '/usr/lib/postgresql/15/bin', '15', 'main', 'stop'], 'fast'],
    [['--bindir=/usr/lib/postgresql/15/bin', '-o', '-c x=1', '15', 'main', 'stop'], 'fast'],
    [['--options', '-c x=1', '--sk', '--st', '15', 'main', 'stop'], 'fast'],
  ])('pg_ctlcluster %j stops 15/main %s', (args, mode) => {
    expect(parsePgCtlcluster(args, ctx)).toEqual({ ops: [{ type: 'stop', refs: [debian('15', 'main')], mode, restart: false }], notes: [] });
  });

  it('a value option swallows the next word, whatever it is', () => {
    expect(parsePgCtlcluster(['-o', '15', '16', 'main', 'stop'], ctx).ops).toEqual([{ type: 'stop', refs: [debian('16', 'main')], mode: 'fast', restart: false }]);
  });

  it('an ambiguous prefix (--for: force or foreground) is passed on with a note', () => {
    expect(parsePgCtlcluster(['--for', '15', 'main', 'stop'], ctx)).toEqual({
      ops: [{ type: 'stop', refs: [debian('15', 'main')], mode: 'fast', restart: false }],
      notes: ['ambiguous option --for (force, foreground) passed on unchanged'],
    });
  });

  it('an unknown option is passed on with a note', () => {
    expect(parsePgCtlcluster(['--frob', '15', 'main', 'stop'], ctx).notes).toEqual(['unknown option --frob passed on unchanged']);
  });

  it('-m with a mode it rejects is judged as immediate', () => {
    expect(parsePgCtlcluster(['-m', 'quick', '15', 'main', 'stop'], ctx).ops).toEqual([{ type: 'stop', refs: [debian('15', 'main')], mode: 'immediate', restart: false }]);
  });

  it('a -D among the pg_ctl options is a cluster too (pg_ctl acts on the last -D)', () => {
    expect(parsePgCtlcluster(['15', 'main', 'stop', '--', '-D', '/srv/other'], ctx).ops).toEqual([
      { type: 'stop', refs: [debian('15', 'main'), { kind: 'path', path: '/srv/other' }], mode: 'fast', restart: false },
    ]);
    expect(parsePgCtlcluster(['promote', '15', 'main', '--', '--pgdata=/srv/x'], ctx).ops).toEqual([
      { type: 'promote', refs: [debian('15', 'main'), { kind: 'path', path: '/srv/x' }] },
    ]);
  });
});
