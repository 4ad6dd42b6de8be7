// The server log's own words about a failed archive command: where the log is, and its last
// failure line, read from a bounded tail (never a whole file, never through a link).
import fs from 'node:fs';
import path from 'node:path';

const FAILURE_RE = /archive command (?:failed|was terminated|was terminated by (?:signal|exception))|archiving (?:write-ahead log|WAL) file .* failed too many times|archive_command .*(?:failed|not found)|could not execute archive command/i;
const TAIL_BYTES = 65536;

/** Control bytes never reach a terminal or the journal. */
const clean = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

/** The last line of `text` about a failed archive command (with the DETAIL line after it). Pure. */
export function lastArchiveFailure(text: string): string | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!FAILURE_RE.test(lines[i]!)) continue;
    let line = lines[i]!.trim();
    const next = lines[i + 1];
    if (next && /DETAIL:\s+The failed archive command was/i.test(next)) line += ' ' + next.trim().replace(/^.*DETAIL:\s+/, 'DETAIL: ');
    return clean(line).slice(0, 400);
  }
  return null;
}

/** Bounded read of the end of a file (regular files only). */
function tail(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    const len = Math.min(TAIL_BYTES, st.size);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, st.size - len);
    return buf.toString('utf8');
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** The server log: the collector's current file (pg_current_logfile()), else the postmaster's stderr when it is a file. */
export function serverLogFile(dataDir: string, pid: number | null, currentLogfile: string | null): string | null {
  if (currentLogfile) return path.resolve(dataDir, currentLogfile);
  if (pid === null) return null;
  try {
    const target = fs.readlinkSync(`/proc/${pid}/fd/2`);
    if (target.startsWith('/') && !target.startsWith('/dev/')) return target.replace(/ \(deleted\)$/, '');
  } catch {
    // not ours to read
  }
  return null;
}

export function readLastFailure(file: string | null): string | null {
  if (!file) return null;
  const text = tail(file);
  return text === null ? null : lastArchiveFailure(text);
}
