// Archiving health, WAL/disk and slots (issue 11), pure: the reducer with a fake clock (an idle
// hour without a false alarm; the promoted-standby scenarios within their deadlines), the alert
// rules, the archive_command reader, the log reader and the config keys.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, parseConfigs, type LoadedConfig } from '../../src/config/schema.js';
import { timelineOf, type ArchiveHealth } from '../../src/facts/archive.js';
import { checkProgram, commandPrograms } from '../../src/facts/archive-command.js';
import { lastArchiveFailure } from '../../src/facts/server-log.js';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import type { WalDiskFacts } from '../../src/facts/wal-disk.js';
import type { Effect, WatchEvent } from '../../src/watch/events.js';
import { initialState, reduce, type WatchState } from '../../src/watch/reducer.js';
import { cluster } from './watch-fixtures.js';

const MAIN = '/var/lib/postgresql/15/main';
const T0 = Date.parse('2025-06-01T03:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function health(patch: Partial<ArchiveHealth> = {}): ArchiveHealth {
  return {
    source: 'sql',
    readyCount: 0,
    oldestReady: null,
    oldestReadyAt: null,
    timeline: 1,
    lastArchivedWal: '000000010000000000000005',
    lastArchivedTimeline: 1,
    historyReady: null,
    historyReadyAt: null,
    command: 'test ! -f /archive/%f && cp %p /archive/%f',
    library: '',
    program: '/usr/bin/cp',
    configProblem: null,
    lastFailureLine: null,
    ...patch,
  };
}

function primary(h: ArchiveHealth, extra: Partial<ClusterFacts> = {}, failing = false): ClusterFacts {
  return cluster(MAIN, 'primary', {
    archiving: { mode: 'on', archivedCount: 5, failedCount: failing ? 1 : 0, lastArchivedAt: null, lastFailedAt: failing ? iso(T0) : null, lastFailedWal: failing ? '00000002.history' : null, failing, readyCount: h.readyCount, health: h },
    ...extra,
  });
}

const host = (...clusters: ClusterFacts[]): HostFacts => ({ hostname: 'db-01', shortHostname: 'db-01', clusters, unidentifiedPostmasters: [], observedAt: iso(T0), problems: [] });

function loaded(patch: (c: ReturnType<typeof defaultConfig>) => void = () => {}): LoadedConfig {
  const config = defaultConfig();
  patch(config);
  return { config, files: [], problems: [], protectionDegraded: false };
}

/** The reducer driven by a fake clock: every poll answers with `facts(now)`. */
class Clock {
  state: WatchState;
  now = T0;
  effects: Effect[] = [];
  constructor(cfg = loaded()) {
    this.state = initialState({ pid: 1 });
    this.send({ type: 'config-loaded', loaded: cfg });
  }
  send(e: WatchEvent): void {
    const r = reduce(this.state, e, this.now);
    this.state = r.state;
    this.effects.push(...r.effects);
  }
  answer(h: HostFacts): void {
    const seq = this.state.inFlight?.seq;
    if (seq !== undefined) this.send({ type: 'facts', seq, host: h });
  }
  /** Run polls until `until` (ms since T0); returns the first time (ms since T0) an alert of `kind` showed, or null. */
  run(facts: (now: number) => HostFacts, until: number, kind?: string): number | null {
    if (this.state.host === null) {
      this.send({ type: 'started' });
      this.answer(facts(this.now));
    }
    let first: number | null = this.state.alerts.some((a) => !kind || a.kind === kind) ? this.now - T0 : null;
    while (this.now - T0 < until) {
      this.now = Math.min(this.state.nextSqlAt ?? this.now + 2000, T0 + until);
      this.send({ type: 'tick' });
      this.answer(facts(this.now));
      if (first === null && this.state.alerts.some((a) => !kind || a.kind === kind)) first = this.now - T0;
    }
    return first;
  }
  alertLogs(): string[] {
    return this.effects.filter((e): e is Extract<Effect, { type: 'log' }> => e.type === 'log' && e.line.startsWith('alert')).map((e) => e.line);
  }
}

