// The Node guard's footprint fast path (src/guard/fast-path.ts): the footprint read as strictly as
// the shells read it, rm's flags by the same table, and each operand's checks on a real tree.
// The property against `safeops explain` with real clusters is in
// test/integration/fastpath-property.test.ts ("node").
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operandOutside, parseFootprint, readTrustedFootprint, rmFastArgs, rmSurelyHarmless, sameConfig, sameMounts, type Footprint } from '../../src/guard/fast-path.js';
import { fingerprint } from '../../src/util/fingerprint.js';

const euid = process.geteuid!();
let root: string;
let cluster: string;
let state: string;
let config: string;

const mountsLine = () => `mounts ${fingerprint(fs.readFileSync('/proc/self/mountinfo', 'utf8'))}\n`;
const text = (hb: number, body: string) => `safeops-footprint 1\nheartbeat ${hb}\ngeneration x-1\nrecursive on\n${mountsLine()}${body}end\n`;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-fastpath-')));
  fs.chmodSync(root, 0o755);
  cluster = path.join(root, 'pg', 'main');
  fs.mkdirSync(path.join(cluster, 'base'), { recursive: true });
  fs.writeFileSync(path.join(cluster, 'PG_VERSION'), '15\n');
  fs.mkdirSync(path.join(root, 'junk', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'junk', 'a'), 'x');
  fs.symlinkSync(cluster, path.join(root, 'junk', 'to-cluster'));
  fs.symlinkSync(path.join(root, 'junk', 'a'), path.join(root, 'junk', 'to-a'));
  // A cluster nobody published (made after the last publish): found by its PG_VERSION.
  fs.mkdirSync(path.join(root, 'fresh', 'base'), { recursive: true });
  fs.writeFileSync(path.join(root, 'fresh', 'PG_VERSION'), '15\n');
  // A hard link to a protected file: the same file under another name.
  fs.mkdirSync(path.join(root, 'scan'));
  fs.mkdirSync(path.join(root, 'protected'));
  fs.writeFileSync(path.join(root, 'protected', 'key'), 'x');
  fs.linkSync(path.join(root, 'protected', 'key'), path.join(root, 'junk', 'key-link'));
  state = path.join(root, 'state');
  fs.mkdirSync(state, { mode: 0o755 });
  config = path.join(root, 'config.json');
  fs.writeFileSync(config, '{}');
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const fp = (): Footprint => ({
  heartbeat: now(),
  recursive: true,
  config: [config],
  paths: [cluster, path.join(root, 'protected', 'key')],
  above: ['/', ...ancestors(cluster)],
  roots: [path.join(root, 'scan')],
  mounts: null,
});
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let d = path.dirname(p); d !== '/'; d = path.dirname(d)) out.push(d);
  return out;
}
const ids = (f: Footprint) => {
  const id = (p: string) => {
    const st = fs.statSync(p, { bigint: true });
    return `${st.dev}:${st.ino}`;
  };
  return { paths: new Set(f.paths.map(id)), above: new Set(f.above.map(id)) };
};

describe('the footprint is read as the shells read it', () => {
  const hb = 1796150000;
  it.each([
    ['valid', text(hb, 'path /var/lib/postgresql/15/main\nabove /\nroot /srv\nconfig /etc/safeops/config.json\n'), true],
    ['no end', text(hb, '').replace('end\n', ''), false],
    ['something after end', `${text(hb, '')}path /x\n`, false],
    ['off', text(hb, 'off discovery incomplete\n'), false],
    ['an unknown line', text(hb, 'allow everything\n'), false],
    ['a byte outside the set', text(hb, 'path /x\u001b[31m\n'), false],
    ['UTF-8', text(hb, 'path /données\n'), false],
    ['a relative path', text(hb, 'path var/lib\n'), false],
    ['another version', text(hb, '').replace('safeops-footprint 1', 'safeops-footprint 2'), false],
    ['a heartbeat that is no number', text(hb, '').replace(`heartbeat ${hb}`, 'heartbeat 12x'), false],
    ['too big', text(hb, `above /${'x'.repeat(70_000)}\n`), false],
  ])('%s', (_name, t, ok) => {
    expect(parseFootprint(t) !== null).toBe(ok);
  });

  it('the mount table\'s fingerprint: the same table yes; another, or none published, no', () => {
    const f = parseFootprint(text(hb, ''))!;
    expect(f.mounts).toMatch(/^[0-9a-z]+-[0-9a-f]{16}$/);
    expect(sameMounts(f)).toBe(true);
    expect(sameMounts(f, () => `${fs.readFileSync('/proc/self/mountinfo', 'utf8')}99 1 0:99 / /mnt/new rw - tmpfs tmpfs rw\n`)).toBe(false);
    expect(sameMounts({ ...f, mounts: null })).toBe(false);
    expect(sameMounts(f, () => { throw new Error('EACCES'); })).toBe(false);
  });

  it('recursive off is kept', () => {
    expect(parseFootprint(text(hb, 'recursive off\n'))?.recursive).toBe(false);
  });
});

