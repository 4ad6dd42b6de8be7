// The host's footprint for the shells' fast path (docs/fast-path.md): every physical path that
// belongs to a cluster or a protected path, every alias under which it is reachable (bind
// mounts), and the directories that contain them. A shell lets a harmless `rm` run without Node
// only when no target is inside, equal to or above one of these. Small, line-based, a strict
// byte set, written by rename, never sourced. Anything the watcher is not sure of turns the fast
// path off (the `off` line): an unknown fact is the dangerous case.
import fs from 'node:fs';
import path from 'node:path';
import { configFiles, loadConfig } from '../config/load.js';
import { parseMountInfo, aliasesOf, type Mount } from '../facts/mounts.js';
import { canonical } from '../facts/paths.js';
import { resolveProtected } from '../facts/resolve.js';
import type { HostFacts } from '../facts/types.js';
import { fingerprint } from '../util/fingerprint.js';
import { oncePer } from '../util/memo.js';
import { removeStaleTemps, writeAtomic } from './publish.js';
import { FOOTPRINT_MAX_BYTES, FOOTPRINT_PATH_OK } from '../contract.js';

export { FOOTPRINT_MAX_BYTES, FOOTPRINT_PATH_OK };

export interface FootprintInput {
  heartbeat: number;
  generation: string;
  host: Pick<HostFacts, 'clusters' | 'unidentifiedPostmasters' | 'problems'> | null;
  /** Canonical protected paths (config `protect`). */
  protect: string[];
  /** A config problem that may hide protection: the Node guard then confirms every rm. */
  degraded: string | null;
  /** The config files the watcher read (the shells compare them with their own). */
  configFiles: string[];
  /** Canonical discovery roots: a cluster made there after the last publish is found by the
   *  Node guard's scan, not yet by ours, so a recursive rm in or above a root goes to Node. */
  roots: string[];
  mounts: Mount[];
  /** The mount table's fingerprint (src/util/fingerprint.ts): the Node guard takes its fast path
   *  only while its own mount table has the same one (a bind mount made since is a doubt). */
  mountsFingerprint: string | null;
}

/** A footprint problem of a cluster: some place of it may be missing from the list. */
const UNSURE = /^cannot (see|read|list|stat)\b/;

/** Why the fast path must be off, or null. Pure. */
export function offReason(input: Omit<FootprintInput, 'heartbeat' | 'generation'>): string | null {
  if (!input.host) return 'no facts yet';
  if (input.degraded) return 'config problem';
  if (input.host.problems.length) return 'discovery incomplete';
  for (const c of input.host.clusters) if (c.problems.some((p) => UNSURE.test(p))) return 'footprint unreadable';
  if (input.mounts.length === 0) return 'no mount table';
  return null;
}

/** Every ancestor of an absolute path, `/` included, the path itself excluded. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  let cur = p;
  while (cur !== '/') {
    cur = path.posix.dirname(cur);
    out.push(cur);
  }
  return out;
}

/** What follows the three header lines (heartbeat, generation): the part a publish may reuse. */
export type FootprintBodyInput = Omit<FootprintInput, 'heartbeat' | 'generation'>;

const OFF_BODY = (why: string) => `off ${why}\nend\n`;

