// `safeops watch` options: where the state goes, and in which mode.
import { describe, expect, it } from 'vitest';
import { resolveStateDir } from '../../src/commands/watch.js';

describe('resolveStateDir', () => {
  const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
  it.each([
    ['root, nothing given: the system dir', {}, {}, 0, { dir: '/run/safeops', system: true }],
    ['a user, nothing given: the runtime dir', {}, env, 1000, { dir: '/run/user/1000/safeops', system: false }],
    ['SAFEOPS_STATE_DIR wins over the defaults', {}, { ...env, SAFEOPS_STATE_DIR: '/srv/st' }, 0, { dir: '/srv/st', system: true }],
    ['--state-dir wins over everything', { stateDir: '/tmp/x/', user: true }, { ...env, SAFEOPS_STATE_DIR: '/srv/st' }, 0, { dir: '/tmp/x', system: false }],
    ['--user as root: the runtime dir, private modes', { user: true }, env, 0, { dir: '/run/user/1000/safeops', system: false }],
    ['--user wins over SAFEOPS_STATE_DIR', { user: true }, { ...env, SAFEOPS_STATE_DIR: '/srv/st' }, 1000, { dir: '/run/user/1000/safeops', system: false }],
  ])('%s', (_name, opts, e, uid, want) => {
    expect(resolveStateDir({ user: false, ...opts }, e, uid)).toEqual(want);
  });

  it('without XDG_RUNTIME_DIR a user must say where', () => {
    expect(() => resolveStateDir({ user: false }, {}, 1000)).toThrow(/XDG_RUNTIME_DIR is not set/);
    expect(() => resolveStateDir({ user: true }, { XDG_RUNTIME_DIR: 'relative' }, 0)).toThrow(/XDG_RUNTIME_DIR/);
  });
});
