// Live recolouring: registered interactive zsh, fish and bash in tmux, and notifyShells called
// from here after the role changes. zsh and fish must redraw without a keypress; bash's
// terminal must get OSC 11. Planted registrations (another user's process, a recycled pid, a
// symlink, a process with no terminal) must be deleted and their processes left alone.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { renderInit, type PromptStyle, type ShellName } from '../../src/shell/render.js';
import {
  escapesFor,
  notifyShells,
  parsePromptState,
  parseRegistration,
  planNotification,
  startTimeFromStat,
  type RegistrationFacts,
} from '../../src/watch/notify.js';
import { TmuxServer, cleanEnv, interactiveShell, readFrom, sizeOf, waitFor } from '../support/tmux.js';

const colors = defaultConfig().shell.colors;
const colorFor = (role: PromptStyle) => (role === 'none' ? colors.none : colors[role]);
const titleFor = (_role: PromptStyle, label: string) => `test-host: ${label}`;
const now = () => Math.floor(Date.now() / 1000);
const promptText = (role: string, label: string) => `safeops-prompt 1\nheartbeat ${now()}\nrole ${role}\nlabel ${label}\nend\n`;

function publish(stateDir: string, body: string): void {
  const tmp = path.join(stateDir, `.prompt.${process.pid}.tmp`);
  fs.writeFileSync(tmp, body);
  fs.renameSync(tmp, path.join(stateDir, 'prompt'));
}

