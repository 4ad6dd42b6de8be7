// What root's shells share with every user (issue 15 items 1 and 5): registrations in the
// world-writable shells/ are created O_CREAT|O_EXCL (zsh also O_NOFOLLOW; bash on a name
// nobody can plant in advance), checked with strace; a user racing symlinks and FIFOs onto
// the names while real root shells register (many rounds, fs.protected_symlinks/fifos
// lowered so the race can bite) never gets a byte written through a link nor a shell hung;
// a `shells` symlink and a state dir owned by a user are refused; a flood of 60,000 entries
// costs the notifier a bounded pass and the watcher keeps publishing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { SHELLS, renderInit, type ShellName } from '../../src/shell/render.js';
import { NOTIFY_ACT_CAP, notifyShells } from '../../src/watch/notify.js';
import { BIN } from '../support/cli.js';
import { TmuxServer, cleanEnv, interactiveShell, waitFor } from '../support/tmux.js';

const colors = defaultConfig().shell.colors;
const now = () => Math.floor(Date.now() / 1000);
const promptText = (role: string, label: string) => `safeops-prompt 1\nheartbeat ${now()}\nrole ${role}\nlabel ${label}\nend\n`;
const SYSCTLS = ['/proc/sys/fs/protected_symlinks', '/proc/sys/fs/protected_fifos', '/proc/sys/fs/protected_regular'];

let tmp: string;
let user: { name: string; uid: number; gid: number } | null = null;
const saved = new Map<string, string>();
let sysctlProblem: string | null = null;
const children: ChildProcess[] = [];
const servers: TmuxServer[] = [];

function init(shell: ShellName, stateDirs: string[] = ['/nonexistent/safeops']): string {
  const file = path.join(tmp, `init-${Math.random().toString(36).slice(2)}.${shell}`);
  fs.writeFileSync(
    file,
    renderInit(shell, { binPath: '/nonexistent/safeops', stateDirs, colors, staleAfterSeconds: 3600, features: { prompt: true, background: true, title: true, tmux: true }, noColor: false }),
  );
  return file;
}

/** A root-owned state dir like /run/safeops: 0755, shells/ 1777, a fresh prompt file. */
function stateDir(name: string, withShells = true): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'prompt'), promptText('standby', 'standby 15/replica'));
  if (withShells) {
    fs.mkdirSync(path.join(dir, 'shells'));
    fs.chmodSync(path.join(dir, 'shells'), 0o1777);
  }
  return dir;
}

/** Registrations in `shellsDir` (name, lstat). */
function entries(shellsDir: string): Array<{ name: string; st: fs.Stats }> {
  return fs.readdirSync(shellsDir).flatMap((name) => {
    try {
      return [{ name, st: fs.lstatSync(path.join(shellsDir, name)) }];
    } catch {
      return [];
    }
  });
}

function asUser(argv: string[]): string[] {
  return ['setpriv', `--reuid=${user!.uid}`, `--regid=${user!.gid}`, '--clear-groups', '--', ...argv];
}

