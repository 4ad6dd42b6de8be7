// `safeops init` always emits the guard functions (issue 15 item 5): a bad config value is
// replaced by its default and reported by the script on stderr; a failure to render falls back
// to the defaults, then to the guard functions alone. The scripts are run in real shells.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { initOutput, sanitizeInitOptions } from '../../src/commands/init.js';
import { defaultConfig, type LoadedConfig } from '../../src/config/schema.js';
import { minimalScript } from '../../src/shell/fallback.js';
import { DEFAULT_STATE_DIRS, SHELLS, SHELL_GUARDED_TOOLS, type ShellName } from '../../src/shell/render.js';
import { UsageError } from '../../src/util/errors.js';

function loaded(mutate: (c: ReturnType<typeof defaultConfig>) => void = () => {}, problems: LoadedConfig['problems'] = []): LoadedConfig {
  const config = defaultConfig();
  mutate(config);
  return { config, files: [], problems, protectionDegraded: false };
}
const io = (l: () => LoadedConfig, binPath = '/usr/bin/safeops') => ({ loadConfig: l, env: {}, stdoutIsTTY: false, binPath, mkfsTools: () => ['mkfs.ext4'] });

/** Load `script` in a real `shell`, then print what `rm` is and the stale setting. */
function load(shell: ShellName, script: string): { stdout: string; stderr: string } {
  const probe = shell === 'fish' ? 'functions -q rm; and echo rm-guarded; functions -q mkfs.ext4; and echo mkfs-guarded' : 'declare -f rm >/dev/null && echo rm-guarded; typeset -f mkfs.ext4 >/dev/null && echo mkfs-guarded';
  const argv = shell === 'fish' ? ['fish', '--no-config', '--private', '-c', `${script}\n${probe}`] : [shell, '-c', `${script}\n${probe}`];
  try {
    const stdout = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' } });
    return { stdout, stderr: '' };
  } catch (e) {
    return { stdout: (e as { stdout?: string }).stdout ?? '', stderr: (e as { stderr?: string }).stderr ?? '' };
  }
}

function loadWithStderr(shell: ShellName, script: string): { stdout: string; stderr: string } {
  const argv = shell === 'fish' ? ['fish', '--no-config', '--private', '-c', script] : [shell, '-c', script];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' } });
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('sanitizeInitOptions', () => {
  test('a value the renderer rejects is replaced by its default, one warning each', () => {
    const c = defaultConfig();
    const base = { binPath: '/usr/bin/safeops', stateDirs: DEFAULT_STATE_DIRS, colors: { ...c.shell.colors, primary: 'red' }, staleAfterSeconds: 10.5, features: { prompt: true, background: true, title: true, tmux: true }, noColor: false };
    const { options, warnings } = sanitizeInitOptions(base);
    expect(options.staleAfterSeconds).toBe(c.watch.staleAfterSeconds);
    expect(options.colors.primary).toBe(c.shell.colors.primary);
    expect(options.colors.standby).toBe(c.shell.colors.standby);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/staleAfterSeconds.*10\.5.*default/);
    expect(sanitizeInitOptions({ ...base, staleAfterSeconds: 30, colors: c.shell.colors })).toEqual({ options: { ...base, staleAfterSeconds: 30, colors: c.shell.colors }, warnings: [] });
  });
});

describe.each(SHELLS)('initOutput(%s)', (shell) => {
  test('staleAfterSeconds 10.5: the guard functions, the default, one warning on stderr at load', () => {
    const script = initOutput(shell, io(() => loaded((c) => (c.watch.staleAfterSeconds = 10.5))));
    expect(script).toContain('__safeops_stale_after');
    const r = loadWithStderr(shell, `${script}\n${shell === 'fish' ? 'functions -q rm; and echo rm-guarded; echo $__safeops_stale_after' : 'declare -f rm >/dev/null && echo rm-guarded; echo $__safeops_stale_after'}`);
    expect(r.stdout).toBe('rm-guarded\n10\n');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^safeops: watch\.staleAfterSeconds: .*10\.5.*default$/)]);
  });

  test('config problems are reported the same way (once, by the script)', () => {
    const script = initOutput(shell, io(() => loaded(() => {}, [{ file: '/etc/safeops/config.json', key: 'watch.bogus', message: 'unknown key \x1b[31m' }])));
    const r = loadWithStderr(shell, script);
    expect(r.stderr).toBe('safeops: config /etc/safeops/config.json: key watch.bogus: unknown key ?[31m (ignored)\n');
  });

  test('loading the config throws: the defaults, and a warning', () => {
    const script = initOutput(
      shell,
      io(() => {
        throw new Error('boom');
      }),
    );
    expect(load(shell, script).stdout).toContain('rm-guarded');
    expect(loadWithStderr(shell, script).stderr).toMatch(/init failed \(boom\)/);
  });

  test('an unusable binary path: the guard functions alone, still guarding', () => {
    const script = initOutput(shell, io(() => loaded(), 'relative/safeops'));
    expect(script).toContain('minimal integration');
    expect(load(shell, script).stdout).toContain('rm-guarded');
    const r = loadWithStderr(shell, `${script}\nrm /nonexistent/x; echo rc=${shell === 'fish' ? '$status' : '$?'}`);
    // `safeops` is not on PATH here: rm did not run (127), it was never plain rm.
    expect(r.stdout).toBe('rc=127\n');
  });

  test('an unknown shell is still a usage error', () => {
    expect(() => initOutput('tcsh', io(() => loaded()))).toThrow(UsageError);
  });

  test('minimalScript defines every guarded tool and sudo', () => {
    const script = minimalScript(shell, '/usr/bin/safeops', ['w']);
    for (const t of [...SHELL_GUARDED_TOOLS, 'sudo']) expect(script).toMatch(new RegExp(`function ${t}[ \\n]`));
  });
});
