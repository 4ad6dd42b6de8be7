// The confirmation screen with a hostile data directory name (escape sequences, a newline, a
// command substitution): no raw control code point reaches the frame, and the name is shown
// escaped (docs/escaping.md).
import { describe, expect, it } from 'vitest';
import { renderScreen } from './helpers.js';
import { reason, stoppedPrimary, verdict } from './fixtures.js';

const HOSTILE = '/srv/pg/x$(touch /tmp/pwned)/d\x1b]0;PWNED\x07\x1b[31mred\nline\u202eevil\x9b2J';
// Ink's own styling uses SGR (ESC [ ... m); nothing else may appear.
// eslint-disable-next-line no-control-regex
const SGR = /\u001B\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('a hostile data directory name on the confirmation screen', () => {
  it('is escaped in every frame, with colour and without', () => {
    const c = stoppedPrimary({ dataDir: HOSTILE, name: 'd\x1b]0;PWNED\x07\nline', footprint: [{ kind: 'data', path: HOSTILE, id: null, chain: [], aliases: [] }], problems: ['cannot read \x1b[2J' + HOSTILE] });
    const v = verdict({ strong: true, touched: [HOSTILE], reasons: [reason({ what: `rm -r would delete ${HOSTILE}`, cluster: c.name, dataDir: HOSTILE, next: `Stop it (pg_ctl -D ${HOSTILE} stop)` })] });
    const r = renderScreen({ argv: ['rm', '-rf', HOSTILE], clusters: [c], verdict: v, destroys: [HOSTILE] });
    const frames = r.frames.join('\n');
    expect(frames.length).toBeGreaterThan(0);
    const unstyled = frames.replace(SGR, '');
    expect(unstyled).not.toMatch(RAW);
    expect(unstyled).toContain('\\x1b]0;PWNED\\x07');
    expect(unstyled).not.toContain('PWNED\x07');
    r.unmount();
  });
});
