// psql: a `select pg_promote()` in -c or in a -f file promotes the cluster it connects to.
import type { ToolContext, ToolResult } from './context.js';
import { allValues, has, lastValue, options, scan } from './getopt.js';
import { firstGuardedWord } from './shell-words.js';
import type { ClusterRef, Op } from './types.js';

const PSQL = options({
  short: 'aAbc:d:eEf:F:h:HlL:no:p:P:qR:sStT:U:v:VwWxXz?01',
  long: [
    'echo-all/a', 'no-align/A', 'echo-errors/b', 'command=/c', 'dbname=/d', 'echo-queries/e', 'echo-hidden/E', 'file=/f',
    'field-separator=/F', 'host=/h', 'html/H', 'list/l', 'log-file=/L', 'no-readline/n', 'output=/o', 'port=/p', 'pset=/P', 'quiet/q',
    'record-separator=/R', 'single-step/s', 'single-line/S', 'tuples-only/t', 'table-attr=/T', 'username=/U', 'set=/v', 'variable=/v',
    'version/V', 'no-password/w', 'password/W', 'expanded/x', 'no-psqlrc/X', 'field-separator-zero/z', 'record-separator-zero/0',
    'single-transaction/1', 'help?/?', 'csv',
  ],
});

const PROMOTE = /pg_promote\s*\(/i;

/** Does SQL text call pg_promote()? (Comments and strings included: in doubt, it does.) */
export function callsPromote(sql: string): boolean {
  return PROMOTE.test(sql) || /pg_promote/i.test(sql.replace(/["\s]/g, ''));
}

/** `psql [OPTION]... [DBNAME [USERNAME]]`. */
export function parsePsql(args: string[], ctx: ToolContext): ToolResult {
  const s = scan(args, PSQL);
  if (has(s, '?', 'V')) return { ops: [], notes: ['psql --help / --version runs no SQL'] };
  const commands = allValues(s, 'c');
  const files = allValues(s, 'f').filter((f) => f !== '-');
  const ops: Op[] = [];
  for (const c of commands) {
    // \! runs a shell command from psql.
    if (/\\!/.test(c)) {
      const tool = firstGuardedWord(c.slice(c.indexOf('\\!') + 2));
      if (tool !== null) ops.push({ type: 'opaque', why: `psql -c runs a shell command (\\!) that names ${tool}; safeops cannot see its arguments` });
    }
  }
  const promotes = commands.some(callsPromote);
  if (!promotes && files.length === 0) return { ops, notes: s.notes };
  const ref = connRef(s.operands[0], lastValue(s, 'd'), lastValue(s, 'h'), lastValue(s, 'p'), ctx);
  if (promotes) ops.push({ type: 'promote', refs: [ref] });
  else ops.push({ type: 'sql-promote', files, refs: [ref] });
  return { ops, notes: s.notes };
}

/** Where psql connects: -h/-p, else the dbname's conninfo or URI, else PGHOST/PGPORT. */
function connRef(operand: string | undefined, dbOpt: string | undefined, hostOpt: string | undefined, portOpt: string | undefined, ctx: ToolContext): ClusterRef {
  let hosts: string[] | null = null;
  let port: string | null = null;
  let why: string | null = null;
  const db = dbOpt ?? operand;
  if (db !== undefined && (db.includes('=') || /^postgres(ql)?:\/\//.test(db))) {
    const c = parseConnString(db);
    if (c === null) why = `psql's connection string ${JSON.stringify(db)} is not one safeops can read`;
    else {
      if (c.service) why = 'psql connects through a pg_service.conf service safeops does not read';
      if (c.hosts.length) hosts = c.hosts;
      if (c.port !== null) port = c.port;
    }
  }
  // Command-line -h/-p override the conninfo's (psql passes them as later keywords).
  if (hostOpt !== undefined) hosts = hostOpt.split(',');
  if (portOpt !== undefined) port = portOpt;
  const env = ctx.env;
  if (hosts === null) {
    const h = env.PGHOSTADDR ?? env.PGHOST;
    if (h !== undefined && h !== '') hosts = h.split(',');
    else if (ctx.envUnknown) why ??= 'psql takes its host from $PGHOST in an environment safeops cannot see';
  }
  if (port === null) {
    const p = env.PGPORT;
    if (p !== undefined && p !== '') port = p;
    else if (ctx.envUnknown) why ??= 'psql takes its port from $PGPORT in an environment safeops cannot see';
  }
  if (env.PGSERVICE !== undefined && env.PGSERVICE !== '') why ??= 'psql connects through $PGSERVICE, which safeops does not read';
  return { kind: 'conn', hosts: hosts ?? [], port, why };
}

/** `host=... port=...` or `postgresql://[user@]host[:port][,host2...]/db?host=...&port=...`. */
export function parseConnString(s: string): { hosts: string[]; port: string | null; service: boolean } | null {
  const out = { hosts: [] as string[], port: null as string | null, service: false };
  const set = (k: string, v: string) => {
    if (k === 'host' || k === 'hostaddr') out.hosts = v.split(',');
    else if (k === 'port') out.port = v.split(',')[0] ?? null;
    else if (k === 'service') out.service = true;
  };
  const uri = /^postgres(?:ql)?:\/\/([^/?]*)(?:\/[^?]*)?(?:\?(.*))?$/.exec(s);
  if (uri !== null) {
    const auth = uri[1]!;
    const hostPart = auth.includes('@') ? auth.slice(auth.lastIndexOf('@') + 1) : auth;
    for (const hp of hostPart.split(',').filter((x) => x !== '')) {
      const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(decodeURIComponent(hp));
      if (m === null) return null;
      if (m[1]) out.hosts.push(m[1].replace(/^\[|\]$/g, ''));
      if (m[2]) out.port ??= m[2];
    }
    for (const kv of (uri[2] ?? '').split('&').filter((x) => x !== '')) {
      const eq = kv.indexOf('=');
      if (eq > 0) set(decodeURIComponent(kv.slice(0, eq)), decodeURIComponent(kv.slice(eq + 1)));
    }
    return out;
  }
  // keyword=value pairs; values may be single-quoted with \' and \\ escapes.
  const re = /\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)/y;
  let pos = 0;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) return null;
    let v = m[2]!;
    if (v.startsWith("'")) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    set(m[1]!, v);
    pos = re.lastIndex;
  }
  return out;
}
