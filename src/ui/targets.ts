// Which paths a confirmation should show as "would be destroyed", and what each one is (pure).
import type { ClusterFacts } from '../facts/types.js';

/** "/a/b/" -> "/a/b"; "/" stays. Lexical only: the guard passes canonical paths. */
function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** a is b or lies below it. */
function within(a: string, b: string): boolean {
  const x = trimSlash(a);
  const y = trimSlash(b);
  return x === y || x.startsWith(y === '/' ? '/' : `${y}/`);
}

/** Whether argv (seen through sudo/env/time...) runs a tool that deletes or overwrites paths. */
function destroys(argv: string[]): boolean {
  const base = (a: string): string => a.slice(a.lastIndexOf('/') + 1);
  const i = argv.findIndex((a) => ['rm', 'wal-g', 'pgbackrest', 'pg_basebackup'].includes(base(a)));
  if (i < 0) return false;
  const tool = base(argv[i] ?? '');
  const rest = argv.slice(i + 1);
  if (tool === 'wal-g') return rest.includes('backup-fetch');
  if (tool === 'pgbackrest') return rest.includes('restore');
  return true;
}

/**
 * Fallback when the guard did not say what would be destroyed: for rm, wal-g backup-fetch,
 * pgbackrest restore and pg_basebackup only, the absolute paths in argv that are inside, or
 * an ancestor of, a footprint path of a touched cluster. Display only: never a decision.
 */
export function destroyedPaths(argv: string[], clusters: ClusterFacts[]): string[] {
  if (!destroys(argv)) return [];
  const places = clusters.flatMap((c) => c.footprint.map((f) => f.path).concat(c.dataDir));
  const out: string[] = [];
  for (const a of argv.slice(1)) {
    if (!a.startsWith('/') || out.includes(a)) continue;
    if (places.some((p) => within(a, p) || within(p, a))) out.push(a);
  }
  return out;
}

/** What a path is to the clusters: "data directory of 15/main", "inside tablespace 16384 of 15/main". */
export function pathLabel(p: string, clusters: ClusterFacts[]): string | null {
  const kinds: Record<string, string> = { data: 'data directory', wal: 'WAL directory', tablespace: 'tablespace', config: 'configuration directory' };
  for (const c of clusters) {
    for (const f of c.footprint) {
      const what = `${kinds[f.kind] ?? f.kind}${f.oid ? ` ${f.oid}` : ''} of ${c.name}`;
      if (trimSlash(p) === trimSlash(f.path)) return what;
      if (within(p, f.path)) return `inside the ${what}`;
    }
  }
  for (const c of clusters) {
    if (c.footprint.some((f) => within(f.path, p))) return `contains ${c.name}`;
  }
  return null;
}
