// A server between its fork and its chdir into the data dir (pg_ctl start, initdb's
// `postgres --check` with PGDATA) still sits in its caller's directory: the guard must take the
// data dir its caller named, not call it unidentified (which holds up every rm -r on the host),
// and must still fail closed when nothing names one. Each case runs in its own PID namespace;
// the stand-in `postgres` processes are still visible host-wide, so this file runs alone
// (vitest.config.ts, host-wide).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, type CliEnv } from '../support/cli.js';

let env: CliEnv;
// Stand-ins must run a trusted server binary (facts/proc.ts serverBinary): copies of sleep and
// bash named `postgres`, in root-owned directories the config trusts (discovery.binDirs).
let sleepBin: string;
let bashBin: string;
beforeAll(() => {
  const bins = fs.mkdtempSync('/tmp/safeops-prechdir-bin-');
  fs.chmodSync(bins, 0o755);
  for (const [name, from] of [['sleep', '/usr/bin/sleep'], ['bash', '/bin/bash']] as const) {
    fs.mkdirSync(path.join(bins, name), { mode: 0o755 });
    fs.copyFileSync(from, path.join(bins, name, 'postgres'));
    fs.chmodSync(path.join(bins, name, 'postgres'), 0o755);
  }
  sleepBin = path.join(bins, 'sleep', 'postgres');
  bashBin = path.join(bins, 'bash', 'postgres');
  env = cliEnv({ roots: [], extra: { discovery: { roots: [], clusters: [], binDirs: [path.dirname(sleepBin), path.dirname(bashBin)] } } });
});
afterAll(() => {
  fs.rmSync(env.dir, { recursive: true, force: true });
  fs.rmSync(path.dirname(path.dirname(sleepBin)), { recursive: true, force: true });
});

describe('a postgres that has not reached its data directory yet', () => {
  let fake: string;
  beforeAll(() => {
    fake = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-prechdir-'));
    fs.mkdirSync(path.join(fake, 'global'));
    fs.writeFileSync(path.join(fake, 'PG_VERSION'), '15\n');
    fs.writeFileSync(path.join(fake, 'global', 'pg_control'), Buffer.alloc(8192));
  });
  afterAll(() => fs.rmSync(fake, { recursive: true, force: true }));

  /** In a fresh PID namespace: start `server` (a shell command that execs a stand-in postgres) in /tmp, then run safeops. */
  async function withServer(server: string, args: string[]): Promise<{ exitCode: number; stderr: string }> {
    const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const script = [
      'cd /tmp',
      `(${server}) &`,
      'pid=$!',
      `for i in $(seq 200); do tr '\\0' ' ' </proc/$pid/cmdline 2>/dev/null | grep -q '^postgres ' && break; sleep 0.02; done`,
      `${[process.execPath, BIN, ...args].map(q).join(' ')} 2>&1`,
      'echo "RC=$?"',
    ].join('\n');
    const r = await execa('unshare', ['--pid', '--fork', '--mount-proc', 'bash', '-c', script], { env: { ...process.env, ...env.env }, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
    const m = /RC=(\d+)\s*$/.exec(String(r.stdout));
    if (!m) throw new Error(`no exit code: ${r.stdout} ${r.stderr}`);
    return { exitCode: Number(m[1]), stderr: String(r.stdout) };
  }

  const unrelated = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-unrelated-'));
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    return dir;
  };

  it('named by PGDATA (initdb --check): its data dir is refused, an unrelated tree is not held up', async () => {
    const server = `PGDATA=${fake} exec -a postgres ${sleepBin} 30`;
    const u = unrelated();
    const ok = await withServer(server, ['rm', '-r', u]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(fs.existsSync(u)).toBe(false);
    const no = await withServer(server, ['rm', '-rf', fake]);
    expect(no.exitCode, no.stderr).toBe(77);
    expect(no.stderr).toContain('REFUSE');
    expect(fs.existsSync(path.join(fake, 'PG_VERSION'))).toBe(true);
  });

  it('named by -D (just forked by pg_ctl): the same', async () => {
    const server = `exec -a postgres ${bashBin} -c 'sleep 30; :' -D ${fake}`;
    const u = unrelated();
    const ok = await withServer(server, ['rm', '-r', u]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const no = await withServer(server, ['rm', '-rf', fake + '/']);
    expect(no.exitCode, no.stderr).toBe(77);
    expect(fs.existsSync(path.join(fake, 'PG_VERSION'))).toBe(true);
  });

  it('named nowhere: every tree that may hold its data needs a confirmation (fail closed)', async () => {
    const u = unrelated();
    const r = await withServer(`unset PGDATA; exec -a postgres ${sleepBin} 30`, ['rm', '-r', u]);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain('cannot locate');
    expect(fs.existsSync(path.join(u, 'f'))).toBe(true);
    fs.rmSync(u, { recursive: true });
  });
});
