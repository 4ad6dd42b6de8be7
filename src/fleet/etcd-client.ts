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

type LeaseClientT = InstanceType<Etcd3Module['Etcd3']>['leaseClient'];
type KeepAliveResponse = { ID: string; TTL: string };

/**
 * Lease keep-alives over one LeaseKeepAlive stream kept open, as etcd's own clients do: each
 * keep-alive is one message on it. etcd3's `keepaliveOnce()` opens a gRPC call per keep-alive
 * (~4 ms of CPU each: a new HTTP/2 stream, its metadata and filters), 0.2 % of a core at one every
 * 2 s. A stream that fails, ends or leaves a keep-alive unanswered is dropped; the next keep-alive
 * opens another.
 */
export function keepAliveStream(leaseClient: LeaseClientT) {
  type Stream = Awaited<ReturnType<LeaseClientT['leaseKeepAlive']>>;
  let stream: Stream | null = null;
  let opening: Promise<Stream> | null = null;
  const waiting: Array<{ resolve: (r: KeepAliveResponse) => void; reject: (e: Error) => void }> = [];
  const drop = (why: Error) => {
    const s = stream;
    stream = null;
    opening = null;
    for (const w of waiting.splice(0)) w.reject(why);
    if (s) {
      // Its listeners stay (they check that it is still the stream in use): an error after we let go is ignored.
      try {
        s.end();
      } catch {
        // already gone
      }
    }
  };
  let closed = false;
  const open = async (): Promise<Stream> => {
    const s = await leaseClient.leaseKeepAlive();
    if (closed) {
      s.end(); // opened while the agent stopped: not kept
      throw new Error('closed');
    }
    s.on('data', (res: KeepAliveResponse) => {
      if (stream === s) waiting.shift()?.resolve(res);
    });
    s.on('error', (e: Error) => {
      if (stream === s) drop(e);
    });
    s.on('end', () => {
      if (stream === s) drop(new Error('the keep-alive stream ended'));
    });
    stream = s;
    return s;
  };
  return {
    /** Keep lease `id` alive; etcd's answer (TTL <= 0: the lease is gone). Bounded by CALL_TIMEOUT_MS. */
    async once(id: string): Promise<KeepAliveResponse> {
      try {
        const s = stream ?? (await (opening ??= open()));
        return await within(
          new Promise<KeepAliveResponse>((resolve, reject) => {
            waiting.push({ resolve, reject });
            s.write({ ID: id });
          }),
          CALL_TIMEOUT_MS,
          'lease keep-alive',
        );
      } catch (e) {
        // Unanswered or failed: answers on this stream could no longer be told apart.
        drop(e as Error);
        throw e;
      }
    },
    close(): void {
      closed = true;
      drop(new Error('closed'));
    },
  };
}
