// The watcher child and the readers the archiving tests share (watch-archiving*.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN as SUPPORT_BIN, ROOT } from './cli.js';

export interface Watcher {
  proc: ChildProcess;
  out: string[];
  stateDir: string;
}

export function watcherBin(): string {
  return process.env.SAFEOPS_BIN ?? [SUPPORT_BIN, path.join(ROOT, 'dist/safeops.mjs')].find((f) => fs.existsSync(f)) ?? SUPPORT_BIN;
}

/** `safeops watch` on `stateDir` with `config`, its output collected; added to `list` for clean-up. */
export function startArchivingWatcher(list: Watcher[], bin: string, stateDir: string, config: string, intervalMs: number): Watcher {
  const proc = spawn(process.execPath, [bin, 'watch', '--state-dir', stateDir, '--interval', String(intervalMs)], {
    cwd: '/tmp',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: config, HOME: '/tmp', LANG: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const collect = (b: Buffer) => out.push(...b.toString().split('\n').filter(Boolean));
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const w = { proc, out, stateDir };
  list.push(w);
  return w;
}

/** The prompt file's alert lines, as the shells read them (null when missing or invalid). */
export function promptAlerts(dir: string): string[] | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'prompt'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  if (lines[0] !== 'safeops-prompt 1' || !text.endsWith('end\n')) return null;
  if (!lines.every((l) => /^[A-Za-z0-9 ._,:/@()+=-]*$/.test(l))) return null;
  return lines.filter((l) => l.startsWith('alert ')).map((l) => l.slice(6));
}

export function stateAlerts(dir: string): Array<{ kind: string; text: string; detail: string; clusters: string[] }> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).alerts;
  } catch {
    return [];
  }
}

/** In the prompt file; when other clusters on this host fill its 8 alert lines, state.json (every alert) must have it. */
export const alertFor = (stateDir: string, prefix: string) => () => {
  const p = promptAlerts(stateDir);
  if (!p) return null;
  return p.find((a) => a.startsWith(prefix)) ?? (p.length >= 8 ? stateAlerts(stateDir).find((a) => a.text.startsWith(prefix))?.text ?? null : null);
};

export const shq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
