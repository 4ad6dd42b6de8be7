// `safeops config path|get|set|unset`: reads and writes the config file with `conf` (atomic
// writes, dotted keys), refusing any change the validator would reject.
import path from 'node:path';
import Conf from 'conf';
import { configFiles, SYSTEM_CONFIG } from '../config/load.js';
import { parseConfigs, type LoadedConfig } from '../config/schema.js';
import type { Edge } from '../util/edge.js';
import { UsageError } from '../util/errors.js';

interface ConfigArgs {
  action: string;
  key?: string;
  value?: string;
  system?: boolean;
  user?: boolean;
}

/** Which file `set`/`unset` write: SAFEOPS_CONFIG, else system for root, else the user's. */
function targetFile(a: ConfigArgs, edge: Edge): string {
  const files = configFiles(edge.env);
  if (edge.env.SAFEOPS_CONFIG) return files[0]!.file;
  if (a.system) return SYSTEM_CONFIG;
  const userFile = files.find((f) => f.additiveOnly)?.file;
  if (a.user || edge.uid !== 0) {
    if (!userFile) throw new UsageError('no HOME or XDG_CONFIG_HOME: cannot locate the user config file');
    return userFile;
  }
  return SYSTEM_CONFIG;
}

/** A value typed on the command line: JSON when it parses (true, 5, ["/a"]), else a string. */
function parseValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export async function runConfig(a: ConfigArgs, loaded: LoadedConfig, edge: Edge): Promise<number> {
  if (a.action === 'path') {
    for (const f of configFiles(edge.env)) process.stdout.write(`${f.file}${loaded.files.includes(f.file) ? '' : ' (absent)'}\n`);
    return 0;
  }
  if (a.action === 'get') {
    let v: unknown = loaded.config;
    for (const k of (a.key ?? '').split('.').filter(Boolean)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    if (v === undefined) throw new UsageError(`no such key: ${a.key}`);
    process.stdout.write(JSON.stringify(v, null, 2) + '\n');
    return 0;
  }
  if (!a.key) throw new UsageError(`config ${a.action} needs a KEY (e.g. shell.colors.primary)`);
  if (a.action === 'set' && a.value === undefined) throw new UsageError('config set needs a VALUE');
  const file = targetFile(a, edge);
  const store = new Conf<Record<string, unknown>>({ cwd: path.dirname(file), configName: path.basename(file, '.json'), projectName: 'safeops', projectSuffix: '' });
  const next = structuredClone(store.store) as Record<string, unknown>;
  const keys = a.key.split('.');
  let obj = next;
  for (const k of keys.slice(0, -1)) obj = (obj[k] ??= {}) as Record<string, unknown>;
  if (a.action === 'set') obj[keys.at(-1)!] = parseValue(a.value!);
  else delete obj[keys.at(-1)!];
  const check = parseConfigs([{ file, text: JSON.stringify(next), additiveOnly: false }]);
  if (check.problems.length) throw new UsageError(check.problems.map((p) => `${p.key}: ${p.message}`).join('; '));
  if (a.action === 'set') store.set(a.key, parseValue(a.value!));
  else store.delete(a.key);
  process.stdout.write(`${file}: ${a.action === 'set' ? `set ${a.key}` : `removed ${a.key}`}\n`);
  return 0;
}
