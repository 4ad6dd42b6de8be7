// The watcher's rediscovery keeps the facts of stopped clusters whose files did not change
// (src/watch/reuse.ts), on real clusters: a running primary (always read again) and stopped copies.
// Every change that must be seen is made and checked in the facts: a signal file, cluster_name,
// pg_wal moved behind a link, a link along the way to pg_wal switched (no file of the data dir
// changes), a mount; a change within the racy window; the forced read after MAX_REUSE_MS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { gatherFileFacts, snapshotProc, type ClusterReuse } from '../../src/facts/gather.js';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import { createClusterReuse, MAX_REUSE_MS, RACY_MS } from '../../src/watch/reuse.js';
import { cleanupAll, initPrimary, makeStoppedStandbyCopy, makeTempRoot, postgresIds, type PgNode } from '../support/pg.js';

let root: string;
let primary: PgNode;
let copy: PgNode;
const edge = { env: { PATH: process.env.PATH }, now: () => new Date(), hostname: 'h', shortHostname: 'h', userName: 'root' };
const config = defaultConfig();

beforeAll(async () => {
  root = makeTempRoot('safeops-reuse-');
  primary = await initPrimary({ root, name: 'reuse-primary' });
  copy = await makeStoppedStandbyCopy(primary, { root, name: 'reuse-copy' });
  config.discovery.roots = [root];
}, 180_000);

afterAll(async () => {
  await cleanupAll();
}, 120_000);

/** A clock past the racy window of everything made so far, and a monotonic one the test moves. */
const clocks = () => {
  const c = { wall: Date.now() + 60_000, mono: 0 };
  return { c, reuse: createClusterReuse({ wallMs: () => c.wall, mono: () => c.mono }) };
};

/** One rediscovery with `reuse`: every take and fresh is recorded. */
function rediscover(kept: ReturnType<typeof createClusterReuse>, mounts = snapshotProc().mounts): { host: HostFacts; taken: string[]; read: string[] } {
  const snap = { ...snapshotProc(), mounts };
  const inner = kept.begin(mounts);
  const taken: string[] = [];
  const read: string[] = [];
  const reuse: ClusterReuse = {
    take(d, deb) {
      const r = inner.take(d, deb);
      if (r) taken.push(d);
      return r;
    },
    fresh(c, n) {
      read.push(c.dataDir);
      inner.fresh(c, n);
    },
  };
  const host = gatherFileFacts({ config, edge, useWatcher: false, reuse }, snap);
  kept.retain(host.clusters.map((c) => c.dataDir));
  return { host, taken, read };
}
const of = (h: HostFacts, dir: string): ClusterFacts => h.clusters.find((c) => c.dataDir === fs.realpathSync(dir))!;

