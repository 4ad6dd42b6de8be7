// Small facts about single argv words: program names and path-likeness.
import path from 'node:path';
import { GUARDED_TOOLS, type GuardedTool } from './types.js';

const GUARDED: ReadonlySet<string> = new Set(GUARDED_TOOLS);

/** The program a word names, as the kernel would look it up: `/usr/bin/sudo` -> `sudo`. */
export function programName(word: string): string {
  return path.posix.basename(word);
}

/** The guarded tool a command word runs (`/opt/wal-g/wal-g` -> `wal-g`), or null. */
export function guardedToolOf(word: string): GuardedTool | null {
  const name = programName(word);
  if (GUARDED.has(name)) return name as GuardedTool;
  // mkfs.ext4, mkfs.xfs ...: mkfs front ends, read as mkfs.
  return /^mkfs\.[A-Za-z0-9_.-]+$/.test(name) ? 'mkfs' : null;
}

/** A word that reads as a file system path: contains `/`, is `.` or `..`, or starts with `~`. */
export function isPathLike(word: string): boolean {
  return word.includes('/') || word === '.' || word === '..' || word.startsWith('~');
}

/** Appends `item` unless an equal string is already there. */
export function pushUnique(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}
