// What the confirmation screen shows: every element, at 60/80/120 columns, with and without colour.
import { describe, expect, test, vi } from 'vitest';
// Colour is asserted below: pin it before chalk (through ink) reads the environment.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
  delete process.env.NO_COLOR;
});
import { cluster, promoteStandby, reason, rmStoppedPrimary, runningStandby, stoppedPrimary, T0, verdict, walgDelete } from './fixtures.js';
import { flat, renderScreen } from './helpers.js';

const DATA = '/var/lib/postgresql/15/main';

describe('strong rm of a stopped primary', () => {
  const base = { ...rmStoppedPrimary, destroys: [DATA], measuring: true };

  test('host first and large, then the cluster, its role, how and when it was observed', () => {
    const s = renderScreen(base);
    const lines = s.text().split('\n');
    // The banner: full-width inverse, the host name in it, before anything else.
    expect(lines[1]).toContain('HOST db-01');
    expect(lines[1]).toContain('(db-01.prod.example.com)');
    expect(lines[1]?.length).toBe(80);
    expect(s.lastFrame()).toContain('\u001B[7m');
    const text = s.flat();
    expect(text).toContain('STOPPED (no standby.signal) — may be the only copy');
    expect(text).toContain('role from signal files: no standby.signal or recovery.signal');
    expect(text).toContain('observed 3 s ago (03:12:01)');
    expect(text).toContain('pg_control: shut down');
    expect(text.indexOf('HOST db-01')).toBeLessThan(text.indexOf('15/main'));
  });

  test('what would be destroyed: counting, then the final figures', () => {
    const s = renderScreen(base);
    expect(s.flat()).toContain(`${DATA} (data directory of 15/main)`);
    expect(s.flat()).toContain('counting…');
    s.update({ size: { files: 12345, dirs: 40, bytes: 5 * 1024 ** 3, skipped: 0, done: false } });
    expect(s.flat()).toContain('counting… 12,345 files so far (5.0 GiB)');
    s.update({ size: { files: 23456, dirs: 80, bytes: 3.4 * 1024 ** 3, skipped: 2, done: true } });
    expect(s.flat()).toContain('23,456 files in 80 directories, 3.4 GiB (2 entries could not be read or are gone)');
    expect(s.flat()).not.toContain('counting');
  });

  test('reasons, the exact command and the two-step prompt', () => {
    const s = renderScreen(base);
    const text = s.flat();
    expect(text).toContain('rm -r would delete /var/lib/postgresql/15/main (data directory of 15/main)');
    expect(text).toContain('safer: if this host should become a standby');
    expect(text).toContain('$ rm -rf /var/lib/postgresql/15/main');
    expect(text).toContain('Strong confirmation: type the host name, then the cluster name.');
    expect(text).toContain('Step 1 of 2: Type the host name (db-01) to run it, anything else cancels:');
    expect(text).toContain('stopped: no replication or archiving running');
  });
});

describe('roles in words (never colour alone)', () => {
  test.each([
    ['running primary', cluster(), 'RUNNING PRIMARY'],
    ['running standby', runningStandby(), 'running standby'],
    ['stopped primary', stoppedPrimary(), 'STOPPED (no standby.signal) — may be the only copy'],
    ['stopped standby', stoppedPrimary({ standbySignal: true, role: 'standby', roleDetail: 'standby.signal present' }), 'stopped standby (standby.signal)'],
    ['restore in progress', stoppedPrimary({ restoreInProgress: true, backupLabel: true }), 'RESTORE IN PROGRESS (stopped, backup_label present, never started)'],
    ['running, role unknown', cluster({ role: 'unknown', roleSource: 'signal-file', roleDetail: 'not confirmed over SQL' }), 'RUNNING, ROLE UNKNOWN — treated as primary'],
    ['liveness unknown', cluster({ running: 'unknown', role: 'unknown' }), 'UNKNOWN — treated as primary'],
    ['recovering', cluster({ role: 'recovering' }), 'RUNNING, IN ARCHIVE RECOVERY (PITR)'],
    ['promotion requested', runningStandby({ promoteRequested: true }), 'running standby, PROMOTION REQUESTED'],
  ])('%s', (_name, c, words) => {
    const s = renderScreen({ argv: ['pg_ctl', 'stop'], clusters: [c], verdict: verdict({ touched: [c.dataDir] }), columns: 120 });
    expect(s.flat()).toContain(words);
  });

  test('a touched data dir with no facts is unknown, treated as primary', () => {
    const s = renderScreen({ argv: ['rm', '-r', '/srv/pg'], clusters: [], verdict: verdict({ touched: ['/srv/pg'] }) });
    expect(s.flat()).toContain('/srv/pg UNKNOWN — treated as primary');
  });
});