describe('rediscovery with kept facts', () => {
  it('keeps a stopped cluster whose files did not change (the same object), and reads a running one every time', () => {
    const { reuse } = clocks();
    const first = rediscover(reuse);
    expect(first.taken).toEqual([]);
    expect(first.read).toContain(fs.realpathSync(copy.dataDir));
    const second = rediscover(reuse);
    expect(second.taken).toContain(fs.realpathSync(copy.dataDir));
    expect(of(second.host, copy.dataDir)).toBe(of(first.host, copy.dataDir));
    // The running primary was found in /proc: never kept.
    expect(second.taken).not.toContain(fs.realpathSync(primary.dataDir));
    expect(second.read).toContain(fs.realpathSync(primary.dataDir));
    expect(of(second.host, primary.dataDir).running).toBe(true);
  });

  it('reads again after a signal file went (the data dir changed): the role follows', () => {
    const { reuse } = clocks();
    rediscover(reuse);
    expect(of(rediscover(reuse).host, copy.dataDir).standbySignal).toBe(true);
    const signal = path.join(copy.dataDir, 'standby.signal');
    fs.renameSync(signal, `${signal}.off`);
    try {
      const r = rediscover(reuse);
      expect(r.taken).not.toContain(fs.realpathSync(copy.dataDir));
      expect(of(r.host, copy.dataDir).standbySignal).toBe(false);
    } finally {
      fs.renameSync(`${signal}.off`, signal);
    }
  });

  it('reads again after postgresql.conf changed in place (cluster_name)', () => {
    const { reuse } = clocks();
    rediscover(reuse);
    const conf = path.join(copy.dataDir, 'postgresql.conf');
    const before = fs.readFileSync(conf);
    fs.appendFileSync(conf, "\ncluster_name = 'renamed_copy'\n");
    try {
      const r = rediscover(reuse);
      expect(of(r.host, copy.dataDir).name).toBe('renamed_copy');
    } finally {
      fs.writeFileSync(conf, before);
    }
  });

  it('sees pg_wal moved behind a link, and a link further along switched with nothing in the data dir changing', () => {
    const { reuse } = clocks();
    const disks = path.join(root, 'disks');
    for (const d of ['a', 'b']) fs.mkdirSync(path.join(disks, d, 'wal'), { recursive: true });
    const { uid, gid } = postgresIds();
    const via = path.join(disks, 'current');
    fs.symlinkSync(path.join(disks, 'a'), via);
    const wal = path.join(copy.dataDir, 'pg_wal');
    // Move the WAL to disk a, reached through `current`.
    execFileSync('cp', ['-a', `${wal}/.`, path.join(disks, 'a', 'wal')]);
    execFileSync('cp', ['-a', `${wal}/.`, path.join(disks, 'b', 'wal')]);
    for (const d of ['a', 'b']) fs.chownSync(path.join(disks, d, 'wal'), uid, gid);
    fs.renameSync(wal, `${wal}.orig`);
    fs.symlinkSync(path.join(via, 'wal'), wal);
    try {
      const r1 = rediscover(reuse);
      const walOf = (h: HostFacts) => of(h, copy.dataDir).footprint.filter((e) => e.kind === 'wal').map((e) => e.path);
      expect(walOf(r1.host)).toEqual([path.join(fs.realpathSync(disks), 'a', 'wal')]);
      expect(rediscover(reuse).taken).toContain(fs.realpathSync(copy.dataDir));
      // Switch `current` to disk b: no file the stamp looks at in the data dir changes.
      fs.unlinkSync(via);
      fs.symlinkSync(path.join(disks, 'b'), via);
      const r2 = rediscover(reuse);
      expect(r2.taken).not.toContain(fs.realpathSync(copy.dataDir));
      expect(walOf(r2.host)).toEqual([path.join(fs.realpathSync(disks), 'b', 'wal')]);
    } finally {
      fs.unlinkSync(wal);
      fs.renameSync(`${wal}.orig`, wal);
      fs.rmSync(disks, { recursive: true, force: true });
    }
  });

  it('forgets everything when the mount table changes', () => {
    const { reuse } = clocks();
    const mounts = snapshotProc().mounts;
    rediscover(reuse, mounts);
    expect(rediscover(reuse, mounts).taken).toContain(fs.realpathSync(copy.dataDir));
    expect(rediscover(reuse, [...mounts.slice(0, -1)]).taken).toEqual([]);
  });

  it('does not keep facts read within the racy window, and reads in full after MAX_REUSE_MS', () => {
    const c = { wall: Date.now(), mono: 0 };
    const reuse = createClusterReuse({ wallMs: () => c.wall, mono: () => c.mono });
    // A file of the copy changed just now: its stamp is too young to vouch for the read.
    const conf = path.join(copy.dataDir, 'postgresql.auto.conf');
    fs.appendFileSync(conf, '');
    fs.utimesSync(conf, new Date(), new Date());
    rediscover(reuse);
    expect(rediscover(reuse).taken).not.toContain(fs.realpathSync(copy.dataDir));
    c.wall = Date.now() + RACY_MS + 1000;
    rediscover(reuse);
    expect(rediscover(reuse).taken).toContain(fs.realpathSync(copy.dataDir));
    c.mono += MAX_REUSE_MS + 1;
    expect(rediscover(reuse).taken).not.toContain(fs.realpathSync(copy.dataDir));
  });
});
