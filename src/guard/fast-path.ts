// The Node guard's fast path for `rm`: the same rules as the shells' fast path (docs/fast-path.md,
// the `# >>> safeops fast path` block of each template), read here in one place for a
// `safeops rm ...` that did not come through an integrated shell (a script, cron, `sudo`, a shell
// without the integration) or that the shell could not read. When the watcher's footprint is
// fresh and trusted, the flags are ones the table knows and every operand resolves, without a
// symlink on the way, to a place not inside, equal to or above a published path (by name and by
// identity), the command runs without the facts being gathered: the watcher already gathered them.
// Any doubt returns false and the guard goes on as before. It may only ever narrow to "surely
// harmless": test/integration/fastpath-property.test.ts checks that whenever it was taken,
// `safeops explain` says ALLOW.
import fs from 'node:fs';
import path from 'node:path';
import { configFiles } from '../config/files.js';
import { rawPath } from '../facts/paths.js';
import { fingerprint } from '../util/fingerprint.js';
import { swappableOn } from '../facts/race.js';
import { FOOTPRINT_MAX_AGE_S, FOOTPRINT_MAX_BYTES } from '../contract.js';
import { stateDirCandidates } from '../util/state-dir.js';

/** More operands than this: the guard decides. */
export const FAST_MAX_TARGETS = 256;

const RM_LONG = new Set(['--force', '--verbose', '--dir', '--recursive', '--interactive', '--interactive=never', '--interactive=no', '--interactive=none', '--interactive=once', '--interactive=always', '--interactive=yes']);
const BYTES_OK = /^[A-Za-z0-9._,:/@+=~ \n-]*$/;

export interface Footprint {
  heartbeat: number;
  recursive: boolean;
  config: string[];
  paths: string[];
  above: string[];
  roots: string[];
  /** The mount table's fingerprint when published (src/util/fingerprint.ts). */
  mounts: string | null;
}

/** The footprint file's text, validated as the shells validate it; null for anything odd (an `off` line included). Pure. */
export function parseFootprint(text: string): Footprint | null {
  if (text.length > FOOTPRINT_MAX_BYTES || !BYTES_OK.test(text)) return null;
  const lines = text.split('\n');
  if (lines[0] !== 'safeops-footprint 1') return null;
  const hb = /^heartbeat ([0-9]{1,12})$/.exec(lines[1] ?? '');
  if (!hb) return null;
  const fp: Footprint = { heartbeat: Number(hb[1]), recursive: false, config: [], paths: [], above: [], roots: [], mounts: null };
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === 'end') return lines.slice(i + 1).join('\n') === '' ? fp : null;
    if (/^generation [0-9a-z]/.test(line)) continue;
    if (line === 'recursive on' || line === 'recursive off') fp.recursive = line === 'recursive on';
    else if (/^mounts [0-9a-z-]+$/.test(line)) fp.mounts = line.slice('mounts '.length);
    else if (line.startsWith('config /')) fp.config.push(line.slice('config '.length));
    else if (line.startsWith('path /')) fp.paths.push(line.slice('path '.length));
    else if (line.startsWith('above /')) fp.above.push(line.slice('above '.length));
    else if (line.startsWith('root /')) fp.roots.push(line.slice('root '.length));
    else return null;
  }
  return null; // no `end`
}

/** rm's operands and whether it recurses, when every flag is one the table reads; else null. Pure. */
export function rmFastArgs(args: string[], env: NodeJS.ProcessEnv): { targets: string[]; recursive: boolean } | null {
  if (env.POSIXLY_CORRECT !== undefined) return null;
  let opts = true;
  let recursive = false;
  const targets: string[] = [];
  for (const a of args) {
    if (opts && a.length >= 2 && a.startsWith('-')) {
      if (a === '--') opts = false;
      else if (a.startsWith('--')) {
        if (!RM_LONG.has(a)) return null;
        if (a === '--recursive') recursive = true;
      } else {
        if (/[^fiIvrRd]/.test(a.slice(1))) return null;
        if (/[rR]/.test(a)) recursive = true;
      }
    } else targets.push(a);
  }
  return targets.length > 0 && targets.length <= FAST_MAX_TARGETS ? { targets, recursive } : null;
}

/** Stats, or undefined when nothing is there (ENOENT, or ENOTDIR: a file on the way); any other error throws (a doubt). */
const absent = <T>(read: () => T): T | undefined => {
  try {
    return read();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
};
const lstat = (p: string) => absent(() => fs.lstatSync(p, { bigint: true }));
const stat = (p: string) => absent(() => fs.statSync(p, { bigint: true }));
const idOf = (st: fs.BigIntStats) => `${st.dev}:${st.ino}`;

/** A file or directory only `euid` or root can have written, and nobody else can change. */
const trusted = (st: fs.BigIntStats, euid: number) => (st.uid === BigInt(euid) || st.uid === 0n) && (st.mode & 0o022n) === 0n;

/** The footprint in the state dir the shells would read, when it is trusted and fresh; else null. */
export function readTrustedFootprint(env: NodeJS.ProcessEnv, euid: number, nowMs: number): Footprint | null {
  const dirs = env.SAFEOPS_STATE_DIR ? [env.SAFEOPS_STATE_DIR] : stateDirCandidates(env, euid).filter((d) => fs.existsSync(path.join(d, 'prompt')));
  const dir = dirs[0];
  if (!dir || !dir.startsWith('/')) return null;
  const dst = lstat(dir);
  if (!dst || !dst.isDirectory() || !trusted(dst, euid)) return null;
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, 'footprint'), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  let text: string;
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    if (!st.isFile() || !trusted(st, euid) || st.size > BigInt(FOOTPRINT_MAX_BYTES)) return null;
    const buf = Buffer.alloc(FOOTPRINT_MAX_BYTES + 1);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    text = buf.subarray(0, n).toString('latin1');
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
  const fp = parseFootprint(text);
  if (!fp) return null;
  const age = Math.floor(nowMs / 1000) - fp.heartbeat;
  return age <= FOOTPRINT_MAX_AGE_S && age >= -1 ? fp : null;
}