describe("rm's flags: the shells' table", () => {
  it.each([
    [['-f', 'x'], { targets: ['x'], recursive: false }],
    [['-rf', 'x', 'y'], { targets: ['x', 'y'], recursive: true }],
    [['x', '-R'], { targets: ['x'], recursive: true }],
    [['--recursive', '--force', 'x'], { targets: ['x'], recursive: true }],
    [['--interactive=never', '-v', 'x'], { targets: ['x'], recursive: false }],
    [['--', '-x', '-r'], { targets: ['-x', '-r'], recursive: false }],
    [['-', 'x'], { targets: ['-', 'x'], recursive: false }],
    [['-x', 'y'], null],
    [['--rec', 'y'], null],
    [['--one-file-system', '-rf', 'y'], null],
    [['--preserve-root', 'y'], null],
    [['-f'], null],
    [Array.from({ length: 257 }, (_, i) => `f${i}`), null],
  ] as const)('%j', (args, want) => {
    expect(rmFastArgs([...args], {})).toEqual(want);
  });

  it('POSIXLY_CORRECT changes how rm reads its options: the guard decides', () => {
    expect(rmFastArgs(['x'], { POSIXLY_CORRECT: '' })).toBeNull();
  });
});

describe('each operand, on a real tree', () => {
  const J = (): string => path.join(root, 'junk');
  const table: Array<[string, () => string, boolean, () => string | null, boolean]> = [
    ['a file outside', () => `${J()}/a`, false, () => root, true],
    ['a name that does not exist', () => `${J()}/nothing`, false, () => root, true],
    ['relative, from the working directory', () => 'junk/a', false, () => root, true],
    ['relative with `..`', () => 'sub/../a', false, () => J(), true],
    ['a directory outside, recursive', () => `${J()}/sub/`, true, () => root, true],
    ['the data directory', () => cluster, false, () => root, false],
    ['the data directory with a trailing slash', () => `${cluster}/`, true, () => root, false],
    ['`dir/.`', () => `${cluster}/.`, true, () => root, false],
    ['inside it', () => `${cluster}/PG_VERSION`, false, () => root, false],
    ['inside it through `..`', () => `${J()}/../pg/main/base`, true, () => root, false],
    ['above it', () => path.join(root, 'pg'), true, () => root, false],
    ['`//` in the path', () => `${root}//pg//main`, true, () => root, false],
    ['a symlink to it', () => `${J()}/to-cluster`, false, () => root, false],
    ['through a symlink', () => `${J()}/to-cluster/PG_VERSION`, false, () => root, false],
    ['a symlink to a harmless file (the guard judges links)', () => `${J()}/to-a`, false, () => root, false],
    ['a cluster nobody published', () => path.join(root, 'fresh', 'base'), true, () => root, false],
    ['a hard link to a protected file', () => `${J()}/key-link`, false, () => root, false],
    ['recursive, in a discovery root', () => path.join(root, 'scan', 'x'), true, () => root, false],
    ['not recursive, in a discovery root', () => path.join(root, 'scan', 'x'), false, () => root, true],
    ['relative without a working directory', () => 'a', false, () => null, false],
    ['empty', () => '', false, () => root, false],
  ];
  it.each(table)('%s', (_name, w, recursive, cwd, want) => {
    const f = fp();
    expect(operandOutside(w(), recursive, f, ids(f), cwd())).toBe(want);
  });
});

