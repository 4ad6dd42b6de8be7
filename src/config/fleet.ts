// Config `fleet` (issue 13, docs/fleet.md): where the watcher publishes this host's clusters and
// reads the rest of their replication sets. Validated like the rest of the config (pure).
import os from 'node:os';

export interface FleetConfig {
  /** This host's name in the fleet (default: the short host name). */
  host: string | null;
  /** Only clusters under these paths belong to this host's fleet record (default: all). */
  clusters: string[];
  /** Lease TTL in seconds (default: three poll intervals, at least 3). */
  leaseTtlSeconds: number | null;
  /** null: no fleet (nothing is loaded, nothing is published). */
  etcd: {
    endpoints: string[];
    tls: { ca: string | null; cert: string | null; key: string | null };
    user: string | null;
    passwordFile: string | null;
    /** Key prefix, default `/safeops/`. */
    prefix: string;
  } | null;
}

export function defaultFleetConfig(): FleetConfig {
  return { host: null, clusters: [], leaseTtlSeconds: null, etcd: null };
}

/** The host name in force: configured, else the short host name. */
export function fleetHost(c: FleetConfig, hostname = os.hostname()): string {
  return c.host ?? (hostname.split('.')[0] || hostname);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Validate `raw.fleet` into `into`; `bad(key, message)` records a problem. */
export function applyFleetConfig(into: FleetConfig, raw: unknown, bad: (key: string, message: string) => void): void {
  if (!isObj(raw)) return bad('fleet', 'must be an object');
  for (const k of Object.keys(raw)) if (!['host', 'clusters', 'leaseTtlSeconds', 'etcd'].includes(k)) bad(`fleet.${k}`, 'unknown key (known: host, clusters, leaseTtlSeconds, etcd)');
  if (raw.host !== undefined) {
    if (typeof raw.host !== 'string' || !NAME.test(raw.host)) bad('fleet.host', 'must be a host name (letters, digits, . _ -)');
    else into.host = raw.host;
  }
  if (raw.clusters !== undefined) {
    if (!Array.isArray(raw.clusters) || raw.clusters.some((x) => typeof x !== 'string' || !x.startsWith('/'))) bad('fleet.clusters', 'must be an array of absolute paths');
    else into.clusters = raw.clusters as string[];
  }
  if (raw.leaseTtlSeconds !== undefined) {
    if (typeof raw.leaseTtlSeconds !== 'number' || !Number.isInteger(raw.leaseTtlSeconds) || raw.leaseTtlSeconds < 2 || raw.leaseTtlSeconds > 600) bad('fleet.leaseTtlSeconds', 'must be a whole number of seconds from 2 to 600');
    else into.leaseTtlSeconds = raw.leaseTtlSeconds;
  }
  if (raw.etcd === undefined || raw.etcd === null) return;
  const e = raw.etcd;
  if (!isObj(e)) return bad('fleet.etcd', 'must be an object');
  for (const k of Object.keys(e)) if (!['endpoints', 'tls', 'user', 'passwordFile', 'prefix'].includes(k)) bad(`fleet.etcd.${k}`, 'unknown key (known: endpoints, tls, user, passwordFile, prefix)');
  const endpoints = typeof e.endpoints === 'string' ? [e.endpoints] : e.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0 || endpoints.some((x) => typeof x !== 'string' || !/^https?:\/\/[A-Za-z0-9.[\]:-]+(:\d+)?\/?$/.test(x))) return bad('fleet.etcd.endpoints', 'must be a list of URLs like "https://10.0.0.5:2379"');
  const tls = { ca: null as string | null, cert: null as string | null, key: null as string | null };
  if (e.tls !== undefined) {
    if (!isObj(e.tls)) return bad('fleet.etcd.tls', 'must be an object {"ca", "cert", "key"} of file paths');
    for (const k of ['ca', 'cert', 'key'] as const) {
      const v = e.tls[k];
      if (v === undefined) continue;
      if (typeof v !== 'string' || !v.startsWith('/')) return bad(`fleet.etcd.tls.${k}`, 'must be an absolute file path');
      tls[k] = v;
    }
    if ((tls.cert || tls.key) && !tls.ca) return bad('fleet.etcd.tls.ca', 'is needed with a client cert/key');
  }
  if (e.user !== undefined && (typeof e.user !== 'string' || e.user === '')) return bad('fleet.etcd.user', 'must be a user name');
  if (e.passwordFile !== undefined && (typeof e.passwordFile !== 'string' || !e.passwordFile.startsWith('/'))) return bad('fleet.etcd.passwordFile', 'must be an absolute file path');
  let prefix = '/safeops/';
  if (e.prefix !== undefined) {
    if (typeof e.prefix !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(e.prefix)) return bad('fleet.etcd.prefix', 'must be a key prefix like "/safeops/"');
    prefix = e.prefix.endsWith('/') ? e.prefix : e.prefix + '/';
  }
  into.etcd = { endpoints: (endpoints as string[]).map((x) => x.replace(/\/$/, '')), tls, user: (e.user as string | undefined) ?? null, passwordFile: (e.passwordFile as string | undefined) ?? null, prefix };
}
