// The fleet's pure parts (issue 13): validating reports from etcd, the view and its alerts, the
// prompt segment and label fitting, the guard's fleet rows, and the config keys.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/policy/decide.js';
import { parseConfigs } from '../../src/config/schema.js';
import { memberKey, leaseTtl } from '../../src/fleet/etcd-client.js';
import { emptyExtra, labelWithExtra } from '../../src/fleet/extra.js';
import { compareLsn, coarseLag } from '../../src/fleet/report.js';
import type { FleetView, MemberReport } from '../../src/fleet/types.js';
import { parseReport, validateView } from '../../src/fleet/validate.js';
import { buildView, fleetSegment, type KnownMember } from '../../src/fleet/view.js';
import { NO_CONFIG, cluster, command, host, ref, target } from './fixtures.js';

const SYS = '7300000000000000001';
function rep(h: string, role: MemberReport['role'], extra: Partial<MemberReport> = {}): MemberReport {
  return { schema: 'safeops.member/1', host: h, cluster: '15/main', dataDir: '/var/lib/postgresql/15/main', systemIdentifier: SYS, timeline: 1, role, roleHow: 'test', running: role !== 'stopped', port: 5432, lsn: '0/3000000', upstream: null, standbys: [], replayLagSeconds: role === 'standby' ? 0 : null, archiving: 'ok', versions: { server: '15.14', walg: 'v3.0.2', pgbackrest: null, safeops: '0.1.0' }, patroni: null, reportedAt: '2026-01-01T00:00:00.000Z', ...extra };
}
const known = (r: MemberReport, goneAt: number | null = null): KnownMember => ({ report: r, seenAt: 1000, goneAt });
const view = (self: string, ms: KnownMember[], connected = true): FleetView => buildView({ self, localSysids: [SYS], known: ms, nowMs: 41_000, connected, syncedAt: connected ? 41_000 : 1000, error: connected ? null : 'down' });

describe('reports from etcd are untrusted', () => {
  it('drops what is not a report, caps and sanitizes what is', () => {
    expect(parseReport('not json')).toBeNull();
    expect(parseReport(JSON.stringify({ ...rep('a', 'primary'), systemIdentifier: '12; rm -rf /' }))).toBeNull();
    expect(parseReport(JSON.stringify({ ...rep('a', 'primary'), role: 'master' }))).toBeNull();
    expect(parseReport('x'.repeat(9000))).toBeNull();
    const r = parseReport(JSON.stringify({ ...rep('a\x1b]11;#ff0000\x07', 'standby'), cluster: '$(reboot)\n', roleHow: 'a\nb\x1b[2J', lsn: 'zz', versions: { server: '15.1\x1b[31m', walg: 'v'.repeat(100) } }))!;
    expect(r.host).toBe('a__11__ff0000_');
    expect(r.cluster).toBe('__reboot__');
    expect(r.roleHow).toBe('a?b?[2J');
    expect(r.lsn).toBeNull();
    expect(r.versions.server).toBe('15.1__31m');
    expect(r.versions.walg!.length).toBe(32);
  });

  it('state.json\'s fleet part is validated again', () => {
    expect(validateView({ self: 'x', sets: 'nope' })).toBeNull();
    const v = validateView({ self: 'h', connected: true, sets: [{ systemIdentifier: SYS, members: [{ ...rep('b', 'primary'), local: false }, { bogus: true }] }], alerts: [{ kind: 'x', text: 'a\x1bb' }] })!;
    expect(v.sets[0]!.members).toHaveLength(1);
    expect(v.alerts[0]!.text).toBe('a?b');
  });

  it('keys say what they hold', () => {
    expect(memberKey('/safeops/', rep('db-02', 'standby'))).toBe(`/safeops/members/${SYS}/db-02/%2Fvar%2Flib%2Fpostgresql%2F15%2Fmain`);
    expect(leaseTtl(2000, null)).toBe(6);
    expect(leaseTtl(500, null)).toBe(5);
    expect(leaseTtl(500, 30)).toBe(30);
  });
});

