// Output that obeys the data (issue 9, item 6): a real running cluster, and a real stopped one,
// whose data directory names hold escape sequences, a BEL, a newline and `$(touch ...)`. Every
// output (status, refusal, explain, the confirmation screen in a real terminal) is checked byte
// for byte: no raw control byte of the name reaches the terminal; and the refusal's suggested
// command, pasted into bash, names exactly the data directory and runs no `$(...)`.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, safeops, type CliEnv } from '../support/cli.js';
import { appendConf, cleanupAll, freePort, isRunning, makeTempRoot, PG_BIN, pgBin, readPidFile, stopNode, waitFor as pgWaitFor, type PgNode } from '../support/pg.js';
import { cleanEnv, readFrom, TmuxServer, waitFor } from '../support/tmux.js';

const tag = Math.random().toString(36).slice(2, 8);
const PWNED = `/tmp/pwned-${tag}`;
/** The hostile part: a title change, a colour, a BEL, a newline that would forge a line, a CSI in C1. */
const NAME = `d\x1b]0;PWNED\x07\x1b[31mred\nREFUSED forged\x9b2J`;
let root: string;
let live: PgNode;
let stopped: PgNode;
let env: CliEnv;
let tmux: TmuxServer;
let home: string;

/** Bytes a hostile name would put on the terminal if printed raw. */
function assertNoRawName(out: string | Buffer, where: string) {
  const s = Buffer.isBuffer(out) ? out.toString('latin1') : out;
  expect(s.includes('\x1b]0;PWNED'), `${where}: raw OSC title`).toBe(false);
  expect(s.includes('\x07'), `${where}: raw BEL`).toBe(false);
  expect(s.includes('\x1b[31mred'), `${where}: raw colour`).toBe(false);
  expect(s.includes('\nREFUSED forged'), `${where}: forged line`).toBe(false);
  // U+009B as UTF-8 (c2 9b) or as a raw byte.
  expect(s.includes('\xc2\x9b') || s.includes('\x9b'), `${where}: raw CSI`).toBe(false);
}

/** Plain (no colour) output must hold no control byte at all but newlines. */
function assertNoControls(out: string, where: string) {
  // eslint-disable-next-line no-control-regex
  const m = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/.exec(out);
  expect(m, `${where}: control byte ${m ? JSON.stringify(m[0]) : ''} in ${JSON.stringify(out.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 40))}`).toBeNull();
}

async function makeCluster(name: string, start: boolean): Promise<PgNode> {
  const dataDir = path.join(root, `x$(touch ${PWNED})`, name);
  const node: PgNode = { name, dataDir, port: await freePort(), socketDir: root, logFile: path.join(root, `${name.length}-${start ? 'live' : 'stopped'}.log`) };
  await pgBin('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-N', '--no-instructions', '--locale=C', '-E', 'UTF8']);
  appendConf(node, { port: node.port, unix_socket_directories: root, listen_addresses: '', max_connections: 10, shared_buffers: '16MB', fsync: 'off' });
  if (start) {
    // Not through pg_ctl start: it runs postgres through /bin/sh with the path in double quotes,
    // so PostgreSQL's own pg_ctl would run the name's $(...) (docs/escaping.md).
    const log = fs.openSync(node.logFile, 'a');
    const child = spawn('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, 'postgres'), '-D', dataDir], { detached: true, stdio: ['ignore', log, log], cwd: '/tmp' });
    child.unref();
    fs.closeSync(log);
    await pgWaitFor(() => isRunning(node) && readPidFile(node)?.lines[7]?.trim() === 'ready', 60_000, 'the hostile cluster to start');
  }
  return node;
}

beforeAll(async () => {
  root = makeTempRoot('safeops-esc-');
  live = await makeCluster(NAME, true);
  stopped = await makeCluster(`${NAME}-stopped`, false);
  env = cliEnv({ roots: [root] });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-esc-home-'));
  tmux = new TmuxServer('escaping', cleanEnv(home, { ...env.env, NO_COLOR: '' }));
}, 180_000);

