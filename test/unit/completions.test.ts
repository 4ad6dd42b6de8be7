// The completions are rendered from the contract (src/contract.ts): each lists every guarded
// tool, sudo, exec and every management command, and the config's keys; bash and fish, loaded
// for real, offer exactly those after `safeops `. The CLI's commands are the contract's.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { GUARD_WRAPPERS, GUARDED_TOOLS, MANAGEMENT_COMMANDS, SHELLS } from '../../src/contract.js';
import { completionCommands, configKeys, renderCompletion } from '../../src/shell/completions.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIRST_WORDS = [...GUARDED_TOOLS, ...Object.keys(GUARD_WRAPPERS), ...Object.keys(MANAGEMENT_COMMANDS)];

function inShell(shell: 'bash' | 'fish', script: string, code: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-comp-'));
  try {
    const file = path.join(dir, 'completion');
    fs.writeFileSync(file, script);
    const argv = shell === 'bash' ? ['--norc', '--noprofile', '-c', `source '${file}'\n${code}`] : ['--no-config', '-c', `source '${file}'\n${code}`];
    return execFileSync(shell, argv, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TERM: 'dumb' } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(SHELLS)('renderCompletion(%s)', (shell) => {
  test('every placeholder filled; every first word and config key in it', () => {
    const text = renderCompletion(shell);
    expect(text).not.toMatch(/__SAFEOPS_[A-Z_]+__/);
    for (const w of [...FIRST_WORDS, ...configKeys()]) expect(text, w).toMatch(new RegExp(`[ '(]${w.replace(/\./g, '\\.')}[ ':)]`));
    expect(configKeys()).toContain('shell.colors.standby');
    expect(configKeys()).toContain('watch.staleAfterSeconds');
  });

  test('the template names no guarded tool or command itself', () => {
    const file = { bash: 'safeops.bash', zsh: '_safeops', fish: 'safeops.fish' }[shell];
    const code = fs.readFileSync(path.join(ROOT, 'completions', file), 'utf8').split('\n').filter((l) => !/^\s*#/.test(l));
    for (const line of code) {
      const named = FIRST_WORDS.filter((w) => !['exec', 'sudo', 'init', 'watch', 'demo', 'config', 'status', 'completions', 'rm'].includes(w) && new RegExp(`(?<![\\w.-])${w}(?![\\w-])`).test(line));
      expect(named, line).toEqual([]);
    }
  });
});

describe('completing in the real shells', () => {
  test('bash offers every first word after `safeops `', () => {
    const out = inShell('bash', renderCompletion('bash'), `COMP_WORDS=(safeops ''); COMP_CWORD=1; _safeops; printf '%s\\n' "\${COMPREPLY[@]}"`);
    expect(out.split('\n').filter(Boolean).sort()).toEqual([...FIRST_WORDS].sort());
  });

  test('fish offers every first word after `safeops `, with its description', () => {
    const out = inShell('fish', renderCompletion('fish'), "complete -C 'safeops '");
    const offered = out.split('\n').filter(Boolean).map((l) => l.split('\t'));
    expect(offered.map(([n]) => n).sort()).toEqual([...FIRST_WORDS].sort());
    expect(offered.find(([n]) => n === 'status')?.[1]).toBe('List clusters with their live roles');
  });
});

test('the descriptions are the contract’s, and the CLI has exactly the management commands', () => {
  expect(completionCommands().map(([n]) => n)).toEqual(FIRST_WORDS);
  const cli = fs.readFileSync(path.join(ROOT, 'src/cli.ts'), 'utf8');
  const yargsCommands = [...cli.matchAll(/\.command\(\s*'([a-z-]+)/g)].map((m) => m[1]!);
  // `explain` is read by main.ts before yargs (its arguments are a command line).
  expect([...yargsCommands, 'explain'].sort()).toEqual(Object.keys(MANAGEMENT_COMMANDS).sort());
  expect(fs.readFileSync(path.join(ROOT, 'src/main.ts'), 'utf8')).toContain("cmd === 'explain'");
});
