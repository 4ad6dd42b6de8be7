// Rendering the shell integration: every shell x option combination, values validated and
// quoted, and `safeops init` for an unknown shell.
import { describe, expect, test } from 'vitest';
import { initOptions, initScript } from '../../src/commands/init.js';
import { defaultConfig } from '../../src/config/schema.js';
import { DEFAULT_STATE_DIRS, SHELLS, SHELL_GUARDED_TOOLS, SHELL_PREFIX_COMMANDS, quoteFor, renderInit, sgrFor, type InitOptions, type ShellName } from '../../src/shell/render.js';
import { UsageError } from '../../src/util/errors.js';

const FEATURES = ['prompt', 'background', 'title', 'tmux'] as const;

function options(over: Partial<InitOptions> = {}): InitOptions {
  const c = defaultConfig();
  return {
    binPath: '/usr/local/bin/safeops',
    stateDirs: DEFAULT_STATE_DIRS,
    colors: c.shell.colors,
    staleAfterSeconds: 10,
    features: { prompt: true, background: true, title: true, tmux: true },
    noColor: false,
    ...over,
  };
}

/** Every feature on/off combination, with noColor on and off. */
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

/** The value a template assigns to one baked-in variable. */
function baked(shell: ShellName, script: string, name: string): string | undefined {
  const re = shell === 'fish' ? new RegExp(`^set -g ${name} (.*)$`, 'm') : new RegExp(`^(?:typeset -g[ai]? )?${name}=(.*)$`, 'm');
  return re.exec(script)?.[1];
}