describe('archiving health in the reducer (fake clock)', () => {
  it('a healthy quiet primary never alerts over an idle hour (segments archived within a second)', () => {
    const k = new Clock();
    const wal: WalDiskFacts = { walBytes: 16 * 1048576 * 4, freeBytes: 50 * 2 ** 30, totalBytes: 100 * 2 ** 30, slots: [] };
    // archive_timeout-like: a segment becomes ready every 10 minutes and is archived 1 s later.
    const facts = (now: number) => {
      const sinceSeg = (now - T0) % 600_000;
      const h = sinceSeg < 1000 ? health({ readyCount: 1, oldestReady: '000000010000000000000006', oldestReadyAt: iso(now - sinceSeg) }) : health();
      return host(primary(h, { walDisk: wal }));
    };
    expect(k.run(facts, 3_600_000)).toBeNull();
    expect(k.alertLogs()).toEqual([]);
    expect(k.now - T0).toBe(3_600_000);
  });

  it('promoted standby whose archive_command names a missing program (exit 127): alerted at the first poll', () => {
    const k = new Clock();
    const h = health({ timeline: 2, historyReady: '00000002.history', historyReadyAt: iso(T0), readyCount: 1, oldestReady: '00000002.history', oldestReadyAt: iso(T0), lastArchivedWal: null, lastArchivedTimeline: null, command: '/usr/local/bin/wal-g wal-push %p', program: '/usr/local/bin/wal-g', configProblem: 'archive_command runs /usr/local/bin/wal-g: /usr/local/bin/wal-g does not exist (the archiver\'s command would exit 127)' });
    const first = k.run(() => host(primary(h)), 90_000, 'archiving-misconfigured');
    expect(first).toBe(0);
    expect(k.state.alerts.map((a) => a.text)).toContain('archiving broken on 15/main: archive_command program');
  });

  it('archive_command exiting 1: pg_stat_archiver counts it, alerted at once (well within 20 s)', () => {
    const k = new Clock();
    const facts = (now: number) => host(primary(health({ timeline: 2, historyReady: '00000002.history', historyReadyAt: iso(T0), readyCount: 1, oldestReady: '00000002.history', oldestReadyAt: iso(T0), lastFailureLine: 'LOG:  archive command failed with exit code 1' }), {}, now >= T0 + 3000));
    const first = k.run(facts, 20_000, 'archiving-failing');
    expect(first).not.toBeNull();
    expect(first!).toBeLessThanOrEqual(20_000);
    expect(k.state.alerts.find((a) => a.kind === 'archiving-failing')!.detail).toContain('archive command failed with exit code 1');
    // pg_stat_archiver said it: no second "stuck" alert for the same thing.
    expect(k.state.alerts.filter((a) => a.kind === 'archiving-stuck')).toEqual([]);
  });

  it('archive_command killed by a signal (never counted): the new timeline not archived alerts after the grace, within 90 s', () => {
    const k = new Clock();
    const h = health({ timeline: 2, historyReady: '00000002.history', historyReadyAt: iso(T0), readyCount: 1, oldestReady: '00000002.history', oldestReadyAt: iso(T0), lastArchivedWal: null, lastArchivedTimeline: null, lastFailureLine: 'FATAL:  archive command was terminated by signal 9: Killed' });
    const first = k.run(() => host(primary(h)), 90_000, 'archiving-stuck');
    expect(first).not.toBeNull();
    expect(first!).toBeGreaterThanOrEqual(30_000); // not before the grace
    expect(first!).toBeLessThanOrEqual(90_000);
    const a = k.state.alerts.find((x) => x.kind === 'archiving-stuck')!;
    expect(a.text).toBe('archiving stuck on 15/main');
    expect(a.detail).toContain('00000002.history');
    expect(a.detail).toContain('terminated by signal 9');
  });

  it('a busy primary whose archiver is stuck on one segment: alerted when the oldest .ready passes readyMaxAgeSeconds, cleared when archived', () => {
    const k = new Clock(loaded((c) => (c.archiving.readyMaxAgeSeconds = 60)));
    let archivedAt = Infinity;
    const facts = (now: number) =>
      host(primary(now < archivedAt ? health({ readyCount: 3 + Math.floor((now - T0) / 10_000), oldestReady: '000000010000000000000007', oldestReadyAt: iso(T0) }) : health()));
    const first = k.run(facts, 120_000, 'archiving-stuck');
    expect(first).toBeGreaterThanOrEqual(60_000);
    expect(first).toBeLessThanOrEqual(62_000);
    archivedAt = k.now + 1;
    k.run(facts, 130_000);
    expect(k.state.alerts).toEqual([]);
    expect(k.alertLogs().some((l) => l.startsWith('alert cleared: archiving stuck on 15/main'))).toBe(true);
  });

  it('last archived WAL on an older timeline with a waiting segment alerts after the grace', () => {
    const k = new Clock();
    const h = health({ timeline: 3, lastArchivedWal: '000000020000000000000009.partial', lastArchivedTimeline: 2, readyCount: 1, oldestReady: '00000003000000000000000A', oldestReadyAt: iso(T0) });
    const first = k.run(() => host(primary(h)), 60_000, 'archiving-stuck');
    expect(first).toBeGreaterThanOrEqual(30_000);
    expect(k.state.alerts[0]!.detail).toContain('timeline 2');
  });

  it('archive_mode on with no command and no library: alerted at once; a standby with archive_mode on is not judged', () => {
    const k = new Clock();
    const h = health({ command: '', library: '', program: null, configProblem: 'archive_mode is on but archive_command and archive_library are empty: WAL piles up in pg_wal and nothing is archived' });
    expect(k.run(() => host(primary(h)), 4000, 'archiving-misconfigured')).toBe(0);
    expect(k.state.alerts[0]!.text).toBe('archiving broken on 15/main: no archive_command');
    const s = cluster('/d/replica', 'standby', { archiving: { mode: 'on', archivedCount: 0, failedCount: 0, lastArchivedAt: null, lastFailedAt: null, lastFailedWal: null, failing: false, readyCount: 0, health: h } });
    const k2 = new Clock();
    expect(k2.run(() => host(s), 4000)).toBeNull();
  });
});