describe('replication and archiving', () => {
  test('connected standbys of a primary and failing archiving', () => {
    const c = cluster({
      archiving: { mode: 'on', archivedCount: 10, failedCount: 3, lastArchivedAt: new Date(T0 - 3_600_000).toISOString(), lastFailedAt: new Date(T0 - 10_000).toISOString(), lastFailedWal: '000000010000000000000042', failing: true, readyCount: 1234 },
    });
    const s = renderScreen({ argv: ['pg_ctl', 'stop'], clusters: [c], verdict: verdict(), columns: 120 });
    const text = s.flat();
    expect(text).toContain('15/main: 1 standby connected: 15/replica (10.0.0.6) streaming async, lag 0 s');
    expect(text).toContain('15/main: WAL ARCHIVING FAILING: last failure 03:11:54 (000000010000000000000042), last success 02:12:04; 1,234 WAL files waiting');
  });

  test('a primary with no standby, a standby not streaming', () => {
    const p = cluster({ replication: { connectedStandbys: [], upstream: null, receiverStatus: null, replayLagSeconds: null } });
    const sb = runningStandby({ replication: { connectedStandbys: null, upstream: { host: '10.0.0.5', port: 5432, conninfo: '' }, receiverStatus: null, replayLagSeconds: 300 } });
    const s = renderScreen({ argv: ['pg_ctl', 'stop'], clusters: [p, sb], verdict: verdict({ touched: [p.dataDir, sb.dataDir] }), columns: 120 });
    expect(s.flat()).toContain('15/main: NO STANDBY CONNECTED: this primary may hold the only copy');
    expect(s.flat()).toContain('15/replica: upstream 10.0.0.5:5432, NOT STREAMING (WAL receiver: none), replay lag 300 s');
    expect(s.flat()).toContain('Clusters this command touches (2):');
  });
});

describe('pg_ctl promote: the split-brain check', () => {
  const key = '/var/lib/postgresql/15/replica';

  test('checking, then reachable and in production', () => {
    const s = renderScreen({ ...promoteStandby, upstream: { [key]: null } });
    expect(s.flat()).toContain('checking upstream 10.0.0.5:5432…');
    expect(s.flat()).toContain('upstream 10.0.0.5:5432, streaming, replay lag 1 s');
    s.update({ upstream: { [key]: { reachable: true, inProduction: true, detail: '10.0.0.5:5432 answers' } } });
    expect(s.flat()).toContain('UPSTREAM PRIMARY IS REACHABLE AND IN PRODUCTION: promoting makes two primaries (split brain)');
  });

  test('unreachable, and not checked at all', () => {
    const s = renderScreen({ ...promoteStandby, upstream: { [key]: { reachable: false, inProduction: null, detail: 'connect ECONNREFUSED' } }, columns: 120 });
    expect(s.flat()).toContain('upstream unreachable from this host (connect ECONNREFUSED)');
    s.update({ upstream: {} });
    expect(s.flat()).toContain('upstream 10.0.0.5:5432 not checked');
  });

  test('reachable but its role unreadable counts as a primary', () => {
    const s = renderScreen({ ...promoteStandby, upstream: { [key]: { reachable: true, inProduction: null, detail: 'password authentication failed' } }, columns: 120 });
    expect(s.flat()).toContain('UPSTREAM 10.0.0.5:5432 IS REACHABLE, role unknown: it may still be a primary (split brain)');
  });
});

describe("wal-g delete: wal-g's own dry run", () => {
  const output = Array.from({ length: 30 }, (_, i) => `INFO: backup base_0000000100000000000000${String(i).padStart(2, '0')} will be deleted`).join('\n');

  test('running, then the output in a window with its position', () => {
    const s = renderScreen({ ...walgDelete, dryRun: { status: 'running', argv: walgDelete.verdict.dryRunArgv! } });
    expect(s.flat()).toContain("wal-g's own dry run (/opt/wal-g/wal-g delete retain FULL 3):");
    expect(s.flat()).toContain('running the dry run…');
    s.update({ dryRun: { status: 'done', argv: walgDelete.verdict.dryRunArgv!, exitCode: 0, output } });
    expect(s.flat()).toContain('base_000000010000000000000000 will be deleted');
    expect(s.flat()).toContain('base_000000010000000000000011 will be deleted');
    expect(s.flat()).not.toContain('base_000000010000000000000012');
    expect(s.flat()).toContain('lines 1-12 of 30 (↑/↓, PgUp/PgDn to scroll)');
    expect(s.flat()).toContain('$ /opt/wal-g/wal-g delete retain FULL 3 --confirm');
  });

  test('a failing dry run says so; escape sequences in its output are removed', () => {
    const s = renderScreen({ ...walgDelete, plain: true, dryRun: { status: 'done', argv: ['wal-g', 'delete'], exitCode: 1, output: '\u001B[31mERROR\u001B[0m: storage unreachable\r\n' } });
    expect(s.flat()).toContain('THE DRY RUN FAILED (exit 1): you cannot see what would be deleted');
    expect(s.lastFrame()).toContain('ERROR: storage unreachable');
    expect(s.lastFrame()).not.toContain('\u001B[');
  });
});

