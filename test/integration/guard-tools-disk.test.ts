// Issue 9 item 4 on a real file system: a cluster on a loop device; umount of its mount point or
// device, wipefs -a, mkfs and dd of the device are refused while it runs (nothing changes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, type CliEnv } from '../support/cli.js';
import { cleanupAll, initPrimary, isRunning, makeTempRoot, psql, stopNode, type PgNode } from '../support/pg.js';

let imgDir: string;
let dev = '';
let mnt = '';
let node: PgNode | undefined;
let env: CliEnv;

const mounted = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === mnt);

beforeAll(async () => {
  imgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-img-'));
  const img = path.join(imgDir, 'disk.img');
  fs.writeFileSync(img, '');
  fs.truncateSync(img, 64 << 20);
  dev = (await execa('losetup', ['--find', '--show', img])).stdout.trim();
  await execa('mkfs.ext4', ['-q', '-F', dev]);
  const root = makeTempRoot('safeops-disk-');
  mnt = path.join(root, 'm');
  fs.mkdirSync(mnt);
  await execa('mount', [dev, mnt]);
  const pg = fs.statSync(root);
  fs.chownSync(mnt, pg.uid, pg.gid);
  fs.chmodSync(mnt, 0o755);
  node = await initPrimary({ root: mnt, name: 'p' });
  env = cliEnv({ roots: [mnt] });
}, 180_000);

afterAll(async () => {
  if (node && isRunning(node)) await stopNode(node, 'immediate').catch(() => undefined);
  if (mnt && mounted()) await execa('umount', ['-l', mnt], { reject: false });
  if (dev) await execa('losetup', ['-d', dev], { reject: false });
  await cleanupAll();
  if (imgDir) fs.rmSync(imgDir, { recursive: true, force: true });
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('a running cluster on a loop device', () => {
  it.each([
    ['umount MOUNTPOINT', () => ['umount', mnt]],
    ['umount -l DEVICE', () => ['umount', '-l', dev]],
    ['wipefs -a DEVICE', () => ['wipefs', '-a', dev]],
    ['mkfs.ext4 DEVICE', () => ['mkfs.ext4', '-F', dev]],
    ['mkfs -t ext4 DEVICE', () => ['mkfs', '-t', 'ext4', dev]],
    ['dd of=DEVICE', () => ['dd', 'if=/dev/zero', `of=${dev}`, 'count=1']],
    ['shred DEVICE', () => ['shred', '-n', '1', dev]],
  ])('%s is refused; the file system and the server are untouched', async (_n, args) => {
    const r = await safeops(args(), env.env);
    expect(r.exitCode, r.stderr).toBe(77);
    expect(r.stderr).toContain('REFUSED');
    expect(mounted()).toBe(true);
    expect(fs.readFileSync(path.join(node!.dataDir, 'PG_VERSION'), 'utf8').trim()).toBe('15');
    expect(await psql(node!, 'select 1')).toBe('1');
  });

  it('wipefs without -a only lists, and runs', async () => {
    const r = await safeops(['wipefs', dev], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('ext4');
  });
});
