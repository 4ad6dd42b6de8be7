// Publishing the host's state to the state directory (DEVELOPERS.md "Contract: the state
// directory"): the pure rendering of `state.json` and of the line-oriented `prompt` file the
// shells read with builtins, and the atomic write (temp file, fsync, rename) of both.
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterFacts, HostFacts } from '../facts/types.js';
import type { Alert, ClusterPromptRole, PromptRole, StateDoc } from './events.js';
import { oncePer } from '../util/memo.js';
import { withStateDirFd } from '../util/state-dir.js';
import { PROMPT_ALERTS_MAX, PROMPT_CHARSET, PROMPT_FIRST_LINE, PROMPT_LINE_MAX, ROLE_WORD } from '../contract.js';

/** The prompt file's grammar lives in src/contract.ts (the shells check the same rules). */
export { PROMPT_ALERTS_MAX, PROMPT_LINE_MAX } from '../contract.js';

/**
 * Bytes the shells accept in the prompt file (PROMPT_CHARSET), a subset of printable ASCII: one
 * byte outside it and the shell shows the whole state as stale.
 */
const PROMPT_BAD = new RegExp(`[^${PROMPT_CHARSET}]`, 'g');
/** Cluster names are narrower still: no space, comma or parenthesis, so the label stays parseable. */
const NAME_BAD = /[^A-Za-z0-9._/@+=:-]/g;
const NAME_MAX = 48;

/** A cluster name safe for the prompt file: hostile bytes (escapes, newlines, `$(…)`) become `_`. */
export function sanitizeName(name: string): string {
  const s = name.replace(NAME_BAD, '_').slice(0, NAME_MAX);
  return s === '' ? '_' : s;
}

/** Free text (an alert) safe for the prompt file. */
export function sanitizeText(text: string): string {
  return text.replace(PROMPT_BAD, '_');
}

/** Higher is more dangerous: the host's role is its most dangerous cluster's. */
export const ROLE_DANGER: Record<PromptRole, number> = { primary: 5, unknown: 4, recovering: 3, standby: 2, stopped: 1, none: 0 };


/** The role the prompt shows for one cluster: not running is `stopped`; not knowing whether it runs is `unknown`. */
export function clusterPromptRole(c: Pick<ClusterFacts, 'running' | 'role'> & { roleSource?: ClusterFacts['roleSource'] }): ClusterPromptRole {
  if (c.running === 'unknown') return 'unknown';
  if (c.running === false) return 'stopped';
  // Never less danger than the guard assumes (policy/words.ts clusterState): a running cluster
  // that is not a primary counts as what it says only when SQL said so; signal files alone (no
  // SQL, or a server that does not answer) may be stale: unknown (docs/host-trust.md).
  if (c.role !== 'primary' && c.roleSource !== 'sql') return 'unknown';
  return c.role;
}

interface LabelItem {
  role: ClusterPromptRole;
  text: string;
}

