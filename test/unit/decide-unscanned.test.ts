// Discovery that did not look everywhere never shrinks protection: recursive removals and
// restores touching an unscanned subtree ask, as a broken config does.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/policy/decide.js';
import { NO_CONFIG, command, host, target } from './fixtures.js';

const unscanned = [{ path: '/srv/u/flood', why: 'the scan stopped at its limit (2000 directories)' }];
const rmr = (p: string, recursive = true) => command('rm', [{ type: 'remove', recursive, targets: [target(p)] }]);

describe('decide: unscanned subtrees', () => {
  it.each([
    ['inside it', '/srv/u/flood/x/data'],
    ['it', '/srv/u/flood'],
    ['an ancestor of it', '/srv'],
  ])('rm -r of %s asks', (_name, p) => {
    const v = decide(rmr(p), host([], { unscanned }), NO_CONFIG);
    expect(v.kind).toBe('confirm');
    expect(v.strong).toBe(false);
    expect(v.reasons[0]!.what).toMatch(/has not looked for clusters everywhere: \/srv\/u\/flood: the scan stopped/);
  });
  it('a restore into it asks', () => {
    const v = decide(command('pg_basebackup', [{ type: 'write-into', tool: 'pg_basebackup', unresolved: [], targets: [target('/srv/u/flood/new')] }]), host([], { unscanned }), NO_CONFIG);
    expect(v.kind).toBe('confirm');
  });
  it('elsewhere, a plain rm, or a target looked through to the end: allowed', () => {
    expect(decide(rmr('/srv/other'), host([], { unscanned }), NO_CONFIG).kind).toBe('allow');
    expect(decide(rmr('/srv/u/flood-not', true), host([], { unscanned }), NO_CONFIG).kind).toBe('allow');
    expect(decide(rmr('/srv/u/flood/f', false), host([], { unscanned }), NO_CONFIG).kind).toBe('allow');
    expect(decide(rmr('/srv/u/flood/x'), host([], { unscanned, lookedThrough: ['/srv/u/flood/x'] }), NO_CONFIG).kind).toBe('allow');
  });
});
