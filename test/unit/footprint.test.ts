// The footprint file for the shells' fast path (src/watch/footprint.ts): what it lists, and every
// reason it says `off` instead (fail closed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import type { Mount } from '../../src/facts/mounts.js';
import { createFootprintPublisher, renderFootprint, type FootprintInput } from '../../src/watch/footprint.js';
import { cluster } from './fixtures.js';

const host = (clusters: ClusterFacts[], extra: Partial<HostFacts> = {}): HostFacts => ({
  hostname: 'db-01',
  shortHostname: 'db-01',
  clusters,
  unidentifiedPostmasters: [],
  observedAt: '2025-01-01T00:00:00.000Z',
  problems: [],
  ...extra,
});
const m = (dev: string, root: string, mountPoint: string): Mount => ({ dev, root, mountPoint, fsType: 'ext4' });
const MOUNTS = [m('8:1', '/', '/'), m('8:1', '/var/lib/postgresql/15/main', '/mnt/alias'), m('8:1', '/var/lib/postgresql/15/main/base', '/mnt/sub')];

function input(over: Partial<FootprintInput> = {}): FootprintInput {
  return { heartbeat: 1_763_780_000.7, generation: 'abc-3', host: host([cluster('running-primary')]), protect: ['/srv/wal-archive'], degraded: null, configFiles: ['/etc/safeops/config.json'], roots: ['/var/lib/postgresql'], mounts: MOUNTS, mountsFingerprint: '2s-0123456789abcdef', ...over };
}
const lines = (t: string) => t.split('\n').slice(0, -1);

describe('renderFootprint', () => {
  it('lists every place, every bind-mount alias, the roots and the ancestors, between a header and end', () => {
    const t = renderFootprint(input());
    expect(t.endsWith('end\n')).toBe(true);
    const l = lines(t);
    expect(l.slice(0, 6)).toEqual(['safeops-footprint 1', 'heartbeat 1763780000', 'generation abc-3', 'recursive on', 'mounts 2s-0123456789abcdef', 'config /etc/safeops/config.json']);
    expect(l).toContain('path /var/lib/postgresql/15/main');
    expect(l).toContain('path /mnt/alias');
    expect(l).toContain('path /mnt/sub'); // a part of the data dir visible elsewhere
    expect(l).toContain('path /srv/wal-archive');
    expect(l).toContain('root /var/lib/postgresql');
    for (const a of ['/', '/var', '/var/lib', '/var/lib/postgresql/15', '/mnt', '/srv']) expect(l).toContain(`above ${a}`);
    expect(l).not.toContain('above /var/lib/postgresql/15/main');
    // Strict byte set, one item per line.
    expect(t).toMatch(/^[A-Za-z0-9._,:/@+=~ \n-]*$/);
  });

  it('turns recursive removal off while a postmaster cannot be located', () => {
    expect(lines(renderFootprint(input({ host: host([cluster('running-primary')], { unidentifiedPostmasters: [{ pid: 7, why: 'cwd unreadable' }] }) })))).toContain('recursive off');
  });

  it.each<[string, Partial<FootprintInput>, string]>([
    ['no facts yet', { host: null }, 'no facts yet'],
    ['a config problem that may hide protection', { degraded: '/etc/safeops/config.json' }, 'config problem'],
    ['discovery cut short', { host: host([cluster('stopped')], { problems: ['the scan of /srv stopped at its limit'] }) }, 'discovery incomplete'],
    ['an unreadable pg_tblspc', { host: host([cluster('stopped', '/d', { problems: ['cannot list /d/pg_tblspc (permission denied): tablespaces on other disks would be missed'] })]) }, 'footprint unreadable'],
    ['no mount table', { mounts: [] }, 'no mount table'],
    ['a data dir with a space', { host: host([cluster('stopped', '/srv/my data')]) }, 'a path with bytes the shells do not read'],
    ['a data dir with a newline', { host: host([cluster('stopped', '/srv/x\ny')]) }, 'a path with bytes the shells do not read'],
    ['a protected path with UTF-8', { protect: ['/srv/sauvegardé'] }, 'a path with bytes the shells do not read'],
    ['too many paths', { protect: Array.from({ length: 3000 }, (_, i) => `/srv/protected/${'p'.repeat(20)}${i}`) }, 'too many paths'],
  ])('says off for %s', (_name, over, why) => {
    const l = lines(renderFootprint(input(over)));
    expect(l).toEqual(['safeops-footprint 1', 'heartbeat 1763780000', 'generation abc-3', `off ${why}`, 'end']);
  });

  it('a SQL problem of a running cluster does not turn it off (its places are known)', () => {
    const c = cluster('running-primary', '/var/lib/postgresql/15/main', { problems: ['connection refused'] });
    expect(lines(renderFootprint(input({ host: host([c]) })))).toContain('path /var/lib/postgresql/15/main');
  });
});

describe('createFootprintPublisher: a heartbeat rewrites the header, a change the body', () => {
  // Real files: a state dir and a config file in a temp dir (the publisher reads the config as
  // the Node guard would, and the mount table, at every publish).
  const setup = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-fp-'));
    const config = path.join(dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ protect: [] }));
    const pub = createFootprintPublisher({ SAFEOPS_CONFIG: config, HOME: dir });
    const read = () => lines(fs.readFileSync(path.join(dir, 'footprint'), 'utf8'));
    return { dir, config, pub, read, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
  };

  it('keeps the generation while nothing changes, and moves it with the clusters, the config and only then', () => {
    const t = setup();
    try {
      const h1 = host([cluster('stopped', '/srv/pg/one')]);
      t.pub.publish(t.dir, h1, 1_000_000);
      const first = t.read();
      expect(first).toContain('path /srv/pg/one');
      // Heartbeats: the same facts (also as a new object, as every SQL poll makes): only the heartbeat moves.
      t.pub.publish(t.dir, h1, 1_002_000);
      t.pub.publish(t.dir, host([cluster('stopped', '/srv/pg/one')]), 1_003_000);
      const beat = t.read();
      expect(beat[1]).toBe('heartbeat 1003');
      expect(beat[2]).toBe(first[2]);
      expect(beat.slice(3)).toEqual(first.slice(3));
      // Another cluster: a new generation listing it.
      t.pub.publish(t.dir, host([cluster('stopped', '/srv/pg/one'), cluster('stopped', '/srv/pg/two')]), 1_004_000);
      const more = t.read();
      expect(more[2]).not.toBe(first[2]);
      expect(more).toContain('path /srv/pg/two');
      // The config file changes (no event needed): the protected path is listed at the next heartbeat.
      fs.writeFileSync(t.config, JSON.stringify({ protect: [{ path: '/srv/wal-archive' }] }));
      t.pub.publish(t.dir, host([cluster('stopped', '/srv/pg/one'), cluster('stopped', '/srv/pg/two')]), 1_005_000);
      expect(t.read()).toContain('path /srv/wal-archive');
      expect(t.read()[2]).not.toBe(more[2]);
      // A broken config file: off at the next heartbeat.
      fs.writeFileSync(t.config, '{ not json');
      t.pub.publish(t.dir, host([cluster('stopped', '/srv/pg/one')]), 1_006_000);
      expect(t.read()).toContain('off config problem');
    } finally {
      t.done();
    }
  });
});
