// The watcher's schedule (src/watch/schedule.ts) and the coalescing runner (src/util/coalesce.ts):
// the retry after failed gathers, on a fake clock, and passes that never overlap.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { coalescing } from '../../src/util/coalesce.js';
import { retryAfterFailureMs } from '../../src/watch/schedule.js';

describe('schedule: the retry after failed gathers', () => {
  const config = defaultConfig(); // SQL every 2000 ms
  it.each([
    [1, null, 500],
    [2, null, 1000],
    [4, null, 2000],
    [10, null, 2000], // never beyond the SQL interval
    [3, 1000, 1000], // --interval
  ])('%i failure(s) in a row, --interval %s: again in %i ms', (gatherFailures, intervalOverrideMs, ms) => {
    expect(retryAfterFailureMs({ gatherFailures, intervalOverrideMs, config })).toBe(ms);
  });
});

describe('coalescing runner', () => {
  /** A body that waits until released, counting runs. */
  function gated() {
    let runs = 0;
    let release: (() => void) | null = null;
    const body = async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    };
    return { body, runs: () => runs, release: () => release?.() };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('calls during a run coalesce into one more run after it, never beside it', async () => {
    const g = gated();
    const run = coalescing(g.body);
    const first = run();
    void run();
    void run();
    void run();
    expect(g.runs()).toBe(1); // not beside the one under way
    g.release();
    await tick();
    expect(g.runs()).toBe(2); // one more, for all three calls
    g.release();
    await first;
    expect(g.runs()).toBe(2);
    // Idle again: the next call runs at once.
    const next = run();
    expect(g.runs()).toBe(3);
    g.release();
    await next;
  });

  it('no rerun once `more` says stop', async () => {
    const g = gated();
    let stopped = false;
    const run = coalescing(g.body, () => !stopped);
    const first = run();
    void run();
    stopped = true;
    g.release();
    await first;
    expect(g.runs()).toBe(1);
  });

  it('what the body throws reaches the caller, and the runner is usable again', async () => {
    let n = 0;
    const run = coalescing(async () => {
      n++;
      if (n === 1) throw new Error('boom');
    });
    await expect(run()).rejects.toThrow('boom');
    await run();
    expect(n).toBe(2);
  });
});
