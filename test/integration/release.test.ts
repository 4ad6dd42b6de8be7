// The release (npm run release, docs/release.md), for real: the single executable with no Node on
// the host (Node hidden in a private mount namespace; and in a bare chroot holding only the
// executable and its libraries), refusing rm -rf of a live primary; `watch --daemon`; the .deb
// installed, upgraded under a running watcher and an integrated bash (which keeps guarding),
// and purged without a trace; the tarball's install.sh with no Node and no npm, A then B.
// Two releases are built here (A, older, and B = package.json's version), each into its own
// temp dir (dist/ is left alone); SAFEOPS_TEST_RELEASE_DIR=DIR uses a B that .ci/run built.
// This file installs a package on the host (/usr/bin/safeops): it runs in the host-wide project.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, cliEnv, type CliEnv } from '../support/cli.js';
import { cleanupAll, initPrimary, makeTempRoot, waitFor, type PgNode } from '../support/pg.js';
import { TmuxServer, cleanEnv, interactiveShell } from '../support/tmux.js';
import { GUARDED_TOOLS } from '../../src/contract.js';
import { ETCDCTL, startEtcd } from '../support/etcd.js';
import { fingerprint } from '../../src/util/fingerprint.js';

const PKG_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const VERSION_A = `${PKG_VERSION}~upgradetest`; // sorts before PKG_VERSION for dpkg
const VERSION_B = PKG_VERSION;

interface Release {
  dir: string;
  version: string;
  exe: string;
  deb: string;
  tarball: string;
}

const tmpDirs: string[] = [];
function tmp(prefix: string): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  fs.chmodSync(d, 0o755);
  tmpDirs.push(d);
  return d;
}

function releaseIn(dir: string, version: string): Release {
  return { dir, version, exe: path.join(dir, `safeops-${version}-linux-x64`), deb: path.join(dir, `safeops_${version}-1_amd64.deb`), tarball: path.join(dir, `safeops-${version}-linux-x64.tar.gz`) };
}

