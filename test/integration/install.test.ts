// install.sh for real, into temp prefixes: what it installs works (status, init, code cache,
// completions, units), a second run changes nothing (contents, modes, mtimes), --shell-rc adds
// each block once, --uninstall leaves the prefix and the rc files exactly as they were, an old
// Node or an unwritable prefix stops it with a message that says what to do. install.sh runs
// from a snapshot of the checkout (install.sh, package.json, dist/, completions/, systemd/), so
// a rebuild of dist/ while the suite runs cannot change what is installed under it.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.js';
import { GUARDED_TOOLS, MANAGEMENT_COMMANDS } from '../../src/contract.js';

const tmpDirs: string[] = [];
function tmp(prefix: string): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tmpDirs.push(d);
  return d;
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A clean environment for install.sh: no sudo, our own HOME. */
function baseEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...extra };
}

async function run(cmd: string, args: string[], env: Record<string, string>, opts: { user?: string } = {}): Promise<Run> {
  const [file, argv] = opts.user ? ['runuser', ['-u', opts.user, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args]] : [cmd, args];
  const r = await execa(file, argv, { env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 90_000, cwd: '/' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Every path under `dir` (relative) with its type, mode, mtime and content hash. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p, { bigint: true });
      const rel = path.relative(dir, p);
      if (st.isSymbolicLink()) out.set(rel, `link ${fs.readlinkSync(p)} ${st.mtimeNs}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${(st.mode & 0o7777n).toString(8)} ${st.mtimeNs}`);
        walk(p);
      } else out.set(rel, `file ${(st.mode & 0o7777n).toString(8)} ${st.mtimeNs} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

let checkout: string; // the snapshot of the checkout install.sh runs from
let install: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist/safeops.cjs'))) await execa('npm', ['run', 'build'], { cwd: ROOT, timeout: 170_000 });
  // A build finishes with meta.json: a copy taken while dist/ is being rebuilt is taken again.
  for (let attempt = 0; ; attempt++) {
    checkout = tmp('safeops-checkout-');
    fs.chmodSync(checkout, 0o755); // readable by `nobody` (the permission test)
    for (const p of ['install.sh', 'package.json', 'dist', 'completions', 'systemd']) fs.cpSync(path.join(ROOT, p), path.join(checkout, p), { recursive: true });
    const complete = ['safeops.cjs', 'core.cjs', 'core.v8cache', 'lazy/cli.mjs', 'meta.json'].every((f) => fs.existsSync(path.join(checkout, 'dist', f)));
    if (complete) break;
    if (attempt === 5) throw new Error('dist/ is incomplete: run npm run build');
    await new Promise((r) => setTimeout(r, 3000));
  }
  fs.mkdirSync(path.join(checkout, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts/build.mjs'), path.join(checkout, 'scripts/build.mjs'));
  install = path.join(checkout, 'install.sh');
});

afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('install.sh --prefix', () => {
  let prefix: string;
  let home: string;
  let config: string;
  let firstRun: Run;
  let installedAt: number;

  beforeAll(async () => {
    prefix = tmp('safeops-prefix-');
    home = tmp('safeops-home-');
    config = path.join(tmp('safeops-cfg-'), 'config.json');
    fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [] } }));
    installedAt = Date.now() - 1000;
    firstRun = await run(install, ['--no-build', '--prefix', prefix], baseEnv(home));
  });

  test('installs the bin, and the installed bin works', async () => {
    expect(firstRun.stderr).toBe('');
    expect(firstRun.exitCode).toBe(0);
    const bin = path.join(prefix, 'bin/safeops');
    expect(fs.readlinkSync(bin)).toBe(path.join(prefix, 'lib/safeops/safeops.cjs'));
    const status = await run(bin, ['status', '--json'], baseEnv(home, { SAFEOPS_CONFIG: config }));
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ schema: 'safeops.status/1' });
    const init = await run(bin, ['init', 'bash'], baseEnv(home, { SAFEOPS_CONFIG: config }));
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain('__safeops_precmd');
    // The guarded-command functions call the installed bin.
    expect(init.stdout).toContain(bin);
    // The integration loads in a real bash.
    const loaded = await run('bash', ['--noprofile', '--norc', '-c', `eval "$(${bin} init bash)"; type -t rm`], baseEnv(home, { SAFEOPS_CONFIG: config }));
    expect(loaded).toMatchObject({ exitCode: 0, stdout: 'function' });
  });

  test('the code cache was made in place, by the install, and V8 accepts it', async () => {
    const file = path.join(prefix, 'lib/safeops/core.v8cache');
    const cache = fs.statSync(file, { bigint: true });
    expect(cache.size).toBeGreaterThan(10_000n);
    expect(Number(cache.mtimeMs)).toBeGreaterThan(installedAt);
    // A rejected cache is rewritten by the loader at exit: an accepted one stays untouched.
    const r = await run(path.join(prefix, 'bin/safeops'), ['--version'], baseEnv(home, { SAFEOPS_CONFIG: config }));
    expect(r.exitCode).toBe(0);
    expect(fs.statSync(file, { bigint: true }).mtimeNs).toBe(cache.mtimeNs);
  });

  test('completions are in the standard places under the prefix, rendered from the contract', () => {
    const where: Record<string, string> = {
      'share/bash-completion/completions/safeops': 'dist/completions/safeops.bash',
      'share/zsh/site-functions/_safeops': 'dist/completions/_safeops',
      'share/fish/vendor_completions.d/safeops.fish': 'dist/completions/safeops.fish',
    };
    for (const [installed, src] of Object.entries(where)) {
      const text = fs.readFileSync(path.join(prefix, installed), 'utf8');
      expect(text).toBe(fs.readFileSync(path.join(ROOT, src), 'utf8'));
      // Every guarded tool and management command (src/contract.ts), no placeholder left.
      expect(text).not.toMatch(/__SAFEOPS_[A-Z_]+__/);
      for (const w of [...GUARDED_TOOLS, ...Object.keys(MANAGEMENT_COMMANDS)]) expect(text, w).toMatch(new RegExp(`[ '(]${w}[ ':)]`));
    }
  });

  test('the manifest names every path it created, and nothing else', () => {
    const manifest = fs.readFileSync(path.join(prefix, 'lib/safeops/install-manifest'), 'utf8');
    const listed = manifest.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(l.indexOf(' ') + 1));
    expect(new Set(listed).size).toBe(listed.length);
    expect(new Set(listed)).toEqual(new Set([...snapshot(prefix).keys()].map((rel) => path.join(prefix, rel))));
  });

  test('a second run changes nothing: same files, contents, modes and mtimes', async () => {
    const before = snapshot(prefix);
    const again = await run(install, ['--no-build', '--prefix', prefix], baseEnv(home));
    expect(again.exitCode, again.stderr).toBe(0);
    expect(snapshot(prefix)).toEqual(before);
  });

  test('--shell-rc adds each block once (twice run), --uninstall restores the prefix and the rc files', async () => {
    const bashrc = 'alias ll="ls -l"\nexport EDITOR=vi\n';
    const zshrc = 'setopt autocd\nbindkey -e'; // no newline at the end
    fs.writeFileSync(path.join(home, '.bashrc'), bashrc);
    fs.writeFileSync(path.join(home, '.zshrc'), zshrc);
    for (let i = 0; i < 2; i++) {
      const r = await run(install, ['--no-build', '--prefix', prefix, '--shell-rc'], baseEnv(home));
      expect(r.exitCode, r.stderr).toBe(0);
    }
    const rcs = { bash: '.bashrc', zsh: '.zshrc', fish: '.config/fish/config.fish' };
    for (const [shell, rc] of Object.entries(rcs)) {
      const text = fs.readFileSync(path.join(home, rc), 'utf8');
      expect(text.split('\n').filter((l) => l === '# >>> safeops >>>')).toHaveLength(1);
      expect(text.split('\n').filter((l) => l === '# <<< safeops <<<')).toHaveLength(1);
      expect(text).toContain(`${path.join(prefix, 'bin/safeops')} init ${shell}`);
    }
    expect(fs.readFileSync(path.join(home, '.bashrc'), 'utf8').startsWith(bashrc)).toBe(true);
    // The block really loads the integration in an interactive bash.
    const r = await run('bash', ['-i', '-c', 'type -t rm'], baseEnv(home, { SAFEOPS_CONFIG: config }));
    expect(r.stdout.trim()).toBe('function');

    const un = await run(install, ['--uninstall', '--prefix', prefix], baseEnv(home));
    expect(un.exitCode, un.stderr).toBe(0);
    expect(fs.readdirSync(prefix)).toEqual([]);
    expect(fs.readFileSync(path.join(home, '.bashrc'), 'utf8')).toBe(bashrc);
    expect(fs.readFileSync(path.join(home, '.zshrc'), 'utf8')).toBe(zshrc);
    // fish's config (and ~/.config) did not exist before: gone again.
    expect(fs.readdirSync(home).sort()).toEqual(['.bashrc', '.zshrc']);
  });
});

describe('install.sh refuses clearly', () => {
  test('an old node first on PATH: names the version needed and what to do, installs nothing', async () => {
    const fake = tmp('safeops-oldnode-');
    fs.writeFileSync(path.join(fake, 'node'), '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
    const prefix = tmp('safeops-prefix-');
    const r = await run(install, ['--no-build', '--prefix', prefix], baseEnv(tmp('safeops-home-'), { PATH: `${fake}:${process.env.PATH}` }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Node.js v18.19.0');
    expect(r.stderr).toContain('too old');
    expect(r.stderr).toContain('20.19');
    expect(r.stderr).toMatch(/install Node\.js/);
    expect(fs.readdirSync(prefix)).toEqual([]);
  });

  test('no node at all', async () => {
    const empty = tmp('safeops-nopath-');
    fs.symlinkSync('/bin/bash', path.join(empty, 'bash'));
    for (const t of ['dirname', 'id', 'getent', 'cut']) fs.symlinkSync(`/usr/bin/${t}`, path.join(empty, t));
    const r = await run(install, ['--no-build', '--prefix', tmp('safeops-prefix-')], baseEnv(tmp('safeops-home-'), { PATH: empty }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Node.js is not installed');
  });

  test('a prefix the user cannot write: run with sudo, or --prefix ~/.local', async () => {
    const parent = tmp('safeops-rootonly-');
    fs.chmodSync(parent, 0o755);
    const r = await run(install, ['--no-build', '--prefix', path.join(parent, 'usr')], baseEnv('/'), { user: 'nobody' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('run with sudo, or --prefix ~/.local');
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  test('--uninstall of a prefix with no install', async () => {
    const r = await run(install, ['--uninstall', '--prefix', tmp('safeops-prefix-')], baseEnv('/'));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('nothing to uninstall');
  });
});

describe('install.sh systemd units', () => {
  test('the user unit under the prefix, the system unit under --systemd-dir, the bin path put in; uninstall removes both', async () => {
    // A checkout whose units carry the bin-path placeholder (the real ones may not exist yet).
    const ck = tmp('safeops-checkout-units-');
    fs.cpSync(checkout, ck, { recursive: true });
    fs.rmSync(path.join(ck, 'systemd'), { recursive: true, force: true });
    fs.mkdirSync(path.join(ck, 'systemd'));
    const unit = (what: string) => `[Unit]\nDescription=safeops watcher (${what})\n\n[Service]\nExecStart=__SAFEOPS_BIN__ watch${what === 'user' ? ' --user' : ''}\nRestart=always\n`;
    fs.writeFileSync(path.join(ck, 'systemd/safeops.service'), unit('system'));
    fs.writeFileSync(path.join(ck, 'systemd/safeops-user.service'), unit('user'));
    const prefix = tmp('safeops-prefix-');
    const sysdir = tmp('safeops-systemd-');
    const r = await run(path.join(ck, 'install.sh'), ['--no-build', '--prefix', prefix, '--systemd-dir', sysdir], baseEnv(tmp('safeops-home-')));
    expect(r.exitCode, r.stderr).toBe(0);
    const bin = path.join(prefix, 'bin/safeops');
    // A prefix other than /usr(/local) puts the user unit where systemctl --user looks: PREFIX/share/systemd/user.
    expect(fs.readFileSync(path.join(prefix, 'share/systemd/user/safeops.service'), 'utf8')).toContain(`ExecStart=${bin} watch --user\n`);
    expect(fs.readFileSync(path.join(sysdir, 'safeops.service'), 'utf8')).toContain(`ExecStart=${bin} watch\n`);
    // No systemd here: nothing enabled, and it says how.
    expect(r.stdout).toContain('systemctl enable --now safeops.service');
    const un = await run(path.join(ck, 'install.sh'), ['--uninstall', '--prefix', prefix], baseEnv('/'));
    expect(un.exitCode, un.stderr).toBe(0);
    expect(fs.readdirSync(prefix)).toEqual([]);
    expect(fs.readdirSync(sysdir)).toEqual([]);
  });
});

test('shellcheck passes on install.sh', async () => {
  const r = await run('shellcheck', [path.join(ROOT, 'install.sh')], baseEnv('/'));
  expect(r).toEqual({ exitCode: 0, stdout: '', stderr: '' });
});
