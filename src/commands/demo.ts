// `safeops demo`: a disposable primary + streaming standby with the host's PostgreSQL binaries,
// a watcher, and a shell with the integration loaded (docs/design.md §5); all removed on exit. Layout of
// the demo dir (/tmp/safeops-demo-XXXXXX):
//   primary/ standby/   data dirs (owned by the server user: postgres as root, else you)
//   run/                the servers' Unix sockets (0700; trust auth, no TCP)
//   log/                server logs           state/   the watcher's state dir
//   config.json         SAFEOPS_CONFIG: discovery roots = the demo dir, audit log below
//   audit.jsonl         the demo's audit log  watch.log  the watcher's output
//   bin/safeops         this safeops, first on the shell's PATH (before the PostgreSQL bin dir)
//   shell/              the shell's startup files   demo.json   what to tear down (the reaper reads it)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { initScript } from './init.js';
import { banner, demoEnv } from '../demo/banner.js';
import { DEMO_TOOLS, PG_NOT_FOUND, findPgBinDir } from '../demo/pgbin.js';
import { runReaper, spawnReaper } from '../demo/reaper.js';
import { DEMO_DIR_PREFIX, DEMO_SCHEMA, ownProcess, saveRecord, type DemoNode, type DemoRecord } from '../demo/record.js';
import { createPrimary, createStandby, enterableBy, freePort, mkdirFor, passwdIds } from '../demo/servers.js';
import { findOnPath, pickShell, prepareShell } from '../demo/shell.js';
import { teardown } from '../demo/teardown.js';
import type { Edge } from '../util/edge.js';
import { UsageError } from '../util/errors.js';

export interface DemoOptions {
  /** --shell NAME; false for --no-shell; undefined: $SHELL's basename, else bash. */
  shell: string | false | undefined;
  /** --keep: stop everything on exit but leave the files (debugging). */
  keep: boolean;
  /** Internal: run as the reaper of this demo dir. */
  reap?: string;
}

/** Thrown for a problem the operator can fix; printed as one line, exit 1. */
class DemoError extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Unix socket paths are limited to 107 bytes: the demo dir must stay short. */
const MAX_DIR_LENGTH = 80;

/** The temp base: /tmp as root (the postgres user must be able to reach it), else TMPDIR if short. */
function tempBase(uid: number, env: NodeJS.ProcessEnv): string {
  const t = env.TMPDIR;
  return uid !== 0 && t && t.startsWith('/') && t.length < MAX_DIR_LENGTH - 20 ? t : '/tmp';
}

/** The demo config: only the demo dir is scanned, the audit log stays in it, SQL polled every second. */
function demoConfig(dir: string, audit: string): string {
  return JSON.stringify({ discovery: { roots: [dir], maxDepth: 2 }, audit: { path: audit }, watch: { sqlIntervalMs: 1000 } }, null, 2) + '\n';
}

/** Until the watcher's state.json shows the primary and the standby in their roles (or `ms` pass). */
async function waitForWatcher(rec: DemoRecord, watcher: ChildProcess, ms: number, stop: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  const want = rec.nodes.map((n) => [n.dataDir, n.name] as const);
  while (Date.now() < deadline && !stop()) {
    if (watcher.exitCode !== null || watcher.signalCode !== null) throw new DemoError(`the watcher exited (see ${path.join(rec.dir, 'watch.log')})`);
    try {
      const doc = JSON.parse(fs.readFileSync(path.join(rec.stateDir, 'state.json'), 'utf8')) as { clusters?: Array<{ dataDir?: string; role?: string }> };
      const clusters = doc.clusters ?? [];
      if (want.every(([d, role]) => clusters.some((c) => c.dataDir === d && c.role === role))) return true;
    } catch {
      // not written yet, or being replaced
    }
    await sleep(100);
  }
  return false;
}

