// One contract for the prompt file: the same golden files (valid, hostile, truncated, oversized)
// go to bash, zsh, fish (the integration's own __safeops_read, from `safeops init`) and to the
// TypeScript reader (src/contract.ts), and all four must read each one the same way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePromptFile, PROMPT_ALERTS_MAX, PROMPT_BYTES_MAX, PROMPT_LINE_MAX } from '../../src/contract.js';
import { BIN } from '../support/cli.js';

const ESC = '\x1b';
const head = (hb: number | string) => `safeops-prompt 1\nheartbeat ${hb}\n`;

/** `text` and one more line of `x`, to exactly `size` bytes. */
const padTo = (text: string, size: number) => `${text}${'x'.repeat(size - text.length - 1)}\n`;

/** name -> file text, given a fresh heartbeat. */
const GOLDEN: Array<[string, (hb: number) => string]> = [
  ['a primary with a label and an alert', (hb) => `${head(hb)}role primary\nlabel PRIMARY 15/main, standby 15/replica\nalert archiving failing on 15/main\nend\n`],
  ['no clusters', (hb) => `${head(hb)}role none\nlabel\nend\n`.replace('label\n', 'label \n')],
  ['no label line', (hb) => `${head(hb)}role standby\nend\n`],
  ['every role word', (hb) => `${head(hb)}role recovering\nlabel recovering 15/x\nend\n`],
  [`${PROMPT_ALERTS_MAX} alerts`, (hb) => `${head(hb)}role primary\nlabel P\n${Array.from({ length: PROMPT_ALERTS_MAX }, (_, i) => `alert a${i}\n`).join('')}end\n`],
  [`${PROMPT_ALERTS_MAX + 1} alerts`, (hb) => `${head(hb)}role primary\nlabel P\n${Array.from({ length: PROMPT_ALERTS_MAX + 1 }, (_, i) => `alert a${i}\n`).join('')}end\n`],
  ['lines after end are ignored', (hb) => `${head(hb)}role stopped\nlabel stopped 15/main\nend\nrole primary\n`],
  ['a line at the length limit', (hb) => `${head(hb)}role primary\nlabel ${'L'.repeat(PROMPT_LINE_MAX - 6)}\nend\n`],
  ['a line one byte too long', (hb) => `${head(hb)}role primary\nlabel ${'L'.repeat(PROMPT_LINE_MAX - 5)}\nend\n`],
  ['too many lines', (hb) => `${head(hb)}role primary\n${'label x\n'.repeat(0)}${Array.from({ length: 40 }, () => 'alert x\n').join('')}end\n`],
  ['oversized file', (hb) => `${head(hb)}role primary\nlabel P\nend\n${'x'.repeat(PROMPT_BYTES_MAX)}\n`],
  ['one byte under the size limit (text after end)', (hb) => padTo(`${head(hb)}role standby\nlabel s\nend\n`, PROMPT_BYTES_MAX - 1)],
  ['exactly the size limit (text after end)', (hb) => padTo(`${head(hb)}role standby\nlabel s\nend\n`, PROMPT_BYTES_MAX)],
  ['heartbeat on the third line', (hb) => `safeops-prompt 1\nrole primary\nheartbeat ${hb}\nend\n`],
  ['a second heartbeat line', (hb) => `${head(hb)}heartbeat ${hb}\nrole primary\nend\n`],
  ['truncated: no end', (hb) => `${head(hb)}role primary\nlabel PRIMARY 15/main\n`],
  ['truncated mid-line', (hb) => `${head(hb)}role prim`],
  ['empty', () => ''],
  ['another first line', (hb) => `safeops-prompt 2\nheartbeat ${hb}\nrole primary\nend\n`],
  ['heartbeat not a number', () => `${head('12x')}role primary\nend\n`],
  ['heartbeat too long', () => `${head('1'.repeat(13))}role primary\nend\n`],
  ['unknown role', (hb) => `${head(hb)}role leader\nend\n`],
  ['role twice', (hb) => `${head(hb)}role standby\nrole primary\nend\n`],
  ['label twice', (hb) => `${head(hb)}role standby\nlabel a\nlabel b\nend\n`],
  ['unknown key', (hb) => `${head(hb)}role primary\nexec touch /tmp/x\nend\n`],
  ['an empty line', (hb) => `${head(hb)}role primary\n\nend\n`],
  ['no role', (hb) => `${head(hb)}label P\nend\n`],
  ['ESC in the label', (hb) => `${head(hb)}role primary\nlabel PRIMARY ${ESC}]11;#ff0000\x07\nend\n`],
  ['$(…) in the label', (hb) => `${head(hb)}role primary\nlabel PRIMARY $(touch /tmp/x)\nend\n`],
  ['backticks in the label', (hb) => `${head(hb)}role primary\nlabel \`id\`\nend\n`],
  ['zsh prompt escapes', (hb) => `${head(hb)}role primary\nlabel %F{red}x\nend\n`],
  ['CRLF line ends', (hb) => `${head(hb)}role primary\r\nlabel P\r\nend\r\n`],
  ['a NUL byte', (hb) => `${head(hb)}role primary\nlabel P\0Q\nend\n`],
  ['UTF-8 in the label', (hb) => `${head(hb)}role primary\nlabel PRIMÄRY\nend\n`],
  ['a tab in an alert', (hb) => `${head(hb)}role primary\nlabel P\nalert a\tb\nend\n`],
];

