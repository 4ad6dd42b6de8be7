// Live recolouring (docs/design.md §4): after publishing a new `prompt` file, the watcher tells every
// registered shell. zsh and fish get SIGUSR1 and redraw their prompt; bash cannot redraw from a
// trap, so its terminal gets OSC 11 (+ OSC 2) written to it directly.
//
// A registration is a file anyone may have planted (shells/ is 1777 under /run/safeops), and
// USR1 kills a process that does not handle it, so every check of DEVELOPERS.md ("Contract:
// the state directory") is made before acting, by a pure planner over gathered facts.
import fs from 'node:fs';
import path from 'node:path';
import type { PromptStyle } from '../shell/render.js';
import { parsePromptFile } from '../contract.js';

export type RegisteredShell = 'bash' | 'zsh' | 'fish';

export interface Registration {
  pid: number;
  /** Field 22 of /proc/<pid>/stat when the shell registered (clock ticks since boot). */
  start: string;
  shell: RegisteredShell;
}

export interface NotifyOptions {
  /** OSC 11 colour for a role (`#rrggbb`), or null to reset the background (OSC 111). */
  colorFor(role: PromptStyle): string | null;
  /** OSC 2 title for a role and its label, or null for no title. */
  titleFor(role: PromptStyle, label: string): string | null;
  /** Never write escapes to a terminal (bash shells are then left alone). */
  noEscapes?: boolean;
  log?(line: string): void;
}

export interface NotifyReport {
  /** zsh and fish shells sent SIGUSR1. */
  signalled: number[];
  /** bash shells whose terminal got OSC 11 / OSC 2. */
  written: number[];
  /** Registrations removed: dead or recycled pids, or failing a check. */
  deleted: Array<{ name: string; reason: string }>;
  /** Entries left alone, and why. */
  skipped: Array<{ name: string; reason: string }>;
  /** More entries than one pass handles: the rest waits for the next pass. */
  truncated?: boolean;
}

/** shells/ directories whose flood was logged already (cleared once a pass sees them all). */
const floodLogged = new Set<string>();

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
/** Per pass: entries read from shells/ and entries acted upon (the rest waits for later passes). */
export const NOTIFY_READ_CAP = 4096;
export const NOTIFY_ACT_CAP = 256;
const PTS = /^\/dev\/pts\/[0-9]{1,9}$/;
const MAX_REGISTRATION = 4096;

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

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

