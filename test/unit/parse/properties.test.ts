import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExec, parseGuarded } from '../../../src/command/parse.js';
import { GUARDED_TOOLS } from '../../../src/command/types.js';

describe('rm: any interleaving of flags and operands', () => {
  const RECURSIVE = ['-r', '-R', '--recursive', '--rec', '--recur', '--r', '-rf', '-fr', '-Rf', '-rfv', '-vR', '-fiR', '-dr', '-Ir'];
  const OTHER = [
    '-f', '--force', '--f', '--fo', '-i', '-I', '--interactive', '--interactive=never', '--interactive=once', '-v', '--verbose', '--verb',
    '-d', '--dir', '--one-file-system', '--no-preserve-root', '--preserve-root', '--preserve-root=all', '-fv', '-dv', '-fiv', '-Ifv',
  ];
  const operand = fc.oneof(
    fc.string({ unit: 'binary' }).filter((s) => !s.startsWith('-')),
    fc.constantFrom('-', '', 'a b', '/var/lib/postgresql/15/main', 'line\nbreak', 'ü/😀'),
  );
  const token = fc.oneof(fc.record({ flag: fc.constantFrom(...RECURSIVE, ...OTHER) }), fc.record({ operand }));

  it('removes exactly the operands, in order; recursive iff a recursive spelling is present', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), fc.boolean(), fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }), (tokens, dashDash, tail) => {
        const args: string[] = [];
        const operands: string[] = [];
        for (const t of tokens) {
          if ('flag' in t) args.push(t.flag);
          else {
            args.push(t.operand);
            operands.push(t.operand);
          }
        }
        if (dashDash) {
          args.push('--', ...tail);
          operands.push(...tail);
        }
        const recursive = tokens.some((t) => 'flag' in t && RECURSIVE.includes(t.flag));
        const r = parseGuarded('rm', args, {});
        expect(r.argv).toEqual(['rm', ...args]);
        expect(r.ops).toEqual(operands.length > 0 ? [{ type: 'remove', paths: operands, recursive }] : []);
      }),
      { numRuns: 500 },
    );
  });
});

