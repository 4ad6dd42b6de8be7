// Decision rows of the issue-9 tools (docs/guarded-tools.md), by column of docs/design.md §2.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/policy/decide.js';
import type { ResolvedOp, SignalledProc } from '../../src/command/types.js';
import type { ClusterState, VerdictKind } from '../../src/policy/types.js';
import { NO_CONFIG, cluster, command, host, ref, target } from './fixtures.js';

const DD = '/var/lib/postgresql/15/main';
const COLUMNS: ClusterState[] = ['running-primary', 'running-standby', 'stopped-standby', 'stopped', 'unknown'];
type Expect = [VerdictKind, boolean];
const R: Expect = ['refuse', false];
const A: Expect = ['allow', false];
const C: Expect = ['confirm', false];
const S: Expect = ['confirm', true];

const proc = (kind: SignalledProc['kind'], dd: string): SignalledProc => ({ pid: kind === 'postmaster' ? 4242 : 4300, dataDir: dd, kind, title: kind === 'aux' ? 'postgres: checkpointer' : 'postgres: u db [local] idle' });
const sig = (signal: string, kind: SignalledProc['kind']) => (dd: string): ResolvedOp => ({ type: 'signal', signal, tool: 'kill', procs: [proc(kind, dd)], unresolved: [] });

const rows: Array<[string, (dd: string) => ResolvedOp, Expect[]]> = [
  ['cp into', (dd) => ({ type: 'write', tool: 'cp', recursive: false, targets: [target(`${dd}/postgresql.auto.conf`, { isDir: false })] }), [R, R, C, C, R]],
  ['wal-fetch into pg_wal', (dd) => ({ type: 'wal-fetch', tool: 'wal-g wal-fetch', targets: [target(`${dd}/pg_wal/RECOVERYXLOG`, { exists: false })] }), [R, R, A, A, R]],
  ['pg_dropcluster', (dd) => ({ type: 'offline', kind: 'drop', tool: 'pg_dropcluster', refs: [ref([dd])] }), [R, R, S, S, R]],
  ['pg_resetwal', (dd) => ({ type: 'offline', kind: 'resetwal', tool: 'pg_resetwal', refs: [ref([dd])] }), [R, R, S, S, R]],
  ['pg_rewind', (dd) => ({ type: 'offline', kind: 'rewind', tool: 'pg_rewind', refs: [ref([dd])] }), [R, R, C, C, R]],
  ['pg_upgrade', (dd) => ({ type: 'offline', kind: 'upgrade', tool: 'pg_upgrade', refs: [ref([dd])] }), [R, R, C, C, R]],
  ['pg_upgrade --link', (dd) => ({ type: 'offline', kind: 'upgrade-link', tool: 'pg_upgrade', refs: [ref([dd])] }), [R, R, S, S, R]],
  ['umount', (dd) => ({ type: 'unmount', refs: [ref([dd])] }), [R, R, C, C, R]],
  ['mkfs', (dd) => ({ type: 'wipe-device', tool: 'mkfs', refs: [ref([dd])] }), [R, R, S, S, R]],
  ['reboot', () => ({ type: 'host-down', what: 'reboot' }), [S, C, A, A, S]],
  ['SIGTERM postmaster (smart stop)', sig('TERM', 'postmaster'), [C, A, A, A, C]],
  ['SIGINT postmaster (fast stop)', sig('INT', 'postmaster'), [C, A, A, A, C]],
  ['SIGQUIT postmaster (immediate)', sig('QUIT', 'postmaster'), [S, C, A, A, C]],
  ['SIGKILL postmaster', sig('KILL', 'postmaster'), [S, C, A, A, C]],
  ['SIGHUP postmaster (reload)', sig('HUP', 'postmaster'), [A, A, A, A, A]],
  ['SIGUSR2 postmaster', sig('USR2', 'postmaster'), [C, C, A, A, C]],
  ['signal 0', sig('0', 'postmaster'), [A, A, A, A, A]],
  ['SIGTERM backend (item 7)', sig('TERM', 'backend'), [A, A, A, A, A]],
  ['SIGINT backend (item 7)', sig('INT', 'backend'), [A, A, A, A, A]],
  ['SIGKILL backend (crash restart)', sig('KILL', 'backend'), [S, C, A, A, C]],
  ['SIGSEGV backend (crash restart)', sig('SEGV', 'backend'), [S, C, A, A, C]],
  ['SIGSTOP backend', sig('STOP', 'backend'), [C, C, A, A, C]],
  ['SIGTERM checkpointer', sig('TERM', 'aux'), [S, C, A, A, C]],
  ['SIGUSR2 checkpointer', sig('USR2', 'aux'), [S, C, A, A, C]],
  ['SIGHUP checkpointer', sig('HUP', 'aux'), [A, A, A, A, A]],
];