async function buildRelease(version: string): Promise<Release> {
  const dir = tmp('safeops-release-');
  const r = await execa(process.execPath, [path.join(ROOT, 'scripts/release.mjs')], {
    cwd: ROOT,
    env: { ...process.env, SAFEOPS_RELEASE_DIR: dir, SAFEOPS_RELEASE_VERSION: version, SAFEOPS_RELEASE_DEB_COMPRESS: 'gzip' },
    reject: false,
    timeout: 900_000,
  });
  if (r.exitCode !== 0) throw new Error(`npm run release (${version}) failed:\n${r.stdout}\n${r.stderr}`);
  return releaseIn(dir, version);
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}
async function run(file: string, args: string[], env: Record<string, string>, opts: { cwd?: string; timeout?: number } = {}): Promise<Run> {
  const r = await execa(file, args, { env, extendEnv: false, reject: false, stdin: 'ignore', timeout: opts.timeout ?? 120_000, cwd: opts.cwd ?? '/' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** dpkg, waiting while another dpkg/apt holds its lock (other work on the host). */
async function dpkg(args: string[], env: Record<string, string>): Promise<Run> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const r = await run('dpkg', args, env, { timeout: 300_000 });
    if (r.exitCode === 0 || !/lock/i.test(r.stderr) || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Run argv in a private mount namespace where node and npm are gone (an empty device over them). */
function withoutNode(argv: string[]): [string, string[]] {
  const hide = ['/usr/bin/node', '/usr/bin/nodejs', '/usr/local/bin/node', '/usr/bin/npm', '/usr/local/bin/npm', '/usr/bin/npx']
    .filter((p) => fs.existsSync(p))
    .map((p) => `mount --bind /dev/null ${p}`)
    .join(' && ');
  const script = `${hide || 'true'} && if node -e 0 2>/dev/null || npm --version >/dev/null 2>&1; then echo 'node is still there' >&2; exit 99; fi && exec "$@"`;
  return ['unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...argv]];
}

let A: Release;
let B: Release;
let pgRoot: string;
let primary: PgNode;
let env: CliEnv;

beforeAll(async () => {
  pgRoot = makeTempRoot('safeops-release-pg-');
  primary = await initPrimary({ root: pgRoot, name: 'main' }); // started
  env = cliEnv({ roots: [pgRoot] });
  const given = process.env.SAFEOPS_TEST_RELEASE_DIR;
  B = given && fs.existsSync(releaseIn(given, VERSION_B).deb) ? releaseIn(given, VERSION_B) : await buildRelease(VERSION_B);
  A = await buildRelease(VERSION_A);
}, 1_800_000);

afterAll(async () => {
  // The package, whatever happened (a failed test must not leave it on the host).
  await dpkg(['--purge', 'safeops'], { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive' });
  for (const d of daemonsStateDirs) await run(path.join(B.dir, path.basename(B.exe)), ['watch', '--stop', '--state-dir', d], { PATH: '/usr/bin:/bin' }).catch(() => undefined);
  tmux?.kill();
  await cleanupAll();
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
}, 180_000);

const daemonsStateDirs: string[] = [];
let tmux: TmuxServer | undefined;

describe('the single executable', () => {
  test('runs with no Node on the host: --version, status (SQL facts), init bash, and refuses rm -rf of a live primary', async () => {
    const size = fs.statSync(B.exe).size;
    expect(size).toBeGreaterThan(20e6); // Node itself is inside
    const e = { ...env.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: env.dir };
    const [file, pre] = withoutNode([B.exe]);
    const version = await run(file, [...pre, '--version'], e);
    expect(version, version.stderr).toEqual({ exitCode: 0, stdout: VERSION_B, stderr: '' });

    const status = await run(file, [...pre, 'status', '--json'], e);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = JSON.parse(status.stdout) as { clusters: Array<{ dataDir: string; role: string; roleSource: string; running: unknown }> };
    const c = doc.clusters.find((x) => x.dataDir === primary.dataDir);
    expect(c).toMatchObject({ running: true, role: 'primary', roleSource: 'sql' });

    const init = await run(file, [...pre, 'init', 'bash'], e);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain(`'${B.exe}' "$@"`);

    // A big document to a slow reader arrives whole (it once arrived empty: exit before the pipe took it).
    const many = tmp('safeops-many-');
    for (let i = 0; i < 150; i++) {
      fs.mkdirSync(path.join(many, `c${i}`, 'global'), { recursive: true });
      fs.writeFileSync(path.join(many, `c${i}`, 'PG_VERSION'), '15\n');
    }
    const manyConfig = path.join(many, 'config.json');
    fs.writeFileSync(manyConfig, JSON.stringify({ discovery: { roots: [many] } }));
    const [f2, p2] = withoutNode(['sh', '-c', '"$@" | { sleep 1; cat; }', 'sh', B.exe, 'status', '--json']);
    const big = await run(f2, p2, { ...e, SAFEOPS_CONFIG: manyConfig });
    expect(big.stdout.length).toBeGreaterThan(65536);
    expect((JSON.parse(big.stdout) as { clusters: unknown[] }).clusters.length).toBeGreaterThanOrEqual(150);

    const rm = await run(file, [...pre, 'rm', '-rf', primary.dataDir], e);
    expect(rm.exitCode, rm.stdout + rm.stderr).toBe(77);
    expect(rm.stdout + rm.stderr).toContain('REFUSED');
    expect(fs.existsSync(path.join(primary.dataDir, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(primary.dataDir, 'global', 'pg_control'))).toBe(true);

    // A harmless rm runs (the real rm, found on PATH).
    const victim = path.join(env.dir, 'victim');
    fs.writeFileSync(victim, '');
    expect((await run(file, [...pre, 'rm', victim], e)).exitCode).toBe(0);
    expect(fs.existsSync(victim)).toBe(false);

    // With a fresh footprint (as the watcher writes it), boot.cjs runs it without the core, from
    // its embedded code cache (SAFEOPS_SEA_DEBUG names any rejected one). Run in this mount
    // namespace: the footprint carries the mount table's fingerprint, and hiding Node is a mount.
    const state = tmp('safeops-fpstate-');
    fs.chmodSync(state, 0o755);
    const above: string[] = [];
    for (let d = path.dirname(primary.dataDir); ; d = path.dirname(d)) {
      above.push(`above ${d}`);
      if (d === '/') break;
    }
    fs.writeFileSync(path.join(state, 'footprint'), ['safeops-footprint 1', `heartbeat ${Math.floor(Date.now() / 1000)}`, 'generation t-1', 'recursive on', `mounts ${fingerprint(fs.readFileSync('/proc/self/mountinfo', 'utf8'))}`, `config ${env.config}`, 'config /etc/safeops/config.json', `path ${primary.dataDir}`, ...above, 'end', ''].join('\n'), { mode: 0o644 });
    fs.writeFileSync(victim, '');
    const trace = path.join(state, 'trace');
    const fast = await run(B.exe, ['rm', victim], { ...e, SAFEOPS_STATE_DIR: state, SAFEOPS_TRACE: trace, SAFEOPS_SEA_DEBUG: '1' });
    expect(fast, fast.stderr).toMatchObject({ exitCode: 0, stderr: '' });
    expect(fs.existsSync(victim)).toBe(false);
    expect(fs.readFileSync(trace, 'utf8')).toMatch(/ boot\n.* fast path\n$/);
    const refused = await run(B.exe, ['rm', '-rf', primary.dataDir], { ...e, SAFEOPS_STATE_DIR: state });
    expect(refused.exitCode).toBe(77);
    expect(fs.existsSync(path.join(primary.dataDir, 'PG_VERSION'))).toBe(true);
  });

  test('runs in a bare root file system: only the executable, the libraries ldd names, and /proc', async () => {
    const root = tmp('safeops-chroot-');
    fs.mkdirSync(path.join(root, 'proc'));
    fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
    fs.copyFileSync(B.exe, path.join(root, 'safeops'));
    fs.chmodSync(path.join(root, 'safeops'), 0o755);
    const ldd = await run('ldd', [B.exe], { PATH: '/usr/bin:/bin' });
    const libs = [...ldd.stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]!);
    expect(libs.length).toBeGreaterThan(2);
    for (const lib of libs) {
      const to = path.join(root, lib);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(fs.realpathSync(lib), to);
    }
    fs.writeFileSync(path.join(root, 'config.json'), '{"discovery": {"roots": []}}\n');
    const script = 'mount -t proc proc "$1/proc" && exec chroot "$1" /safeops "$2" "$3"';
    const e = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', SAFEOPS_CONFIG: '/config.json', SAFEOPS_AUDIT_LOG: '/tmp/audit.jsonl', SAFEOPS_STATE_DIR: '/tmp/state', HOME: '/tmp' };
    const inChroot = (a: string, b: string) => run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', root, a, b], e);
    const v = await inChroot('--version', '');
    // (an empty third argument is not passed on by --version's fast path)
    expect(v.stdout.trim(), v.stderr).toBe(VERSION_B);
    const init = await inChroot('init', 'bash');
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain('__safeops_guard');
    const status = await inChroot('status', '--json');
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ schema: 'safeops.status/1' });
    // Nothing else was there: no /usr (no node, no shell), no /etc.
    expect(fs.existsSync(path.join(root, 'usr')) || fs.existsSync(path.join(root, 'etc')) || fs.existsSync(path.join(root, 'bin'))).toBe(false);
  });

  test('watch --daemon: detached, one per state dir, pid and log files, --status and --stop', async () => {
    const stateDir = path.join(tmp('safeops-daemon-'), 'state');
    const log = path.join(path.dirname(stateDir), 'watch.log');
    daemonsStateDirs.push(stateDir);
    const e = { ...env.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: env.dir };
    const start = await run(B.exe, ['watch', '--daemon', '--state-dir', stateDir, '--log', log], e);
    expect(start.exitCode, start.stderr).toBe(0);
    const pid = Number(/started \(pid (\d+)\)/.exec(start.stdout)?.[1]);
    expect(pid).toBeGreaterThan(1);
    expect(fs.readFileSync(path.join(stateDir, 'watch.pid'), 'utf8')).toContain(`pid ${pid}\n`);
    expect(fs.readFileSync(path.join(stateDir, 'prompt'), 'latin1')).toMatch(/^role primary$/m);
    // Its own session, no terminal, its executable is the release itself.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').slice(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    expect(Number(stat[3])).toBe(pid); // session id
    expect(Number(stat[4])).toBe(0); // tty_nr
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe(B.exe);
    const again = await run(B.exe, ['watch', '--daemon', '--state-dir', stateDir, '--log', log], e);
    expect(again).toMatchObject({ exitCode: 0, stdout: `a watcher already publishes to ${stateDir} (pid ${pid})` });
    const fg = await run(B.exe, ['watch', '--state-dir', stateDir], e);
    expect(fg.exitCode).toBe(75);
    expect(fg.stderr).toContain(`another watcher (pid ${pid}, started with --daemon)`);
    expect((await run(B.exe, ['watch', '--status', '--state-dir', stateDir], e)).exitCode).toBe(0);
    expect(fs.readFileSync(log, 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z safeops watch: pid \d+/m);
    const stop = await run(B.exe, ['watch', '--stop', '--state-dir', stateDir], e);
    expect(stop).toMatchObject({ exitCode: 0, stdout: `stopped the watcher (pid ${pid}) of ${stateDir}` });
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(fs.existsSync(path.join(stateDir, 'prompt'))).toBe(false);
    expect(fs.existsSync(path.join(stateDir, 'watch.pid'))).toBe(false);
    expect((await run(B.exe, ['watch', '--status', '--state-dir', stateDir], e)).exitCode).toBe(3);
  });
});

describe('the single executable and the fleet', () => {
  test('its watcher, with no Node and no node_modules on the host, publishes its cluster into a real etcd', async () => {
    const etcd = await startEtcd('release-test');
    const dir = tmp('safeops-sea-fleet-');
    const stateDir = path.join(dir, 'state');
    const log = path.join(dir, 'watch.log');
    const prefix = `/safeops-release-${path.basename(dir)}/`;
    const config = path.join(dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [pgRoot] }, fleet: { host: 'sea-host', clusters: [primary.dataDir], leaseTtlSeconds: 8, etcd: { endpoints: [etcd.endpoint], prefix } } }));
    fs.chmodSync(config, 0o644);
    daemonsStateDirs.push(stateDir);
    // A copy outside the checkout: no node_modules beside it or above it.
    const exe = path.join(dir, 'safeops');
    fs.copyFileSync(B.exe, exe);
    fs.chmodSync(exe, 0o755);
    const e = { ...env.env, SAFEOPS_CONFIG: config, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir };
    const get = () => execFileSync(ETCDCTL, ['--endpoints', etcd.endpoint, 'get', '--prefix', prefix, '--print-value-only'], { env: { ETCDCTL_API: '3', PATH: '/usr/bin:/bin' } }).toString();
    try {
      // The daemon stays in the namespace where node and npm are hidden.
      const [file, pre] = withoutNode([exe, 'watch', '--daemon', '--state-dir', stateDir, '--log', log]);
      const start = await run(file, pre, e);
      expect(start.exitCode, start.stderr).toBe(0);
      const pid = Number(/started \(pid (\d+)\)/.exec(start.stdout)?.[1]);
      expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe(exe);
      let value = '';
      await waitFor(() => (value = get()).includes('"sea-host"'), 60_000, `the executable's watcher to put its cluster into etcd (log: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : 'none'})`);
      const report = JSON.parse(value.trim().split('\n')[0]!) as { host: string; role: string; dataDir: string };
      expect(report).toMatchObject({ host: 'sea-host', role: 'primary', dataDir: primary.dataDir });
      // Its state.json shows the fleet connected once the agent's first view is published (a
      // moment after its own put: read until it does, not once).
      const connected = () => {
        try {
          return (JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { fleet?: { connected?: boolean } }).fleet?.connected === true;
        } catch {
          return false;
        }
      };
      await waitFor(connected, 30_000, 'state.json to show the fleet connected');
      expect(fs.readFileSync(log, 'utf8')).not.toMatch(/cannot start the etcd client/);
    } finally {
      await run(exe, ['watch', '--stop', '--state-dir', stateDir], e);
      await etcd.stop();
    }
  }, 180_000);
});

describe('the .deb', () => {
  const dpkgEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LANG: 'C' };
  let listed: string[] = [];
  let stateDir: string;
  let pane: string;
  let shellAudit: string;

  test('installs: the executable, units that systemd-analyze accepts, completions, man page, conffile, the unit enabled', async () => {
    if (fs.existsSync('/usr/bin/safeops')) {
      const owner = await run('dpkg', ['-S', '/usr/bin/safeops'], dpkgEnv);
      throw new Error(`/usr/bin/safeops exists on this host (${owner.stdout.trim() || 'not from a package'}): not overwriting it`);
    }
    const r = await dpkg(['-i', A.deb], dpkgEnv);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("systemd is not running here: start the watcher with 'safeops watch --daemon'");
    listed = (await run('dpkg', ['-L', 'safeops'], dpkgEnv)).stdout.split('\n').filter(Boolean);
    for (const f of [
      '/usr/bin/safeops',
      '/lib/systemd/system/safeops.service',
      '/usr/lib/systemd/user/safeops.service',
      '/usr/share/bash-completion/completions/safeops',
      '/usr/share/zsh/vendor-completions/_safeops',
      '/usr/share/fish/vendor_completions.d/safeops.fish',
      '/usr/share/man/man1/safeops.1.gz',
      '/etc/safeops/config.json',
      '/usr/share/doc/safeops/copyright',
      '/usr/share/doc/safeops/changelog.Debian.gz',
    ]) {
      expect(listed).toContain(f);
      expect(fs.existsSync(f)).toBe(true);
    }
    // The packaged completions are the rendered ones (src/contract.ts), not the templates.
    for (const f of ['/usr/share/bash-completion/completions/safeops', '/usr/share/zsh/vendor-completions/_safeops', '/usr/share/fish/vendor_completions.d/safeops.fish']) {
      const text = fs.readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/__SAFEOPS_[A-Z_]+__/);
      for (const t of GUARDED_TOOLS) expect(text, `${f}: ${t}`).toContain(t);
    }
    expect((await run('/usr/bin/safeops', ['--version'], dpkgEnv)).stdout).toBe(VERSION_A);
    expect(fs.readFileSync('/lib/systemd/system/safeops.service', 'utf8')).toContain('ExecStart=/usr/bin/safeops watch\n');
    // Enabled the Debian way even without systemd running: the link exists for the next boot.
    expect(fs.readlinkSync('/etc/systemd/system/multi-user.target.wants/safeops.service')).toBe('/lib/systemd/system/safeops.service');
    const man = await run('man', ['--warnings', '-l', '/usr/share/man/man1/safeops.1.gz'], { ...dpkgEnv, MANWIDTH: '80' });
    expect(man.exitCode).toBe(0);
    expect(man.stderr).toBe('');
    expect(man.stdout).toContain('--daemon');
    if (fs.existsSync('/usr/bin/systemd-analyze')) {
      for (const unit of ['/lib/systemd/system/safeops.service']) {
        const v = await run('systemd-analyze', ['verify', unit], dpkgEnv);
        expect(v, unit).toMatchObject({ exitCode: 0, stderr: '' });
      }
      const u = await run('systemd-analyze', ['verify', '--user', '/usr/lib/systemd/user/safeops.service'], dpkgEnv);
      // --user needs a user manager's environment; only the unit's own lines may not complain.
      expect(u.stderr).not.toMatch(/safeops\.service:\d+:/);
    }
  });

  test('an upgrade keeps the config, the audit log, the running watcher and an integrated bash that keeps guarding', async () => {
    expect(listed.length).toBeGreaterThan(0);
    // The administrator's change to the conffile, and a line in root's audit log.
    fs.writeFileSync('/etc/safeops/config.json', '{"watch": {"staleAfterSeconds": 10}}\n');
    // A refusal (a path the config protects): harmless commands are not audited (docs/fast-path.md).
    const victim = path.join(tmp('safeops-upgrade-'), 'victim');
    fs.writeFileSync(victim, '');
    const protectConfig = path.join(path.dirname(victim), 'config.json');
    fs.writeFileSync(protectConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(env.config, 'utf8')), protect: [{ path: victim, action: 'refuse', reason: 'upgrade test' }] }));
    const rootEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', SAFEOPS_CONFIG: protectConfig };
    expect((await run('/usr/bin/safeops', ['rm', victim], rootEnv)).exitCode).toBe(77);
    expect(fs.existsSync(victim)).toBe(true);
    const auditBefore = fs.readFileSync('/var/log/safeops/audit.jsonl', 'utf8');
    expect(auditBefore).toContain(victim);

    // A watcher of version A, and bash integrated with version A.
    stateDir = path.join(tmp('safeops-upgrade-state-'), 'state');
    daemonsStateDirs.push(stateDir);
    const e = { ...env.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: env.dir };
    const start = await run('/usr/bin/safeops', ['watch', '--daemon', '--state-dir', stateDir, '--log', path.join(path.dirname(stateDir), 'watch.log')], e);
    expect(start.exitCode, start.stderr).toBe(0);
    const watcherPid = Number(/pid (\d+)/.exec(start.stdout)?.[1]);
    const home = tmp('safeops-upgrade-home-');
    const init = path.join(home, 'init.bash');
    const initRun = await run('/usr/bin/safeops', ['init', 'bash'], e);
    fs.writeFileSync(init, initRun.stdout);
    shellAudit = path.join(home, 'audit.jsonl');
    tmux = new TmuxServer('release', cleanEnv(home));
    const sh = interactiveShell('bash', home, init);
    pane = tmux.start('sh', sh.argv, { env: { ...sh.env, SAFEOPS_STATE_DIR: stateDir, SAFEOPS_CONFIG: env.config, SAFEOPS_AUDIT_LOG: shellAudit, NO_COLOR: '1' } });
    await waitFor(() => tmux!.capture(pane).includes('PRIMARY'), 30_000, 'the integrated bash showing PRIMARY');

    const r = await dpkg(['-i', B.deb], dpkgEnv);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect((await run('/usr/bin/safeops', ['--version'], dpkgEnv)).stdout).toBe(VERSION_B);
    expect(fs.readFileSync('/etc/safeops/config.json', 'utf8')).toBe('{"watch": {"staleAfterSeconds": 10}}\n');
    expect(fs.readFileSync('/var/log/safeops/audit.jsonl', 'utf8').startsWith(auditBefore)).toBe(true);

    // The old watcher still publishes (it carries its own code: nothing it loads was replaced).
    const hb = () => Number(/^heartbeat (\d+)$/m.exec(fs.readFileSync(path.join(stateDir, 'prompt'), 'latin1'))?.[1]);
    const before = hb();
    await waitFor(() => hb() > before, 15_000, 'a new heartbeat from the old watcher');
    expect(fs.readlinkSync(`/proc/${watcherPid}/exe`)).toBe('/usr/bin/safeops (deleted)');
    // The shell started with version A now runs B's guard: rm -rf of the live primary is refused.
    tmux.type(pane, `rm -rf ${primary.dataDir}; echo "rc=$?"`);
    await waitFor(() => tmux!.capture(pane).includes('rc=77'), 30_000, 'rm -rf refused in the integrated bash');
    expect(tmux.capture(pane)).toContain('REFUSED');
    expect(fs.existsSync(path.join(primary.dataDir, 'PG_VERSION'))).toBe(true);
    expect(tmux.capture(pane)).toContain('PRIMARY');

    // Replacing the watcher by the new version.
    const stop = await run('/usr/bin/safeops', ['watch', '--stop', '--state-dir', stateDir], e);
    expect(stop.exitCode, stop.stderr).toBe(0);
    const again = await run('/usr/bin/safeops', ['watch', '--daemon', '--state-dir', stateDir, '--log', path.join(path.dirname(stateDir), 'watch.log')], e);
    expect(again.exitCode, again.stderr).toBe(0);
    const newPid = Number(/pid (\d+)/.exec(again.stdout)?.[1]);
    expect(fs.readlinkSync(`/proc/${newPid}/exe`)).toBe('/usr/bin/safeops');
  });

  test('purge leaves nothing: files, unit links, deb-systemd-helper state, logs, /etc/safeops', async () => {
    expect(listed.length).toBeGreaterThan(0);
    await run('/usr/bin/safeops', ['watch', '--stop', '--state-dir', stateDir], { PATH: '/usr/bin:/bin' });
    tmux?.kill();
    tmux = undefined;
    const r = await dpkg(['--purge', 'safeops'], dpkgEnv);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const shared = new Set(['/.', '/etc', '/lib', '/lib/systemd', '/lib/systemd/system', '/usr', '/usr/bin', '/usr/lib', '/usr/lib/systemd', '/usr/lib/systemd/user', '/usr/share', '/usr/share/man', '/usr/share/man/man1', '/usr/share/doc', '/usr/share/bash-completion', '/usr/share/bash-completion/completions', '/usr/share/zsh', '/usr/share/zsh/vendor-completions', '/usr/share/fish', '/usr/share/fish/vendor_completions.d', '/usr/share/lintian', '/usr/share/lintian/overrides']);
    const left = listed.filter((p) => !shared.has(p) && fs.existsSync(p));
    expect(left).toEqual([]);
    for (const p of ['/etc/safeops', '/var/log/safeops', '/etc/systemd/system/multi-user.target.wants/safeops.service', '/etc/systemd/system/safeops.service', '/var/lib/systemd/deb-systemd-helper-enabled/safeops.service.dsh-also', '/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/safeops.service', '/var/lib/systemd/deb-systemd-helper-masked/safeops.service']) {
      expect(fs.existsSync(p) || isLink(p), p).toBe(false);
    }
    expect((await run('dpkg', ['-s', 'safeops'], dpkgEnv)).exitCode).not.toBe(0);
  });
});

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

