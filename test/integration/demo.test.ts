// `safeops demo` for real: the built CLI starts a primary, a streaming standby and a watcher;
// the guard refuses `rm -rf $PRIMARY` with the demo's environment; status and the watcher see
// both roles; and whichever way the demo ends (SIGTERM, `exit` in its shell, a killed tmux
// pane, even SIGKILL: the reaper) no server, watcher or file of it is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { candidateBinDirs } from '../../src/demo/pgbin.js';
import { pickShell } from '../../src/demo/shell.js';
import { isDemoDir } from '../../src/demo/teardown.js';
import { ROOT } from '../support/cli.js';
import { PG_BIN } from '../support/pg.js';
import { TmuxServer, cleanEnv, readFrom, waitFor } from '../support/tmux.js';

const tmpDirs: string[] = []; // the demo homes and the copy of dist/, removed at the end
/** The built CLI, run from a copy of dist/ (a rebuild while the suite runs must not pull it away). */
let BIN = '';

beforeAll(async () => {
  for (let attempt = 0; ; attempt++) {
    const copy = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-dist-')));
    tmpDirs.push(copy);
    fs.chmodSync(copy, 0o755);
    fs.cpSync(path.join(ROOT, 'dist'), path.join(copy, 'dist'), { recursive: true });
    // A build ends with meta.json: a copy taken half-way through a rebuild is taken again.
    if (['safeops.cjs', 'core.cjs', 'lazy/cli.mjs', 'meta.json'].every((f) => fs.existsSync(path.join(copy, 'dist', f)))) {
      BIN = path.join(copy, 'dist/safeops.cjs');
      return;
    }
    if (attempt === 5) throw new Error('dist/ is incomplete: run npm run build');
    await new Promise((r) => setTimeout(r, 3000));
  }
});

const children: ChildProcess[] = [];
const dirsSeen = new Set<string>();

function home(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-dhome-')));
  tmpDirs.push(d);
  return d;
}

/** The environment a user would run the demo from: no SAFEOPS_* or PG* of ours. */
function userEnv(h: string): Record<string, string> {
  return cleanEnv(h, { NO_COLOR: '1' });
}

/** Processes that belong to the demo in `dir`: anything naming it on its command line, or a PostgreSQL process working inside it. */
function leftovers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      let cwd = '';
      try {
        cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // exited meanwhile
      }
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (cmdline.includes(dir) || (comm === 'postgres' && (cwd === dir || cwd.startsWith(dir + '/')))) found.push(`${entry} ${comm} ${cmdline}`);
    } catch {
      // gone
    }
  }
  return found;
}

/** Wait until nothing of the demo in `dir` is left: no process, no directory. */
async function expectGone(dir: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(`the demo in ${dir} to be gone`, () => !fs.existsSync(dir) && leftovers(dir).length === 0, timeoutMs, () => `dir exists: ${fs.existsSync(dir)}\n${leftovers(dir).join('\n')}`);
}

/** Start `safeops demo --no-shell`; resolves with its NAME=VALUE lines once it prints READY. */
async function startNoShell(h: string): Promise<{ child: ChildProcess; vars: Record<string, string>; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'demo', '--no-shell'], { env: userEnv(h), stdio: ['ignore', 'pipe', 'pipe'], cwd: h });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  await waitFor('READY from safeops demo --no-shell', () => out.includes('\nREADY\n') || child.exitCode !== null, 90_000);
  if (!out.includes('READY')) throw new Error(`the demo exited ${child.exitCode} before READY:\n${err}`);
  const vars = Object.fromEntries(
    out
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  dirsSeen.add(path.dirname(vars.PRIMARY!));
  return { child, vars, stderr: () => err };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (c) => resolve(c))));

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  for (const d of dirsSeen) await expectGone(d).catch(() => undefined);
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('pure parts', () => {
  test('PostgreSQL bin dirs: Debian and PGDG layouts, newest version first', () => {
    expect(candidateBinDirs(['9.6', '15', '16', 'README'], ['pgsql-17', 'lib', 'pgsql-x'])).toEqual([
      '/usr/pgsql-17/bin',
      '/usr/lib/postgresql/16/bin',
      '/usr/lib/postgresql/15/bin',
      '/usr/lib/postgresql/9.6/bin',
    ]);
  });

  test('the shell: --shell, else $SHELL when supported, else bash', () => {
    expect(pickShell('fish', '/bin/zsh')).toBe('fish');
    expect(pickShell(undefined, '/usr/bin/zsh')).toBe('zsh');
    expect(pickShell(undefined, '/bin/tcsh')).toBe('bash');
    expect(pickShell(undefined, undefined)).toBe('bash');
  });

  test('the teardown deletes only a demo dir', () => {
    expect(isDemoDir('/tmp/safeops-demo-abc123')).toBe(true);
    for (const d of ['/', '/tmp', '/var/lib/postgresql/15/main', 'safeops-demo-abc123', '/tmp/safeops-demo-x/../..', '/tmp/safeops-demo-x/']) expect(isDemoDir(d), d).toBe(false);
  });
});

