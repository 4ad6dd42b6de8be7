// The split-brain check before promoting a standby: is its upstream primary still up, and is it
// still a primary? Promoting while it is makes two primaries that both accept writes.
import net from 'node:net';

export interface UpstreamProbe {
  /** Something answered on host:port (a TCP connect succeeded, or the server replied). */
  reachable: boolean;
  /** `pg_is_in_recovery() = false`; null when the query could not be run (auth failed...). */
  inProduction: boolean | null;
  /** One line for the operator: what was tried and what came back. */
  detail: string;
}

export interface ProbeOptions {
  /** Budget for connecting and for the query, each. @default 1500 */
  timeoutMs?: number;
  /** @default "postgres" */
  user?: string;
  /** @default "postgres" */
  database?: string;
  password?: string;
}

/** A SQLSTATE (e.g. 28P01): the server itself answered, so it is reachable. */
function isSqlState(code: unknown): boolean {
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function errText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}

/** Open and close a TCP (or Unix socket) connection: true when it was accepted in time. */
export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; error: string | null }> {
  return new Promise((resolve) => {
    const sock = host.startsWith('/') ? net.connect({ path: `${host}/.s.PGSQL.${port}` }) : net.connect({ host, port });
    const done = (ok: boolean, error: string | null): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok, error });
    };
    const timer = setTimeout(() => done(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    sock.once('connect', () => done(true, null));
    sock.once('error', (e) => done(false, errText(e)));
  });
}

/** Run `select pg_is_in_recovery()`; errors carry whether the server itself answered. */
async function queryRecovery(host: string, port: number, o: Required<Omit<ProbeOptions, 'password'>> & { password?: string }): Promise<{ inRecovery: boolean } | { error: string; serverAnswered: boolean }> {
  let client: import('pg').Client | null = null;
  try {
    const { default: pg } = await import('pg');
    client = new pg.Client({
      host,
      port,
      user: o.user,
      database: o.database,
      // Never PGPASSWORD or ~/.pgpass (docs/host-trust.md): whatever answers on that port gets no
      // password; a server that wants one still proves it is up (the auth error is its answer).
      password: o.password ?? (() => {
        throw new Error('the upstream asked for a password: safeops never sends one');
      }),
      connectionTimeoutMillis: o.timeoutMs,
      query_timeout: o.timeoutMs,
      application_name: 'safeops split-brain check',
    });
    client.on('error', () => {});
    await client.connect();
    const res = await client.query<{ r: boolean }>('select pg_is_in_recovery() as r');
    return { inRecovery: res.rows[0]?.r === true };
  } catch (e) {
    return { error: errText(e), serverAnswered: isSqlState((e as { code?: unknown }).code) };
  } finally {
    client?.end().catch(() => {});
  }
}

/**
 * Is the upstream primary at host:port reachable, and in production (not in recovery)?
 * Never throws. Reachable is true when either the TCP connect or the PostgreSQL server
 * answered (a failed login still proves the server is up).
 */
export async function probeUpstream(host: string | null, port: number | null, opts: ProbeOptions = {}): Promise<UpstreamProbe> {
  if (!host) return { reachable: false, inProduction: null, detail: 'no upstream host in primary_conninfo: cannot check' };
  const p = port ?? 5432;
  const o = { timeoutMs: opts.timeoutMs ?? 1500, user: opts.user ?? 'postgres', database: opts.database ?? 'postgres', password: opts.password };
  const [tcp, sql] = await Promise.all([tcpReachable(host, p, o.timeoutMs), queryRecovery(host, p, o)]);
  if ('inRecovery' in sql) {
    return sql.inRecovery
      ? { reachable: true, inProduction: false, detail: `${host}:${p} answers and is itself in recovery (a standby)` }
      : { reachable: true, inProduction: true, detail: `${host}:${p} answers: SQL pg_is_in_recovery() = false` };
  }
  if (tcp.ok || sql.serverAnswered) {
    return { reachable: true, inProduction: null, detail: `${host}:${p} accepts connections, but its role could not be read: ${sql.error}` };
  }
  return { reachable: false, inProduction: null, detail: `${host}:${p} unreachable from here: ${tcp.error ?? sql.error}` };
}
