// The decision table of docs/design.md §2, row by column, plus the rules around it.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/policy/decide.js';
import type { ResolvedOp } from '../../src/command/types.js';
import type { ClusterState, VerdictKind } from '../../src/policy/types.js';
import { NO_CONFIG, chainOf, cluster, command, host, idOf, place, ref, target } from './fixtures.js';

const DD = '/var/lib/postgresql/15/main';
const COLUMNS: ClusterState[] = ['running-primary', 'running-standby', 'stopped-standby', 'stopped', 'unknown'];

type Expect = [VerdictKind, boolean];
const rows: Array<[string, (dd: string) => ResolvedOp, Expect[]]> = [
  ['rm -r', (dd) => ({ type: 'remove', recursive: true, targets: [target(dd)] }), [['refuse', false], ['refuse', false], ['confirm', false], ['confirm', true], ['refuse', false]]],
  ['rm (file inside)', (dd) => ({ type: 'remove', recursive: false, targets: [target(`${dd}/postgresql.auto.conf`, { isDir: false })] }), [['refuse', false], ['refuse', false], ['confirm', false], ['confirm', true], ['refuse', false]]],
  ['restore into', (dd) => ({ type: 'write-into', tool: 'wal-g backup-fetch', unresolved: [], targets: [target(dd, { nonEmpty: true })] }), [['refuse', false], ['refuse', false], ['confirm', false], ['confirm', false], ['refuse', false]]],
  ['stop fast', (dd) => ({ type: 'stop', mode: 'fast', restart: false, refs: [ref([dd])] }), [['confirm', false], ['allow', false], ['allow', false], ['allow', false], ['confirm', false]]],
  ['restart', (dd) => ({ type: 'stop', mode: 'fast', restart: true, refs: [ref([dd])] }), [['confirm', false], ['allow', false], ['allow', false], ['allow', false], ['confirm', false]]],
  ['stop immediate', (dd) => ({ type: 'stop', mode: 'immediate', restart: false, refs: [ref([dd])] }), [['confirm', true], ['confirm', false], ['allow', false], ['allow', false], ['confirm', false]]],
  ['kill', (dd) => ({ type: 'kill', signal: 'KILL', refs: [ref([dd])] }), [['confirm', true], ['confirm', false], ['allow', false], ['allow', false], ['confirm', false]]],
  ['promote', (dd) => ({ type: 'promote', refs: [ref([dd])] }), [['allow', false], ['confirm', false], ['confirm', false], ['allow', false], ['confirm', false]]],
];

describe('decide: the table', () => {
  for (const [name, mk, expects] of rows) {
    it.each(COLUMNS.map((col, i) => [col, expects[i]!] as const))(`${name} on %s`, (col, [kind, strong]) => {
      const v = decide(command('rm', [mk(DD)]), host([cluster(col, DD)]), NO_CONFIG);
      expect(v.kind).toBe(kind);
      expect(v.strong).toBe(strong);
      if (kind !== 'allow') {
        const r = v.reasons[0]!;
        expect(r.cluster).toBe('15/main');
        expect(r.role).toBeTruthy();
        expect(r.how).toContain('observed');
        expect(r.next.length).toBeGreaterThan(10);
      }
    });
  }

  it('anything else is allowed (no ops)', () => {
    expect(decide(command('pg_ctl', []), host([cluster('running-primary', DD)]), NO_CONFIG).kind).toBe('allow');
  });

  it('wal-g delete --confirm asks, with the dry run', () => {
    const v = decide(command('wal-g', [{ type: 'delete-backups', tool: 'wal-g', dryRunArgv: ['wal-g', 'delete', 'retain', '3'] }]), host([]), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.dryRunArgv).toEqual(['wal-g', 'delete', 'retain', '3']);
  });
});

