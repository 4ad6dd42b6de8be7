// Routing in the integrated shells (issue 9 item 3, TOOLS.md): every prefix command goes
// through `safeops exec` when a word names a guarded tool, and runs plain (safeops not even
// started) when none does; the new guarded tools call safeops, with their cheap pre-filters.
// A stub in place of safeops records its argv, so this checks the routing, not the decision.
// Then for real: `nice -n 19 rm -rf DATA` of a running primary in bash, zsh and fish in tmux
// is refused, and the files are still there.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { SHELLS, renderInit, type InitOptions, type ShellName } from '../../src/shell/render.js';
import { BIN, cliEnv, type CliEnv } from '../support/cli.js';
import { cleanupAll, initPrimary, makeTempRoot, psql, stopNode, type PgNode } from '../support/pg.js';
import { TmuxServer, cleanEnv, interactiveShell, waitFor } from '../support/tmux.js';

const run = promisify(execFile);

const PREFIXES = ['nice', 'ionice', 'nohup', 'timeout', 'env', 'setsid', 'stdbuf', 'chrt', 'taskset', 'runuser', 'su', 'doas', 'xargs', 'flock', 'script', 'busybox', 'parallel', 'watch'];
const NEW_TOOLS = ['mv', 'cp', 'rsync', 'truncate', 'shred', 'pg_dropcluster', 'pg_resetwal', 'pg_rewind', 'pg_upgrade', 'pkill', 'killall', 'reboot', 'shutdown', 'poweroff', 'halt', 'umount', 'mkfs', 'wipefs'];

let tmp: string;
let stub: string;
let env: Record<string, string>;

function options(binPath: string, over: Partial<InitOptions> = {}): InitOptions {
  const c = defaultConfig();
  return {
    binPath,
    stateDirs: ['/nonexistent/safeops'],
    colors: c.shell.colors,
    staleAfterSeconds: 10,
    features: { prompt: true, background: false, title: false, tmux: false },
    noColor: true,
    mkfsTools: ['mkfs.ext4', 'mkfs.bad;name'],
    ...over,
  };
}

