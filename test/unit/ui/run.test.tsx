// runConfirmation end to end with fake terminal streams: it renders, refreshes the facts,
// measures, probes, dry-runs, and always gives the terminal back before resolving.
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { SizeProgress } from '../../../src/facts/size.js';
import { runConfirmation } from '../../../src/ui/run.js';
import type { ConfirmationSession } from '../../../src/ui/types.js';
import { cluster, promoteStandby, refuseVerdict, rmStoppedPrimary, runningStandby, stoppedPrimary, T0, verdict, walgDelete } from './fixtures.js';
import { flat, settle } from './helpers.js';
import { fakeTerminal } from './streams.js';

const SHOW_CURSOR = '\u001B[?25h';

function session(over: Partial<ConfirmationSession> & { term?: ReturnType<typeof fakeTerminal> } = {}) {
  const term = over.term ?? fakeTerminal();
  const s: ConfirmationSession = {
    host: 'db-01.prod.example.com',
    shortHost: 'db-01',
    argv: ['pg_ctl', '-D', '/var/lib/postgresql/15/main', 'stop'],
    verdict: verdict(),
    clusters: [cluster()],
    refresh: vi.fn(async () => ({ verdict: verdict(), clusters: [cluster()] })),
    now: () => T0,
    refreshMs: 20,
    ...term.streams,
    ...over,
  };
  return { s, term };
}

/** The terminal was given back: raw mode off and the cursor shown after the last frame. */
function expectRestored(term: ReturnType<typeof fakeTerminal>): void {
  expect(term.stdin.rawModes).toContain(true);
  expect(term.stdin.raw).toBe(false);
  expect(term.stdout.written.endsWith(SHOW_CURSOR) || term.stdout.written.lastIndexOf(SHOW_CURSOR) > term.stdout.written.lastIndexOf('\u001B[?25l')).toBe(true);
}

