// Whose view decides (docs/privilege.md): a command that runs through sudo/su/runuser/doas as
// another user is judged on facts read with that user's privileges. safeops re-executes itself
// through `sudo -n` for the fact reading only (`safeops __facts`, JSON on stdin and stdout); when
// that is not possible, the footprints published by root's watcher fill the gaps; when neither
// is possible, the facts say so (`readerOutranked`) and decide() fails closed on every cluster
// whose footprint could not be read.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Config } from '../config/schema.js';
import type { ParsedCommand } from '../command/types.js';
import { programName } from '../command/words.js';
import type { ClusterFacts, FootprintEntry, HostFacts } from './types.js';
import type { Candidate } from './discover.js';
import { footprintEntry } from './cluster.js';
import { gatherFileFacts, snapshotProc, type GatherEdge } from './gather.js';
import type { Mount } from './mounts.js';
import { stateDirCandidates } from '../util/state-dir.js';
import { resolveBinary } from '../run/resolve-bin.js';
import { SYSTEM_STATE_DIR } from '../contract.js';

/** Programs that run a command as another user. */
const ELEVATORS = new Set(['sudo', 'su', 'runuser', 'doas', 'pkexec', 'sudoedit']);
const ELEVATOR_IN_STRING = /(^|[\s;&|(`'"])(sudo|su|runuser|doas|pkexec)(?=$|[\s;&|)`'"])/;

/**
 * The prefix through which the command runs as another user (`sudo`, `su`...), or null. Reads
 * the words before the inner command, and any word holding a shell string: seeing an elevator
 * where there is none only costs a privileged read; missing one would decide on a narrow view.
 */
export function elevationOf(parsed: Pick<ParsedCommand, 'argv' | 'innerArgv'>): string | null {
  const { argv, innerArgv } = parsed;
  const isSuffix = innerArgv.length > 0 && innerArgv.length <= argv.length && innerArgv.every((w, i) => argv[argv.length - innerArgv.length + i] === w);
  const prefix = isSuffix ? argv.slice(0, argv.length - innerArgv.length) : argv;
  for (const w of prefix) {
    if (ELEVATORS.has(programName(w))) return programName(w);
    const m = ELEVATOR_IN_STRING.exec(w);
    if (m && /\s/.test(w)) return m[2]!;
  }
  return null;
}

/** What the privileged reader is given. */
export interface FactsRequest {
  config: Config;
  extra: Candidate[];
  /** PG_CLUSTER_CONF_ROOT and SAFEOPS_STATE_DIR of the caller (sudo drops the environment). */
  env: Record<string, string>;
}

export interface FactsReply {
  uid: number;
  facts: HostFacts;
}

/** `safeops __facts`: read the host's facts with this process's privileges (root under sudo). */
export async function runFactsChild(edge: GatherEdge): Promise<number> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const req = JSON.parse(input) as FactsRequest;
  const env = { ...edge.env, ...req.env };
  const facts = gatherFileFacts({ config: req.config, edge: { ...edge, env }, extra: req.extra, state: true }, snapshotProc());
  const reply: FactsReply = { uid: process.getuid ? process.getuid() : -1, facts };
  process.stdout.write(JSON.stringify(reply));
  return 0;
}

/** Facts read as root through `sudo -n` (or sudo asking its password on the terminal); null with why when not possible. */
export function readPrivileged(req: FactsRequest, opts: { env: NodeJS.ProcessEnv; cwd: string; selfPath: string | null; interactive: boolean; timeoutMs?: number }): { facts: HostFacts } | { why: string } {
  if (!opts.selfPath) return { why: 'the path of safeops itself is unknown' };
  const sudo = resolveBinary('sudo', opts.env, opts.cwd, opts.selfPath);
  if (!sudo) return { why: 'no sudo on PATH' };
  const input = JSON.stringify(req);
  const attempt = (args: string[], stdio: 'pipe' | 'inherit') => {
    const r = spawnSync(sudo, [...args, '--', process.execPath, opts.selfPath!, '__facts'], {
      input,
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 30_000,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['pipe', 'pipe', stdio],
      env: { PATH: opts.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' },
    });
    if (r.error) return { why: r.error.message };
    if (r.status !== 0) return { why: (r.stderr || `sudo exited with ${r.status ?? r.signal}`).trim().split('\n')[0]! };
    try {
      const reply = JSON.parse(r.stdout) as FactsReply;
      if (reply.uid !== 0) return { why: `the privileged reader ran as uid ${reply.uid}, not root` };
      if (!Array.isArray(reply.facts?.clusters)) return { why: 'the privileged reader answered nonsense' };
      return { facts: reply.facts };
    } catch (e) {
      return { why: `the privileged reader's answer could not be read (${(e as Error).message})` };
    }
  };
  const quiet = attempt(['-n'], 'pipe');
  // Ask only when a password is all that is missing (a rule that does not allow safeops would
  // make the operator type a password for nothing).
  if ('facts' in quiet || !opts.interactive || !/password is required/i.test(quiet.why)) return quiet;
  // sudo wants a password: ask it once, on the terminal (sudo reads /dev/tty); the command's own
  // sudo then finds the credentials cached, as it would have without safeops.
  process.stderr.write('safeops: reading the clusters\' files as root before running this command.\n');
  const asked = attempt(['-p', '[sudo] password for %p (safeops reads the facts as root): '], 'inherit');
  return 'facts' in asked ? asked : { why: `${quiet.why}; ${asked.why}` };
}

/** Root's watcher's state.json, when it is root's, not writable by others, and fresh. */
export function rootWatcherClusters(env: NodeJS.ProcessEnv, nowMs: number, maxAgeSeconds: number): Array<{ dataDir: string; footprint: FootprintEntry[]; footprintGaps?: string[] }> | null {
  const dirs = [...new Set([...stateDirCandidates(env), SYSTEM_STATE_DIR])];
  for (const dir of dirs) {
    try {
      const file = path.join(dir, 'state.json');
      const dst = fs.statSync(dir);
      const fst = fs.lstatSync(file);
      if (dst.uid !== 0 || (dst.mode & 0o022) !== 0 || fst.uid !== 0 || !fst.isFile() || (fst.mode & 0o022) !== 0) continue;
      const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { heartbeat?: number; clusters?: unknown };
      if (typeof doc.heartbeat !== 'number' || nowMs / 1000 - doc.heartbeat > maxAgeSeconds || !Array.isArray(doc.clusters)) continue;
      return (doc.clusters as Array<Partial<ClusterFacts>>).filter((c): c is ClusterFacts => typeof c.dataDir === 'string' && Array.isArray(c.footprint));
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * Fill footprint gaps from root's watcher: its footprint of the same data dir replaces ours
 * (re-stat'ed here for ids and mount aliases). Returns the clusters whose gaps remain.
 */
export function fillFromWatcher(facts: HostFacts, published: Array<{ dataDir: string; footprint: FootprintEntry[]; footprintGaps?: string[] }>, mounts: Mount[]): ClusterFacts[] {
  const open = facts.clusters.filter((c) => (c.footprintGaps?.length ?? 0) > 0);
  if (open.length === 0) return [];
  const left: ClusterFacts[] = [];
  for (const c of open) {
    const w = published.find((p) => p.dataDir === c.dataDir);
    if (!w || (w.footprintGaps?.length ?? 0) > 0) {
      left.push(c);
      continue;
    }
    const fresh = w.footprint.filter((e) => typeof e.path === 'string' && e.path.startsWith('/')).map((e) => footprintEntry(e.kind, e.path, mounts, e.oid));
    const known = new Set(c.footprint.map((e) => `${e.kind}\0${e.path}`));
    c.footprint.push(...fresh.filter((e) => !known.has(`${e.kind}\0${e.path}`)));
    c.problems.push(`footprint completed from root's watcher (state.json): ${c.footprintGaps!.join('; ')}`);
    c.footprintGaps = [];
  }
  return left;
}

/** sudo asks for a password at most once per process (never again while a screen is up). */
let askedOnce = false;

/**
 * The facts a command is judged on: as read (`own`) when it runs with our privileges; else
 * completed from root's fresh watcher when that fills every gap; else as root reads them through
 * sudo; else marked `readerOutranked` (decide() then fails closed on the clusters with gaps).
 * Returns whether the facts are root's full read (then nothing is to be re-read as ourselves).
 */
export function factsForCommand(
  parsed: ParsedCommand,
  own: HostFacts,
  ctx: { uid: number; userName: string; env: NodeJS.ProcessEnv; cwd: string; config: Config; extra: Candidate[]; mounts: Mount[]; nowMs: number; interactive: boolean },
): { facts: HostFacts; privileged: boolean } {
  const via = elevationOf(parsed);
  if (via === null || ctx.uid === 0 || parsed.ops.length === 0) return { facts: own, privileged: false };
  // Cheap first: root's watcher publishes every footprint (no privilege, no process).
  const published = rootWatcherClusters(ctx.env, ctx.nowMs, 15);
  if (published && fillFromWatcher(own, published, ctx.mounts).length === 0 && own.unidentifiedPostmasters.length === 0) return { facts: own, privileged: false };
  const env: Record<string, string> = {};
  for (const k of ['PG_CLUSTER_CONF_ROOT', 'SAFEOPS_STATE_DIR']) if (ctx.env[k]) env[k] = ctx.env[k]!;
  if (ctx.env.SAFEOPS_PRIVILEGED_READ !== '0') {
    const interactive = ctx.interactive && !askedOnce;
    if (interactive) askedOnce = true;
    const r = readPrivileged({ config: ctx.config, extra: ctx.extra, env }, { env: ctx.env, cwd: ctx.cwd, selfPath: process.argv[1] ?? null, interactive });
    if ('facts' in r) return { facts: r.facts, privileged: true };
    own.problems.push(`could not read the host as root through sudo -n (${r.why})`);
  }
  const left = own.clusters.filter((c) => (c.footprintGaps?.length ?? 0) > 0);
  if (left.length > 0) own.readerOutranked = `the command runs through ${via} as another user while safeops, running as ${ctx.userName}, could not read these files`;
  return { facts: own, privileged: false };
}
