// How the built wrapper leaves (docs/guard-flow.md "Leaving"): runGuard returns {code, signal}
// and only main ends the process, dying by the child's signal so the shell sees the same death.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, type CliEnv } from '../support/cli.js';

let env: CliEnv;
beforeAll(() => {
  env = cliEnv();
});
afterAll(() => fs.rmSync(env.dir, { recursive: true, force: true }));

/** The wrapper's raw status and signal, as its parent (a shell) sees them. */
function wrap(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env.env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

const killSelf = (sig: string) => ['exec', process.execPath, '-e', `process.kill(process.pid, ${JSON.stringify(sig)})`];

describe('the wrapper leaves the way its child left', () => {
  it('a child killed by SIGTERM: the wrapper dies by SIGTERM too', () => {
    const r = wrap(killSelf('SIGTERM'));
    expect(r, r.stderr).toMatchObject({ status: null, signal: 'SIGTERM' });
  });

  it('a child killed by SIGKILL: the wrapper exits 137 (it does not SIGKILL itself)', () => {
    const r = wrap(killSelf('SIGKILL'));
    expect(r, r.stderr).toMatchObject({ status: 137, signal: null });
  });

  it("the child's own exit code comes back as the wrapper's", () => {
    expect(wrap(['exec', process.execPath, '-e', 'process.exit(42)'])).toMatchObject({ status: 42, signal: null });
  });

  it('a confirmation without a terminal is refused: 77, nothing run; with --confirm it runs', () => {
    const keep = `${env.dir}/protected`;
    fs.mkdirSync(keep);
    fs.writeFileSync(`${keep}/file`, 'x');
    fs.writeFileSync(env.config, JSON.stringify({ discovery: { roots: [], clusters: [] }, protect: [{ path: keep, action: 'confirm', reason: 'test' }] }));
    const r = wrap(['rm', '-r', keep]);
    expect(r, r.stderr).toMatchObject({ status: 77, signal: null });
    expect(r.stderr).toContain('--confirm=');
    expect(fs.readFileSync(`${keep}/file`, 'utf8')).toBe('x');
    const host = r.stderr.match(/--confirm=([^ )']+)/)![1]!;
    expect(wrap([`--confirm=${host}`, 'rm', '-r', keep])).toMatchObject({ status: 0, signal: null });
    expect(fs.existsSync(keep)).toBe(false);
  });
});

describe('start-up: a harmless command loads none of the heavy builtins', () => {
  it('no child_process, net, tty or readline in the process that ran rm (src/run/spawn.ts, src/util/isatty.ts)', () => {
    const target = `${env.dir}/harmless`;
    fs.writeFileSync(target, 'x');
    const probe = `${env.dir}/probe.cjs`;
    fs.writeFileSync(probe, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(`${env.dir}/modules`)}, process.moduleLoadList.join('\\n')));\n`);
    const r = spawnSync(process.execPath, ['-r', probe, BIN, 'rm', target], { env: { ...process.env, ...env.env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(target)).toBe(false);
    const loaded = fs.readFileSync(`${env.dir}/modules`, 'utf8').split('\n');
    expect(loaded.filter((m) => /^NativeModule (child_process|net|tty|readline|internal\/child_process)$/.test(m))).toEqual([]);
  });
});