/** The footprint's lines after its header, `end` included. Pure (given the mount table in the input). */
export function renderFootprintBody(input: FootprintBodyInput): string {
  const reason = offReason(input);
  if (reason) return OFF_BODY(reason);
  const places = new Set<string>();
  for (const c of input.host!.clusters) {
    places.add(c.dataDir);
    for (const f of c.footprint) places.add(f.path);
  }
  for (const p of input.protect) places.add(p);
  const paths = new Set<string>();
  for (const p of places) {
    paths.add(p);
    // Aliases from the mount table now (the gather's may be older than a bind mount).
    for (const a of aliasesOf(p, input.mounts)) paths.add(a);
  }
  const roots = new Set<string>();
  for (const r of input.roots) {
    roots.add(r);
    for (const a of aliasesOf(r, input.mounts)) roots.add(a);
  }
  const above = new Set<string>();
  for (const p of [...paths, ...roots]) for (const a of ancestors(p)) if (!paths.has(a)) above.add(a);
  for (const p of [...paths, ...roots, ...above, ...input.configFiles]) if (!FOOTPRINT_PATH_OK.test(p)) return OFF_BODY('a path with bytes the shells do not read');
  const lines = [`recursive ${input.host!.unidentifiedPostmasters.length ? 'off' : 'on'}`];
  if (input.mountsFingerprint) lines.push(`mounts ${input.mountsFingerprint}`);
  for (const f of input.configFiles) lines.push(`config ${f}`);
  for (const p of [...paths].sort()) lines.push(`path ${p}`);
  for (const r of [...roots].sort()) lines.push(`root ${r}`);
  for (const a of [...above].sort()) lines.push(`above ${a}`);
  lines.push('end');
  return lines.join('\n') + '\n';
}

/** Header and body into the file's text; too long a text turns the fast path off. */
function assemble(heartbeat: number, generation: string, body: string): string {
  const head = `safeops-footprint 1\nheartbeat ${Math.floor(heartbeat)}\ngeneration ${generation}\n`;
  const text = head + body;
  return text.length > FOOTPRINT_MAX_BYTES ? head + OFF_BODY('too many paths') : text;
}

/** The footprint file's text. Pure (given the mount table in the input). */
export function renderFootprint(input: FootprintInput): string {
  return assemble(input.heartbeat, input.generation, renderFootprintBody(input));
}

/**
 * What of the host the footprint's body depends on (offReason and renderFootprintBody read no
 * more): a publish with the same shape, config and mount table writes the same body. Kept per
 * host object: a gather makes a new one at every SQL poll, the heartbeat publishes in between.
 */
const shapeOf = oncePer((host: NonNullable<FootprintInput['host']>) =>
  JSON.stringify([
    host.problems.length,
    host.unidentifiedPostmasters.length,
    host.clusters.map((c) => [c.dataDir, c.footprint.map((f) => f.path), c.problems.some((p) => UNSURE.test(p))]),
  ]),
);
export const footprintShape = (host: FootprintInput['host']): string => (host ? shapeOf(host) : 'null');

export interface FootprintPublisher {
  /** Write the footprint with a new heartbeat (contents recomputed from `host` and the mount table now). */
  publish(dir: string, host: HostFacts | null, nowMs: number): void;
  /** Has the mount table changed since the last publish? (Cheap: one read of mountinfo.) */
  mountsChanged(): boolean;
  /** On a clean stop: no footprint, no fast path. */
  remove(dir: string): void;
}

