// Config validation: every problem names its file and key; protection is never narrowed silently.
import { describe, expect, it } from 'vitest';
import { formatConfigProblems, parseConfigs } from '../../src/config/schema.js';

const one = (text: string | null, error?: string) => parseConfigs([{ file: '/etc/safeops/config.json', text, ...(error ? { error } : {}), additiveOnly: false }]);

describe('config', () => {
  it('defaults when there is no file', () => {
    const l = one(null);
    expect(l.problems).toEqual([]);
    expect(l.config.discovery.roots).toContain('/var/lib/postgresql');
    expect(l.protectionDegraded).toBe(false);
  });

  it('accepts a full valid file', () => {
    const l = one(JSON.stringify({ protect: ['/srv/archive', { path: '/var/lib/pgbackrest', action: 'refuse', reason: 'backup repo' }], discovery: { roots: ['/pg'], clusters: ['/pg/a'] }, sql: { user: 'pgmon' }, shell: { colors: { primary: '#AA0000' } } }));
    expect(l.problems).toEqual([]);
    expect(l.config.protect).toEqual([
      { path: '/srv/archive', action: 'confirm', reason: 'protected path' },
      { path: '/var/lib/pgbackrest', action: 'refuse', reason: 'backup repo' },
    ]);
    expect(l.config.discovery.roots).toContain('/pg');
    expect(l.config.sql.user).toBe('pgmon');
    expect(l.config.shell.colors.primary).toBe('#aa0000');
  });

  it.each([
    ['{"protect": [{"path": "/a", "action": "maybe"}]}', 'protect[0].action', true],
    ['{"protect": "/a"}', 'protect', true],
    ['{"discovery": {"roots": ["relative"]}}', 'discovery.roots', true],
    ['{"shell": {"colors": {"primary": "red; rm -rf /"}}}', 'shell.colors.primary', false],
    ['{"sql": {"user": "x; drop"}}', 'sql.user', false],
    ['{"colours": {}}', 'colours', false],
    ['[1,2]', '(top level)', true],
    ['{"protect": [', '(file)', true],
  ])('%s -> problem at %s', (text, key, degraded) => {
    const l = one(text);
    expect(l.problems.map((p) => p.key)).toContain(key);
    expect(l.problems.every((p) => p.file === '/etc/safeops/config.json')).toBe(true);
    expect(l.protectionDegraded).toBe(degraded);
  });

  it('keeps the valid parts of a file with a bad key', () => {
    const l = one('{"protect": ["/ok", {"path": "/bad", "action": "nope"}], "shell": {"colors": {"primary": "#123456"}}}');
    expect(l.config.protect.map((p) => p.path)).toEqual(['/ok']);
    expect(l.config.shell.colors.primary).toBe('#123456');
  });

  it('an unreadable file is a problem that keeps protection on', () => {
    const l = one(null, 'cannot read: permission denied (cannot read it)');
    expect(l.protectionDegraded).toBe(true);
    expect(formatConfigProblems(l)[0]).toMatch(/config \/etc\/safeops\/config.json: cannot read: permission denied.*protection stays on/);
  });

  it("the user's file adds protection and cannot remove the system's", () => {
    const l = parseConfigs([
      { file: '/etc/safeops/config.json', text: '{"protect": ["/sys-protected"], "discovery": {"maxDepth": 6}}', additiveOnly: false },
      { file: '/home/u/.config/safeops/config.json', text: '{"protect": ["/user-protected"], "discovery": {"maxDepth": 2}}', additiveOnly: true },
    ]);
    expect(l.config.protect.map((p) => p.path)).toEqual(['/sys-protected', '/user-protected']);
    expect(l.config.discovery.maxDepth).toBe(6);
  });
});
