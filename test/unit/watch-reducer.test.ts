// The watcher's pure reducer, by tables: when it gathers, publishes, notifies and logs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type ConfigProblem, type LoadedConfig } from '../../src/config/schema.js';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import type { Effect, WatchEvent } from '../../src/watch/events.js';
import { cluster } from './watch-fixtures.js';
import { BURST_DELAYS_MS, HEARTBEAT_MS, initialState, nextWakeAt, reduce, STATE_REFRESH_MS, staleAfterMs, type WatchState } from '../../src/watch/reducer.js';

// ---------- fixtures ----------


const MAIN = '/var/lib/postgresql/15/main';
const REPLICA = '/var/lib/postgresql/15/replica';

function host(...clusters: ClusterFacts[]): HostFacts {
  return { hostname: 'db-01', shortHostname: 'db-01', clusters, unidentifiedPostmasters: [], observedAt: '2025-01-01T00:00:00.000Z', problems: [] };
}

function loaded(patch: (c: ReturnType<typeof defaultConfig>) => void = () => {}, problems: ConfigProblem[] = []): LoadedConfig {
  const config = defaultConfig();
  patch(config);
  return { config, files: ['/etc/safeops/config.json'], problems, protectionDegraded: false };
}

/** A little driver: feeds events at given times, collects effects. */
class Driver {
  state: WatchState;
  now = 1_000_000;
  effects: Effect[] = [];
  constructor(cfg = loaded()) {
    this.state = initialState({ pid: 4242 });
    this.send({ type: 'config-loaded', loaded: cfg });
  }
  send(e: WatchEvent, at = this.now): Effect[] {
    this.now = at;
    const r = reduce(this.state, e, at);
    this.state = r.state;
    this.effects.push(...r.effects);
    return r.effects;
  }
  /** Answer the gather in flight with these facts. */
  answer(h: HostFacts, at = this.now): Effect[] {
    const seq = this.state.inFlight?.seq;
    if (seq === undefined) throw new Error('no gather in flight');
    return this.send({ type: 'facts', seq, host: h }, at);
  }
  tick(at: number): Effect[] {
    return this.send({ type: 'tick' }, at);
  }
  /** Start and answer the first gather. */
  boot(h: HostFacts): Effect[] {
    this.send({ type: 'started' });
    return this.answer(h);
  }
}

const of = <T extends Effect['type']>(effects: Effect[], type: T) => effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
const logs = (effects: Effect[]) => of(effects, 'log').map((e) => e.line);

// ---------- tests ----------

