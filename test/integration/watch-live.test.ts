// `safeops watch` against real PostgreSQL 15 servers: the built CLI as a child process, its
// own config (discovery limited to this test's temp root) and state dir. Roles, a real
// promotion's latency to the prompt file, split brain, stop/start, a data dir deleted and made
// again, an unreadable data dir, a config broken while running, --once, SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN as SUPPORT_BIN, ROOT } from '../support/cli.js';
import {
  type PgNode,
  cleanupAll,
  createStandby,
  initPrimary,
  isRunning,
  makeStoppedStandbyCopy,
  makeTempRoot,
  postgresIds,
  processAlive,
  promote,
  readPidFile,
  startNode,
  stopNode,
  waitFor,
} from '../support/pg.js';

const BIN = process.env.SAFEOPS_BIN ?? [SUPPORT_BIN, path.join(ROOT, 'dist/safeops.mjs')].find((f) => fs.existsSync(f)) ?? SUPPORT_BIN;

// ---------- a watcher child process and its state dir ----------

interface Watcher {
  proc: ChildProcess;
  pid: number;
  out: string[];
  stateDir: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
const watchers = new Set<Watcher>();

function startWatcher(opts: { stateDir: string; config: string; args?: string[]; as?: { uid: number; gid: number } }): Watcher {
  const proc = spawn(process.execPath, [BIN, 'watch', '--state-dir', opts.stateDir, ...(opts.args ?? [])], {
    cwd: '/tmp',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: opts.config, HOME: '/tmp', LANG: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.as ?? {}),
  });
  const out: string[] = [];
  let partial = '';
  const collect = (buf: Buffer) => {
    const text = partial + buf.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    out.push(...lines);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const w: Watcher = { proc, pid: proc.pid!, out, stateDir: opts.stateDir, exit };
  watchers.add(w);
  return w;
}

interface StateCluster {
  dataDir: string;
  name: string;
  running: boolean | 'unknown';
  role: string;
  problems: string[];
}
interface StateDoc {
  schema: string;
  heartbeat: number;
  watcherPid: number;
  clusters: StateCluster[];
  alerts: Array<{ kind: string; text: string; clusters: string[] }>;
}

function readState(dir: string): StateDoc | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as StateDoc;
  } catch {
    return null;
  }
}

interface Prompt {
  heartbeat: number;
  role: string;
  label: string;
  alerts: string[];
}

/** Parse the prompt file as the shells do (DEVELOPERS.md); null when a shell would call it stale/invalid. */
function parsePrompt(text: string): Prompt | null {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines[0] !== 'safeops-prompt 1' || lines[lines.length - 1] !== 'end' || lines.length > 32) return null;
  const p: Prompt = { heartbeat: NaN, role: '', label: '', alerts: [] };
  for (const l of lines.slice(1, -1)) {
    if (l.length > 200 || !/^[A-Za-z0-9 ._,:/@()+=-]*$/.test(l)) return null;
    const [k, ...rest] = l.split(' ');
    const v = rest.join(' ');
    if (k === 'heartbeat') p.heartbeat = Number(v);
    else if (k === 'role') p.role = v;
    else if (k === 'label') p.label = v;
    else if (k === 'alert') p.alerts.push(v);
    else return null;
  }
  if (!Number.isInteger(p.heartbeat) || !['primary', 'unknown', 'recovering', 'standby', 'stopped', 'none'].includes(p.role) || p.alerts.length > 8) return null;
  return p;
}

function readPrompt(dir: string): Prompt | null {
  try {
    return parsePrompt(fs.readFileSync(path.join(dir, 'prompt'), 'utf8'));
  } catch {
    return null;
  }
}

/** A cluster's role as the prompt shows it, from state.json. */
function roleIn(doc: StateDoc | null, dataDir: string): string | null {
  const c = doc?.clusters.find((x) => x.dataDir === dataDir);
  if (!c) return null;
  return c.running === true ? c.role : c.running === false ? 'stopped' : 'unknown';
}

/** Does the prompt label show `word name`? (Other clusters of this host may push ours past the
 *  200-byte cap: then "+N more" and state.json decides.) */
