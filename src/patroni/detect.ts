// Is a cluster managed by Patroni, and is Patroni running for it? Cheap enough for the guard:
// a stat of `patroni.dynamic.json` in the data directory, the postmaster's parent process, and
// one pass over /proc for `patroni` processes (64 bytes of each command line), whose config file
// names the data directory (`postgresql.data_dir`). Patroni's REST API is not asked here: it is
// for `status` and the watcher (src/patroni/rest.ts).
import fs from 'node:fs';
import path from 'node:path';
import { canonical, statId } from '../facts/paths.js';
import { listPids, readCmdline, readCmdlineHead, readProcStat } from '../facts/procfs.js';
import type { ClusterFacts, PatroniFacts } from '../facts/types.js';
import { parseYamlMaps, yamlGet, yamlList, YAML_MAX_BYTES, type YamlMap } from './yaml.js';

/** Where Debian's and most packagings keep Patroni configs. */
export const PATRONI_CONF_DIRS = ['/etc/patroni'];

/** What one Patroni config file says (only the keys safeops uses). */
export interface PatroniConfig {
  file: string;
  scope: string | null;
  name: string | null;
  namespace: string;
  dataDir: string | null;
  /** host:port of the REST API (restapi.connect_address, else restapi.listen; default port 8008). */
  restApi: string | null;
  etcdHosts: string[];
}

/** A running `patroni` process. */
export interface PatroniProcess {
  pid: number;
  config: PatroniConfig | null;
  /** Why the config could not be read, when it could not. */
  problem: string | null;
}

/** Names in Patroni configs and REST answers reach messages: a narrow charset, capped. */
export function safeWord(s: string | null | undefined, max = 64): string | null {
  if (s === null || s === undefined) return null;
  const v = String(s).replace(/[^A-Za-z0-9._:/@+=-]/g, '_').slice(0, max);
  return v === '' ? null : v;
}

/** Read and parse a Patroni YAML config; null when unreadable. Pure apart from the one read. */
export function readPatroniConfig(file: string, env: Record<string, string> = {}): PatroniConfig | null {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(YAML_MAX_BYTES);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      text = buf.toString('utf8', 0, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  return patroniConfigFrom(parseYamlMaps(text), file, env);
}

/** The keys safeops uses from a parsed config (environment variables win, as in Patroni). */
export function patroniConfigFrom(doc: YamlMap, file: string, env: Record<string, string> = {}): PatroniConfig {
  const listen = env.PATRONI_RESTAPI_CONNECT_ADDRESS ?? yamlGet(doc, 'restapi', 'connect_address') ?? env.PATRONI_RESTAPI_LISTEN ?? yamlGet(doc, 'restapi', 'listen');
  let restApi: string | null = null;
  if (listen) {
    const m = /^(.*?):(\d+)$/.exec(listen.trim());
    restApi = m ? `${m[1] === '' || m[1] === '0.0.0.0' || m[1] === '::' ? '127.0.0.1' : m[1]}:${m[2]}` : `${listen.trim()}:8008`;
  }
  const dataDir = env.PATRONI_POSTGRESQL_DATA_DIR ?? yamlGet(doc, 'postgresql', 'data_dir');
  return {
    file,
    scope: env.PATRONI_SCOPE ?? yamlGet(doc, 'scope'),
    name: env.PATRONI_NAME ?? yamlGet(doc, 'name'),
    namespace: (env.PATRONI_NAMESPACE ?? yamlGet(doc, 'namespace') ?? '/service/').replace(/^\/?/, '/').replace(/\/?$/, '/'),
    dataDir,
    restApi,
    etcdHosts: [...yamlList(doc, 'etcd3', 'hosts'), ...yamlList(doc, 'etcd3', 'host'), ...yamlList(doc, 'etcd', 'hosts'), ...yamlList(doc, 'etcd', 'host')],
  };
}

/** PATRONI_* variables of a process (readable by its owner and root only). */
function patroniEnv(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const e of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      if (!e.startsWith('PATRONI_')) continue;
      const eq = e.indexOf('=');
      if (eq > 0) out[e.slice(0, eq)] = e.slice(eq + 1);
    }
  } catch {
    // not ours to read
  }
  return out;
}

/** Is this argv a Patroni daemon (`python3 /usr/bin/patroni CONF`, `patroni CONF`)? Its config file, if named. */
export function patroniArgv(argv: string[]): { isPatroni: boolean; configArg: string | null } {
  let i = 0;
  const base = (s: string) => path.posix.basename(s);
  if (/^python[0-9.]*$/.test(base(argv[0] ?? ''))) {
    i = 1;
    while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '-m') i += 1;
    if (argv[i] === '-m') i += 1; // python3 -m patroni
  }
  const script = base(argv[i] ?? '');
  if (script !== 'patroni' && script !== 'patroni.py') return { isPatroni: false, configArg: null };
  const rest = argv.slice(i + 1);
  // `patroni --validate-config`, `--version` serve nothing.
  if (rest.some((a) => a === '--version' || a === '--validate-config' || a === '--generate-config' || a === '--generate-sample-config')) return { isPatroni: false, configArg: null };
  return { isPatroni: true, configArg: rest.find((a) => !a.startsWith('-')) ?? null };
}

const head = Buffer.alloc(96);

/** Could this process be Patroni? 96 bytes of its command line, without reading all of it. */
function mayBePatroni(pid: number): boolean {
  const n = readCmdlineHead(pid, head);
  return n === head.length || (n > 0 && head.toString('latin1', 0, n).includes('patroni'));
}

