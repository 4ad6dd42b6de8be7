// The last resort of `safeops init` (issue 15 item 5): when the integration cannot be rendered
// at all, the shell still gets the guard functions and a warning, never plain `rm`. Pure
// string building from constants; nothing here can throw for a supported shell.
import { SHELL_GUARDED_TOOLS, quoteFor, type ShellName } from './render.js';

const ABSOLUTE_PRINTABLE = /^\/[^\u0000-\u001f\u007f-\u009f]{0,4095}$/;

/** Lines that print each warning on stderr when the script is loaded (values quoted by `q`). */
export function warningLines(shell: ShellName, lines: readonly string[], q: (v: string) => string): string {
  if (lines.length === 0) return '';
  // Printable text only: a config path with an escape sequence must not reach the terminal raw.
  const clean = lines.map((l) => q(l.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')));
  if (shell === 'fish') return `printf '%s\\n' ${clean.join(' ')} >&2\n`;
  return `\\builtin printf '%s\\n' ${clean.join(' ')} >&2\n`;
}

/** Only the guard functions (every guarded tool, sudo, and the prefix commands route nothing). */
export function minimalScript(shell: ShellName, binPath: string, warnings: readonly string[]): string {
  const q = (v: string) => quoteFor(shell, v);
  // An unusable path: the one on PATH (still never the tool itself).
  const bin = ABSOLUTE_PRINTABLE.test(binPath) ? q(binPath) : 'safeops';
  const tools = SHELL_GUARDED_TOOLS.filter((t) => t !== 'kill');
  let out = `# safeops: minimal integration (init could not render the full one)\n${warningLines(shell, warnings, q)}`;
  if (shell === 'fish') {
    out += `function __safeops_guard\n    if test -n "$SAFEOPS_DISABLE" -a "$SAFEOPS_DISABLE" != 0\n        command $argv\n        return $status\n    end\n    ${bin} $argv\nend\n`;
    for (const t of tools) out += `function ${t}\n    __safeops_guard ${t} $argv\nend\n`;
    out += `function sudo\n    __safeops_guard sudo $argv\nend\n`;
    out += `function kill\n    if string match -q -- '%*' $argv; or contains -- -l $argv\n        command kill (__fish_expand_pid_args $argv)\n    else\n        __safeops_guard kill $argv\n    end\nend\n`;
    return out;
  }
  out += `__safeops_guard() {\n  if [[ -n \${SAFEOPS_DISABLE:-} && \${SAFEOPS_DISABLE:-} != 0 ]]; then\n    \\command "$@"\n    return\n  fi\n  ${bin} "$@"\n}\n`;
  for (const t of tools) out += `function ${t} { __safeops_guard ${t} "$@"; }\n`;
  out += `function sudo { __safeops_guard sudo "$@"; }\n`;
  out += `function kill { case " $* " in *' %'* | *' -l '* | *' -L '*) builtin kill "$@" ;; *) __safeops_guard kill "$@" ;; esac; }\n`;
  return out;
}