describe('WAL and disk (fake clock)', () => {
  const G = 2 ** 30;
  it('pg_wal growing toward a full disk: "disk full in about N h" once the rate is measured; steady pg_wal never alerts', () => {
    const k = new Clock();
    // +1 GB per 10 minutes, 10 GB free shrinking as it grows: full in ~1.6 h.
    const facts = (now: number) => {
      const grown = ((now - T0) / 600_000) * G;
      return host(primary(health(), { walDisk: { walBytes: G + grown, freeBytes: 10 * G - grown, totalBytes: 100 * G, slots: [] } }));
    };
    const first = k.run(facts, 600_000, 'wal-disk');
    expect(first).not.toBeNull();
    expect(first!).toBeGreaterThanOrEqual(120_000); // not before a rate over 2 minutes
    expect(k.state.alerts.find((a) => a.kind === 'wal-disk')!.text).toMatch(/^15\/main: disk full in about (1|2) h at the current WAL rate$/);
    const steady = new Clock();
    expect(steady.run(() => host(primary(health(), { walDisk: { walBytes: G, freeBytes: 10 * G, totalBytes: 100 * G, slots: [] } })), 3_600_000)).toBeNull();
  });

  it('little free space alerts without a rate; slots lost, unreserved, near their limit or inactive and holding too much alert', () => {
    const k = new Clock();
    expect(k.run(() => host(primary(health(), { walDisk: { walBytes: G, freeBytes: 2 * G, totalBytes: 100 * G, slots: [] } })), 2000, 'wal-disk')).toBe(0);
    const slot = (p: Partial<NonNullable<WalDiskFacts['slots']>[number]>) => ({ name: 'replica1', type: 'physical', active: true, walStatus: 'reserved', safeWalSize: null, retainedBytes: 0, ...p });
    const texts = (s: ReturnType<typeof slot>) => {
      const c = new Clock();
      c.run(() => host(primary(health(), { walDisk: { walBytes: G, freeBytes: 50 * G, totalBytes: 100 * G, slots: [s] } })), 2000);
      return c.state.alerts.map((a) => a.detail);
    };
    expect(texts(slot({}))).toEqual([]);
    expect(texts(slot({ walStatus: 'lost' }))[0]).toContain('lost');
    expect(texts(slot({ walStatus: 'unreserved' }))[0]).toContain('unreserved');
    expect(texts(slot({ safeWalSize: 100 * 1048576 }))[0]).toContain('safe_wal_size');
    expect(texts(slot({ active: false, retainedBytes: 2 * G }))[0]).toContain('inactive slot replica1 holds 2.0 GB');
    expect(texts(slot({ active: false, retainedBytes: 100 * 1048576 }))).toEqual([]);
  });
});