describe('the view and its alerts', () => {
  it('split brain across hosts is the first alert', () => {
    const v = view('db-01', [known(rep('db-01', 'primary')), known(rep('db-02', 'primary')), known(rep('dr-01', 'standby'))]);
    expect(v.alerts[0]!.text).toBe('SPLIT BRAIN across hosts: 15/main is PRIMARY on db-01 and db-02');
  });
  it('a member gone silent, a primary with no standby anywhere, version drift', () => {
    const v = view('db-01', [known(rep('db-01', 'primary', { versions: { server: '15.14', walg: 'v3.0.2', pgbackrest: '2.54', safeops: '0.1.0' } })), known(rep('db-02', 'standby'), 1000), known(rep('dr-01', 'stopped', { versions: { server: '15.10', walg: 'v3.0.5', pgbackrest: '2.55', safeops: '0.1.0' } }))]);
    const texts = v.alerts.map((a) => a.text);
    expect(texts).toContain('db-02: no report for 40 s (15/main)');
    expect(texts).toContain('no standby anywhere for 15/main (primary on db-01)');
    expect(texts).toContain('wal-g v3.0.2 here, v3.0.5 on dr-01');
    expect(texts).toContain('pgBackRest 2.54 here, 2.55 on dr-01');
    expect(texts).toContain('PostgreSQL 15.14 here, 15.10 on dr-01');
  });
  it('a lone primary never alerts', () => {
    expect(view('db-01', [known(rep('db-01', 'primary'))]).alerts).toEqual([]);
  });
  it('the prompt segment: peers, lag, stale', () => {
    const ms = [known(rep('db-01', 'primary')), known(rep('db-02', 'standby')), known(rep('dr-01', 'standby', { replayLagSeconds: 180 }))];
    expect(fleetSegment(view('db-01', ms))).toBe('db-02 standby 0s, dr-01 standby lag 3m');
    expect(fleetSegment(view('db-01', ms, false))).toBe('fleet stale 40s, db-02 standby 0s, dr-01 standby lag 3m');
  });
  it('the label keeps room for the segment and fits one prompt line', () => {
    const x = { ...emptyExtra(), fleet: view('db-01', [known(rep('db-01', 'primary')), known(rep('db-02', 'standby'))]) };
    expect(labelWithExtra('PRIMARY 15/main', x, null)).toBe('PRIMARY 15/main : db-02 standby 0s');
    const long = Array.from({ length: 30 }, (_, i) => `standby c${i}`).join(', ').slice(0, 180) + ', +9 more';
    const l = labelWithExtra(long, x, null);
    expect(l.length).toBeLessThanOrEqual(194);
    expect(l).toMatch(/, \+\d+ more : db-02 standby 0s$/);
  });
  it('LSNs and lag', () => {
    expect(compareLsn('1/0', '0/FFFFFFFF')).toBe(1);
    expect(compareLsn('0/10', '0/10')).toBe(0);
    expect(compareLsn(null, '0/1')).toBeNull();
    expect(coarseLag(7)).toBe(5);
    expect(coarseLag(200)).toBe(180);
  });
});

describe('decide: fleet rows only add caution', () => {
  const DD = '/var/lib/postgresql/15/main';
  const withFleet = (col: Parameters<typeof cluster>[0], members: KnownMember[]) => ({ ...host([cluster(col, DD)]), fleet: view('db-01', members) });

  it('promote of a standby while another host reports a live primary: strong, naming it', () => {
    const v = decide(command('pg_ctl', [{ type: 'promote', refs: [ref([DD])] }]), withFleet('running-standby', [known(rep('db-01', 'standby')), known(rep('db-02', 'primary'))]), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.strong).toBe(true);
    expect(v.reasons.map((r) => r.what).join()).toContain('db-02 (15/main) reports a live PRIMARY');
  });
  it('a silent primary is not live', () => {
    const v = decide(command('pg_ctl', [{ type: 'promote', refs: [ref([DD])] }]), withFleet('running-standby', [known(rep('db-01', 'standby')), known(rep('db-02', 'primary'), 1000)]), NO_CONFIG);
    expect(v.strong).toBe(false);
  });
  it('rm of the newest copy (no live primary, highest timeline) says so', () => {
    const v = decide(command('rm', [{ type: 'remove', recursive: true, targets: [target(DD)] }]), withFleet('stopped-standby', [known(rep('db-01', 'stopped', { timeline: 3 })), known(rep('db-02', 'stopped', { timeline: 2, lsn: 'F/0' }))]), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.strong).toBe(true);
    expect(v.reasons.map((r) => r.what).join()).toContain('NEWEST copy');
  });
  it('rm of a stopped standby whose primary is live elsewhere: normal confirm with the rebuild command', () => {
    const v = decide(command('rm', [{ type: 'remove', recursive: true, targets: [target(DD)] }]), withFleet('stopped-standby', [known(rep('db-01', 'stopped')), known(rep('db-02', 'primary', { port: 5433 }))]), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.strong).toBe(false);
    expect(v.reasons.map((r) => r.next).join()).toContain(`pg_basebackup -h db-02 -p 5433 -D ${DD} -R -X stream`);
  });
  it('never milder: a running primary stays refused for rm, whatever peers say', () => {
    const v = decide(command('rm', [{ type: 'remove', recursive: true, targets: [target(DD)] }]), withFleet('running-primary', [known(rep('db-01', 'primary')), known(rep('db-02', 'primary'))]), NO_CONFIG);
    expect(v.kind).toBe('refuse');
  });
});

describe('config fleet', () => {
  it('reads endpoints, TLS, user, prefix; names bad keys', () => {
    const ok = parseConfigs([{ file: 'c', text: JSON.stringify({ fleet: { host: 'db-01', etcd: { endpoints: ['https://10.0.0.5:2379/'], tls: { ca: '/etc/ca.pem' }, user: 'safeops', passwordFile: '/etc/safeops/etcd.pw', prefix: '/x' } } }), additiveOnly: false }]);
    expect(ok.problems).toEqual([]);
    expect(ok.config.fleet.etcd).toMatchObject({ endpoints: ['https://10.0.0.5:2379'], prefix: '/x/', user: 'safeops' });
    const bad = parseConfigs([{ file: 'c', text: JSON.stringify({ fleet: { host: 'a b', etcd: { endpoints: ['ftp://x'] } } }), additiveOnly: false }]);
    expect(bad.problems.map((p) => p.key).sort()).toEqual(['fleet.etcd.endpoints', 'fleet.host']);
    expect(bad.protectionDegraded).toBe(false);
  });
});
