// The chokidar adapter against real directories (no root needed): the right events, nothing else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startAdapter, type Adapter } from '../../src/watch/adapter.js';
import type { WatchEvent } from '../../src/watch/events.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-adapter-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(events: WatchEvent[], pred: (e: WatchEvent) => boolean, ms = 3000): Promise<WatchEvent> {
  const end = Date.now() + ms;
  for (;;) {
    const hit = events.find(pred);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`no such event; got ${JSON.stringify(events)}`);
    await sleep(10);
  }
}

let n = 0;
function dataDir(parent = tmp): string {
  const d = path.join(parent, `d${n++}`);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'PG_VERSION'), '15\n');
  return d;
}

let adapter: Adapter | null = null;
afterEach(async () => {
  await adapter?.close();
  adapter = null;
});

describe('adapter', () => {
  it('reports the four files of a data dir, and nothing else', async () => {
    const d = dataDir();
    const events: WatchEvent[] = [];
    adapter = startAdapter({ configFiles: [], emit: (e) => events.push(e) });
    adapter.setTargets([d]);
    await sleep(200);
    fs.writeFileSync(path.join(d, 'postgresql.auto.conf'), 'x');
    fs.mkdirSync(path.join(d, 'base'));
    fs.writeFileSync(path.join(d, 'base', 'standby.signal'), ''); // depth 1: not ours
    fs.writeFileSync(path.join(d, 'standby.signal'), '');
    await until(events, (e) => e.type === 'file-changed' && e.name === 'standby.signal' && e.change === 'added');
    fs.writeFileSync(path.join(d, 'postmaster.pid'), '1\n');
    await until(events, (e) => e.type === 'file-changed' && e.name === 'postmaster.pid' && e.change === 'added');
    fs.appendFileSync(path.join(d, 'postmaster.pid'), '2\n');
    await until(events, (e) => e.type === 'file-changed' && e.name === 'postmaster.pid' && e.change === 'changed');
    fs.writeFileSync(path.join(d, 'promote'), '');
    fs.rmSync(path.join(d, 'standby.signal'));
    await until(events, (e) => e.type === 'file-changed' && e.name === 'standby.signal' && e.change === 'removed');
    await until(events, (e) => e.type === 'file-changed' && e.name === 'promote');
    fs.writeFileSync(path.join(d, 'recovery.signal'), '');
    await until(events, (e) => e.type === 'file-changed' && e.name === 'recovery.signal');
    await sleep(100);
    for (const e of events) expect(e).toMatchObject({ type: 'file-changed', dataDir: d });
  });

  it('a deleted data dir: dir-gone; made again: dir-back, and watched again', async () => {
    const d = dataDir();
    const events: WatchEvent[] = [];
    adapter = startAdapter({ configFiles: [], emit: (e) => events.push(e), missingPollMs: 50 });
    adapter.setTargets([d]);
    await sleep(200);
    fs.rmSync(d, { recursive: true });
    await until(events, (e) => e.type === 'dir-gone' && e.dataDir === d);
    fs.mkdirSync(d);
    await until(events, (e) => e.type === 'dir-back' && e.dataDir === d);
    await sleep(200);
    fs.writeFileSync(path.join(d, 'standby.signal'), '');
    await until(events, (e) => e.type === 'file-changed' && e.dataDir === d && e.name === 'standby.signal');
  });

  it('a dir replaced behind its back (another inode) is watched again when re-targeted', async () => {
    const d = dataDir();
    const events: WatchEvent[] = [];
    adapter = startAdapter({ configFiles: [], emit: (e) => events.push(e) });
    adapter.setTargets([d]);
    await sleep(200);
    fs.renameSync(d, `${d}.old`);
    fs.mkdirSync(d);
    adapter.setTargets([d]);
    await sleep(200);
    fs.writeFileSync(path.join(d, 'postmaster.pid'), '1\n');
    await until(events, (e) => e.type === 'file-changed' && e.dataDir === d && e.name === 'postmaster.pid');
  });

  it('dropping a target that is the parent of another keeps the other one watched', async () => {
    const parent = dataDir();
    const child = dataDir(parent);
    const events: WatchEvent[] = [];
    adapter = startAdapter({ configFiles: [], emit: (e) => events.push(e) });
    adapter.setTargets([parent, child]);
    await sleep(200);
    adapter.setTargets([child]);
    await sleep(100);
    fs.writeFileSync(path.join(parent, 'standby.signal'), '');
    fs.writeFileSync(path.join(child, 'standby.signal'), '');
    await until(events, (e) => e.type === 'file-changed' && e.dataDir === child);
    await sleep(100);
    expect(events.filter((e) => e.type === 'file-changed' && e.dataDir === parent)).toEqual([]);
  });

  it('config files: written, replaced by rename, created', async () => {
    const dir = path.join(tmp, 'etc');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'config.json');
    const events: WatchEvent[] = [];
    adapter = startAdapter({ configFiles: [file], emit: (e) => events.push(e) });
    await sleep(200);
    fs.writeFileSync(path.join(dir, 'other.json'), '{}');
    fs.writeFileSync(file, '{}'); // created
    await until(events, (e) => e.type === 'config-changed' && e.file === file);
    events.length = 0;
    fs.writeFileSync(`${file}.tmp`, '{"x":1}');
    fs.renameSync(`${file}.tmp`, file); // an editor's save
    await until(events, (e) => e.type === 'config-changed' && e.file === file);
    await sleep(100);
    expect(events.every((e) => e.type === 'config-changed' && e.file === file)).toBe(true);
  });
});
