// What a signal means to a PostgreSQL process (docs/guarded-tools.md): child titles and rows.
import { describe, expect, it } from 'vitest';
import { childKind } from '../../src/facts/targets.js';
import { signalRow } from '../../src/policy/rows-extra.js';

describe('childKind: a postmaster child by its title', () => {
  it.each([
    [['postgres: alice app [local] idle'], 'backend'],
    [['postgres: 15/main: alice app 10.0.0.5(51234) SELECT'], 'backend'],
    [['postgres: walsender replicator 10.0.0.6(40000) streaming 0/3000148'], 'backend'],
    [['postgres: checkpointer'], 'aux'],
    [['postgres: 15/main: checkpointer '], 'aux'],
    [['postgres: startup recovering 000000010000000000000003'], 'aux'],
    [['postgres: background writer'], 'aux'],
    [['postgres: walreceiver streaming 0/3000148'], 'aux'],
    [['/usr/lib/postgresql/15/bin/postgres', '-D', '/d'], 'aux'],
  ])('%j is %s', (argv, kind) => {
    expect(childKind(argv)).toBe(kind);
  });
});

describe('signalRow', () => {
  it.each([
    ['postmaster', 'HUP', null], ['postmaster', '0', null], ['postmaster', 'TERM', 'stop'], ['postmaster', 'INT', 'stop'],
    ['postmaster', 'QUIT', 'stop-hard'], ['postmaster', 'KILL', 'stop-hard'], ['postmaster', 'USR2', 'signal-odd'], ['postmaster', 'STOP', 'signal-odd'],
    ['backend', 'TERM', null], ['backend', 'INT', null], ['backend', 'USR2', null], ['backend', 'KILL', 'stop-hard'], ['backend', 'QUIT', 'stop-hard'],
    ['backend', 'STOP', 'signal-odd'], ['aux', 'TERM', 'stop-hard'], ['aux', 'USR2', 'stop-hard'], ['aux', 'HUP', null],
  ] as const)('%s SIG%s -> %s', (kind, sig, row) => {
    expect(signalRow(kind, sig)).toBe(row);
  });
});
