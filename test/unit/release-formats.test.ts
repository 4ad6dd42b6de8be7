// The files one version writes and another reads across an upgrade (docs/release.md, "Upgrades
// lose nothing"): the version 1 prompt grammar is frozen (the shells fail closed on anything
// else), and the watcher's pid file only gains lines.
import { describe, expect, test } from 'vitest';
import { defaultLogFile, parsePidFile, renderPidFile } from '../../src/watch/daemon.js';
import { parsePromptState } from '../../src/watch/notify.js';
import { renderPrompt } from '../../src/watch/publish.js';

// What every shell of version 1 accepts (shell/safeops.*: `__safeops_parse`), frozen here.
const CHARS = "[A-Za-z0-9 ._,:/@()+=-]";
const V1 = new RegExp(`^safeops-prompt 1\\nheartbeat \\d{1,12}\\nrole (primary|unknown|recovering|standby|stopped|none)\\nlabel ${CHARS}{0,194}\\n(alert ${CHARS}{0,194}\\n){0,8}end\\n$`);

describe('prompt, version 1', () => {
  test.each(['primary', 'unknown', 'recovering', 'standby', 'stopped', 'none'] as const)('what this watcher writes for %s is what a version 1 shell reads', (role) => {
    const text = renderPrompt({ heartbeat: 1763780000, role, label: `PRIMARY 15/main, standby 15/replica ${'x'.repeat(300)}`, alerts: Array.from({ length: 12 }, (_, i) => ({ text: `archiving failing on 15/main #${i} \u001b[31m` })) });
    expect(text).toMatch(V1);
  });

  test('a file written by the first release is read by this version', () => {
    const old = 'safeops-prompt 1\nheartbeat 1763780000\nrole primary\nlabel PRIMARY 15/main, standby 15/replica\nalert archiving failing on 15/main\nend\n';
    expect(old).toMatch(V1);
    expect(parsePromptState(old)).toMatchObject({ role: 'primary' });
  });

  test('anything else is stale (fail closed): a new version must change the first line', () => {
    expect(parsePromptState('safeops-prompt 2\nheartbeat 1\nrole primary\nlabel x\nend\n').role).toBe('stale');
    expect(parsePromptState('safeops-prompt 1\nheartbeat 1\nrole leader\nlabel x\nend\n').role).toBe('stale');
  });
});

describe('watch.pid', () => {
  test('round trip, and lines a newer version adds are skipped', () => {
    const info = { pid: 4242, start: 987654, daemon: true, log: '/var/log/safeops/watch.log' };
    expect(parsePidFile(renderPidFile(info))).toEqual(info);
    expect(parsePidFile(`${renderPidFile(info)}version 9.9.9\n`)).toEqual(info);
    expect(parsePidFile(renderPidFile({ ...info, daemon: false, log: null }))).toEqual({ ...info, daemon: false, log: null });
  });

  test.each([['', null], ['safeops-watch 2\npid 4242\nstart 1\n', null], ['safeops-watch 1\npid 1\nstart 1\n', null], ['safeops-watch 1\npid x\nstart 1\n', null], ['safeops-watch 1\npid 42\n', null]])('%j is not a pid file', (text, want) => {
    expect(parsePidFile(text)).toBe(want);
  });

  test('the daemon log: next to the audit log for root, in the state home for others', () => {
    expect(defaultLogFile({}, 0)).toBe('/var/log/safeops/watch.log');
    expect(defaultLogFile({ HOME: '/home/a' }, 1000)).toBe('/home/a/.local/state/safeops/watch.log');
    expect(defaultLogFile({ HOME: '/home/a', XDG_STATE_HOME: '/st' }, 1000)).toBe('/st/safeops/watch.log');
    expect(defaultLogFile({ SAFEOPS_WATCH_LOG: '/tmp/w.log' }, 0)).toBe('/tmp/w.log');
  });
});
