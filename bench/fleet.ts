// `npm run bench` parts for the fleet through etcd (issue 13, docs/fleet.md), with a real etcd
// (Debian's etcd-server on loopback, free ports, temp data dir, killed at the end) and real
// PostgreSQL (run as postgres, test/support/pg.ts):
//   fleet-promote  a real `pg_ctl promote` on "host A" -> "host B"'s prompt file (two watchers, two
//                  state dirs, two discovery roots; B has another standby of the same primary)
//   fleet-idle     a watcher whose set has 200 simulated members (kept alive by a simulator in
//                  this process): its idle CPU and RSS beside the same watcher without fleet
//                  config, and what etcd saw from it in a quiet window (/metrics)
//   fleet-prompt   the prompt hook's per-prompt cost with a fleet segment in the prompt file vs
//                  without (the prompt part's loops)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { memberKey } from '../src/fleet/etcd-client.js';
import type { MemberReport } from '../src/fleet/types.js';
import { parseReport } from '../src/fleet/validate.js';
import { BIN } from '../test/support/cli.js';
import { startEtcd, type Etcd } from '../test/support/etcd.js';
import { createStandby, initPrimary, makeTempRoot, pgBin, psql, stopNode, type PgNode } from '../test/support/pg.js';
import { cpuSeconds, rssKb } from '../test/support/proc.js';
import { benchTempDir } from './temp.js';
import { watcherNodeFlags } from './unit-flags.js';
import { SETTLE_MS, sleep, waitUntil } from './wait.js';

type Row = { what: string; value: string; budget: string; ok: boolean | null };

export interface FleetBenchContext {
  rows: Row[];
  quick: boolean;
  want: (part: string) => boolean;
  log: (s: string) => void;
  median: (xs: number[]) => number;
  /** The prompt part's loops (bench/run.ts): per-prompt hook and bare times in one shell, and extra forks. */
  promptHookCost: (stateDir: string, shell: string, n: number, promptText: (hb: number) => string, countForks?: boolean) => { hook: number; bare: number; extraForks: number | null };
}

export const FLEET_PARTS = ['fleet-promote', 'fleet-idle', 'fleet-prompt'];



/** A state dir on tmpfs, as /run/safeops is on a real host. */
const tmpfsDir = (prefix: string) => benchTempDir(prefix, { tmpfs: true });

/**
 * Both watchers of these parts run with the systemd unit's Node flags (bench/unit-flags.ts);
 * SAFEOPS_BENCH_WATCHER_NODE_FLAGS="--max-semi-space-size=2 --trace-gc" replaces them (what V8
 * keeps of its heap is most of the fleet watcher's extra RSS).
 * SAFEOPS_DEBUG=1 passes on to them (their memory lines are printed by fleet-idle).
 */
const WATCHER_NODE_FLAGS = watcherNodeFlags(); // the unit's, as deployed

interface Watcher {
  name: string;
  stateDir: string;
  proc: ChildProcess;
  out: string[];
}

/**
 * `safeops watch` with the default intervals (as the systemd unit runs it), its own config
 * (discovery roots, and `fleet` when `etcd` is given) and its own state dir on tmpfs.
 */
