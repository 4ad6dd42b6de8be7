// The I/O helpers behind the screen, on real files, real processes and real sockets.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { measurePaths, type SizeProgress } from '../../../src/facts/size.js';
import { probeUpstream } from '../../../src/facts/upstream.js';
import { runDryRun, withoutConfirm } from '../../../src/run/dry-run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FAKE_WALG = path.join(here, 'fixtures-bin', 'fake-wal-g');

/** Run measurePaths to the end; returns every report. */
function measure(paths: string[]): Promise<SizeProgress[]> {
  return new Promise((resolve) => {
    const reports: SizeProgress[] = [];
    measurePaths(paths, (p) => {
      reports.push(p);
      if (p.done) resolve(reports);
    }, { intervalMs: 0 });
  });
}

describe('measurePaths', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-size-'));
    const data = path.join(root, 'main');
    fs.mkdirSync(path.join(data, 'base', '1'), { recursive: true });
    fs.mkdirSync(path.join(data, 'global'));
    fs.writeFileSync(path.join(data, 'PG_VERSION'), '15\n'); // 3 bytes
    fs.writeFileSync(path.join(data, 'base', '1', '1259'), Buffer.alloc(8192));
    fs.writeFileSync(path.join(data, 'base', '1', '1259_fsm'), Buffer.alloc(24576));
    fs.writeFileSync(path.join(data, 'global', 'pg_control'), Buffer.alloc(8192));
    // A hard link counts its bytes once; a symlink is counted as itself, never followed.
    fs.linkSync(path.join(data, 'global', 'pg_control'), path.join(data, 'global', 'pg_control.hardlink'));
    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'big'), Buffer.alloc(100_000));
    fs.symlinkSync(outside, path.join(data, 'pg_wal'));
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(data, 'dangling'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('counts files, directories and bytes exactly, without following symlinks', async () => {
    const reports = await measure([path.join(root, 'main')]);
    const last = reports[reports.length - 1];
    // files: PG_VERSION, 1259, 1259_fsm, pg_control (+ its hard link once), pg_wal link, dangling link
    expect(last).toEqual({ files: 6, dirs: 4, bytes: 3 + 8192 + 24576 + 8192, skipped: 0, done: true });
    expect(reports.filter((r) => r.done)).toHaveLength(1);
  });

  test('overlapping roots are counted once; missing paths are skipped', async () => {
    const reports = await measure([path.join(root, 'main'), path.join(root, 'main', 'base'), path.join(root, 'missing')]);
    expect(reports[reports.length - 1]).toEqual({ files: 6, dirs: 4, bytes: 3 + 8192 + 24576 + 8192, skipped: 1, done: true });
  });

  test('an unreadable directory is skipped, not fatal', async () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const locked = path.join(root, 'locked');
    fs.mkdirSync(locked);
    fs.writeFileSync(path.join(locked, 'x'), 'x');
    fs.chmodSync(locked, 0o000);
    try {
      const reports = await measure([locked]);
      expect(reports[reports.length - 1]).toMatchObject({ dirs: 1, files: 0, skipped: 1, done: true });
    } finally {
      fs.chmodSync(locked, 0o700);
    }
  });

  test('keeps the event loop free while counting, and stops when cancelled', async () => {
    const many = path.join(root, 'many');
    for (let d = 0; d < 40; d++) {
      fs.mkdirSync(path.join(many, String(d)), { recursive: true });
      for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(many, String(d), String(f)), 'x');
    }
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const reports = await measure([many]);
    clearInterval(timer);
    expect(reports[reports.length - 1]).toMatchObject({ files: 2000, dirs: 41, bytes: 2000, done: true });
    expect(ticks).toBeGreaterThan(0);

    const seen: SizeProgress[] = [];
    const cancel = measurePaths([many], (p) => seen.push(p), { intervalMs: 0 });
    cancel();
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.some((p) => p.done)).toBe(false);
  });
});