/** Every running Patroni daemon with its config. */
export function listPatroniProcesses(): PatroniProcess[] {
  const out: PatroniProcess[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid || !mayBePatroni(pid)) continue;
    const argv = readCmdline(pid);
    if (!argv) continue;
    const { isPatroni, configArg } = patroniArgv(argv);
    if (!isPatroni) continue;
    const env = patroniEnv(pid);
    let file = configArg;
    if (file && !file.startsWith('/')) {
      try {
        file = path.posix.resolve(fs.readlinkSync(`/proc/${pid}/cwd`), file);
      } catch {
        file = null;
      }
    }
    const config = file ? readPatroniConfig(file, env) : env.PATRONI_POSTGRESQL_DATA_DIR ? patroniConfigFrom({}, '(environment)', env) : null;
    out.push({ pid, config, problem: config ? null : file ? `its config ${file} is not readable` : 'no config file on its command line' });
  }
  return out;
}

/** Patroni configs under /etc/patroni (*.yml, *.yaml), for clusters whose Patroni is not running. */
export function listPatroniConfigFiles(dirs: string[] = PATRONI_CONF_DIRS): PatroniConfig[] {
  const out: PatroniConfig[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names.slice(0, 50)) {
      if (!/\.ya?ml$/.test(n)) continue;
      const c = readPatroniConfig(path.join(d, n));
      if (c) out.push(c);
    }
  }
  return out;
}

function sameDir(a: string | null, dataDir: string, dataDirId: string | null): boolean {
  if (!a || !a.startsWith('/')) return false;
  const real = canonical(a).real;
  if (real === dataDir) return true;
  return dataDirId !== null && statId(real) === dataDirId;
}

export interface PatroniScan {
  processes: PatroniProcess[];
  configs: PatroniConfig[];
}

/**
 * Could Patroni manage this cluster? Cheap (a stat or two, one /proc read): `patroni.dynamic.json`
 * in the data dir, a postmaster started by patroni, or a Patroni config dir on the host. Only
 * then is /proc scanned for Patroni daemons (scanPatroni).
 */
export function mayBePatroniManaged(c: Pick<ClusterFacts, 'dataDir' | 'pid' | 'running'>, confDirs: string[] = PATRONI_CONF_DIRS): boolean {
  if (fs.existsSync(path.join(c.dataDir, 'patroni.dynamic.json'))) return true;
  if (confDirs.some((d) => fs.existsSync(d))) return true;
  if (c.running === true && c.pid !== null) {
    const ppid = readProcStat(c.pid)?.ppid ?? null;
    const argv = ppid !== null && ppid > 1 ? readCmdline(ppid) : null;
    if (argv && patroniArgv(argv).isPatroni) return true;
  }
  return false;
}

export const NO_PATRONI: PatroniScan = { processes: [], configs: [] };

/** One look at the host's Patroni daemons and configs (shared by every cluster of one decision). */
export function scanPatroni(): PatroniScan {
  return { processes: listPatroniProcesses(), configs: listPatroniConfigFiles() };
}

/** The Patroni facts of one cluster, or null when nothing says Patroni manages it. */
export function patroniFacts(c: Pick<ClusterFacts, 'dataDir' | 'id' | 'pid' | 'running'>, scan: PatroniScan): PatroniFacts | null {
  const how: string[] = [];
  let dynamic = false;
  try {
    fs.statSync(path.join(c.dataDir, 'patroni.dynamic.json'));
    dynamic = true;
    how.push('patroni.dynamic.json in the data directory');
  } catch {
    // not (or never) run by Patroni, or not readable
  }
  let proc = scan.processes.find((p) => p.config && sameDir(p.config.dataDir, c.dataDir, c.id)) ?? null;
  if (proc) how.push(`patroni pid ${proc.pid} runs with ${proc.config!.file}, whose postgresql.data_dir is this directory`);
  // The postmaster's parent: Patroni starts postgres itself.
  if (!proc && c.running === true && c.pid !== null) {
    const ppid = readProcStat(c.pid)?.ppid ?? null;
    const parent = ppid !== null ? scan.processes.find((p) => p.pid === ppid) : undefined;
    if (parent) {
      proc = parent;
      how.push(`its postmaster (pid ${c.pid}) was started by patroni pid ${parent.pid}`);
    } else if (ppid !== null && ppid > 1) {
      const argv = readCmdline(ppid);
      if (argv && patroniArgv(argv).isPatroni) {
        proc = { pid: ppid, config: null, problem: 'its config could not be read' };
        how.push(`its postmaster (pid ${c.pid}) was started by patroni pid ${ppid}`);
      }
    }
  }
  const conf = proc?.config ?? scan.configs.find((x) => sameDir(x.dataDir, c.dataDir, c.id)) ?? null;
  if (!proc && conf) how.push(`${conf.file} names this data directory`);
  // A Patroni whose config cannot be read, while this directory says it is Patroni's: it may be ours.
  const unreadable = !proc && dynamic ? scan.processes.find((p) => p.config === null) : undefined;
  if (how.length === 0) return null;
  return {
    how: how.join('; '),
    running: proc ? true : unreadable ? 'unknown' : false,
    pid: proc?.pid ?? unreadable?.pid ?? null,
    configFile: conf?.file ?? null,
    scope: safeWord(conf?.scope),
    member: safeWord(conf?.name),
    namespace: safeWord(conf?.namespace) ?? '/service/',
    restApi: safeWord(conf?.restApi),
    etcdHosts: (conf?.etcdHosts ?? []).map((h) => safeWord(h)).filter((h): h is string => h !== null).slice(0, 8),
    view: null,
  };
}
