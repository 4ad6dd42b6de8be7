// The etcd client's edge for the fleet: loading it (bundled CommonJS), its options from the
// config, the key of a member, the lease TTL, and the time bound of every call. Used by the
// watcher's agent (agent.ts) and `status --fleet` (src/commands/fleet-status.ts).
import fs from 'node:fs';
import type { FleetConfig } from '../config/fleet.js';
import type { MemberReport } from './types.js';

type Etcd3Module = typeof import('etcd3');

/** No etcd call is waited on longer than this. */
export const CALL_TIMEOUT_MS = 2000;

/** Bound a promise in time. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_resolve, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no answer from etcd within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** Lease TTL in seconds: a few poll intervals, at least 5 s (a busy host must not lose it between keep-alives). */
export function leaseTtl(intervalMs: number, configured: number | null): number {
  return configured ?? Math.max(5, Math.ceil((3 * intervalMs) / 1000));
}

/** The etcd key of one cluster: PREFIX members/SYSID/HOST/ENCODED-DATADIR. */
export function memberKey(prefix: string, r: Pick<MemberReport, 'systemIdentifier' | 'host' | 'dataDir'>): string {
  return `${prefix}members/${r.systemIdentifier}/${encodeURIComponent(r.host)}/${encodeURIComponent(r.dataDir)}`;
}

/** Client options from the config (password and TLS files read now). */
export function clientOptions(c: FleetConfig): import('etcd3').IOptions {
  const e = c.etcd!;
  const read = (f: string | null) => (f ? fs.readFileSync(f) : undefined);
  const opts: import('etcd3').IOptions = {
    hosts: e.endpoints,
    dialTimeout: CALL_TIMEOUT_MS,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
  };
  if (e.user) opts.auth = { username: e.user, password: e.passwordFile ? fs.readFileSync(e.passwordFile, 'utf8').trim() : '' };
  if (e.tls.ca) opts.credentials = { rootCertificate: read(e.tls.ca)!, privateKey: read(e.tls.key), certChain: read(e.tls.cert) };
  return opts;
}

type CockatielModule = typeof import('cockatiel');

/**
 * The etcd client and cockatiel's `noop` policy. Both are CommonJS: bundled (scripts/build.mjs),
 * a dynamic import gives their exports as `default` only; from node_modules (the tests' source
 * runs) as named exports as well. `default ?? module` reads both.
 */
export async function loadEtcdClient(): Promise<{ Etcd3: Etcd3Module['Etcd3']; noop: CockatielModule['noop'] }> {
  const cjs = <T>(m: T): T => ((m as { default?: T }).default ?? m) as T;
  const etcd3 = cjs(await import('etcd3'));
  const cockatiel = cjs(await import('cockatiel'));
  if (typeof etcd3.Etcd3 !== 'function' || !cockatiel.noop) throw new Error('the etcd client did not load (etcd3.Etcd3 or cockatiel.noop missing)');
  return { Etcd3: etcd3.Etcd3, noop: cockatiel.noop };
}
