// The demo's teardown deletes without following links (issue 15.1): a local user plants a tree in
// the demo dir's world-writable shells/ and swaps it for a symlink to a root-only tree, in a loop,
// while root tears the demo down; the root-only tree must survive every round. The deletes are
// checked with strace: every directory opened O_NOFOLLOW|O_DIRECTORY, every entry removed with
// unlinkat relative to a directory descriptor. (fs.protected_symlinks is 0 on hosts where this
// bites; the test reads it and says so, and changes nothing.)
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDemoDir } from '../../src/demo/teardown.js';
import { waitFor } from '../support/pg.js';
import { makeUser, type HostUser } from '../support/host-user.js';

let user: HostUser;
let victim: string;
const VICTIM_FILES = ['base/1/1259', 'global/pg_control', 'pg_wal/000000010000000000000001'];

function makeDemo(): string {
  const demo = fs.realpathSync(fs.mkdtempSync('/tmp/safeops-demo-'));
  fs.chmodSync(demo, 0o755);
  fs.mkdirSync(path.join(demo, 'shells'));
  fs.chmodSync(path.join(demo, 'shells'), 0o1777);
  return demo;
}

/** The user's racer: plants shells/plant (a tree), then swaps it with a symlink to the victim, forever. */
function startRacer(demo: string): ChildProcess {
  const sh = path.join(demo, 'shells');
  const script = [
    `cd ${sh} || exit 1`,
    'mkdir -p plant/base/1 plant/global plant/pg_wal',
    'for i in $(seq 1 300); do : > plant/base/1/f$i; done',
    'touch plant/ready',
    `while :; do mv plant real 2>/dev/null; ln -s ${victim} plant 2>/dev/null; rm -f plant 2>/dev/null; mv real plant 2>/dev/null; done`,
  ].join('\n');
  return spawn('runuser', ['-u', user.name, '--', 'bash', '-c', script], { stdio: 'ignore', detached: true });
}

function victimIntact(): boolean {
  return VICTIM_FILES.every((f) => fs.existsSync(path.join(victim, f)));
}

beforeAll(() => {
  user = makeUser();
  victim = fs.mkdtempSync('/tmp/safeops-victim-');
  fs.chmodSync(victim, 0o755); // the user may name it, not write it
  for (const f of VICTIM_FILES) {
    fs.mkdirSync(path.dirname(path.join(victim, f)), { recursive: true });
    fs.writeFileSync(path.join(victim, f), 'precious');
  }
});
afterAll(() => {
  user?.remove();
  if (victim) fs.rmSync(victim, { recursive: true, force: true });
});

describe('demo teardown against a racing symlink swap', () => {
  it(`root's teardown never deletes through the swapped link (many rounds; fs.protected_symlinks=${fs.readFileSync('/proc/sys/fs/protected_symlinks', 'utf8').trim()})`, async () => {
    for (let round = 0; round < 25; round++) {
      const demo = makeDemo();
      const racer = startRacer(demo);
      try {
        await waitFor(() => fs.existsSync(path.join(demo, 'shells', 'real', 'ready')) || fs.existsSync(path.join(demo, 'shells', 'plant', 'ready')) || undefined, 20_000, 'the plant');
        try {
          removeDemoDir(demo);
        } catch (e) {
          // The racer re-creates entries behind rm: "Directory not empty" is fine, deleting elsewhere is not.
          expect((e as Error).message).toMatch(/Directory not empty|No such file/);
        }
      } finally {
        if (racer.pid) {
          try {
            process.kill(-racer.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      expect(victimIntact(), `round ${round}: the root-only tree lost files`).toBe(true);
      // The racer may have re-created entries after rm's pass: the dir is gone or being re-run is safe.
      if (fs.existsSync(demo)) removeDemoDir(demo);
      expect(fs.existsSync(demo)).toBe(false);
    }
  }, 300_000);

  it('strace: directories opened O_NOFOLLOW|O_DIRECTORY, entries removed with unlinkat(dirfd, name)', () => {
    const demo = makeDemo();
    fs.mkdirSync(path.join(demo, 'shells', 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(demo, 'shells', 'a', 'b', 'f'), 'x');
    fs.symlinkSync(victim, path.join(demo, 'shells', 'link'));
    const out = path.join(path.dirname(demo), `${path.basename(demo)}.strace`);
    try {
      // The very command removeDemoDir runs (src/demo/teardown.ts), under strace.
      execFileSync('strace', ['-f', '-o', out, '-e', 'trace=openat,unlink,unlinkat,rmdir,newfstatat,fstatat64', 'rm', '-rf', '--one-file-system', '--', demo]);
      const lines = fs.readFileSync(out, 'utf8').split('\n');
      const deletes = lines.filter((l) => /\b(unlink|unlinkat|rmdir)\(/.test(l));
      expect(deletes.length).toBeGreaterThanOrEqual(5);
      // No path-based unlink/rmdir; every unlinkat relative to a directory descriptor, never AT_FDCWD with a path.
      expect(deletes.filter((l) => /\b(unlink|rmdir)\(/.test(l))).toEqual([]);
      // Relative to a directory descriptor and a plain name; only the demo dir itself (whose every
      // component removeDemoDir checked) by its path.
      for (const l of deletes) expect(l.includes(`unlinkat(AT_FDCWD, "${demo}", AT_REMOVEDIR)`) || /unlinkat\(\d+, "[^/"]+"/.test(l), l).toBe(true);
      const subdirOpens = lines.filter((l) => /openat\(\d+, "(shells|a|b)"/.test(l));
      expect(subdirOpens.length).toBeGreaterThanOrEqual(3);
      for (const l of subdirOpens) expect(l).toMatch(/O_NOFOLLOW/);
      for (const l of subdirOpens) expect(l).toMatch(/O_DIRECTORY/);
      // The link is removed as a link: never opened.
      expect(lines.some((l) => /openat\(\d+, "link"/.test(l))).toBe(false);
      expect(victimIntact()).toBe(true);
    } finally {
      fs.rmSync(out, { force: true });
      if (fs.existsSync(demo)) removeDemoDir(demo);
    }
  });

  it('refuses a demo dir that is a symlink, or whose ancestor another user can change', () => {
    const real = makeDemo();
    const link = `/tmp/safeops-demo-link-${process.pid}`;
    fs.symlinkSync(real, link);
    try {
      expect(() => removeDemoDir(link)).toThrow(/not our demo directory/);
      expect(fs.existsSync(real)).toBe(true);
      const open = fs.mkdtempSync('/tmp/safeops-open-');
      fs.chmodSync(open, 0o777); // world-writable, not sticky
      const inner = path.join(open, 'safeops-demo-x');
      fs.mkdirSync(inner);
      expect(() => removeDemoDir(inner)).toThrow(/could be changed by another user/);
      fs.rmSync(open, { recursive: true });
    } finally {
      fs.rmSync(link, { force: true });
      removeDemoDir(real);
    }
  });
});