describe('trusted and fresh, or nothing', () => {
  const write = (body: string, mode = 0o644) => {
    fs.rmSync(path.join(state, 'footprint'), { force: true });
    fs.writeFileSync(path.join(state, 'footprint'), body, { mode });
    fs.chmodSync(path.join(state, 'footprint'), mode);
  };
  const env = () => ({ SAFEOPS_STATE_DIR: state, SAFEOPS_CONFIG: config, HOME: root });
  const read = () => readTrustedFootprint(env(), euid, Date.now());

  it('fresh and ours: read', () => {
    write(text(now(), `config ${config}\n`));
    expect(read()?.config).toEqual([config]);
  });
  it.each([
    ['stale', () => write(text(now() - 30, ''))],
    ['in the future', () => write(text(now() + 30, ''))],
    ['writable by others', () => write(text(now(), ''), 0o666)],
    ['a symlink', () => {
      fs.rmSync(path.join(state, 'footprint'), { force: true });
      fs.writeFileSync(path.join(root, 'real-footprint'), text(now(), ''));
      fs.symlinkSync(path.join(root, 'real-footprint'), path.join(state, 'footprint'));
    }],
    ['a FIFO', () => {
      fs.rmSync(path.join(state, 'footprint'), { force: true });
      execFileSync('mkfifo', [path.join(state, 'footprint')]);
    }],
    ['missing', () => fs.rmSync(path.join(state, 'footprint'), { force: true })],
  ])('%s: not read', (_name, make) => {
    make();
    expect(read()).toBeNull();
  });
  it('in a directory others can write: not read', () => {
    write(text(now(), ''));
    fs.chmodSync(state, 0o777);
    try {
      expect(read()).toBeNull();
    } finally {
      fs.chmodSync(state, 0o755);
    }
  });
  it('owned by another user (as root): not read', () => {
    if (euid !== 0) return;
    write(text(now(), ''));
    fs.chownSync(path.join(state, 'footprint'), 65534, 65534);
    expect(read()).toBeNull();
  });

  it('the same config files as the guard reads: SAFEOPS_CONFIG published; a user file not published is not', () => {
    const f = { ...fp() };
    expect(sameConfig(f, { SAFEOPS_CONFIG: config })).toBe(true);
    expect(sameConfig({ ...f, config: [] }, { SAFEOPS_CONFIG: config })).toBe(false);
    const home = path.join(root, 'home');
    fs.mkdirSync(path.join(home, '.config', 'safeops'), { recursive: true });
    expect(sameConfig({ ...f, config: [] }, { HOME: home })).toBe(true);
    fs.writeFileSync(path.join(home, '.config', 'safeops', 'config.json'), '{}');
    expect(sameConfig({ ...f, config: [] }, { HOME: home })).toBe(false);
  });

  it('end to end: a harmless rm yes; the data directory, a recursive rm with `recursive off`, a stale footprint no', () => {
    const body = `config ${config}\npath ${cluster}\n${['/', ...ancestors(cluster)].map((a) => `above ${a}\n`).join('')}`;
    write(text(now(), body));
    const e = env();
    expect(rmSurelyHarmless(['-f', path.join(root, 'junk', 'a')], e, euid, Date.now())).toBe(true);
    expect(rmSurelyHarmless(['-rf', cluster], e, euid, Date.now())).toBe(false);
    expect(rmSurelyHarmless(['-rf', path.join(root, 'junk', 'sub')], e, euid, Date.now())).toBe(true);
    // Recursive through a directory another user can change (docs/races.md): the guard decides.
    const ww = path.join(root, 'world');
    fs.mkdirSync(path.join(ww, 'mine'), { recursive: true });
    fs.chmodSync(ww, 0o1777);
    expect(rmSurelyHarmless(['-rf', path.join(ww, 'mine')], e, euid, Date.now())).toBe(true);
    expect(rmSurelyHarmless(['-rf', path.join(ww, 'not-yet')], e, euid, Date.now())).toBe(false);
    expect(rmSurelyHarmless(['-f', path.join(ww, 'not-yet')], e, euid, Date.now())).toBe(true);
    fs.chmodSync(ww, 0o777);
    expect(rmSurelyHarmless(['-rf', path.join(ww, 'mine')], e, euid, Date.now())).toBe(false);
    write(text(now(), `recursive off\n${body}`));
    expect(rmSurelyHarmless(['-rf', path.join(root, 'junk', 'sub')], e, euid, Date.now())).toBe(false);
    expect(rmSurelyHarmless(['-f', path.join(root, 'junk', 'a')], e, euid, Date.now())).toBe(true);
    expect(rmSurelyHarmless(['-f', path.join(root, 'junk', 'a')], e, euid, Date.now() + 10_000)).toBe(false);
  });
});
