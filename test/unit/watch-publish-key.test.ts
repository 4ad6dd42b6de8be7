// The watcher's publish key (src/watch/publish-key.ts) is derived from what it publishes: a change
// to any field of state.json or any line of the prompt file publishes at once, but for the times
// and measurements named in VOLATILE, which wait for the next change or the state refresh.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import type { FleetView } from '../../src/fleet/types.js';
import type { Effect, StateDoc, WatchEvent } from '../../src/watch/events.js';
import { publishKey, stableText } from '../../src/watch/publish-key.js';
import { publishable } from '../../src/watch/reducer-publish.js';
import { HEARTBEAT_MS, initialState, reduce, type WatchState } from '../../src/watch/reducer.js';
import { cluster } from './watch-fixtures.js';

const MAIN = '/var/lib/postgresql/15/main';
const REPLICA = '/var/lib/postgresql/15/replica';

/** A primary with every optional part filled in (archiving health, WAL disk, slots, Patroni). */
function richPrimary(): ClusterFacts {
  return cluster(MAIN, 'primary', {
    debian: { version: '15', name: 'main', confDir: '/etc/postgresql/15/main' },
    footprint: [{ kind: 'data', path: MAIN, id: '8:1', chain: ['8:1', '8:0'], aliases: ['/mnt/main'] }],
    footprintGaps: ['pg_tblspc'],
    owner: { uid: 107, name: 'postgres' },
    replication: {
      connectedStandbys: [{ application: 'replica', clientAddr: '10.0.0.2', state: 'streaming', syncState: 'async', replayLagSeconds: 0.4 }],
      upstream: null,
      receiverStatus: null,
      replayLagSeconds: null,
    },
    archiving: {
      mode: 'on',
      archivedCount: 30,
      failedCount: 1,
      lastArchivedAt: '2025-01-01T00:00:00Z',
      lastFailedAt: '2024-12-31T00:00:00Z',
      lastFailedWal: '000000010000000000000001',
      failing: false,
      readyCount: 2,
      health: {
        source: 'sql',
        readyCount: 2,
        oldestReady: '000000010000000000000003',
        oldestReadyAt: '2025-01-01T00:00:00Z',
        timeline: 1,
        lastArchivedWal: '000000010000000000000002',
        lastArchivedTimeline: 1,
        historyReady: null,
        historyReadyAt: null,
        command: 'cp %p /archive/%f',
        library: null,
        program: '/usr/bin/cp',
        configProblem: null,
        lastFailureLine: 'LOG: archive command failed',
      },
    },
    walDisk: { walBytes: 1 << 24, freeBytes: 1 << 30, totalBytes: 1 << 32, slots: [{ name: 'replica', type: 'physical', active: true, walStatus: 'reserved', safeWalSize: null, retainedBytes: 4096 }] },
    serverVersion: '15.4',
    patroni: {
      how: 'a patroni process for this data directory',
      running: true,
      pid: 900,
      configFile: '/etc/patroni.yml',
      scope: 'pg',
      member: 'db-01',
      namespace: '/service/',
      restApi: '127.0.0.1:8008',
      etcdHosts: ['127.0.0.1:2379'],
      view: { source: 'REST 127.0.0.1:8008', at: '2025-01-01T00:00:00Z', paused: false, leader: 'db-01', members: [{ name: 'db-02', role: 'replica', state: 'streaming', host: '10.0.0.2', lagMb: 0, timeline: 1 }], error: null },
    },
  });
}

function fleet(): FleetView {
  const member = { schema: 'safeops.member/1' as const, host: 'db-02', cluster: '15/main', dataDir: MAIN, systemIdentifier: '7300000000000000001', timeline: 1, role: 'standby' as const, roleHow: 'SQL', running: true, port: 5432, lsn: '0/3000000', upstream: 'db-01', standbys: [], replayLagSeconds: 1, archiving: 'ok' as const, versions: { server: '15.4', walg: null, pgbackrest: null, safeops: '1.0.0' }, patroni: null, reportedAt: '2025-01-01T00:00:00Z', local: false, expired: false, silentSeconds: 1 };
  return { self: 'db-01', connected: true, syncedAt: '2025-01-01T00:00:00Z', ageSeconds: 0, error: null, sets: [{ systemIdentifier: '7300000000000000001', members: [member] }], alerts: [{ kind: 'version-drift', systemIdentifier: '7300000000000000001', text: 'versions differ' }] };
}

function host(...clusters: ClusterFacts[]): HostFacts {
  return { hostname: 'db-01', shortHostname: 'db-01', clusters, unidentifiedPostmasters: [], observedAt: '2025-01-01T00:00:00.000Z', problems: [], suspectPostmasters: [{ pid: 77, uid: 1000, exe: '/tmp/postgres', why: 'not a server binary' }] };
}