describe('decide: which targets touch a cluster', () => {
  const c = cluster('running-primary', DD, { footprint: [place('data', DD), place('wal', '/waldisk/pg_wal'), place('tablespace', '/tblspc/ts1')] });
  const rm = (t: ReturnType<typeof target>, recursive = true): ResolvedOp => ({ type: 'remove', recursive, targets: [t] });

  it.each([
    ['the data dir', DD],
    ['a file inside', `${DD}/base/1/1234`],
    ['the pg_wal target', '/waldisk/pg_wal'],
    ['a WAL segment', '/waldisk/pg_wal/000000010000000000000001'],
    ['the tablespace', '/tblspc/ts1'],
    ['an ancestor (recursive)', '/var/lib/postgresql'],
    ['the waldisk (recursive)', '/waldisk'],
    ['/', '/'],
  ])('refuses %s', (_, p) => {
    expect(decide(command('rm', [rm(target(p))]), host([c]), NO_CONFIG).kind).toBe('refuse');
  });

  it('allows an unrelated tree and a sibling whose name shares a prefix', () => {
    expect(decide(command('rm', [rm(target('/srv/other'))]), host([c]), NO_CONFIG).kind).toBe('allow');
    expect(decide(command('rm', [rm(target('/var/lib/postgresql/15/main2'))]), host([c]), NO_CONFIG).kind).toBe('allow');
  });

  it('an ancestor is touched only when recursive (rm -d of a non-empty dir fails anyway)', () => {
    expect(decide(command('rm', [rm(target('/var/lib/postgresql'), false)]), host([c]), NO_CONFIG).kind).toBe('allow');
  });

  it('sees a bind-mount alias of the data dir', () => {
    const withAlias = cluster('running-primary', DD, { footprint: [place('data', DD, ['/mnt/pgbind'])] });
    expect(decide(command('rm', [rm(target('/mnt/pgbind/base'))]), host([withAlias]), NO_CONFIG).kind).toBe('refuse');
    expect(decide(command('rm', [rm(target('/mnt'))]), host([withAlias]), NO_CONFIG).kind).toBe('refuse');
  });

  it('sees the data dir by identity when the path string differs (other mount namespace spelling)', () => {
    const t = target('/weird/path', { chain: [idOf('/weird/path'), idOf(DD), ...chainOf('/')] });
    expect(decide(command('rm', [rm(t, false)]), host([c]), NO_CONFIG).kind).toBe('refuse');
  });

  it('sees a mount below a recursive target that shows an ancestor of the data dir', () => {
    const t = target('/mnt', { mountsBelow: [{ path: '/mnt/x', id: idOf('/var/lib/postgresql') }] });
    expect(decide(command('rm', [rm(t)]), host([c]), NO_CONFIG).kind).toBe('refuse');
  });

  it('a symlink given without a trailing slash is still judged by what it points to', () => {
    const t = target('/srv/link', { self: '/srv/link', real: DD, isSymlink: true, chain: chainOf(DD), selfChain: chainOf('/srv'), id: idOf(DD) });
    expect(decide(command('rm', [rm(t, false)]), host([c]), NO_CONFIG).kind).toBe('refuse');
  });

  it('the worst verdict over several targets and clusters wins', () => {
    const stopped = cluster('stopped-standby', '/srv/copy');
    const v = decide(command('rm', [{ type: 'remove', recursive: true, targets: [target('/srv/copy'), target(DD)] }]), host([c, stopped]), NO_CONFIG);
    expect(v.kind).toBe('refuse');
    expect(v.touched.sort()).toEqual(['/srv/copy', DD].sort());
    expect(v.reasons.map((r) => r.verdict)).toEqual(['refuse', 'confirm']);
  });
});