describe('reducer: gathering', () => {
  it('starts with a full gather (SQL and rediscovery)', () => {
    const d = new Driver();
    expect(d.send({ type: 'started' })).toEqual([{ type: 'gather', seq: 1, sql: true, rediscover: true, scope: 'all', dirs: [] }]);
  });

  it('a file event gathers at once, then again at ~100 ms, ~300 ms and ~1 s', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')));
    const t0 = d.now + 500;
    // The running clusters and the one whose file changed are read again; other stopped ones keep their facts.
    expect(of(d.send({ type: 'file-changed', dataDir: REPLICA, name: 'standby.signal', change: 'removed' }, t0), 'gather')).toEqual([{ type: 'gather', seq: 2, sql: false, rediscover: false, scope: 'live', dirs: [REPLICA] }]);
    d.answer(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')), t0 + 20);
    const gatheredAt: number[] = [];
    // Walk the clock as the loop would: wake at nextWakeAt, answer each gather 10 ms later.
    for (let i = 0; i < 50; i++) {
      const at = nextWakeAt(d.state, d.now)!;
      if (at > t0 + 1500) break;
      const g = of(d.tick(at), 'gather')[0];
      if (g) {
        if (g.dirs.includes(REPLICA)) gatheredAt.push(at - t0); // not the periodic SQL poll
        d.answer(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')), at + 10);
      }
    }
    expect(gatheredAt).toEqual(BURST_DELAYS_MS);
  });

  it('a stopped cluster\'s file event: one gather, no follow-ups (no SQL answer to wait for)', () => {
    const d = new Driver();
    const copy = '/srv/pg/copy1';
    d.boot(host(cluster(MAIN, 'primary'), cluster(copy, 'stopped')));
    const t0 = d.now + 500;
    expect(of(d.send({ type: 'file-changed', dataDir: copy, name: 'standby.signal', change: 'added' }, t0), 'gather')).toHaveLength(1);
    d.answer(host(cluster(MAIN, 'primary'), cluster(copy, 'stopped', { standbySignal: true })), t0 + 10);
    expect(d.state.bursts).toEqual([]);
    expect(nextWakeAt(d.state, d.now)).toBeGreaterThan(t0 + 1000); // the next thing is the heartbeat or the poll
  });

  it('never two gathers at once: requests while one runs are coalesced into one', () => {
    const d = new Driver();
    d.send({ type: 'started' });
    const during = [
      ...d.send({ type: 'file-changed', dataDir: MAIN, name: 'postmaster.pid', change: 'added' }),
      ...d.send({ type: 'file-changed', dataDir: MAIN, name: 'postmaster.pid', change: 'changed' }),
      ...d.send({ type: 'dir-back', dataDir: REPLICA }),
    ];
    expect(of(during, 'gather')).toEqual([]);
    const after = d.answer(host(cluster(MAIN, 'primary')));
    expect(of(after, 'gather')).toEqual([{ type: 'gather', seq: 2, sql: false, rediscover: false, scope: 'live', dirs: [MAIN, REPLICA] }]);
    // A late answer to a gather given up on is ignored.
    expect(d.send({ type: 'facts', seq: 1, host: host() })).toEqual([]);
  });

  it('polls SQL every watch.sqlIntervalMs (or --interval) and rediscovers every watch.rediscoverIntervalMs', () => {
    const d = new Driver(loaded((c) => {
      c.watch.sqlIntervalMs = 2000;
      c.watch.rediscoverIntervalMs = 10_000;
    }));
    const h = host(cluster(MAIN, 'primary'));
    d.boot(h);
    const start = d.now;
    const seen: Array<[number, string]> = [];
    for (let i = 0; i < 100; i++) {
      const at = nextWakeAt(d.state, d.now)!;
      if (at > start + 10_500) break;
      for (const g of of(d.tick(at), 'gather')) {
        seen.push([at - start, `${g.scope}${g.rediscover ? '+rediscover' : ''}`]);
        d.answer(h, at);
      }
    }
    // The poll reads no files (scope sql); rediscovery reads everything.
    expect(seen).toEqual([[2000, 'sql'], [4000, 'sql'], [6000, 'sql'], [8000, 'sql'], [10_000, 'all+rediscover']]);

    const o = new Driver();
    o.state = { ...o.state, intervalOverrideMs: 250 };
    o.boot(h);
    expect(nextWakeAt(o.state, o.now)).toBe(o.now + 250);
  });

  it('a gather failure is logged once, the last facts are kept, and it carries on', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary')));
    const t = d.now + 2000;
    const fx = d.tick(t);
    const seq = of(fx, 'gather')[0]!.seq;
    const failed = d.send({ type: 'gather-failed', seq, error: 'EIO reading /proc' }, t + 5);
    expect(logs(failed)).toEqual(['gather failed: EIO reading /proc (keeping the last facts, retrying)']);
    expect(d.state.host?.clusters).toHaveLength(1);
    expect(d.state.inFlight).toBeNull();
    // Retried soon, and the same error is not logged again.
    expect(d.state.nextSqlAt! - (t + 5)).toBeLessThanOrEqual(1000);
    while (!d.state.inFlight) d.tick(nextWakeAt(d.state, d.now)!);
    expect(d.now - (t + 5)).toBeLessThanOrEqual(1000);
    expect(logs(d.send({ type: 'gather-failed', seq: d.state.inFlight!.seq, error: 'EIO reading /proc' }, d.now + 1))).toEqual([]);
    // Facts again: everything as before.
    while (!d.state.inFlight) d.tick(nextWakeAt(d.state, d.now)!);
    expect(logs(d.answer(host(cluster(MAIN, 'primary'))))).toEqual([]);
  });
});

