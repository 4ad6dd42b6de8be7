// The watcher's link to etcd (v3 API, the `etcd3` client; loaded only by the watcher and the
// fleet commands). One key per local cluster under one lease of a few poll intervals; written
// when a report changes, otherwise only the lease is kept alive. Watches only the replication
// sets (system identifiers) present here. Nothing waits on etcd longer than CALL_TIMEOUT_MS: when
// it is down, slow or partitioned the view is marked stale, the local prompt and guard carry on,
// and the agent keeps trying to reconnect. One closure over the agent's state; the pure parts are
// in report.ts, view.ts, validate.ts, the client's edge in etcd-client.ts.
import type { FleetConfig } from '../config/fleet.js';
import type { HostFacts } from '../facts/types.js';
import { coalescing } from '../util/coalesce.js';
import { CALL_TIMEOUT_MS, clientOptions, keepAliveStream, leaseTtl, loadEtcdClient, memberKey, within } from './etcd-client.js';
import { buildReport, reportKey } from './report.js';
import type { FleetView, MemberReport } from './types.js';
import { parseReport } from './validate.js';
import { clusterVersions } from './versions.js';
import { buildView, coarseAge, SILENT_KEEP_MS, type KnownMember } from './view.js';

/** Watch events re-publish the view at most this often (the first one at once). */
export const VIEW_EVERY_MS = 100;

type Etcd3Module = typeof import('etcd3');
type Client = InstanceType<Etcd3Module['Etcd3']>;
type Lease = ReturnType<Client['lease']>;
type WatcherT = Awaited<ReturnType<ReturnType<Client['watch']>['create']>>;

export interface AgentOptions {
  config: FleetConfig;
  /** Poll interval of the watcher (the lease lives a few of them). */
  intervalMs: number;
  envPath: string;
  log: (line: string) => void;
  /** A new view (membership, connectivity or ages changed). */
  onView: (view: FleetView) => void;
  now?: () => number;
}

export interface FleetAgent {
  /** The host's latest facts (after each gather). */
  update(host: HostFacts): void;
  stop(): Promise<void>;
}