describe('safeops demo --no-shell', () => {
  let demo: Awaited<ReturnType<typeof startNoShell>>;
  let dir: string;
  let demoHome: string;
  /** The built CLI with the demo's printed environment. */
  const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { env: { ...userEnv(demoHome), ...demo.vars }, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
  const psql = async (port: string, sql: string) =>
    String((await execa(path.join(PG_BIN, 'psql'), ['-X', '-At', '-h', demo.vars.PGHOST!, '-p', port, '-U', demo.vars.PGUSER!, '-d', 'postgres', '-c', sql], { extendEnv: false, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 })).stdout).trim();

  beforeAll(async () => {
    demoHome = home();
    demo = await startNoShell(demoHome);
    dir = path.dirname(demo.vars.PRIMARY!);
  });

  test('prints the paths and the environment, then READY', () => {
    for (const k of ['PRIMARY', 'STANDBY', 'SAFEOPS_STATE_DIR', 'SAFEOPS_CONFIG']) expect(demo.vars[k], k).toMatch(/^\/.+/);
    expect(path.basename(dir)).toMatch(/^safeops-demo-/);
    expect(demo.vars.STANDBY).toBe(path.join(dir, 'standby'));
    expect(demo.vars.SAFEOPS_STATE_DIR).toBe(path.join(dir, 'state'));
  });

  test('a real primary and a real streaming standby answer on their sockets', async () => {
    expect(await psql(demo.vars.PRIMARY_PORT!, 'select pg_is_in_recovery()')).toBe('f');
    expect(await psql(demo.vars.STANDBY_PORT!, 'select pg_is_in_recovery()')).toBe('t');
    expect(await psql(demo.vars.STANDBY_PORT!, 'select status from pg_stat_wal_receiver')).toBe('streaming');
    expect(await psql(demo.vars.PRIMARY_PORT!, 'select count(*) from pg_stat_replication')).toBe('1');
  });

  test('the guard refuses rm -rf $PRIMARY (77) and the files stay', async () => {
    const r = await cli(['rm', '-rf', demo.vars.PRIMARY!]);
    expect(r.exitCode, String(r.stderr)).toBe(77);
    expect(String(r.stderr)).toContain('REFUSED');
    expect(fs.existsSync(path.join(demo.vars.PRIMARY!, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(demo.vars.PRIMARY!, 'global/pg_control'))).toBe(true);
    expect(await psql(demo.vars.PRIMARY_PORT!, 'select 1')).toBe('1');
    // The demo's audit log, not the host's, got the decision.
    expect(fs.readFileSync(demo.vars.SAFEOPS_AUDIT_LOG!, 'utf8')).toContain('"refuse"');
  });

  test('safeops status --json with the demo environment shows the primary and the standby', async () => {
    const r = await cli(['status', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const clusters = (JSON.parse(String(r.stdout)) as { clusters: Array<{ dataDir: string; role: string; running: boolean }> }).clusters;
    expect(clusters.find((c) => c.dataDir === demo.vars.PRIMARY)).toMatchObject({ role: 'primary', running: true });
    expect(clusters.find((c) => c.dataDir === demo.vars.STANDBY)).toMatchObject({ role: 'standby', running: true });
  });

  test("the watcher's state file shows both roles, and the prompt file a primary", () => {
    const state = JSON.parse(fs.readFileSync(path.join(demo.vars.SAFEOPS_STATE_DIR!, 'state.json'), 'utf8')) as { clusters: Array<{ dataDir: string; role: string }> };
    expect(state.clusters.find((c) => c.dataDir === demo.vars.PRIMARY)?.role).toBe('primary');
    expect(state.clusters.find((c) => c.dataDir === demo.vars.STANDBY)?.role).toBe('standby');
    expect(fs.readFileSync(path.join(demo.vars.SAFEOPS_STATE_DIR!, 'prompt'), 'utf8')).toMatch(/^role primary$/m);
  });

  test('SIGTERM: exits 0, and no server, watcher, reaper or file of the demo is left', async () => {
    expect(leftovers(dir).length).toBeGreaterThan(5); // the servers, the watcher, the reaper
    demo.child.kill('SIGTERM');
    expect(await exited(demo.child)).toBe(0);
    // Its own teardown is complete when it exits; the reaper only needs to notice and go.
    expect(fs.existsSync(dir)).toBe(false);
    expect(leftovers(dir).filter((l) => !l.includes('--reap'))).toEqual([]);
    await expectGone(dir, 5000);
    // 'exit' may come before the last of stderr is read: wait for the line, do not sample it.
    await waitFor('the demo saying what it removed', () => demo.stderr().includes(`removed ${dir}`), 5_000, demo.stderr);
  });
});

test('SIGTERM while it is still setting up: the running step ends, then everything goes', async () => {
  const child = spawn(process.execPath, [BIN, 'demo', '--no-shell'], { env: userEnv(home()), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const dir = await waitFor('the demo dir', () => /everything goes in (\/\S+)/.exec(err)?.[1], 30_000, () => err);
  dirsSeen.add(dir);
  await waitFor('the primary to run', () => err.includes('primary running'), 60_000, () => err);
  child.kill('SIGTERM');
  expect(await exited(child)).toBe(0);
  expect(err).not.toContain('READY');
  await expectGone(dir, 10_000);
});

test('no PostgreSQL binaries: exit 1, says what to install, creates nothing', async () => {
  const demoDirs = () => new Set(fs.readdirSync('/tmp').filter((n) => /^safeops-demo-\w{6}$/.test(n)));
  const before = demoDirs();
  const r = await execa(process.execPath, [BIN, 'demo', '--no-shell'], { env: { ...userEnv(home()), SAFEOPS_PG_BIN: '/nonexistent' }, extendEnv: false, reject: false, stdin: 'ignore' });
  expect(r.exitCode).toBe(1);
  expect(String(r.stderr)).toContain('SAFEOPS_PG_BIN=/nonexistent does not hold initdb');
  expect([...demoDirs()].filter((n) => !before.has(n))).toEqual([]);
});

test('SIGKILL of the demo: its reaper stops everything and removes the dir', async () => {
  const demo = await startNoShell(home());
  const dir = path.dirname(demo.vars.PRIMARY!);
  demo.child.kill('SIGKILL');
  await exited(demo.child);
  await expectGone(dir, 30_000);
});

describe('the interactive demo in tmux (--shell bash)', () => {
  let tmux: TmuxServer;
  beforeAll(() => {
    tmux = new TmuxServer('demo', cleanEnv(home()));
  });
  afterAll(() => tmux.kill());

  /** Start the demo in a pane; resolves with its dir once the shell's prompt shows PRIMARY. */
  async function startPane(name: string): Promise<string> {
    const h = home();
    const raw = path.join(h, 'pane.out'); // everything the pane printed, for a failure's message
    tmux.start(name, [process.execPath, BIN, 'demo', '--shell', 'bash'], { env: { HOME: h, SAFEOPS_DEBUG: '1' }, cwd: h, pipeTo: raw });
    const dead = () => tmux.tmux('display-message', '-p', '-t', name, '#{pane_dead}').trim() === '1';
    const screen = () => `${tmux.capture(name)}\n--- raw output ---\n${readFrom(raw).toString('utf8').slice(-3000)}`;
    const dir = await waitFor(
      'the banner',
      () => {
        if (dead()) throw new Error(`the demo exited before its banner:\n${screen()}`);
        return /Everything is in (\/\S+) and goes away/.exec(tmux.capture(name))?.[1];
      },
      90_000,
      screen,
    );
    dirsSeen.add(dir);
    // The prompt (it may wrap: the label names every cluster on the host) after the banner.
    const prompt = () => {
      const lines = tmux.capture(name).split('\n');
      const after = lines.slice(lines.findIndex((l) => l.includes('stop the servers and the watcher')) + 2);
      return /[#$] *$/.test(after.filter((l) => l.trim()).at(-1) ?? '') && /PRIMARY ([\w.-]+\/)*primary\b/.test(after.join(''));
    };
    await waitFor('a prompt showing PRIMARY', prompt, 20_000, screen);
    return dir;
  }

  test('banner, prompt, a refused rm -rf $PRIMARY, and `exit` cleans everything up', async () => {
    const dir = await startPane('exit');
    const screen = tmux.capture('exit');
    expect(screen).toContain('safeops demo: a disposable PostgreSQL');
    expect(screen).toContain(`$PRIMARY  ${dir}/primary`);
    expect(screen).toContain('rm -rf $PRIMARY');
    tmux.type('exit', 'rm -rf $PRIMARY');
    await waitFor('the refusal', () => tmux.capture('exit').includes('REFUSED'), 20_000, () => tmux.capture('exit'));
    tmux.type('exit', 'echo "rm said $?"');
    await waitFor('rm exit status 77', () => tmux.capture('exit').includes('rm said 77'), 10_000, () => tmux.capture('exit'));
    expect(fs.existsSync(path.join(dir, 'primary/PG_VERSION'))).toBe(true);
    // Started from a 0700 home postgres cannot enter: the shell starts in the demo's dir, and the
    // banner's runuser commands print no "could not change directory".
    expect(tmux.capture('exit')).toContain(`This shell starts in ${dir}`);
    tmux.type('exit', 'clear; safeops exec runuser -u postgres -- pg_ctl -D $STANDBY status; echo "status said $?"');
    await waitFor('pg_ctl status', () => tmux.capture('exit').includes('status said 0'), 20_000, () => tmux.capture('exit'));
    expect(tmux.capture('exit')).toContain('server is running');
    expect(tmux.capture('exit')).not.toContain('could not change directory');
    tmux.type('exit', 'exit');
    await waitFor('the pane to close', () => tmux.tmux('display-message', '-p', '-t', 'exit', '#{pane_dead}').trim() === '1', 30_000, () => tmux.capture('exit'));
    await expectGone(dir, 10_000);
    expect(tmux.capture('exit')).toContain(`removed ${dir}`);
  });

  test('killing the tmux pane (SIGHUP) cleans everything up', async () => {
    const dir = await startPane('hup');
    tmux.tmux('kill-pane', '-t', 'hup');
    await expectGone(dir, 30_000);
  });
});