/** The document and prompt the reducer would publish for these facts. */
function published(h: HostFacts, now = 1_000_000): { doc: StateDoc; prompt: string } {
  const s: WatchState = { ...initialState({ pid: 4242 }), alerts: [{ kind: 'no-standby', clusters: [MAIN], text: 'no standby of 15/main', detail: 'pg_stat_replication is empty' }], extra: { fleet: fleet(), patroni: {} } };
  return publishable(s, h, now);
}

/** Every leaf of a JSON value: its path (indices as `*`) and a setter that changes it. */
function leaves(v: unknown, path: string[] = [], out: Array<{ path: string; change: (root: unknown) => void }> = []): typeof out {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out);
    if (Object.keys(v).length) return out;
  }
  const at = [...path];
  out.push({
    path: path.map((p) => (/^\d+$/.test(p) ? '*' : p)).join('.'),
    change: (root) => {
      let o = root as Record<string, unknown>;
      for (const p of at.slice(0, -1)) o = o[p] as Record<string, unknown>;
      const k = at[at.length - 1]!;
      const old = o[k];
      o[k] = typeof old === 'number' ? old + 1 : typeof old === 'boolean' ? !old : typeof old === 'string' ? old + 'x' : Array.isArray(old) ? ['x'] : old === null ? 'x' : { x: 1 };
    },
  });
  return out;
}

/** The document's leaves that change without publishing: reviewed here, one by one. */
const EXPECTED_VOLATILE = [
  'generatedAt',
  'heartbeat',
  'alerts.*.detail',
  'clusters.*.observedAt',
  'clusters.*.discoveredBy.*',
  'clusters.*.replication.connectedStandbys.*.replayLagSeconds',
  'clusters.*.replication.replayLagSeconds',
  'clusters.*.archiving.archivedCount',
  'clusters.*.archiving.failedCount',
  'clusters.*.archiving.lastArchivedAt',
  'clusters.*.archiving.lastFailedAt',
  'clusters.*.archiving.lastFailedWal',
  'clusters.*.archiving.readyCount',
  'clusters.*.archiving.health.source',
  'clusters.*.archiving.health.readyCount',
  'clusters.*.archiving.health.oldestReady',
  'clusters.*.archiving.health.oldestReadyAt',
  'clusters.*.archiving.health.timeline',
  'clusters.*.archiving.health.lastArchivedWal',
  'clusters.*.archiving.health.lastArchivedTimeline',
  'clusters.*.archiving.health.historyReady',
  'clusters.*.archiving.health.historyReadyAt',
  'clusters.*.archiving.health.command',
  'clusters.*.archiving.health.library',
  'clusters.*.archiving.health.program',
  'clusters.*.archiving.health.configProblem',
  'clusters.*.archiving.health.lastFailureLine',
  'clusters.*.walDisk.walBytes',
  'clusters.*.walDisk.freeBytes',
  'clusters.*.walDisk.totalBytes',
  'clusters.*.walDisk.slots.*.name',
  'clusters.*.walDisk.slots.*.type',
  'clusters.*.walDisk.slots.*.active',
  'clusters.*.walDisk.slots.*.walStatus',
  'clusters.*.walDisk.slots.*.safeWalSize',
  'clusters.*.walDisk.slots.*.retainedBytes',
  'clusters.*.serverVersion',
  'clusters.*.patroni.view.at',
  'clusters.*.patroni.view.members.*.lagMb',
  'fleet.syncedAt',
  'fleet.ageSeconds',
  'fleet.sets.*.members.*.lsn',
  'fleet.sets.*.members.*.replayLagSeconds',
  'fleet.sets.*.members.*.reportedAt',
  'fleet.sets.*.members.*.silentSeconds',
].sort();