function startShell(server: TmuxServer, shell: ShellName, name: string, initFile: string, env: Record<string, string>, prefix: string[] = []) {
  const sh = interactiveShell(shell, path.join(tmp, `rc-${name}`), initFile, prefix);
  const target = server.start(name, sh.argv, { env: { ...sh.env, ...env }, cwd: tmp });
  return target;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-reg-'));
  fs.chmodSync(tmp, 0o755);
  const name = `soatk${process.pid % 100000}`;
  execFileSync('useradd', ['--create-home', '--shell', '/usr/sbin/nologin', name], { stdio: 'pipe' });
  user = { name, uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()), gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()) };
  // The race only bites where the kernel does not refuse it: lower, restore in afterAll.
  try {
    for (const f of SYSCTLS) saved.set(f, fs.readFileSync(f, 'utf8').trim());
    for (const f of SYSCTLS) fs.writeFileSync(f, '0');
  } catch (e) {
    sysctlProblem = `cannot lower fs.protected_* (${(e as NodeJS.ErrnoException).code ?? e}): /proc/sys is read-only here`;
  }
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const s of servers) s.kill();
  for (const [f, v] of saved) {
    try {
      fs.writeFileSync(f, v);
    } catch {
      // read-only: nothing was changed
    }
  }
  if (user) {
    try {
      execFileSync('pkill', ['-KILL', '-u', user.name], { stdio: 'ignore' });
    } catch {
      // none left
    }
    try {
      execFileSync('userdel', ['-r', user.name], { stdio: 'pipe' });
    } catch {
      // mail spool absent and the like: the user itself is gone
    }
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

describe.each(SHELLS)('%s registers without following or reopening anything (strace)', (shell) => {
  test('the registration is opened O_CREAT|O_EXCL (zsh: also O_NOFOLLOW), in shells/, and is the contract', async () => {
    const dir = stateDir(`strace-${shell}`);
    const log = path.join(tmp, `strace-${shell}.log`);
    const server = new TmuxServer(`reg-strace-${shell}`, cleanEnv(tmp));
    servers.push(server);
    const pane = startShell(server, shell, 's', init(shell), { SAFEOPS_STATE_DIR: dir }, ['strace', '-f', '-o', log, '-e', 'trace=open,openat,creat']);
    const shellsDir = path.join(dir, 'shells');
    const reg = await waitFor('a registration', () => entries(shellsDir).find((e) => e.st.size > 0), 20_000, () => server.capture(pane));
    // Read before the shell exits (its exit hook removes the registration).
    const text = fs.readFileSync(path.join(shellsDir, reg.name), 'utf8');
    server.kill();
    const opens = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`${shellsDir}/`));
    expect(opens.length).toBeGreaterThan(0);
    for (const l of opens) {
      expect(l).toContain('O_CREAT');
      expect(l).toContain('O_EXCL');
      if (shell === 'zsh') expect(l).toContain('O_NOFOLLOW');
    }
    expect(reg.st.isFile()).toBe(true);
    expect(reg.st.uid).toBe(0);
    const pid = /^pid (\d+)$/m.exec(text)?.[1];
    expect(reg.name).toMatch(shell === 'bash' ? new RegExp(`^${pid}\\.[0-9]{2,}$`) : new RegExp(`^${pid}$`));
    expect(text).toMatch(new RegExp(`^safeops-shell 1\\npid ${pid}\\nstart [0-9]+\\nshell ${shell}\\n$`));
  });
});