describe('terminals', () => {
  const everything = {
    ...promoteStandby,
    clusters: [runningStandby(), stoppedPrimary({ restoreInProgress: true, hasPgControl: false })],
    verdict: { ...promoteStandby.verdict, touched: ['/var/lib/postgresql/15/replica', DATA], strong: true, warnings: ['archiving failed on the primary an hour ago'] },
    destroys: [DATA, '/var/lib/postgresql/15/main/a/very/long/path/that/does/not/fit/in/sixty/columns/at/all'],
    size: { files: 1, dirs: 1, bytes: 1, skipped: 0, done: false },
    measuring: true,
    upstream: { '/var/lib/postgresql/15/replica': { reachable: true, inProduction: true, detail: 'x' } },
    dryRun: { status: 'done' as const, argv: ['wal-g', 'delete', 'retain', 'FULL', '3'], exitCode: 0, output: Array.from({ length: 20 }, (_, i) => `${i} ${'x'.repeat(200)}`).join('\n') },
  };

  test.each([60, 80, 120])('no line is longer than %i columns', (columns) => {
    const s = renderScreen({ ...everything, columns });
    const lines = s.text().split('\n');
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(columns);
    expect(s.flat()).toContain('HOST db-01');
    expect(s.flat()).toContain('RESTORE IN PROGRESS');
  });

  test('NO_COLOR: no escape sequences at all, the meaning carried by words', () => {
    const s = renderScreen({ ...everything, plain: true, columns: 60 });
    const frame = s.lastFrame() ?? '';
    expect(frame).not.toContain('\u001B[');
    expect(frame).toContain('HOST db-01');
    expect(frame).toContain('running standby');
    expect(frame).toContain('RESTORE IN PROGRESS');
    expect(flat(frame)).toContain('UPSTREAM PRIMARY IS REACHABLE AND IN PRODUCTION: promoting makes two primaries (split brain)');
    expect(frame).toContain('='.repeat(60));
    expect(frame).toContain('Up/Down');
  });

  test('with colour, the role has its colour as well as its words', () => {
    const s = renderScreen({ argv: ['pg_ctl', 'stop'], clusters: [cluster()], verdict: verdict() });
    expect(s.lastFrame()).toMatch(/\u001B\[31m[^\n]*RUNNING PRIMARY/);
  });

  test('TERM=dumb: plain, and the observation time does not tick', () => {
    const s = renderScreen({ ...rmStoppedPrimary, dumb: true });
    expect(s.lastFrame()).not.toContain('\u001B[');
    expect(s.flat()).toContain('observed 03:12:01, re-checked every second');
    const before = s.lastFrame();
    s.update({ nowMs: T0 + 5000, clusters: [stoppedPrimary({ observedAt: new Date(T0 + 4000).toISOString() })] });
    expect(s.lastFrame()).toBe(before);
  });

  test('control characters in paths and arguments cannot reach the terminal', () => {
    const s = renderScreen({ ...rmStoppedPrimary, argv: ['rm', '-rf', '/tmp/x\u001B]11;#ff0000\u0007y', "it's"], plain: true, columns: 120 });
    expect(s.lastFrame()).not.toContain('\u001B');
    expect(s.flat()).toContain("$ rm -rf $'/tmp/x\\E]11;#ff0000\\x07y' 'it'\\''s'");
  });
});

test('reasons that refuse are said to refuse', () => {
  const s = renderScreen({ argv: ['rm', '-r', DATA], clusters: [cluster()], verdict: verdict({ kind: 'refuse', reasons: [reason({ verdict: 'refuse', what: 'would delete a RUNNING PRIMARY' })] }) });
  expect(s.flat()).toContain('Why safeops refuses:');
  expect(s.flat()).toContain('REFUSED: with the facts as they are now, safeops will not run this command.');
});
