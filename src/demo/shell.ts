// The demo's interactive shell: the operator's own rc (bash, zsh) or config (fish) first, so the
// shell feels like theirs, then the demo's integration (`safeops init <shell>` of this safeops),
// which wins: its functions call this binary and its prompt reads the demo's state dir.
import fs from 'node:fs';
import path from 'node:path';
import { quoteFor, type ShellName } from '../shell/render.js';

export interface DemoShell {
  argv: string[];
  /** Added to the shell's environment. */
  env: Record<string, string>;
}

/** `shell` on PATH, or null. */
export function findOnPath(name: string, envPath: string | undefined): string | null {
  for (const dir of (envPath || '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** The shell to start: --shell, else the basename of $SHELL when supported, else bash. Pure. */
export function pickShell(flag: string | undefined, envShell: string | undefined): ShellName {
  if (flag === 'bash' || flag === 'zsh' || flag === 'fish') return flag;
  const base = envShell ? path.basename(envShell) : '';
  return base === 'zsh' || base === 'fish' ? base : 'bash';
}

/**
 * Startup files for `shell` in `dir` (created here) and the argv/env that load them:
 * bash `--rcfile`, zsh `ZDOTDIR` (with the user's own ZDOTDIR restored before their files are
 * read), fish `-C` (runs after the user's config.fish).
 */
export function prepareShell(shell: ShellName, shellPath: string, dir: string, initScript: string, env: NodeJS.ProcessEnv): DemoShell {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const init = path.join(dir, `init.${shell}`);
  fs.writeFileSync(init, initScript);
  const q = (s: string) => quoteFor(shell, s);
  if (shell === 'bash') {
    const rc = path.join(dir, 'bashrc');
    fs.writeFileSync(rc, ['# safeops demo: your own ~/.bashrc, then the demo integration (it wins).', 'if [ -f ~/.bashrc ]; then . ~/.bashrc; fi', `. ${q(init)}`, ''].join('\n'));
    return { argv: [shellPath, '--rcfile', rc, '-i'], env: {} };
  }
  if (shell === 'zsh') {
    // zsh reads .zshenv and .zshrc from $ZDOTDIR: ours, which read the user's from where they live.
    const userZdotdir = env.ZDOTDIR || env.HOME || '';
    fs.writeFileSync(
      path.join(dir, '.zshenv'),
      [
        '# safeops demo: your own .zshenv, then back to the demo dir for .zshrc.',
        `__safeops_demo_zdotdir=${q(userZdotdir)}`,
        'if [[ -n $__safeops_demo_zdotdir && -f $__safeops_demo_zdotdir/.zshenv ]]; then ZDOTDIR=$__safeops_demo_zdotdir; source "$ZDOTDIR/.zshenv"; __safeops_demo_zdotdir=${ZDOTDIR:-$__safeops_demo_zdotdir}; fi',
        `ZDOTDIR=${q(dir)}`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, '.zshrc'),
      [
        '# safeops demo: your own .zshrc, then the demo integration (it wins).',
        'ZDOTDIR=$__safeops_demo_zdotdir',
        'if [[ -n $ZDOTDIR && -f $ZDOTDIR/.zshrc ]]; then source "$ZDOTDIR/.zshrc"; fi',
        `source ${q(init)}`,
        'unset __safeops_demo_zdotdir',
        '',
      ].join('\n'),
    );
    return { argv: [shellPath, '-i'], env: { ZDOTDIR: dir } };
  }
  return { argv: [shellPath, '-i', '-C', `source ${q(init)}`], env: {} };
}