let dir: string;
const inits: Record<string, string> = {};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-golden-'));
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, '{}');
  for (const shell of ['bash', 'zsh', 'fish']) {
    inits[shell] = path.join(dir, `init.${shell}`);
    fs.writeFileSync(inits[shell]!, execFileSync(process.execPath, [BIN, 'init', shell], { env: { PATH: process.env.PATH, HOME: dir, SAFEOPS_CONFIG: config } }));
  }
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** What one shell's own reader makes of `file`: `role|label|alert,alert` or STALE. */
function shellReads(shell: string, file: string): string {
  const show = { bash: `printf '%s|%s|%s\\n' "$__safeops_role" "$__safeops_label" "$(IFS=,; echo "\${__safeops_alerts[*]}")"`, zsh: `printf '%s|%s|%s\\n' "$__safeops_role" "$__safeops_label" "\${(j:,:)__safeops_alerts}"`, fish: `printf '%s|%s|%s\\n' "$__safeops_role" "$__safeops_label" (string join , -- $__safeops_alerts)` }[shell]!;
  const script =
    shell === 'fish'
      ? `source ${inits.fish}; if __safeops_read ${file}; ${show}; else; echo STALE; end`
      : `source ${inits[shell]}; if __safeops_read ${file}; then ${show}; else echo STALE; fi`;
  const argv = { bash: ['bash', '--norc', '--noprofile', '-c', script], zsh: ['zsh', '-f', '-c', script], fish: ['fish', '--no-config', '-c', script] }[shell]!;
  return execFileSync(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH, HOME: dir, TERM: 'dumb' }, encoding: 'utf8', timeout: 30_000 }).trim();
}

/** What the TypeScript reader makes of it, in the same notation. */
function tsReads(text: string): string {
  const f = parsePromptFile(text);
  return f ? `${f.role}|${f.label}|${f.alerts.join(',')}` : 'STALE';
}

describe('bash, zsh, fish and the TypeScript reader agree on every golden prompt file', () => {
  it.each(GOLDEN)('%s', (name, make) => {
    const text = make(Math.floor(Date.now() / 1000));
    const file = path.join(dir, `prompt-${GOLDEN.findIndex(([n]) => n === name)}`);
    fs.writeFileSync(file, text);
    const ts = tsReads(text);
    const got = { ts, bash: shellReads('bash', file), zsh: shellReads('zsh', file), fish: shellReads('fish', file) };
    expect(got).toEqual({ ts, bash: ts, zsh: ts, fish: ts });
  });

  it('the golden set holds both valid and stale files', () => {
    const results = GOLDEN.map(([, make]) => tsReads(make(Math.floor(Date.now() / 1000))));
    expect(results.filter((r) => r === 'STALE').length).toBeGreaterThan(10);
    expect(results.filter((r) => r !== 'STALE').length).toBeGreaterThan(5);
  });
});