describe('reducer: publishing and notifying', () => {
  it('first facts: publish, notify, one "cluster found" line per cluster', () => {
    const d = new Driver();
    const fx = d.boot(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')));
    const pub = of(fx, 'publish');
    expect(pub).toHaveLength(1);
    expect(pub[0]!.prompt).toMatch(/^safeops-prompt 1\nheartbeat \d+\nrole primary\nlabel PRIMARY 15\/main, standby 15\/replica\nend\n$/);
    expect(pub[0]!.doc).toMatchObject({ schema: 'safeops.state/1', watcherPid: 4242, alerts: [] });
    expect(of(fx, 'notify-shells')).toEqual([{ type: 'notify-shells', role: 'primary', label: 'PRIMARY 15/main, standby 15/replica' }]);
    expect(logs(fx).filter((l) => l.startsWith('cluster found: '))).toEqual([
      `cluster found: 15/main ${MAIN} primary (SQL pg_is_in_recovery() = false)`,
      `cluster found: 15/replica ${REPLICA} standby (SQL pg_is_in_recovery() = true, standby.signal present)`,
    ]);
    expect(of(fx, 'watch')).toEqual([{ type: 'watch', dataDirs: [MAIN, REPLICA] }]);
  });

  it('unchanged facts: no publish until the heartbeat is due, then a heartbeat publish without notify', () => {
    const d = new Driver();
    const h = () => host(cluster(MAIN, 'primary', { observedAt: new Date(d.now).toISOString() }));
    d.boot(h());
    const t0 = d.now;
    d.send({ type: 'file-changed', dataDir: MAIN, name: 'postmaster.pid', change: 'changed' }, t0 + 100);
    const same = d.answer(h(), t0 + 120);
    expect(of(same, 'publish')).toEqual([]);
    expect(of(same, 'notify-shells')).toEqual([]);
    expect(logs(same)).toEqual([]);
    expect(nextWakeAt(d.state, d.now)).toBeLessThanOrEqual(t0 + HEARTBEAT_MS);
    const beat = d.tick(t0 + HEARTBEAT_MS);
    expect(of(beat, 'publish')).toHaveLength(1);
    // The prompt carries the heartbeat; the big state.json is not rewritten for it every time.
    expect(of(beat, 'publish')[0]!.prompt).toContain(`\nheartbeat ${Math.floor((t0 + HEARTBEAT_MS) / 1000)}\n`);
    expect(of(beat, 'publish')[0]!.doc).toBeNull();
    expect(of(beat, 'notify-shells')).toEqual([]);
    if (of(beat, 'gather').length) d.answer(h(), t0 + HEARTBEAT_MS + 5); // the burst's last gather
    // A prompt heartbeat at least every 2 s, and state.json at least every STATE_REFRESH_MS, while facts keep coming.
    let last = t0 + HEARTBEAT_MS;
    let lastState = t0;
    for (let t = last; t < t0 + 20_000; ) {
      t = nextWakeAt(d.state, d.now)!;
      const fx = d.tick(t);
      if (of(fx, 'gather').length) d.answer(h(), t + 5);
      const pub = of(fx, 'publish')[0];
      if (pub) {
        expect(t - last).toBeLessThanOrEqual(2000);
        last = t;
        if (pub.doc) {
          expect(t - lastState).toBeLessThanOrEqual(STATE_REFRESH_MS + HEARTBEAT_MS);
          expect(pub.doc.heartbeat).toBe(Math.floor(t / 1000));
          lastState = t;
        }
      }
    }
    expect(t0 + 20_000 - last).toBeLessThanOrEqual(2000);
    expect(lastState).toBeGreaterThan(t0 + 20_000 - STATE_REFRESH_MS - HEARTBEAT_MS);
  });

  it('a role change: publish + notify + exactly one log line', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')));
    d.send({ type: 'file-changed', dataDir: REPLICA, name: 'standby.signal', change: 'removed' }, d.now + 50);
    const promoted = cluster(REPLICA, 'primary', { roleDetail: 'SQL pg_is_in_recovery() = false' });
    const fx = d.answer(host(cluster(MAIN, 'primary'), promoted), d.now + 20);
    expect(of(fx, 'publish')).toHaveLength(1);
    expect(of(fx, 'publish')[0]!.prompt).toContain('label PRIMARY 15/main, PRIMARY 15/replica\n');
    expect(of(fx, 'notify-shells')).toEqual([{ type: 'notify-shells', role: 'primary', label: 'PRIMARY 15/main, PRIMARY 15/replica' }]);
    expect(logs(fx).filter((l) => l.startsWith('role change'))).toEqual([`role change: 15/replica ${REPLICA} standby -> primary (SQL pg_is_in_recovery() = false)`]);
    // The same facts again: no second line, no notify.
    d.tick(d.now + 100);
    const again = d.answer(host(cluster(MAIN, 'primary'), promoted));
    expect(logs(again).filter((l) => l.startsWith('role change'))).toEqual([]);
    expect(of(again, 'notify-shells')).toEqual([]);
  });

  it('stopping and starting a cluster are role changes to and from "stopped"', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary')));
    d.send({ type: 'file-changed', dataDir: MAIN, name: 'postmaster.pid', change: 'removed' }, d.now + 10);
    const fx = d.answer(host(cluster(MAIN, 'stopped')));
    expect(logs(fx)).toEqual([`role change: 15/main ${MAIN} primary -> stopped (no postmaster.pid)`]);
    expect(of(fx, 'notify-shells')).toEqual([{ type: 'notify-shells', role: 'stopped', label: 'stopped 15/main' }]);
  });

  it('alerts appear in the prompt and the log, and are cleared', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')));
    d.send({ type: 'file-changed', dataDir: REPLICA, name: 'standby.signal', change: 'removed' }, d.now + 10);
    const fx = d.answer(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'primary')));
    expect(logs(fx)).toContain('alert: SPLIT BRAIN: 15/main and 15/replica are both primaries (15/main (/var/lib/postgresql/15/main), 15/replica (/var/lib/postgresql/15/replica) run as primaries of the same database system 7300000000000000001: writes to each are lost to the other)');
    expect(of(fx, 'publish')[0]!.prompt).toContain('\nalert SPLIT BRAIN: 15/main and 15/replica are both primaries\nend\n');
    d.send({ type: 'file-changed', dataDir: MAIN, name: 'postmaster.pid', change: 'removed' }, d.now + 10);
    const fx2 = d.answer(host(cluster(MAIN, 'stopped'), cluster(REPLICA, 'primary')));
    expect(logs(fx2)).toContain('alert cleared: SPLIT BRAIN: 15/main and 15/replica are both primaries');
  });

  it('without fresh facts the heartbeat stops (shells go stale) and says so once', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary')));
    const t0 = d.now;
    const limit = staleAfterMs(d.state);
    let lastPublish = t0;
    let staleLines = 0;
    for (let i = 0; i < 200; i++) {
      const at = nextWakeAt(d.state, d.now);
      if (at === null || at > t0 + limit + 10_000) break;
      const fx = d.tick(at);
      for (const g of of(fx, 'gather')) d.send({ type: 'gather-failed', seq: g.seq, error: 'timeout' }, at + 1);
      if (of(fx, 'publish').length) lastPublish = at;
      staleLines += logs(fx).filter((l) => l.startsWith('no fresh facts')).length;
    }
    expect(lastPublish - t0).toBeLessThanOrEqual(limit);
    expect(staleLines).toBe(1);
    // Facts again: publishing resumes at once.
    const at = nextWakeAt(d.state, d.now)!;
    d.tick(at);
    const fx = d.answer(host(cluster(MAIN, 'primary')), at + 1);
    expect(logs(fx)).toContain('facts are fresh again: publishing resumed');
    expect(of(fx, 'publish')).toHaveLength(1);
  });

  it('a failed publish is retried, and the shells are told once it worked', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary')));
    const fx = d.send({ type: 'publish-failed', error: '/run/safeops: EACCES: permission denied' });
    expect(logs(fx)).toEqual(['cannot publish the state: /run/safeops: EACCES: permission denied (retrying every 1 s)']);
    expect(logs(d.send({ type: 'publish-failed', error: '/run/safeops: EACCES: permission denied' }))).toEqual([]);
    expect(of(d.tick(d.now + 500), 'publish')).toEqual([]); // not before the retry time
    const retry = d.tick(d.now + 1000);
    expect(of(retry, 'publish')).toHaveLength(1);
    expect(of(retry, 'notify-shells')).toHaveLength(1);
    expect(logs(d.send({ type: 'published' }))).toEqual(['publishing the state works again']);
  });
});