const registration = (pid: number, start: string, shell: string) => `safeops-shell 1\npid ${pid}\nstart ${start}\nshell ${shell}\n`;
/** The registration file of `pid` in shells/ (`<pid>` or `<pid>.<random>`), if any. */
const regFile = (shellsDir: string, pid: number): string | undefined => {
  const name = fs.readdirSync(shellsDir).find((n) => n === String(pid) || n.startsWith(`${pid}.`));
  return name === undefined ? undefined : path.join(shellsDir, name);
};
const startOf = (pid: number) => startTimeFromStat(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'))!;

describe('planNotification (pure)', () => {
  const good: RegistrationFacts = {
    name: '4242',
    file: { kind: 'regular', uid: 1000, text: registration(4242, '987654', 'zsh') },
    proc: { kind: 'alive', uid: 1000, startTime: '987654', comm: 'zsh' },
    tty: { kind: 'ok', path: '/dev/pts/3', isCharDevice: true, uid: 1000, rdev: 34819 },
  };
  const withFile = (text: string): RegistrationFacts => ({ ...good, file: { kind: 'regular', uid: 1000, text } });

  test('a good zsh or fish registration is signalled, a bash one gets its terminal written', () => {
    expect(planNotification(good)).toEqual({ kind: 'signal', pid: 4242, start: '987654', shell: 'zsh' });
    expect(planNotification({ ...withFile(registration(4242, '987654', 'fish')), proc: { kind: 'alive', uid: 1000, startTime: '987654', comm: 'fish' } }).kind).toBe('signal');
    expect(planNotification({ ...withFile(registration(4242, '987654', 'bash')), proc: { kind: 'alive', uid: 1000, startTime: '987654', comm: 'bash' } })).toEqual({
      kind: 'write',
      pid: 4242,
      start: '987654',
      tty: '/dev/pts/3',
      uid: 1000,
      rdev: 34819,
    });
  });

  test.each<[string, RegistrationFacts, 'delete' | 'skip']>([
    ['a name that is not a pid', { ...good, name: 'passwd' }, 'skip'],
    ['a symlink', { ...good, file: { kind: 'symlink' } }, 'delete'],
    ['a FIFO or directory', { ...good, file: { kind: 'not-regular' } }, 'delete'],
    ['a huge file', { ...good, file: { kind: 'too-big' } }, 'delete'],
    ['a vanished file', { ...good, file: { kind: 'gone' } }, 'skip'],
    ['malformed text', withFile('pid 4242\n'), 'delete'],
    ['another version', withFile(registration(4242, '987654', 'zsh').replace('safeops-shell 1', 'safeops-shell 2')), 'delete'],
    ['an unknown shell', withFile(registration(4242, '987654', 'ksh')), 'delete'],
    ['another pid inside', withFile(registration(4243, '987654', 'zsh')), 'delete'],
    ['a dead process', { ...good, proc: { kind: 'dead' } }, 'delete'],
    ['a file owned by someone else', { ...good, file: { kind: 'regular', uid: 0, text: registration(4242, '987654', 'zsh') } }, 'delete'],
    ['a recycled pid', { ...good, proc: { kind: 'alive', uid: 1000, startTime: '987655', comm: 'zsh' } }, 'delete'],
    ['a process that is not the shell (exec bash)', { ...good, proc: { kind: 'alive', uid: 1000, startTime: '987654', comm: 'bash' } }, 'delete'],
    ['no terminal', { ...good, tty: { kind: 'none', detail: 'EACCES' } }, 'delete'],
    ['stdin not a pts', { ...good, tty: { kind: 'ok', path: '/dev/null', isCharDevice: true, uid: 1000, rdev: 259 } }, 'delete'],
    ['a pts of another user', { ...good, tty: { kind: 'ok', path: '/dev/pts/3', isCharDevice: true, uid: 0, rdev: 34819 } }, 'delete'],
    ['a pts path that is no device', { ...good, tty: { kind: 'ok', path: '/dev/pts/3', isCharDevice: false, uid: 1000, rdev: 0 } }, 'delete'],
  ])('%s: %s', (_name, facts, kind) => {
    expect(planNotification(facts).kind).toBe(kind);
  });

  test('start time is field 22, counted after the last parenthesis of comm', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777 19 20';
    expect(startTimeFromStat(`123 (zsh) ${tail}`)).toBe('777');
    expect(startTimeFromStat(`123 (a) b) (c ) ${tail}`)).toBe('777');
    expect(startTimeFromStat('123 (zsh')).toBeNull();
  });

  test('parsers', () => {
    expect(parseRegistration(registration(1, '2', 'fish'))).toEqual({ pid: 1, start: '2', shell: 'fish' });
    expect(parseRegistration('safeops-shell 1\npid 1\npid 1\nshell fish\n')).toBeNull();
    expect(parsePromptState(promptText('primary', 'PRIMARY 15/main'))).toEqual({ role: 'primary', label: 'PRIMARY 15/main' });
    expect(parsePromptState(promptText('primary', 'PRIMARY \x1b]11;#ff0000\x07')).role).toBe('stale');
    expect(parsePromptState(promptText('bogus', 'x')).role).toBe('stale');
    expect(parsePromptState(promptText('primary', 'x').replace('end\n', '')).role).toBe('stale');
  });

  test('escapes carry only a valid colour and a printable title', () => {
    expect(escapesFor('#5f0000', 'h: PRIMARY')).toBe('\x1b]11;#5f0000\x07\x1b]2;h: PRIMARY\x07');
    expect(escapesFor(null, null)).toBe('\x1b]111\x07');
    expect(escapesFor('#5f0000\x07\x1b]0;evil', 't\x1b\x07x')).toBe('\x1b]2;t??x\x07');
  });
});

