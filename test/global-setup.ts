// Runs once around the whole suite (vitest globalSetup), in the main process, before any worker
// is forked: the workers inherit the environment set here.
//
// 1. One run directory, `$TMPDIR/safeops-run-XXXXXX` (mode 1777 like /tmp), becomes TMPDIR and
//    TMUX_TMPDIR for every test: whatever a test leaves behind (temp dirs, tmux sockets) is under
//    it, and teardown removes it: the suite leaves nothing in /tmp, also when a test fails.
// 2. Tests run safeops as other users (postgres for pg_ctl, plain users for shells). When the
//    checkout is one they cannot read (`/root/safeops`, mode 0700), the built files they run are
//    copied into the run directory and SAFEOPS_TEST_RUN_ROOT names the copy (test/support/cli.ts).
// 3. Teardown stops what a crashed test left running under the run directory: tmux servers,
//    PostgreSQL servers, other processes whose working directory is inside, and mounts; and drops
//    the Debian test clusters (`safeops_t_*`) of this run or of a killed earlier one.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
/** What a test may run as another user: the bundle, fixtures, shell templates and completions. */
const RUN_PARTS = ['dist', 'test/fixtures', 'shell', 'completions', 'systemd', 'package.json'];

function readableBy(user: string, file: string): boolean {
  if (process.getuid?.() !== 0) return true; // not root: the suite's other users are not ours to use
  const r = spawnSync('runuser', ['-u', user, '--', 'test', '-r', file], { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

// vitest runs a globalSetup once per project (the suite has two), each in a module instance of
// its own: the first one makes the run directory, the last teardown removes it.
function refs(delta: number): number {
  const n = Number(process.env.SAFEOPS_TEST_RUN_REFS ?? 0) + delta;
  process.env.SAFEOPS_TEST_RUN_REFS = String(n);
  return n;
}

export function setup(): void {
  if (refs(1) > 1) return;
  const base = process.env.TMPDIR && path.isAbsolute(process.env.TMPDIR) ? process.env.TMPDIR : '/tmp';
  const run = fs.mkdtempSync(path.join(base, 'safeops-run-'));
  fs.chmodSync(run, 0o1777);
  process.env.SAFEOPS_TEST_RUN_DIR = run;
  process.env.TMPDIR = run;
  process.env.TMUX_TMPDIR = run;

  const bin = path.join(ROOT, 'dist/safeops.cjs');
  if (fs.existsSync(bin) && !readableBy('postgres', bin)) {
    const copy = path.join(run, 'checkout');
    fs.mkdirSync(copy, { mode: 0o755 });
    for (const part of RUN_PARTS) {
      const from = path.join(ROOT, part);
      if (fs.existsSync(from)) fs.cpSync(from, path.join(copy, part), { recursive: true });
    }
    execFileSync('chmod', ['-R', 'a+rX', copy]);
    // The lazily loaded parts import a few packages at run time (etcd3 reads its .proto files from
    // its own directory): root's processes find them through this link; other users do not need them.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    if (!readableBy('postgres', path.join(copy, 'dist/safeops.cjs'))) {
      throw new Error(`test setup: postgres cannot read ${copy} either (is ${base} readable by other users?)`);
    }
    process.env.SAFEOPS_TEST_RUN_ROOT = copy;
    console.log(`test setup: ${ROOT} is not readable by postgres; tests run the copy in ${copy}`);
  }
}

/** Pids of processes whose working directory or executable lies inside `dir`. */
function processesInside(dir: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    for (const link of ['cwd', 'exe']) {
      try {
        const target = fs.readlinkSync(`/proc/${name}/${link}`);
        if (target === dir || target.startsWith(`${dir}/`)) {
          found.push(Number(name));
          break;
        }
      } catch {
        // gone, or a kernel thread
      }
    }
  }
  return found;
}

function mountsInside(dir: string): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

export function teardown(): void {
  if (refs(-1) > 0) return;
  const run = process.env.SAFEOPS_TEST_RUN_DIR;
  if (!run || !run.includes('safeops-run-') || !fs.existsSync(run)) return;
  // tmux servers started by tests: their sockets are under $TMUX_TMPDIR/tmux-<uid>/.
  for (const d of fs.readdirSync(run).filter((n) => n.startsWith('tmux-'))) {
    for (const sock of fs.readdirSync(path.join(run, d))) {
      spawnSync('tmux', ['-S', path.join(run, d, sock), 'kill-server'], { stdio: 'ignore', timeout: 10_000 });
    }
  }
  dropTestDebianClusters(run);
  // Servers and other processes a failed test left running in its temp dirs.
  const left = processesInside(run);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100 && left.some(alive); i++) spawnSync('sleep', ['0.05']); // bounded wait for the kills to land
  for (const m of mountsInside(run)) spawnSync('umount', ['-l', m], { stdio: 'ignore', timeout: 10_000 });
  // Nothing under run is mounted any more: a plain recursive delete cannot leave the tree.
  spawnSync('/bin/rm', ['-rf', '--one-file-system', run], { stdio: 'ignore', timeout: 120_000 });
  if (left.length) console.log(`test teardown: killed ${left.length} process(es) left under ${run}`);
}

/**
 * Debian clusters a test made with pg_createcluster (named `safeops_t_*`) whose data directory is
 * inside this run, or gone (a run killed before its afterAll): dropped, so that /etc/postgresql
 * does not keep a cluster every later `pg_lsclusters` and discovery would see.
 */
function dropTestDebianClusters(run: string): void {
  let versions: string[];
  try {
    versions = fs.readdirSync('/etc/postgresql');
  } catch {
    return;
  }
  for (const v of versions) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join('/etc/postgresql', v)).filter((n) => /^safeops_t_\d+_\d+$/.test(n));
    } catch {
      continue;
    }
    for (const name of names) {
      const conf = path.join('/etc/postgresql', v, name);
      let dataDir = '';
      try {
        dataDir = /^data_directory\s*=\s*'([^']*)'/m.exec(fs.readFileSync(path.join(conf, 'postgresql.conf'), 'utf8'))?.[1] ?? '';
      } catch {
        // no config: nothing to stop, only the directory to remove
      }
      if (dataDir !== '' && !dataDir.startsWith(`${run}/`) && fs.existsSync(dataDir)) continue; // another run's, still in use
      spawnSync('pg_dropcluster', ['--stop', v, name], { stdio: 'ignore', timeout: 60_000, cwd: '/' });
      fs.rmSync(conf, { recursive: true, force: true });
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
