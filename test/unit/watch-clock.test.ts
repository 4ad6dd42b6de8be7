// The watcher schedules on monotonic time (a wall clock stepped back does not stop publishing),
// stamps heartbeats with the wall clock, and rate-limits its log lines. Fake clocks.
import { describe, expect, it } from 'vitest';
import { createClock, delayUntil, rateLimitLog, restampDoc, restampPrompt } from '../../src/watch/clock.js';
import { initialState, nextWakeAt, reduce } from '../../src/watch/reducer.js';
import { defaultConfig } from '../../src/config/schema.js';

describe('watch clock', () => {
  it('a wall clock stepped back an hour does not push the next wake-up an hour away', () => {
    let wall = 1_800_000_000_000;
    let mono = 5_000;
    const clock = createClock(() => wall, () => mono);
    // The reducer, started and fed facts at clock time: its next wake-up is within the SQL interval.
    let s = initialState({ pid: 1, intervalOverrideMs: null });
    s = reduce(s, { type: 'config-loaded', loaded: { config: defaultConfig(), files: [], problems: [], protectionDegraded: false } }, clock.now()).state;
    const started = reduce(s, { type: 'started' }, clock.now());
    s = started.state;
    const gather = started.effects.find((e) => e.type === 'gather') as { seq: number } | undefined;
    expect(gather).toBeDefined();
    s = reduce(s, { type: 'facts', seq: gather!.seq, host: { hostname: 'h', shortHostname: 'h', clusters: [], unidentifiedPostmasters: [], observedAt: '', problems: [] } }, clock.now()).state;
    // The wall clock is stepped back an hour; two seconds pass.
    wall -= 3_600_000;
    mono += 2_000;
    const now = clock.now();
    const at = nextWakeAt(s, now);
    expect(at).not.toBeNull();
    expect(delayUntil(at!, now)).toBeLessThanOrEqual(defaultConfig().watch.sqlIntervalMs);
    // What a wall-clock schedule would have done: wait an hour more.
    expect(at! - wall).toBeGreaterThan(3_000_000);
  });

  it('heartbeats carry the wall clock', () => {
    expect(restampPrompt('safeops-prompt 1\nheartbeat 5\nrole primary\n', 1_700_000_123_456)).toBe('safeops-prompt 1\nheartbeat 1700000123\nrole primary\n');
    expect(restampDoc({ heartbeat: 5, generatedAt: 'x', other: 1 }, 1_700_000_000_000)).toEqual({ heartbeat: 1_700_000_000, generatedAt: '2023-11-14T22:13:20.000Z', other: 1 });
    expect(restampDoc(null, 1)).toBeNull();
  });

  it('log lines: at most max per window, then one line saying how many were dropped', () => {
    const out: string[] = [];
    let t = 0;
    const log = rateLimitLog((l) => out.push(l), { max: 3, windowMs: 10_000 }, () => t);
    for (let i = 0; i < 1000; i++) log(`line ${i}`);
    expect(out).toEqual(['line 0', 'line 1', 'line 2']);
    t = 10_000;
    log('later');
    expect(out.slice(3)).toEqual(['(997 log line(s) suppressed: more than 3 in 10 s)', 'later']);
  });
});

describe('the log limit never drops what the log is read for', () => {
  it('role changes and lost clusters pass a flood of other lines', () => {
    const out: string[] = [];
    let t = 0;
    const log = rateLimitLog((l) => out.push(l), { max: 3, windowMs: 10_000, always: (l) => /^(role change|cluster )/.test(l) }, () => t);
    for (let i = 0; i < 100; i++) log(`noise ${i}`);
    log('role change: main primary -> stopped');
    log('cluster gone: copy /srv/copy');
    expect(out).toEqual(['noise 0', 'noise 1', 'noise 2', 'role change: main primary -> stopped', 'cluster gone: copy /srv/copy']);
    t = 10_000;
    log('noise again');
    expect(out.slice(-2)).toEqual(['(97 log line(s) suppressed: more than 3 in 10 s)', 'noise again']);
  });
});