describe('reducer: clusters coming and going', () => {
  it('a deleted data dir: one line, still watched; back: one line, watched again', () => {
    const d = new Driver();
    const copy = '/srv/pg/copy1';
    d.boot(host(cluster(MAIN, 'primary'), cluster(copy, 'stopped')));
    const gone = d.send({ type: 'dir-gone', dataDir: copy }, d.now + 10);
    expect(of(gone, 'gather')[0]).toMatchObject({ sql: false, rediscover: false, scope: 'live', dirs: [copy] });
    const fx = d.answer(host(cluster(MAIN, 'primary')));
    expect(logs(fx)).toEqual([`cluster gone: pg/copy1 ${copy} (was stopped): no data directory there any more`]);
    expect(of(fx, 'watch')).toEqual([{ type: 'watch', dataDirs: [copy, MAIN] }]);
    expect(of(fx, 'publish')[0]!.prompt).toContain('label PRIMARY 15/main\n');
    d.send({ type: 'dir-back', dataDir: copy }, d.now + 10);
    const back = d.answer(host(cluster(MAIN, 'primary'), cluster(copy, 'stopped', { id: '8:999' })));
    expect(logs(back)).toEqual([`cluster back: pg/copy1 ${copy} stopped (no postmaster.pid)`]);
    expect(of(back, 'watch')).toEqual([{ type: 'watch', dataDirs: [copy, MAIN] }]); // new inode: watch again
  });

  it('a new cluster found later is logged as appearing', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary')));
    d.tick(d.now + 2000);
    const fx = d.answer(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')));
    expect(logs(fx)).toEqual([`cluster appeared: 15/replica ${REPLICA} standby (SQL pg_is_in_recovery() = true, standby.signal present)`]);
  });

  it('keeps polling fast while a promotion is visibly under way', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary'), cluster(REPLICA, 'standby')));
    d.send({ type: 'file-changed', dataDir: REPLICA, name: 'standby.signal', change: 'removed' }, d.now + 10);
    // standby.signal gone, the server still in recovery: half-way.
    const half = cluster(REPLICA, 'standby', { standbySignal: false, role: 'recovering', roleDetail: 'SQL pg_is_in_recovery() = true, no WAL receiver' });
    d.answer(host(cluster(MAIN, 'primary'), half), d.now + 15);
    expect(nextWakeAt(d.state, d.now)).toBe(d.now + 50);
  });
});

