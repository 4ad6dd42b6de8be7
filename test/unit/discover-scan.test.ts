// The bounded scan of roots and the look inside a command's own targets, on real directories.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subtreeTargets } from '../../src/facts/discover.js';
import { collapseUnscanned, probeSubtrees, scanRoots, SUBTREE_LIMITS } from '../../src/facts/scan.js';

let root: string;
const mk = (...p: string[]) => {
  const d = path.join(root, ...p);
  fs.mkdirSync(d, { recursive: true });
  return d;
};
const dataDir = (...p: string[]) => {
  const d = mk(...p);
  fs.writeFileSync(path.join(d, 'PG_VERSION'), '15\n');
  mk(...p, 'base', '1');
  return d;
};

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-scan-')));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('scanRoots', () => {
  it('finds a cluster at /srv/x/y/z/data depth with the default depth, and records what it did not reach', () => {
    const r = mk('depth');
    const d = dataDir('depth', 'x', 'y', 'z', 'data');
    const deep = dataDir('depth', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'data');
    const s = scanRoots([r], { maxDepth: 6, maxDirs: 2000, maxEntries: 2000 });
    expect(s.found).toContain(d);
    expect(s.found).not.toContain(deep);
    expect(s.unscanned.map((u) => u.path)).toEqual([path.join(r, 'a', 'b', 'c', 'd', 'e', 'f')]);
    expect(s.unscanned[0]!.why).toMatch(/levels below a scan root/);
  });

  it("a flood of one owner's directories does not hide another owner's cluster further on", () => {
    const r = mk('flood');
    const flood = mk('flood', 'aaa-user');
    for (let i = 0; i < 2100; i++) fs.mkdirSync(path.join(flood, `d${i}`));
    // The flood belongs to "a user" (nobody); the cluster's tree to root.
    for (const e of fs.readdirSync(flood)) fs.chownSync(path.join(flood, e), 65534, 65534);
    fs.chownSync(flood, 65534, 65534);
    const d = dataDir('flood', 'zzz', 'x', 'y', 'data');
    const s = scanRoots([r], { maxDepth: 6, maxDirs: 2000, maxEntries: 2000 });
    expect(s.found).toEqual([d]);
    expect(s.truncated).toBe(true);
    // What the scan did not reach is recorded, collapsed to the flooded directory.
    expect(s.unscanned.map((u) => u.path)).toEqual([flood]);
  });

  it('a directory with more entries than the limit is recorded as unscanned', () => {
    const r = mk('wide');
    const w = mk('wide', 'w');
    for (let i = 0; i < 30; i++) fs.mkdirSync(path.join(w, `e${i}`));
    const s = scanRoots([r], { maxDepth: 6, maxDirs: 2000, maxEntries: 10 });
    expect(s.unscanned.map((u) => u.path)).toContain(w);
  });
});

describe('probeSubtrees', () => {
  it('finds PG_VERSION anywhere below a target, at any depth up to the bound', () => {
    const d = dataDir('probe', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'data');
    const p = probeSubtrees([path.join(root, 'probe')]);
    expect(p.found).toEqual([d]);
    expect(p.complete).toEqual([path.join(root, 'probe')]);
    expect(p.unscanned).toEqual([]);
  });

  it('a target deeper, wider or slower than the bound is unscanned (the command then asks)', () => {
    mk('deep', ...Array.from({ length: 20 }, (_, i) => `l${i}`));
    expect(probeSubtrees([path.join(root, 'deep')]).unscanned[0]!.why).toMatch(/deeper than 16/);
    const wide = mk('wide2');
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(wide, `f${i}`), '');
    expect(probeSubtrees([wide], { maxEntries: 20, maxDepth: 16, maxMs: 1000 }).unscanned[0]!.why).toMatch(/more than 20 entries/);
    let t = 0;
    const slow = probeSubtrees([path.join(root, 'deep')], { maxEntries: 1e6, maxDepth: 100, maxMs: 5 }, () => (t += 1));
    expect(slow.unscanned[0]!.why).toMatch(/longer than 5 ms/);
  });

  it('the default entry bound looks through a 100,000-file tree (an old WAL archive, a build tree) without asking', () => {
    // Only the entry bound is under test here: the time bound is lifted so a busy CI machine
    // cannot make it ask (the bench measures the time: "of which depends on the tree").
    const big = mk('big');
    for (let d = 0; d < 100; d++) {
      const sub = mk('big', `d${d}`);
      for (let f = 0; f < 1000; f++) fs.writeFileSync(path.join(sub, String(f)), '');
    }
    const p = probeSubtrees([big], { ...SUBTREE_LIMITS, maxMs: 600_000 });
    expect(p.unscanned).toEqual([]);
    expect(p.complete).toEqual([big]);
    fs.rmSync(big, { recursive: true, force: true });
  }, 120_000);

  it('never follows a symbolic link; files, links and missing targets hide nothing', () => {
    const d = dataDir('elsewhere', 'data');
    const t = mk('linky');
    fs.symlinkSync(path.dirname(d), path.join(t, 'link'));
    fs.writeFileSync(path.join(t, 'file'), '');
    const p = probeSubtrees([t, path.join(t, 'link'), path.join(t, 'file'), path.join(t, 'missing')]);
    expect(p.found).toEqual([]);
    expect(p.complete.length).toBe(4);
  });
});

describe('helpers', () => {
  it('collapses a long unscanned list to ancestors', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ path: `/srv/u/flood/d${i}`, why: 'limit' }));
    expect(collapseUnscanned([...many, { path: '/data/x/y', why: 'depth' }]).map((u) => u.path)).toEqual(['/data/x/y', '/srv/u/flood']);
  });
  it('subtreeTargets: recursive removals and restore destinations, absolute', () => {
    expect(
      subtreeTargets(
        [
          { type: 'remove', paths: ['a', '/b'], recursive: true },
          { type: 'remove', paths: ['c'], recursive: false },
          { type: 'write-into', dests: [{ kind: 'path', path: 'restore' }, { kind: 'stanza' }] },
        ],
        '/w',
      ),
    ).toEqual(['/w/a', '/b', '/w/restore']);
  });
});
