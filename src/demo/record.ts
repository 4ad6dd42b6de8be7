// The demo's record (`<dir>/demo.json`): everything it started, written before each step, so
// whoever tears it down (the demo itself, or its reaper after a SIGKILL) knows what to stop.
import fs from 'node:fs';
import path from 'node:path';
import { readProcStat } from '../facts/procfs.js';

export const DEMO_SCHEMA = 'safeops.demo/1';
/** Every demo dir is named like this; the reaper refuses to touch anything else. */
export const DEMO_DIR_PREFIX = 'safeops-demo-';

/** A process we started, known by pid and start time (a recycled pid is not ours). */
export interface OwnProcess {
  pid: number;
  startTicks: number;
}

export interface DemoNode {
  name: 'primary' | 'standby';
  dataDir: string;
  port: number;
  logFile: string;
}

export interface DemoRecord {
  schema: typeof DEMO_SCHEMA;
  dir: string;
  /** The OS user the servers run as (postgres when the demo runs as root). */
  serverUser: string;
  /** Set when the servers' commands go through `runuser -u serverUser`. */
  runuser: boolean;
  pgBin: string;
  socketDir: string;
  stateDir: string;
  nodes: DemoNode[];
  watcher: OwnProcess | null;
  shell: OwnProcess | null;
  /** --keep: stop everything but leave the files. */
  keep: boolean;
}

export const recordPath = (dir: string): string => path.join(dir, 'demo.json');

/** Write the record atomically (temp + rename). */
export function saveRecord(rec: DemoRecord): void {
  const tmp = `${recordPath(rec.dir)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, recordPath(rec.dir));
}

/** The record in `dir`, or null when it is missing, unreadable or not ours. */
export function loadRecord(dir: string): DemoRecord | null {
  try {
    const rec = JSON.parse(fs.readFileSync(recordPath(dir), 'utf8')) as DemoRecord;
    return rec && rec.schema === DEMO_SCHEMA && rec.dir === dir ? rec : null;
  } catch {
    return null;
  }
}

/** pid and start time of a live process, to recognise it later. */
export function ownProcess(pid: number | undefined): OwnProcess | null {
  if (!pid) return null;
  const st = readProcStat(pid);
  return st ? { pid, startTicks: st.startTicks } : null;
}

/** True while `p` is still the very process we started (not a recycled pid, not a zombie). */
export function stillOurs(p: OwnProcess | null): p is OwnProcess {
  if (!p) return false;
  try {
    const stat = fs.readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    return false;
  }
  return readProcStat(p.pid)?.startTicks === p.startTicks;
}