describe('publish key: derived from the published document', () => {
  const h = host(richPrimary(), cluster(REPLICA, 'standby'));
  const base = published(h);
  const key = publishKey(base.doc, base.prompt);

  it('a change to any field of state.json changes the key, but for the volatile ones (all of them listed)', () => {
    const all = leaves(base.doc);
    expect(all.length).toBeGreaterThan(150); // the fixture fills in every part of the document
    const volatile = new Set<string>();
    for (const leaf of all) {
      const doc = structuredClone(base.doc);
      leaf.change(doc);
      if (publishKey(doc, base.prompt) === key) volatile.add(leaf.path);
    }
    expect([...volatile].sort()).toEqual(EXPECTED_VOLATILE);
  });

  it('a field the document gains is in the key without being named anywhere', () => {
    const doc = { ...base.doc, clusters: base.doc.clusters.map((c, i) => (i === 0 ? { ...c, someNewFact: 'x' } : c)) };
    expect(publishKey(doc as StateDoc, base.prompt)).not.toBe(key);
  });

  it('every line of the prompt file but the heartbeat is in the key', () => {
    const lines = base.prompt.split('\n');
    expect(lines[1]).toMatch(/^heartbeat \d+$/);
    expect(publishKey(base.doc, base.prompt.replace(/^heartbeat \d+$/m, 'heartbeat 1'))).toBe(key);
    for (let i = 0; i < lines.length - 1; i++) {
      if (i === 1) continue;
      const changed = lines.map((l, j) => (j === i ? l + 'x' : l)).join('\n');
      expect(publishKey(base.doc, changed), lines[i]).not.toBe(key);
    }
  });

  it('the same document with its keys set in another order has the same key', () => {
    const reversed = JSON.parse(JSON.stringify(base.doc), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v));
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(base.doc));
    expect(publishKey(reversed, base.prompt)).toBe(key);
  });

  it('the fleet view is written out once per view object; a new view with another role changes the key', () => {
    const doc = base.doc as StateDoc & { fleet: FleetView };
    // The same view object again (the next gather, no new view): the same key.
    expect(publishKey({ ...base.doc }, base.prompt)).toBe(key);
    const next = structuredClone(doc.fleet);
    next.sets[0]!.members[0]!.role = 'primary';
    expect(publishKey({ ...doc, fleet: next } as StateDoc, base.prompt)).not.toBe(key);
    // A view equal in all but its ages (a new object): the same key.
    const aged = structuredClone(doc.fleet);
    aged.sets[0]!.members[0]!.silentSeconds += 5;
    aged.ageSeconds = 7;
    expect(publishKey({ ...doc, fleet: aged } as StateDoc, base.prompt)).toBe(key);
  });

  it('each cluster is written out once per cluster object; a new object with a change changes the key', () => {
    const doc = structuredClone(base.doc);
    const k = publishKey(doc, base.prompt);
    // The gatherer never alters a cluster it published: the text of this object is not written again.
    (doc.clusters[1] as unknown as { role: string }).role = 'primary';
    expect(publishKey({ ...doc }, base.prompt)).toBe(k);
    // What it does instead: a new object for a cluster read again.
    const next = { ...doc, clusters: doc.clusters.map((c, i) => (i === 1 ? structuredClone(c) : c)) };
    expect(publishKey(next, base.prompt)).not.toBe(k);
  });

  it('stableText writes what JSON writes (undefined left out), keys sorted', () => {
    expect(stableText({ b: 1, a: [1, undefined, 'x'], c: undefined, d: null })).toBe('{"a":[1,null,"x"],"b":1,"d":null}');
    expect(JSON.parse(stableText(base.doc))).toEqual(JSON.parse(JSON.stringify(base.doc)));
  });
});

describe('publish key: what the reducer does with it', () => {
  const of = <T extends Effect['type']>(effects: Effect[], type: T) => effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
  function boot(h: HostFacts) {
    let s = initialState({ pid: 4242 });
    let now = 1_000_000;
    const send = (e: WatchEvent, at = now) => {
      now = at;
      const r = reduce(s, e, at);
      s = r.state;
      return r.effects;
    };
    send({ type: 'config-loaded', loaded: { config: defaultConfig(), files: [], problems: [], protectionDegraded: false } });
    send({ type: 'started' });
    send({ type: 'facts', seq: s.inFlight!.seq, host: h });
    /** A file event, answered at once with these facts: the effects of the answer. */
    const gather = (next: HostFacts, at: number) => {
      send({ type: 'file-changed', dataDir: MAIN, name: 'postmaster.pid', change: 'changed' }, at);
      return send({ type: 'facts', seq: s.inFlight!.seq, host: next }, at + 1);
    };
    return { gather, now: () => now, send };
  }

  it('only measurements and times changed: no publish before the heartbeat is due', () => {
    const d = boot(host(richPrimary()));
    const p = richPrimary();
    p.observedAt = '2025-01-01T00:00:05.000Z';
    p.replication!.connectedStandbys![0]!.replayLagSeconds = 3;
    p.archiving!.archivedCount = 99;
    p.walDisk!.freeBytes = 12345;
    p.archiving!.health = undefined; // the background read of the extra facts not back yet (after a role change)
    p.serverVersion = undefined;
    const fx = d.gather(host(p), d.now() + 100);
    expect(of(fx, 'publish')).toEqual([]);
    expect(of(d.send({ type: 'tick' }, d.now() + HEARTBEAT_MS), 'publish')).toHaveLength(1); // then the heartbeat
  });

  it.each<[string, (c: ClusterFacts) => void]>([
    ['the owner', (c) => (c.owner = { uid: 0, name: 'root' })],
    ['a footprint alias', (c) => (c.footprint[0]!.aliases = [])],
    ['archive_mode', (c) => (c.archiving!.mode = 'off')],
    ['the socket dir', (c) => (c.socketDir = '/run/postgresql')],
    ['the Debian identity', (c) => (c.debian = null)],
    ['a standby\'s sync state', (c) => (c.replication!.connectedStandbys![0]!.syncState = 'sync')],
  ])('%s changed: published at once, state.json with it', (_what, change) => {
    const d = boot(host(richPrimary()));
    const p = richPrimary();
    change(p);
    const pub = of(d.gather(host(p), d.now() + 100), 'publish');
    expect(pub).toHaveLength(1);
    expect(pub[0]!.doc).not.toBeNull();
  });
});
