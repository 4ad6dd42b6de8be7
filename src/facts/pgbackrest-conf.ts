// pgBackRest's config files: where `pgbackrest --stanza=X restore` would write (pgN-path).
import fs from 'node:fs';
import path from 'node:path';
import type { DestRef } from '../command/types.js';

/** INI sections -> key -> value (pgBackRest's format). Pure. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const m = out.get(section) ?? new Map<string, string>();
    m.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    out.set(section, m);
  }
  return out;
}

/** The pgN-path values for a stanza (restore-specific sections included), from its config files. */
export function resolveStanzaPaths(d: Extract<DestRef, { kind: 'pgbackrest-stanza' }>): { paths: string[]; problem: string | null } {
  const texts: string[] = [];
  let problem: string | null = null;
  // pgBackRest reads the first main config file that exists, then every *.conf of the include dirs.
  for (const f of d.configFiles) {
    try {
      texts.push(fs.readFileSync(f, 'utf8'));
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        problem = `cannot read pgBackRest config ${f} (${code}): run safeops as root so it can see where the restore writes`;
        break;
      }
    }
  }
  for (const dir of d.includeDirs) {
    try {
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.conf')).sort()) texts.push(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') problem = `cannot read pgBackRest include dir ${dir} (${code})`;
    }
  }
  const paths = new Set<string>();
  for (const t of texts) {
    const ini = parseIni(t);
    for (const sec of [d.stanza, `${d.stanza}:restore`]) {
      for (const [k, v] of ini.get(sec) ?? []) if (/^pg\d+-path$/.test(k) && v) paths.add(v);
    }
  }
  if (paths.size === 0 && !problem) problem = `no pg1-path for stanza "${d.stanza}" in ${[...d.configFiles, ...d.includeDirs].join(', ')}`;
  return { paths: [...paths], problem };
}
