// The shell notifier's planner (pure): what to do with one entry of the state dir's shells/ —
// signal a zsh or fish, write escapes to a bash's terminal, remove it, or leave it — decided from
// the facts src/watch/notify.ts gathered about it, by every check of docs/design.md §4 (a
// registration is a file anyone may have planted, and USR1 kills a process that does not handle
// it). Also the formats it reads: registrations, /proc/<pid>/stat, the prompt file's role.
import type { PromptStyle } from '../shell/render.js';
import { parsePromptFile } from '../contract.js';

export type RegisteredShell = 'bash' | 'zsh' | 'fish';

export interface Registration {
  pid: number;
  /** Field 22 of /proc/<pid>/stat when the shell registered (clock ticks since boot). */
  start: string;
  shell: RegisteredShell;
}

/** What the notifier found about one entry of shells/: everything the planner decides from. */
export interface RegistrationFacts {
  name: string;
  file:
    | { kind: 'regular'; uid: number; text: string }
    | { kind: 'symlink' | 'not-regular' | 'too-big' | 'gone' }
    | { kind: 'error'; message: string };
  proc:
    | { kind: 'alive'; uid: number; startTime: string | null; comm: string | null }
    | { kind: 'dead' }
    | { kind: 'error'; message: string };
  /** The shell's stdin (/proc/<pid>/fd/0): where it points and what that is. */
  tty: { kind: 'ok'; path: string; isCharDevice: boolean; uid: number; rdev: number } | { kind: 'none'; detail: string };
}

export type NotifyAction =
  | { kind: 'signal'; pid: number; start: string; shell: 'zsh' | 'fish' }
  | { kind: 'write'; pid: number; start: string; tty: string; uid: number; rdev: number }
  | { kind: 'delete'; reason: string }
  | { kind: 'skip'; reason: string };

const PID_NAME = /^[1-9][0-9]{0,9}$/;
/** A registration's name: the shell's pid, or `<pid>.<random digits>` (bash, whose `set -C`
 *  is only safe on a name nobody can plant in advance: docs/shell-routing.md). */
const REG_NAME = /^([1-9][0-9]{0,9})(?:\.[0-9]{1,40})?$/;
/** The pid a registration's name stands for, or null when the name is no registration's. */
export function registrationPid(name: string): number | null {
  const m = REG_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

const PTS = /^\/dev\/pts\/[0-9]{1,9}$/;
/** A registration file is at most this long. */
export const MAX_REGISTRATION = 4096;

/** Parse a registration file (`safeops-shell 1`, `pid`, `start`, `shell`); null when malformed. */
export function parseRegistration(text: string): Registration | null {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== 4 || lines[0] !== 'safeops-shell 1') return null;
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = /^(pid|start|shell) ([^\s]+)$/.exec(line);
    if (!m || fields.has(m[1]!)) return null;
    fields.set(m[1]!, m[2]!);
  }
  const pid = fields.get('pid') ?? '';
  const start = fields.get('start') ?? '';
  const shell = fields.get('shell') ?? '';
  if (!PID_NAME.test(pid) || !/^[0-9]{1,20}$/.test(start) || !(shell === 'bash' || shell === 'zsh' || shell === 'fish')) return null;
  return { pid: Number(pid), start, shell };
}

/** Field 22 (start time) of a /proc/<pid>/stat line; counted after the last ')', since field 2
 *  (comm) may itself contain spaces and parentheses. */
export function startTimeFromStat(stat: string): string | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const rest = stat.slice(close + 1).trim().split(/\s+/);
  const v = rest[22 - 3];
  return v !== undefined && /^[0-9]+$/.test(v) ? v : null;
}

/** The role and label of a `prompt` file, or stale when it is not a valid one (src/contract.ts). */
export function parsePromptState(text: string): { role: PromptStyle; label: string } {
  const f = parsePromptFile(text);
  return f ? { role: f.role, label: f.label || f.role } : { role: 'stale', label: 'STALE' };
}

/** Decide what to do with one registration, from the facts alone (pure). */
export function planNotification(f: RegistrationFacts): NotifyAction {
  if (registrationPid(f.name) === null) return { kind: 'skip', reason: 'not a registration (the name is not a pid)' };
  switch (f.file.kind) {
    case 'gone':
      return { kind: 'skip', reason: 'gone' };
    case 'error':
      return { kind: 'skip', reason: `unreadable: ${f.file.message}` };
    case 'symlink':
      return { kind: 'delete', reason: 'a symbolic link, not a regular file' };
    case 'not-regular':
      return { kind: 'delete', reason: 'not a regular file' };
    case 'too-big':
      return { kind: 'delete', reason: `larger than ${MAX_REGISTRATION} bytes` };
    case 'regular':
      break;
  }
  const reg = parseRegistration(f.file.text);
  if (!reg) return { kind: 'delete', reason: 'malformed registration' };
  if (reg.pid !== registrationPid(f.name)) return { kind: 'delete', reason: `names pid ${reg.pid}, not ${f.name}` };
  if (f.proc.kind === 'dead') return { kind: 'delete', reason: 'the process is gone' };
  if (f.proc.kind === 'error') return { kind: 'skip', reason: `cannot read the process: ${f.proc.message}` };
  if (f.file.uid !== f.proc.uid) return { kind: 'delete', reason: `file owned by uid ${f.file.uid}, process by uid ${f.proc.uid}` };
  if (f.proc.startTime !== reg.start) return { kind: 'delete', reason: `start time ${f.proc.startTime ?? '?'} is not the registered ${reg.start}: the pid was recycled` };
  // Beyond the contract, and cheap: after `exec bash` from a registered zsh the pid and start
  // time stay the same, but a bash without our trap would die of USR1.
  if (f.proc.comm === null || !f.proc.comm.replace(/^-/, '').startsWith(reg.shell)) return { kind: 'delete', reason: `the process is ${JSON.stringify(f.proc.comm)}, not ${reg.shell}` };
  if (f.tty.kind === 'none') return { kind: 'delete', reason: `no terminal on stdin (${f.tty.detail})` };
  if (!PTS.test(f.tty.path)) return { kind: 'delete', reason: `stdin is ${f.tty.path}, not a /dev/pts terminal` };
  if (!f.tty.isCharDevice) return { kind: 'delete', reason: `${f.tty.path} is not a character device` };
  if (f.tty.uid !== f.proc.uid) return { kind: 'delete', reason: `${f.tty.path} is owned by uid ${f.tty.uid}, the shell runs as uid ${f.proc.uid}` };
  if (reg.shell === 'bash') return { kind: 'write', pid: reg.pid, start: reg.start, tty: f.tty.path, uid: f.tty.uid, rdev: f.tty.rdev };
  return { kind: 'signal', pid: reg.pid, start: reg.start, shell: reg.shell };
}

/** The bytes written to a bash shell's terminal: OSC 11 (or OSC 111) and OSC 2. */
export function escapesFor(color: string | null, title: string | null): string {
  let out = '';
  if (color === null) out += '\x1b]111\x07';
  else if (/^(#[0-9a-fA-F]{6}|rgb:[0-9a-fA-F]{2}\/[0-9a-fA-F]{2}\/[0-9a-fA-F]{2})$/.test(color)) out += `\x1b]11;${color}\x07`;
  if (title !== null) {
    // Printable ASCII only: nothing in a title can end the sequence or start another one.
    const clean = title.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
    out += `\x1b]2;${clean}\x07`;
  }
  return out;
}
