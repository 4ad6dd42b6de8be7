// The prompt segment, the background escapes and the guarded-command functions, in real
// interactive bash, zsh and fish running in tmux. The state file is written by hand here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { renderInit, type ShellName } from '../../src/shell/render.js';
import { TmuxServer, cleanEnv, interactiveShell, readFrom, sizeOf, waitFor } from '../support/tmux.js';

const SHELLS: ShellName[] = ['bash', 'zsh', 'fish'];
const ESC = '\x1b';
const BEL = '\x07';
const osc11 = (c: string) => `${ESC}]11;${c}${BEL}`;
const PRIMARY_SGR = '48;2;95;0;0';
const STANDBY_SGR = '48;2;0;0;95';
const STALE_SGR = '48;2;95;63;0';
const PROMPT_END = /[#$%>]$/;

const now = () => Math.floor(Date.now() / 1000);

function promptText(role: string, label: string, o: { heartbeat?: number; alerts?: string[] } = {}): string {
  const alerts = (o.alerts ?? []).map((a) => `alert ${a}\n`).join('');
  return `safeops-prompt 1\nheartbeat ${o.heartbeat ?? now()}\nrole ${role}\nlabel ${label}\n${alerts}end\n`;
}

/** Publish a prompt file the way the watcher does: write a temp file, rename it into place. */
function publish(stateDir: string, body: string | Buffer): void {
  const tmp = path.join(stateDir, `.prompt.${process.pid}.tmp`);
  fs.writeFileSync(tmp, body);
  fs.renameSync(tmp, path.join(stateDir, 'prompt'));
}

/** A fake `safeops` that records its argv (NUL-separated) and exits 0. */
function fakeSafeops(file: string, log: string): void {
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\0' "$@" > '${log}'\n`, { mode: 0o755 });
}

function render(shell: ShellName, binPath: string): string {
  const c = defaultConfig();
  return renderInit(shell, {
    binPath,
    stateDirs: ['$XDG_RUNTIME_DIR/safeops', '/run/safeops'],
    colors: c.shell.colors,
    staleAfterSeconds: c.watch.staleAfterSeconds,
    features: { prompt: true, background: true, title: true, tmux: true },
    noColor: false,
  });
}

describe.each(SHELLS)('%s prompt in tmux', (shell) => {
  let tmp: string;
  let stateDir: string;
  let server: TmuxServer;
  let pane: string;
  let out: string;
  let log: string;
  let canary: string;
  let mark = 0;

  const lines = () => server.lines(pane, false, true);
  const screen = () => server.capture(pane);

  /**
   * Run `cmd` (if any) then `true <mark>` on one line, and return the prompt drawn after it:
   * plain text and with SGR. One line, so nothing is typed ahead while a command runs (sudo
   * with use_pty would pass typed-ahead keys to its command).
   */
  async function nextPrompt(cmd?: string): Promise<{ text: string; sgr: string }> {
    const m = `mark-${++mark}`;
    server.type(pane, cmd ? `${cmd}; true ${m}` : `true ${m}`);
    return waitFor(
      `the prompt after "${m}"`,
      () => {
        const plain = lines();
        const i = plain.findLastIndex((l) => l.includes(`true ${m}`));
        const text = plain[i + 1]?.trimEnd();
        if (i < 0 || text === undefined || !PROMPT_END.test(text)) return undefined;
        return { text: text.trimEnd(), sgr: server.lines(pane, true, true)[i + 1]?.trimEnd() ?? '' };
      },
      8000,
      screen,
    );
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `safeops-prompt-${shell}-`));
    stateDir = path.join(tmp, 'state');
    fs.mkdirSync(stateDir);
    out = path.join(tmp, 'pane.out');
    log = path.join(tmp, 'safeops.argv');
    canary = path.join(tmp, 'pwned');
    fakeSafeops(path.join(tmp, 'safeops'), log);
    const init = path.join(tmp, `init.${shell}`);
    fs.writeFileSync(init, render(shell, path.join(tmp, 'safeops')));
    publish(stateDir, promptText('primary', 'PRIMARY 15/main'));
    server = new TmuxServer(`prompt-${shell}`, cleanEnv(tmp));
    const sh = interactiveShell(shell, path.join(tmp, 'rc'), init);
    pane = server.start('main', sh.argv, { env: { ...sh.env, SAFEOPS_STATE_DIR: stateDir }, pipeTo: out, cwd: tmp });
  });

  afterAll(() => {
    server?.kill();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });

  test('the first prompt shows the primary, coloured, and the background follows', async () => {
    const i = await waitFor('PRIMARY 15/main in the prompt', () => {
      const l = lines();
      const idx = l.findIndex((x) => x.includes('PRIMARY 15/main') && PROMPT_END.test(x.trimEnd()));
      return idx >= 0 ? idx + 1 : undefined;
    }, 8000, screen);
    expect(server.lines(pane, true, true)[i - 1]).toContain(PRIMARY_SGR);
    await waitFor('OSC 11 for the primary', () => readFrom(out).includes(osc11('#5f0000')), 3000);
  });

  test('a standby file changes the segment at the next prompt', async () => {
    const before = sizeOf(out);
    publish(stateDir, promptText('standby', 'standby 15/replica', { alerts: ['not streaming from 10.0.0.1:5432'] }));
    const p = await nextPrompt();
    expect(p.text).toContain('standby 15/replica');
    expect(p.text).toMatch(/⚠ not streaming from 10\.0\.0\.1:5432/);
    expect(p.text).not.toContain('PRIMARY');
    expect(p.sgr).toContain(STANDBY_SGR);
    expect(readFrom(out, before).toString('latin1')).toContain(osc11('#00005f'));
  });

  test('an old heartbeat shows stale, in the stale colour, never the old one', async () => {
    publish(stateDir, promptText('primary', 'PRIMARY 15/main'));
    expect((await nextPrompt()).text).toContain('PRIMARY 15/main');
    const before = sizeOf(out);
    publish(stateDir, promptText('primary', 'PRIMARY 15/main', { heartbeat: now() - 120, alerts: ['archiving failing on 15/main'] }));
    const p = await nextPrompt();
    expect(p.text).toMatch(/STALE \(watcher not running, last update 1[12][0-9]s ago\)/);
    expect(p.text).not.toContain('PRIMARY');
    expect(p.text).not.toContain('archiving');
    expect(p.sgr).toContain(STALE_SGR);
    expect(p.sgr).not.toContain(PRIMARY_SGR);
    expect(readFrom(out, before).toString('latin1')).toContain(osc11('#5f3f00'));
  });

  test('a heartbeat from the future (the clock went back) shows stale', async () => {
    publish(stateDir, promptText('primary', 'PRIMARY 15/main', { heartbeat: now() + 300 }));
    const p = await nextPrompt();
    expect(p.text).toMatch(/STALE \(heartbeat (29[0-9]|300)s in the future: clock changed\?\)/);
    expect(p.sgr).toContain(STALE_SGR);
  });

  test('a missing file shows stale', async () => {
    fs.rmSync(path.join(stateDir, 'prompt'));
    const p = await nextPrompt();
    expect(p.text).toContain('STALE (watcher not running)');
    expect(p.sgr).toContain(STALE_SGR);
  });

  const hostile: Array<[string, () => string | Buffer]> = [
    ['$(…) in the label', () => promptText('primary', `PRIMARY $(touch ${canary})`)],
    ['backticks in the label', () => promptText('primary', `PRIMARY \`touch ${canary}\``)],
    ['; rm in the role', () => promptText(`primary; touch ${canary}; rm -rf x`, 'PRIMARY 15/main')],
    ['$(…) in the role', () => promptText(`$(touch ${canary})`, 'PRIMARY 15/main')],
    ['arithmetic injection in the heartbeat', () => `safeops-prompt 1\nheartbeat a[$(touch ${canary})]\nrole primary\nlabel PRIMARY\nend\n`],
    ['a raw OSC 11 in the label', () => promptText('primary', `PRIMARY ${ESC}]11;#ff0000${BEL} 15/main`)],
    ['zsh prompt escapes in the label', () => promptText('primary', `PRIMARY %{${ESC}]11;#ff0000${BEL}%} %F{red}`)],
    ['a 1 MB line', () => promptText('primary', `PRIMARY ${'A'.repeat(1 << 20)}`)],
    ['invalid UTF-8', () => Buffer.concat([Buffer.from('safeops-prompt 1\nheartbeat ' + now() + '\nrole primary\nlabel PRIMARY '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' 15/main\nend\n')])],
    ['no end line', () => promptText('primary', 'PRIMARY 15/main').replace('end\n', '')],
    ['another first line', () => promptText('primary', 'PRIMARY 15/main').replace('safeops-prompt 1', 'safeops-prompt 2')],
    ['an unknown key', () => promptText('primary', 'PRIMARY 15/main').replace('end\n', 'exec touch /x\nend\n')],
  ];

  test.each(hostile)('hostile file (%s): runs nothing, prints no raw escape, shows stale', async (_name, body) => {
    // Start from a good primary, so a stale result is the file's doing.
    publish(stateDir, promptText('primary', 'PRIMARY 15/main'));
    expect((await nextPrompt()).text).toContain('PRIMARY 15/main');
    const before = sizeOf(out);
    publish(stateDir, body());
    const p = await nextPrompt();
    expect(p.text).toContain('STALE (unreadable state file)');
    expect(p.sgr).toContain(STALE_SGR);
    expect(p.sgr).not.toContain(PRIMARY_SGR);
    const written = readFrom(out, before).toString('latin1');
    expect(written).not.toContain('#ff0000');
    expect(written).not.toContain('touch');
    expect(written).toContain(osc11('#5f3f00'));
    expect(fs.existsSync(canary)).toBe(false);
  });

  test('a FIFO in place of the file does not hang the shell', async () => {
    fs.rmSync(path.join(stateDir, 'prompt'), { force: true });
    fs.mkdirSync(path.join(stateDir, 'fifo-dir'), { recursive: true });
    const fifo = path.join(stateDir, 'fifo-dir', 'p');
    await import('node:child_process').then((cp) => cp.execFileSync('mkfifo', [fifo]));
    fs.renameSync(fifo, path.join(stateDir, 'prompt'));
    expect((await nextPrompt()).text).toContain('STALE');
    fs.rmSync(path.join(stateDir, 'prompt'));
  });

  test('guarded commands call safeops with their exact arguments', async () => {
    const run = async (cmd: string) => {
      fs.rmSync(log, { force: true });
      await nextPrompt(cmd);
      return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\0').slice(0, -1) : null;
    };
    expect(await run('rm -rf /x "a b"')).toEqual(['rm', '-rf', '/x', 'a b']);
    expect(await run("wal-g backup-fetch '/var/lib/postgresql/15/main' LATEST")).toEqual(['wal-g', 'backup-fetch', '/var/lib/postgresql/15/main', 'LATEST']);
    expect(await run('pg_ctlcluster 15 main stop -m immediate')).toEqual(['pg_ctlcluster', '15', 'main', 'stop', '-m', 'immediate']);
    expect(await run('sudo ls / >/dev/null')).toBeNull();
    expect(await run('sudo -u postgres rm x')).toEqual(['sudo', '-u', 'postgres', 'rm', 'x']);
    expect(await run("sudo sh -c 'cd /tmp && rm -rf y'")).toEqual(['sudo', 'sh', '-c', 'cd /tmp && rm -rf y']);
    expect(await run('sudo /opt/wal-g/wal-g backup-fetch /d LATEST')).toEqual(['sudo', '/opt/wal-g/wal-g', 'backup-fetch', '/d', 'LATEST']);
    const victim = path.join(tmp, 'victim');
    fs.writeFileSync(victim, 'x');
    // Relative (the pane starts in tmp): a long temp path would wrap the command line.
    expect(await run('SAFEOPS_DISABLE=1 rm ./victim')).toBeNull();
    expect(fs.existsSync(victim)).toBe(false);
  });

  test('exit resets the background (OSC 111)', async () => {
    const before = sizeOf(out);
    server.type(pane, 'exit');
    await waitFor('OSC 111 on exit', () => readFrom(out, before).includes(`${ESC}]111${BEL}`), 5000, () => JSON.stringify(readFrom(out, before).toString('latin1')));
  });
});