describe('runDryRun', () => {
  test('captures stdout and stderr interleaved and the exit code, without --confirm', async () => {
    const argvFile = path.join(os.tmpdir(), `safeops-walg-argv-${process.pid}`);
    const r = await runDryRun([FAKE_WALG, 'delete', 'retain', 'FULL', '3', '--confirm'], { timeoutMs: 10_000, env: { ...process.env, FAKE_WALG_ARGV: argvFile } });
    expect(r.exitCode).toBe(3);
    expect(r.output.split('\n')).toEqual([
      'INFO: 2025/03/01 03:12:04.000000 backup base_000000010000000000000002 will be deleted',
      'ERROR: 2025/03/01 03:12:04.100000 permission check failed for one object',
      'INFO: 2025/03/01 03:12:04.200000 dry run: nothing was deleted',
    ]);
    expect(fs.readFileSync(argvFile, 'utf8')).toBe('delete\nretain\nFULL\n3\n');
    fs.rmSync(argvFile);
  });

  test('caps the output', async () => {
    const r = await runDryRun(['sh', '-c', 'yes line | head -n 10000'], { timeoutMs: 10_000, maxBytes: 100 });
    expect(r.exitCode).toBe(0);
    expect(r.output.startsWith('line\nline\n')).toBe(true);
    expect(r.output).toContain('[safeops: 49900 more bytes of output not shown]');
  });

  test('never throws: a missing binary, a timeout', async () => {
    const missing = await runDryRun(['/nonexistent/wal-g', 'delete'], { timeoutMs: 5000 });
    expect(missing.exitCode).toBeNull();
    expect(missing.output).toContain('could not run /nonexistent/wal-g');
    const slow = await runDryRun(['sh', '-c', 'echo started; sleep 10'], { timeoutMs: 300 });
    expect(slow.exitCode).toBeNull();
    expect(slow.output).toBe('started\n[safeops: the dry run took longer than 300 ms and was stopped]');
  });

  test('stops when the screen is closed (abort)', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await runDryRun(['sh', '-c', 'echo started; sleep 10'], { timeoutMs: 10_000, signal: ac.signal });
    expect(r).toEqual({ exitCode: null, output: 'started\n[safeops: the dry run was stopped]' });
  });

  test('withoutConfirm drops every form of the flag', () => {
    expect(withoutConfirm(['wal-g', 'delete', '--confirm', 'retain', '--confirm=true', '3'])).toEqual(['wal-g', 'delete', 'retain', '3']);
  });
});

describe('probeUpstream', () => {
  /** A server that answers a PostgreSQL startup packet with a FATAL error. */
  function fakePostgres(sqlstate: string): Promise<{ port: number; close: () => void }> {
    return new Promise((resolve) => {
      const server = net.createServer((sock) => {
        sock.once('data', () => {
          const fields = Buffer.from(`SFATAL\0C${sqlstate}\0Mpassword authentication failed for user "postgres"\0\0`);
          const head = Buffer.alloc(5);
          head.write('E', 0);
          head.writeInt32BE(fields.length + 4, 1);
          sock.end(Buffer.concat([head, fields]));
        });
      });
      server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() }));
    });
  }

  test('a failed login still means reachable; the role stays unknown', async () => {
    const pg = await fakePostgres('28P01');
    try {
      const p = await probeUpstream('127.0.0.1', pg.port, { timeoutMs: 1500 });
      expect(p.reachable).toBe(true);
      expect(p.inProduction).toBeNull();
      expect(p.detail).toContain('password authentication failed');
    } finally {
      pg.close();
    }
  });

  test('a closed port is unreachable', async () => {
    const server = net.createServer();
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
    server.close();
    const p = await probeUpstream('127.0.0.1', port, { timeoutMs: 1500 });
    expect(p).toMatchObject({ reachable: false, inProduction: null });
    expect(p.detail).toContain('unreachable from here');
  });

  test('no host: nothing to check', async () => {
    expect(await probeUpstream(null, null)).toEqual({ reachable: false, inProduction: null, detail: 'no upstream host in primary_conninfo: cannot check' });
  });
});