describe('reducer: configuration', () => {
  it('a broken config while running is logged and the last good one is kept', () => {
    const d = new Driver(loaded((c) => c.discovery.roots.push('/srv/pg')));
    d.boot(host(cluster(MAIN, 'primary')));
    expect(d.send({ type: 'config-changed', file: '/etc/safeops/config.json' })).toEqual([{ type: 'load-config' }]);
    const broken = loaded(() => {}, [{ file: '/etc/safeops/config.json', key: '(file)', message: 'not valid JSON: Unexpected end of JSON input' }]);
    const fx = d.send({ type: 'config-loaded', loaded: broken });
    expect(logs(fx)).toEqual(['config problem: /etc/safeops/config.json: not valid JSON: Unexpected end of JSON input', 'config: keeping the configuration in force until the file is fixed']);
    expect(d.state.config.discovery.roots).toContain('/srv/pg');
    // The same broken file read again: nothing new to say.
    expect(d.send({ type: 'config-loaded', loaded: broken })).toEqual([]);
    // Fixed, with another root: adopted, and discovery runs again.
    const fixed = d.send({ type: 'config-loaded', loaded: loaded((c) => c.discovery.roots.push('/data/pg')) });
    expect(logs(fixed)).toEqual(['config: reloaded from /etc/safeops/config.json']);
    expect(d.state.config.discovery.roots).toContain('/data/pg');
    expect(of(fixed, 'gather')).toEqual([{ type: 'gather', seq: 2, sql: true, rediscover: true, scope: 'all', dirs: [] }]);
  });

  it('a config that is broken from the start: its valid parts are used, and that is said', () => {
    const d = new Driver(loaded((c) => (c.watch.sqlIntervalMs = 5000), [{ file: '/etc/safeops/config.json', key: 'shell.colors.primary', message: 'must be a colour' }]));
    expect(logs(d.effects)).toEqual(['config problem: /etc/safeops/config.json: key shell.colors.primary: must be a colour', 'config: starting with the valid parts and the defaults for the rest']);
    expect(d.state.config.watch.sqlIntervalMs).toBe(5000);
  });

  it('new shell colours make the shells redraw', () => {
    const d = new Driver();
    d.boot(host(cluster(MAIN, 'primary')));
    const fx = d.send({ type: 'config-loaded', loaded: loaded((c) => (c.shell.colors.primary = '#ff0000')) });
    expect(of(fx, 'notify-shells')).toHaveLength(1);
  });
});

