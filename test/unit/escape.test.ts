// The one escaping and quoting functions (docs/escaping.md): no unsafe code point survives
// escapeText, and a shell-quoted argument pasted into bash is exactly the argument (real bash).
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText, shellCommand, shellQuote } from '../../src/util/escape.js';

// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** What bash makes of `words` pasted after `printf '%s\0'`: the arguments it really receives. */
function bashArgs(line: string): string[] {
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `printf '%s\\0' ${line}`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } });
  return out.split('\0').slice(0, -1);
}

describe('escapeText', () => {
  it.each([
    ['a\x1b]0;PWNED\x07b', 'a\\x1b]0;PWNED\\x07b'],
    ['line\nforged', 'line\\nforged'],
    ['\x9b31m', '\\x9b31m'],
    ['del\x7f', 'del\\x7f'],
    ['abc\u202egnp.exe', 'abc\\u{202e}gnp.exe'],
    ['zero\u200bwidth', 'zero\\u{200b}width'],
    ['lone \ud800 surrogate', 'lone \\u{d800} surrogate'],
    ['ok 🐘 émoji', 'ok 🐘 émoji'],
    ['/var/lib/postgresql/15/main', '/var/lib/postgresql/15/main'],
  ])('%j -> %s', (raw, shown) => expect(escapeText(raw)).toBe(shown));

  it('leaves no unsafe code point, and is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const e = escapeText(s);
        expect(RAW.test(e)).toBe(false);
        expect(escapeText(e)).toBe(e);
      }),
      { numRuns: 500 },
    );
  });
});

describe('shellQuote', () => {
  it('a pasted $(...) stays text', () => {
    const arg = '/tmp/x$(touch /tmp/pwned)`id`;$HOME*';
    expect(bashArgs(shellQuote(arg))).toEqual([arg]);
  });
  it('control bytes use $\'...\' and never appear raw', () => {
    const q = shellQuote('d\x1b]0;T\x07\nl\'i\\ne');
    expect(q.startsWith("$'")).toBe(true);
    expect(RAW.test(q)).toBe(false);
    expect(bashArgs(q)).toEqual(['d\x1b]0;T\x07\nl\'i\\ne']);
  });
  it('round-trips through real bash for any argument (property)', () => {
    // One bash per batch of arguments: the property holds argument by argument.
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.oneof(fc.constantFrom('\x1b', '\n', "'", '"', '\\', '$', '(', ')', '`', ' ', '*', '!', '\x07', '\x9b', '\u202e', '~', '#', ';', '&', '|'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 20 }), (args) => {
        const clean = args.map((a) => a.replace(/\0/g, '')).filter((a) => a !== '');
        if (clean.length === 0) return;
        const line = shellCommand(clean);
        expect(RAW.test(line)).toBe(false);
        expect(bashArgs(line)).toEqual(clean);
      }),
      { numRuns: 40 },
    );
  });
});

describe('the watcher\'s log lines', () => {
  it('escape host text', async () => {
    const { stdoutLog } = await import('../../src/watch/loop.js');
    const written: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    (process.stdout as { write: unknown }).write = (s: string) => {
      written.push(String(s));
      return true;
    };
    try {
      stdoutLog('cluster found: d\x1b]0;PWNED\x07\nforged /srv/x');
    } finally {
      (process.stdout as { write: unknown }).write = orig;
    }
    expect(written).toEqual(['cluster found: d\\x1b]0;PWNED\\x07\\nforged /srv/x\n']);
  });
});
