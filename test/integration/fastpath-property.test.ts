// Property: the shells' fast path never allows more than the Node guard. Real interactive bash,
// zsh and fish in tmux load the integration; a real watcher publishes the footprint of a real
// running primary and streaming standby (plus symlinks to and above them, bind mounts of a data
// dir and of a subdirectory, a protected path). Generated `rm` command lines (relative and
// absolute, `..`, `//`, trailing `/` and `/.`, globs the shell expands, names with spaces and
// newlines, known and unknown flags) run in each shell. Whenever a shell took the fast path
// (SAFEOPS_FASTPATH_TRACE), `safeops explain` for the argv the real rm would have received must
// say ALLOW. Nothing is deleted: `rm` on the shells' PATH is a recorder, and the Node guard the
// shells call is a recorder too (so every case costs no Node start; explain runs only for the
// fast ones). The state stale, missing, hostile or foreign-owned: the fast path is never taken.
// Races: a bind mount made right before the commands is caught by identity (-ef); how long the
// watcher takes to publish it is measured (docs/fast-path.md).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { DEFAULT_STATE_DIRS, renderInit, type ShellName } from '../../src/shell/render.js';
import { BIN, safeops } from '../support/cli.js';
import { cleanupAll, createStandby, initPrimary, makeTempRoot, stopNode, type PgNode } from '../support/pg.js';
import { TmuxServer, cleanEnv, interactiveShell, waitFor } from '../support/tmux.js';
import { fingerprint } from '../../src/util/fingerprint.js';

const SHELLS: ShellName[] = ['bash', 'zsh', 'fish'];
const SEED = Number(process.env.SAFEOPS_FP_SEED ?? 20261201);
const CASES = Number(process.env.SAFEOPS_FP_CASES ?? 140);

let R: string; // the world's root
let primary: PgNode;
let standby: PgNode;
let cfgDir: string;
let config: string;
let stateDir: string;
let home: string;
let out: string;
let watcher: ChildProcess | null = null;
let tmux: TmuxServer | null = null;
const mounts: string[] = [];
const panes = new Map<ShellName, string>();
let phase = 0;

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed (SAFEOPS_FP_SEED). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Word = { lit: string } | { glob: string };
interface Case {
  cwd: string;
  words: Word[];
}

function quote(shell: ShellName, s: string): string {
  if (shell === 'fish') return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `$'${[...s].map((ch) => (ch === '\\' ? '\\\\' : ch === "'" ? "\\'" : ch === '\n' ? '\\n' : ch < ' ' ? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}` : ch)).join('')}'`;
}

function footprintFresh(dir: string, maxAge = 1): string | null {
  try {
    const text = fs.readFileSync(path.join(dir, 'footprint'), 'utf8');
    const hb = Number(/^heartbeat (\d+)$/m.exec(text)?.[1]);
    return Date.now() / 1000 - hb <= maxAge ? text : null;
  } catch {
    return null;
  }
}

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: 'ignore' });
}

