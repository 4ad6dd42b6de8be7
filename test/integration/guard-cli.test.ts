// The CLI's contract: arguments passed on byte for byte, exit codes, and clear errors for bad
// input (no stack trace, nothing run).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, FIXTURE_BIN, safeops, type CliEnv } from '../support/cli.js';

let env: CliEnv;
beforeAll(() => {
  env = cliEnv();
});
afterAll(() => fs.rmSync(env.dir, { recursive: true, force: true }));

const dump = (r: { stdout: string }) => JSON.parse(r.stdout) as { argv0: string; args: string[] };

describe('pass-through', () => {
  const nasty = ['a b', 'x\ny', '-n', '--', '', 'é ü', '$(touch /tmp/pwned)', '*', '-rf', "it's", '\t'];
  it('exec passes every argument byte for byte', async () => {
    const r = await safeops(['exec', 'argv-dump', ...nasty], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(dump(r).args).toEqual(nasty);
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
  });

  it('exec -- separates safeops from the command', async () => {
    const r = await safeops(['exec', '--', 'argv-dump', '--help'], env.env);
    expect(dump(r).args).toEqual(['--help']);
  });

  it('sudo passes its own options and the command through (real sudo)', async () => {
    const r = await safeops(['sudo', '-E', '--', path.join(FIXTURE_BIN, 'argv-dump'), ...nasty], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(dump(r).args).toEqual(nasty);
  });

  it('rm receives its arguments unchanged, including a file named like a flag', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-pass-'));
    for (const f of ['-n', 'a b', 'x\ny']) fs.writeFileSync(path.join(dir, f), '');
    const r = await safeops(['rm', '--', '-n', 'a b', 'x\ny'], env.env, { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('exit codes', () => {
  it('the wrapped command\'s own code comes back', async () => {
    expect((await safeops(['exec', 'argv-dump'], { ...env.env, ARGV_DUMP_EXIT: '42' })).exitCode).toBe(42);
    expect((await safeops(['exec', 'false'], env.env)).exitCode).toBe(1);
  });

  it('a command killed by a signal is reported as 128+N', async () => {
    // Not `sh -c 'kill -TERM $$'`: kill is a guarded tool since issue 9, and a shell string with an
    // expansion that names one is asked about (docs/guarded-tools.md).
    const r = await safeops(['exec', process.execPath, '-e', 'process.kill(process.pid, "SIGTERM")'], env.env);
    expect(r.exitCode).toBe(143);
  });

  it('a command that does not exist is 127 and says so', async () => {
    const r = await safeops(['exec', 'no-such-command-safeops'], env.env);
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain('command not found');
  });
});

describe('bad input: a clear message, no stack trace, nothing run', () => {
  it.each([
    [[], 'Name a command'],
    [['frobnicate'], 'Unknown argument'],
    [['exec'], 'safeops exec needs a command'],
    [['sudo'], 'safeops sudo needs a command'],
    [['--confirm'], '--confirm needs'],
    [['--confirm=x', 'status'], '--confirm only applies'],
    [['init', 'tcsh'], 'tcsh'],
    [['status', '--frob'], 'Unknown argument'],
    [['statsu'], 'Did you mean status?'],
    [['init'], 'name your shell: bash, zsh or fish'],
  ])('%j', async (args, message) => {
    const r = await safeops(args, env.env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at [\w.<]+ \(/);
  });

  it('an unreadable config names the file, and protection stays on', async () => {
    const f = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-cfg-'));
    const target = path.join(f, 'victim');
    fs.writeFileSync(target, 'x');
    const r = await safeops(['rm', target], { ...env.env, SAFEOPS_CONFIG: path.join(f, 'missing.json') });
    expect(r.stderr).toContain(`config ${path.join(f, 'missing.json')}`);
    expect(r.exitCode).toBe(77); // needs confirmation now, and there is no terminal
    expect(fs.existsSync(target)).toBe(true);
  });

  it('a broken key names the file and the key', async () => {
    const f = path.join(env.dir, 'broken.json');
    fs.writeFileSync(f, JSON.stringify({ protect: [{ path: '/srv/archive', action: 'sometimes' }] }));
    const r = await safeops(['status'], { ...env.env, SAFEOPS_CONFIG: f });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`config ${f}: key protect[0].action: must be "confirm" or "refuse"`);
  });
});

describe('status', () => {
  it('--json follows the documented schema', async () => {
    const r = await safeops(['status', '--json'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schema: 'safeops.status/1', host: os.hostname(), clusters: expect.any(Array), configProblems: [] });
  });
});