/** Checks that need nothing started yet; throws DemoError. */
function preflight(opts: DemoOptions, edge: Edge) {
  if (typeof opts.shell === 'string' && !['bash', 'zsh', 'fish'].includes(opts.shell)) throw new UsageError(`--shell must be bash, zsh or fish, not ${JSON.stringify(opts.shell)}`);
  const withShell = opts.shell !== false;
  const shellName = pickShell(opts.shell || undefined, edge.env.SHELL);
  const shellPath = withShell ? findOnPath(shellName, edge.env.PATH) : null;
  if (withShell && !shellPath) throw new DemoError(`${shellName} is not installed: choose another with --shell bash|zsh|fish`);
  const override = edge.env.SAFEOPS_PG_BIN || undefined;
  const pgBin = findPgBinDir(override);
  if (!pgBin) throw new DemoError(override ? `SAFEOPS_PG_BIN=${override} does not hold ${DEMO_TOOLS.join(', ')}: point it at a PostgreSQL bin directory, or unset it` : PG_NOT_FOUND);
  const selfBin = process.argv[1];
  if (!selfBin) throw new DemoError('cannot tell where this safeops is (process.argv[1] is empty)');
  const asRoot = edge.uid === 0;
  const owner = asRoot ? passwdIds('postgres') : null;
  if (asRoot && !owner) throw new DemoError('there is no postgres user, and initdb refuses to run as root: create one (`useradd --system --create-home postgres`) or run the demo as another user');
  return { withShell, shellName, shellPath, pgBin, selfBin: path.resolve(selfBin), asRoot, owner, serverUser: asRoot ? 'postgres' : edge.userName };
}

