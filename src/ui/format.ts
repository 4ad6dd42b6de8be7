// Pure text helpers for the confirmation screen: numbers, sizes, times, shell quoting, and
// making untrusted text (paths, command output) safe to print on a terminal.
import { escapeText, shellCommand, shellQuote } from '../util/escape.js';

/** 12345 -> "12,345" (fixed, not locale-dependent: frames must not change with LANG). */
export function formatCount(n: number): string {
  return Math.trunc(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes in IEC units, as du -h shows them: "512 B", "1.2 GiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** How long ago an ISO time was: "3 s ago", "2 min ago", "5 h ago". */
export function formatAge(iso: string | null, nowMs: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return 'at an unknown time';
  const s = Math.round((nowMs - t) / 1000);
  if (s < 0) return 'just now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

/** Local wall-clock time of an ISO time, "03:12:05" (the operator's terminal clock). */
export function clockTime(iso: string | null): string {
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return '??:??:??';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** One argument quoted for a POSIX shell, so that what is shown is exactly what runs (src/util/escape.ts). */
export const quoteArg = shellQuote;

/** The whole command on one line, each argument shell-quoted. */
export const formatCommand = shellCommand;

/** Text from the host (a path, a cluster name) with control and invisible characters made visible. */
export const printable = escapeText;

/**
 * A command's output made safe to show inside the screen: escape sequences (its colours)
 * removed, tabs expanded, carriage-return progress lines reduced to their last state, other
 * control characters made visible. Returns lines.
 */
export function outputLines(s: string): string[] {
  // eslint-disable-next-line no-control-regex
  const noEsc = s.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g, '');
  const lines = noEsc.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => printable((l.split('\r').pop() ?? '').replace(/\t/g, '    ')));
}