function labelShows(p: Prompt, word: string, name: string, doc: StateDoc | null, dataDir: string, role: string): boolean {
  // The local clusters come first; a fleet or Patroni segment (another test's Patroni on this
  // host) follows after " : ".
  const local = p.label.split(' : ')[0]!;
  if (local.split(', ').includes(`${word} ${name}`)) return true;
  return /\+\d+ more$/.test(local) && roleIn(doc, dataDir) === role;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function cleanupWatchers(): void {
  for (const w of watchers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
}

// ---------- the tests ----------

describe('safeops watch with real servers', () => {
  let root: string;
  let cfgDir: string;
  let config: string;
  let primary: PgNode;
  let standby: PgNode;
  let copy: PgNode;
  let w: Watcher;
  const figures: Record<string, unknown> = {};

  const writeConfig = (text?: string) => fs.writeFileSync(config, text ?? JSON.stringify({ discovery: { roots: [root], clusters: [] } }));

  beforeAll(async () => {
    root = makeTempRoot('so-wl-');
    cfgDir = makeTempRoot('so-wlc-');
    config = path.join(cfgDir, 'config.json');
    writeConfig();
    fs.chmodSync(config, 0o644);
    primary = await initPrimary({ root, name: 'wprim' });
    standby = await createStandby(primary, { root, name: 'wstby' });
    copy = await makeStoppedStandbyCopy(primary, { root, name: 'wcopy', startedOnce: true });
  });

  afterAll(async () => {
    cleanupWatchers();
    await cleanupAll();
    console.log('watch-live figures:', JSON.stringify(figures));
    if (process.env.SAFEOPS_TEST_VERBOSE) console.log(w?.out.join('\n'));
  });

  it('--once gathers, publishes and exits 0', () => {
    const dir = path.join(cfgDir, 'once');
    const r = spawnSync(process.execPath, [BIN, 'watch', '--once', '--state-dir', dir], { env: { PATH: process.env.PATH, SAFEOPS_CONFIG: config, HOME: '/tmp' }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const doc = readState(dir)!;
    expect(doc.schema).toBe('safeops.state/1');
    expect(roleIn(doc, primary.dataDir)).toBe('primary');
    expect(roleIn(doc, standby.dataDir)).toBe('standby');
    expect(roleIn(doc, copy.dataDir)).toBe('stopped');
    const p = readPrompt(dir)!;
    expect(p.role).toBe('primary');
    expect(labelShows(p, 'PRIMARY', 'wprim', doc, primary.dataDir, 'primary')).toBe(true);
    expect(Math.abs(p.heartbeat - Date.now() / 1000)).toBeLessThan(30);
  });

  it('publishes primary + standby with their roles, in the contract format and modes', async () => {
    w = startWatcher({ stateDir: path.join(cfgDir, 'state'), config, args: ['--interval', '1000'] });
    const doc = await waitFor(() => {
      const d = readState(w.stateDir);
      // state.json is renamed into place just before prompt: wait for both.
      return roleIn(d, primary.dataDir) === 'primary' && roleIn(d, standby.dataDir) === 'standby' && roleIn(d, copy.dataDir) === 'stopped' && readPrompt(w.stateDir) ? d : null;
    }, 20_000, 'the watcher to publish the three clusters');
    expect(doc.watcherPid).toBe(w.pid);
    const p = readPrompt(w.stateDir)!;
    expect(p).not.toBeNull();
    expect(p.role).toBe('primary');
    expect(labelShows(p, 'PRIMARY', 'wprim', doc, primary.dataDir, 'primary')).toBe(true);
    expect(labelShows(p, 'standby', 'wstby', doc, standby.dataDir, 'standby')).toBe(true);
    expect(fs.statSync(w.stateDir).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(path.join(w.stateDir, 'shells')).mode & 0o7777).toBe(0o1777);
    expect(fs.statSync(path.join(w.stateDir, 'prompt')).mode & 0o777).toBe(0o644);
    expect(w.out.some((l) => l.startsWith(`cluster found: wprim ${primary.dataDir} primary`))).toBe(true);
    // The heartbeat moves on even when nothing changes (at least every 2 s).
    const hb = p.heartbeat;
    await waitFor(() => (readPrompt(w.stateDir)?.heartbeat ?? 0) > hb, 4000, 'a newer heartbeat', 50);
  });

  it('a real promotion reaches the prompt file (5 trials; the 300 ms budget is `npm run bench`\'s, here a sanity bound)', async () => {
    const promptMs: number[] = [];
    const stateMs: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const node = await createStandby(primary, { root, name: `wpr${i}` });
      await waitFor(() => roleIn(readState(w.stateDir), node.dataDir) === 'standby', 15_000, `${node.name} seen as standby`, 50);
      await waitFor(() => readState(w.stateDir)?.alerts.every((a) => a.kind !== 'split-brain' || !a.clusters.includes(primary.dataDir)), 15_000, 'no split brain left', 50);
      // Watch the state dir (renames there are our publishes) and poll as a fallback.
      let promptAt = 0;
      let stateAt = 0;
      const t0 = performance.now();
      const check = () => {
        const now = performance.now();
        const doc = readState(w.stateDir);
        if (!stateAt && roleIn(doc, node.dataDir) === 'primary') stateAt = now;
        const p = readPrompt(w.stateDir);
        if (!promptAt && p && labelShows(p, 'PRIMARY', node.name, doc, node.dataDir, 'primary')) promptAt = now;
      };
      const fsw = fs.watch(w.stateDir, check);
      const poll = setInterval(check, 5);
      const promoting = promote(node);
      try {
        await waitFor(() => promptAt && stateAt, 10_000, `${node.name} shown as primary`, 5);
      } finally {
        clearInterval(poll);
        fsw.close();
      }
      await promoting;
      promptMs.push(Math.round(promptAt - t0));
      stateMs.push(Math.round(stateAt - t0));

      if (i === 1) {
        // Two running primaries of one system: the post-failover split brain.
        const [a, b] = ['wprim', node.name].sort(); // clusters are listed in name order
        const want = `SPLIT BRAIN: ${a} and ${b} are both primaries`;
        await waitFor(() => readState(w.stateDir)?.alerts.some((a) => a.text === want), 10_000, 'the split-brain alert in state.json');
        await waitFor(() => readPrompt(w.stateDir)?.alerts.includes(want), 5_000, 'the split-brain alert in the prompt');
        // The log travels through a pipe: it may arrive after the files. The change is logged from
        // SQL, or from the signal files when the new server did not answer yet ("starting up" on a
        // loaded host); then SQL confirms it in the state without another role change.
        await waitFor(() => w.out.some((l) => l.startsWith(`role change: ${node.name} ${node.dataDir} `) && l.includes('-> primary (')), 10_000, 'the role change log line', 20).catch((e: Error) => {
          throw new Error(`${e.message}\n${w.out.filter((l) => l.startsWith('role change: ')).join('\n')}`);
        });
        await waitFor(() => {
          const c = readState(w.stateDir)?.clusters.find((x) => x.dataDir === node.dataDir) as { roleSource?: string; roleDetail?: string } | undefined;
          return c?.roleSource === 'sql' && c.roleDetail === 'SQL pg_is_in_recovery() = false';
        }, 30_000, `${node.name} confirmed primary over SQL`, 20);
      }
      await stopNode(node);
      await waitFor(() => roleIn(readState(w.stateDir), node.dataDir) === 'stopped', 10_000, `${node.name} stopped`, 50);
    }
    figures.promoteToPromptMs = promptMs;
    figures.promoteToStateMs = stateMs;
    figures.promoteToPromptMedianMs = median(promptMs);
    console.log(`promote -> prompt file says PRIMARY: ${promptMs.join(', ')} ms (median ${median(promptMs)}); state.json: ${stateMs.join(', ')} ms`);
    // The figure and its budget (300 ms) are the bench's (BENCHMARKS.md); a loaded CI host only
    // has to show it within seconds (the rediscovery, every 30 s, would miss this bound).
    expect(median(promptMs)).toBeLessThanOrEqual(5000);
    // Exactly one "-> primary" line per promoted cluster.
    for (let i = 1; i <= 5; i++) expect(w.out.filter((l) => l.startsWith(`role change: wpr${i} `) && l.includes('-> primary')).length).toBe(1);
  });

  it('stopping the primary shows it stopped; starting it shows it primary again', async () => {
    await stopNode(primary);
    await waitFor(() => roleIn(readState(w.stateDir), primary.dataDir) === 'stopped', 5_000, 'wprim stopped', 20);
    await waitFor(() => {
      const p = readPrompt(w.stateDir);
      return p && labelShows(p, 'stopped', 'wprim', readState(w.stateDir), primary.dataDir, 'stopped');
    }, 5_000, 'the prompt to say stopped wprim', 20);
    await startNode(primary);
    await waitFor(() => roleIn(readState(w.stateDir), primary.dataDir) === 'primary', 5_000, 'wprim primary again', 20);
    expect(w.out.filter((l) => l.startsWith(`role change: wprim ${primary.dataDir} primary -> stopped`))).toHaveLength(1);
    expect(w.out.filter((l) => l.startsWith(`role change: wprim ${primary.dataDir} stopped -> primary`))).toHaveLength(1);
    await waitFor(async () => roleIn(readState(w.stateDir), standby.dataDir) === 'standby', 10_000, 'the standby still a standby');
  });

  it('a primary that loses its standby alerts; it clears when the standby is back', async () => {
    await waitFor(() => readState(w.stateDir)?.clusters.find((c) => c.dataDir === standby.dataDir && c.role === 'standby') && !readState(w.stateDir)?.alerts.some((a) => a.text === 'wstby: not streaming'), 20_000, 'the standby streaming again');
    await stopNode(standby);
    await waitFor(() => readPrompt(w.stateDir)?.alerts.includes('wprim: no standby connected'), 10_000, 'the no-standby alert');
    await startNode(standby, { waitStreaming: true });
    await waitFor(() => !readState(w.stateDir)?.alerts.some((a) => a.kind === 'no-standby' && a.clusters.includes(primary.dataDir)), 10_000, 'the alert cleared');
  });

  it('a stopped copy deleted and made again: the watcher survives and sees it again', async () => {
    const tpl = path.join(cfgDir, 'wcopy.tpl');
    expect(spawnSync('cp', ['-a', copy.dataDir, tpl]).status).toBe(0);
    fs.rmSync(copy.dataDir, { recursive: true, force: true });
    await waitFor(() => readState(w.stateDir) && roleIn(readState(w.stateDir), copy.dataDir) === null, 30_000, 'wcopy gone from the state', 20);
    // The log line travels through a pipe: it may arrive after the state file.
    await waitFor(() => w.out.some((l) => l.startsWith(`cluster gone: wcopy ${copy.dataDir}`)), 10_000, 'the "cluster gone" log line', 20);
    expect(spawnSync('cp', ['-a', tpl, copy.dataDir]).status).toBe(0);
    await waitFor(() => roleIn(readState(w.stateDir), copy.dataDir) === 'stopped', 30_000, 'wcopy back in the state', 20);
    expect(processAlive(w.pid)).toBe(true);
    // And it is watched again: a standby.signal removed from the new directory is seen.
    fs.rmSync(path.join(copy.dataDir, 'standby.signal'));
    await waitFor(() => readState(w.stateDir)?.clusters.find((c) => c.dataDir === copy.dataDir)?.role === 'primary', 30_000, 'the new wcopy without standby.signal', 20);
    fs.writeFileSync(path.join(copy.dataDir, 'standby.signal'), '');
  });

  it('a config broken while running is logged; the watcher keeps going with the last good one', async () => {
    const before = w.out.length;
    writeConfig('{"discovery": {"roots": [');
    await waitFor(() => w.out.slice(before).some((l) => l.startsWith(`config problem: ${config}: not valid JSON`)), 35_000, 'the config problem in the log', 50);
    expect(w.out.slice(before).some((l) => l === 'config: keeping the configuration in force until the file is fixed')).toBe(true);
    const hb = readPrompt(w.stateDir)!.heartbeat;
    await waitFor(() => (readPrompt(w.stateDir)?.heartbeat ?? 0) > hb, 4_000, 'heartbeats to go on');
    expect(roleIn(readState(w.stateDir), copy.dataDir)).toBe('stopped');
    writeConfig();
    await waitFor(() => w.out.slice(before).some((l) => l.startsWith('config: reloaded')), 35_000, 'the fixed config reloaded', 50);
  });

  it('an unreadable data dir (chmod 000) as a non-root watcher: problems, no crash', async () => {
    const ids = postgresIds();
    const dir = path.join(cfgDir, 'pgstate');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chownSync(dir, ids.uid, ids.gid);
    // chmod makes no file event: a permission change is seen by the rediscovery (every 30 s by
    // default), which re-reads every cluster; 2 s here.
    const pconfig = path.join(cfgDir, 'config-pg.json');
    fs.writeFileSync(pconfig, JSON.stringify({ discovery: { roots: [root], clusters: [] }, watch: { rediscoverIntervalMs: 2000 } }));
    const pw = startWatcher({ stateDir: dir, config: pconfig, args: ['--interval', '500'], as: ids });
    await waitFor(() => roleIn(readState(dir), copy.dataDir) === 'stopped' && roleIn(readState(dir), standby.dataDir) === 'standby', 20_000, 'the postgres-run watcher to see the clusters', 50);
    expect(fs.statSync(path.join(dir, 'shells')).mode & 0o7777).toBe(0o700); // not system-wide
    fs.chmodSync(copy.dataDir, 0);
    fs.chmodSync(standby.dataDir, 0);
    try {
      await waitFor(() => readState(dir)?.clusters.find((c) => c.dataDir === copy.dataDir)?.problems.some((p) => p.includes('permission denied')), 10_000, 'a permission problem for wcopy', 50);
      const st = readState(dir)!.clusters.find((c) => c.dataDir === standby.dataDir)!;
      expect(st.problems.some((p) => p.includes('permission denied'))).toBe(true);
      // Neither its signal files nor its pid file (port) can be read: not guessed, and never primary.
      expect(['unknown', 'standby']).toContain(st.role);
      // Its postmaster is still found through /proc. (A server whose own data dir is mode 000 may
      // die on its next file access, WAL from the primary: then "not running" is the truth.)
      if (processAlive(readPidFile(standby)?.pid ?? -1)) expect(st.running).toBe(true);
      expect(readState(dir)!.clusters.find((c) => c.dataDir === copy.dataDir)!.role).toBe('unknown');
      const hb = readPrompt(dir)!.heartbeat;
      await waitFor(() => (readPrompt(dir)?.heartbeat ?? 0) > hb, 4_000, 'heartbeats to go on');
      expect(processAlive(pw.pid)).toBe(true);
    } finally {
      fs.chmodSync(copy.dataDir, 0o700);
      fs.chmodSync(standby.dataDir, 0o700);
    }
    if (!isRunning(standby)) {
      // It may be in the middle of shutting down (a server whose data dir went unreadable ends
      // itself): pg_ctl start would then find its lock file and give up. Wait for it to be gone.
      const old = readPidFile(standby)?.pid ?? -1;
      if (old > 0) await waitFor(() => !processAlive(old), 60_000, 'the old standby postmaster to exit', 100);
      // A server that ended while its directory was mode 000 could not remove its lock file; its
      // pid may linger as an unreaped zombie, which postgres takes for a live postmaster.
      fs.rmSync(path.join(standby.dataDir, 'postmaster.pid'), { force: true });
      await startNode(standby, { waitStreaming: true });
    }
    await waitFor(() => readState(dir)?.clusters.find((c) => c.dataDir === copy.dataDir)?.problems.length === 0, 10_000, 'the problem gone', 50);

    // Its state dir made read-only: it says so, keeps trying, and publishes again once it can.
    const before = pw.out.length;
    fs.chmodSync(dir, 0o500);
    try {
      await waitFor(() => pw.out.slice(before).some((l) => l.startsWith('cannot publish the state: ') && l.includes('EACCES')), 10_000, 'the publish failure in the log', 50);
      await new Promise((r) => setTimeout(r, 1500));
      expect(pw.out.slice(before).filter((l) => l.startsWith('cannot publish the state: '))).toHaveLength(1); // said once, not every second
      expect(processAlive(pw.pid)).toBe(true);
    } finally {
      fs.chmodSync(dir, 0o700);
    }
    const hb = Math.floor(Date.now() / 1000);
    await waitFor(() => pw.out.slice(before).includes('publishing the state works again') && (readPrompt(dir)?.heartbeat ?? 0) >= hb, 5_000, 'publishing again', 50);
    pw.proc.kill('SIGTERM');
    expect(await pw.exit).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM: exits 0, and the prompt file goes (shells show "watcher not running" at once)', async () => {
    expect(processAlive(w.pid)).toBe(true);
    w.proc.kill('SIGTERM');
    const r = await Promise.race([w.exit, new Promise<null>((res) => setTimeout(() => res(null), 5_000))]);
    expect(r).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(w.stateDir, 'prompt'))).toBe(false);
    expect(readState(w.stateDir)?.schema).toBe('safeops.state/1');
  });
});