describe('reducer: totality', () => {
  it('never throws, whatever the events, and never asks for two gathers at once', () => {
    const ev = fc.oneof(
      fc.constant<WatchEvent>({ type: 'started' }),
      fc.constant<WatchEvent>({ type: 'tick' }),
      fc.constantFrom<WatchEvent>({ type: 'file-changed', dataDir: MAIN, name: 'promote', change: 'added' }, { type: 'dir-gone', dataDir: REPLICA }, { type: 'dir-back', dataDir: REPLICA }),
      fc.constant<WatchEvent>({ type: 'config-changed', file: 'x' }),
      fc.constant<WatchEvent>({ type: 'published' }),
      fc.string().map<WatchEvent>((error) => ({ type: 'publish-failed', error })),
      fc.string().map<WatchEvent>((error) => ({ type: 'watcher-error', error })),
      fc.integer({ min: 0, max: 5 }).map<WatchEvent>((seq) => ({ type: 'gather-failed', seq, error: 'x' })),
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()).map<WatchEvent>(([seq, two]) => ({ type: 'facts', seq, host: two ? host(cluster(MAIN, 'primary'), cluster(REPLICA, 'primary')) : host(cluster(MAIN, 'stopped')) })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(ev, fc.integer({ min: 0, max: 3000 })), { maxLength: 60 }), (events) => {
        const d = new Driver();
        let inFlight = 0;
        for (const [e, dt] of events) {
          const fx = d.send(e, d.now + dt);
          const gathers = of(fx, 'gather').length;
          expect(gathers).toBeLessThanOrEqual(1);
          if (gathers) expect(d.state.inFlight).not.toBeNull();
          inFlight = d.state.inFlight ? 1 : 0;
          const wake = nextWakeAt(d.state, d.now);
          if (wake !== null) expect(Number.isFinite(wake)).toBe(true);
        }
        return inFlight <= 1;
      }),
    );
  });
});