describe('the tarball', () => {
  test('install.sh installs it with no Node, no npm, no network; B over A; --uninstall leaves the prefix empty', async () => {
    const prefix = tmp('safeops-tar-prefix-');
    const home = tmp('safeops-tar-home-');
    const e = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, LANG: 'C.UTF-8', SAFEOPS_CONFIG: env.config, SAFEOPS_AUDIT_LOG: env.audit, SAFEOPS_STATE_DIR: env.stateDir };
    let installer = '';
    for (const rel of [A, B]) {
      const x = tmp('safeops-tar-');
      expect((await run('tar', ['-xzf', rel.tarball, '-C', x], e)).exitCode).toBe(0);
      const dir = path.join(x, `safeops-${rel.version}-linux-x64`);
      installer = path.join(dir, 'install.sh');
      expect(fs.readdirSync(dir).sort()).toEqual(['README.md', 'RELEASE', 'completions', 'config.json', 'copyright', 'install.sh', 'man', 'safeops', 'systemd']);
      const [file, pre] = withoutNode([path.join(dir, 'install.sh'), '--prefix', prefix]);
      const r = await run(file, pre, e);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`safeops ${rel.version} installed in ${prefix}: ${prefix}/bin/safeops (one executable, no Node.js needed)`);
      const [f2, p2] = withoutNode([path.join(prefix, 'bin/safeops'), '--version']);
      expect((await run(f2, p2, e)).stdout).toBe(rel.version);
    }
    expect(fs.lstatSync(path.join(prefix, 'bin/safeops')).isFile()).toBe(true);
    expect(fs.existsSync(path.join(prefix, 'share/man/man1/safeops.1'))).toBe(true);
    expect(fs.existsSync(path.join(prefix, 'share/bash-completion/completions/safeops'))).toBe(true);
    expect(fs.readFileSync(path.join(prefix, 'share/systemd/user/safeops.service'), 'utf8')).toContain(`ExecStart=${prefix}/bin/safeops watch --user\n`);
    const [f3, p3] = withoutNode([path.join(prefix, 'bin/safeops'), 'init', 'bash']);
    expect((await run(f3, p3, e)).stdout).toContain(`'${prefix}/bin/safeops' "$@"`);
    // Units enabled while systemd ran (links as `systemctl enable` makes them), uninstalled where
    // it does not run now: the links go too. The system unit through --systemd-dir.
    const sysdir = tmp('safeops-tar-systemd-');
    const [f4, p4] = withoutNode([installer, '--prefix', prefix, '--systemd-dir', sysdir]);
    expect((await run(f4, p4, e)).exitCode).toBe(0);
    const sysLink = '/etc/systemd/system/multi-user.target.wants/safeops.service';
    const userLink = path.join(home, '.config/systemd/user/default.target.wants/safeops.service');
    expect(fs.existsSync(sysLink) || isLink(sysLink)).toBe(false);
    fs.mkdirSync(path.dirname(sysLink), { recursive: true });
    fs.symlinkSync(path.join(sysdir, 'safeops.service'), sysLink);
    fs.mkdirSync(path.dirname(userLink), { recursive: true });
    fs.symlinkSync(path.join(prefix, 'share/systemd/user/safeops.service'), userLink);
    let un: Run;
    try {
      un = await run(installer, ['--uninstall', '--prefix', prefix], e);
    } finally {
      if (isLink(sysLink) && fs.readlinkSync(sysLink) === path.join(sysdir, 'safeops.service')) fs.rmSync(sysLink);
    }
    expect(un.exitCode, un.stdout + un.stderr).toBe(0);
    expect(un.stdout).toContain(`removed the unit link ${sysLink}`);
    expect(isLink(userLink)).toBe(false);
    expect(fs.readdirSync(prefix)).toEqual([]);
    expect(fs.readdirSync(sysdir)).toEqual([]);
  });
});
