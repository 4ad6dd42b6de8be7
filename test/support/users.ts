// Throw-away OS users with sudoers rules, for tests of what safeops sees as whom. Everything made
// here is removed by removeTestUsers() (call it in afterAll), and at process exit if a test dies.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const users = new Set<string>();
const sudoers = new Set<string>();
let hooked = false;

/** Remove every user (with its home) and sudoers file made here. Never throws. */
export function removeTestUsers(): void {
  for (const f of sudoers) {
    try {
      fs.rmSync(f, { force: true });
    } catch {
      /* already gone */
    }
    sudoers.delete(f);
  }
  for (const u of users) {
    try {
      execFileSync('pkill', ['-KILL', '-u', u], { stdio: 'ignore' });
    } catch {
      /* no process left */
    }
    try {
      execFileSync('userdel', ['-r', '-f', u], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    users.delete(u);
  }
}

function hook() {
  if (hooked) return;
  hooked = true;
  process.once('exit', removeTestUsers);
}

/** A new user `safeops-<tag>-<rand>` with a home; returns its name and uid. */
export function createTestUser(tag: string): { name: string; uid: number } {
  hook();
  const name = `sof1${tag}${Math.random().toString(36).slice(2, 8)}`.slice(0, 30);
  execFileSync('useradd', ['-m', '-s', '/bin/bash', name], { stdio: 'ignore' });
  users.add(name);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  return { name, uid };
}

/** Install a sudoers rule (`/etc/sudoers.d/safeops-test-<rand>`), checked with visudo first. */
export function addSudoers(rule: string): string {
  hook();
  const file = `/etc/sudoers.d/safeops-test-${Math.random().toString(36).slice(2, 10)}`;
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, rule.endsWith('\n') ? rule : rule + '\n', { mode: 0o440 });
  try {
    execFileSync('visudo', ['-cqf', tmp], { stdio: 'pipe' });
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  sudoers.add(file);
  fs.renameSync(tmp, file);
  return file;
}