function startWatcher(o: { name: string; roots: string[]; etcd: string | null; prefix: string; dir: string }): Watcher {
  const stateDir = tmpfsDir(`safeops-bench-${o.name}-`);
  const config = path.join(o.dir, `${o.name}.json`);
  const fleet = o.etcd ? { fleet: { host: o.name, clusters: o.roots, etcd: { endpoints: [o.etcd], prefix: o.prefix } } } : {};
  fs.writeFileSync(config, JSON.stringify({ discovery: { roots: o.roots }, ...fleet }));
  const proc = spawn(process.execPath, [...WATCHER_NODE_FLAGS, BIN, 'watch', '--state-dir', stateDir], { cwd: '/tmp', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: config, HOME: '/tmp', LANG: 'C', NO_COLOR: '1', ...(process.env.SAFEOPS_DEBUG ? { SAFEOPS_DEBUG: '1' } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const w: Watcher = { name: o.name, stateDir, proc, out: [] };
  const collect = (b: Buffer) => {
    w.out.push(...b.toString().split('\n').filter(Boolean));
    if (w.out.length > 200) w.out.splice(0, w.out.length - 200);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return w;
}

async function stopWatcher(w: Watcher): Promise<void> {
  const p = w.proc;
  if (p.exitCode === null && p.signalCode === null) {
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([gone, sleep(5000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
  fs.rmSync(w.stateDir, { recursive: true, force: true });
}

const promptFile = (w: Watcher) => {
  try {
    return fs.readFileSync(path.join(w.stateDir, 'prompt'), 'utf8');
  } catch {
    return '';
  }
};
const label = (w: Watcher) => /^label (.*)$/m.exec(promptFile(w))?.[1] ?? '';
const describe = (w: Watcher) => `${w.name} prompt:\n${promptFile(w)}\n${w.name} log:\n${w.out.slice(-10).join('\n')}`;

/** The role state.json gives a local cluster (the label may cut it: a watcher sees every postmaster of the machine). */
function localRole(w: Watcher, dataDir: string): string | null {
  const c = (stateDoc(w) as { clusters?: Array<{ dataDir: string; role: string }> } | null)?.clusters?.find((x) => x.dataDir === dataDir);
  return c ? c.role : null;
}

/** localRole, re-reading state.json only when it was replaced (cheap enough for a 2 ms poll). */
function roleWatch(w: Watcher, dataDir: string): () => string | null {
  let seen = '';
  let role: string | null = null;
  return () => {
    try {
      const st = fs.statSync(path.join(w.stateDir, 'state.json'));
      const id = `${st.ino}:${st.mtimeMs}`;
      if (id !== seen) {
        seen = id;
        role = localRole(w, dataDir);
      }
    } catch {
      // not written yet
    }
    return role;
  };
}

function stateDoc(w: Watcher): { fleet?: { connected: boolean; sets: Array<{ systemIdentifier: string; members: MemberReport[] }> } } | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(w.stateDir, 'state.json'), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * fleet-promote: host B's watcher sees host A's standby promoted. Each round builds a fresh
 * standby on A (pg_basebackup of the primary, which neither host watches), waits until B's prompt
 * shows it as "host-a standby", runs `pg_ctl promote`, and times A's own prompt file and B's.
 * The promoted copy is then stopped and removed (A deletes its key).
 */
async function benchPromote(ctx: FleetBenchContext, etcd: Etcd, dir: string) {
  const prefix = '/safeops-bench-promote/';
  const rootP = makeTempRoot('so-bfp-');
  const rootA = makeTempRoot('so-bfa-');
  const rootB = makeTempRoot('so-bfb-');
  const primary = await initPrimary({ root: rootP, name: 'fleet-primary' });
  const standbyB = await createStandby(primary, { root: rootB, name: 'b-standby' });
  const a = startWatcher({ name: 'host-a', roots: [rootA], etcd: etcd.endpoint, prefix, dir });
  const b = startWatcher({ name: 'host-b', roots: [rootB], etcd: etcd.endpoint, prefix, dir });
  const toB: number[] = [];
  const toA: number[] = [];
  const toEtcd: number[] = [];
  // When host A's report saying PRIMARY reached etcd (a watch from this process): splits the latency.
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: etcd.endpoint });
  const putAt = new Map<string, number>();
  const watch = await client.watch().prefix(`${prefix}members/`).create();
  watch.on('put', (kv) => {
    const r = parseReport(kv.value.toString());
    if (r && r.host === 'host-a' && r.role === 'primary' && !putAt.has(r.dataDir)) putAt.set(r.dataDir, Date.now());
  });
  try {
    const rounds = ctx.quick ? 3 : 5;
    for (let i = 0; i < rounds; i++) {
      const name = `a-standby-${i}`;
      const s: PgNode = await createStandby(primary, { root: rootA, name });
      await waitUntil(() => / : .*host-a standby/.test(label(b)) && localRole(a, s.dataDir) === 'standby', 60_000, `host-b to see host-a's ${name}`, () => describe(a) + '\n' + describe(b));
      // Let A's report settle (the first SQL poll fills upstream and lag) so the round times one change.
      await sleep(3000);
      const t0 = Date.now();
      const p = pgBin('pg_ctl', ['-D', s.dataDir, '-w', '-t', '60', 'promote']);
      const done = { a: 0, b: 0 };
      const roleA = roleWatch(a, s.dataDir);
      await waitUntil(
        () => {
          const now = Date.now();
          if (!done.a && roleA() === 'primary') done.a = now - t0;
          if (!done.b && / : .*host-a PRIMARY/.test(label(b))) done.b = now - t0;
          return done.a && done.b;
        },
        30_000,
        'the promotion to reach host-a\'s and host-b\'s prompt files',
        () => `${JSON.stringify(done)}\n${describe(a)}\n${describe(b)}`,
      );
      await p;
      toA.push(done.a);
      toB.push(done.b);
      const e = (putAt.get(s.dataDir) ?? NaN) - t0;
      toEtcd.push(e);
      ctx.log(`fleet-promote: round ${i + 1}: host-a's state ${done.a} ms, its put in etcd ${e} ms, host-b's prompt ${done.b} ms`);
      await stopNode(s, 'immediate');
      fs.rmSync(s.dataDir, { recursive: true, force: true });
      await waitUntil(() => !/host-a PRIMARY/.test(label(b)), 60_000, 'host-b to drop host-a\'s promoted copy', () => describe(b));
    }
  } finally {
    await watch.cancel().catch(() => undefined);
    client.close();
    await Promise.all([stopWatcher(a), stopWatcher(b)]);
    await stopNode(standbyB, 'immediate');
    await stopNode(primary, 'immediate');
  }
  const m = ctx.median(toB);
  ctx.rows.push({
    what: 'fleet: real `pg_ctl promote` on host A -> host B\'s prompt file says "host-a PRIMARY" (two watchers, default intervals, real etcd; median)',
    value: `${m} ms (min ${Math.min(...toB)}, max ${Math.max(...toB)}; trials: ${toB.join(', ')}); of which host A's own state file: median ${ctx.median(toA)} ms (${toA.join(', ')}), host A's put in etcd: median ${ctx.median(toEtcd)} ms (${toEtcd.join(', ')})`,
    budget: '<= 1000 ms (median)',
    ok: m <= 1000,
  });
}

/** etcd's /metrics: counters and gauges summed over labels, and gRPC messages received by method. */
async function etcdMetrics(endpoint: string): Promise<{ sums: Map<string, number>; byMethod: Map<string, number> }> {
  const text = await (await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const sums = new Map<string, number>();
  const byMethod = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + v);
    if (m[1] === 'grpc_server_msg_received_total') {
      const method = /grpc_method="([^"]+)"/.exec(m[2] ?? '')?.[1] ?? '?';
      byMethod.set(method, (byMethod.get(method) ?? 0) + v);
    }
  }
  return { sums, byMethod };
}

/**
 * 200 simulated members of one replication set, each on its own "host" with its own lease (as
 * 200 watchers would be), keys and values exactly as the agent writes them. Keep-alives go in
 * bursts (every 10 s, TTL 30 s) so that a metrics snapshot taken between bursts counts them exactly.
 */
async function startSimulator(endpoint: string, prefix: string, template: MemberReport, count: number) {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: endpoint });
  const leases: Array<ReturnType<InstanceType<typeof Etcd3>['lease']>> = [];
  for (let i = 0; i < count; i++) {
    const host = `sim-${String(i + 1).padStart(3, '0')}`;
    const { local: _l, expired: _e, silentSeconds: _s, ...base } = template as MemberReport & { local?: unknown; expired?: unknown; silentSeconds?: unknown };
    const r: MemberReport = { ...base, host, dataDir: '/var/lib/postgresql/15/main', cluster: '15/main', role: 'standby', roleHow: 'SQL pg_is_in_recovery() = true', running: true, port: 5432, upstream: `db-primary:5432`, standbys: [], replayLagSeconds: 0, reportedAt: new Date().toISOString() };
    const text = JSON.stringify(r);
    const key = memberKey(prefix, r);
    const back = parseReport(text);
    if (!back || memberKey(prefix, back) !== key) throw new Error(`bench: simulated report ${host} would not be accepted by a watcher`);
    const lease = client.lease(30, { autoKeepAlive: false });
    lease.on('lost', () => undefined);
    await lease.grant();
    await lease.put(key).value(text).exec();
    leases.push(lease);
  }
  let sent = 0;
  let failed = 0;
  let burst: Promise<void> | null = null;
  const fire = () => {
    burst = Promise.all(
      leases.map((l) =>
        l.keepaliveOnce().then(
          () => void (sent += 1),
          () => void (failed += 1),
        ),
      ),
    ).then(() => {
      burst = null;
    });
  };
  const timer = setInterval(fire, 10_000);
  return {
    /** Keep-alives acknowledged so far (wait for `idle()` first). */
    counts: () => ({ sent, failed }),
    /** Resolves when no burst is in flight. */
    async idle() {
      while (burst) await burst;
    },
    async stop() {
      clearInterval(timer);
      while (burst) await burst;
      for (const l of leases) await l.revoke().catch(() => undefined);
      client.close();
    },
  };
}

/**
 * fleet-idle: one watcher with fleet config in a set of 202 members (its primary and standby +
 * 200 simulated), and the same watcher without fleet config on the same clusters, side by side.
 */
async function benchIdle(ctx: FleetBenchContext, etcd: Etcd, dir: string): Promise<string | null> {
  const prefix = '/safeops-bench-idle/';
  const root = makeTempRoot('so-bfi-');
  const primary = await initPrimary({ root, name: 'idle-primary' });
  const standby = await createStandby(primary, { root, name: 'idle-standby' });
  // A set that has committed something and then gone quiet (the standby has a last replayed commit that ages).
  await psql(primary, 'create table idle_bench (x int); insert into idle_bench values (1)');
  const startedAt = Date.now();
  const withFleet = startWatcher({ name: 'fleet-host', roots: [root], etcd: etcd.endpoint, prefix, dir });
  const without = startWatcher({ name: 'plain-host', roots: [root], etcd: null, prefix, dir });
  let sim: Awaited<ReturnType<typeof startSimulator>> | null = null;
  const count = 200;
  try {
    const mine = await waitUntil(
      () => {
        const d = stateDoc(withFleet);
        const set = d?.fleet?.connected ? d.fleet.sets[0] : undefined;
        return set && set.members.length === 2 ? set.members[0]! : null;
      },
      60_000,
      'the fleet watcher to publish its two clusters',
      () => describe(withFleet),
    );
    // The same watcher before the 200 members: what the etcd client costs, apart from the members.
    await sleep(ctx.quick ? 3000 : 8000);
    const rssAlone = rssKb(withFleet.proc.pid!) / 1024;
    const rssPlainAlone = rssKb(without.proc.pid!) / 1024;
    sim = await startSimulator(etcd.endpoint, prefix, mine, count);
    await waitUntil(() => (stateDoc(withFleet)?.fleet?.sets[0]?.members.length ?? 0) >= count + 2, 60_000, `the fleet watcher to see ${count + 2} members`, () => describe(withFleet));
    await waitUntil(() => localRole(without, primary.dataDir) === 'primary' && localRole(without, standby.dataDir) === 'standby', 60_000, 'the plain watcher\'s prompt', () => describe(without));
    // Steady state: start-up work settles first (as the watcher part: SETTLE_MS after the start),
    // and so does the burst of 200 new members (a view, the state file, V8's heap), then the windows.
    await sleep(ctx.quick ? 5000 : Math.max(20_000, SETTLE_MS - (Date.now() - startedAt)));
    const windowMs = 10_000;
    const nWindows = ctx.quick ? 1 : 3;
    await sim.idle();
    const m0 = await etcdMetrics(etcd.endpoint);
    const s0 = sim.counts();
    const etcdTicks0 = cpuSeconds(etcd.proc!.pid!);
    const t00 = Date.now();
    const cpu = { fleet: [] as number[], plain: [] as number[] };
    for (let i = 0; i < nWindows; i++) {
      const f0 = cpuSeconds(withFleet.proc.pid!);
      const p0 = cpuSeconds(without.proc.pid!);
      const t0 = Date.now();
      await sleep(windowMs);
      const secs = (Date.now() - t0) / 1000;
      cpu.fleet.push(((cpuSeconds(withFleet.proc.pid!) - f0) / secs) * 100);
      cpu.plain.push(((cpuSeconds(without.proc.pid!) - p0) / secs) * 100);
    }
    await sim.idle();
    const m1 = await etcdMetrics(etcd.endpoint);
    const s1 = sim.counts();
    const span = (Date.now() - t00) / 1000;
    const etcdPct = ((cpuSeconds(etcd.proc!.pid!) - etcdTicks0) / span) * 100;
    const rss = { fleet: rssKb(withFleet.proc.pid!) / 1024, plain: rssKb(without.proc.pid!) / 1024 };
    const members = stateDoc(withFleet)?.fleet?.sets[0]?.members.length ?? 0;
    const silent = (stateDoc(withFleet)?.fleet?.sets ?? []).flatMap((s) => s.members.filter((m) => (m as { expired?: boolean }).expired).map((m) => `${m.host}:${m.cluster}`));
    if (silent.length) ctx.log(`fleet-idle: members without a report during the windows: ${silent.join(', ')}`);
    const d = (k: string) => (m1.sums.get(k) ?? 0) - (m0.sums.get(k) ?? 0);
    const rpc = (k: string) => (m1.byMethod.get(k) ?? 0) - (m0.byMethod.get(k) ?? 0);
    const simKeepAlives = s1.sent + s1.failed - (s0.sent + s0.failed);
    const keepAlives = rpc('LeaseKeepAlive') - simKeepAlives;
    const writes = { Put: rpc('Put'), Txn: rpc('Txn'), DeleteRange: rpc('DeleteRange'), LeaseGrant: rpc('LeaseGrant'), LeaseRevoke: rpc('LeaseRevoke') };
    const otherRpcs = [...m1.byMethod.keys()].filter((k) => !['LeaseKeepAlive', ...Object.keys(writes)].includes(k) && rpc(k) > 0).map((k) => `${k} ${rpc(k)}`);
    const revision = d('etcd_debugging_mvcc_current_revision');
    const writeCount = Object.values(writes).reduce((x, y) => x + y, 0);
    const pct = ctx.median(cpu.fleet);
    const plainPct = ctx.median(cpu.plain);
    ctx.rows.push({ what: `fleet: watcher in a set of ${members} members (2 local + ${count} simulated in etcd): RSS, beside the same watcher without fleet config`, value: `${rss.fleet.toFixed(1)} MB vs ${rss.plain.toFixed(1)} MB (+${(rss.fleet - rss.plain).toFixed(1)} MB); before the 200 members were registered: ${rssAlone.toFixed(1)} MB vs ${rssPlainAlone.toFixed(1)} MB`, budget: '<= 80 MB', ok: rss.fleet <= 80 });
    ctx.rows.push({
      what: `fleet: idle CPU of that watcher vs without fleet config (default intervals, measured side by side, median of ${nWindows} window(s) of ${windowMs / 1000} s)`,
      value: `${pct.toFixed(2)} % vs ${plainPct.toFixed(2)} % (windows: ${cpu.fleet.map((x) => x.toFixed(2)).join(', ')} vs ${cpu.plain.map((x) => x.toFixed(2)).join(', ')}); etcd itself ${etcdPct.toFixed(2)} % with ${count} simulated leases`,
      budget: '<= 1 %',
      ok: pct <= 1,
    });
    ctx.rows.push({
      what: `fleet: what etcd received at steady state in ${span.toFixed(0)} s (/metrics before and after; the simulator's ${simKeepAlives} keep-alives subtracted)`,
      value: `the watcher's lease keep-alives: ${keepAlives}; writes: ${writeCount} (${Object.entries(writes).map(([k, v]) => `${k} ${v}`).join(', ')}); store revision +${revision}${otherRpcs.length ? `; other calls: ${otherRpcs.join(', ')}` : ''}`,
      budget: 'keep-alives only (0 writes)',
      ok: writeCount === 0 && revision === 0 && keepAlives > 0,
    });
    if (WATCHER_NODE_FLAGS.includes('--trace-gc')) ctx.log(withFleet.out.filter((l) => /Scavenge|Mark/.test(l)).slice(-12).join('\n'));
    if (process.env.SAFEOPS_DEBUG) ctx.log(withFleet.out.filter((l) => l.includes('memory')).slice(-6).join('\n') + '\n' + without.out.filter((l) => l.includes('memory')).slice(-2).join('\n'));
    if (s1.failed) ctx.log(`fleet-idle: ${s1.failed} simulated keep-alive(s) failed`);
    return promptFile(withFleet);
  } finally {
    await sim?.stop();
    await Promise.all([stopWatcher(withFleet), stopWatcher(without)]);
    await stopNode(standby, 'immediate');
    await stopNode(primary, 'immediate');
  }
}

/**
 * fleet-prompt: the prompt hook with a fleet segment (a full label line and a fleet alert, or the
 * fleet-idle watcher's real prompt file) against the prompt part's file, rounds alternating.
 */
function benchPrompt(ctx: FleetBenchContext, dir: string, real: string | null) {
  const n = ctx.quick ? 500 : 3000;
  const plain = (hb: number) => `safeops-prompt 1\nheartbeat ${hb}\nrole primary\nlabel PRIMARY 15/main, standby 15/replica\nalert archiving failing on 15/main\nend\n`;
  const realLabel = real ? /^label (.*)$/m.exec(real)?.[1] : undefined;
  const realAlerts = real ? real.split('\n').filter((l) => l.startsWith('alert ')) : [];
  const fleetLabel = realLabel && realLabel.includes(' : ') ? realLabel : 'PRIMARY 15/main, standby 15/replica : db-02 standby 0s, dr-01 standby lag 3m, db-03 standby 0s, db-04 standby 0s, db-05 standby 0s, +196 more';
  const fleetAlerts = realAlerts.length ? realAlerts : ['alert archiving failing on 15/main', 'alert wal-g v3.0.2 here, v3.0.5 on dr-01'];
  const withFleet = (hb: number) => `safeops-prompt 1\nheartbeat ${hb}\nrole primary\nlabel ${fleetLabel}\n${fleetAlerts.join('\n')}\nend\n`;
  const rounds = ctx.quick ? 2 : 3;
  for (const shell of ['bash', 'zsh', 'fish']) {
    const cost = { plain: [] as number[], fleet: [] as number[] };
    let forks: number | null = null;
    for (let r = 0; r < rounds; r++) {
      for (const which of r % 2 ? (['fleet', 'plain'] as const) : (['plain', 'fleet'] as const)) {
        const sub = path.join(dir, `prompt-${shell}-${which}`);
        fs.mkdirSync(sub, { recursive: true });
        const countForks = which === 'fleet' && r === 0;
        const c = ctx.promptHookCost(sub, shell, n, which === 'fleet' ? withFleet : plain, countForks);
        cost[which].push(c.hook - c.bare);
        if (countForks) forks = c.extraForks;
      }
    }
    const p = ctx.median(cost.plain);
    const f = ctx.median(cost.fleet);
    ctx.rows.push({
      what: `fleet: prompt hook, ${shell}: per-prompt cost with a fleet segment (${fleetLabel.length}-byte label, ${fleetAlerts.length} alert line(s)) / without (median of ${rounds} alternating runs of ${n} prompts)`,
      value: `${(f / p).toFixed(2)}x (${f.toFixed(3)} ms vs ${p.toFixed(3)} ms); forks per prompt with the segment: ${forks === null ? '?' : forks / 200}`,
      budget: 'about 1x, 0 forks',
      ok: forks === 0,
    });
  }
}

/** Runs the fleet parts that are wanted; one etcd for all, stopped at the end. */
export async function benchFleet(ctx: FleetBenchContext): Promise<void> {
  const parts = FLEET_PARTS.filter(ctx.want);
  if (!parts.length) return;
  const dir = benchTempDir('safeops-bench-fleet-');
  let etcd: Etcd | null = null;
  try {
    let real: string | null = null;
    if (parts.includes('fleet-promote') || parts.includes('fleet-idle')) etcd = await startEtcd('safeops-bench');
    if (parts.includes('fleet-promote')) {
      ctx.log('fleet: promotion on host A -> host B\'s prompt (real etcd, two watchers)');
      await benchPromote(ctx, etcd!, dir);
    }
    if (parts.includes('fleet-idle')) {
      ctx.log('fleet: a watcher with 200 simulated members (idle CPU, RSS, etcd traffic)');
      real = await benchIdle(ctx, etcd!, dir);
    }
    if (parts.includes('fleet-prompt')) {
      ctx.log('fleet: prompt hook with a fleet segment vs without');
      benchPrompt(ctx, dir, real);
    }
  } finally {
    await etcd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
