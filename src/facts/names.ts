// Names that tell a host's clusters apart: Debian's `15/main`; else the cluster_name setting
// from the cluster's own config files; else the shortest suffix of the data directory's path
// that no other cluster on the host shares (`pri/data` and `sby/data`, never `data` twice).
// Names reach prompts and confirmations (a strong confirmation asks to type one), so a
// cluster_name is used only when it is short and plainly printable.
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterFacts } from './types.js';
import { settingFromConf } from './pgconf.js';

const NAME_RE = /^[A-Za-z0-9_.@+:-]{1,40}$/;

/** A usable cluster_name, or null (unset, unreadable, or not plainly printable). */
export function usableClusterName(value: string | null | undefined): string | null {
  return value && NAME_RE.test(value) ? value : null;
}

/** cluster_name from postgresql.auto.conf, else postgresql.conf, of a non-Debian data dir. */
export function configuredName(dataDir: string): string | null {
  for (const f of ['postgresql.auto.conf', 'postgresql.conf']) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dataDir, f), 'utf8');
    } catch {
      continue;
    }
    const v = settingFromConf(text, 'cluster_name');
    if (v !== null) return usableClusterName(v);
  }
  return null;
}

/** The shortest path suffix of each dir that no other dir in `dirs` ends with. Pure. */
export function uniqueSuffixes(dirs: string[]): Map<string, string> {
  const parts = new Map(dirs.map((d) => [d, d.split('/').filter(Boolean)]));
  const out = new Map<string, string>();
  for (const d of dirs) {
    const mine = parts.get(d)!;
    let name = d;
    for (let k = 1; k <= mine.length; k++) {
      const suffix = mine.slice(-k).join('/');
      const clash = dirs.some((o) => o !== d && parts.get(o)!.slice(-k).join('/') === suffix);
      if (!clash) {
        name = suffix;
        break;
      }
    }
    out.set(d, name || d);
  }
  return out;
}

/**
 * Name every cluster (mutates `clusters`). `names` gives a preferred name per data dir (e.g.
 * cluster_name); by default it is read from the config files. Pure apart from that read.
 */
export function nameClusters(clusters: ClusterFacts[], names: (c: ClusterFacts) => string | null = (c) => configuredName(c.dataDir)): void {
  const wanted = new Map<ClusterFacts, string>();
  for (const c of clusters) wanted.set(c, c.debian ? `${c.debian.version}/${c.debian.name}` : (names(c) ?? path.basename(c.dataDir)) || c.dataDir);
  // A name two clusters would share: the non-Debian ones fall back to unique path suffixes.
  const count = new Map<string, number>();
  for (const n of wanted.values()) count.set(n, (count.get(n) ?? 0) + 1);
  const clashing = clusters.filter((c) => !c.debian && count.get(wanted.get(c)!)! > 1);
  const suffixes = uniqueSuffixes(clusters.filter((c) => !c.debian).map((c) => c.dataDir));
  for (const c of clusters) c.name = clashing.includes(c) ? suffixes.get(c.dataDir)! : wanted.get(c)!;
}