describe('reading archive_command, WAL names and the server log (pure)', () => {
  it('the programs an archive_command runs, through sudo/env/sh -c and the shell operators', () => {
    expect(commandPrograms('/opt/wal-g/wal-g wal-push %p')).toEqual(['/opt/wal-g/wal-g']);
    expect(commandPrograms('sudo -u postgres env WALG_FILE_PREFIX=/x /opt/wal-g/wal-g wal-push %p')).toEqual(['/opt/wal-g/wal-g']);
    expect(commandPrograms(`sh -c 'nice -n 5 wal-g wal-push %p'`)).toEqual(['wal-g']);
    expect(commandPrograms('test ! -f /archive/%f && cp %p /archive/%f')).toEqual(['cp']);
    expect(commandPrograms('pgbackrest --stanza=main archive-push %p')).toEqual(['pgbackrest']);
    expect(commandPrograms('/bin/true')).toEqual(['/bin/true']);
    expect(commandPrograms('$HOME/bin/archive %p')).toEqual([]); // an expansion: not judged
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-archive-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  it('a program missing, not executable for the owner, found in PATH, or relative to the data dir', () => {
    const exe = path.join(tmp, 'archive.sh');
    fs.writeFileSync(exe, '#!/bin/sh\nexit 0\n', { mode: 0o700 });
    fs.chownSync(exe, 0, 0);
    const owner = { uid: 4321, gid: 4321 };
    expect(checkProgram({ program: path.join(tmp, 'nope'), cwd: tmp, pathVar: '/usr/bin', owner }).problem).toContain('does not exist');
    expect(checkProgram({ program: 'safeops-no-such-program', cwd: tmp, pathVar: '/usr/bin:/bin', owner }).problem).toContain("not in the server's PATH");
    expect(checkProgram({ program: exe, cwd: tmp, pathVar: '/usr/bin', owner }).problem).toContain('not executable for the cluster');
    fs.chmodSync(exe, 0o755);
    expect(checkProgram({ program: exe, cwd: tmp, pathVar: '/usr/bin', owner }).problem).toBeNull();
    expect(checkProgram({ program: 'archive.sh', cwd: tmp, pathVar: `/nonexistent:${tmp}`, owner })).toEqual({ resolved: exe, problem: null });
    expect(checkProgram({ program: './archive.sh', cwd: tmp, pathVar: '/usr/bin', owner }).problem).toBeNull();
    expect(checkProgram({ program: 'cp', cwd: tmp, pathVar: '/usr/bin:/bin', owner }).problem).toBeNull();
  });

  it('timelines of WAL, partial, backup and history names', () => {
    expect(timelineOf('000000010000000000000003')).toBe(1);
    expect(timelineOf('0000000A0000000000000003.partial')).toBe(10);
    expect(timelineOf('000000020000000000000003.00000028.backup')).toBe(2);
    expect(timelineOf('00000003.history')).toBe(3);
    expect(timelineOf('garbage')).toBeNull();
    expect(timelineOf(null)).toBeNull();
  });

  it('the last archive failure of a log, with its DETAIL, control bytes made harmless', () => {
    const log = [
      '2025-06-01 03:00:00.000 UTC [10] LOG:  archive command failed with exit code 1',
      '2025-06-01 03:00:00.000 UTC [10] DETAIL:  The failed archive command was: false',
      '2025-06-01 03:00:05.000 UTC [11] LOG:  checkpoint starting: time',
      '2025-06-01 03:00:09.000 UTC [12] FATAL:  archive command was terminated by signal 9: Killed',
      '2025-06-01 03:00:09.000 UTC [12] DETAIL:  The failed archive command was: /x/die.sh pg_wal/00000002.history\x1b[31m',
      '2025-06-01 03:00:10.000 UTC [13] LOG:  archiver process (PID 12) exited with exit code 1',
    ].join('\n');
    const line = lastArchiveFailure(log)!;
    expect(line).toContain('terminated by signal 9');
    expect(line).toContain('DETAIL: The failed archive command was: /x/die.sh');
    expect(line).not.toContain('\x1b');
    expect(lastArchiveFailure('LOG:  checkpoint complete\n')).toBeNull();
  });

  it('config: archiving.* and wal.* with defaults and range checks naming the key', () => {
    const ok = parseConfigs([{ file: '/c.json', text: JSON.stringify({ archiving: { readyMaxAgeSeconds: 120 }, wal: { diskFullWithinHours: 12 } }), additiveOnly: false }]);
    expect(ok.problems).toEqual([]);
    expect(ok.config.archiving).toEqual({ readyMaxAgeSeconds: 120, timelineGraceSeconds: 30 });
    expect(ok.config.wal.diskFullWithinHours).toBe(12);
    const bad = parseConfigs([{ file: '/c.json', text: JSON.stringify({ archiving: { readyMaxAgeSeconds: 1, nope: 2 }, wal: 'x' }), additiveOnly: false }]);
    expect(bad.problems.map((p) => p.key).sort()).toEqual(['archiving.nope', 'archiving.readyMaxAgeSeconds', 'wal']);
    expect(bad.config.archiving.readyMaxAgeSeconds).toBe(60);
    expect(bad.protectionDegraded).toBe(false);
  });
});
