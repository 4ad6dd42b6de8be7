// SAFEOPS_CONFIG can add protection, never remove the system's (issue 15.7); real files on disk,
// a temporary stand-in for /etc/safeops/config.json (tests never depend on the real one).
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFiles, loadConfig } from '../../src/config/load.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-syscfg-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, obj: unknown, uid?: number) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify(obj));
  fs.chmodSync(f, 0o644);
  if (uid !== undefined) fs.chownSync(f, uid, uid);
  return f;
};
const system = write('system.json', { protect: [{ path: '/srv/wal-archive', action: 'refuse', reason: 'WAL archive' }], discovery: { roots: ['/sysroot'] } });

describe('the system config always applies', () => {
  it('is read even when SAFEOPS_CONFIG is set, and first', () => {
    expect(configFiles({ SAFEOPS_CONFIG: '/x.json' }, system)).toEqual([
      { file: system, additiveOnly: false, required: false },
      { file: '/x.json', additiveOnly: true, required: true },
    ]);
  });

  it('SAFEOPS_CONFIG pointing at {} keeps the system "refuse"', () => {
    const empty = write('empty.json', {}, 65534);
    const l = loadConfig({ SAFEOPS_CONFIG: empty }, system);
    expect(l.config.protect).toEqual([{ path: '/srv/wal-archive', action: 'refuse', reason: 'WAL archive' }]);
    expect(l.config.discovery.roots).toContain('/sysroot');
    expect(l.files).toEqual([system, empty]);
  });

  it('SAFEOPS_CONFIG adds protection (unions), and cannot turn the refuse into a confirm', () => {
    const user = write('user.json', { protect: [{ path: '/srv/wal-archive', action: 'confirm' }, '/home/me/keep'], discovery: { roots: ['/userroot'], maxDepth: 2 } }, 65534);
    const l = loadConfig({ SAFEOPS_CONFIG: user }, system);
    expect(l.config.protect.map((p) => `${p.path}:${p.action}`)).toEqual(['/srv/wal-archive:refuse', '/srv/wal-archive:confirm', '/home/me/keep:confirm']);
    expect(l.config.discovery.roots).toEqual(expect.arrayContaining(['/sysroot', '/userroot']));
    expect(l.config.discovery.maxDepth).toBe(6);
  });

  it("a user's file cannot trust more server binaries; root's own file can", () => {
    const users = write('users-bins.json', { discovery: { binDirs: ['/home/u/bin'] } }, 65534);
    const l = loadConfig({ SAFEOPS_CONFIG: users }, system);
    expect(l.config.discovery.binDirs).toEqual([]);
    expect(l.problems.map((p) => p.key)).toEqual(['discovery.binDirs']);
    expect(l.protectionDegraded).toBe(false);
    const roots = write('roots-bins.json', { discovery: { binDirs: ['/opt/pg/bin'] } }, 0);
    expect(loadConfig({ SAFEOPS_CONFIG: roots }, system).config.discovery.binDirs).toEqual(['/opt/pg/bin']);
  });

  it('a FIFO as SAFEOPS_CONFIG is an error, never a hang; protection stays on', () => {
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const l = loadConfig({ SAFEOPS_CONFIG: fifo }, system);
    expect(l.problems[0]!.message).toMatch(/not a regular file/);
    expect(l.protectionDegraded).toBe(true);
    expect(l.config.protect.length).toBe(1);
  });
});
