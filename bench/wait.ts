// Waiting in the bench: a tight poll (2 ms), so a figure is not rounded up to a poll interval.
export const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

export async function waitUntil<T>(check: () => T | null | undefined | false, timeoutMs: number, what = 'a condition', state?: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}${state ? `\n${state()}` : ''}`);
    await sleep(2);
  }
}

/** A watcher is in its steady state this long after it started (SAFEOPS_BENCH_SETTLE_MS: longer, e.g.
 *  under --cpu-prof, which slows it several times over): its first rediscovery (30 s) has
 *  checked the first read, and V8 has compiled what runs all the time. Idle CPU is measured after. */
export const SETTLE_MS = Number(process.env.SAFEOPS_BENCH_SETTLE_MS ?? 45_000);
