// `safeops init bash|zsh|fish`: prints the shell integration, nothing else (SPEC §4).
import type { Config } from '../config/schema.js';
import { DEFAULT_STATE_DIRS, SHELLS, isShellName, renderInit, type InitOptions, type ShellName } from '../shell/render.js';
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
  };
}

/** The init script for `shell`; throws UsageError for a shell safeops does not support. */
export function initScript(shell: string, ctx: InitContext): string {
  if (!isShellName(shell)) throw new UsageError(`safeops init: unknown shell ${JSON.stringify(shell)}; supported shells: ${SHELLS.join(', ')}`);
  const script = renderInit(shell, initOptions(ctx));
  // Someone reading it in a terminal gets told how to load it (a comment: harmless when sourced).
  return ctx.stdoutIsTTY ? `# To load this on every start, add to your shell's rc file:\n#   ${LOAD_HINT[shell]}\n${script}` : script;
}