export async function runDemo(opts: DemoOptions, edge: Edge): Promise<number> {
  if (opts.reap) return runReaper(opts.reap);
  let pre: ReturnType<typeof preflight>;
  try {
    pre = preflight(opts, edge);
  } catch (e) {
    if (!(e instanceof DemoError)) throw e;
    process.stderr.write(`safeops demo: ${e.message}\n`);
    return 1;
  }
  const { withShell, shellName, pgBin, selfBin, asRoot, owner, serverUser } = pre;

  // A closed terminal (SIGHUP) makes every write fail: never let that stop the clean-up.
  let quiet = false;
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const say = (line: string) => {
    if (!quiet) process.stderr.write(`safeops demo: ${line}\n`);
  };

  const dir = fs.realpathSync(fs.mkdtempSync(path.join(tempBase(edge.uid, edge.env), DEMO_DIR_PREFIX)));
  fs.chmodSync(dir, asRoot ? 0o755 : 0o700);
  const node = async (name: DemoNode['name']): Promise<DemoNode> => ({ name, dataDir: path.join(dir, name), port: await freePort(), logFile: path.join(dir, 'log', `${name}.log`) });
  const rec: DemoRecord = {
    schema: DEMO_SCHEMA,
    dir,
    serverUser,
    runuser: asRoot,
    pgBin,
    socketDir: path.join(dir, 'run'),
    stateDir: path.join(dir, 'state'),
    nodes: [await node('primary'), await node('standby')],
    watcher: null,
    shell: null,
    keep: opts.keep,
  };
  saveRecord(rec);
  spawnReaper(selfBin, dir);

  // One teardown, whoever asks first (the shell exiting, a signal, a failed step).
  let tearing: Promise<void> | null = null;
  const finish = (code: number): Promise<never> => {
    tearing ??= teardown(rec).catch((e: unknown) => say(`clean-up failed: ${(e as Error).message}; see ${dir}`));
    return tearing.then(() => {
      say(opts.keep ? `stopped; kept ${dir}` : `stopped the servers and the watcher, removed ${dir}`);
      process.exit(code);
    });
  };
  // Signals: during setup, the running step ends first (so nothing starts after the teardown);
  // with a shell, the shell is made to exit and its exit tears down; otherwise at once.
  let phase: 'setup' | 'ready' | 'shell' = 'setup';
  let aborted: NodeJS.Signals | null = null;
  let shellChild: ChildProcess | null = null;
  const signalCode = (sig: NodeJS.Signals) => (withShell ? 128 + (os.constants.signals[sig] ?? 0) : 0);
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGHUP') quiet = true;
    aborted ??= sig;
    if (phase === 'shell' && shellChild) shellChild.kill('SIGHUP');
    else if (phase === 'ready') void finish(signalCode(sig));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  const checkpoint = () => {
    if (aborted) throw new Aborted();
  };

  try {
    const config = path.join(dir, 'config.json');
    const audit = path.join(dir, 'audit.jsonl');
    fs.writeFileSync(config, demoConfig(dir, audit), { mode: 0o644 });
    for (const d of [rec.socketDir, path.join(dir, 'log'), ...rec.nodes.map((n) => n.dataDir)]) mkdirFor(d, owner, 0o700);
    const [primary, standby] = rec.nodes as [DemoNode, DemoNode];
    say(`PostgreSQL binaries in ${pgBin}; everything goes in ${dir}`);
    await createPrimary(rec, primary);
    checkpoint();
    say(`primary running (port ${primary.port})`);
    await createStandby(rec, primary, standby);
    checkpoint();
    say(`standby streaming (port ${standby.port})`);

    const watchLog = fs.openSync(path.join(dir, 'watch.log'), 'a', 0o644);
    const watcher = spawn(process.execPath, [selfBin, 'watch', '--state-dir', rec.stateDir], {
      detached: true,
      cwd: '/',
      stdio: ['ignore', watchLog, watchLog],
      env: { ...inherited(edge.env), SAFEOPS_CONFIG: config, SAFEOPS_AUDIT_LOG: audit },
    });
    fs.closeSync(watchLog);
    rec.watcher = ownProcess(watcher.pid);
    saveRecord(rec);
    const published = await waitForWatcher(rec, watcher, 30_000, () => aborted !== null);
    checkpoint();
    say(published ? 'watcher publishing to the prompt' : `the watcher has not published both roles after 30 s (see ${path.join(dir, 'watch.log')}); carrying on`);

    const binDir = path.join(dir, 'bin');
    fs.mkdirSync(binDir, { mode: 0o755 });
    fs.symlinkSync(selfBin, path.join(binDir, 'safeops'));
    const vars = demoEnv(rec, config, audit);
    const env: NodeJS.ProcessEnv = { ...inherited(edge.env), ...Object.fromEntries(vars), PATH: [binDir, pgBin, edge.env.PATH || '/usr/bin:/bin'].join(':') };

    if (!withShell) {
      for (const [k, v] of vars) process.stdout.write(`${k}=${v}\n`);
      process.stdout.write(`PATH=${env.PATH}\nREADY\n`);
      phase = 'ready';
      checkpoint();
      return await new Promise<never>(() => undefined); // until a signal
    }

    const pgVersion = fs.readFileSync(path.join(primary.dataDir, 'PG_VERSION'), 'utf8').trim();
    const loaded = loadConfig({ ...env, SAFEOPS_CONFIG: config });
    const script = initScript(shellName, { config: loaded.config, env, stdoutIsTTY: false, binPath: selfBin });
    const sh = prepareShell(shellName, pre.shellPath!, path.join(dir, 'shell'), script, edge.env);
    // The servers' owner runs pg_ctl from this shell (runuser): a start directory it cannot enter
    // (root's home) would make every such command print "could not change directory".
    const shellCwd = owner && !enterableBy(edge.cwd, owner) ? dir : edge.cwd;
    process.stdout.write(`\n${banner(rec, pgVersion)}\n`);
    if (shellCwd !== edge.cwd) process.stdout.write(`(This shell starts in ${dir}: ${serverUser} cannot enter your current directory.)\n\n`);
    const child = spawn(sh.argv[0]!, sh.argv.slice(1), { stdio: 'inherit', env: { ...env, ...sh.env }, cwd: shellCwd });
    shellChild = child;
    phase = 'shell';
    rec.shell = ownProcess(child.pid);
    saveRecord(rec);
    if (aborted) child.kill('SIGHUP');
    const code = await new Promise<number>((resolve) => {
      child.once('error', (e) => {
        say(`could not start ${shellName}: ${e.message}`);
        resolve(1);
      });
      child.once('exit', (c, s) => resolve(c ?? 128 + (s ? (os.constants.signals[s] ?? 0) : 0)));
    });
    // The shell's background colour goes back to the terminal's own (it may not have done it, killed).
    if (!quiet && process.stdout.isTTY && !edge.env.NO_COLOR) process.stdout.write('\x1b]111\x07');
    return await finish(aborted ? signalCode(aborted) : code);
  } catch (e) {
    if (e instanceof Aborted || aborted) return finish(signalCode(aborted ?? 'SIGTERM'));
    say(e instanceof DemoError ? e.message : `failed: ${(e as Error).message}`);
    return finish(1);
  }
}

/** A signal arrived during setup: stop after the running step. */
class Aborted extends Error {}

/**
 * The operator's environment without PG* (it would point psql elsewhere) and SAFEOPS_* (a
 * SAFEOPS_DISABLE or SAFEOPS_CONFIRM from outside would switch the guard off in the demo).
 */
function inherited(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('PG') && !k.startsWith('SAFEOPS_')));
}

