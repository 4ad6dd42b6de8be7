// Live recolouring (docs/design.md §4): after publishing a new `prompt` file, the watcher tells every
// registered shell. zsh and fish get SIGUSR1 and redraw their prompt; bash cannot redraw from a
// trap, so its terminal gets OSC 11 (+ OSC 2) written to it directly.
//
// A registration is a file anyone may have planted (shells/ is 1777 under /run/safeops), and
// USR1 kills a process that does not handle it, so every check of DEVELOPERS.md ("Contract:
// the state directory") is made before acting, by a pure planner over gathered facts
// (src/watch/notify-plan.ts). This file gathers those facts and acts.
import fs from 'node:fs';
import path from 'node:path';
import type { PromptStyle } from '../shell/render.js';
import { escapesFor, MAX_REGISTRATION, parsePromptState, planNotification, registrationPid, startTimeFromStat, type NotifyAction, type RegistrationFacts } from './notify-plan.js';

/** The planner and the formats it reads: src/watch/notify-plan.ts (pure). */
export { escapesFor, parsePromptState, parseRegistration, planNotification, registrationPid, startTimeFromStat, type NotifyAction, type RegisteredShell, type Registration, type RegistrationFacts } from './notify-plan.js';

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

/** Per pass: entries read from shells/ and entries acted upon (the rest waits for later passes). */
export const NOTIFY_READ_CAP = 4096;
export const NOTIFY_ACT_CAP = 256;

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