describe('decide: special cases', () => {
  it('a stopped restore in progress is a normal (not strong) confirmation', () => {
    const v = decide(command('rm', [{ type: 'remove', recursive: true, targets: [target(DD)] }]), host([cluster('restore', DD)]), NO_CONFIG);
    expect(v).toMatchObject({ kind: 'confirm', strong: false });
    expect(v.reasons[0]!.role).toContain('RESTORE IN PROGRESS');
  });

  it('a running standby known only from standby.signal counts as unknown (stop asks)', () => {
    const v = decide(command('pg_ctl', [{ type: 'stop', mode: 'fast', restart: false, refs: [ref([DD])] }]), host([cluster('standby-file-only', DD)]), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.reasons[0]!.role).toContain('NOT confirmed over SQL');
  });

  it('a running cluster in archive recovery is in the unknown column', () => {
    expect(decide(command('pg_ctl', [{ type: 'stop', mode: 'fast', restart: false, refs: [ref([DD])] }]), host([cluster('recovering', DD)]), NO_CONFIG).kind).toBe('confirm');
  });

  it('refuses a restore when the working directory is inside the destination (matrix.org)', () => {
    const v = decide(command('wal-g', [{ type: 'write-into', tool: 'wal-g backup-fetch', unresolved: [], targets: [target('/srv/new', { cwdInside: true })] }]), host([]), NO_CONFIG);
    expect(v.kind).toBe('refuse');
    expect(v.reasons[0]!.next).toContain('cd out');
  });

  it('confirms a restore into a non-empty directory, allows an empty one', () => {
    const w = (nonEmpty: boolean): ResolvedOp => ({ type: 'write-into', tool: 'pg_basebackup', unresolved: [], targets: [target('/srv/new', { nonEmpty })] });
    expect(decide(command('pg_basebackup', [w(true)]), host([]), NO_CONFIG).kind).toBe('confirm');
    expect(decide(command('pg_basebackup', [w(false)]), host([]), NO_CONFIG).kind).toBe('allow');
  });

  it('refuses a restore whose destination cannot be determined', () => {
    const v = decide(command('pgbackrest', [{ type: 'write-into', tool: 'pgbackrest restore', unresolved: ['cannot read pgBackRest config'], targets: [] }]), host([]), NO_CONFIG);
    expect(v.kind).toBe('refuse');
  });

  it('protected paths from the config confirm or refuse, and show their reason', () => {
    const protect = [{ path: '/srv/wal-archive', action: 'refuse' as const, reason: 'WAL archive', real: '/srv/wal-archive', id: idOf('/srv/wal-archive'), chain: chainOf('/srv/wal-archive'), aliases: [] }];
    const v = decide(command('rm', [{ type: 'remove', recursive: true, targets: [target('/srv')] }]), host([]), { protect, degraded: [] });
    expect(v.kind).toBe('refuse');
    expect(v.reasons[0]!.what).toContain('WAL archive');
  });

  it('a broken config turns an allowed rm into a confirmation naming file and key', () => {
    const degraded = [{ file: '/etc/safeops/config.json', key: 'protect[0].action', message: 'must be "confirm" or "refuse"' }];
    const v = decide(command('rm', [{ type: 'remove', recursive: false, targets: [target('/tmp/x', { isDir: false })] }]), host([]), { protect: [], degraded });
    expect(v.kind).toBe('confirm');
    expect(v.reasons[0]!.what).toContain('/etc/safeops/config.json key protect[0].action');
  });

  it('a recursive rm asks when a running postgres cannot be located', () => {
    const h = host([], { unidentifiedPostmasters: [{ pid: 77, why: 'no -D' }] });
    expect(decide(command('rm', [{ type: 'remove', recursive: true, targets: [target('/srv/x')] }]), h, NO_CONFIG).kind).toBe('confirm');
    expect(decide(command('rm', [{ type: 'remove', recursive: false, targets: [target('/srv/x', { isDir: false })] }]), h, NO_CONFIG).kind).toBe('allow');
  });

  it('an unresolved cluster reference is the unknown column', () => {
    expect(decide(command('pg_ctl', [{ type: 'stop', mode: 'fast', restart: false, refs: [ref([], 'PGDATA from a login shell')] }]), host([]), NO_CONFIG).kind).toBe('confirm');
    expect(decide(command('pg_ctl', [{ type: 'stop', mode: 'fast', restart: false, refs: [ref([])] }]), host([]), NO_CONFIG).kind).toBe('allow');
  });

  it('promoting a standby lists its upstream for the split-brain check', () => {
    const s = cluster('running-standby', DD, { replication: { connectedStandbys: null, upstream: { host: '10.0.0.5', port: 5432, conninfo: '' }, receiverStatus: 'streaming', replayLagSeconds: 0 } });
    const v = decide(command('pg_ctl', [{ type: 'promote', refs: [ref([DD])] }]), host([s]), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.promoteUpstreams).toEqual([{ dataDir: DD, host: '10.0.0.5', port: 5432 }]);
    // Whether the upstream still answers is I/O: the screen and the plain outputs probe it.
    expect(v.warnings.join(' ')).not.toContain('split brain');
  });

  it('an opaque command is confirmed, never silently allowed', () => {
    expect(decide(command('systemctl', [{ type: 'opaque', why: 'systemctl -H other' }]), host([]), NO_CONFIG).kind).toBe('confirm');
  });
});
