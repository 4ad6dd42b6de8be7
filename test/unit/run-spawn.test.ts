// runInherit (src/run/spawn.ts) with real children, through both ways of starting one: the
// process_wrap handle (the default: no child_process loaded) and child_process (when the handle
// is not offered; forced here as --pending-deprecation forces it). The exit code, the signal,
// a missing or non-executable file, argv[0] and the environment come back the same.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runInherit } from '../../src/run/spawn.js';

let dir: string;
const saved = process.env.NODE_OPTIONS;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-spawn-'));
  fs.writeFileSync(path.join(dir, 'not-executable'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  if (saved === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = saved;
});

describe.each([
  ['the process handle', undefined],
  ['child_process', '--pending-deprecation'],
])('runInherit through %s', (_name, nodeOptions) => {
  const run = (file: string, argv: string[], env?: NodeJS.ProcessEnv) => {
    if (nodeOptions) process.env.NODE_OPTIONS = nodeOptions;
    return runInherit(file, argv, env ? { env } : {});
  };

  it('an exit code', async () => {
    expect(await run('/bin/sh', ['sh', '-c', 'exit 3'])).toEqual({ code: 3, signal: null, error: null });
  });
  it('killed by a signal: 128+N and the signal', async () => {
    expect(await run('/bin/sh', ['sh', '-c', 'kill -TERM $$'])).toEqual({ code: 143, signal: 'SIGTERM', error: null });
  });
  it('argv[0] as typed, the arguments and the environment as given', async () => {
    const out = path.join(dir, `out-${nodeOptions ? 'cp' : 'handle'}`);
    const r = await run('/bin/sh', ['my-sh', '-c', 'printf "%s|%s|%s|" "$0" "$1" "$SAFEOPS_T" > "$2"; head -c 5 /proc/$$/cmdline >> "$2"', 'zero', 'a b', out], { SAFEOPS_T: 'x=y', PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('zero|a b|x=y|my-sh');
  });
  it('a missing file: 127 with the reason', async () => {
    const r = await run(path.join(dir, 'missing'), ['missing']);
    expect(r).toMatchObject({ code: 127, signal: null });
    expect(r.error).toMatch(/^missing: .*ENOENT/);
  });
  it('a file that is not executable: 126', async () => {
    const r = await run(path.join(dir, 'not-executable'), ['not-executable']);
    expect(r).toMatchObject({ code: 126, signal: null });
    expect(r.error).toMatch(/EACCES/);
  });
  it('SIGTERM to the wrapper is passed on to the child', async () => {
    const p = run('/bin/sh', ['sh', '-c', 'sleep 5 & wait']);
    await new Promise((r) => setTimeout(r, 200));
    process.emit('SIGTERM', 'SIGTERM');
    const r = await p;
    expect(r.signal).toBe('SIGTERM');
  });
});
