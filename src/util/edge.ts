// The edge: process.env, cwd, clock, host name and user, read once in main and passed down.
import fs from 'node:fs';
import os from 'node:os';
import { isatty } from './isatty.js';

export interface Edge {
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
  hostname: string;
  shortHostname: string;
  uid: number;
  userName: string;
  /** The user who ran sudo, if any. */
  sudoUser: string | null;
  tty: string | null;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/** The short host name: what an operator types to confirm (db-01, not db-01.prod.example.com). */
export function shortName(hostname: string): string {
  return hostname.split('.')[0] || hostname;
}

export function readEdge(): Edge {
  const hostname = os.hostname();
  let userName = process.env.USER || '';
  const uid = process.getuid ? process.getuid() : -1;
  if (!userName) {
    try {
      userName = os.userInfo().username;
    } catch {
      userName = String(uid);
    }
  }
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch {
    // The working directory was deleted under us: say so rather than crash.
    cwd = process.env.PWD || '/';
  }
  return {
    env: process.env,
    cwd,
    now: () => new Date(),
    hostname,
    shortHostname: shortName(hostname),
    uid,
    userName,
    sudoUser: process.env.SUDO_USER || null,
    // isatty, not process.stdin.isTTY: touching process.stdin builds a stream (~3 ms).
    tty: isatty(0) ? ttyName() : null,
    stdinIsTTY: isatty(0),
    stdoutIsTTY: isatty(1),
    stderrIsTTY: isatty(2),
  };
}

function ttyName(): string | null {
  try {
    // /proc/self/fd/0 links to /dev/pts/N for a terminal.
    return fs.readlinkSync('/proc/self/fd/0');
  } catch {
    return null;
  }
}