beforeAll(async () => {
  R = makeTempRoot('safeops-fp-');
  primary = await initPrimary({ root: R, name: 'primary' });
  standby = await createStandby(primary, { root: R });
  // The world around the clusters.
  const junk = path.join(R, 'junk');
  fs.mkdirSync(path.join(junk, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(junk, 'emptydir'));
  for (const f of ['a', 'b c', 'n\nl', 'g1.tmp', 'g2.tmp', 'sub/f', '-dash']) fs.writeFileSync(path.join(junk, f), 'x');
  fs.symlinkSync(primary.dataDir, path.join(junk, 'to-primary'));
  fs.symlinkSync(R, path.join(junk, 'to-root'));
  fs.symlinkSync(path.join(junk, 'a'), path.join(junk, 'to-a'));
  fs.mkdirSync(path.join(R, 'protected'));
  fs.writeFileSync(path.join(R, 'protected', 'x'), 'x');
  fs.mkdirSync(path.join(R, 'scan'));
  // A sticky directory everyone can write (like /tmp): an entry of ours, and a name that anyone
  // could create (as a link to a data dir) before a recursive rm walks it (docs/races.md).
  fs.mkdirSync(path.join(R, 'ww', 'mine'), { recursive: true });
  fs.chmodSync(path.join(R, 'ww'), 0o1777);
  for (const [src, name] of [
    [primary.dataDir, 'prim'],
    [path.join(primary.dataDir, 'base'), 'sub'],
    [junk, 'junkb'],
  ] as const) {
    const mp = path.join(R, 'mnt', name);
    fs.mkdirSync(mp, { recursive: true });
    sh('mount', ['--bind', src, mp]);
    mounts.unshift(mp);
  }
  // Config, state dir, a home without a user config; the recorders.
  cfgDir = fs.mkdtempSync('/tmp/safeops-fpcfg-');
  fs.chmodSync(cfgDir, 0o755);
  config = path.join(cfgDir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ discovery: { roots: [path.join(R, 'scan')], clusters: [] }, protect: [{ path: path.join(R, 'protected'), action: 'confirm', reason: 'test' }] }));
  stateDir = path.join(cfgDir, 'state');
  home = path.join(cfgDir, 'home');
  out = path.join(cfgDir, 'out');
  fs.mkdirSync(out);
  const bin = path.join(cfgDir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'rm'), `#!/bin/sh\nprintf '%s\\0' "$@" > "$CASE_REC.rm"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'node-guard'), `#!/bin/sh\nprintf '%s\\0' "$@" > "$CASE_REC.node"\n`, { mode: 0o755 });
  const env = { SAFEOPS_CONFIG: config, SAFEOPS_STATE_DIR: stateDir, SAFEOPS_AUDIT_LOG: path.join(cfgDir, 'audit.jsonl'), NO_COLOR: '1' };
  watcher = spawn(process.execPath, [BIN, 'watch', '--state-dir', stateDir], { env: { PATH: process.env.PATH, HOME: home, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor('a fresh footprint naming both clusters', () => {
    const t = footprintFresh(stateDir);
    return t && t.includes(`path ${primary.dataDir}\n`) && t.includes(`path ${standby.dataDir}\n`) && t.includes(`path ${path.join(R, 'mnt', 'sub')}\n`);
  }, 90_000, () => { try { return fs.readFileSync(path.join(stateDir, 'footprint'), 'utf8'); } catch { return 'no footprint'; } });
  // Interactive shells in tmux with the integration; recorders first on PATH.
  tmux = new TmuxServer('fastpath', cleanEnv(home, { ...env, PATH: `${bin}:${process.env.PATH}` }));
  const c = defaultConfig();
  for (const shell of SHELLS) {
    const dir = path.join(cfgDir, `sh-${shell}`);
    fs.mkdirSync(dir);
    const init = path.join(dir, `init.${shell}`);
    fs.writeFileSync(init, renderInit(shell, { binPath: path.join(bin, 'node-guard'), stateDirs: DEFAULT_STATE_DIRS, colors: c.shell.colors, staleAfterSeconds: 10, features: { prompt: true, background: false, title: false, tmux: false }, noColor: true }));
    const { argv, env: shEnv } = interactiveShell(shell, dir, init);
    panes.set(shell, tmux.start(shell, argv, { env: shEnv, cwd: R }));
  }
  for (const [shell, pane] of panes) {
    const marker = path.join(out, `ready-${shell}`);
    tmux.type(pane, `command touch ${marker}`);
    await waitFor(`${shell} to start`, () => fs.existsSync(marker), 30_000, () => tmux!.capture(pane));
  }
}, 240_000);

afterAll(async () => {
  tmux?.kill();
  if (watcher && watcher.exitCode === null) {
    watcher.kill('SIGTERM');
    await new Promise((r) => watcher!.once('exit', r));
  }
  for (const m of mounts) {
    try {
      sh('umount', ['-l', m]);
    } catch {
      /* already gone */
    }
  }
  if (primary) await stopNode(standby, 'immediate').catch(() => undefined);
  if (primary) await stopNode(primary, 'immediate').catch(() => undefined);
  await cleanupAll();
  if (cfgDir) fs.rmSync(cfgDir, { recursive: true, force: true });
}, 120_000);

/** Run `cases` in one shell with SAFEOPS_STATE_DIR=`dir`; per case: fast, node, or neither (a glob matched nothing), and the argv rm got. */
async function runPhase(shell: ShellName, dir: string, cases: Case[], before?: () => void): Promise<Array<{ fast: boolean; node: boolean; argv: string[] | null }>> {
  const id = `p${phase++}-${shell}`;
  const dirOut = path.join(out, id);
  fs.mkdirSync(dirOut);
  const q = (s: string) => quote(shell, s);
  const lines: string[] = [];
  const exp = (k: string, v: string) => (shell === 'fish' ? `set -gx ${k} ${q(v)}` : `export ${k}=${q(v)}`);
  lines.push(exp('SAFEOPS_STATE_DIR', dir));
  cases.forEach((c, i) => {
    lines.push(`cd ${q(c.cwd)}`, exp('SAFEOPS_FASTPATH_TRACE', `${dirOut}/${i}.fast`), exp('CASE_REC', `${dirOut}/${i}`));
    lines.push(`rm ${c.words.map((w) => ('lit' in w ? q(w.lit) : w.glob)).join(' ')} 2>/dev/null`);
  });
  lines.push(exp('SAFEOPS_STATE_DIR', stateDir), `cd ${q(R)}`, `command touch ${q(`${dirOut}/done`)}`);
  const script = path.join(out, `${id}.${shell}`);
  fs.writeFileSync(script, lines.join('\n') + '\n');
  before?.();
  tmux!.type(panes.get(shell)!, `source ${script}`);
  await waitFor(`${shell} to run ${id}`, () => fs.existsSync(`${dirOut}/done`), 120_000, () => tmux!.capture(panes.get(shell)!));
  return cases.map((_, i) => {
    const rec = `${dirOut}/${i}.rm`;
    return { fast: fs.existsSync(`${dirOut}/${i}.fast`), node: fs.existsSync(`${dirOut}/${i}.node`), argv: fs.existsSync(rec) ? fs.readFileSync(rec, 'utf8').split('\0').slice(0, -1) : null };
  });
}

/**
 * The same cases through the Node guard itself (`safeops rm ARGV` in bash, so globs expand as a
 * shell expands them): per case, whether it took the footprint fast path (its SAFEOPS_TRACE says
 * "fast path"), and the argv the recorder rm got.
 */
async function runNodePhase(dir: string, cases: Case[], before?: () => void): Promise<Array<{ fast: boolean; node: boolean; argv: string[] | null }>> {
  const id = `p${phase++}-node`;
  const dirOut = path.join(out, id);
  fs.mkdirSync(dirOut);
  before?.();
  const q = (x: string) => quote('bash', x);
  const one = (c: Case, i: number) =>
    new Promise<void>((resolve, reject) => {
      const words = c.words.map((w) => ('lit' in w ? q(w.lit) : w.glob)).join(' ');
      const env = { PATH: `${path.join(cfgDir, 'bin')}:${process.env.PATH}`, HOME: home, SAFEOPS_CONFIG: config, SAFEOPS_STATE_DIR: dir, SAFEOPS_AUDIT_LOG: path.join(cfgDir, 'audit.jsonl'), NO_COLOR: '1', CASE_REC: `${dirOut}/${i}`, SAFEOPS_TRACE: `${dirOut}/${i}.trace` };
      const p = spawn('bash', ['--noprofile', '--norc', '-c', `cd ${q(c.cwd)} && exec ${q(process.execPath)} ${q(BIN)} rm ${words}`], { env, stdio: 'ignore' });
      p.on('error', reject);
      p.on('close', () => resolve());
    });
  // Two at a time: the machine has two cores.
  for (let i = 0; i < cases.length; i += 2) await Promise.all(cases.slice(i, i + 2).map((c, k) => one(c, i + k)));
  return cases.map((_, i) => {
    const rec = `${dirOut}/${i}.rm`;
    const traced = fs.existsSync(`${dirOut}/${i}.trace`) ? fs.readFileSync(`${dirOut}/${i}.trace`, 'utf8') : '';
    return { fast: /^\S+ fast path$/m.test(traced), node: false, argv: fs.existsSync(rec) ? fs.readFileSync(rec, 'utf8').split('\0').slice(0, -1) : null };
  });
}

const explained = new Map<string, string>();
/** `safeops explain --json rm ARGV` in `cwd`: the verdict kind (allow, confirm, refuse). */
async function explain(cwd: string, argv: string[]): Promise<string> {
  const key = JSON.stringify([cwd, argv]);
  const hit = explained.get(key);
  if (hit) return hit;
  const r = await safeops(['explain', '--json', 'rm', ...argv], { SAFEOPS_CONFIG: config, SAFEOPS_STATE_DIR: stateDir, HOME: home, PWD: cwd, NO_COLOR: '1' }, { cwd });
  expect(r.exitCode, r.stderr).toBe(0);
  const kind = (JSON.parse(r.stdout) as { verdict: { kind: string } }).verdict.kind;
  explained.set(key, kind);
  return kind;
}

/** Every case the shells took the fast path for must be ALLOW for the Node guard. */
async function checkProperty(shell: ShellName | 'node', cases: Case[], results: Awaited<ReturnType<typeof runPhase>>): Promise<number> {
  let fast = 0;
  for (let i = 0; i < cases.length; i++) {
    const r = results[i]!;
    const show = `${shell} case ${i}: cd ${JSON.stringify(cases[i]!.cwd)}; rm ${JSON.stringify(cases[i]!.words)}`;
    expect(r.fast && r.node, `${show}: both paths ran`).toBe(false);
    if (!r.fast) continue;
    fast++;
    expect(r.argv, `${show}: fast path without running rm`).not.toBeNull();
    expect(await explain(cases[i]!.cwd, r.argv!), `${show}: the shell ran rm ${JSON.stringify(r.argv)} itself; safeops explain does not allow it`).toBe('allow');
  }
  return fast;
}

/** The generated cases: targets around the clusters in every spelling, flags, globs, cwds. */
function generate(n: number, seed: number): Case[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const P = primary.dataDir;
  const S = standby.dataDir;
  const J = path.join(R, 'junk');
  const M = path.join(R, 'mnt');
  const targets = [
    `${J}/a`, `${J}/b c`, `${J}/n\nl`, `${J}/sub`, `${J}/sub/f`, `${J}/emptydir`, `${J}/nonexistent`, `${J}/-dash`,
    `${J}/to-primary`, `${J}/to-root`, `${J}/to-a`, `${J}/to-primary/PG_VERSION`, `${J}/to-root/primary`, `${J}/to-root/junk/a`,
    P, `${P}/base`, `${P}/PG_VERSION`, `${P}/global/pg_control`, `${P}/nonexistent`, S, `${S}/postgresql.conf`, R,
    M, `${M}/prim`, `${M}/prim/PG_VERSION`, `${M}/sub`, `${M}/sub/1`, `${M}/junkb/a`, `${M}/junkb/sub`, `${M}/junkb`,
    `${R}/protected`, `${R}/protected/x`, `${R}/scan`, `${R}/ww/mine`, `${R}/ww/absent`, `${R}/ww/absent/sub`,
  ];
  const cwds = [R, J, P, `${J}/sub`, M, `${J}/to-root`];
  const flagSets: string[][] = [[], [], ['-f'], ['-r'], ['-rf'], ['-R'], ['-d'], ['-v'], ['--recursive'], ['-f', '--'], ['--one-file-system'], ['-x'], ['-fr', '-v'], ['--force', '--dir'], ['-i'], ['--interactive=never'], ['--rec'], ['--preserve-root', '-rf']];
  const globs = [`${J}/*.tmp`, `${J}/*`, `${M}/*`, `${R}/*`, `${P}/*`, `${J}/sub/*`, `${J}/g?.tmp`];
  const spell = (t: string, cwd: string): string => {
    switch (pick(['abs', 'rel', 'rel', 'dotdot', 'dslash', 'slash', 'slashdot', 'abs'] as const)) {
      case 'abs':
        return t;
      case 'rel':
        return path.relative(cwd, t) || '.';
      case 'dotdot':
        return t.replace(R, `${J}/..`);
      case 'dslash':
        return t.replace(/\/([^/]*)$/, '//$1');
      case 'slash':
        return `${t}/`;
      case 'slashdot':
        return `${t}/.`;
    }
  };
  const cases: Case[] = [
    // Always: the plain harmless cases (the fast path must be taken for them) and the plain fatal ones.
    { cwd: J, words: [{ lit: 'a' }] },
    { cwd: R, words: [{ lit: `${J}/b c` }] },
    { cwd: R, words: [{ lit: '-rf' }, { lit: P }] },
    { cwd: J, words: [{ lit: '-r' }, { lit: 'to-root/' }] },
    { cwd: R, words: [{ lit: '-rf' }, { lit: `${R}/ww/absent` }] },
  ];
  while (cases.length < n) {
    const cwd = pick(cwds);
    const flags = pick(flagSets);
    const words: Word[] = [];
    const count = rnd() < 0.2 ? 2 : 1;
    for (let k = 0; k < count; k++) {
      if (rnd() < 0.12) words.push({ glob: pick(globs) });
      else {
        const t = spell(pick(targets), cwd);
        words.push({ lit: flags.includes('--') || !t.startsWith('-') ? t : `./${t}` });
      }
    }
    // GNU rm takes options after operands too.
    const after = rnd() < 0.15 && !flags.includes('--');
    cases.push({ cwd, words: after ? [...words, ...flags.map((f) => ({ lit: f }))] : [...flags.map((f) => ({ lit: f })), ...words] });
  }
  return cases;
}

/** Footprints the fast path must never take (each against a control that is taken). */
function hostileVariants(): { cases: Case[]; empty: (hb: number, extra?: string) => string; now: () => number; variants: Array<[string, (dir: string) => void]> } {
  // A harmless rm, and two that must never run: each variant must send all three to the guard.
  const P = primary.dataDir;
  const J = path.join(R, 'junk');
  const cases: Case[] = [
    { cwd: J, words: [{ lit: 'a' }] },
    { cwd: J, words: [{ lit: '-rf' }, { lit: P }] },
    { cwd: R, words: [{ lit: `${P}/PG_VERSION` }] },
  ];
  const now = () => Math.floor(Date.now() / 1000);
  // A footprint that claims nothing is protected: taken, it would let `rm -rf $PRIMARY` through.
  const empty = (hb: number, extra = '') => `safeops-footprint 1\nheartbeat ${hb}\ngeneration x-1\nrecursive on\nmounts ${fingerprint(fs.readFileSync('/proc/self/mountinfo', 'utf8'))}\nconfig ${config}\n${extra}end\n`;
  const variants: Array<[string, (dir: string) => void]> = [
    ['stale', (d) => fs.writeFileSync(`${d}/footprint`, empty(now() - 30))],
    ['in the future', (d) => fs.writeFileSync(`${d}/footprint`, empty(now() + 30))],
    ['missing', () => undefined],
    ['off', (d) => fs.writeFileSync(`${d}/footprint`, empty(now(), 'off discovery incomplete\n'))],
    ['a bad byte', (d) => fs.writeFileSync(`${d}/footprint`, empty(now(), 'path /x\u001b[31m\n'))],
    ['no end', (d) => fs.writeFileSync(`${d}/footprint`, empty(now()).replace('end\n', ''))],
    ['an unknown line', (d) => fs.writeFileSync(`${d}/footprint`, empty(now(), 'allow everything\n'))],
    ['huge', (d) => fs.writeFileSync(`${d}/footprint`, empty(now(), `above /${'x'.repeat(70_000)}\n`))],
    ['a symlink', (d) => { fs.writeFileSync(`${d}/real`, empty(now())); fs.symlinkSync(`${d}/real`, `${d}/footprint`); }],
    ['a FIFO', (d) => sh('mkfifo', [`${d}/footprint`])],
    ['owned by another user', (d) => { fs.writeFileSync(`${d}/footprint`, empty(now())); fs.chownSync(`${d}/footprint`, 65534, 65534); }],
    ['in a directory of another user', (d) => { fs.writeFileSync(`${d}/footprint`, empty(now())); fs.chownSync(d, 65534, 65534); }],
    ['a user config the watcher did not read', (d) => { fs.writeFileSync(`${d}/footprint`, empty(now()).replace(`config ${config}\n`, 'config /nonexistent/config.json\n')); }],
  ];
  return { cases, empty, now, variants };
}

describe('fast path never allows more than the Node guard', () => {
  test.each(SHELLS)('%s: generated commands with a fresh footprint', async (shell) => {
    const cases = generate(CASES, SEED);
    await waitFor('a fresh footprint', () => footprintFresh(stateDir), 20_000);
    const results = await runPhase(shell, stateDir, cases);
    const fast = await checkProperty(shell, cases, results);
    // The test proves something only if the fast path is taken at all.
    expect(results[0]!.fast || results[1]!.fast, `${shell} never took the fast path for a plain rm`).toBe(true);
    expect(results[2]!.fast || results[3]!.fast || results[4]!.fast).toBe(false);
    expect(fast).toBeGreaterThan(0);
    console.log(`${shell}: ${fast} of ${cases.length} cases took the fast path (seed ${SEED}), all ALLOW for safeops explain`);
  }, 600_000);

  test.each(SHELLS)('%s: a bind mount made just before the command is caught; the publish gap is measured', async (shell) => {
    const late = path.join(R, 'mnt', `late-${shell}`);
    fs.mkdirSync(late);
    const J = path.join(R, 'junk');
    const cases: Case[] = [
      { cwd: J, words: [{ lit: `${late}/PG_VERSION` }] },
      { cwd: J, words: [{ lit: '-rf' }, { lit: `${late}/base` }] },
      { cwd: J, words: [{ lit: '-rf' }, { lit: late }] },
      { cwd: late, words: [{ lit: 'postgresql.conf' }] },
      { cwd: J, words: [{ lit: 'a' }] },
    ];
    await waitFor('a fresh footprint', () => footprintFresh(stateDir), 20_000);
    let mountedAt = 0;
    const results = await runPhase(shell, stateDir, cases, () => {
      sh('mount', ['--bind', standby.dataDir, late]);
      mounts.unshift(late);
      mountedAt = Date.now();
    });
    await checkProperty(shell, cases, results);
    for (let i = 0; i < 4; i++) expect(results[i]!.fast, `case ${i} inside the new bind mount`).toBe(false);
    const seen = await waitFor('the new alias in the footprint', () => (fs.readFileSync(path.join(stateDir, 'footprint'), 'utf8').includes(`path ${late}\n`) ? Date.now() : null), 20_000);
    console.log(`${shell}: the watcher published the bind mount ${seen - mountedAt} ms after it was made`);
  }, 300_000);

  test.each(SHELLS)('%s: stale, missing, hostile or foreign-owned state: never the fast path', async (shell) => {
    const { cases, empty, now, variants } = hostileVariants();
    for (const [name, make] of variants) {
      const d = fs.mkdtempSync(path.join(cfgDir, 'hostile-'));
      const results = await runPhase(shell, d, cases, () => make(d));
      await checkProperty(shell, cases, results);
      results.forEach((r, i) => expect(r.fast, `${name}: case ${i} took the fast path`).toBe(false));
      results.forEach((r, i) => expect(r.node, `${name}: case ${i} did not go to the Node guard`).toBe(true));
    }
    // Control: the same empty footprint, fresh and ours, is taken (so the variants above test the checks).
    const d = fs.mkdtempSync(path.join(cfgDir, 'control-'));
    const results = await runPhase(shell, d, [cases[0]!], () => fs.writeFileSync(`${d}/footprint`, empty(now())));
    expect(results[0]!.fast, 'a fresh empty footprint of our own is taken').toBe(true);
  }, 300_000);
});

describe('the Node guard takes the same fast path, and never allows more than itself', () => {
  test('generated commands with a fresh footprint', async () => {
    const cases = generate(CASES, SEED);
    await waitFor('a fresh footprint', () => footprintFresh(stateDir), 20_000);
    const results = await runNodePhase(stateDir, cases);
    const fast = await checkProperty('node', cases, results);
    expect(results[0]!.fast && results[1]!.fast, 'the plain harmless rm did not take the fast path').toBe(true);
    expect(results[2]!.fast || results[3]!.fast || results[4]!.fast).toBe(false);
    console.log(`node: ${fast} of ${cases.length} cases took the fast path (seed ${SEED}), all ALLOW for safeops explain`);
  }, 600_000);

  test('a bind mount made after the footprint was written, below a recursive rm: caught by the mount table\'s fingerprint', async () => {
    const J = path.join(R, 'junk');
    // In a directory of root's (R is postgres'; the fast path trusts only root and us on a
    // recursive rm's walk, docs/fast-path.md), so that only the mount can stop it.
    const above = path.join(cfgDir, 'fresh-above');
    const inner = path.join(above, 'inner');
    fs.mkdirSync(inner, { recursive: true });
    const cases: Case[] = [
      { cwd: J, words: [{ lit: '-rf' }, { lit: above }] },
      { cwd: J, words: [{ lit: `${inner}/PG_VERSION` }] },
      { cwd: J, words: [{ lit: 'a' }] },
    ];
    // The watcher's footprint as it is now, frozen in a dir of its own (the watcher would list
    // the new alias within a second; here only the fingerprint can tell).
    const text = footprintFresh(stateDir) ?? (await waitFor('a fresh footprint', () => footprintFresh(stateDir), 20_000));
    const d = fs.mkdtempSync(path.join(cfgDir, 'frozen-'));
    const freeze = () => fs.writeFileSync(path.join(d, 'footprint'), text.replace(/^heartbeat \d+$/m, `heartbeat ${Math.floor(Date.now() / 1000)}`));
    // Control: before the mount, the frozen footprint lets the harmless ones through.
    const before = await runNodePhase(d, cases, freeze);
    expect(before.map((r) => r.fast), 'the frozen footprint is taken before the mount').toEqual([true, true, true]);
    const after = await runNodePhase(d, cases, () => {
      sh('mount', ['--bind', standby.dataDir, inner]);
      mounts.unshift(inner);
      freeze();
    });
    await checkProperty('node', cases, after);
    expect(after.map((r) => r.fast)).toEqual([false, false, false]);
  }, 300_000);

  test('stale, missing, hostile or foreign-owned state: never the fast path', async () => {
    const { cases, empty, now, variants } = hostileVariants();
    for (const [name, make] of variants) {
      const d = fs.mkdtempSync(path.join(cfgDir, 'hostile-'));
      const results = await runNodePhase(d, cases, () => make(d));
      await checkProperty('node', cases, results);
      results.forEach((r, i) => expect(r.fast, `${name}: case ${i} took the fast path`).toBe(false));
    }
    const d = fs.mkdtempSync(path.join(cfgDir, 'control-'));
    const results = await runNodePhase(d, [cases[0]!], () => fs.writeFileSync(`${d}/footprint`, empty(now())));
    expect(results[0]!.fast, 'a fresh empty footprint of our own is taken').toBe(true);
  }, 300_000);
});
