// Pure text helpers: numbers, sizes, ages, shell quoting, safe output.
import { describe, expect, test } from 'vitest';
import { appendOnlyChunk } from '../../../src/ui/dumb-output.js';
import { clockTime, formatAge, formatBytes, formatCommand, formatCount, outputLines, printable, quoteArg } from '../../../src/ui/format.js';
import { destroyedPaths, pathLabel } from '../../../src/ui/targets.js';
import { cluster, runningStandby, T0 } from './fixtures.js';

describe('numbers and times', () => {
  test('formatCount', () => {
    expect([0, 999, 1000, 12345, 1234567].map(formatCount)).toEqual(['0', '999', '1,000', '12,345', '1,234,567']);
  });
  test('formatBytes', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 ** 2, 3.4 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '10 MiB', '3.4 GiB']);
  });
  test('formatAge and clockTime', () => {
    const at = new Date(T0).toISOString();
    expect(formatAge(at, T0 + 3000)).toBe('3 s ago');
    expect(formatAge(at, T0 + 300_000)).toBe('5 min ago');
    expect(formatAge(at, T0 + 5 * 3_600_000)).toBe('5 h ago');
    expect(formatAge(at, T0 - 5000)).toBe('just now');
    expect(formatAge('garbage', T0)).toBe('at an unknown time');
    expect(clockTime(at)).toBe('03:12:04');
    expect(clockTime(null)).toBe('??:??:??');
  });
});

describe('shell quoting', () => {
  test.each([
    ['rm', 'rm'],
    ['/var/lib/postgresql/15/main', '/var/lib/postgresql/15/main'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['a*', "'a*'"],
    ['line\nbreak', "$'line\\nbreak'"],
    ['\u001B[31m', "$'\\E[31m'"],
  ])('%j -> %s', (arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
  });
  test('a command on one line', () => {
    expect(formatCommand(['sudo', '/opt/wal-g/wal-g', 'backup-fetch', '/var/lib/postgresql/15/main', 'LATEST'])).toBe('sudo /opt/wal-g/wal-g backup-fetch /var/lib/postgresql/15/main LATEST');
    expect(formatCommand(['rm', '-rf', 'my dir/'])).toBe("rm -rf 'my dir/'");
  });
});

describe('untrusted text', () => {
  test('printable makes control characters visible', () => {
    expect(printable('a\u001Bb\u0007c\u009b')).toBe('a\\x1bb\\x07c\\x9b');
  });
  test('outputLines strips colours, OSC, keeps the last state of \\r progress lines', () => {
    expect(outputLines('\u001B[1;31mERROR\u001B[0m x\n\u001B]0;title\u0007ok\r\n10%\r50%\r100%\n\tend\n')).toEqual(['ERROR x', 'ok', '100%', '    end']);
    expect(outputLines('')).toEqual(['']);
  });
});

describe('what would be destroyed', () => {
  test('destroyedPaths: argv paths in or above a touched footprint', () => {
    const c = [cluster(), runningStandby()];
    expect(destroyedPaths(['rm', '-rf', '/var/lib/postgresql/15/main/', '/tmp/x'], c)).toEqual(['/var/lib/postgresql/15/main/']);
    expect(destroyedPaths(['rm', '-rf', '/var/lib/postgresql'], c)).toEqual(['/var/lib/postgresql']);
    expect(destroyedPaths(['rm', '-rf', '/var/lib/postgresql/15/mainly'], c)).toEqual([]);
    expect(destroyedPaths(['sudo', '/opt/wal-g/wal-g', 'backup-fetch', '/var/lib/postgresql/15/main', 'LATEST'], c)).toEqual(['/var/lib/postgresql/15/main']);
  });
  test('destroyedPaths: nothing for commands that destroy no files', () => {
    const c = [cluster(), runningStandby()];
    expect(destroyedPaths(['pg_ctl', '-D', '/var/lib/postgresql/15/replica', 'promote'], c)).toEqual([]);
    expect(destroyedPaths(['/opt/wal-g/wal-g', 'backup-push', '/var/lib/postgresql/15/main'], c)).toEqual([]);
    expect(destroyedPaths(['pgbackrest', '--stanza=main', 'backup'], c)).toEqual([]);
  });
  test('pathLabel says what a path is to the clusters', () => {
    const c = [cluster()];
    expect(pathLabel('/var/lib/postgresql/15/main/', c)).toBe('data directory of 15/main');
    expect(pathLabel('/var/lib/postgresql/15/main/pg_wal', c)).toBe('inside the data directory of 15/main');
    expect(pathLabel('/etc/postgresql/15/main', c)).toBe('configuration directory of 15/main');
    expect(pathLabel('/var/lib/postgresql', c)).toBe('contains 15/main');
    expect(pathLabel('/tmp', c)).toBeNull();
  });
});

describe('TERM=dumb output', () => {
  test('appendOnlyChunk writes the tail when the frame grows, else the whole frame anew', () => {
    expect(appendOnlyChunk(null, 'A\nprompt: ')).toBe('A\nprompt: ');
    expect(appendOnlyChunk('A\nprompt: ', 'A\nprompt: d')).toBe('d');
    expect(appendOnlyChunk('A\nprompt: d', 'A\nprompt: d')).toBe('');
    expect(appendOnlyChunk('A\nprompt: d', 'A\nprompt: ')).toBe('\n\nA\nprompt: ');
  });
});
