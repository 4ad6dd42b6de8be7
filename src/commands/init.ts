// `safeops init bash|zsh|fish`: prints the shell integration, nothing else (docs/design.md §4).
import fs from 'node:fs';
import { defaultConfig, formatConfigProblems, type Config, type LoadedConfig } from '../config/schema.js';
import { minimalScript, warningLines } from '../shell/fallback.js';
import { DEFAULT_STATE_DIRS, MKFS_TOOL_RE, SHELLS, isShellName, quoteFor, renderInit, validateInitOptions, type InitOptions, type ShellName } from '../shell/render.js';
import { UsageError } from '../util/errors.js';

export interface InitContext {
  config: Config;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Whether `safeops init` itself writes to a terminal. Not used to decide colours: the usual
   * `eval "$(safeops init bash)"` always pipes it; the script checks its own terminal at load.
   */
  stdoutIsTTY: boolean;
  /** Absolute path of the safeops binary, baked into the guarded-command functions. */
  binPath: string;
  /** `mkfs.*` tools on this host (wrapped like `mkfs`); none when absent. */
  mkfsTools?: readonly string[];
  /** Lines printed on stderr when the script is loaded (config problems, replaced values). */
  warnings?: readonly string[];
}

const LOAD_HINT: Record<ShellName, string> = {
  bash: 'eval "$(safeops init bash)"    # in ~/.bashrc',
  zsh: 'eval "$(safeops init zsh)"     # in ~/.zshrc',
  fish: 'safeops init fish | source     # in ~/.config/fish/config.fish',
};

/** The options for the shell templates, from the config and the environment of `safeops init`. */
export function initOptions(ctx: Omit<InitContext, 'stdoutIsTTY'>): InitOptions {
  const { shell } = ctx.config;
  return {
    binPath: ctx.binPath,
    stateDirs: DEFAULT_STATE_DIRS,
    colors: shell.colors,
    staleAfterSeconds: ctx.config.watch.staleAfterSeconds,
    features: { prompt: shell.prompt, background: shell.background, title: shell.title, tmux: shell.tmux },
    // NO_COLOR (any non-empty value, no-color.org) or a dumb terminal: no escape ever. The
    // script checks both again, and that its stdout is a terminal, when it is loaded.
    noColor: Boolean(ctx.env.NO_COLOR) || ctx.env.TERM === 'dumb',
    ...(ctx.mkfsTools ? { mkfsTools: ctx.mkfsTools } : {}),
  };
}

/**
 * The options with every bad value replaced by its default, and one warning per replacement:
 * a config value the schema let through (`staleAfterSeconds: 10.5`) must never cost the shell
 * its guard functions (issue 15 item 5).
 */
export function sanitizeInitOptions(opts: InitOptions): { options: InitOptions; warnings: string[] } {
  const warnings: string[] = [];
  const d = defaultConfig();
  const out: InitOptions = { ...opts, colors: { ...opts.colors }, features: { ...opts.features } };
  const check = (what: string, apply: () => void, fallback: () => void) => {
    try {
      apply();
      validateInitOptions(out);
    } catch (e) {
      fallback();
      warnings.push(`safeops: ${what}: ${(e as Error).message}; using the default`);
    }
  };
  // One field at a time, each checked alone against defaults for the rest.
  const base: InitOptions = { ...out, staleAfterSeconds: d.watch.staleAfterSeconds, colors: d.shell.colors, stateDirs: DEFAULT_STATE_DIRS };
  Object.assign(out, base);
  // The binary's own path is not a setting: a bad one goes to initOutput's fallbacks.
  validateInitOptions(out);
  check('watch.staleAfterSeconds', () => (out.staleAfterSeconds = opts.staleAfterSeconds), () => (out.staleAfterSeconds = d.watch.staleAfterSeconds));
  for (const key of Object.keys(d.shell.colors) as Array<keyof typeof d.shell.colors>)
    check(`shell.colors.${key}`, () => (out.colors = { ...out.colors, [key]: opts.colors[key] }), () => (out.colors = { ...out.colors, [key]: d.shell.colors[key] }));
  check('state dirs', () => (out.stateDirs = opts.stateDirs), () => (out.stateDirs = DEFAULT_STATE_DIRS));
  for (const f of ['prompt', 'background', 'title', 'tmux'] as const)
    if (typeof opts.features[f] !== 'boolean') {
      out.features[f] = (d.shell as unknown as Record<string, boolean>)[f] ?? true;
      warnings.push(`safeops: shell.${f}: not true or false; using the default`);
    }
  return { options: out, warnings };
}

