// A deliberately small reader for the parts of a Patroni YAML config safeops needs: nested maps
// of scalars (`postgresql.data_dir`, `restapi.listen`, `scope`, `name`, `namespace`,
// `etcd3.hosts`). Not a YAML parser: anchors, flow maps and multi-line scalars are skipped, and a
// key that cannot be read is simply absent (the caller then knows less, never something wrong).

export type YamlMap = { [key: string]: YamlValue };
export type YamlValue = string | string[] | YamlMap;

/** Longest config file read (a Patroni config is a few KB). */
export const YAML_MAX_BYTES = 256 * 1024;

function scalar(raw: string): string {
  let v = raw.trim();
  if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) return v.slice(1, -1);
  const hash = v.search(/\s#/);
  if (hash >= 0) v = v.slice(0, hash).trim();
  return v;
}

/** Parse block-style maps and `- item` lists of scalars; pure. */
export function parseYamlMaps(text: string): YamlMap {
  const root: YamlMap = {};
  // Stack of (indent, map, key awaiting a nested value).
  const stack: Array<{ indent: number; map: YamlMap }> = [{ indent: -1, map: root }];
  let pendingKey: { map: YamlMap; key: string; indent: number } | null = null;
  for (const line of text.slice(0, YAML_MAX_BYTES).split('\n')) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (body.startsWith('- ')) {
      if (pendingKey && indent >= pendingKey.indent) {
        const cur = pendingKey.map[pendingKey.key];
        const list = Array.isArray(cur) ? cur : [];
        list.push(scalar(body.slice(2)));
        pendingKey.map[pendingKey.key] = list;
      }
      continue;
    }
    const m = /^([A-Za-z0-9_.-]+)\s*:(?:\s+(.*))?$/.exec(body);
    if (!m) continue;
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1]!.map;
    const key = m[1]!;
    const value = m[2] === undefined ? '' : scalar(m[2]);
    if (value === '' || value === '|' || value === '>') {
      const child: YamlMap = {};
      parent[key] = child;
      stack.push({ indent, map: child });
      pendingKey = { map: parent, key, indent };
    } else {
      parent[key] = value;
      pendingKey = null;
    }
  }
  return root;
}

/** `get(doc, 'postgresql', 'data_dir')` -> the scalar, or null. */
export function yamlGet(doc: YamlMap, ...keys: string[]): string | null {
  let cur: YamlValue | undefined = doc;
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return null;
    cur = (cur as YamlMap)[k];
  }
  return typeof cur === 'string' ? cur : null;
}

/** A list or a comma-separated scalar (`hosts: a:2379,b:2379`). */
export function yamlList(doc: YamlMap, ...keys: string[]): string[] {
  let cur: YamlValue | undefined = doc;
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return [];
    cur = (cur as YamlMap)[k];
  }
  if (Array.isArray(cur)) return cur;
  if (typeof cur === 'string') return cur.replace(/^\[|\]$/g, '').split(',').map((s) => scalar(s)).filter(Boolean);
  return [];
}
