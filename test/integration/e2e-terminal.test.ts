// End to end, as an operator lives it: a real primary and standby, a real `safeops watch`, real
// interactive bash, zsh and fish in tmux. A failover (the primary stops, the standby is promoted
// with real `pg_ctl promote`) recolours every shell without a keypress; stopping the watcher
// turns every prompt stale. Once with the watcher and shells as root, once all as a plain user
// (the terminals then belong to that user, as on a real host).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, type CliEnv } from '../support/cli.js';
import { cleanupAll, createStandby, initPrimary, makeTempRoot, mkdirOwned, postgresIds, promote, stopNode, sweepRunLeftovers, type PgNode } from '../support/pg.js';
import { interactiveShell, waitFor, type TestShell } from '../support/tmux.js';

const SHELLS: TestShell[] = ['bash', 'zsh', 'fish'];
const PRIMARY_BG = '\x1b]11;#5f0000\x07';

/** A tmux server run as `user` (its panes' terminals belong to that user). */
class Tmux {
  readonly socket = `safeops-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(
    private readonly user: string | null,
    private readonly env: Record<string, string>,
  ) {}
  run(...args: string[]): string {
    const argv = ['tmux', '-L', this.socket, '-f', '/dev/null', ...args];
    // The socket goes in the run's temp dir (test/global-setup.ts), removed with it even when a
    // test fails before kill-server.
    const env = { ...this.env, ...(process.env.TMUX_TMPDIR ? { TMUX_TMPDIR: process.env.TMUX_TMPDIR } : {}) };
    const [cmd, ...rest] = this.user ? ['runuser', '-u', this.user, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv] : argv;
    return execFileSync(cmd!, rest, { env: this.user ? undefined : env, encoding: 'utf8', cwd: '/tmp' });
  }
  start(name: string, argv: string[], env: Record<string, string>, pipeTo: string): void {
    const e = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.run('new-session', '-d', '-s', name, '-x', '200', '-y', '20', ...e, '--', ...argv, ';', 'pipe-pane', '-o', '-t', name, `exec cat >> '${pipeTo}'`);
  }
  capture(name: string): string {
    return this.run('capture-pane', '-p', '-t', name);
  }
  enter(name: string): void {
    this.run('send-keys', '-t', name, 'Enter');
  }
  kill(): void {
    try {
      this.run('kill-server');
    } catch {
      // already gone
    }
  }
}

/** Bytes the pane wrote since `from`. */
const bytesSince = (file: string, from: number) => (fs.existsSync(file) ? fs.readFileSync(file).subarray(from).toString('latin1') : '');
const sizeOf = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

let root: string;
let env: CliEnv;

beforeAll(async () => {
  await sweepRunLeftovers(); // a cluster another file left running would keep the host red
  root = makeTempRoot('safeops-e2e-');
  env = cliEnv({ roots: [root] });
  fs.chmodSync(env.config, 0o644);
});

afterAll(async () => {
  await cleanupAll();
  fs.rmSync(env.dir, { recursive: true, force: true });
});

for (const user of [null, 'postgres'] as const) {
  describe(`watcher and shells as ${user ?? 'root'}`, () => {
    let primary: PgNode;
    let standby: PgNode;
    let watcher: ChildProcess;
    let tmux: Tmux;
    let stateDir: string;
    let dir: string;
    const pipes: Record<string, string> = {};

    beforeAll(async () => {
      const tag = user ?? 'root';
      primary = await initPrimary({ root, name: `${tag}-primary` });
      standby = await createStandby(primary, { root, name: `${tag}-standby` });
      dir = mkdirOwned(path.join(root, `${tag}-home`), 0o755);
      stateDir = mkdirOwned(path.join(root, `${tag}-state`), 0o700);
      if (!user) fs.chownSync(stateDir, 0, 0);
      const { uid, gid } = postgresIds();
      const watchArgv = [process.execPath, BIN, 'watch', '--state-dir', stateDir];
      watcher = user
        ? spawn('runuser', ['-u', user, '--', 'env', `SAFEOPS_CONFIG=${env.config}`, ...watchArgv], { stdio: 'ignore', cwd: '/tmp' })
        : spawn(watchArgv[0]!, watchArgv.slice(1), { env: { ...process.env, SAFEOPS_CONFIG: env.config }, stdio: 'ignore' });
      await waitFor('the watcher to publish', () => fs.existsSync(path.join(stateDir, 'prompt')), 20_000);
      const shellEnv = { PATH: process.env.PATH!, HOME: dir, LANG: 'C.UTF-8', TERM: 'xterm-256color', SAFEOPS_STATE_DIR: stateDir, SAFEOPS_CONFIG: env.config };
      tmux = new Tmux(user, shellEnv);
      for (const shell of SHELLS) {
        const init = path.join(dir, `init.${shell}`);
        fs.writeFileSync(init, execFileSync(process.execPath, [BIN, 'init', shell], { env: { ...shellEnv, SAFEOPS_CONFIG: env.config } }));
        const s = interactiveShell(shell, path.join(dir, shell), init);
        pipes[shell] = path.join(dir, `${shell}.out`);
        fs.writeFileSync(pipes[shell]!, '');
        if (user) {
          execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
        }
        tmux.start(shell, s.argv, s.env, pipes[shell]!);
      }
      for (const shell of SHELLS) await waitFor(`${shell} to show the primary`, () => tmux.capture(shell).includes(`PRIMARY ${user ?? 'root'}-primary`), 20_000, () => tmux.capture(shell));
    }, 180_000);

    afterAll(async () => {
      tmux?.kill();
      watcher?.kill('SIGTERM');
      for (const n of [standby, primary]) if (n) await stopNode(n, 'immediate').catch(() => undefined);
    });

    it('a failover recolours every shell without a keypress', async () => {
      const tag = user ?? 'root';
      // Each shell's terminal belongs to the user who runs it (the notifier checks exactly that).
      for (const shell of SHELLS) {
        const tty = tmux.run('display-message', '-p', '-t', shell, '#{pane_tty}').trim();
        expect(fs.statSync(tty).uid).toBe(user ? postgresIds().uid : 0);
      }
      // The primary goes away: the host is now a standby host; shells follow without a keypress.
      await stopNode(primary, 'fast');
      for (const shell of ['zsh', 'fish']) await waitFor(`${shell} to show the standby alone`, () => /standby \S*-standby/.test(tmux.capture(shell)) && !tmux.capture(shell).includes(`PRIMARY ${tag}-primary`), 15_000, () => tmux.capture(shell));
      const from = Object.fromEntries(SHELLS.map((s) => [s, sizeOf(pipes[s]!)]));
      const t0 = Date.now();
      await promote(standby);
      // zsh and fish redraw their prompt; bash's terminal background changes (its text at the next prompt).
      for (const shell of ['zsh', 'fish']) await waitFor(`${shell} to show PRIMARY ${tag}-standby`, () => tmux.capture(shell).includes(`PRIMARY ${tag}-standby`), 5000, () => tmux.capture(shell));
      await waitFor('bash to get the primary background', () => bytesSince(pipes.bash!, from.bash!).includes(PRIMARY_BG), 5000);
      expect(Date.now() - t0).toBeLessThan(3000);
      for (const shell of SHELLS) expect(bytesSince(pipes[shell]!, from[shell]!)).toContain(PRIMARY_BG);
    });

    it('stopping the watcher turns every prompt stale, never showing the old colour as current', async () => {
      watcher.kill('SIGTERM');
      await waitFor('the prompt file to go', () => !fs.existsSync(path.join(stateDir, 'prompt')), 10_000);
      for (const shell of SHELLS) {
        tmux.enter(shell);
        await waitFor(`${shell} to show stale`, () => tmux.capture(shell).includes('STALE (watcher not running'), 5000, () => tmux.capture(shell));
      }
      for (const shell of SHELLS) expect(bytesSince(pipes[shell]!, 0).slice(-600)).toMatch(/\x1b\]11;#5f3f00\x07/);
    });
  });
}