describe('prefix stacks', () => {
  const PREFIXES: string[][] = [
    ['sudo'], ['sudo', '-u', 'postgres'], ['sudo', '-E', '-n'], ['/usr/bin/sudo', '--user=postgres', '--'], ['sudo', '-upostgres', '-H'],
    ['sudo', '-D', '/'], ['time'], ['time', '-p'], ['/usr/bin/time', '-f', '%e', '-o', '/tmp/t'], ['nice'], ['nice', '-n', '5'], ['nice', '-5'],
    ['ionice', '-c3'], ['ionice', '-c', '2', '-n', '7'], ['nohup'], ['command'], ['command', '-p'], ['exec'], ['exec', '-a', 'x'],
    ['stdbuf', '-oL'], ['timeout', '10'], ['timeout', '-k', '5', '1m'], ['chrt', '-o', '0'], ['chrt', '-b'], ['taskset', '0x1'],
    ['taskset', '-c', '0-3'], ['setsid'], ['setsid', '-f'], ['env'], ['env', 'FOO=bar'], ['env', '--'], ['/usr/bin/env', '-u', 'LANG'],
    ['env', '-C', '/'], ['runuser', '-u', 'postgres', '--'], ['doas', '-u', 'postgres'],
  ];
  const SHELLS = ['sh', 'bash', 'dash', 'su', 'runuser'] as const;
  const COMMANDS: string[][] = [
    ['rm', '-rf', '/var/lib/postgresql/15/main'],
    ['/bin/rm', '-r', '--', '-x', '/srv/a'],
    ['/usr/lib/postgresql/15/bin/pg_ctl', '-D', '/d', 'stop', '-m', 'immediate'],
    ['pg_ctl', 'kill', 'KILL', '1234'],
    ['pg_ctl', 'promote', '--pgdata=/srv/standby'],
    ['pg_ctlcluster', '15', 'main', 'restart'],
    ['pg_ctlcluster', '--force', 'stop', '15-main'],
    ['/opt/wal-g/wal-g', '--config', '/etc/wal-g.json', 'backup-fetch', '/var/lib/postgresql/15/main', 'LATEST'],
    ['wal-g', 'delete', 'retain', '3', '--confirm'],
    ['pgbackrest', '--stanza=main', 'restore'],
    ['pgbackrest', '--pg1-path=/srv/pg', '--delta', 'restore'],
    ['pg_basebackup', '-D', '/s', '-T', '/a=/b', '-Xs'],
    ['systemctl', 'kill', '-s', 'KILL', 'postgresql@15-main'],
    ['systemctl', 'restart', 'postgresql@16-replica.service'],
    ['systemctl', 'stop', 'postgresql*'],
  ];
  type Layer = { prefix: string[] } | { shell: (typeof SHELLS)[number] };
  const layer: fc.Arbitrary<Layer> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...PREFIXES).map((prefix) => ({ prefix })) },
    { weight: 1, arbitrary: fc.constantFrom(...SHELLS).map((shell) => ({ shell })) },
  );

  /** Quotes each word for a shell string; null when a word has both quote characters. */
  function script(words: string[]): string | null {
    const quoted = words.map((w) => (!w.includes("'") ? `'${w}'` : !w.includes('"') ? `"${w}"` : null));
    return quoted.includes(null) ? null : quoted.join(' ');
  }

  function wrap(argv: string[], l: Layer): string[] {
    if ('prefix' in l) return [...l.prefix, ...argv];
    const s = script(argv);
    if (s === null) return argv;
    return l.shell === 'su' || l.shell === 'runuser' ? [l.shell, 'postgres', '-c', s] : [l.shell, '-c', s];
  }

  it('the inner tool, argv and ops are the same as the bare command', () => {
    const env = { PGDATA: '/env/pgdata', HOME: '/root', PATH: '/usr/bin:/bin' };
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), fc.array(layer, { maxLength: 6 }), (command, layers) => {
        const argv = layers.reduce(wrap, command);
        const bare = parseExec(command, env);
        const wrapped = parseExec(argv, env);
        expect(bare.tool).not.toBeNull();
        expect(wrapped.argv).toEqual(argv);
        expect(wrapped.tool).toBe(bare.tool);
        expect(wrapped.innerArgv).toEqual(command);
        expect(wrapped.ops).toEqual(bare.ops);
      }),
      { numRuns: 500 },
    );
  });
});

describe('any argv', () => {
  const WORDS = [
    'sudo', '-u', 'postgres', '-i', '-s', 'env', '-i', '-S', 'A=1', 'PGDATA=/x', '-C', 'time', 'nice', '-n', 'sh', 'bash', '-c', '-lc',
    'su', '-', 'runuser', 'exec', 'command', 'eval', 'timeout', 'rm', '-rf', 'pg_ctl', 'stop', 'kill', 'pg_ctlcluster', '15', 'main',
    'wal-g', 'backup-fetch', 'delete', '--confirm', 'pgbackrest', 'restore', '--stanza=main', 'pg_basebackup', '-D', 'systemctl',
    'postgresql@15-main', '--', '/var/lib/postgresql/15/main', 'rm -rf /x', 'pg_ctl stop; x', '$X',
  ];
  const word = fc.oneof(fc.constantFrom(...WORDS), fc.string({ unit: 'binary', maxLength: 12 }));

  it('parses without throwing, keeps argv byte for byte, and names a guarded tool or none', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 14 }), (argv) => {
        const copy = [...argv];
        const r = parseExec(argv, { PGDATA: '/env' });
        expect(argv).toEqual(copy);
        expect(r.argv).toEqual(copy);
        expect(r.tool === null || (GUARDED_TOOLS as readonly string[]).includes(r.tool)).toBe(true);
        if (r.tool === null) expect(r.ops).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
