// postgresql.conf / postgresql.auto.conf: the few settings safeops reads from files
// (data_directory, port, unix_socket_directories, cluster_name, primary_conninfo).
import fs from 'node:fs';

/** Parse `name = value` lines (value quoted with '' escapes, or bare), last one wins. Pure. */
export function parsePgConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*)$/.exec(rawLine);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    let rest = m[2]!;
    let value: string;
    if (rest.startsWith("'")) {
      let v = '';
      let i = 1;
      for (; i < rest.length; i++) {
        const ch = rest[i]!;
        if (ch === "'" && rest[i + 1] === "'") {
          v += "'";
          i++;
        } else if (ch === '\\' && i + 1 < rest.length) {
          v += rest[++i];
        } else if (ch === "'") break;
        else v += ch;
      }
      value = v;
    } else {
      const hash = rest.indexOf('#');
      if (hash >= 0) rest = rest.slice(0, hash);
      value = rest.trim();
    }
    if (rawLine.trimStart().startsWith('#')) continue;
    out.set(key, value);
  }
  return out;
}

/** One setting from a config file's text (the last uncommented occurrence), without parsing it all. */
export function settingFromConf(text: string, name: string): string | null {
  const re = new RegExp(`^[ \\t]*${name}[ \\t]*=?[^\\n]*$`, 'gim');
  let last: string | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m[0];
  return last === null ? null : (parsePgConf(last).get(name.toLowerCase()) ?? null);
}

/** The last parse of each file, by its text: the watcher reads the same few files every poll
 *  (archive_command for the fleet's reports, primary_conninfo), and they rarely change. */
const parsed = new Map<string, { text: string; conf: ReadonlyMap<string, string> }>();
const PARSED_MAX = 256;

/** A config file's settings (read every time; parsed again only when its text changed). */
export function readPgConf(file: string): ReadonlyMap<string, string> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const hit = parsed.get(file);
  if (hit && hit.text === text) return hit.conf;
  const conf = parsePgConf(text);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(file, { text, conf });
  return conf;
}

/** host and port from a libpq conninfo string (`host=10.0.0.5 port=5432 user=…`) or URI. Pure. */
export function parseConninfo(conninfo: string): { host: string | null; port: number | null } {
  if (/^postgres(ql)?:\/\//.test(conninfo)) {
    try {
      const u = new URL(conninfo);
      const qsHost = u.searchParams.get('host');
      return { host: qsHost || decodeURIComponent(u.hostname) || null, port: u.port ? Number(u.port) : u.searchParams.get('port') ? Number(u.searchParams.get('port')) : null };
    } catch {
      return { host: null, port: null };
    }
  }
  const kv = new Map<string, string>();
  const re = /(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/g;
  for (let m = re.exec(conninfo); m; m = re.exec(conninfo)) {
    let v = m[2]!;
    if (v.startsWith("'")) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    kv.set(m[1]!.toLowerCase(), v);
  }
  const host = kv.get('host') ?? kv.get('hostaddr') ?? null;
  const port = kv.get('port');
  return { host, port: port && /^\d+$/.test(port) ? Number(port) : null };
}
