// The screen's state machine, without rendering.
import { describe, expect, test } from 'vitest';
import { describeChange, diffSnapshots, snapshot } from '../../../src/ui/changes.js';
import { initialState, reduce, type ScreenState } from '../../../src/ui/state.js';
import { cluster, refuseVerdict, runningStandby, stoppedPrimary, verdict } from './fixtures.js';

const typeAll = (s: ScreenState, text: string): ScreenState => [...text].reduce((st, ch) => reduce(st, { type: 'key', input: ch, key: {} }), s);
const enter = (s: ScreenState): ScreenState => reduce(s, { type: 'key', input: '', key: { return: true } });

describe('reduce', () => {
  test('a refuse verdict at the start is the result at once', () => {
    expect(initialState(refuseVerdict(), [cluster()], 'db-01').result?.outcome).toBe('refused');
  });

  test('typing, Ctrl-U clears, arrows scroll without typing', () => {
    let s = initialState(verdict(), [cluster()], 'db-01');
    s = typeAll(s, 'abc');
    s = reduce(s, { type: 'key', input: 'u', key: { ctrl: true } });
    expect(s.buffer).toBe('');
    s = reduce(s, { type: 'key', input: '', key: { downArrow: true } });
    s = reduce(s, { type: 'key', input: '', key: { pageDown: true } });
    s = reduce(s, { type: 'key', input: '', key: { upArrow: true } });
    expect(s.scroll).toBe(10);
    expect(s.buffer).toBe('');
  });

  test('control characters never enter the answer', () => {
    const s = typeAll(initialState(verdict(), [cluster()], 'db-01'), 'db\u0000-01');
    expect(s.buffer).toBe('db-01');
  });

  test('Ctrl-D on an empty answer declines', () => {
    const s = reduce(initialState(verdict(), [cluster()], 'db-01'), { type: 'key', input: 'd', key: { ctrl: true } });
    expect(s.result).toEqual({ outcome: 'declined', typed: [] });
  });

  test('after the result nothing changes', () => {
    const done = enter(typeAll(initialState(verdict(), [cluster()], 'db-01'), 'db-01'));
    expect(done.result?.outcome).toBe('confirmed');
    expect(reduce(done, { type: 'facts', verdict: refuseVerdict(), clusters: [cluster()] })).toBe(done);
  });

  test('a role change voids accepted steps too', () => {
    let s = initialState(verdict({ strong: true }), [stoppedPrimary()], 'db-01');
    s = enter(typeAll(s, 'db-01'));
    expect(s.typed).toEqual(['db-01']);
    s = reduce(s, { type: 'facts', verdict: verdict({ strong: true }), clusters: [stoppedPrimary({ standbySignal: true, role: 'standby' })] });
    expect(s.typed).toEqual([]);
    expect(s.notices[0]?.text).toContain('ROLE CHANGED: 15/main was STOPPED (no standby.signal) — may be the only copy, is now stopped standby (standby.signal)');
  });
});

describe('changes', () => {
  test('compares running and role per data dir, and notices clusters that vanish', () => {
    const v = verdict({ touched: ['/var/lib/postgresql/15/main', '/var/lib/postgresql/15/replica'] });
    const before = snapshot(v, [cluster(), runningStandby()]);
    const after = snapshot(v, [cluster({ running: false, role: 'primary' })]);
    const changes = diffSnapshots(before, after, new Map());
    expect(changes.map(describeChange)).toEqual([
      '15/main was RUNNING PRIMARY, is now STOPPED (no standby.signal) — may be the only copy (??:??:??)',
      '15/replica was running standby, is now not found (no facts): UNKNOWN — treated as primary (??:??:??)',
    ]);
    expect(diffSnapshots(before, snapshot(v, [cluster({ observedAt: 'later' }), runningStandby()]), new Map())).toEqual([]);
  });
});
