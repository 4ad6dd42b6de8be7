// Whose view decides (docs/privilege.md): which commands run as another user, and a footprint
// that could not be read is never taken to be smaller than it is.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/policy/decide.js';
import { elevationOf } from '../../src/facts/privileged.js';
import { parseExec } from '../../src/command/parse.js';
import { cluster, command, host, NO_CONFIG, target } from './fixtures.js';

describe('elevationOf', () => {
  const of = (argv: string[]) => elevationOf(parseExec(argv, {}));
  it.each([
    [['sudo', 'rm', '-rf', '/x'], 'sudo'],
    [['sudo', '-u', 'postgres', 'rm', '-rf', '/x'], 'sudo'],
    [['doas', 'rm', '-rf', '/x'], 'doas'],
    [['env', 'A=1', 'sudo', 'rm', '-rf', '/x'], 'sudo'],
    [['/usr/bin/sudo', 'rm', '-rf', '/x'], 'sudo'],
    [['sh', '-c', 'sudo rm -rf /x'], 'sudo'],
    [['rm', '-rf', '/x'], null],
    [['nice', 'rm', '-rf', '/x'], null],
    [['rm', '-rf', 'sudo'], null],
  ])('%j -> %s', (argv, want) => expect(of(argv)).toBe(want));
});

describe('a footprint with gaps', () => {
  const dd = '/var/lib/postgresql/15/main';
  const gappy = (state: 'running-primary' | 'stopped') => cluster(state, dd, { footprintGaps: ['cannot read /var/lib/postgresql/15/main/pg_wal (EACCES)'] });
  const rm = (p: string) => command('rm', [{ type: 'remove', recursive: true, targets: [target(p)] }]);

  it('is refused for a more privileged command anywhere, when the cluster may run', () => {
    const v = decide(rm('/mnt/wal/'), host([gappy('running-primary')], { readerOutranked: 'the command runs through sudo' }), NO_CONFIG);
    expect(v.kind).toBe('refuse');
    expect(v.touched).toEqual([dd]);
    expect(v.reasons[0]!.what).toMatch(/only partly known/);
  });
  it('is the stopped cell (strong confirmation) when the cluster is known to be stopped', () => {
    const v = decide(rm('/mnt/wal/'), host([gappy('stopped')], { readerOutranked: 'sudo' }), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.strong).toBe(true);
  });
  it('does not bother a command that runs with the reader\'s own privileges', () => {
    expect(decide(rm('/mnt/wal/'), host([gappy('running-primary')]), NO_CONFIG).kind).toBe('allow');
  });
  it('without gaps, a privileged command elsewhere is allowed', () => {
    expect(decide(rm('/mnt/wal/'), host([cluster('running-primary', dd)], { readerOutranked: 'sudo' }), NO_CONFIG).kind).toBe('allow');
  });
});