/** `mkfs.*` programs in the system's sbin directories (for their guard functions). */
export function findMkfsTools(dirs: readonly string[] = ['/usr/sbin', '/sbin', '/usr/bin', '/bin']): string[] {
  const found = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const name of fs.readdirSync(dir)) if (MKFS_TOOL_RE.test(name)) found.add(name);
    } catch {
      // absent or unreadable: nothing from there
    }
  }
  return [...found].sort();
}

/** Shell lines that print `lines` on stderr when the script is loaded. */
function warningBlock(shell: ShellName, lines: readonly string[]): string {
  return warningLines(shell, lines, (v) => quoteFor(shell, v));
}

/**
 * What `safeops init SHELL` prints, whatever happens: the full integration from the config
 * (bad values replaced by defaults, reported on stderr at shell start); if that fails, the
 * integration with every default; if even that fails, the guard functions alone. Never throws
 * for a supported shell, so `eval "$(safeops init bash)"` always leaves the guard in place.
 */
export function initOutput(shell: string, io: { loadConfig: () => LoadedConfig; env: Readonly<Record<string, string | undefined>>; stdoutIsTTY: boolean; binPath: string; mkfsTools?: () => string[] }): string {
  if (!isShellName(shell)) throw new UsageError(`safeops init: unknown shell ${JSON.stringify(shell)}; supported shells: ${SHELLS.join(', ')}`);
  let problems: string[] = [];
  try {
    const loaded = io.loadConfig();
    problems = formatConfigProblems(loaded);
    const mkfsTools = (io.mkfsTools ?? findMkfsTools)();
    const { options, warnings } = sanitizeInitOptions(initOptions({ config: loaded.config, env: io.env, binPath: io.binPath, mkfsTools }));
    return warningBlock(shell, [...problems, ...warnings]) + initScript(shell, { config: loaded.config, env: io.env, stdoutIsTTY: io.stdoutIsTTY, binPath: options.binPath, mkfsTools }, options);
  } catch (e) {
    const why = `safeops: init failed (${e instanceof Error ? e.message : String(e)}); the guard functions are loaded with default settings`;
    try {
      const d = defaultConfig();
      return warningBlock(shell, [...problems, why]) + initScript(shell, { config: d, env: io.env, stdoutIsTTY: false, binPath: io.binPath });
    } catch (e2) {
      return minimalScript(shell, io.binPath, [...problems, why, `safeops: ${e2 instanceof Error ? e2.message : String(e2)}: only the guard functions are loaded (no prompt)`]);
    }
  }
}

/** The init script for `shell`; throws UsageError for a shell safeops does not support. */
export function initScript(shell: string, ctx: InitContext, options?: InitOptions): string {
  if (!isShellName(shell)) throw new UsageError(`safeops init: unknown shell ${JSON.stringify(shell)}; supported shells: ${SHELLS.join(', ')}`);
  const script = (ctx.warnings?.length ? warningBlock(shell, ctx.warnings) : '') + renderInit(shell, options ?? initOptions(ctx));
  // Someone reading it in a terminal gets told how to load it (a comment: harmless when sourced).
  return ctx.stdoutIsTTY ? `# To load this on every start, add to your shell's rc file:\n#   ${LOAD_HINT[shell]}\n${script}` : script;
}
