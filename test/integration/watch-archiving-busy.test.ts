// Issue 11, the busy case: a primary that keeps writing and switching WAL while its archive_command
// names a missing program (exit 127), is killed by a signal, exits 1: each alerts, and each alert
// clears when archiving works again. In the host-wide project (alone, after the suite): its WAL
// I/O and the archiver's restarts would load the suite's other servers, and theirs would slow it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Watcher, alertFor as alertIn, promptAlerts, shq, startArchivingWatcher, stateAlerts, watcherBin } from '../support/archiving.js';
import { type PgNode, cleanupAll, initPrimary, makeTempRoot, psql, waitFor, writeOwned } from '../support/pg.js';

const watchers: Watcher[] = [];

describe('archiving on a busy primary', () => {
  let primary: PgNode;
  let w: Watcher;
  let scripts: { exit1: string; die: string; good: string };
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    const root = makeTempRoot('so-warchb-');
    // 1 MB WAL segments: the case switches WAL in a loop while archiving fails, and every
    // segment stays until archived (16 MB each would be gigabytes of I/O).
    primary = await initPrimary({ root, name: 'aprim', archive: true, walSegSizeMb: 1 });
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin, { mode: 0o755 });
    scripts = { exit1: path.join(bin, 'exit1.sh'), die: path.join(bin, 'die.sh'), good: await psql(primary, 'show archive_command') };
    writeOwned(scripts.exit1, '#!/bin/sh\nexit 1\n', 0o755);
    writeOwned(scripts.die, '#!/bin/sh\nkill -9 $$\n', 0o755);
    const config = path.join(root, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [root], clusters: [] }, archiving: { readyMaxAgeSeconds: 20 } }));
    w = startArchivingWatcher(watchers, watcherBin(), path.join(root, 'state'), config, 500);
    await waitFor(() => promptAlerts(w.stateDir) !== null, 90_000, 'the watcher to publish');
  });

  afterAll(async () => {
    for (const x of watchers) x.proc.kill('SIGKILL');
    console.log('watch-archiving-busy figures (s):', JSON.stringify(figures));
    await cleanupAll();
  });

  const alertFor = (prefix: string) => alertIn(w.stateDir, prefix);
  /** A timed-out wait says what the watcher knew of aprim's archiving. */
  const explain = (e: Error): never => {
    let doc: { clusters: Array<{ dataDir: string; archiving?: unknown }>; alerts: unknown[] } | null = null;
    try {
      doc = JSON.parse(fs.readFileSync(path.join(w.stateDir, 'state.json'), 'utf8'));
    } catch {
      /* none yet */
    }
    throw new Error(`${e.message}\narchiving: ${JSON.stringify(doc?.clusters.find((c) => c.dataDir === primary.dataDir)?.archiving)}\nalerts: ${JSON.stringify(doc?.alerts)}\n${w.out.slice(-30).join('\n')}`);
  };

  it('a busy primary: exit 127, a signal, exit 1 each alert, and the alert clears when archiving works again', async () => {
    // No alert about the primary so far (it archived fine all along).
    expect(w.out.filter((l) => l.startsWith('alert: ') && /^alert: archiving \S+ on aprim/.test(l))).toEqual([]);
    await psql(primary, 'CREATE TABLE IF NOT EXISTS busy (x int)');
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await psql(primary, 'INSERT INTO busy SELECT generate_series(1, 2000); select pg_switch_wal()').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200)); // busy, not a flood: about 4 segments a second
      }
    })();
    try {
      for (const [cmd, prefix] of [
        ['/nonexistent/archive-tool %p', 'archiving broken on aprim'],
        [`${shq(scripts.die)} %p`, 'archiving stuck on aprim'],
        [`${shq(scripts.exit1)} %p`, 'archiving failing on aprim'],
      ] as const) {
        await psql(primary, `ALTER SYSTEM SET archive_command = '${cmd.replaceAll("'", "''")}'`);
        await psql(primary, 'select pg_reload_conf()');
        const t = Date.now();
        // The goal is 90 s (docs/archiving-health.md; the reducer's tests hold it with a fake
        // clock); a CI machine running the suite's other servers gets a generous bound.
        await waitFor(alertFor(prefix), 240_000, `${prefix} in the prompt`, 200).catch(explain);
        figures[`busy ${prefix}`] = (Date.now() - t) / 1000;
        await psql(primary, `ALTER SYSTEM SET archive_command = '${scripts.good.replaceAll("'", "''")}'`);
        await psql(primary, 'select pg_reload_conf()');
        await waitFor(() => promptAlerts(w.stateDir) !== null && stateAlerts(w.stateDir).every((a) => !/^archiving \S+ on aprim/.test(a.text)), 240_000, `${prefix} to clear`, 200).catch(explain);
      }
    } finally {
      writing = false;
      await writer;
    }
  }, 600_000);
});