describe('decide: issue-9 rows', () => {
  for (const [name, mk, expects] of rows) {
    it.each(COLUMNS.map((col, i) => [col, expects[i]!] as const))(`${name} on %s`, (col, [kind, strong]) => {
      const v = decide(command('kill', [mk(DD)]), host([cluster(col, DD)]), NO_CONFIG);
      expect(v.kind).toBe(kind);
      expect(v.strong).toBe(strong);
      if (kind !== 'allow') {
        expect(v.reasons[0]!.cluster).toBe('15/main');
        expect(v.reasons[0]!.next.length).toBeGreaterThan(10);
      }
    });
  }

  it('a plain write into a non-empty directory outside any cluster is allowed (no restore rule)', () => {
    const op: ResolvedOp = { type: 'write', tool: 'cp', recursive: true, targets: [target('/srv/other', { nonEmpty: true, cwdInside: true })] };
    expect(decide(command('cp', [op]), host([cluster('running-primary', DD)]), NO_CONFIG).kind).toBe('allow');
  });

  it('reboot on a host without a running cluster is allowed; with an unidentified postmaster it asks', () => {
    const op: ResolvedOp = { type: 'host-down', what: 'reboot' };
    expect(decide(command('reboot', [op]), host([cluster('stopped', DD)]), NO_CONFIG).kind).toBe('allow');
    expect(decide(command('reboot', [op]), host([]), NO_CONFIG).kind).toBe('allow');
    const v = decide(command('reboot', [op]), host([], { unidentifiedPostmasters: [{ pid: 9, why: 'x' }] }), NO_CONFIG);
    expect([v.kind, v.strong]).toEqual(['confirm', true]);
  });

  it('reboot names every role that goes down', () => {
    const v = decide(command('reboot', [{ type: 'host-down', what: 'reboot' }]), host([cluster('running-primary', DD), cluster('running-standby', '/srv/replica')]), NO_CONFIG);
    expect(v.reasons.map((r) => r.role)).toEqual(['running PRIMARY', 'running standby']);
  });

  it('a signal to processes safeops cannot place asks, unless the signal is harmless', () => {
    const op = (signal: string): ResolvedOp => ({ type: 'signal', signal, tool: 'pkill', procs: [], unresolved: ['pid 7 looks like a PostgreSQL process'] });
    expect(decide(command('pkill', [op('KILL')]), host([]), NO_CONFIG).kind).toBe('confirm');
    expect(decide(command('pkill', [op('HUP')]), host([]), NO_CONFIG).kind).toBe('allow');
  });

  it('psql pg_promote() to an unresolvable target asks (promote row, unknown column)', () => {
    const v = decide(command('psql', [{ type: 'promote', refs: [ref([], 'psql connects to db2, which safeops cannot see', { kind: 'conn', hosts: ['db2'], port: null, why: null })] }]), host([]), NO_CONFIG);
    expect(v.kind).toBe('confirm');
  });
});
