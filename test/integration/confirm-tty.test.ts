// The confirmation screen in a real terminal (tmux), against real PostgreSQL: a wrong name runs
// nothing, the right one runs, Ctrl-C is 130 with the files intact, a real promotion while the
// screen is open voids the typed answer, and the terminal is sane afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, SHORT_HOST, type CliEnv } from '../support/cli.js';
import { cleanupAll, createStandby, initPrimary, isRunning, makeStoppedStandbyCopy, makeTempRoot, promote, psql, startNode, waitFor as pgWaitFor, type PgNode } from '../support/pg.js';
import { cleanEnv, TmuxServer, waitFor } from '../support/tmux.js';

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
let root: string;
let primary: PgNode;
let env: CliEnv;
let tmux: TmuxServer;
let home: string;
let n = 0;

beforeAll(async () => {
  root = makeTempRoot('safeops-tty-');
  primary = await initPrimary({ root, name: 'primary' });
  env = cliEnv({ roots: [root] });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-tty-home-'));
  tmux = new TmuxServer('confirm', cleanEnv(home, { ...env.env, NO_COLOR: '' }));
}, 120_000);

afterAll(async () => {
  tmux?.kill();
  await cleanupAll();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(env.dir, { recursive: true, force: true });
});

/** Run `safeops ARGS` (as `user`) in a fresh pane; after it exits the pane prints EXIT=n and the tty modes. */
function open(args: string[], user = 'root', extraEnv: Record<string, string> = {}): string {
  const name = `t${n++}`;
  const envArgs = Object.entries({ ...env.env, ...extraEnv }).map(([k, v]) => `${k}=${v}`);
  const run = [user === 'root' ? [] : ['runuser', '-u', user, '--'], 'env', ...envArgs, process.execPath, BIN, ...args].flat();
  const quoted = run.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `cd /tmp; ${quoted}; echo "EXIT=$?"; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo; sleep 600`;
  return tmux.start(name, ['bash', '--norc', '--noprofile', '-c', script]);
}

const screen = (t: string) => tmux.capture(t);
const waitText = (t: string, text: string | RegExp, ms = 15000) =>
  waitFor(`"${text}" on screen`, () => (typeof text === 'string' ? screen(t).includes(text) : text.test(screen(t))), ms, () => screen(t));
/** The terminal's modes after safeops exited, as the pane printed them ("icanon echo" when sane). */
const modesOf = async (t: string) => (await waitFor('the tty modes', () => /EXIT=\d+\s*\n(-?icanon -?echo)\b/.exec(screen(t)), 15000, () => screen(t)))[1];
const exitOf = async (t: string) => Number((await waitFor('EXIT=', () => /EXIT=(\d+)/.exec(screen(t)), 15000, () => screen(t)))[1]);

describe('the confirmation screen in a real terminal', () => {
  let copy: PgNode;
  beforeAll(async () => {
    copy = await makeStoppedStandbyCopy(primary, { root, name: 'copy', startedOnce: true });
  }, 60_000);

  it('shows the host first, the role in words and the exact command', async () => {
    const t = open(['rm', '-rf', copy.dataDir]);
    await waitText(t, 'Type the host name');
    const text = screen(t);
    expect(text.indexOf(`HOST ${SHORT_HOST}`)).toBeLessThan(text.indexOf('stopped standby'));
    expect(text).toContain(`rm -rf ${copy.dataDir}`);
    tmux.keys(t, 'Escape');
    expect(await exitOf(t)).toBe(130);
  });

  it('still draws with CI=1 exported (Ink alone would hide every frame until it ends)', async () => {
    const t = open(['rm', '-rf', copy.dataDir], 'root', { CI: '1', CONTINUOUS_INTEGRATION: 'true' });
    await waitText(t, 'Type the host name');
    expect(screen(t)).toContain('stopped standby');
    tmux.type(t, 'nope');
    expect(await exitOf(t)).toBe(1);
    expect(fs.existsSync(path.join(copy.dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('a wrong name runs nothing (exit 1)', async () => {
    const t = open(['rm', '-rf', copy.dataDir]);
    await waitText(t, 'Type the host name');
    tmux.type(t, `${SHORT_HOST}x`);
    expect(await exitOf(t)).toBe(1);
    expect(fs.existsSync(path.join(copy.dataDir, 'PG_VERSION'))).toBe(true);
    expect(await modesOf(t)).toBe('icanon echo');
  });

  it('Ctrl-C is 130, nothing ran, the terminal is sane', async () => {
    const t = open(['rm', '-rf', copy.dataDir]);
    await waitText(t, 'Type the host name');
    tmux.type(t, SHORT_HOST.slice(0, 2), false);
    tmux.keys(t, 'C-c');
    expect(await exitOf(t)).toBe(130);
    expect(fs.existsSync(path.join(copy.dataDir, 'PG_VERSION'))).toBe(true);
    expect(await modesOf(t)).toBe('icanon echo');
  });

  it('starting the cluster while the screen is open turns it into a refusal', async () => {
    const t = open(['rm', '-rf', copy.dataDir]);
    await waitText(t, 'Type the host name');
    await startNode(copy);
    try {
      expect(await exitOf(t)).toBe(77);
      expect(fs.existsSync(path.join(copy.dataDir, 'PG_VERSION'))).toBe(true);
      expect(await modesOf(t)).toBe('icanon echo');
    } finally {
      const { stopNode } = await import('../support/pg.js');
      await stopNode(copy);
    }
  });

  it('the right name runs it', async () => {
    const t = open(['rm', '-rf', copy.dataDir]);
    await waitText(t, 'Type the host name');
    tmux.type(t, SHORT_HOST);
    expect(await exitOf(t)).toBe(0);
    expect(fs.existsSync(copy.dataDir)).toBe(false);
    expect(await modesOf(t)).toBe('icanon echo');
  });
});

describe('a real promotion while the screen is open', () => {
  let standby: PgNode;
  beforeAll(async () => {
    standby = await createStandby(primary, { root, name: 'standby' });
  }, 60_000);

  it('shows the new role and the typed answer no longer counts', async () => {
    // An immediate stop of a running standby asks; once it is a primary, it is a strong confirmation.
    const t = open(['exec', PG_CTL, '-D', standby.dataDir, '-m', 'immediate', 'stop'], 'postgres');
    await waitText(t, 'Type the host name');
    expect(screen(t)).toContain('running standby');
    tmux.type(t, SHORT_HOST.slice(0, -1), false);
    await promote(standby);
    await pgWaitFor(async () => (await psql(standby, 'select pg_is_in_recovery()')) === 'f', 10_000, 'promotion');
    await waitText(t, 'ROLE CHANGED', 10_000);
    expect(screen(t)).toMatch(/RUNNING PRIMARY/);
    // Finishing the old answer must not run the command.
    tmux.type(t, SHORT_HOST.slice(-1));
    await new Promise((r) => setTimeout(r, 500));
    if (!/EXIT=/.test(screen(t))) tmux.keys(t, 'C-c');
    const code = await exitOf(t);
    expect([1, 130]).toContain(code);
    expect(isRunning(standby)).toBe(true);
    expect(await modesOf(t)).toBe('icanon echo');
  });
});
