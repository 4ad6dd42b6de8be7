// /proc as files: a process's stat, command line, environment, and the list of pids. Every reader
// answers null (or -1, or []) when the process is gone or not ours to read: callers fail closed.
import fs from 'node:fs';

/** Linux reports process start times in clock ticks; USER_HZ is 100 on every Linux ABI we run on. */
const CLK_TCK = 100;

let bootTimeCache: number | null | undefined;
/** Boot time (epoch seconds) from /proc/stat `btime`. */
export function bootTime(): number | null {
  if (bootTimeCache !== undefined) return bootTimeCache;
  try {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    bootTimeCache = m ? Number(m[1]) : null;
  } catch {
    bootTimeCache = null;
  }
  return bootTimeCache;
}

export interface ProcStat {
  ppid: number;
  /** Field 22: start time in clock ticks since boot (identity of a pid across reuse). */
  startTicks: number;
  ttyNr: number;
  uid: number | null;
}

/** Parse /proc/<pid>/stat; the comm field may contain spaces and parentheses. */
export function parseProcStat(text: string): { ppid: number; startTicks: number; ttyNr: number } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).split(' ');
  // After "pid (comm) ": f[0]=state(3) f[1]=ppid(4) ... f[4]=tty_nr(7) ... f[19]=starttime(22)
  const ppid = Number(f[1]);
  const ttyNr = Number(f[4]);
  const startTicks = Number(f[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTicks)) return null;
  return { ppid, startTicks, ttyNr };
}

export function readProcStat(pid: number): ProcStat | null {
  try {
    const parsed = parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!parsed) return null;
    let uid: number | null = null;
    try {
      uid = fs.statSync(`/proc/${pid}`).uid;
    } catch {
      uid = null;
    }
    return { ...parsed, uid };
  } catch {
    return null;
  }
}

/** Start time of a process in epoch seconds, or null. */
export function procStartEpoch(stat: ProcStat): number | null {
  const bt = bootTime();
  return bt === null ? null : bt + stat.startTicks / CLK_TCK;
}

export function readCmdline(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!raw) return null;
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return null;
  }
}

/**
 * The first `buf.length` bytes of /proc/<pid>/cmdline into `buf`, without reading it all (a
 * busy host has hundreds of backends): the count read, or -1 when it cannot be read.
 */
export function readCmdlineHead(pid: number, buf: Buffer): number {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/cmdline`, 'r');
  } catch {
    return -1;
  }
  try {
    return fs.readSync(fd, buf, 0, buf.length, 0);
  } catch {
    return -1;
  } finally {
    fs.closeSync(fd);
  }
}

/** The pids in /proc ([] when /proc cannot be listed). */
export function listPids(): number[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) if (/^\d+$/.test(n)) out.push(Number(n));
  return out;
}

/** One variable of a process's environment (private to its owner and root), or null. */
export function envValue(pid: number, name: string): string | null {
  try {
    const entry = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(`${name}=`));
    return entry === undefined ? null : entry.slice(name.length + 1);
  } catch {
    return null;
  }
}
