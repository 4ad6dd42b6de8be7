import { describe, expect, it } from 'vitest';
import { parseRm } from '../../../src/command/rm.js';

const ctx = { env: {}, envUnknown: false };

describe('parseRm', () => {
  it.each([
    [['-rf', '/x'], ['/x'], true],
    [['-fr', '/x'], ['/x'], true],
    [['-Rf', '/x'], ['/x'], true],
    [['-Rfv', 'a', 'b'], ['a', 'b'], true],
    [['-rfi', 'x'], ['x'], true],
    [['-r', '-f', 'x'], ['x'], true],
    [['-R', 'x'], ['x'], true],
    [['--recursive', 'x'], ['x'], true],
    [['--recursive', '--force', 'x'], ['x'], true],
    [['--rec', 'x'], ['x'], true],
    [['--recur', 'x'], ['x'], true],
    [['--r', 'x'], ['x'], true],
    [['--force', 'x'], ['x'], false],
    [['--f', 'x'], ['x'], false],
    [['-f', 'x'], ['x'], false],
    [['x'], ['x'], false],
    [['x', '-rf'], ['x'], true],
    [['dir', '-r', '--force'], ['dir'], true],
    [['a', '--recursive', 'b'], ['a', 'b'], true],
    [['--', '-rf'], ['-rf'], false],
    [['-r', '--', '-x', 'y'], ['-x', 'y'], true],
    [['--', '--help'], ['--help'], false],
    [['-'], ['-'], false],
    [['-r', '-'], ['-'], true],
    [['-i', 'x'], ['x'], false],
    [['-I', 'x'], ['x'], false],
    [['--interactive', 'x'], ['x'], false],
    [['--interactive=never', 'x'], ['x'], false],
    [['--one-file-system', '-r', 'x'], ['x'], true],
    [['--no-preserve-root', '-rf', '/'], ['/'], true],
    [['--preserve-root=all', '-r', '/x'], ['/x'], true],
    [['--preserve-root', 'x'], ['x'], false],
    [['-d', 'x'], ['x'], false],
    [['--dir', 'x'], ['x'], false],
    [['-v', 'x'], ['x'], false],
    [['--verbose', 'x'], ['x'], false],
    [['--verb', 'x'], ['x'], false],
    [['---presume-input-tty', '-r', 'x'], ['x'], true],
    [['', 'x'], ['', 'x'], false],
    [['-rf', 'a b', 'c\nd', 'é/ü', '/var/lib/postgresql/15/main/'], ['a b', 'c\nd', 'é/ü', '/var/lib/postgresql/15/main/'], true],
  ])('rm %j removes %j (recursive: %s)', (args, paths, recursive) => {
    expect(parseRm(args, ctx)).toEqual({ ops: [{ type: 'remove', paths, recursive }], notes: [] });
  });

  it.each([
    [['-rX', 'x'], ['x'], true, 'unknown option -X (in -rX) passed on unchanged'],
    [['--v', 'x'], ['x'], false, 'ambiguous option --v (--verbose, --version) passed on unchanged'],
    [['--ver', 'x'], ['x'], false, 'ambiguous option --ver (--verbose, --version) passed on unchanged'],
    [['--frobnicate', '-r', 'x'], ['x'], true, 'unknown option --frobnicate passed on unchanged'],
    [['--recursive=yes', 'x'], ['x'], true, 'option --recursive takes no value'],
  ])('rm %j keeps what it understands and notes the rest', (args, paths, recursive, note) => {
    expect(parseRm(args, ctx)).toEqual({ ops: [{ type: 'remove', paths, recursive }], notes: [note] });
  });

  it.each([[['--help']], [['-rf', 'x', '--help']], [['--version']], [['x', '--version']], [['--hel']], [['--vers', '-rf', '/']]])(
    'rm %j removes nothing',
    (args) => {
      expect(parseRm(args, ctx).ops).toEqual([]);
    },
  );

  it.each([[[]], [['-rf']], [['-r', '--']]])('rm %j without operands removes nothing', (args) => {
    expect(parseRm(args, ctx).ops).toEqual([]);
  });
});