describe.each(SHELLS)('renderInit(%s)', (shell) => {
  test.each(combinations())('$name', ({ opts }) => {
    const script = renderInit(shell, opts);
    expect(script).not.toMatch(/__SAFEOPS_[A-Z_]+__/);
    expect(baked(shell, script, '__safeops_want_prompt')).toBe(opts.features.prompt ? '1' : '0');
    expect(baked(shell, script, '__safeops_want_bg')).toBe(opts.features.background ? '1' : '0');
    expect(baked(shell, script, '__safeops_want_title')).toBe(opts.features.title ? '1' : '0');
    expect(baked(shell, script, '__safeops_want_tmux')).toBe(opts.features.tmux ? '1' : '0');
    expect(baked(shell, script, '__safeops_want_color')).toBe(opts.noColor ? '0' : '1');
    expect(baked(shell, script, '__safeops_stale_after')).toBe('10');
    // The binary is baked into the guard, quoted.
    expect(script).toContain(`${quoteFor(shell, '/usr/local/bin/safeops')} ${shell === 'fish' ? '$argv' : '"$@"'}`);
    // No colour at all: no background colour and no SGR in the script.
    if (opts.noColor) {
      expect(script).not.toContain('#5f0000');
      expect(script).not.toContain('48;2;');
    } else {
      expect(script).toContain(`'#5f0000'`);
      expect(script).toContain(`'${sgrFor('#5f0000')}'`);
    }
    // Every guarded command is a function, and nothing else is defined outside __safeops_*.
    const defined = [...script.matchAll(shell === 'fish' ? /^function (\S+)/gm : /^(?:function )?([^\s(]+)(?: \{|\(\) \{)/gm)].map((m) => m[1]!);
    expect(defined.filter((n) => !n.startsWith('__safeops_') && n !== 'TRAPUSR1').sort()).toEqual(
      [...SHELL_GUARDED_TOOLS, ...SHELL_PREFIX_COMMANDS, 'sudo'].sort(),
    );
    // The word a prefix command is routed on: every guarded tool, in the template's own pattern.
    const lines = script.split('\n').filter((l) => l.includes('(rm|pg_ctl|pg_ctlcluster|'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) for (const t of SHELL_GUARDED_TOOLS) expect(line, t).toMatch(new RegExp(`[(|]${t}[|()]`));
  });

  test('rendering is deterministic and the colours come from the options', () => {
    const colors = { ...defaultConfig().shell.colors, primary: '#AA0011', none: '#101010' };
    const a = renderInit(shell, options({ colors }));
    expect(renderInit(shell, options({ colors }))).toBe(a);
    expect(a).toContain(`'#aa0011'`);
    expect(a).toContain(`'1;97;48;2;170;0;17'`);
    expect(a).toContain(`'#101010'`);
  });

  test.each([
    ["a quote", "/opt/it's/safeops"],
    ['$(…)', '/opt/$(touch /tmp/pwned)/safeops'],
    ['backticks', '/opt/`touch /tmp/pwned`/safeops'],
    ['a backslash and a quote (fish)', "/opt/a\\'b/safeops"],
    ['semicolons and spaces', '/opt/x; rm -rf y/safeops'],
  ])('a path with %s is one quoted word', (_name, p) => {
    const script = renderInit(shell, options({ binPath: p, stateDirs: [p] }));
    const q = quoteFor(shell, p);
    expect(script).toContain(q);
    // The quoted word, unquoted by the shell's rules, is the path again.
    const unquoted =
      shell === 'fish'
        ? q.slice(1, -1).replace(/\\([\\'])/g, '$1')
        : q
            .slice(1, -1)
            .split(`'\\''`)
            .join("'");
    expect(unquoted).toBe(p);
    if (shell !== 'fish') expect(q.slice(1, -1).replace(/'\\''/g, '')).not.toContain("'");
  });

  test.each([
    ['a colour with a quote', { colors: { ...defaultConfig().shell.colors, primary: "#5f0000'; touch /tmp/x; '" } }],
    ['a colour with $(…)', { colors: { ...defaultConfig().shell.colors, stale: '$(touch /tmp/x)' } }],
    ['a colour with backticks', { colors: { ...defaultConfig().shell.colors, standby: '`id`' } }],
    ['a colour name', { colors: { ...defaultConfig().shell.colors, primary: 'red' } }],
    ['a relative bin path', { binPath: 'safeops' }],
    ['a bin path with a newline', { binPath: '/opt/safeops\n; touch /tmp/x' }],
    ['a bin path with ESC', { binPath: '/opt/\x1b]11;#ff0000\x07' }],
    ['a relative state dir', { stateDirs: ['run/safeops'] }],
    ['no state dir', { stateDirs: [] }],
    ['staleAfterSeconds 0', { staleAfterSeconds: 0 }],
    ['staleAfterSeconds 1.5', { staleAfterSeconds: 1.5 }],
    ['staleAfterSeconds NaN', { staleAfterSeconds: Number.NaN }],
  ] as Array<[string, Partial<InitOptions>]>)('%s is refused', (_name, over) => {
    expect(() => renderInit(shell, options(over))).toThrow(RangeError);
  });
});

describe('initScript', () => {
  const ctx = (env: Record<string, string | undefined> = {}, stdoutIsTTY = false) => ({ config: defaultConfig(), env, stdoutIsTTY, binPath: '/usr/bin/safeops' });

  test('an unknown shell is a UsageError naming the supported ones', () => {
    expect(() => initScript('tcsh', ctx())).toThrow(UsageError);
    expect(() => initScript('tcsh', ctx())).toThrow(/bash, zsh, fish/);
    expect(() => initScript('', ctx())).toThrow(UsageError);
  });

  test.each(SHELLS)('%s: the config and the environment make the options', (shell) => {
    const config = defaultConfig();
    config.shell.title = false;
    config.watch.staleAfterSeconds = 42;
    const opts = initOptions({ config, env: {}, binPath: '/usr/bin/safeops' });
    expect(opts.features).toEqual({ prompt: true, background: true, title: false, tmux: true });
    expect(opts.staleAfterSeconds).toBe(42);
    expect(initScript(shell, { config, env: {}, stdoutIsTTY: false, binPath: '/usr/bin/safeops' })).toBe(renderInit(shell, opts));
    expect(initOptions({ config, env: { NO_COLOR: '1' }, binPath: '/b' }).noColor).toBe(true);
    expect(initOptions({ config, env: { NO_COLOR: '' }, binPath: '/b' }).noColor).toBe(false);
    expect(initOptions({ config, env: { TERM: 'dumb' }, binPath: '/b' }).noColor).toBe(true);
    expect(initScript(shell, ctx({ NO_COLOR: '1' }))).not.toContain('#5f0000');
  });

  test('read in a terminal, it starts with how to load it (as a comment)', () => {
    expect(initScript('bash', ctx({}, true))).toMatch(/^# To load this[^\n]*\n#   eval "\$\(safeops init bash\)"/);
    expect(initScript('fish', ctx({}, true))).toContain('#   safeops init fish | source');
    expect(initScript('zsh', ctx({}, false))).not.toContain('# To load this');
  });
});
