// `safeops doctor`'s checks from facts (pure): ok/warn/fail with the fact and the fix.
import { describe, expect, it } from 'vitest';
import { defaultConfig, type LoadedConfig } from '../../src/config/schema.js';
import { factChecks } from '../../src/commands/doctor-checks.js';
import { newestPgBackRest, newestWalg } from '../../src/facts/backups.js';
import type { ArchiveHealth } from '../../src/facts/archive.js';
import { cluster } from './watch-fixtures.js';

const loaded: LoadedConfig = { config: defaultConfig(), files: [], problems: [], protectionDegraded: false };
const NOW = Date.parse('2025-06-01T03:00:00Z');
const h = (p: Partial<ArchiveHealth> = {}): ArchiveHealth => ({ source: 'sql', readyCount: 0, oldestReady: null, oldestReadyAt: null, timeline: 1, lastArchivedWal: null, lastArchivedTimeline: null, historyReady: null, historyReadyAt: null, command: 'cp %p /a/%f', library: '', program: '/usr/bin/cp', configProblem: null, lastFailureLine: null, ...p });
const primary = (health: ArchiveHealth, failing = false) =>
  cluster('/d/main', 'primary', { archiving: { mode: 'on', archivedCount: 4, failedCount: 0, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing, readyCount: health.readyCount, health } });
const by = (checks: ReturnType<typeof factChecks>, id: string) => checks.find((c) => c.id === id)!;

describe('doctor: checks from facts', () => {
  it('a healthy primary: every check ok, no fix', () => {
    const checks = factChecks(primary(h()), loaded, NOW);
    expect(checks.map((c) => [c.id, c.status])).toEqual([['role', 'ok'], ['version', 'ok'], ['archiving', 'ok'], ['standbys', 'ok']]);
    expect(checks.every((c) => c.fix === null)).toBe(true);
  });
  it('archiving: missing program, pg_stat_archiver failing, stuck .ready, new timeline not archived: fail with a fix', () => {
    expect(by(factChecks(primary(h({ configProblem: 'archive_command runs /x: /x does not exist' })), loaded, NOW), 'archiving')).toMatchObject({ status: 'fail', fact: expect.stringContaining('/x does not exist') });
    expect(by(factChecks(primary(h({ lastFailureLine: 'LOG: archive command failed with exit code 1' }), true), loaded, NOW), 'archiving').fact).toContain('exit code 1');
    const stuck = by(factChecks(primary(h({ readyCount: 2, oldestReady: '000000010000000000000003', oldestReadyAt: new Date(NOW - 61_000).toISOString() })), loaded, NOW), 'archiving');
    expect(stuck.status).toBe('fail');
    expect(stuck.fix).toContain('not counted by pg_stat_archiver');
    const young = by(factChecks(primary(h({ readyCount: 1, oldestReady: '000000010000000000000003', oldestReadyAt: new Date(NOW - 5_000).toISOString() })), loaded, NOW), 'archiving');
    expect(young.status).toBe('ok');
    const tl = by(factChecks(primary(h({ timeline: 2, historyReady: '00000002.history', historyReadyAt: new Date(NOW - 40_000).toISOString() })), loaded, NOW), 'archiving');
    expect(tl).toMatchObject({ status: 'fail', fact: expect.stringContaining("new timeline's history file 00000002.history") });
  });
  it('a role not confirmed over SQL is a failure; a standby not streaming is a failure', () => {
    const noSql = cluster('/d/main', 'primary', { roleSource: 'pid-file', roleDetail: 'no standby.signal', problems: ['cannot connect to /tmp:5432 (as postgres: refused)'] });
    expect(by(factChecks(noSql, loaded, NOW), 'role')).toMatchObject({ status: 'fail', fact: expect.stringContaining('cannot connect') });
    const s = cluster('/d/replica', 'standby', { replication: { connectedStandbys: null, upstream: { host: '10.0.0.1', port: 5432, conninfo: '' }, receiverStatus: null, replayLagSeconds: 30 } });
    expect(by(factChecks(s, loaded, NOW), 'streaming')).toMatchObject({ status: 'fail', fact: expect.stringContaining('no WAL receiver') });
  });
  it('newest backups from pgBackRest info and wal-g backup-list', () => {
    const info = [{ name: 'main', status: { message: 'ok' }, backup: [
      { label: '20250101-010000F', timestamp: { stop: 100 }, archive: { start: '000000010000000000000002' }, backrest: { version: '2.45' } },
      { label: '20250102-010000F_20250102-020000I', timestamp: { stop: 200 }, archive: { start: '000000010000000000000009' }, backrest: { version: '2.50' } },
    ] }];
    expect(newestPgBackRest(info)).toEqual([{ stanza: 'main', label: '20250102-010000F_20250102-020000I', stopEpoch: 200, walStart: '000000010000000000000009', version: '2.50', status: 'ok' }]);
    expect(newestWalg([{ backup_name: 'a', finish_time: '2025-01-01T00:00:00Z', wal_file_name: 'W1' }, { backup_name: 'b', finish_time: '2025-01-02T00:00:00Z', wal_file_name: 'W2' }])).toEqual({ name: 'b', finishedAt: '2025-01-02T00:00:00Z', walStart: 'W2' });
    expect(newestWalg([])).toBeNull();
  });
});
