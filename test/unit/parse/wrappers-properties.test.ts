// Property tests for issue 9 item 2: generated wrappers and command strings (env -S with GNU env's
// escapes and ${VAR}, su/runuser spellings, flock, script -c, watch, setpriv, busybox, xargs ...)
// never read as harmless what the plain command line would guard.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExec } from '../../../src/command/parse.js';
import { splitEnvString } from '../../../src/command/prefix/env-split.js';

const COMMANDS: string[][] = [
  ['rm', '-rf', '/var/lib/postgresql/15/main'],
  ['/usr/lib/postgresql/15/bin/pg_ctl', '-D', '/d', 'stop', '-m', 'immediate'],
  ['pg_ctl', 'kill', 'KILL', '1234'],
  ['pg_ctlcluster', '15', 'main', 'restart'],
  ['wal-g', 'backup-fetch', '/var/lib/postgresql/15/main', 'LATEST'],
  ['systemctl', 'kill', '-s', 'KILL', 'postgresql@15-main'],
  ['mv', '/d/data', '/old'],
  ['cp', '-a', '/x', '/d/data/'],
  ['rsync', '-a', '--delete', 'e/', '/d/data/'],
  ['find', '/d/data', '-name', '*.tmp', '-delete'],
  ['truncate', '-s0', '/d/f'],
  ['shred', '-u', '/d/f'],
  ['dd', 'if=/dev/zero', 'of=/d/f'],
  ['pg_dropcluster', '--stop', '15', 'main'],
  ['pg_resetwal', '-f', '-D', '/d'],
  ['pg_rewind', '-D', '/d', '--source-server=host=x port=5432'],
  ['kill', '-9', '1234'],
  ['pkill', '-QUIT', 'postgres'],
  ['killall', 'postgres'],
  ['psql', '-h', '/run/pg', '-c', 'select pg_promote()'],
  ['reboot'],
  ['systemctl', 'poweroff'],
  ['umount', '/srv/pg'],
  ['mkfs.ext4', '/dev/vdb'],
  ['wipefs', '-a', '/dev/vdb'],
];

/** Single-quotes words for sh -c exactly ('\'' for a quote inside). */
function sh(words: string[]): string {
  return words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
}

