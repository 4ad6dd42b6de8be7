// One colour per role everywhere: a standby is blue in `status` and on the confirmation screen
// (it was green on the screen), a primary red.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { statusText } from '../../src/commands/status.js';
import { defaultConfig } from '../../src/config/schema.js';
import { ROLE_TEXT_COLOUR } from '../../src/contract.js';
import { describeRole } from '../../src/ui/roles.js';
import { Styled } from '../../src/ui/theme.js';
import { cluster, host } from './fixtures.js';

const SGR = { red: '\x1b[31m', blue: '\x1b[34m', yellow: '\x1b[33m', gray: '\x1b[90m' } as const;

describe('role colours', () => {
  const standby = cluster('running-standby', '/srv/sby');
  const primary = cluster('running-primary', '/srv/pri');

  it('the screen paints a running and a stopped standby in the standby colour', () => {
    for (const c of [standby, cluster('stopped-standby', '/srv/old')]) {
      const { tone, words } = describeRole(c);
      const frame = render(<Styled tone={tone}>{words}</Styled>).lastFrame() ?? '';
      expect(frame).toContain(SGR[ROLE_TEXT_COLOUR.standby]);
    }
    expect(render(<Styled tone={describeRole(primary).tone}>x</Styled>).lastFrame()).toContain(SGR[ROLE_TEXT_COLOUR.primary]);
  });

  it('status paints the same colours', () => {
    const text = statusText(host([primary, standby]), { config: defaultConfig(), problems: [], files: [] } as never, 1);
    const line = (name: string) => text.split('\n').find((l) => l.startsWith(`\x1b[1m${name}`)) ?? text;
    expect(line(standby.name)).toContain(SGR[ROLE_TEXT_COLOUR.standby]);
    expect(line(primary.name)).toContain(SGR[ROLE_TEXT_COLOUR.primary]);
    expect(ROLE_TEXT_COLOUR.standby).toBe('blue');
  });
});