describe('notifyShells with real shells in tmux', () => {
  const SHELLS: ShellName[] = ['zsh', 'fish', 'bash'];
  let tmp: string;
  let stateDir: string;
  let shellsDir: string;
  let server: TmuxServer;
  const panes = new Map<ShellName, { target: string; pid: number; out: string }>();
  const children: ChildProcess[] = [];

  const spawnSleep = (argv: string[]) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  /** The pid of the `sleep` under `runuser` (runuser forks for its PAM session). */
  const sleepPidUnder = async (parent: number): Promise<number> =>
    waitFor('the sleep under runuser', () => {
      for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
        try {
          const stat = fs.readFileSync(`/proc/${p}/stat`, 'latin1');
          const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
          if (Number(ppid) === parent && fs.readFileSync(`/proc/${p}/comm`, 'latin1').trim() === 'sleep') return Number(p);
        } catch {
          // raced with an exiting process
        }
      }
      if (fs.readFileSync(`/proc/${parent}/comm`, 'latin1').trim() === 'sleep') return parent;
      return undefined;
    });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-live-'));
    stateDir = path.join(tmp, 'state');
    shellsDir = path.join(stateDir, 'shells');
    fs.mkdirSync(shellsDir, { recursive: true, mode: 0o700 });
    publish(stateDir, promptText('standby', 'standby 15/replica'));
    server = new TmuxServer('live', cleanEnv(tmp));
    for (const shell of SHELLS) {
      const init = path.join(tmp, `init.${shell}`);
      fs.writeFileSync(
        init,
        renderInit(shell, {
          binPath: path.join(tmp, 'safeops'),
          stateDirs: ['/run/safeops'],
          colors,
          staleAfterSeconds: 10,
          features: { prompt: true, background: true, title: true, tmux: true },
          noColor: false,
        }),
      );
      const out = path.join(tmp, `${shell}.out`);
      const sh = interactiveShell(shell, path.join(tmp, `rc-${shell}`), init);
      const target = server.start(shell, sh.argv, { env: { ...sh.env, SAFEOPS_STATE_DIR: stateDir }, pipeTo: out, cwd: tmp });
      const pid = server.pid(target);
      panes.set(shell, { target, pid, out });
    }
    for (const [shell, p] of panes) {
      await waitFor(`${shell}: standby prompt`, () => server.capture(p.target).includes('standby 15/replica'), 8000, () => server.capture(p.target));
      await waitFor(`${shell}: registration`, () => regFile(shellsDir, p.pid), 5000);
    }
  });

  afterAll(() => {
    server?.kill();
    for (const c of children) c.kill('SIGKILL');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });

  test('each shell registered itself as the contract says', () => {
    for (const [shell, p] of panes) {
      // zsh and fish: shells/<pid> (opened O_EXCL); bash: shells/<pid>.<random> (docs/shell-routing.md).
      const name = path.basename(regFile(shellsDir, p.pid)!);
      expect(name).toMatch(shell === 'bash' ? new RegExp(`^${p.pid}\\.[0-9]{2,}$`) : new RegExp(`^${p.pid}$`));
      const text = fs.readFileSync(path.join(shellsDir, name), 'utf8');
      expect(parseRegistration(text)).toEqual({ pid: p.pid, start: startOf(p.pid), shell });
    }
  });

  test('a role change recolours every shell without a keypress; planted registrations are removed', async () => {
    // Planted: a process of another user (file owned by root), a recycled pid, a symlink, and
    // a root process with the right start time but no terminal. None may be signalled.
    const runuser = spawnSleep(['runuser', '-u', 'nobody', '--', 'sleep', '30']);
    const nobodyPid = await sleepPidUnder(runuser.pid!);
    expect(fs.statSync(`/proc/${nobodyPid}`).uid).toBe(65534);
    const recycled = spawnSleep(['sleep', '30']);
    const linked = spawnSleep(['sleep', '30']);
    const noTty = spawnSleep(['sleep', '30']);
    await waitFor('sleeps to exec', () => [recycled, linked, noTty].every((c) => fs.readFileSync(`/proc/${c.pid}/comm`, 'latin1').trim() === 'sleep'));
    fs.writeFileSync(path.join(shellsDir, String(nobodyPid)), registration(nobodyPid, startOf(nobodyPid), 'zsh'));
    fs.writeFileSync(path.join(shellsDir, String(recycled.pid)), registration(recycled.pid!, String(Number(startOf(recycled.pid!)) + 1), 'zsh'));
    const real = path.join(tmp, 'elsewhere');
    fs.writeFileSync(real, registration(linked.pid!, startOf(linked.pid!), 'zsh'));
    fs.symlinkSync(real, path.join(shellsDir, String(linked.pid)));
    fs.writeFileSync(path.join(shellsDir, String(noTty.pid)), registration(noTty.pid!, startOf(noTty.pid!), 'fish'));

    const bash = panes.get('bash')!;
    const bashBefore = sizeOf(bash.out);
    expect(readFrom(bash.out).toString('latin1')).not.toContain('\x1b]11;#5f0000\x07');

    publish(stateDir, promptText('primary', 'PRIMARY 15/main'));
    const t0 = Date.now();
    const report = await notifyShells(stateDir, { colorFor, titleFor });

    expect(report.signalled.sort()).toEqual([panes.get('zsh')!.pid, panes.get('fish')!.pid].sort());
    expect(report.written).toEqual([bash.pid]);
    expect(report.deleted.map((d) => Number(d.name)).sort()).toEqual([nobodyPid, recycled.pid, linked.pid, noTty.pid].sort());
    for (const shell of ['zsh', 'fish'] as const) {
      const p = panes.get(shell)!;
      await waitFor(`${shell} redrawn with PRIMARY, no keypress`, () => server.capture(p.target).includes('PRIMARY 15/main'), Math.max(1, 1000 - (Date.now() - t0)), () => server.capture(p.target));
    }
    await waitFor('OSC 11 for the primary on the bash terminal', () => readFrom(bash.out, bashBefore).toString('latin1').includes('\x1b]11;#5f0000\x07'), 1000);
    expect(readFrom(bash.out, bashBefore).toString('latin1')).toContain('\x1b]2;test-host: PRIMARY 15/main\x07');

    // The planted registrations are gone (the symlink's target is untouched), their processes alive.
    for (const pid of [nobodyPid, recycled.pid, linked.pid, noTty.pid]) expect(fs.existsSync(path.join(shellsDir, String(pid)))).toBe(false);
    expect(fs.existsSync(real)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    for (const c of [runuser, recycled, linked, noTty]) expect({ pid: c.pid, exit: c.exitCode, signal: c.signalCode }).toEqual({ pid: c.pid, exit: null, signal: null });
    process.kill(nobodyPid, 0);

    // The shells are still alive and registered.
    for (const p of panes.values()) {
      expect(server.tmux('display-message', '-p', '-t', p.target, '#{pane_dead}').trim()).toBe('0');
      expect(regFile(shellsDir, p.pid)).toBeDefined();
    }
  });

  test('a second change back to standby works too, and a dead shell is cleaned up', async () => {
    publish(stateDir, promptText('standby', 'standby 15/replica'));
    const report = await notifyShells(stateDir, { colorFor, titleFor });
    expect(report.signalled.length).toBe(2);
    for (const shell of ['zsh', 'fish'] as const) {
      const p = panes.get(shell)!;
      await waitFor(`${shell} redrawn with standby`, () => {
        const lines = server.capture(p.target).split('\n').filter((l) => l.trim());
        return lines[lines.length - 1]?.includes('standby 15/replica');
      }, 1000, () => server.capture(p.target));
    }
    // A registration whose shell has exited: deleted, nothing signalled.
    const gone = spawnSleep(['sleep', '0.3']);
    const pid = gone.pid!;
    const start = startOf(pid);
    await new Promise<void>((r) => gone.on('exit', () => r()));
    fs.writeFileSync(path.join(shellsDir, String(pid)), registration(pid, start, 'zsh'));
    const r2 = await notifyShells(stateDir, { colorFor, titleFor, noEscapes: true });
    expect(r2.deleted.map((d) => d.name)).toContain(String(pid));
    expect(r2.written).toEqual([]);
    expect(r2.skipped.map((s) => s.reason)).toContain('escapes are off');
  });
});
