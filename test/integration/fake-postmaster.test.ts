// A local user's fake postmasters (issues 15.3, 9.5): processes that call themselves postgres
// (`exec -a postgres sleep`, a copied binary under /tmp, one claiming root's stopped cluster with
// -D) fool neither root's status, prompt and guard, nor turn a stopped cluster into a running one;
// and a fake that passes as a server (a trusted binary, its own data dir, pid file and socket) and
// asks for a cleartext password gets none: not root's .pgpass, not PGPASSWORD, from status or the
// watcher.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, cliEnv, safeops, type CliEnv } from '../support/cli.js';
import { cleanupAll, freePort, initPrimary, makeTempRoot, mkdirOwned, processAlive, stopNode, waitFor, type PgNode } from '../support/pg.js';
import { makeUser, type HostUser } from '../support/host-user.js';

let user: HostUser;
let root: string;
let stopped: PgNode;
let env: CliEnv;
let userDir: string;
const fakes: number[] = [];
const SECRET_FILE = 'pgpass-secret-7f3a';
const SECRET_ENV = 'env-secret-91c2';
// Other processes on the host (other tests' watchers) may connect to the fake too: ours are told by this database name.
const DB = `f2probe${process.pid}`;

/** Start `script` (bash) as the user in the background; returns the pid it execs into. */
async function startAsUser(script: string, cwd: string): Promise<number> {
  const pidFile = path.join(os.tmpdir(), `safeops-fakepid-${process.pid}-${fakes.length}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(pidFile, '');
  fs.chmodSync(pidFile, 0o666);
  const child = spawn('runuser', ['-u', user.name, '--', 'bash', '-c', `cd ${cwd} && echo $$ > ${pidFile} && ${script}`], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = await waitFor(() => Number(fs.readFileSync(pidFile, 'utf8').trim()) || undefined, 10_000, 'the fake to start');
  await waitFor(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('postgres\0') || undefined, 10_000, 'the fake to exec');
  fs.rmSync(pidFile);
  fakes.push(pid);
  return pid;
}

beforeAll(async () => {
  user = makeUser();
  root = makeTempRoot('safeops-fake-');
  mkdirOwned(path.join(root, 'pg'));
  stopped = await initPrimary({ root: path.join(root, 'pg'), name: 'stopped' });
  await stopNode(stopped);
  // The user's own directory that looks like a data dir.
  userDir = path.join(root, 'mine');
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, 'PG_VERSION'), '15\n');
  fs.mkdirSync(path.join(userDir, 'global'));
  spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, userDir]);
  env = cliEnv({ roots: [root] });
}, 180_000);

afterAll(async () => {
  user?.remove();
  await cleanupAll();
  if (env) fs.rmSync(env.dir, { recursive: true, force: true });
});

describe('fake postmasters of an unprivileged user', () => {
  let sleepFake: number;
  let copyFake: number;
  let claimFake: number;
  beforeAll(async () => {
    sleepFake = await startAsUser('exec -a postgres sleep 1000', userDir);
    const copy = path.join(user.home, 'bin');
    fs.mkdirSync(copy);
    fs.copyFileSync('/usr/bin/sleep', path.join(copy, 'postgres'));
    fs.chmodSync(path.join(copy, 'postgres'), 0o755);
    spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, copy]);
    copyFake = await startAsUser(`exec -a postgres ${copy}/postgres 1000`, userDir);
    claimFake = await startAsUser(`exec -a postgres bash -c 'sleep 1000; :' -D ${stopped.dataDir}`, '/tmp');
  }, 60_000);

  it('status: the stopped cluster stays stopped; the fakes are reported apart, not as unidentified postmasters', async () => {
    const r = await safeops(['status', '--json'], env.env);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { clusters: Array<{ dataDir: string; running: unknown; state: string }>; unidentifiedPostmasters: Array<{ pid: number }>; suspectPostmasters: Array<{ pid: number; why: string }> };
    const c = doc.clusters.find((x) => x.dataDir === stopped.dataDir)!;
    expect(c.running).toBe(false);
    expect(c.state).toBe('stopped');
    const suspects = new Map(doc.suspectPostmasters.map((s) => [s.pid, s.why]));
    expect(suspects.get(sleepFake)).toMatch(/runs \/usr\/bin\/sleep, not a PostgreSQL server binary/);
    expect(suspects.get(copyFake)).toMatch(/not in a PostgreSQL bin directory/);
    expect(suspects.get(claimFake)).toMatch(/not a PostgreSQL server binary/);
    for (const pid of fakes) expect(doc.unidentifiedPostmasters.map((u) => u.pid)).not.toContain(pid);
    const text = await safeops(['status'], env.env);
    expect(text.stdout).toContain(`suspect postgres process pid ${sleepFake}`);
  });

  it('the guard: rm -rf of the stopped cluster is its strong confirmation (not a refusal of a "running" one); an unrelated rm -r is not held up', async () => {
    const ex = await safeops(['explain', '--json', 'rm', '-rf', stopped.dataDir], env.env);
    const v = JSON.parse(ex.stdout).verdict as { kind: string; strong: boolean };
    expect([v.kind, v.strong]).toEqual(['confirm', true]);
    const junk = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-junk-'));
    fs.writeFileSync(path.join(junk, 'f'), 'x');
    const rm = await safeops(['rm', '-r', junk], env.env);
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(fs.existsSync(junk)).toBe(false);
  });

  it("the watcher's prompt: no fake in the label, the stopped cluster stopped; state.json lists the suspects", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-fake-state-'));
    try {
      const r = spawnSync(process.execPath, [BIN, 'watch', '--once', '--state-dir', dir], { env: { PATH: process.env.PATH, SAFEOPS_CONFIG: env.config, HOME: '/tmp' }, encoding: 'utf8', timeout: 90_000 });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const prompt = fs.readFileSync(path.join(dir, 'prompt'), 'utf8');
      for (const pid of fakes) expect(prompt).not.toContain(`pid ${pid}`);
      const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { clusters: Array<{ dataDir: string; running: unknown }>; suspectPostmasters?: Array<{ pid: number }> };
      expect(state.clusters.find((c) => c.dataDir === stopped.dataDir)!.running).toBe(false);
      expect((state.suspectPostmasters ?? []).map((s) => s.pid)).toEqual(expect.arrayContaining([sleepFake, copyFake, claimFake]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a fake server that asks for a cleartext password', () => {
  let home: string;
  let record: string;
  let fakeEnv: CliEnv;
  let trusted: string;
  let serverPid: number;
  let dataDir: string;
  beforeAll(async () => {
    // It passes every identity check: a trusted binary (a copy of node named postgres in a
    // root-owned directory the config trusts), run as the owner of its own data dir, with its own
    // pid file and socket. Only authentication is left: it asks for a password.
    trusted = fs.mkdtempSync('/tmp/safeops-trusted-bin-');
    fs.chmodSync(trusted, 0o755);
    fs.copyFileSync(process.execPath, path.join(trusted, 'postgres'));
    fs.chmodSync(path.join(trusted, 'postgres'), 0o755);
    dataDir = path.join(user.home, 'fakeclu');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    fs.writeFileSync(path.join(dataDir, 'PG_VERSION'), '15\n');
    record = path.join(user.home, 'record.jsonl');
    fs.writeFileSync(record, '');
    const script = path.join(user.home, 'server.cjs');
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/fake-pg/server.cjs'), script);
    spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, user.home]);
    fs.chmodSync(user.home, 0o755);
    const port = await freePort();
    serverPid = await startAsUser(`exec -a postgres ${trusted}/postgres ${script} ${user.home} ${port} ${record} ${dataDir}`, dataDir);
    await waitFor(() => fs.readFileSync(record, 'utf8').includes('listening') || undefined, 20_000, 'the fake server to listen');
    // Root's secrets: a .pgpass matching everything, and PGPASSWORD.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-roothome-'));
    fs.writeFileSync(path.join(home, '.pgpass'), `*:*:*:*:${SECRET_FILE}\n`, { mode: 0o600 });
    fakeEnv = cliEnv({ roots: [], clusters: [dataDir], extra: { discovery: { roots: [], clusters: [dataDir], binDirs: [trusted] }, sql: { database: DB } } });
  }, 60_000);
  afterAll(() => {
    if (serverPid && processAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    for (const d of [home, trusted]) if (d) fs.rmSync(d, { recursive: true, force: true });
    if (fakeEnv) fs.rmSync(fakeEnv.dir, { recursive: true, force: true });
  });

  type Rec = { conn?: number; type: string; tag?: string; body?: string; params?: string[] };
  /** What the server got on the connections safeops opened (startup names our database). */
  const messages = (): Rec[] => {
    const all = fs
      .readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Rec);
    const ours = new Set(all.filter((m) => m.type === 'startup' && (m.params ?? []).join('\0').includes(`database\0${DB}`)).map((m) => m.conn));
    return all.filter((m) => m.conn !== undefined && ours.has(m.conn));
  };

  it('status (with .pgpass and PGPASSWORD) sends no password; it says why SQL failed', async () => {
    const before = messages().length;
    const r = await safeops(['status', '--json'], { ...fakeEnv.env, HOME: home, PGPASSWORD: SECRET_ENV });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { clusters: Array<{ dataDir: string; running: unknown; problems: string[] }> };
    const c = doc.clusters.find((x) => x.dataDir === dataDir)!;
    expect(c.running).toBe(true); // it passed as a server: the connection was really tried
    expect(c.problems.join('\n')).toMatch(/never sends one/);
    const got = messages().slice(before);
    expect(got.some((m) => m.type === 'startup')).toBe(true);
    expect(got.filter((m) => m.type === 'message' && m.tag !== 'X')).toEqual([]); // X: Terminate
    expect(JSON.stringify(got)).not.toMatch(new RegExp(`${SECRET_FILE}|${SECRET_ENV}`));
  });

  it('the watcher sends none either', () => {
    const before = messages().length;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-pw-state-'));
    try {
      const r = spawnSync(process.execPath, [BIN, 'watch', '--once', '--state-dir', dir], { env: { PATH: process.env.PATH, SAFEOPS_CONFIG: fakeEnv.config, HOME: home, PGPASSWORD: SECRET_ENV }, encoding: 'utf8', timeout: 90_000 });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const got = messages().slice(before);
      expect(got.some((m) => m.type === 'startup')).toBe(true);
      expect(got.filter((m) => m.type === 'message' && m.tag !== 'X')).toEqual([]); // X: Terminate
      expect(JSON.stringify(got)).not.toMatch(new RegExp(`${SECRET_FILE}|${SECRET_ENV}`));
      // Its role is not known over SQL: the prompt says unknown, never standby.
      expect(fs.readFileSync(path.join(dir, 'prompt'), 'utf8')).toMatch(/^role (unknown|primary)$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