/** Every config file the guard would read is one the watcher read (a user's own may protect more). */
export function sameConfig(fp: Footprint, env: NodeJS.ProcessEnv): boolean {
  return configFiles(env).every(({ file, required }) => fp.config.includes(file) || (!required && !lstat(file)));
}

/**
 * The mount table is the one the watcher published: a bind mount made since (of a data dir, or
 * of a directory above one) would give a place a name the footprint does not list yet.
 */
export function sameMounts(fp: Footprint, read: () => string = () => fs.readFileSync('/proc/self/mountinfo', 'utf8')): boolean {
  if (fp.mounts === null) return false;
  try {
    return fingerprint(read()) === fp.mounts;
  } catch {
    return false;
  }
}

/** Identities of the published places (bind mounts and hard links are caught by these). */
export interface Ids {
  paths: Set<string>;
  above: Set<string>;
}

/** Identities of the published places we can stat (one we cannot search into, we cannot reach under another name either). */
function idsOf(list: string[]): Set<string> {
  const out = new Set<string>();
  for (const p of list) {
    try {
      out.add(idOf(fs.statSync(p, { bigint: true })));
    } catch {
      // gone, or not ours to see (as the shells' -ef)
    }
  }
  return out;
}

/** rm's operand `w` is surely outside every published place (the shells' __safeops_fp_target). */
export function operandOutside(w: string, recursive: boolean, fp: Footprint, ids: Ids, cwd: string | null): boolean {
  if (w === '') return false;
  let abs: string;
  if (w.startsWith('/')) abs = w;
  else {
    if (!cwd || !cwd.startsWith('/')) return false;
    abs = `${cwd}/${w}`;
  }
  while (abs.endsWith('/') && abs !== '/') abs = abs.slice(0, -1);
  const cut = abs.lastIndexOf('/');
  const base = abs.slice(cut + 1);
  if (base === '' || base === '.' || base === '..') return false;
  // Every directory on the way: a real directory, no symlink; `..` of one is its parent.
  let cur = '';
  for (const part of abs.slice(0, cut).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      cur = cur.slice(0, Math.max(0, cur.lastIndexOf('/')));
      continue;
    }
    cur += `/${part}`;
    const st = lstat(cur);
    if (!st || !st.isDirectory()) return false;
  }
  const t = `${cur}/${base}`;
  const tst = lstat(t);
  if (tst?.isSymbolicLink()) return false;
  const related = (p: string) => p === '/' || t === p || t.startsWith(`${p}/`) || p.startsWith(`${t}/`);
  if (fp.paths.some(related)) return false;
  // Recursive, in or above a discovery root: a cluster made there since the last publish.
  if (recursive && fp.roots.some(related)) return false;
  // A directory that is an ancestor of a published path under another name (bind mount).
  if (tst?.isDirectory() && ids.above.has(idOf(tst))) return false;
  // The target and its ancestors: no cluster, no published place under another name.
  for (let c = t; c !== ''; c = c.slice(0, c.lastIndexOf('/'))) {
    if (stat(`${c}/PG_VERSION`)) return false;
    const st = stat(c);
    if (st && ids.paths.has(idOf(st))) return false;
  }
  return !stat('/PG_VERSION');
}

/**
 * `rm ARGS` is surely harmless by the watcher's footprint (all of the shells' rules hold).
 * Never throws: an error is a doubt, and a doubt is "no".
 */
export function rmSurelyHarmless(args: string[], env: NodeJS.ProcessEnv, euid: number, nowMs: number): boolean {
  try {
    const rm = rmFastArgs(args, env);
    if (!rm) return false;
    const fp = readTrustedFootprint(env, euid, nowMs);
    if (!fp || (rm.recursive && !fp.recursive) || !sameConfig(fp, env) || !sameMounts(fp)) return false;
    let cwd: string | null = null;
    try {
      cwd = process.cwd(); // physical: the kernel's working directory, not $PWD
    } catch {
      cwd = null; // deleted: relative operands go to the guard
    }
    const ids = { paths: idsOf(fp.paths), above: idsOf(fp.above) };
    if (!rm.targets.every((w) => operandOutside(w, rm.recursive, fp, ids, cwd))) return false;
    // A recursive rm: no directory on its walk that another user could swap for a link to a data
    // directory before rm gets there (the guard asks then: docs/races.md). Trusted: root and us.
    // The shells cannot read a directory's mode with builtins, so they leave recursive rm to Node.
    if (!rm.recursive) return true;
    const trust = { uids: [...new Set([0, process.getuid?.() ?? -1])], gids: [...new Set([0, process.getgid?.() ?? -1])] };
    const memo = new Map<string, string | null>();
    return rm.targets.every((w) => swappableOn(rawPath(w, cwd!), trust, memo) === null);
  } catch {
    return false;
  }
}
