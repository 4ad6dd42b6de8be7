// kill -9 of the watcher at random moments while it publishes as fast as it can: every `prompt`
// and `state.json` a reader ever sees must be complete and parseable (write + fsync + rename).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN as SUPPORT_BIN, ROOT } from '../support/cli.js';
import { cleanupAll, initPrimary, makeStoppedStandbyCopy, makeTempRoot, waitFor } from '../support/pg.js';

const BIN = process.env.SAFEOPS_BIN ?? [SUPPORT_BIN, path.join(ROOT, 'dist/safeops.mjs')].find((f) => fs.existsSync(f)) ?? SUPPORT_BIN;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The shells' validation of the prompt file (DEVELOPERS.md), minus the heartbeat age. */
function promptValid(text: string): boolean {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines[0] !== 'safeops-prompt 1' || lines[lines.length - 1] !== 'end' || lines.length > 32) return false;
  if (!lines.every((l) => l.length <= 200 && /^[A-Za-z0-9 ._,:/@()+=-]*$/.test(l))) return false;
  return /^heartbeat \d+$/.test(lines[1] ?? '') && /^role (primary|unknown|recovering|standby|stopped|none)$/.test(lines[2] ?? '') && (lines[3] ?? '').startsWith('label ');
}

describe('kill -9 while publishing', () => {
  let root: string;
  let stateDir: string;
  let config: string;
  let flip: string;
  const procs = new Set<ChildProcess>();

  beforeAll(async () => {
    root = makeTempRoot('so-wk-');
    const aux = makeTempRoot('so-wkc-');
    stateDir = path.join(aux, 'state');
    config = path.join(aux, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [root], clusters: [] } }));
    const primary = await initPrimary({ root, name: 'kprim' });
    // Never started: no other test's watcher finds it through /proc and follows its flipping.
    const copy = await makeStoppedStandbyCopy(primary, { root, name: 'kcopy00' });
    // A bigger state.json makes each publish take longer: more kills land inside one.
    for (let i = 1; i < 10; i++) spawnSync('cp', ['-al', copy.dataDir, path.join(root, `kcopy${String(i).padStart(2, '0')}`)]);
    flip = path.join(copy.dataDir, 'standby.signal');
  });

  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await cleanupAll();
  });

  const start = (): ChildProcess => {
    const p = spawn(process.execPath, [BIN, 'watch', '--state-dir', stateDir, '--interval', '100'], {
      cwd: '/tmp',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: config, HOME: '/tmp' },
      stdio: 'ignore',
    });
    procs.add(p);
    return p;
  };

  it('30 kills at random moments: every prompt and state.json observed is complete', async () => {
    let reads = 0;
    const bad: string[] = [];
    const publishers = new Set<number>();
    let running = true;
    // The reader: about every millisecond, both files, validated as a shell and a JSON reader would.
    const reader = (async () => {
      while (running) {
        for (const name of ['prompt', 'state.json']) {
          let text: string;
          try {
            text = fs.readFileSync(path.join(stateDir, name), 'utf8');
          } catch {
            continue; // not there yet
          }
          reads++;
          if (name === 'prompt') {
            if (!promptValid(text)) bad.push(`prompt: ${JSON.stringify(text.slice(0, 300))}`);
          } else {
            try {
              const doc = JSON.parse(text) as { schema?: string; watcherPid?: number; clusters?: unknown[]; alerts?: unknown[] };
              if (doc.schema !== 'safeops.state/1' || !Array.isArray(doc.clusters) || !Array.isArray(doc.alerts)) bad.push(`state.json: incomplete ${text.length} bytes`);
              else if (typeof doc.watcherPid === 'number') publishers.add(doc.watcherPid);
            } catch (e) {
              bad.push(`state.json: ${(e as Error).message} (${text.length} bytes)`);
            }
          }
        }
        await new Promise<void>((r) => setTimeout(r, 1)); // ~1000 looks a second, without hogging a CPU
      }
    })();
    // Keep the facts changing, so that the watcher publishes many times a second.
    const flipper = setInterval(() => {
      try {
        if (fs.existsSync(flip)) fs.rmSync(flip);
        else fs.writeFileSync(flip, '');
      } catch {
        /* racing the cleanup */
      }
    }, 15);

    const killed: number[] = [];
    let midWrite = 0;
    try {
      // How long a watcher takes to its first publish on this machine now (a loaded CI host can
      // take seconds): the kills below land from well before that to well after it.
      const t0 = Date.now();
      const first = start();
      await waitFor(() => publishers.has(first.pid!), 60_000, 'a first watcher to publish', 5);
      const firstPublishMs = Date.now() - t0;
      first.kill('SIGKILL');
      await new Promise((r) => (first.exitCode !== null || first.signalCode !== null ? r(null) : first.once('exit', r)));
      for (let i = 0; i < 30; i++) {
        const p = start();
        await sleep(Math.floor(firstPublishMs * (0.5 + Math.random() * 1.5)));
        p.kill('SIGKILL');
        await new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));
        killed.push(p.pid!);
        // A temp file left behind means this kill landed inside a write.
        if (fs.existsSync(stateDir) && fs.readdirSync(stateDir).some((n) => n.endsWith(`.${p.pid}.tmp`))) midWrite++;
      }
    } finally {
      clearInterval(flipper);
      running = false;
      await reader;
    }
    const publishedThenKilled = killed.filter((pid) => publishers.has(pid)).length;
    console.log(`kill -9 x30: ${reads} reads, ${bad.length} bad, ${publishedThenKilled} of the killed watchers had published, ${midWrite} kills left a temp file (inside a write)`);
    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThan(100); // the reader did look (about 1000 times a second when idle)
    expect(publishedThenKilled).toBeGreaterThanOrEqual(10); // about two in three sleep past the first publish time

    // The next watcher cleans up the temp files of the dead ones, and stops cleanly.
    const p = start();
    await waitFor(() => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { watcherPid: number }).watcherPid === p.pid;
      } catch {
        return false;
      }
    }, 20_000, 'the last watcher to publish');
    const left = fs.readdirSync(stateDir).filter((n) => n.endsWith('.tmp') && !n.endsWith(`.${p.pid}.tmp`));
    expect(left).toEqual([]);
    p.kill('SIGTERM');
    const code = await new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))));
    expect(code).toBe(0);
  });
});