/** One full run, so that modules that register process-wide exit hooks once have done so. */
async function warmUp(): Promise<void> {
  const { s, term } = session();
  const p = runConfirmation(s);
  await settle(10);
  term.stdin.type('\u001B');
  await p;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runConfirmation', () => {
  test('typing the host name confirms; the terminal is restored and nothing keeps running', async () => {
    await warmUp();
    const hupBefore = process.listenerCount('SIGHUP');
    const { s, term } = session();
    const unsubscribe = vi.fn();
    s.subscribe = vi.fn(() => unsubscribe);
    const p = runConfirmation(s);
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('HOST db-01'), { timeout: 5000 });
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('RUNNING PRIMARY'), { timeout: 5000 });
    // Background work (refresh, subscription) starts once the first frame is out.
    await vi.waitFor(() => expect(s.refresh).toHaveBeenCalled(), { timeout: 5000 });
    term.stdin.type('db-01');
    await settle();
    term.stdin.type('\r');
    const r = await p;
    expect(r).toMatchObject({ outcome: 'confirmed', typed: ['db-01'] });
    expectRestored(term);
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    const calls = vi.mocked(s.refresh).mock.calls.length;
    expect(calls).toBeGreaterThan(0);
    await settle(80);
    expect(vi.mocked(s.refresh).mock.calls.length).toBe(calls);
    // Our handlers are gone (ink's and restore-cursor's own stay registered, as before).
    expect(process.listenerCount('SIGHUP')).toBe(hupBefore);
  });

  test('a wrong answer declines; Escape interrupts', async () => {
    const a = session();
    const p = runConfirmation(a.s);
    await vi.waitFor(() => expect(flat(a.term.stdout.written)).toContain('Type the host name'), { timeout: 5000 });
    a.term.stdin.type('db-02\r');
    expect(await p).toEqual({ outcome: 'declined', typed: ['db-02'] });
    expectRestored(a.term);

    const b = session();
    const q = runConfirmation(b.s);
    await vi.waitFor(() => expect(flat(b.term.stdout.written)).toContain('Type the host name'), { timeout: 5000 });
    b.term.stdin.type('\u001B');
    expect(await q).toEqual({ outcome: 'interrupted', signal: null });
    expectRestored(b.term);
  });

  test.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)('%s interrupts and restores the terminal', async (sig) => {
    await warmUp();
    const before = process.listenerCount(sig);
    const { s, term } = session();
    const p = runConfirmation(s);
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('Type the host name'), { timeout: 5000 });
    process.emit(sig, sig);
    expect(await p).toEqual({ outcome: 'interrupted', signal: sig });
    expectRestored(term);
    expect(process.listenerCount(sig)).toBe(before);
  });

  test('stdin closing (the terminal went away) interrupts', async () => {
    const { s, term } = session();
    const p = runConfirmation(s);
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('Type the host name'), { timeout: 5000 });
    term.stdin.emit('end');
    expect(await p).toEqual({ outcome: 'interrupted', signal: null });
  });

  test('a refresh that changes the role mid-way clears the answer', async () => {
    let role: 'standby' | 'primary' = 'standby';
    const clusters = () => [role === 'standby' ? runningStandby() : runningStandby({ role: 'primary', inRecovery: false, observedAt: new Date(T0 + 2000).toISOString() })];
    const { s, term } = session({
      ...promoteStandby,
      clusters: clusters(),
      refresh: vi.fn(async () => ({ verdict: promoteStandby.verdict, clusters: clusters() })),
    });
    const p = runConfirmation(s);
    await settle(50);
    term.stdin.type('db-01');
    await settle(50);
    role = 'primary';
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('ROLE CHANGED: 15/replica was running standby, is now RUNNING PRIMARY (03:12:06). Your answer was cleared.'), { timeout: 5000 });
    term.stdin.type('\r');
    expect(await p).toEqual({ outcome: 'declined', typed: [''] });
  });

  test('a refresh that refuses resolves refused', async () => {
    let refuse = false;
    const { s } = session({
      ...rmStoppedPrimary,
      refresh: vi.fn(async () => (refuse ? { verdict: refuseVerdict(), clusters: [cluster()] } : { verdict: rmStoppedPrimary.verdict, clusters: [stoppedPrimary()] })),
    });
    const p = runConfirmation(s);
    await settle(50);
    refuse = true;
    const r = await p;
    expect(r.outcome).toBe('refused');
  });

  test('a failing refresh is shown, not fatal', async () => {
    const { s, term } = session({ refresh: vi.fn(async () => Promise.reject(new Error('state.json unreadable'))) });
    const p = runConfirmation(s);
    await settle(80);
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('Could not re-read the facts (state.json unreadable)'), { timeout: 5000 });
    term.stdin.type('db-01\r');
    expect((await p).outcome).toBe('confirmed');
  });

  test('measures what would be destroyed in the background and cancels it at the end', async () => {
    const cancel = vi.fn();
    let report: ((p: SizeProgress) => void) | null = null;
    const measure = vi.fn((paths: string[], onProgress: (p: SizeProgress) => void) => {
      report = onProgress;
      return cancel;
    });
    const { s, term } = session({ ...rmStoppedPrimary, refresh: async () => rmStoppedPrimary, measure });
    const p = runConfirmation(s);
    await vi.waitFor(() => expect(measure.mock.calls[0]?.[0]).toEqual(['/var/lib/postgresql/15/main']), { timeout: 5000 });
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('counting…'), { timeout: 5000 });
    report!({ files: 12345, dirs: 3, bytes: 2048, skipped: 0, done: false });
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('counting… 12,345 files so far (2.0 KiB)'), { timeout: 5000 });
    report!({ files: 20000, dirs: 3, bytes: 4096, skipped: 0, done: true });
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('20,000 files in 3 directories, 4.0 KiB'), { timeout: 5000 });
    term.stdin.type('\u0003');
    expect(await p).toEqual({ outcome: 'interrupted', signal: 'SIGINT' });
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  test("probes the upstream before a promotion and shows wal-g's dry run", async () => {
    let answer: ((v: { reachable: boolean; inProduction: boolean | null; detail: string }) => void) | null = null;
    const probeUpstream = vi.fn(() => new Promise<{ reachable: boolean; inProduction: boolean | null; detail: string }>((r) => (answer = r)));
    const a = session({ ...promoteStandby, refresh: async () => promoteStandby, probeUpstream });
    const p = runConfirmation(a.s);
    await vi.waitFor(() => expect(probeUpstream).toHaveBeenCalledWith('10.0.0.5', 5432), { timeout: 5000 });
    await vi.waitFor(() => expect(flat(a.term.stdout.written)).toContain('checking upstream 10.0.0.5:5432…'), { timeout: 5000 });
    answer!({ reachable: true, inProduction: true, detail: 'pg_is_in_recovery() = false' });
    await vi.waitFor(() => expect(flat(a.term.stdout.written)).toContain('UPSTREAM PRIMARY IS REACHABLE AND IN PRODUCTION: promoting makes two primaries (split brain)'), { timeout: 5000 });
    expect(probeUpstream).toHaveBeenCalledTimes(1);
    a.term.stdin.type('\u001B');
    await p;

    const dryRun = vi.fn(async () => ({ exitCode: 0, output: 'INFO: base_000000010000000000000002 will be deleted\n' }));
    const b = session({ ...walgDelete, refresh: async () => walgDelete, dryRun });
    const q = runConfirmation(b.s);
    await vi.waitFor(() => expect(flat(b.term.stdout.written)).toContain('base_000000010000000000000002 will be deleted'), { timeout: 5000 });
    expect(dryRun).toHaveBeenCalledWith(['/opt/wal-g/wal-g', 'delete', 'retain', 'FULL', '3']);
    b.term.stdin.type('db-01\r');
    expect((await q).outcome).toBe('confirmed');
  });

  test('a stdin without raw mode rejects, leaving nothing running (the guard then asks plainly)', async () => {
    const term = fakeTerminal();
    term.stdin.isTTY = false;
    const { s } = session({ term });
    await expect(runConfirmation(s)).rejects.toThrow(/Raw mode is not supported/);
    const calls = vi.mocked(s.refresh).mock.calls.length;
    await settle(60);
    expect(vi.mocked(s.refresh).mock.calls.length).toBe(calls);
  });

  test('NO_COLOR: no colour in anything written', async () => {
    const { s, term } = session({ noColor: true });
    const p = runConfirmation(s);
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('Type the host name'), { timeout: 5000 });
    term.stdin.type('\u001B');
    await p;
    expect(term.stdout.written).not.toMatch(/\u001B\[[0-9;]*m/);
    expect(term.stdout.written).toContain('RUNNING PRIMARY');
  });

  test('TERM=dumb: no escape sequences at all, typing appends to the prompt line', async () => {
    const { s, term } = session({ dumb: true, noColor: false });
    const p = runConfirmation(s);
    await vi.waitFor(() => expect(flat(term.stdout.written)).toContain('Type the host name'), { timeout: 5000 });
    const first = term.stdout.written;
    term.stdin.type('d');
    await settle(20);
    term.stdin.type('b');
    await settle(20);
    // ink trims the frame's trailing space; the first key brings it back with the letter.
    expect(term.stdout.written.slice(first.length)).toBe(' db');
    term.stdin.type('-01\r');
    expect((await p).outcome).toBe('confirmed');
    expect(term.stdout.written).not.toContain('\u001B');
    // The whole screen was written once; everything after it was appended.
    expect(term.stdout.written.split('HOST db-01').length - 1).toBe(1);
    expect(term.stdout.written.endsWith('cancels: db-01  (ok)\nConfirmed. safeops reads the facts once more, then runs the command.\n')).toBe(true);
  });
});
