// When no watcher publishes, an integrated shell says so once, with how to start one; with
// SAFEOPS_START_WATCHER=1 it starts `safeops watch --daemon` itself, and shells started after
// it find it running (one watcher per state dir). The built bundle, real shells in tmux.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { BIN, cliEnv, safeops } from '../support/cli.js';
import { TmuxServer, cleanEnv, interactiveShell, waitFor, type TestShell } from '../support/tmux.js';

const servers: TmuxServer[] = [];
const stateDirs: string[] = [];
const tmpDirs: string[] = [];
const NOTICE = 'safeops: no watcher is running, so the prompt shows STALE';

afterAll(async () => {
  for (const s of servers) s.kill();
  for (const d of stateDirs) await safeops(['watch', '--stop', '--state-dir', d], {});
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup(shell: TestShell, extra: Record<string, string> = {}) {
  const env = cliEnv();
  tmpDirs.push(env.dir);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-notice-home-'));
  tmpDirs.push(home);
  const init = path.join(home, `init.${shell}`);
  // The integration calls the bundle through a wrapper that is on no PATH: as an installed bin would.
  const bin = path.join(home, 'safeops');
  fs.writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
  return { env, home, init, bin, extra };
}

async function renderInit(shell: TestShell, bin: string, env: Record<string, string>, file: string): Promise<void> {
  const { execa } = await import('execa');
  const r = await execa(bin, ['init', shell], { env: { ...process.env, ...env }, extendEnv: false });
  fs.writeFileSync(file, r.stdout);
}

describe.each<TestShell>(['bash', 'zsh', 'fish'])('%s', (shell) => {
  test('no watcher: the shell says once how to start one; a live watcher: nothing is said', async () => {
    const s = setup(shell);
    await renderInit(shell, s.bin, s.env.env, s.init);
    const server = new TmuxServer(`notice-${shell}`, cleanEnv(s.home));
    servers.push(server);
    const sh = interactiveShell(shell, path.join(s.home, 'sh1'), s.init);
    const pane = server.start('a', sh.argv, { env: { ...sh.env, ...s.env.env } });
    await waitFor('the notice', () => server.capture(pane).includes(NOTICE), 20_000, () => server.capture(pane));
    server.type(pane, 'echo ready');
    await waitFor('the prompt after it', () => /^ready$/m.test(server.capture(pane)), 20_000, () => server.capture(pane));
    const text = server.capture(pane).replace(/\n/g, ' ');
    expect(text.split('safeops: no watcher is running').length - 1).toBe(1);
    expect(text).toContain('safeops watch --daemon');
    expect(text).toContain('SAFEOPS_START_WATCHER');

    // With a watcher publishing, a new shell says nothing.
    stateDirs.push(s.env.stateDir);
    const started = await safeops(['watch', '--daemon', '--state-dir', s.env.stateDir, '--log', path.join(s.env.dir, 'watch.log')], s.env.env);
    expect(started.exitCode, started.stderr).toBe(0);
    const sh2 = interactiveShell(shell, path.join(s.home, 'sh2'), s.init);
    const pane2 = server.start('b', sh2.argv, { env: { ...sh2.env, ...s.env.env } });
    server.type(pane2, 'echo ready');
    await waitFor('the second shell', () => /^ready$/m.test(server.capture(pane2)), 20_000, () => server.capture(pane2));
    expect(server.capture(pane2)).not.toContain('no watcher is running');
  });
});

test('SAFEOPS_START_WATCHER=1: the first shell starts the daemon, the next finds it running', async () => {
  const s = setup('bash');
  await renderInit('bash', s.bin, s.env.env, s.init);
  stateDirs.push(s.env.stateDir);
  const server = new TmuxServer('autostart', cleanEnv(s.home));
  servers.push(server);
  const env = { ...s.env.env, SAFEOPS_START_WATCHER: '1', SAFEOPS_WATCH_LOG: path.join(s.env.dir, 'watch.log') };
  const sh = interactiveShell('bash', path.join(s.home, 'sh1'), s.init);
  const pane = server.start('a', sh.argv, { env: { ...sh.env, ...env } });
  await waitFor('the daemon started', () => /safeops watch: started \(pid (\d+)\)/.exec(server.capture(pane)), 30_000, () => server.capture(pane));
  const pid = Number(/safeops watch: started \(pid (\d+)\)/.exec(server.capture(pane))![1]);
  expect(fs.readFileSync(path.join(s.env.stateDir, 'watch.pid'), 'utf8')).toContain(`pid ${pid}\n`);
  // Started with the systemd units' young-generation bound (NODE_OPTIONS), as under systemd.
  expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('NODE_OPTIONS=--max-semi-space-size=4');
  expect(server.capture(pane)).not.toContain('no watcher is running');
  // The prompt is live at once (the daemon returned after its first publish).
  server.type(pane, 'echo ready');
  await waitFor('a live prompt', () => /^ready$/m.test(server.capture(pane)) && !server.capture(pane).includes('STALE'), 20_000, () => server.capture(pane));
  const sh2 = interactiveShell('bash', path.join(s.home, 'sh2'), s.init);
  const pane2 = server.start('b', sh2.argv, { env: { ...sh2.env, ...env } });
  server.type(pane2, 'echo ready');
  await waitFor('the second shell', () => /^ready$/m.test(server.capture(pane2)), 20_000, () => server.capture(pane2));
  expect(server.capture(pane2)).not.toContain('started (pid');
  expect(fs.readFileSync(path.join(s.env.stateDir, 'watch.pid'), 'utf8')).toContain(`pid ${pid}\n`);
  const stop = await safeops(['watch', '--stop', '--state-dir', s.env.stateDir], s.env.env);
  expect(stop.stdout).toBe(`stopped the watcher (pid ${pid}) of ${s.env.stateDir}`);
});
