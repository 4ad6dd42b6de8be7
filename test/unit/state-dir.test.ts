// Whose state dir safeops reads (issue 15 item 5): root ignores XDG_RUNTIME_DIR, and a dir
// owned by another user (or a symlink) is never read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findStateDir, isTrustedStateDir, stateDirCandidates } from '../../src/util/state-dir.js';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-statedir-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('root never takes XDG_RUNTIME_DIR; a user does', () => {
  expect(stateDirCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, 0)).toEqual(['/run/safeops']);
  expect(stateDirCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toEqual(['/run/user/1000/safeops', '/run/safeops']);
  expect(stateDirCandidates({ SAFEOPS_STATE_DIR: '/x', XDG_RUNTIME_DIR: '/run/user/1000' }, 0)).toEqual(['/x']);
});

test('only a real directory owned by us or root is trusted', () => {
  const mine = path.join(tmp, 'mine');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'state.json'), '{}');
  const theirs = path.join(tmp, 'theirs');
  fs.mkdirSync(theirs);
  fs.writeFileSync(path.join(theirs, 'state.json'), '{}');
  fs.chownSync(theirs, 65534, 65534);
  const link = path.join(tmp, 'link');
  fs.symlinkSync(mine, link);
  const euid = process.geteuid!();
  expect(isTrustedStateDir(mine, euid)).toBe(true);
  expect(isTrustedStateDir(theirs, euid)).toBe(euid === 65534);
  expect(isTrustedStateDir(link, euid)).toBe(false);
  expect(isTrustedStateDir(path.join(tmp, 'absent'), euid)).toBe(false);
  expect(findStateDir({ SAFEOPS_STATE_DIR: mine })).toBe(mine);
  expect(findStateDir({ SAFEOPS_STATE_DIR: theirs })).toBeNull();
  expect(findStateDir({ SAFEOPS_STATE_DIR: link })).toBeNull();
});
