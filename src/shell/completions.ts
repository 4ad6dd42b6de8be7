// Renders the completions (completions/safeops.bash, _safeops, safeops.fish) from the contract
// (src/contract.ts: the guarded tools, sudo and exec, the management commands, the shells) and
// the config's keys (the leaves of defaultConfig()). `safeops completions SHELL` prints one;
// the build writes all three to dist/completions/, which install.sh and the release install.
// Pure: no env, no fs.
import bashTpl from '../../completions/safeops.bash?raw';
import zshTpl from '../../completions/_safeops?raw';
import fishTpl from '../../completions/safeops.fish?raw';
import { defaultConfig } from '../config/schema.js';
import { GUARD_WRAPPERS, GUARDED_TOOLS, MANAGEMENT_COMMANDS, SHELLS, type ShellName } from '../contract.js';
import { fill, quoteFor } from './render.js';

/** The file each shell's completion is installed as (dist/completions/<name>). */
export const COMPLETION_FILES: Readonly<Record<ShellName, string>> = { bash: 'safeops.bash', zsh: '_safeops', fish: 'safeops.fish' };

const TEMPLATES: Record<ShellName, string> = { bash: bashTpl, zsh: zshTpl, fish: fishTpl };
/** Names and descriptions put into the completions: plain words, no quote or colon in a name. */
const NAME_RE = /^[a-z][a-z0-9_.-]*$/i;
const DESCRIPTION_RE = /^[A-Za-z0-9 ,.()/$_-]+$/;

/** Every dotted config key `safeops config get/set/unset` takes: the leaves of the defaults. */
export function configKeys(): string[] {
  const out: string[] = [];
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else out.push(`${prefix}${k}`);
    }
  };
  walk(defaultConfig() as unknown as Record<string, unknown>, '');
  return out;
}

/** What the first word after `safeops` may be, with a description, in the order offered. */
export function completionCommands(): Array<[name: string, description: string]> {
  return [
    ...GUARDED_TOOLS.map((t): [string, string] => [t, `${t}, guarded by safeops`]),
    ...Object.entries(GUARD_WRAPPERS),
    ...Object.entries(MANAGEMENT_COMMANDS),
  ];
}

/** The completion script for `shell`. */
export function renderCompletion(shell: ShellName): string {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new RangeError(`unknown shell ${JSON.stringify(shell)}: use one of ${SHELLS.join(', ')}`);
  const q = (v: string) => quoteFor(shell, v);
  const commands = completionCommands();
  const keys = configKeys();
  for (const [n, d] of commands) if (!NAME_RE.test(n) || !DESCRIPTION_RE.test(d)) throw new Error(`completions: ${JSON.stringify(n)}: ${JSON.stringify(d)} is not plain`);
  for (const k of keys) if (!NAME_RE.test(k)) throw new Error(`completions: config key ${JSON.stringify(k)} is not plain`);
  const wrapped = [...GUARDED_TOOLS, 'sudo'];
  const management = ['exec', ...Object.keys(MANAGEMENT_COMMANDS)];
  const subs =
    shell === 'bash'
      ? new Map([
          ['__SAFEOPS_WRAPPED__', q(wrapped.join(' '))],
          ['__SAFEOPS_COMMANDS__', q(management.join(' '))],
          ['__SAFEOPS_CONFIG_KEYS__', q(keys.join(' '))],
          ['__SAFEOPS_SHELLS__', q(SHELLS.join(' '))],
        ])
      : new Map([
          ['__SAFEOPS_WRAPPED__', wrapped.map(q).join(' ')],
          // zsh's _describe reads `name:description`; a colon in the name would need a backslash (none has one).
          // fish's descriptions start with a capital, zsh's do not.
          ['__SAFEOPS_COMMAND_ITEMS__', commands.map(([n, d]) => q(`${n}:${shell === 'fish' ? d[0]!.toUpperCase() + d.slice(1) : d}`)).join(' ')],
          ['__SAFEOPS_CONFIG_KEYS__', keys.map(q).join(' ')],
          ['__SAFEOPS_SHELLS__', SHELLS.map(q).join(' ')],
        ]);
  return fill(`completions/${COMPLETION_FILES[shell]}`, TEMPLATES[shell], subs);
}