/** Run `line` in `shell` with the integration loaded (stub safeops); what the stub got, if called. */
async function routed(shell: ShellName, line: string): Promise<{ argv: string[] | null; stdout: string; stderr: string }> {
  const log = path.join(tmp, `argv-${shell}-${Math.random().toString(36).slice(2)}`);
  const script = path.join(tmp, `init.${shell}`);
  const argv = shell === 'fish' ? ['fish', '--no-config', '--private', '-c', `source ${script}; ${line}`] : [shell, shell === 'bash' ? '--norc' : '--no-rcs', '-c', `source ${script}; ${line}`];
  let stdout = '';
  let stderr = '';
  try {
    const r = await run(argv[0]!, argv.slice(1), { env: { ...env, STUB_LOG: log }, encoding: 'utf8', timeout: 20_000 });
    stdout = r.stdout;
    stderr = r.stderr;
  } catch (e) {
    stdout = (e as { stdout?: string }).stdout ?? '';
    stderr = (e as { stderr?: string }).stderr ?? String(e);
  }
  const got = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\0').slice(0, -1) : null;
  return { argv: got, stdout, stderr };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-routing-'));
  stub = path.join(tmp, 'stub-safeops');
  fs.writeFileSync(stub, '#!/bin/sh\nprintf \'%s\\0\' "$@" > "$STUB_LOG"\n', { mode: 0o755 });
  for (const shell of SHELLS) fs.writeFileSync(path.join(tmp, `init.${shell}`), renderInit(shell, options(stub)));
  env = cleanEnv(tmp);
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(SHELLS)('%s: routing', (shell) => {
  test('every prefix command naming a guarded tool goes to `safeops exec`, argv intact', async () => {
    const lines = PREFIXES.map((p) => `${p} rm -rf /nonexistent/x 'a b'`);
    const results = await Promise.all(lines.map((l) => routed(shell, l)));
    expect(results.map((r) => r.argv)).toEqual(PREFIXES.map((p) => ['exec', '--', p, 'rm', '-rf', '/nonexistent/x', 'a b']));
  });

  test.each<[string, string[]]>([
    ['nice -n 19 rm -rf /nonexistent/DATA', ['exec', '--', 'nice', '-n', '19', 'rm', '-rf', '/nonexistent/DATA']],
    [`env sh -c 'rm -rf /nonexistent/y'`, ['exec', '--', 'env', 'sh', '-c', 'rm -rf /nonexistent/y']],
    [`su -c 'pg_ctl stop -D /x' postgres`, ['exec', '--', 'su', '-c', 'pg_ctl stop -D /x', 'postgres']],
    ['timeout 5 mkfs.xfs /dev/nonexistent', ['exec', '--', 'timeout', '5', 'mkfs.xfs', '/dev/nonexistent']],
    ['nohup /usr/bin/pg_dropcluster 15 main', ['exec', '--', 'nohup', '/usr/bin/pg_dropcluster', '15', 'main']],
    ['env -S "kill -9 1"', ['exec', '--', 'env', '-S', 'kill -9 1']],
    ['xargs -0 rm </dev/null', ['exec', '--', 'xargs', '-0', 'rm']],
    ['runuser -u postgres -- psql -c "select pg_promote()"', ['exec', '--', 'runuser', '-u', 'postgres', '--', 'psql', '-c', 'select pg_promote()']],
    ['sudo cp /a /b', ['sudo', 'cp', '/a', '/b']],
  ])('%s', async (line, want) => {
    expect((await routed(shell, line)).argv).toEqual(want);
  });

  test('the new guarded tools call safeops with their own name', async () => {
    const results = await Promise.all([...NEW_TOOLS, 'mkfs.ext4'].map((t) => routed(shell, `${t} /nonexistent/a 'b c'`)));
    expect(results.map((r) => r.argv)).toEqual([...NEW_TOOLS, 'mkfs.ext4'].map((t) => [t, '/nonexistent/a', 'b c']));
    // A name render.ts rejected never became a function.
    expect((await routed(shell, shell === 'fish' ? 'functions -q mkfs.bad\\;name; and echo defined' : 'type "mkfs.bad;name" >/dev/null 2>&1 && echo defined')).stdout).toBe('');
  });

  test.each<[string, string[] | null]>([
    ['find /nonexistent -delete', ['find', '/nonexistent', '-delete']],
    ['find /nonexistent -name x -exec rm {} +', ['find', '/nonexistent', '-name', 'x', '-exec', 'rm', '{}', '+']],
    ['find /nonexistent -execdir true', ['find', '/nonexistent', '-execdir', 'true']],
    ['find /nonexistent -name x', null],
    ['dd if=/dev/zero of=/nonexistent/x', ['dd', 'if=/dev/zero', 'of=/nonexistent/x']],
    ['dd if=/dev/null count=0 status=none', null],
    ['psql -c "SELECT pg_PROMOTE()"', ['psql', '-c', 'SELECT pg_PROMOTE()']],
    ['psql -f /nonexistent.sql', ['psql', '-f', '/nonexistent.sql']],
    ['psql -Xqf /nonexistent.sql', ['psql', '-Xqf', '/nonexistent.sql']],
    ['psql --file=/nonexistent.sql', ['psql', '--file=/nonexistent.sql']],
    ['psql --version', null],
    ['kill -9 2147480000', ['kill', '-9', '2147480000']],
    ['kill 2147480000', ['kill', '2147480000']],
    ['kill -s HUP -- -2147480000', ['kill', '-s', 'HUP', '--', '-2147480000']],
    ['kill -l 9', null],
    ['kill %1', null],
    ['kill -s HUP %2', null],
  ])('pre-filter: %s', async (line, want) => {
    expect((await routed(shell, line)).argv).toEqual(want);
  });

  test('prefix commands with no guarded word run plain, without safeops', async () => {
    const lines = ['nice -n 5 echo plain', 'env FOO=bar sh -c "echo \\$FOO"', 'timeout 5 echo plain', 'xargs echo </dev/null', 'env', 'stdbuf -o0 echo plain', 'nohup echo plain 2>/dev/null', 'setsid -w echo plain', 'flock /dev/null echo plain', 'busybox true'];
    const results = await Promise.all(lines.map((l) => routed(shell, l)));
    expect(results.map((r) => r.argv)).toEqual(lines.map(() => null));
    expect(results[0]!.stdout).toBe('plain\n');
    expect(results[1]!.stdout).toBe('bar\n');
  });

  test('`command rm` stays the way around the guard; `time rm` is guarded', async () => {
    const victim = path.join(tmp, `victim-${shell}`);
    fs.writeFileSync(victim, '');
    expect((await routed(shell, `command rm ${victim}`)).argv).toBeNull();
    expect(fs.existsSync(victim)).toBe(false);
    expect((await routed(shell, 'time rm /nonexistent/x')).argv).toEqual(['rm', '/nonexistent/x']);
  });

  test('SAFEOPS_DISABLE=1 runs the prefix command itself; a missing safeops runs nothing', async () => {
    const r = await routed(shell, `SAFEOPS_DISABLE=1 nice rm -f ${path.join(tmp, 'absent')}; echo rc=${shell === 'fish' ? '$status' : '$?'}`);
    expect(r.argv).toBeNull();
    expect(r.stdout).toBe('rc=0\n');
    const missing = path.join(tmp, `init-missing.${shell}`);
    fs.writeFileSync(missing, renderInit(shell, options('/nonexistent/safeops')));
    const victim = path.join(tmp, `victim2-${shell}`);
    fs.writeFileSync(victim, '');
    const argv = shell === 'fish' ? ['fish', '--no-config', '--private', '-c', `source ${missing}; nice rm ${victim}; echo rc=$status`] : [shell, '-c', `source ${missing}; nice rm ${victim}; echo rc=$?`];
    const out = await run(argv[0]!, argv.slice(1), { env, encoding: 'utf8' });
    expect(out.stdout).toBe('rc=127\n');
    expect(out.stderr).toContain('SAFEOPS_DISABLE=1 nice');
    expect(fs.existsSync(victim)).toBe(true);
  });
});

describe('interactive: `exec` (alias in bash and zsh, abbreviation in fish)', () => {
  let server: TmuxServer;
  beforeAll(() => {
    server = new TmuxServer('routing', env);
  });
  afterAll(() => server?.kill());

  test.each(SHELLS)('%s: `exec rm -rf X` goes to safeops and the shell stays; `exec` of a harmless command still execs', async (shell) => {
    const dir = path.join(tmp, `pane-${shell}`);
    const log = path.join(dir, 'argv');
    const { argv, env: extra } = interactiveShell(shell, dir, path.join(tmp, `init.${shell}`));
    const pane = server.start(`exec-${shell}`, argv, { env: { ...extra, STUB_LOG: log } });
    const screen = () => server.capture(pane);
    await waitFor('the prompt', () => /[$%>#] *$/m.test(screen()), 15_000, screen);
    server.type(pane, 'exec rm -rf /nonexistent/X');
    // The stub creates the file, then writes: wait for the whole argv, not for the file.
    await waitFor('the stub to be called', () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').endsWith('/nonexistent/X\0'), 15_000, screen);
    expect(fs.readFileSync(log, 'utf8').split('\0').slice(0, -1)).toEqual(['exec', '--', 'rm', '-rf', '/nonexistent/X']);
    server.type(pane, 'echo still-here-$((6*7))'.replace('$((6*7))', shell === 'fish' ? '(math 6 \\* 7)' : '$((6*7))'));
    await waitFor('the shell to still answer', () => screen().includes('still-here-42'), 15_000, screen);
    if (shell !== 'fish') {
      // Redirections alone would be undone at the end of a function: refused, with the way out.
      server.type(pane, 'exec 3>/dev/null');
      await waitFor('the hint', () => screen().includes('builtin exec'), 15_000, screen);
    }
    server.type(pane, 'exec sh -c "echo replaced-by-sh; sleep 600"');
    await waitFor('exec to replace the shell', () => screen().includes('replaced-by-sh'), 15_000, screen);
    const pid = server.pid(pane);
    expect(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('sh');
  });
});

describe('for real: `nice -n 19 rm -rf DATA` of a running primary', () => {
  let root: string;
  let primary: PgNode;
  let cli: CliEnv;
  let server: TmuxServer;

  beforeAll(async () => {
    root = makeTempRoot('safeops-routing-pg-');
    primary = await initPrimary({ root, name: 'primary' });
    cli = cliEnv({ roots: [root] });
    server = new TmuxServer('routing-real', cleanEnv(tmp, cli.env));
  }, 180_000);
  afterAll(async () => {
    server?.kill();
    if (primary) await stopNode(primary, 'immediate').catch(() => undefined);
    await cleanupAll();
    if (cli) fs.rmSync(cli.dir, { recursive: true, force: true });
  });

  test.each(SHELLS)('%s: refused, the files are still there', async (shell) => {
    const init = path.join(tmp, `real-init.${shell}`);
    fs.writeFileSync(init, renderInit(shell, options(BIN, { stateDirs: [cli.stateDir] })));
    const dir = path.join(tmp, `real-${shell}`);
    const { argv, env: extra } = interactiveShell(shell, dir, init);
    const pane = server.start(`real-${shell}`, argv, { env: extra });
    const screen = () => server.capture(pane);
    await waitFor('the prompt', () => /[$%>#] *$/m.test(screen()), 15_000, screen);
    const status = shell === 'fish' ? '$status' : '$?';
    server.type(pane, `nice -n 19 rm -rf ${primary.dataDir}; echo "rc=${status}"`);
    const rc = await waitFor('rm to finish', () => /rc=(\d+)/.exec(screen())?.[1], 60_000, screen);
    expect(rc).not.toBe('0');
    expect(screen()).toMatch(/refus|running|PRIMARY/i);
    expect(fs.existsSync(path.join(primary.dataDir, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(primary.dataDir, 'global/pg_control'))).toBe(true);
    expect(await psql(primary, 'select 1')).toBe('1');
  });
});