afterAll(async () => {
  tmux?.kill();
  if (live && isRunning(live)) await stopNode(live, 'immediate').catch(() => undefined);
  const pid = live ? readPidFile(live)?.pid : undefined;
  if (pid && pid > 0 && isRunning(live)) process.kill(pid, 'SIGQUIT');
  if (root) fs.rmSync(root, { recursive: true, force: true });
  await cleanupAll();
  fs.rmSync(PWNED, { force: true });
  if (home) fs.rmSync(home, { recursive: true, force: true });
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('hostile data directory names', () => {
  it('status shows them escaped, with and without colour', async () => {
    for (const colour of [{ NO_COLOR: '1' }, { NO_COLOR: '', FORCE_COLOR: '1' }] as Array<Record<string, string>>) {
      const r = await safeops(['status'], { ...env.env, ...colour });
      expect(r.exitCode, r.stderr).toBe(0);
      assertNoRawName(r.stdout + r.stderr, 'status');
      if (colour.NO_COLOR) assertNoControls(r.stdout, 'status');
      expect(r.stdout).toContain('d\\x1b]0;PWNED\\x07\\x1b[31mred\\nREFUSED forged\\x9b2J');
    }
    expect(fs.existsSync(PWNED)).toBe(false);
  });

  it('the refusal is escaped, and its suggested stop command pastes to exactly the data directory', async () => {
    const r = await safeops(['rm', '-rf', live.dataDir], env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    assertNoRawName(r.stderr, 'refusal');
    assertNoControls(r.stderr, 'refusal');
    expect(fs.existsSync(path.join(live.dataDir, 'PG_VERSION'))).toBe(true);
    expect(isRunning(live)).toBe(true);
    // The operator pastes the suggested command: pg_ctl here only prints what it received.
    const hint = /\((pg_ctl -D .* stop)\), then run it again/.exec(r.stderr)?.[1];
    expect(hint, r.stderr).toBeTruthy();
    const got = execFileSync('bash', ['--norc', '--noprofile', '-c', `pg_ctl() { printf '%s\\0' "$@"; }; ${hint}`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } });
    expect(got.split('\0').slice(0, -1)).toEqual(['-D', live.dataDir, 'stop']);
    expect(fs.existsSync(PWNED), 'pasting ran the name\'s $(...)').toBe(false);
    // The command line shown is quoted the same way.
    const shown = /command: (.*)/.exec(r.stderr)?.[1];
    const args = execFileSync('bash', ['--norc', '--noprofile', '-c', `printf '%s\\0' ${shown}`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } });
    expect(args.split('\0').slice(0, -1)).toEqual(['rm', '-rf', live.dataDir]);
    expect(fs.existsSync(PWNED)).toBe(false);
  });

  it('explain is escaped', async () => {
    const r = await safeops(['explain', 'rm', '-rf', stopped.dataDir], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    assertNoRawName(r.stdout, 'explain');
    assertNoControls(r.stdout, 'explain');
    expect(r.stdout).toContain('\\x1b]0;PWNED');
  });

  it('in a real terminal: the refusal and the confirmation screen put no raw byte of the name on the tty', async () => {
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    for (const [i, target] of [live.dataDir, stopped.dataDir].entries()) {
      const log = path.join(home, `pane-${i}.raw`);
      const script = `cd /tmp; ${[process.execPath, BIN, 'rm', '-rf', target].map(quote).join(' ')}; echo "EXIT=$?"; sleep 600`;
      const t = tmux.start(`esc${i}`, ['bash', '--norc', '--noprofile', '-c', script], { pipeTo: log });
      if (i === 0) await waitFor('the refusal', () => /EXIT=77/.test(tmux.capture(t)), 20_000, () => tmux.capture(t));
      else {
        await waitFor('the confirmation screen', () => /Type the host name/.test(tmux.capture(t)), 20_000, () => tmux.capture(t));
        expect(tmux.capture(t)).toContain('\\x1b]0;PWNED');
        tmux.keys(t, 'C-c');
        await waitFor('Ctrl-C to end it', () => /EXIT=130/.test(tmux.capture(t)), 20_000, () => tmux.capture(t));
      }
      await waitFor('the pipe to flush', () => readFrom(log).includes('EXIT='), 10_000);
      assertNoRawName(readFrom(log), `tty ${i}`);
      expect(tmux.capture(t)).not.toMatch(/^REFUSED forged/m);
    }
    expect(fs.existsSync(path.join(stopped.dataDir, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(PWNED)).toBe(false);
  });
});