function readStartTime(pid: number): string | null {
  try {
    return startTimeFromStat(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/** Gather the facts about one entry of shells/ (no decision here). */
export function gatherFacts(shellsDir: string, name: string): RegistrationFacts {
  const file = ((): RegistrationFacts['file'] => {
    let fd: number;
    try {
      // O_NOFOLLOW: a planted link is seen as one; O_NONBLOCK: a FIFO cannot hang us.
      fd = fs.openSync(path.join(shellsDir, name), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } catch (e) {
      const code = errCode(e);
      if (code === 'ELOOP') return { kind: 'symlink' };
      if (code === 'ENOENT') return { kind: 'gone' };
      return { kind: 'error', message: code };
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return { kind: 'not-regular' };
      if (st.size > MAX_REGISTRATION) return { kind: 'too-big' };
      const buf = Buffer.alloc(MAX_REGISTRATION + 1);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      if (n > MAX_REGISTRATION) return { kind: 'too-big' };
      return { kind: 'regular', uid: st.uid, text: buf.subarray(0, n).toString('latin1') };
    } catch (e) {
      return { kind: 'error', message: errCode(e) };
    } finally {
      fs.closeSync(fd);
    }
  })();
  const regPid = registrationPid(name);
  if (regPid === null) return { name, file, proc: { kind: 'error', message: 'not a pid' }, tty: { kind: 'none', detail: 'not looked at' } };
  const pid = regPid;
  const proc = ((): RegistrationFacts['proc'] => {
    try {
      const st = fs.statSync(`/proc/${pid}`);
      let comm: string | null = null;
      try {
        comm = fs.readFileSync(`/proc/${pid}/comm`, 'latin1').replace(/\n$/, '');
      } catch {
        comm = null;
      }
      return { kind: 'alive', uid: st.uid, startTime: readStartTime(pid), comm };
    } catch (e) {
      return errCode(e) === 'ENOENT' ? { kind: 'dead' } : { kind: 'error', message: errCode(e) };
    }
  })();
  const tty = ((): RegistrationFacts['tty'] => {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/0`);
      const st = fs.statSync(`/proc/${pid}/fd/0`);
      return { kind: 'ok', path: target, isCharDevice: st.isCharacterDevice(), uid: st.uid, rdev: st.rdev };
    } catch (e) {
      return { kind: 'none', detail: errCode(e) };
    }
  })();
  return { name, file, proc, tty };
}

/** Write `bytes` to a bash shell's terminal, re-checking after open that it is the one judged. */
function writeToTerminal(action: Extract<NotifyAction, { kind: 'write' }>, bytes: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(action.tty, fs.constants.O_WRONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (e) {
    return `cannot open ${action.tty}: ${errCode(e)}`;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isCharacterDevice() || st.uid !== action.uid || st.rdev !== action.rdev) return `${action.tty} changed since it was checked`;
    if (readStartTime(action.pid) !== action.start) return 'the shell exited meanwhile';
    fs.writeSync(fd, bytes);
    return null;
  } catch (e) {
    // EAGAIN: the terminal is not reading (stopped with Ctrl-S); the next prompt catches up.
    return `cannot write to ${action.tty}: ${errCode(e)}`;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Tell every shell registered in `<stateDir>/shells/` that the `prompt` file changed.
 * Signals only registered zsh/fish shells and writes only to registered bash shells' own
 * terminals, after every check; removes registrations that fail them.
 */
export async function notifyShells(stateDir: string, opts: NotifyOptions): Promise<NotifyReport> {
  const report: NotifyReport = { signalled: [], written: [], deleted: [], skipped: [] };
  const log = opts.log ?? (() => {});
  const shellsDir = path.join(stateDir, 'shells');
  // shells/ must be a real directory of ours: deleting entries through a link planted in its
  // place would delete files elsewhere.
  try {
    const st = fs.lstatSync(shellsDir);
    const euid = process.geteuid?.() ?? -1;
    if (!st.isDirectory() || (st.uid !== euid && st.uid !== 0)) {
      log(`notify: ${shellsDir} is not a directory owned by uid ${euid} or root; no shell was told`);
      return report;
    }
  } catch (e) {
    if (errCode(e) !== 'ENOENT') log(`notify: cannot use ${shellsDir}: ${errCode(e)}`);
    return report;
  }
  // Bounded work per pass (issue 15 item 6): shells/ is world-writable, and 60,000 planted
  // entries must not stall the watcher. Streamed, at most NOTIFY_READ_CAP names read and
  // NOTIFY_ACT_CAP acted upon; the event loop gets a turn every 32 entries.
  const names: string[] = [];
  let more = false;
  try {
    const dir = fs.opendirSync(shellsDir, { bufferSize: 128 });
    try {
      for (let ent = dir.readSync(); ent !== null; ent = dir.readSync()) {
        if (names.length >= NOTIFY_READ_CAP) {
          more = true;
          break;
        }
        names.push(ent.name);
      }
    } finally {
      dir.closeSync();
    }
  } catch (e) {
    log(`notify: cannot list ${shellsDir}: ${errCode(e)}`);
    return report;
  }
  let state: { role: PromptStyle; label: string };
  try {
    state = parsePromptState(fs.readFileSync(path.join(stateDir, 'prompt'), 'latin1'));
  } catch {
    state = { role: 'stale', label: 'STALE' };
  }
  const bytes = escapesFor(opts.colorFor(state.role), opts.titleFor(state.role, state.label));

  let acted = 0;
  let seen = 0;
  for (const name of names.sort()) {
    if (++seen % 32 === 0) await new Promise<void>((r) => setImmediate(r));
    if (acted >= NOTIFY_ACT_CAP) {
      more = true;
      break;
    }
    acted++;
    if (registrationPid(name) === null) {
      // Nothing but registrations belongs here: a planted name is removed (unlink never
      // follows a link), so a flood drains pass by pass instead of hiding real shells.
      try {
        fs.unlinkSync(path.join(shellsDir, name));
        report.deleted.push({ name, reason: 'not a registration name' });
      } catch (e) {
        report.skipped.push({ name, reason: `not a registration name; cannot remove it: ${errCode(e)}` });
      }
      continue;
    }
    const action = planNotification(gatherFacts(shellsDir, name));
    switch (action.kind) {
      case 'skip':
        report.skipped.push({ name, reason: action.reason });
        break;
      case 'delete':
        try {
          fs.unlinkSync(path.join(shellsDir, name));
          report.deleted.push({ name, reason: action.reason });
          if (report.deleted.length <= 8) log(`notify: removed registration ${name}: ${action.reason}`);
        } catch (e) {
          report.skipped.push({ name, reason: `${action.reason}; cannot remove it: ${errCode(e)}` });
        }
        break;
      case 'signal':
        // Re-read the start time right before the signal: the window for a recycled pid is
        // the few microseconds between two syscalls.
        if (readStartTime(action.pid) !== action.start) {
          report.skipped.push({ name, reason: 'the shell exited meanwhile' });
          break;
        }
        try {
          process.kill(action.pid, 'SIGUSR1');
          report.signalled.push(action.pid);
        } catch (e) {
          report.skipped.push({ name, reason: `cannot signal: ${errCode(e)}` });
        }
        break;
      case 'write': {
        if (opts.noEscapes || bytes === '') {
          report.skipped.push({ name, reason: 'escapes are off' });
          break;
        }
        const problem = writeToTerminal(action, bytes);
        if (problem) report.skipped.push({ name, reason: problem });
        else report.written.push(action.pid);
        break;
      }
    }
  }
  // Said once per flood, not once per pass (nor once per entry).
  if (more && !floodLogged.has(shellsDir)) {
    floodLogged.add(shellsDir);
    log(`notify: ${shellsDir} holds more entries than one pass handles (${NOTIFY_ACT_CAP}); the rest waits for later passes (removed ${report.deleted.length} this pass)`);
  } else if (!more) floodLogged.delete(shellsDir);
  if (report.deleted.length > 8) log(`notify: removed ${report.deleted.length} registrations this pass (${report.deleted.length - 8} not listed)`);
  report.truncated = more;
  return report;
}
