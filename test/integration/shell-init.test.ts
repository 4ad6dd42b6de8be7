// Every rendered init script runs silently in its real shell in strict mode with no rc files
// (as zoxide tests its templates), lints clean, and keeps hostile paths as plain data. The
// completion files load in their shells and complete.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { DEFAULT_STATE_DIRS, SHELLS, renderInit, type InitOptions, type ShellName } from '../../src/shell/render.js';
import { TmuxServer, cleanEnv, waitFor } from '../support/tmux.js';

const run = promisify(execFile);
const FEATURES = ['prompt', 'background', 'title', 'tmux'] as const;
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The shell in strict mode, with no rc file, running `code`. */
function strict(shell: ShellName, code: string): string[] {
  if (shell === 'bash') return ['bash', '--noprofile', '--norc', '-euo', 'pipefail', '-c', code];
  if (shell === 'zsh') return ['zsh', '--no-rcs', '-e', '-u', '-o', 'pipefail', '-c', code];
  return ['fish', '--no-config', '--private', '-c', code];
}

/** What the shell runs before each prompt. */
const HOOK: Record<ShellName, string> = { bash: '__safeops_precmd', zsh: '__safeops_precmd', fish: '__safeops_on_prompt' };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(argv: string[], env: Record<string, string>): Promise<Result> {
  try {
    // From /: the checkout may be one another user cannot enter (fish says so on stderr).
    const r = await run(argv[0]!, argv.slice(1), { env, encoding: 'utf8', timeout: 20_000, cwd: '/' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

function options(over: Partial<InitOptions> = {}): InitOptions {
  const c = defaultConfig();
  return {
    binPath: '/nonexistent/safeops',
    stateDirs: DEFAULT_STATE_DIRS,
    colors: c.shell.colors,
    staleAfterSeconds: 10,
    features: { prompt: true, background: true, title: true, tmux: true },
    noColor: false,
    ...over,
  };
}

function combinations(): Array<{ name: string; opts: InitOptions }> {
  const out: Array<{ name: string; opts: InitOptions }> = [];
  for (let mask = 0; mask < 16; mask++)
    for (const noColor of [false, true]) {
      const on = (i: number) => Boolean(mask & (1 << i));
      const features: InitOptions['features'] = { prompt: on(0), background: on(1), title: on(2), tmux: on(3) };
      out.push({ name: `${FEATURES.map((f) => `${f}=${features[f] ? 1 : 0}`).join(',')},noColor=${noColor ? 1 : 0}`, opts: options({ features, noColor }) });
    }
  return out;
}

const promptText = (role: string, label: string) =>
  `safeops-prompt 1\nheartbeat ${Math.floor(Date.now() / 1000)}\nrole ${role}\nlabel ${label}\nalert archiving failing on 15/main\nend\n`;

let tmp: string;
let env: Record<string, string>;
let stateDir: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-init-'));
  stateDir = path.join(tmp, 'state');
  fs.mkdirSync(path.join(stateDir, 'shells'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(stateDir, 'prompt'), promptText('primary', 'PRIMARY 15/main'));
  env = cleanEnv(tmp, { XDG_RUNTIME_DIR: path.join(tmp, 'xdg') });
});
// A fresh heartbeat for each test: the slow ones before (shellcheck, completion in tmux) must not
// age the shared prompt file past staleAfterSeconds.
beforeEach(() => {
  fs.writeFileSync(path.join(stateDir, 'prompt'), promptText('primary', 'PRIMARY 15/main'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

describe.each(SHELLS)('%s init script', (shell) => {
  test('every option combination loads and runs its hook silently in strict mode', async () => {
    const jobs = combinations().flatMap(({ name, opts }) => {
      const script = renderInit(shell, opts);
      const code = `${script}\n${HOOK[shell]}\n${HOOK[shell]}\n`;
      return [
        // A valid state file, a registration dir: the full path through the hook.
        { name: `${name}, primary`, argv: strict(shell, code), env: { ...env, SAFEOPS_STATE_DIR: stateDir } },
        // No state anywhere: the stale path.
        { name: `${name}, no state`, argv: strict(shell, code), env },
        // NO_COLOR and TERM=dumb at load time.
        { name: `${name}, NO_COLOR`, argv: strict(shell, code), env: { ...env, NO_COLOR: '1', TERM: 'dumb', SAFEOPS_STATE_DIR: stateDir } },
      ];
    });
    const results = await Promise.all(jobs.map(async (j) => ({ name: j.name, ...(await exec(j.argv, j.env)) })));
    expect(results.filter((r) => r.code !== 0 || r.stdout !== '' || r.stderr !== '')).toEqual([]);
  });

  test('without a terminal the segment is plain text, role word first, alerts after', async () => {
    const show = shell === 'fish' ? 'printf %s $__safeops_segment' : 'printf %s "$__safeops_segment"';
    const code = `${renderInit(shell, options())}\n${HOOK[shell]}\n${show}`;
    fs.writeFileSync(path.join(stateDir, 'prompt'), promptText('primary', 'PRIMARY 15/main')); // a fresh heartbeat
    expect(await exec(strict(shell, code), { ...env, SAFEOPS_STATE_DIR: stateDir })).toEqual({
      code: 0,
      stdout: '[PRIMARY 15/main ⚠ archiving failing on 15/main] ',
      stderr: '',
    });
    // Root ignores $XDG_RUNTIME_DIR (after `su` without `-` it is still a user's: issue 15).
    const xdg = path.join(tmp, `xdg-${shell}`);
    fs.mkdirSync(path.join(xdg, 'safeops'), { recursive: true });
    fs.writeFileSync(path.join(xdg, 'safeops', 'prompt'), promptText('standby', 'standby 15/replica'));
    const asRoot = await exec(strict(shell, code), { ...env, XDG_RUNTIME_DIR: xdg, LANG: 'C' });
    expect(asRoot).toEqual({ code: 0, stdout: '[STALE (watcher not running)] ', stderr: '' });
    // A user's shell reads its own: the first candidate holding a prompt file wins.
    const userXdg = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-xdg-'));
    try {
      fs.chmodSync(userXdg, 0o755);
      fs.mkdirSync(path.join(userXdg, 'safeops'));
      fs.writeFileSync(path.join(userXdg, 'safeops', 'prompt'), promptText('standby', 'standby 15/replica'));
      for (const f of [userXdg, path.join(userXdg, 'safeops'), path.join(userXdg, 'safeops', 'prompt')]) fs.chownSync(f, 65534, 65534);
      const asUser = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...strict(shell, code)];
      const r = await exec(asUser, { ...env, HOME: userXdg, XDG_CONFIG_HOME: userXdg, XDG_DATA_HOME: userXdg, XDG_CACHE_HOME: userXdg, XDG_RUNTIME_DIR: userXdg, LANG: 'C' });
      expect(r).toEqual({ code: 0, stdout: '[standby 15/replica ! archiving failing on 15/main] ', stderr: '' });
    } finally {
      fs.rmSync(userXdg, { recursive: true, force: true });
    }
    const none = await exec(strict(shell, code), env);
    expect(none.stdout).toBe('[STALE (watcher not running)] ');
  });

  test('hostile bin path and state dir stay data: the guard runs the right binary with exact args', async () => {
    const canary = path.join(tmp, `pwned-${shell}`);
    const dir = path.join(tmp, `${shell} it's $(touch ${canary}) \`touch ${canary}\`; "x" \\ y`);
    fs.mkdirSync(dir, { recursive: true });
    const log = path.join(tmp, `argv-${shell}`);
    fs.writeFileSync(path.join(dir, 'safeops'), `#!/bin/sh\nprintf '%s\\0' "$@" > '${log}'\n`, { mode: 0o755 });
    const hostileState = path.join(dir, 'state');
    fs.mkdirSync(hostileState);
    fs.writeFileSync(path.join(hostileState, 'prompt'), promptText('primary', 'PRIMARY 15/main'));
    const script = renderInit(shell, options({ binPath: path.join(dir, 'safeops'), stateDirs: ['/nonexistent', hostileState] }));
    const show = shell === 'fish' ? 'printf %s $__safeops_segment' : 'printf %s "$__safeops_segment"';
    const r = await exec(strict(shell, `${script}\nrm -rf /x 'a b' '$(id)'\n${HOOK[shell]}\n${show}`), env);
    expect(r).toEqual({ code: 0, stdout: '[PRIMARY 15/main ⚠ archiving failing on 15/main] ', stderr: '' });
    expect(fs.readFileSync(log, 'utf8').split('\0')).toEqual(['rm', '-rf', '/x', 'a b', '$(id)', '']);
    expect(fs.existsSync(canary)).toBe(false);
    if (shell === 'bash') {
      const lint = await lintBash(script);
      expect(lint).toEqual({ code: 0, stdout: '', stderr: '' });
    }
  });

  test('the guard: exit codes pass through, a missing binary says how to bypass, SAFEOPS_DISABLE=1 bypasses', async () => {
    const bin = path.join(tmp, `exit-${shell}`);
    fs.writeFileSync(bin, '#!/bin/sh\nexit 77\n', { mode: 0o755 });
    const status = shell === 'fish' ? 'echo $status' : 'echo $?';
    const tolerant = (code: string) => (shell === 'fish' ? ['fish', '--no-config', '--private', '-c', code] : [shell, shell === 'bash' ? '--norc' : '--no-rcs', '-c', code]);
    const refused = await exec(tolerant(`${renderInit(shell, options({ binPath: bin }))}\nrm /x\n${status}`), env);
    expect(refused).toEqual({ code: 0, stdout: '77\n', stderr: '' });
    const missing = await exec(tolerant(`${renderInit(shell, options())}\nrm /x\n${status}`), env);
    expect(missing.stdout).toBe('127\n');
    expect(missing.stderr).toContain('SAFEOPS_DISABLE=1 rm');
    const victim = path.join(tmp, `victim-${shell}`);
    fs.writeFileSync(victim, '');
    const bypass = await exec(tolerant(`${renderInit(shell, options())}\nSAFEOPS_DISABLE=1 rm ${victim}\n${status}`), env);
    expect(bypass).toEqual({ code: 0, stdout: '0\n', stderr: '' });
    expect(fs.existsSync(victim)).toBe(false);
  });

  test('loading twice changes nothing; the user\'s hooks, traps and $? are kept', async () => {
    const script = renderInit(shell, options());
    fs.writeFileSync(path.join(stateDir, 'prompt'), promptText('primary', 'PRIMARY 15/main')); // a fresh heartbeat
    const code = {
      bash: `trap 'echo "it'\\''s bye"' EXIT\nPROMPT_COMMAND=user_hook\n${script}\n${script}\nPS1='$ '\n${HOOK.bash}\n${HOOK.bash}\ndeclare -p PROMPT_COMMAND PS1\n`,
      zsh: `precmd() { :; }\n${script}\n${script}\nprint -r -- $precmd_functions $zshexit_functions\n(exit 3) || { __safeops_precmd; echo "rc:$?"; }\n`,
      fish: `function fish_prompt; echo "status $status"; end\n${script}\n${script}\n__safeops_on_prompt\n__safeops_on_prompt\nfalse; fish_prompt\n`,
    }[shell];
    const r = await exec(strict(shell, code), { ...env, SAFEOPS_STATE_DIR: stateDir });
    const expected = {
      bash: `declare -a PROMPT_COMMAND=([0]="__safeops_precmd" [1]="user_hook")\ndeclare -- PS1="\\\${__safeops_segment}\\$ "\nit's bye\n`,
      zsh: '__safeops_precmd __safeops_exit\nrc:0\n',
      fish: '[PRIMARY 15/main ⚠ archiving failing on 15/main] status 1\n',
    }[shell];
    expect(r).toEqual({ code: 0, stdout: expected, stderr: '' });
    if (shell === 'bash') {
      // `$?` survives the hook for whatever runs after it in PROMPT_COMMAND.
      const st = await exec(strict('bash', `${script}\nset +e\n(exit 3); __safeops_precmd; echo "after:$?"`), env);
      expect(st).toEqual({ code: 0, stdout: 'after:3\n', stderr: '' });
    }
  });

  test('the rendered script parses (shellcheck for bash, zsh -n, fish --no-execute)', async () => {
    for (const { opts } of [combinations()[0]!, combinations()[31]!]) {
      const script = renderInit(shell, opts);
      const file = path.join(tmp, `parse.${shell}`);
      fs.writeFileSync(file, script);
      if (shell === 'bash') expect(await lintBash(script)).toEqual({ code: 0, stdout: '', stderr: '' });
      if (shell === 'zsh') expect(await exec(['zsh', '--no-rcs', '-n', file], env)).toEqual({ code: 0, stdout: '', stderr: '' });
      if (shell === 'fish') expect(await exec(['fish', '--no-config', '--no-execute', file], env)).toEqual({ code: 0, stdout: '', stderr: '' });
    }
  });
});

async function lintBash(script: string): Promise<Result> {
  const file = path.join(tmp, `lint-${Math.random().toString(36).slice(2)}.bash`);
  fs.writeFileSync(file, script);
  return exec(['shellcheck', '-s', 'bash', file], env);
}

describe('templates and completion files', () => {
  // The templates (placeholders are plain words) and the completions the build rendered from them.
  test('shellcheck passes on shell/safeops.bash and completions/safeops.bash, template and rendered', async () => {
    const files = ['shell/safeops.bash', 'completions/safeops.bash', 'dist/completions/safeops.bash'].map((f) => path.join(ROOT, f));
    expect(await exec(['shellcheck', '-s', 'bash', ...files], env)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('fish parses shell/safeops.fish and completions/safeops.fish, template and rendered', async () => {
    for (const f of ['shell/safeops.fish', 'completions/safeops.fish', 'dist/completions/safeops.fish'])
      expect(await exec(['fish', '--no-config', '--no-execute', path.join(ROOT, f)], env)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('bash: the completion loads in strict mode and completes', async () => {
    const complete = (words: string[], cword = words.length - 1) =>
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${cword}; _safeops; printf '%s\\n' "\${COMPREPLY[@]}"; echo --`;
    const code = [
      `source '${ROOT}/dist/completions/safeops.bash'`,
      'complete -p safeops',
      complete(['safeops', 'st']),
      complete(['safeops', 'init', '']),
      complete(['safeops', '--confirm', '=', 'db-01', 'wa']),
      complete(['safeops', 'demo', '--s']),
      complete(['safeops', 'config', 'set', 'shell.b']),
      complete(['safeops', 'status', '--j']),
      complete(['safeops', 'watch', '--state-dir', `${tmp}/sta`]),
      complete(['safeops', '-']),
      // With bash-completion loaded, the wrapped tool's own completion takes over.
      `_command_offset() { echo "offset $1: \${COMP_WORDS[*]}"; }`,
      complete(['safeops', 'rm', '-r']),
      complete(['safeops', '--confirm', '=', 'db-01', 'exec', 'rm', '-r']),
    ].join('\n');
    const r = await exec(strict('bash', code), env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('--\n')).toEqual([
      'complete -F _safeops safeops\nstatus\n',
      'bash\nzsh\nfish\n',
      'wal-g\nwatch\n',
      '--shell\n',
      'shell.background\n',
      '--json\n',
      `${tmp}/state\n`,
      '--confirm=\n--help\n--version\n',
      // (then an empty line: our stub leaves COMPREPLY empty)
      'offset 1: safeops rm -r\n\n',
      'offset 5: safeops --confirm = db-01 exec rm -r\n\n',
      '',
    ]);
  });

  test('zsh: the completion registers with compinit (from $fpath, or sourced)', async () => {
    const viaFpath = `fpath=('${ROOT}/dist/completions' $fpath); autoload -Uz compinit; compinit -u -d '${tmp}/zcd1'; print -r -- $_comps[safeops]`;
    expect(await exec(strict('zsh', viaFpath), env)).toEqual({ code: 0, stdout: '_safeops\n', stderr: '' });
    const sourced = `autoload -Uz compinit; compinit -u -d '${tmp}/zcd2'; source '${ROOT}/dist/completions/_safeops'; print -r -- $_comps[safeops]`;
    expect(await exec(strict('zsh', sourced), env)).toEqual({ code: 0, stdout: '_safeops\n', stderr: '' });
    // Sourced before compinit it stays silent (nothing to register with yet).
    expect(await exec(strict('zsh', `source '${ROOT}/dist/completions/_safeops'`), env)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('fish: the completion loads and completes', async () => {
    const code = [
      `source '${ROOT}/dist/completions/safeops.fish'`,
      "complete -C 'safeops st'",
      "echo ==",
      "complete -C 'safeops init '",
      "echo ==",
      "complete -C 'safeops demo --s'",
      "echo ==",
      `complete -C 'safeops rm ${tmp}/sta'`,
      "echo ==",
      `complete -C 'safeops exec rm ${tmp}/sta'`,
    ].join('\n');
    const r = await exec(strict('fish', code), env);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('==\n')).toEqual([
      'status\tList clusters with their live roles\n',
      'bash\nfish\nzsh\n',
      '--shell\tThe shell to start\n',
      `${tmp}/state/\n`,
      `${tmp}/state/\n`,
    ]);
  });

  test('zsh: completing in a real shell (tmux)', async () => {
    const home = path.join(tmp, 'zsh-comp');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, '.zshrc'), `fpath=('${ROOT}/dist/completions' $fpath)\nautoload -Uz compinit\ncompinit -u -d '${home}/.zcd'\nPROMPT='%# '\n`);
    const server = new TmuxServer('zsh-comp', cleanEnv(home, { ZDOTDIR: home }));
    try {
      const pane = server.start('main', ['zsh', '-d', '-i'], { cwd: home });
      await waitFor('zsh prompt', () => server.capture(pane).includes('#'), 8000);
      server.type(pane, 'safeops ini', false);
      server.keys(pane, 'Tab');
      await waitFor('safeops init completed', () => server.capture(pane).includes('safeops init'), 5000, () => server.capture(pane));
      server.type(pane, 'f', false);
      server.keys(pane, 'Tab');
      await waitFor('the shell name completed', () => server.capture(pane).includes('safeops init fish'), 5000, () => server.capture(pane));
      // After a wrapped tool, that tool's completion (here: rm's, files).
      server.keys(pane, 'C-u');
      fs.mkdirSync(path.join(home, 'some-directory'));
      server.type(pane, 'safeops rm some-dir', false);
      server.keys(pane, 'Tab');
      await waitFor('rm completing a file', () => server.capture(pane).includes('safeops rm some-directory/'), 5000, () => server.capture(pane));
    } finally {
      server.kill();
    }
  });
});