/** One item per cluster (and per postmaster whose data directory is unknown), most dangerous first. */
function labelItems(host: Pick<HostFacts, 'clusters' | 'unidentifiedPostmasters'>): LabelItem[] {
  const items: Array<LabelItem & { key: string }> = host.clusters.map((c) => {
    const role = clusterPromptRole(c);
    return { role, text: `${ROLE_WORD[role]} ${sanitizeName(c.name)}`, key: `${c.name}\0${c.dataDir}` };
  });
  // A postmaster whose data directory cannot be known is a running cluster of unknown role.
  for (const u of host.unidentifiedPostmasters) items.push({ role: 'unknown', text: `UNKNOWN pid ${u.pid}`, key: `~${String(u.pid).padStart(10, '0')}` });
  items.sort((a, b) => ROLE_DANGER[b.role] - ROLE_DANGER[a.role] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return items;
}

/** The host's role: `primary` > `unknown` > `recovering` > `standby` > `stopped` > `none`. */
export function hostRole(host: Pick<HostFacts, 'clusters' | 'unidentifiedPostmasters'>): PromptRole {
  let best: PromptRole = 'none';
  for (const it of labelItems(host)) if (ROLE_DANGER[it.role] > ROLE_DANGER[best]) best = it.role;
  return best;
}

/** "PRIMARY 15/main, standby 15/replica", cut with ", +N more" to fit one prompt line. */
export function renderLabel(host: Pick<HostFacts, 'clusters' | 'unidentifiedPostmasters'>): string {
  const items = labelItems(host);
  if (items.length === 0) return ROLE_WORD.none;
  const room = PROMPT_LINE_MAX - 'label '.length;
  let label = '';
  for (let i = 0; i < items.length; i++) {
    const next = (label ? label + ', ' : '') + items[i]!.text;
    const left = items.length - i - 1;
    const suffix = left > 0 ? `, +${left} more` : '';
    if (next.length + suffix.length <= room) {
      label = next;
      continue;
    }
    // This item does not fit with the tail marker: stop here and count it among the rest.
    const rest = items.length - i;
    return label ? `${label}, +${rest} more` : `+${rest} more`;
  }
  return label;
}

/** The prompt file's text, exactly as DEVELOPERS.md specifies it. Pure. */
export function renderPrompt(input: { heartbeat: number; role: PromptRole; label: string; alerts: Array<Pick<Alert, 'text'>> }): string {
  const cap = (line: string) => line.slice(0, PROMPT_LINE_MAX);
  const lines = [PROMPT_FIRST_LINE, `heartbeat ${Math.floor(input.heartbeat)}`, `role ${input.role}`, cap(`label ${sanitizeText(input.label)}`)];
  for (const a of input.alerts.slice(0, PROMPT_ALERTS_MAX)) lines.push(cap(`alert ${sanitizeText(a.text)}`));
  lines.push('end');
  return lines.join('\n') + '\n';
}

/** state.json's document. Pure. */
export function buildStateDoc(input: { host: HostFacts; alerts: Alert[]; nowMs: number; pid: number }): StateDoc {
  return {
    schema: 'safeops.state/1',
    host: input.host.hostname,
    generatedAt: new Date(input.nowMs).toISOString(),
    heartbeat: Math.floor(input.nowMs / 1000),
    watcherPid: input.pid,
    clusters: input.host.clusters,
    alerts: input.alerts,
    // Reported apart, never in the label (facts/proc.ts serverBinary, docs/host-trust.md).
    ...(input.host.suspectPostmasters?.length ? { suspectPostmasters: input.host.suspectPostmasters } : {}),
  };
}

// ---------- the state directory on disk ----------

export interface StateDirMode {
  /** System-wide (root, not --user): the dir is 0755 and `shells/` 1777; otherwise 0700 and 0700. */
  system: boolean;
}

/** Create the state dir and `shells/` with the contract's modes. Throws (with the errno) on failure. */
export function ensureStateDir(dir: string, mode: StateDirMode): void {
  const dirMode = mode.system ? 0o755 : 0o700;
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: dirMode });
    fs.chmodSync(dir, dirMode); // mkdir's mode is filtered by the umask
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  const uid = process.getuid ? process.getuid() : 0;
  // Someone else's directory could have our files swapped under us: never publish into it.
  if (st.uid !== uid && st.uid !== 0) throw Object.assign(new Error(`${dir} belongs to uid ${st.uid}, not to this user`), { code: 'EPERM' });
  const shells = path.join(dir, 'shells');
  const shellsMode = mode.system ? 0o1777 : 0o700;
  if (!fs.existsSync(shells)) fs.mkdirSync(shells, { mode: shellsMode });
  const sst = fs.lstatSync(shells);
  if (sst.isDirectory() && sst.uid === uid && (sst.mode & 0o7777) !== shellsMode) fs.chmodSync(shells, shellsMode);
}

/** Write `name` in `dir` atomically: a temp file in the same dir, fsync, rename over the old one. */
export function writeAtomic(dir: string, name: string, content: string, mode = 0o644): void {
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx', mode); // O_EXCL: never write through a planted symlink
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    fs.rmSync(tmp, { force: true }); // our own leftover from an interrupted write
    fd = fs.openSync(tmp, 'wx', mode);
  }
  try {
    fs.fchmodSync(fd, mode);
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, path.join(dir, name));
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Publish: state.json first (when given), then prompt (a shell that sees the new prompt finds the facts behind it). */
/**
 * state.json's text. The fleet view (most of the document with 200 members) is written out once
 * per view object, not at every state refresh: views are never changed once made (src/fleet/agent.ts).
 */
const fleetJson = oncePer((fleet: object) => JSON.stringify(fleet));
export function docText(doc: StateDoc): string {
  const { fleet, ...rest } = doc as StateDoc & { fleet?: unknown };
  if (!fleet || typeof fleet !== 'object') return JSON.stringify(doc);
  const f = fleetJson(fleet);
  const head = JSON.stringify(rest);
  return head === '{}' ? `{"fleet":${f}}` : `${head.slice(0, -1)},"fleet":${f}}`;
}

export function publishFiles(dir: string, doc: StateDoc | null, prompt: string, mode: StateDirMode): void {
  // Through a descriptor of the state dir, checked at each publish (util/state-dir.ts).
  const write = () =>
    withStateDirFd(dir, (d) => {
      if (doc) writeAtomic(d, 'state.json', docText(doc) + '\n');
      writeAtomic(d, 'prompt', prompt);
    });
  try {
    write();
  } catch (e) {
    // The state dir was removed under us (tmpfiles clean-up, an operator): make it again, once.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    ensureStateDir(dir, mode);
    write();
  }
}

/** Remove temp files left by watchers killed mid-write (their pid is gone). */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.(?:state\.json|prompt|footprint|watch\.pid)\.(\d+)\.tmp$/.exec(n); // every file written by rename here
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && fs.existsSync(`/proc/${pid}`)) continue;
    fs.rmSync(path.join(dir, n), { force: true });
  }
}

/** On a clean stop: no prompt file means "watcher not running" to every shell at once. */
export function removePrompt(dir: string): void {
  fs.rmSync(path.join(dir, 'prompt'), { force: true });
}
