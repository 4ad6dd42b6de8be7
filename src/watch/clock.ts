// Time for the watcher: scheduling on a monotonic clock (a wall clock stepped back must not stop
// publishing), heartbeats on the wall clock (shells compare them with theirs), and a rate limit
// for log lines (a flood of events must not flood the journal). See docs/host-trust.md.

export interface WatchClock {
  /** Milliseconds for the reducer and the timers: wall time at start, then advanced monotonically. */
  now(): number;
  /** The wall clock now (heartbeats, generatedAt). */
  wall(): number;
}

/** A clock anchored to the wall clock once, advancing with the monotonic one. */
export function createClock(wall: () => number = Date.now, mono: () => number = () => performance.now()): WatchClock {
  const wall0 = wall();
  const mono0 = mono();
  return { now: () => wall0 + (mono() - mono0), wall };
}

/** Delay until `at` (clock.now() time), never negative, never spinning. */
export function delayUntil(at: number, now: number): number {
  return Math.max(5, at - now);
}

/** Restamp a rendered prompt file with the wall clock's heartbeat (the reducer's `now` is monotonic). */
export function restampPrompt(prompt: string, wallMs: number): string {
  return prompt.replace(/^heartbeat \d+$/m, `heartbeat ${Math.floor(wallMs / 1000)}`);
}

/** Restamp a state document likewise (heartbeat, generatedAt). */
export function restampDoc<T extends { heartbeat: number; generatedAt: string } | null>(doc: T, wallMs: number): T {
  if (!doc) return doc;
  return { ...doc, heartbeat: Math.floor(wallMs / 1000), generatedAt: new Date(wallMs).toISOString() };
}

/**
 * At most `max` lines per `windowMs` (monotonic); the lines over it are counted and said in one
 * line when the next window opens.
 */
export function rateLimitLog(
  log: (line: string) => void,
  opts: { max: number; windowMs: number; always?: (line: string) => boolean },
  mono: () => number = () => performance.now(),
): (line: string) => void {
  let windowStart = mono();
  let count = 0;
  let dropped = 0;
  return (line: string) => {
    const t = mono();
    if (t - windowStart >= opts.windowMs) {
      if (dropped) log(`(${dropped} log line(s) suppressed: more than ${opts.max} in ${Math.round(opts.windowMs / 1000)} s)`);
      windowStart = t;
      count = 0;
      dropped = 0;
    }
    // What an operator reads the log for (a role change, a cluster gone) is never dropped: only
    // the rest counts against the limit (a flood's noise).
    if (opts.always?.(line)) log(line);
    else if (count < opts.max) {
      count++;
      log(line);
    } else dropped++;
  };
}