type Style = 'bare' | 'single' | 'double' | 'var';
/** One word in GNU env -S's language; `vars` collects ${V} definitions. */
function envWord(w: string, style: Style, vars: Record<string, string>): string {
  if (style === 'var') {
    const name = `SO_V${Object.keys(vars).length}`;
    vars[name] = w;
    return `\${${name}}`;
  }
  if (style === 'single') return `'${w.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (style === 'double' || w === '' || /\s/.test(w)) return `"${w.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\t/g, '\\t').replace(/\n/g, '\\n')}"`;
  return w.replace(/[\\"'$#]/g, (c) => `\\${c}`);
}

type Layer =
  | { kind: 'prefix'; words: string[] }
  | { kind: 'shell'; make: (s: string) => string[] }
  | { kind: 'env-S'; styles: Style[]; seps: boolean[] };

const PREFIXES: string[][] = [
  ['flock', '/tmp/lock'], ['flock', '-w', '5', '-x', '/tmp/lock'], ['setpriv', '--reuid=postgres', '--init-groups'], ['busybox'],
  ['nice', '-n', '19'], ['ionice', '-c', '3'], ['nohup'], ['timeout', '-s', 'KILL', '10m'], ['setsid', '-w'], ['stdbuf', '-oL'],
  ['chrt', '-i', '0'], ['taskset', '-a', '-c', '0-1'], ['time', '-p'], ['exec', '-a', 'x'], ['command', '-p'], ['watch', '-x', '-n', '1'],
  ['runuser', '-u', 'postgres', '--'], ['doas', '-u', 'postgres'], ['sudo', '-D', '/tmp'], ['env', '-u', 'LANG'],
];
const SHELLS: Array<(s: string) => string[]> = [
  (s) => ['su', 'postgres', '-c', s],
  (s) => ['su', '-c', s, 'postgres'],
  (s) => ['su', '-m', '-s', '/bin/bash', 'postgres', '-c', s],
  (s) => ['runuser', 'postgres', '-s', '/bin/sh', '-c', s],
  (s) => ['su', '--session-command', s, 'postgres'],
  (s) => ['su', 'postgres', '--', '-c', s],
  (s) => ['flock', '/tmp/lock', '-c', s],
  (s) => ['script', '-qec', s, '/dev/null'],
  (s) => ['watch', '-n', '1', s],
  (s) => ['busybox', 'sh', '-c', s],
  (s) => ['bash', '-c', s],
];
const layer: fc.Arbitrary<Layer> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PREFIXES).map((words): Layer => ({ kind: 'prefix', words })) },
  { weight: 2, arbitrary: fc.constantFrom(...SHELLS).map((make): Layer => ({ kind: 'shell', make })) },
  { weight: 2, arbitrary: fc.record({ styles: fc.array(fc.constantFrom<Style>('bare', 'single', 'double', 'var'), { minLength: 24, maxLength: 24 }), seps: fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }) }).map((r): Layer => ({ kind: 'env-S', ...r })) },
);

function wrap(argv: string[], l: Layer, vars: Record<string, string>): string[] {
  if (l.kind === 'prefix') return [...l.words, ...argv];
  if (l.kind === 'shell') {
    return l.make(sh(argv));
  }
  const text = argv.map((w, i) => envWord(w, l.styles[i % 24]!, vars)).map((w, i) => (i === 0 ? w : (l.seps[i % 24] ? '\\_' : ' ') + w)).join('');
  return ['env', '-S', text];
}

describe('wrappers and command strings (issue 9 item 2)', () => {
  it('read like the bare command: same tool, argv and ops (or opaque, never harmless)', () => {
    let opaque = 0;
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), fc.array(layer, { maxLength: 5 }), (command, layers) => {
        const vars: Record<string, string> = {};
        const argv = layers.reduce((a, l) => wrap(a, l, vars), command);
        const env = { HOME: '/root', PATH: '/usr/bin:/bin', ...vars };
        const bare = parseExec(command, env);
        const wrapped = parseExec(argv, env);
        expect(bare.ops.length).toBeGreaterThan(0);
        // Never harmless; read exactly, or (a shell string with escapes inside "...") asked about as opaque.
        expect(wrapped.ops.length).toBeGreaterThan(0);
        if (wrapped.ops.length === 1 && wrapped.ops[0]!.type === 'opaque' && bare.ops[0]!.type !== 'opaque') {
          opaque++;
          return;
        }
        expect(wrapped.innerArgv).toEqual(command);
        expect(wrapped.ops).toEqual(bare.ops);
      }),
      { numRuns: 600 },
    );
    // Most generated stacks are read exactly.
    expect(opaque).toBeLessThan(300);
  });

  it('xargs, parallel, strace ... of a guarded tool are asked about (opaque), never allowed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), fc.constantFrom(['xargs', '-r'], ['xargs', '-0', '-n1'], ['parallel'], ['systemd-run', '--wait'], ['strace', '-f']), (command, pre) => {
        const r = parseExec([...pre, ...command], {});
        expect(r.ops.map((o) => o.type)).toEqual(['opaque']);
      }),
      { numRuns: 100 },
    );
  });

  it('a string safeops cannot read (unknown ${VAR}, env errors, exotic shells) is never harmless when it names a guarded tool', () => {
    for (const argv of [
      ['sudo', '-i', 'env', '-S', 'rm -rf ${PGDATA}'],
      ['env', '-S', 'rm -rf $PGDATA'],
      ['env', '-S', 'rm -rf /d \\q'],
      ['su', '-s', '/usr/bin/python3', 'postgres', '-c', 'import os; os.system("rm -rf /d")'],
      ['sh', '-c', 'for d in /d; do rm -rf "$d"; done'],
    ]) {
      expect(parseExec(argv, { PGDATA: '/d' }).ops.map((o) => o.type), argv.join(' ')).toEqual(['opaque']);
    }
  });
});

describe('env -S: the examples of GNU env, checked against coreutils 9.1 on this machine', () => {
  const env = (n: string) => ({ HOME: '/root' })[n];
  it.each([
    ['printf [%s] a\\_b "c\\_d" ${HOME} x${NOPE}y \'s\\\\q\\\'x\' \\t \\#h #c', ['printf', '[%s]', 'a', 'b', 'c d', '/root', 'xy', "s\\q'x", '\t', '#h']],
    ['printf [%s] a\\c b', ['printf', '[%s]', 'a']],
    ['printf [%s] a#b', ['printf', '[%s]', 'a#b']],
    ['printf [%s] "\\$X" \\$Y', ['printf', '[%s]', '$X', '$Y']],
    ['rm\\_-rf\\_/d', ['rm', '-rf', '/d']],
  ])('%s', (text, words) => {
    expect(splitEnvString(text, env)).toEqual({ kind: 'words', words });
  });
  it.each(['a $HOME', 'a \\q', 'a "$"', 'a "b', "a 'b"])('%s is an error (env exits 125)', (text) => {
    expect(splitEnvString(text, env).kind).toBe('error');
  });
});

describe('login shells start in the target user\'s home (su -, su -l, runuser -l, sudo -i)', () => {
  const homeOf = (u: string) => ({ postgres: '/var/lib/postgresql', root: '/root' })[u] ?? null;
  it.each([
    [['su', '-', 'postgres', '-c', 'rm -rf 15/main'], '/var/lib/postgresql'],
    [['su', '-l', '-c', 'rm -rf 15/main', 'postgres'], '/var/lib/postgresql'],
    [['runuser', '-l', 'postgres', '-c', 'rm -rf 15/main'], '/var/lib/postgresql'],
    [['sudo', '-i', '-u', 'postgres', 'rm', '-rf', '15/main'], '/var/lib/postgresql'],
    [['sudo', '-i', 'rm', '-rf', '15/main'], '/root'],
  ])('%j runs in %s', (argv, home) => {
    const r = parseExec(argv, { HOME: '/home/op' }, homeOf);
    expect(r.cwd).toBe(home);
    expect(r.ops).toEqual([{ type: 'remove', paths: ['15/main'], recursive: true }]);
  });
  it('an unknown home leaves relative targets opaque (asked about)', () => {
    const r = parseExec(['su', '-', 'nobody-here', '-c', 'rm -rf data'], {}, homeOf);
    expect(r.ops.map((o) => o.type)).toEqual(['remove', 'opaque']);
  });
});
