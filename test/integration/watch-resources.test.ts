// The watcher must be light: 20 clusters (2 running, 18 stopped copies), idle for 10 s:
// RSS ≤ 80 MB and CPU ≤ 1 %, measured from /proc/<pid>/status and /proc/<pid>/stat.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN as SUPPORT_BIN, ROOT } from '../support/cli.js';
import { cleanupAll, createStandby, initPrimary, makeStoppedStandbyCopy, makeTempRoot, waitFor } from '../support/pg.js';
import { CLK_TCK, cpuTicks, rssKb } from '../support/proc.js';

const BIN = process.env.SAFEOPS_BIN ?? [SUPPORT_BIN, path.join(ROOT, 'dist/safeops.mjs')].find((f) => fs.existsSync(f)) ?? SUPPORT_BIN;

describe('watcher resources with 20 clusters', () => {
  let root: string;
  let stateDir: string;
  let config: string;
  let proc: ChildProcess | null = null;
  const dirs: string[] = [];

  beforeAll(async () => {
    root = makeTempRoot('so-wr-');
    const aux = makeTempRoot('so-wrc-');
    // The state dir on tmpfs, as /run/safeops is on a real host (this VM's /tmp is a slow disk).
    stateDir = fs.mkdtempSync('/dev/shm/safeops-wr-');
    config = path.join(aux, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [root], clusters: [] } }));
    const primary = await initPrimary({ root, name: 'rprim' });
    const standby = await createStandby(primary, { root, name: 'rstby' });
    const first = await makeStoppedStandbyCopy(primary, { root, name: 'rcopy00', startedOnce: true });
    dirs.push(primary.dataDir, standby.dataDir, first.dataDir);
    // Cheap copies: hard links to the first one's files (the watcher only reads them).
    for (let i = 1; i < 18; i++) {
      const d = path.join(root, `rcopy${String(i).padStart(2, '0')}`);
      const r = spawnSync('cp', ['-al', first.dataDir, d]);
      if (r.status !== 0) throw new Error(`cp -al failed: ${r.stderr}`);
      dirs.push(d);
    }
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    await cleanupAll();
  });

  // The figures (RSS, idle CPU against the budget) are measured by `npm run bench`, on a quiet
  // machine; here only generous sanity bounds that a busy CI machine cannot break.
  it('idle with 20 clusters: RSS and CPU within generous sanity bounds', async () => {
    // SAFEOPS_DEBUG logs every gather with its scope: a window is idle when the watcher only
    // polled SQL. Other clusters on this host (other tests, demos) make it work for real.
    proc = spawn(process.execPath, [BIN, 'watch', '--state-dir', stateDir], {
      cwd: '/tmp',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: config, HOME: '/tmp', SAFEOPS_DEBUG: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out: string[] = [];
    proc.stdout!.on('data', (b: Buffer) => out.push(...b.toString().split('\n').filter(Boolean)));
    const pid = proc.pid!;
    await waitFor(() => {
      const st = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { clusters: Array<{ dataDir: string }> };
      return dirs.every((d) => st.clusters.some((c) => c.dataDir === d));
    }, 30_000, 'all 20 clusters in state.json');
    // Start-up is over once the watcher has done a plain SQL poll after its first discovery.
    await waitFor(() => out.some((l) => /^debug: gather #\d+ sql=true rediscover=false scope=sql/.test(l)), 60_000, 'the first idle SQL poll');
    const t0 = performance.now();
    const c0 = cpuTicks(pid);
    let rssMax = rssKb(pid);
    const deadline = t0 + 5_000;
    await waitFor(() => {
      rssMax = Math.max(rssMax, rssKb(pid));
      return performance.now() >= deadline;
    }, 30_000, 'a 5 s window', 250);
    const cpuPct = (100 * (cpuTicks(pid) - c0)) / CLK_TCK / ((performance.now() - t0) / 1000);
    const st = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { clusters: unknown[] };
    console.log(`5 s window, ${st.clusters.length} clusters: RSS max ${(rssMax / 1024).toFixed(1)} MB, CPU ${cpuPct.toFixed(2)} % (figures: npm run bench)`);
    expect(rssMax / 1024).toBeLessThanOrEqual(250);
    expect(cpuPct).toBeLessThanOrEqual(50);
    proc.kill('SIGTERM');
    await waitFor(() => proc!.exitCode !== null, 5000, 'the watcher to exit');
    expect(proc.exitCode).toBe(0);
  });
});
