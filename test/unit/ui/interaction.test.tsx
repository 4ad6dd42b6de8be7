// Typing on the confirmation screen: the right answers confirm, anything else cancels, and a
// role that changes while the screen is open voids what was typed.
import { describe, expect, test, vi } from 'vitest';
import { cluster, promoteStandby, refuseVerdict, rmStoppedPrimary, runningStandby, stoppedPrimary, T0, verdict, walgDelete } from './fixtures.js';
import { CTRL_C, ENTER, ESC, renderScreen, settle, type } from './helpers.js';

const stop = { argv: ['pg_ctl', '-D', '/var/lib/postgresql/15/main', 'stop'], clusters: [cluster()], verdict: verdict() };

describe('a normal confirmation', () => {
  test('typing the host name and Enter confirms', async () => {
    const s = renderScreen(stop);
    await type(s.stdin, 'db-01');
    expect(s.flat()).toContain('cancels: db-01');
    await type(s.stdin, ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalledTimes(1), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toMatchObject({ outcome: 'confirmed', typed: ['db-01'], verdict: stop.verdict, clusters: stop.clusters });
    expect(s.flat()).toContain('Confirmed.');
  });

  test('a wrong host name declines, at once', async () => {
    const s = renderScreen(stop);
    await type(s.stdin, 'db-02' + ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toEqual({ outcome: 'declined', typed: ['db-02'] });
    expect(s.flat()).toContain('Not confirmed (you typed "db-02"): nothing was run.');
  });

  test('the full host name is not the short one; an empty Enter declines', async () => {
    const s = renderScreen(stop);
    await type(s.stdin, 'db-01.prod.example.com' + ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0].outcome).toBe('declined');
    const t = renderScreen(stop);
    await type(t.stdin, ENTER);
    await vi.waitFor(() => expect(t.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(t.onResolve.mock.calls[0]?.[0]).toEqual({ outcome: 'declined', typed: [''] });
  });

  test('backspace corrects a typo; surrounding spaces do not matter', async () => {
    const s = renderScreen(stop);
    await type(s.stdin, ' db-0x\u007f1 ' + ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toMatchObject({ outcome: 'confirmed', typed: ['db-01'] });
  });

  test.each([
    ['Escape', ESC, null],
    ['Ctrl-C', CTRL_C, 'SIGINT'],
  ])('%s interrupts', async (_name, key, signal) => {
    const s = renderScreen(stop);
    await type(s.stdin, 'db-0');
    s.stdin.write(key);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toEqual({ outcome: 'interrupted', signal });
    expect(s.flat()).toContain('Interrupted: nothing was run.');
  });

  test('a Ctrl-C that arrives in one chunk with typed text still interrupts', async () => {
    const s = renderScreen(stop);
    s.stdin.write(`db-01${CTRL_C}`);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toEqual({ outcome: 'interrupted', signal: 'SIGINT' });
  });

  test("arrow keys scroll wal-g's dry run and type nothing", async () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const s = renderScreen({ ...walgDelete, dryRun: { status: 'done', argv: ['wal-g', 'delete'], exitCode: 0, output } });
    expect(s.flat()).toContain('lines 1-12 of 30');
    s.stdin.write('\u001B[B');
    await settle();
    s.stdin.write('\u001B[6~');
    await settle();
    expect(s.flat()).toContain('lines 12-23 of 30');
    expect(s.flat()).toContain('line 11 line 12');
    expect(s.flat()).not.toContain('line 10 ');
    s.stdin.write('\u001B[6~');
    await settle();
    expect(s.flat()).toContain('lines 19-30 of 30');
    s.stdin.write('\u001B[A');
    await settle();
    expect(s.flat()).toContain('lines 18-29 of 30');
    expect(s.flat()).toMatch(/cancels: $/);
  });

  test('nothing more is reported after the end', async () => {
    const s = renderScreen(stop);
    await type(s.stdin, 'x' + ENTER + 'db-01' + ENTER);
    await settle(50);
    expect(s.onResolve).toHaveBeenCalledTimes(1);
  });
});

describe('a strong confirmation', () => {
  test('needs the host name, then the cluster name', async () => {
    const s = renderScreen(rmStoppedPrimary);
    await type(s.stdin, 'db-01' + ENTER);
    expect(s.onResolve).not.toHaveBeenCalled();
    expect(s.flat()).toContain('Step 1 of 2: Type the host name (db-01) to run it, anything else cancels: db-01 (ok)');
    expect(s.flat()).toContain('Step 2 of 2: Type the cluster name (15/main) to run it, anything else cancels:');
    await type(s.stdin, '15/main' + ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toMatchObject({ outcome: 'confirmed', typed: ['db-01', '15/main'] });
  });

  test('the host name alone does not confirm; a wrong cluster name declines', async () => {
    const s = renderScreen(rmStoppedPrimary);
    await type(s.stdin, 'db-01' + ENTER + 'main' + ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toEqual({ outcome: 'declined', typed: ['db-01', 'main'] });
  });

  test('a pasted line with its line break counts as typed and Enter', async () => {
    const s = renderScreen(rmStoppedPrimary);
    s.stdin.write('db-01\r');
    await settle();
    s.stdin.write('15/main\r');
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toMatchObject({ outcome: 'confirmed', typed: ['db-01', '15/main'] });
  });
});

describe('live facts', () => {
  const pc = promoteStandby;

  test('a role change is announced and voids what was typed', async () => {
    const s = renderScreen(pc);
    await type(s.stdin, 'db-0');
    const now = new Date(T0 + 1000).toISOString();
    s.update({ clusters: [runningStandby({ role: 'primary', inRecovery: false, roleDetail: 'SQL pg_is_in_recovery() = false', observedAt: now })] });
    await settle();
    expect(s.flat()).toContain('ROLE CHANGED: 15/replica was running standby, is now RUNNING PRIMARY (03:12:05). Your answer was cleared.');
    expect(s.flat()).toContain('cancels: ');
    expect(s.flat()).not.toContain('cancels: db-0');
    // Typing the rest of the old answer is not the answer.
    await type(s.stdin, '1' + ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toEqual({ outcome: 'declined', typed: ['1'] });
  });

  test('after a change, the full answer typed again confirms with the new facts', async () => {
    const s = renderScreen(pc);
    await type(s.stdin, 'db-01');
    const changed = [runningStandby({ running: false, pid: null, role: 'standby', roleSource: 'signal-file', roleDetail: 'standby.signal present' })];
    s.update({ clusters: changed });
    await settle();
    expect(s.flat()).toContain('ROLE CHANGED: 15/replica was running standby, is now stopped standby (standby.signal)');
    await type(s.stdin, ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0].outcome).toBe('declined');

    const t = renderScreen(pc);
    t.update({ clusters: changed });
    await settle();
    await type(t.stdin, 'db-01' + ENTER);
    await vi.waitFor(() => expect(t.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(t.onResolve.mock.calls[0]?.[0]).toMatchObject({ outcome: 'confirmed', clusters: changed });
  });

  test('new facts with the same roles (a fresh observation) keep the answer', async () => {
    const s = renderScreen(pc);
    await type(s.stdin, 'db-0');
    s.update({ clusters: [runningStandby({ observedAt: new Date(T0 + 1000).toISOString() })], nowMs: T0 + 1000 });
    await settle();
    expect(s.flat()).not.toContain('ROLE CHANGED');
    await type(s.stdin, '1' + ENTER);
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0].outcome).toBe('confirmed');
  });

  test('a verdict turning into refuse shows the refusal and resolves refused', async () => {
    const s = renderScreen({ argv: ['rm', '-rf', '/var/lib/postgresql/15/main'], clusters: [stoppedPrimary()], verdict: verdict({ strong: true }) });
    await type(s.stdin, 'db-01' + ENTER);
    const running = [cluster()];
    const refused = refuseVerdict();
    s.update({ clusters: running, verdict: refused });
    await vi.waitFor(() => expect(s.onResolve).toHaveBeenCalled(), { timeout: 5000 });
    expect(s.onResolve.mock.calls[0]?.[0]).toEqual({ outcome: 'refused', verdict: refused, clusters: running });
    expect(s.flat()).toContain('ROLE CHANGED: 15/main was STOPPED (no standby.signal) — may be the only copy, is now RUNNING PRIMARY');
    expect(s.flat()).toContain('REFUSED: with the facts as they are now, safeops will not run this command.');
    expect(s.flat()).toContain('rm -r would delete the data directory of the RUNNING PRIMARY 15/main');
    expect(s.flat()).toContain('REFUSED: nothing was run.');
  });

  test('a confirmation that becomes strong asks again, from the start', async () => {
    const s = renderScreen(stop);
    await type(s.stdin, 'db-01');
    s.update({ verdict: verdict({ strong: true }) });
    await settle();
    expect(s.flat()).toContain('THE CONFIRMATION CHANGED: now type "db-01", then "15/main". Your answer was cleared.');
    expect(s.flat()).toContain('Step 1 of 2');
  });
});
