// Rendering the shell integration: every shell x option combination, values validated and
// quoted, and `safeops init` for an unknown shell.
import { describe, expect, test } from 'vitest';
import { initOptions, initScript } from '../../src/commands/init.js';
import { defaultConfig } from '../../src/config/schema.js';
import { DEFAULT_STATE_DIRS, SHELLS, SHELL_GUARDED_TOOLS, fill, quoteFor, renderInit, sgrFor, type InitOptions, type ShellName } from '../../src/shell/render.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GUARDED_TOOLS, PROMPT_BYTES_MAX, PROMPT_FIRST_LINE, PROMPT_LINE_MAX, PROMPT_LINES_MAX, PROMPT_ROLES,
  SHELL_PLAIN_TOOLS, SHELL_PREFILTERED_TOOLS, SHELL_PREFIX_COMMANDS,
} from '../../src/contract.js';
import { UsageError } from '../../src/util/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
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
    // Spelled out by hand only: the pre-filtered tools and sudo; the rest come from the contract
    // (which functions the loaded script really defines: 'the script defines …' below).
    const defined = [...script.matchAll(shell === 'fish' ? /^function (\S+)/gm : /^(?:function )?([^\s(]+)(?: \{|\(\) \{)/gm)].map((m) => m[1]!);
    expect(defined.filter((n) => !n.startsWith('__safeops_') && n !== 'TRAPUSR1').sort()).toEqual([...SHELL_PREFILTERED_TOOLS, 'sudo'].sort());
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

// One contract (src/contract.ts, docs/contract.md): the templates take every list from it
// through placeholders. These fail when a template spells a list out by hand again.
describe('the templates take the contract from src/contract.ts', () => {
  const raw = (shell: ShellName) => fs.readFileSync(path.join(ROOT, `shell/safeops.${shell}`), 'utf8');
  const codeLines = (text: string) => text.split('\n').filter((l) => !/^\s*#/.test(l));
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const names = (line: string, list: readonly string[]) => list.filter((n) => new RegExp(`(?<![A-Za-z0-9_.$-])${esc(n)}(?![A-Za-z0-9_-])`).test(line));

  test.each(SHELLS)('%s: no line lists guarded tools, prefix commands or roles', (shell) => {
    for (const line of codeLines(raw(shell))) {
      expect(names(line, GUARDED_TOOLS).length, line).toBeLessThan(3);
      expect(names(line, SHELL_PREFIX_COMMANDS).length, line).toBeLessThan(3);
      expect(names(line, PROMPT_ROLES).length, line).toBeLessThan(3);
    }
  });

  test.each(SHELLS)('%s: no guarded tool or prefix command gets a hand-written function but the pre-filtered ones', (shell) => {
    const defined = [...raw(shell).matchAll(shell === 'fish' ? /^\s*function (\S+)/gm : /^\s*(?:function )?([^\s(]+)(?: \{|\(\) \{)/gm)].map((m) => m[1]!);
    const byHand = defined.filter((n) => (GUARDED_TOOLS as readonly string[]).includes(n) || (SHELL_PREFIX_COMMANDS as readonly string[]).includes(n));
    expect(byHand.sort()).toEqual([...SHELL_PREFILTERED_TOOLS].sort());
  });

  test.each(SHELLS)("%s: the prompt file's byte set, limits, first line and role words come from placeholders", (shell) => {
    const text = raw(shell);
    const code = codeLines(text).join('\n');
    for (const spelled of [PROMPT_FIRST_LINE, 'A-Za-z0-9 ._,:/@()+=', '0123456789 ._,:/@()+='])
      expect(code, spelled).not.toContain(spelled);
    for (const n of [PROMPT_BYTES_MAX, 6464, PROMPT_LINE_MAX, PROMPT_LINES_MAX]) expect(code, String(n)).not.toMatch(new RegExp(`(?<![0-9])${n}(?![0-9])`));
    const words = [...text.matchAll(/(?:__safeops_word=|set -g __safeops_word )(\S+)/g)].map((m) => m[1]!).filter((w) => w !== "''");
    expect(words.length).toBeGreaterThanOrEqual(PROMPT_ROLES.length + 1);
    for (const w of words) expect(w).toMatch(/^__SAFEOPS_WORD_[A-Z]+__$/);
  });

  test('every contract value must be asked for, and every placeholder known', () => {
    expect(fill('t', 'a __SAFEOPS_X__ b', new Map([['__SAFEOPS_X__', '1']]))).toBe('a 1 b');
    expect(() => fill('t', 'a b', new Map([['__SAFEOPS_X__', '1']]))).toThrow(/__SAFEOPS_X__ not used/);
    expect(() => fill('t', 'a __SAFEOPS_Y__', new Map())).toThrow(/unknown placeholder __SAFEOPS_Y__/);
  });

  test('the plain and the pre-filtered tools are the guarded tools', () => {
    expect([...SHELL_PLAIN_TOOLS, ...SHELL_PREFILTERED_TOOLS].sort()).toEqual([...GUARDED_TOOLS].sort());
    expect(SHELL_GUARDED_TOOLS).toBe(GUARDED_TOOLS);
  });

  // What the loaded script defines, as each real shell lists its functions.
  const LIST: Record<ShellName, string> = {
    bash: "declare -F | sed 's/^declare -f //'",
    zsh: 'print -rl -- ${(k)functions}',
    fish: 'functions -a', // one a line when not to a terminal
  };
  test.each(SHELLS)('%s: the script defines a function for every guarded tool, prefix command and mkfs.* found', (shell) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-render-'));
    try {
      const file = path.join(dir, `init.${shell}`);
      fs.writeFileSync(file, renderInit(shell, options({ mkfsTools: ['mkfs.ext4'] })));
      const args = shell === 'bash' ? ['--norc', '--noprofile', '-c'] : shell === 'zsh' ? ['-f', '-c'] : ['--no-config', '-c'];
      const script = `${LIST[shell]}; echo ---; source ${quoteFor(shell, file)}; ${LIST[shell]}`;
      const out = execFileSync(shell, [...args, script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TERM: 'dumb' } });
      const [before, after] = out.split('---\n').map((s) => new Set(s.split('\n').filter(Boolean))) as [Set<string>, Set<string>];
      const added = [...after].filter((n) => !before.has(n) && !n.startsWith('__safeops_') && !['TRAPUSR1', 'fish_prompt', 'fish_title'].includes(n));
      expect(added.sort()).toEqual([...GUARDED_TOOLS, ...SHELL_PREFIX_COMMANDS, 'sudo', 'mkfs.ext4'].sort());
      // Each hands its own name on: a guarded tool to the guard, a prefix command to `safeops exec`.
      const spy =
        shell === 'fish'
          ? 'function __safeops_guard; echo guard $argv; end; function __safeops_via; echo via $argv; end'
          : '__safeops_guard() { echo "guard $*"; }; __safeops_via() { echo "via $*"; }';
      const calls = execFileSync(shell, [...args, `source ${quoteFor(shell, file)}; ${spy}; wal-g a b; pg_dropcluster 15 main; nice rm x`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TERM: 'dumb' } });
      expect(calls).toBe('guard wal-g a b\nguard pg_dropcluster 15 main\nvia nice rm x\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
