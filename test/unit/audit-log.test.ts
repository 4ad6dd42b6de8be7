// The audit log never follows a link, never hangs on a FIFO, never falls back to /tmp.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAudit, auditPath, NO_AUDIT_PATH } from '../../src/audit/log.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-audit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('audit log', () => {
  it('has no /tmp fallback: HOME unset gives no path, and appending says why', () => {
    expect(auditPath({}, null, 1000)).toBe(NO_AUDIT_PATH);
    expect(() => appendAudit(auditPath({}, null, 1000), { a: 1 })).toThrow(/HOME and XDG_STATE_HOME are not set/);
    expect(auditPath({ HOME: '/home/u' }, null, 1000)).toBe('/home/u/.local/state/safeops/audit.jsonl');
    expect(auditPath({}, null, 0)).toBe('/var/log/safeops/audit.jsonl');
  });

  it('appends to a regular file', () => {
    const f = path.join(dir, 'ok.jsonl');
    appendAudit(f, { a: 1 });
    appendAudit(f, { a: 2 });
    expect(fs.readFileSync(f, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });

  it('a symlink in its place is an error, and its target is untouched', () => {
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'precious');
    fs.symlinkSync(target, path.join(dir, 'link.jsonl'));
    expect(() => appendAudit(path.join(dir, 'link.jsonl'), { a: 1 })).toThrow(/symbolic link/);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
  });

  it('a FIFO in its place is an error at once, never a hang (with and without a reader)', () => {
    const fifo = path.join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    expect(() => appendAudit(fifo, { a: 1 })).toThrow(/FIFO/);
    const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK); // a reader
    try {
      expect(() => appendAudit(fifo, { a: 1 })).toThrow(/not a regular file/);
    } finally {
      fs.closeSync(fd);
    }
  });
});
