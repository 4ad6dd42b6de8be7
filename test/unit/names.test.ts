import { describe, expect, it } from 'vitest';
import { nameClusters, uniqueSuffixes, usableClusterName } from '../../src/facts/names.js';
import type { ClusterFacts } from '../../src/facts/types.js';

const c = (dataDir: string, debian: ClusterFacts['debian'] = null) => ({ dataDir, debian, name: '?' }) as ClusterFacts;

describe('cluster names', () => {
  it('two data dirs with the same basename get the shortest unique suffixes', () => {
    const all = [c('/srv/pg/pri/data'), c('/srv/pg/sby/data'), c('/var/lib/pgsql/15/data2')];
    nameClusters(all, () => null);
    expect(all.map((x) => x.name)).toEqual(['pri/data', 'sby/data', 'data2']);
  });

  it('a unique basename stays short', () => {
    const all = [c('/srv/a/main'), c('/srv/b/other')];
    nameClusters(all, () => null);
    expect(all.map((x) => x.name)).toEqual(['main', 'other']);
  });

  it('Debian version/name first, then cluster_name, then the path', () => {
    const deb = c('/var/lib/postgresql/15/main', { version: '15', name: 'main', confDir: '/etc/postgresql/15/main' });
    const named = c('/srv/x/data');
    const plain = c('/srv/y/data');
    nameClusters([deb, named, plain], (x) => (x === named ? 'billing' : null));
    expect([deb.name, named.name, plain.name]).toEqual(['15/main', 'billing', 'data']);
  });

  it('a cluster_name two clusters share, or one equal to another name, falls back to the path', () => {
    const a = c('/srv/a/data');
    const b = c('/srv/b/data');
    nameClusters([a, b], () => 'app');
    expect([a.name, b.name]).toEqual(['a/data', 'b/data']);
    const deb = c('/var/lib/postgresql/15/main', { version: '15', name: 'main', confDir: '/etc/postgresql/15/main' });
    const liar = c('/srv/z/data');
    nameClusters([deb, liar], (x) => (x === liar ? '15/main' : null));
    expect([deb.name, liar.name]).toEqual(['15/main', 'data']);
  });

  it('suffixes are unique even when one path ends another', () => {
    const m = uniqueSuffixes(['/a/data', '/b/a/data', '/c/data']);
    expect(new Set(m.values()).size).toBe(3);
    expect(m.get('/c/data')).toBe('c/data');
  });

  it('a cluster_name that is not plainly printable is not used', () => {
    expect(usableClusterName('main')).toBe('main');
    for (const bad of ['', 'a b', 'x\u001b[31m', 'a/b', 'x'.repeat(41), '$(id)']) expect(usableClusterName(bad)).toBeNull();
  });
});