export function createFootprintPublisher(env: NodeJS.ProcessEnv): FootprintPublisher {
  const boot = Date.now().toString(36);
  let gen = 0;
  let lastBody: string | null = null;
  let lastMountText: string | null = null;
  // The mount table as the operators' shells see it: PID 1's (the system unit runs in a mount
  // namespace of its own, ProtectSystem=strict, whose table lists extra read-only mounts), else
  // our own (a user watcher may not read PID 1's; it runs where its user's shells run).
  const readMountText = (): string | null => {
    for (const f of ['/proc/1/mountinfo', '/proc/self/mountinfo']) {
      try {
        return fs.readFileSync(f, 'utf8');
      } catch {
        // not ours to read: the next one
      }
    }
    return null;
  };
  // The last mount table read (and what is derived from it), and the last body with its key:
  // a heartbeat publish with nothing changed only rewrites the header (the render, with an alias
  // lookup per path in the mount table, was most of a publish).
  let parsedFrom: string | null | undefined;
  let mounts: Mount[] = [];
  let mountsPrint: string | null = null;
  let bodyKey: string | null = null;
  let body = '';
  return {
    publish(dir, host, nowMs) {
      lastMountText = readMountText();
      const mountText = lastMountText;
      if (mountText !== parsedFrom) {
        parsedFrom = mountText;
        mounts = mountText === null ? [] : parseMountInfo(mountText);
        mountsPrint = mountText === null ? null : fingerprint(mountText);
        bodyKey = null; // another mount table: the body is rendered again
      }
      // The config as the Node guard would read it now (a broken file must switch the fast path off).
      const loaded = loadConfig(env);
      const degraded = loaded.protectionDegraded ? (loaded.problems[0]?.file ?? 'config') : null;
      const files = configFiles(env).map((f) => f.file);
      const protect = resolveProtected(loaded.config.protect, mounts).map((p) => p.real);
      const roots = loaded.config.discovery.roots.map((r) => canonical(r).real);
      const key = JSON.stringify([footprintShape(host), degraded, files, protect, roots]);
      if (key !== bodyKey) {
        const next = renderFootprintBody({ host, protect, degraded, configFiles: files, roots, mounts, mountsFingerprint: mountsPrint });
        if (next !== lastBody) {
          gen += 1;
          lastBody = next;
        }
        bodyKey = key;
        body = next;
      }
      writeAtomic(dir, 'footprint', assemble(nowMs / 1000, `${boot}-${gen}`, body));
    },
    mountsChanged() {
      return readMountText() !== lastMountText;
    },
    remove(dir) {
      fs.rmSync(path.join(dir, 'footprint'), { force: true });
    },
  };
}

/** Remove `.footprint.PID.tmp` left by watchers killed mid-write (publish.ts removes all our temps). */
export const removeStaleFootprintTemps = removeStaleTemps;

/**
 * How often the mount table is looked at between publishes (a bind mount's alias shows within
 * this). 1 s: the shells decide only non-recursive rm, where a new bind mount is caught by identity
 * at once, and the Node guard compares the mount table's fingerprint itself (`mounts`); the alias
 * list is for them a second line of defence. (250 ms cost ~0.3 % of a core: docs/fast-path.md.)
 */
export const MOUNT_POLL_MS = 1000;

export interface FootprintHook {
  /** The prompt was just published (heartbeat `nowMs`): publish the footprint with it. */
  published(nowMs: number): void;
  /** Stop polling and remove the footprint (no watcher, no fast path). */
  stop(): void;
}

/**
 * The watcher's side: publish with every prompt publish (same heartbeat: the footprint is as fresh
 * as the facts), and again at once when the mount table changes in between. Errors are logged
 * once per distinct message and never stop the watcher; a footprint that cannot be written goes
 * stale, which the shells treat as "no fast path".
 */
export function startFootprint(opts: { dir: string; env: NodeJS.ProcessEnv; host: () => HostFacts | null; log: (line: string) => void }): FootprintHook {
  const pub = createFootprintPublisher(opts.env);
  removeStaleFootprintTemps(opts.dir);
  let lastHeartbeatMs: number | null = null;
  let lastError: string | null = null;
  const run = (nowMs: number) => {
    try {
      pub.publish(opts.dir, opts.host(), nowMs);
      lastError = null;
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== lastError) opts.log(`cannot publish the footprint in ${opts.dir}: ${msg}`);
      lastError = msg;
    }
  };
  const timer = setInterval(() => {
    // Republished with the prompt's heartbeat, not a newer one: freshness stays tied to the facts.
    if (lastHeartbeatMs !== null && pub.mountsChanged()) run(lastHeartbeatMs);
  }, MOUNT_POLL_MS);
  timer.unref();
  return {
    published(nowMs) {
      lastHeartbeatMs = nowMs;
      run(nowMs);
    },
    stop() {
      clearInterval(timer);
      try {
        pub.remove(opts.dir);
      } catch {
        /* the dir may be gone */
      }
    },
  };
}