export async function startFleetAgent(opts: AgentOptions): Promise<FleetAgent> {
  const now = opts.now ?? Date.now;
  const cfg = opts.config;
  const prefix = cfg.etcd!.prefix;
  const self = cfg.host!;
  const ttl = leaseTtl(opts.intervalMs, cfg.leaseTtlSeconds);
  const { Etcd3, noop } = await loadEtcdClient();
  const client: Client = new Etcd3({ ...clientOptions(cfg), faultHandling: { host: () => noop, global: noop } });
  const keepAlives = keepAliveStream(client.leaseClient);

  let stopped = false;
  let lease: Lease | null = null;
  /** The lease's grant succeeded (a failed grant leaves a lease object that can never be used). */
  let granted = false;
  let connected = false;
  let syncedAt: number | null = null;
  let lastError: string | null = null;
  /** Our reports by key, and what etcd has of them. */
  let mine = new Map<string, MemberReport>();
  const written = new Map<string, string>();
  const known = new Map<string, KnownMember>();
  const watchers = new Map<string, WatcherT>();
  let needResync = true;
  /** A lease keep-alive is due (the timer asked); steps run for new facts only write what changed. */
  let keepAliveDue = true;
  let lastViewJson = '';
  let host: HostFacts | null = null;
  let factsSeq = 0;

  const localSysids = () => [...new Set([...mine.values()].map((r) => r.systemIdentifier))].sort();

  /** Bumped at every change of `known`: while connected, an unchanged set needs no new view (building one costs every member). */
  let knownVersion = 0;
  let lastViewSig = '';
  const emit = () => {
    const t = now();
    let silentAges = '';
    for (const [k, m] of known) {
      if (m.goneAt === null) continue;
      if (t - m.goneAt > SILENT_KEEP_MS) {
        known.delete(k);
        knownVersion += 1;
      } else silentAges += `${coarseAge((t - m.goneAt) / 1000)},`;
    }
    // Silent members age in the steps their alert says ("no report for 40 s", "3 min": coarseAge);
    // everything else changes only with `known` or the connection. A view of every member is
    // built, keyed and written out at each step: a set with one silent member made one every 10 s
    // for 10 minutes (~0.5 % of a core with 200 members), it now makes one a minute.
    const sig = connected ? `${knownVersion}|${silentAges}` : '';
    if (sig && sig === lastViewSig) return;
    lastViewSig = sig;
    const view = buildView({ self, localSysids: localSysids(), known: known.values(), nowMs: t, connected, syncedAt, error: lastError });
    const json = JSON.stringify({ ...view, ageSeconds: null, syncedAt: null, sets: view.sets.map((s) => ({ ...s, members: s.members.map((m) => ({ ...m, silentSeconds: coarseAge(m.silentSeconds) })) })) });
    if (json === lastViewJson && connected) return;
    lastViewJson = json;
    opts.onView(view);
  };

  // A burst of puts (200 watchers re-registering after etcd came back) is one view per
  // VIEW_EVERY_MS, not one per put: each view is built from every member, and a view per put made
  // the heap grow by tens of MB that V8 then kept. A lone event (a promotion) still goes out at once.
  let lastViewAt = 0;
  let viewTimer: NodeJS.Timeout | null = null;
  const emitSoon = () => {
    if (viewTimer || stopped) return;
    const wait = lastViewAt + VIEW_EVERY_MS - Date.now();
    if (wait <= 0) {
      lastViewAt = Date.now();
      return emit();
    }
    viewTimer = setTimeout(() => {
      viewTimer = null;
      lastViewAt = Date.now();
      if (!stopped) emit();
    }, wait);
  };

  const fail = (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    if (connected || msg !== lastError) opts.log(`fleet: etcd ${cfg.etcd!.endpoints.join(',')}: ${msg.slice(0, 200)} (the local prompt and guard are not affected; retrying)`);
    connected = false;
    lastError = msg.slice(0, 200);
  };

  const seen = (key: string, text: string | null, t: number) => {
    knownVersion += 1;
    const r = text === null ? null : parseReport(text);
    if (!r) {
      const k = known.get(key);
      if (k && k.goneAt === null) k.goneAt = t;
      return;
    }
    // A key must say what its name says: a report filed under another set or host is ignored.
    if (key !== memberKey(prefix, r)) return;
    known.set(key, { report: r, seenAt: t, goneAt: null });
  };

  /** Read every member of the local sets (after a (re)connect, or when the sets change). */
  const resync = async () => {
    const t = now();
    const present = new Set<string>();
    for (const sysid of localSysids()) {
      const all = await within(client.getAll().prefix(`${prefix}members/${sysid}/`).limit(1024).strings(), CALL_TIMEOUT_MS, 'read members');
      for (const [k, v] of Object.entries(all)) {
        present.add(k);
        seen(k, v, t);
      }
    }
    for (const [k, m] of known) if (!present.has(k) && m.goneAt === null && localSysids().includes(m.report.systemIdentifier)) m.goneAt = t;
    knownVersion += 1;
    await syncWatches();
    needResync = false;
  };

  /** One watch per local set: puts and deletes (a lease that expired deletes its keys). */
  const syncWatches = async () => {
    const want = new Set(localSysids());
    for (const [sysid, w] of watchers) {
      if (want.has(sysid)) continue;
      watchers.delete(sysid);
      void w.cancel().catch(() => undefined);
    }
    for (const sysid of want) {
      if (watchers.has(sysid)) continue;
      const w = await within(client.watch().prefix(`${prefix}members/${sysid}/`).create(), CALL_TIMEOUT_MS, 'watch');
      w.on('put', (kv) => {
        seen(kv.key.toString(), kv.value.toString(), now());
        emitSoon();
      });
      w.on('delete', (kv) => {
        seen(kv.key.toString(), null, now());
        emitSoon();
      });
      w.on('disconnected', () => {
        needResync = true;
      });
      w.on('error', () => {
        needResync = true;
      });
      watchers.set(sysid, w);
    }
  };

  /** Grant a lease and write every report under it (first time, or the old lease expired). */
  const regrant = async () => {
    if (lease) lease.release();
    granted = false;
    lease = client.lease(ttl, { autoKeepAlive: false });
    lease.on('lost', () => undefined);
    await within(lease.grant(), CALL_TIMEOUT_MS, 'lease grant');
    granted = true;
    written.clear();
  };

  /** Write what changed, delete what went; keep the lease alive when that is due (every TTL/3, not at every gather). */
  const step = async (keepAlive: boolean) => {
    if (!lease) await regrant();
    else if (keepAlive) {
      // Keep-alive (and learn whether the lease still exists: etcd may have expired it while we were cut off).
      const res = await keepAlives.once(await within(lease.grant(), CALL_TIMEOUT_MS, 'lease id'));
      if (Number(res.TTL) <= 0) {
        opts.log('fleet: our lease had expired (etcd unreachable for too long): writing every report again');
        await regrant();
      }
    }
    for (const [key, r] of mine) {
      const k = reportKey(r);
      if (written.get(key) === k) continue;
      await within(lease!.put(key).value(JSON.stringify(r)).exec(), CALL_TIMEOUT_MS, 'put');
      written.set(key, k);
    }
    for (const key of [...written.keys()]) {
      if (mine.has(key)) continue;
      await within(client.delete().key(key).exec(), CALL_TIMEOUT_MS, 'delete');
      written.delete(key);
    }
    if (needResync) await resync();
    if (!connected) opts.log(`fleet: connected to etcd ${cfg.etcd!.endpoints.join(',')} as ${self} (lease ${ttl} s, prefix ${prefix})`);
    connected = true;
    lastError = null;
    syncedAt = now();
    // Connected, our watches would have said if a key went away: every member present is alive now
    // (else each one's silentSeconds would grow, and the view be re-published, at every step).
    for (const m of known.values()) if (m.goneAt === null) m.seenAt = syncedAt;
  };

  const run = coalescing(async () => {
    try {
      const keepAlive = keepAliveDue;
      keepAliveDue = false;
      await step(keepAlive);
    } catch (e) {
      fail(e);
      needResync = true;
      // A lease we cannot confirm is asked again at the next step.
      // etcd3 says "Lease N is expired or revoked" (EtcdLeaseInvalidError), etcd "requested lease not found".
      if (!granted || /lease/i.test(String((e as Error).message)) || (e as Error).name === 'EtcdLeaseInvalidError') lease = null;
    }
    emit();
  }, () => !stopped);

  const timer = setInterval(() => {
    keepAliveDue = true;
    void run();
  }, Math.max(500, (ttl * 1000) / 3));
  timer.unref?.();

  /** Recompute our reports from the latest facts (versions are probed, cached per binary). */
  const refresh = async (h: HostFacts, seq: number) => {
    const under = cfg.clusters;
    const clusters = h.clusters.filter((c) => under.length === 0 || under.some((p) => c.dataDir === p || c.dataDir.startsWith(p.endsWith('/') ? p : p + '/')));
    const iso = new Date(now()).toISOString();
    const next = new Map<string, MemberReport>();
    for (const c of clusters) {
      const r = buildReport(c, self, await clusterVersions(c, opts.envPath), iso);
      if (r) next.set(memberKey(prefix, r), r);
    }
    if (seq !== factsSeq || stopped) return;
    const before = localSysids().join(',');
    // Keep reportedAt of unchanged reports (no rewrite for a new time alone).
    for (const [k, r] of next) {
      const old = mine.get(k);
      if (old && reportKey(old) === reportKey(r)) next.set(k, old);
    }
    const same = next.size === written.size && [...next].every(([k, r]) => written.get(k) === reportKey(r));
    mine = next;
    // A report of ours is also a member we know. A new view only when one of them changed
    // (unchanged ones keep their object, above): building a view costs every member.
    for (const [k, r] of mine) {
      const old = known.get(k);
      if (old?.report !== r || old.goneAt !== null) knownVersion += 1;
      known.set(k, { report: r, seenAt: now(), goneAt: null });
    }
    if (localSysids().join(',') !== before) needResync = true;
    // New facts that change none of our reports (most gathers) cost etcd nothing: the timer keeps the lease.
    if (same && connected && lease && !needResync) return;
    void run();
  };

  return {
    update(h) {
      if (h === host) return;
      host = h;
      factsSeq += 1;
      void refresh(h, factsSeq).catch((e) => opts.log(`fleet: ${(e as Error).message}`));
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (viewTimer) clearTimeout(viewTimer);
      for (const w of watchers.values()) void w.cancel().catch(() => undefined);
      // The lease is left to expire: peers then see "no report" for this host, as they should.
      lease?.release();
      keepAlives.close();
      client.close();
    },
  };
}