describe('a user racing symlinks and FIFOs onto the names while root shells register', () => {
  const ROUNDS = 40;
  test.each(SHELLS)('%s: never writes through a link, never hangs', async (shell) => {
    if (sysctlProblem) {
      console.warn(`skipped: ${sysctlProblem}`);
      return;
    }
    const dir = stateDir(`race-${shell}`);
    const shellsDir = path.join(dir, 'shells');
    // What a planted link points at: a FIFO whose reader records any byte, and a regular file.
    const victimFifo = path.join(tmp, `victim-${shell}.fifo`);
    execFileSync('mkfifo', ['-m', '0622', victimFifo]);
    const reader = fs.openSync(victimFifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const victimFile = path.join(tmp, `victim-${shell}.txt`);
    fs.writeFileSync(victimFile, 'ORIGINAL\n', { mode: 0o666 });
    const names = path.join(tmp, `names-${shell}`);
    fs.writeFileSync(names, '', { mode: 0o644 });
    const stop = path.join(tmp, `stop-${shell}`);
    // A square wave: absent for 40 ms, then planted for 40 ms (a link to the FIFO, a FIFO, a
    // link to the file, in turn). A shell that checks for the name, then opens it (its stats
    // held 20 ms each, below), sees it absent and then opens whatever is planted.
    const attacker = `
import os, sys, time
d, names, fifo, reg, stop = sys.argv[1:6]
rounds = 0
ns = []
while True:
    if rounds % 200 == 0:
        if os.path.exists(stop):
            break
        try:
            ns = open(names).read().split()
        except OSError:
            ns = []
    tick = int(time.monotonic() * 1000 / 40)
    for n in ns:
        p = os.path.join(d, n)
        try:
            if tick % 2 == 0:
                os.unlink(p)
            else:
                k = (tick // 2) % 3
                if k == 0:
                    os.symlink(fifo, p)
                elif k == 1:
                    os.mkfifo(p)
                else:
                    os.symlink(reg, p)
        except OSError:
            pass
    rounds += 1
print(rounds)
`;
    const [atkBin, ...atkArgs] = asUser(['/usr/bin/python3', '-c', attacker, shellsDir, names, victimFifo, victimFile, stop]);
    const atk = spawn(atkBin!, atkArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(atk);
    let atkOut = '';
    atk.stdout!.on('data', (b: Buffer) => (atkOut += b.toString()));
    // 'close', not 'exit': 'exit' may come before the last of stdout has been read.
    const atkClosed = new Promise<void>((r) => atk.on('close', () => r()));
    const server = new TmuxServer(`reg-race-${shell}`, cleanEnv(tmp));
    servers.push(server);
    // shells/ appears only once the attacker knows the pid: every registration is raced.
    fs.renameSync(shellsDir, `${shellsDir}.off`);
    // Every stat of the root shell is held 20 ms (strace fault injection): the window between
    // a shell's existence check and its open becomes wide enough for the race to be won on a
    // busy machine, as it is on a quiet one without the delay. Old templates lose it.
    const delay = ['strace', '-f', '-o', '/dev/null', '-e', 'trace=newfstatat,stat,lstat,statx', '-e', 'inject=newfstatat,stat,lstat,statx:delay_exit=20000'];
    const pane = startShell(server, shell, 'r', init(shell), { SAFEOPS_STATE_DIR: dir }, delay);
    const screen = () => server.capture(pane);
    await waitFor('the prompt', () => screen().includes('standby 15/replica'), 90_000, screen);
    const tracer = server.pid(pane);
    const pid = Number(fs.readFileSync(`/proc/${tracer}/task/${tracer}/children`, 'utf8').trim().split(/\s+/)[0]);
    expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe(shell);
    fs.writeFileSync(names, `${pid}\n${pid}.0\n`);
    fs.renameSync(`${shellsDir}.off`, shellsDir);
    let registered = 0;
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        // Drop our registration so that the next prompt makes a new one (in the race).
        for (const e of entries(shellsDir)) if (e.st.isFile() && e.st.uid === 0 && (e.name === String(pid) || e.name.startsWith(`${pid}.`))) {
          fs.unlinkSync(path.join(shellsDir, e.name));
          registered++;
        }
        if (shell === 'bash') server.type(pane, `__safeops_reg=''; echo "round-$((${round} * 1))"`);
        else if (shell === 'zsh') server.type(pane, `echo "round-$((${round} * 1))"`);
        else server.type(pane, `echo round-(math ${round} \\* 1)`);
        // A FIFO opened for writing would block the shell here until the deadline.
        await waitFor(`round ${round} (the shell must not hang)`, () => server.capture(pane).includes(`round-${round}`), 30_000, screen);
        const buf = Buffer.alloc(4096);
        let n = 0;
        try {
          n = fs.readSync(reader, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        expect(buf.subarray(0, n).toString(), 'bytes written through a planted link into the FIFO').toBe('');
        expect(fs.readFileSync(victimFile, 'utf8')).toBe('ORIGINAL\n');
      }
    } finally {
      fs.writeFileSync(stop, '');
      await atkClosed;
      fs.closeSync(reader);
      // A shell slowed by strace may outlive its tmux server's hang-up: kill both outright.
      for (const p of [pid, tracer]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      server.kill();
    }
    // Whatever is left in shells/ is a regular file or the attacker's own entry.
    for (const e of entries(shellsDir)) expect(e.st.isFile() || e.st.uid === user!.uid, e.name).toBe(true);
    console.log(`${shell}: ${ROUNDS} rounds, ${registered} registrations made, attacker looped ${atkOut.trim()} times`);
    expect(Number(atkOut.trim())).toBeGreaterThan(ROUNDS);
  }, 600_000);
});

describe('shells/ and the state dir must be root\'s (or the shell user\'s)', () => {
  test.each(SHELLS)('%s: a `shells` symlink is not followed; a user\'s state dir or XDG_RUNTIME_DIR is not read by root', async (shell) => {
    const server = new TmuxServer(`reg-owner-${shell}`, cleanEnv(tmp));
    servers.push(server);
    // shells -> a directory elsewhere that anyone may write.
    const linked = stateDir(`linked-${shell}`, false);
    const elsewhere = path.join(tmp, `elsewhere-${shell}`);
    fs.mkdirSync(elsewhere);
    fs.chmodSync(elsewhere, 0o1777);
    fs.symlinkSync(elsewhere, path.join(linked, 'shells'));
    const a = startShell(server, shell, 'a', init(shell), { SAFEOPS_STATE_DIR: linked });
    await waitFor('the prompt', () => server.capture(a).includes('standby 15/replica'), 20_000, () => server.capture(a));
    server.type(a, 'echo two');
    server.type(a, 'echo three');
    await waitFor('three prompts', () => server.capture(a).includes('three\n'), 15_000, () => server.capture(a));
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    // A state dir the attacker owns (prompt and shells/ included): root shows it stale.
    const theirs = path.join(tmp, `theirs-${shell}`);
    fs.mkdirSync(path.join(theirs, 'shells'), { recursive: true });
    fs.writeFileSync(path.join(theirs, 'prompt'), promptText('none', 'no clusters'));
    for (const f of [theirs, path.join(theirs, 'shells'), path.join(theirs, 'prompt')]) fs.chownSync(f, user!.uid, user!.gid);
    fs.chmodSync(path.join(theirs, 'shells'), 0o777);
    const b = startShell(server, shell, 'b', init(shell), { SAFEOPS_STATE_DIR: theirs });
    await waitFor('stale, with the reason', () => server.capture(b).includes('not owned by you or root'), 20_000, () => server.capture(b));
    expect(server.capture(b)).not.toContain('no clusters');
    expect(fs.readdirSync(path.join(theirs, 'shells'))).toEqual([]);
    // Root with a user's XDG_RUNTIME_DIR (after `su` without `-`): not read at all.
    const xdg = path.join(tmp, `xdg-${shell}`);
    fs.mkdirSync(path.join(xdg, 'safeops', 'shells'), { recursive: true });
    fs.writeFileSync(path.join(xdg, 'safeops', 'prompt'), promptText('none', 'no clusters'));
    for (const f of [xdg, path.join(xdg, 'safeops'), path.join(xdg, 'safeops', 'shells'), path.join(xdg, 'safeops', 'prompt')]) fs.chownSync(f, user!.uid, user!.gid);
    const c = startShell(server, shell, 'c', init(shell, ['$XDG_RUNTIME_DIR/safeops', path.join(tmp, 'nonexistent')]), { XDG_RUNTIME_DIR: xdg });
    await waitFor('stale', () => server.capture(c).includes('STALE'), 20_000, () => server.capture(c));
    expect(server.capture(c)).not.toContain('no clusters');
    expect(fs.readdirSync(path.join(xdg, 'safeops', 'shells'))).toEqual([]);
    server.kill();
  });
});

describe('a flood of 60,000 entries in shells/', () => {
  const FLOOD = 60_000;
  function flood(shellsDir: string): void {
    // Made by the user, as an attacker would: pid-like names and others.
    execFileSync(
      asUser(['/usr/bin/python3', '-c', `import os,sys\nd=sys.argv[1]\nfor i in range(${FLOOD}):\n    n = str(100000 + i) if i % 2 else 'junk-%d' % i\n    open(os.path.join(d, n), 'w').close()`, shellsDir])[0]!,
      asUser(['/usr/bin/python3', '-c', `import os,sys\nd=sys.argv[1]\nfor i in range(${FLOOD}):\n    n = str(100000 + i) if i % 2 else 'junk-%d' % i\n    open(os.path.join(d, n), 'w').close()`, shellsDir]).slice(1),
      { stdio: 'pipe', timeout: 120_000 },
    );
  }

  test('one notifier pass is bounded, drains the flood, and says so once', async () => {
    const dir = stateDir('flood-notify');
    const shellsDir = path.join(dir, 'shells');
    flood(shellsDir);
    const lines: string[] = [];
    const opts = { colorFor: () => null, titleFor: () => null, log: (l: string) => lines.push(l) };
    const t0 = Date.now();
    const first = await notifyShells(dir, opts);
    const second = await notifyShells(dir, opts);
    expect(Date.now() - t0).toBeLessThan(20_000); // generous: two passes, a few hundred entries each
    for (const r of [first, second]) {
      expect(r.truncated).toBe(true);
      expect(r.deleted.length + r.skipped.length).toBeLessThanOrEqual(NOTIFY_ACT_CAP);
      expect(r.deleted.length).toBeGreaterThan(0);
    }
    expect(fs.readdirSync(shellsDir).length).toBe(FLOOD - first.deleted.length - second.deleted.length);
    expect(lines.filter((l) => l.includes('more entries than one pass'))).toHaveLength(1);
  }, 300_000);

  test('the watcher keeps publishing', async () => {
    const dir = stateDir('flood-watch');
    fs.rmSync(path.join(dir, 'prompt'));
    flood(path.join(dir, 'shells'));
    const config = path.join(tmp, 'flood-config.json');
    fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [], clusters: [] } }));
    const out: string[] = [];
    const w = spawn(process.execPath, [BIN, 'watch', '--state-dir', dir], { cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: config, HOME: '/tmp', LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(w);
    w.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
    w.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
    try {
      const heartbeat = () => {
        try {
          return Number(/^heartbeat (\d+)$/m.exec(fs.readFileSync(path.join(dir, 'prompt'), 'utf8'))?.[1] ?? 0);
        } catch {
          return 0;
        }
      };
      await waitFor('a first prompt file', () => heartbeat() || undefined, 60_000, () => out.join(''));
      // The first publish told the shells: one bounded pass over the flood, said once.
      await waitFor('the notifier to meet the flood', () => out.join('').includes('more entries than one pass'), 120_000, () => out.join(''));
      const after = heartbeat();
      await waitFor('the heartbeat to move on twice', () => heartbeat() >= after + 2, 60_000, () => out.join(''));
      expect(out.join('').split('more entries than one pass').length - 1).toBe(1);
    } finally {
      w.kill('SIGTERM');
    }
  }, 300_000);
});