describe.each(SHELLS)('%s forks nothing per prompt (strace)', (shell) => {
  let tmp: string;
  let server: TmuxServer;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `safeops-forks-${shell}-`));
  });
  afterAll(() => {
    server?.kill();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });

  test('20 prompts: no fork, vfork, execve or process clone; the file read at each', async () => {
    const stateDir = path.join(tmp, 'state');
    fs.mkdirSync(path.join(stateDir, 'shells'), { recursive: true, mode: 0o700 });
    publish(stateDir, promptText('primary', 'PRIMARY 15/main', { alerts: ['archiving failing on 15/main'], heartbeat: now() + 5 }));
    const init = path.join(tmp, `init.${shell}`);
    fakeSafeops(path.join(tmp, 'safeops'), path.join(tmp, 'argv'));
    fs.writeFileSync(init, render(shell, path.join(tmp, 'safeops')));
    const trace = path.join(tmp, 'trace');
    for (const m of ['mark-start', 'mark-end']) fs.writeFileSync(path.join(tmp, m), '');
    server = new TmuxServer(`forks-${shell}`, cleanEnv(tmp));
    const sh = interactiveShell(shell, path.join(tmp, 'rc'), init, ['strace', '-f', '-e', 'trace=process,openat', '-o', trace]);
    const pane = server.start('main', sh.argv, { env: { ...sh.env, SAFEOPS_STATE_DIR: stateDir }, cwd: tmp });
    // Prompt lines so far, scrollback included (each Enter adds one), counted once the last
    // one is fully drawn.
    const prompts = () => {
      const l = server.tmux('capture-pane', '-p', '-S', '-', '-t', pane).split('\n').filter((x) => x.includes('PRIMARY 15/main'));
      return l.length > 0 && PROMPT_END.test(l[l.length - 1]!) ? l.length : 0;
    };
    await waitFor('the first prompt', () => prompts() >= 1, 10000, () => server.capture(pane));
    server.type(pane, `true < ${tmp}/mark-start`);
    await waitFor('the prompt after the start mark', () => prompts() >= 2, 5000, () => server.capture(pane));
    for (let i = 0; i < 20; i++) {
      server.keys(pane, 'Enter');
      await waitFor(`prompt ${i + 3}`, () => prompts() >= i + 3, 5000, () => server.capture(pane));
    }
    server.type(pane, `true < ${tmp}/mark-end`);
    await waitFor('the prompt after the end mark', () => prompts() >= 23, 5000, () => server.capture(pane));
    server.type(pane, 'exit');
    await waitFor('strace to finish', () => /\+\+\+ exited with/.test(readFrom(trace).toString()) && server.tmux('display-message', '-p', '-t', pane, '#{pane_dead}').trim() === '1', 10000);

    const lines = fs.readFileSync(trace, 'utf8').split('\n');
    const start = lines.findIndex((l) => l.includes('mark-start"'));
    const end = lines.findIndex((l) => l.includes('mark-end"'));
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const window = lines.slice(start, end);
    // fish runs helper threads (clone3 with CLONE_THREAD): threads are not processes.
    const spawned = window.filter((l) => /^\d+\s+(fork|vfork|clone3?|execve|execveat)\(/.test(l) && !l.includes('CLONE_THREAD'));
    expect(spawned).toEqual([]);
    const reads = window.filter((l) => l.includes(`${stateDir}/prompt"`) && /openat\(/.test(l));
    expect(reads.length).toBeGreaterThanOrEqual(20);
  });
});
