// Property: no spelling of a live cluster's footprint, in any flag order, is allowed. Runs the
// real parser, the real facts (a running primary with pg_wal and a tablespace on other file
// systems, symlinks and a bind mount) and decide() in-process, so hundreds of cases stay fast.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseGuarded } from '../../src/command/parse.js';
import { defaultConfig } from '../../src/config/schema.js';
import { addSqlFacts, gatherFileFacts, snapshotProc, type ProcSnapshot } from '../../src/facts/gather.js';
import { candidatesFromCommand, resolveCommand } from '../../src/facts/resolve.js';
import type { HostFacts } from '../../src/facts/types.js';
import { decide } from '../../src/policy/decide.js';
import { cleanupAll, initPrimary, makeTempRoot, postgresIds, stopNode, type PgNode } from '../support/pg.js';

let root: string;
let primary: PgNode;
let facts: HostFacts;
let snap: ProcSnapshot;
const mounts: string[] = [];
const config = defaultConfig();
const edge = { env: {}, now: () => new Date(), hostname: 'test-host', shortHostname: 'test-host', userName: 'root' };

beforeAll(async () => {
  root = makeTempRoot('safeops-prop-');
  for (const d of ['waldisk', 'tblspc']) {
    fs.mkdirSync(path.join(root, d));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `mode=0755,uid=${postgresIds().uid},gid=${postgresIds().gid}`, 'tmpfs', path.join(root, d)]);
    mounts.unshift(path.join(root, d));
  }
  primary = await initPrimary({ root, name: 'primary', waldir: true, tablespace: true });
  fs.symlinkSync(root, path.join(root, 'link-to-root'));
  fs.mkdirSync(path.join(root, 'bind'));
  execFileSync('mount', ['--bind', primary.dataDir, path.join(root, 'bind')]);
  mounts.unshift(path.join(root, 'bind'));
  config.discovery.roots = [root];
  snap = snapshotProc();
  facts = await addSqlFacts(gatherFileFacts({ config, edge, useWatcher: false }, snap), () => true, config, 'root');
  expect(facts.clusters.find((c) => c.dataDir === primary.dataDir)?.role).toBe('primary');
}, 120_000);

afterAll(async () => {
  if (primary) await stopNode(primary, 'immediate').catch(() => undefined);
  for (const m of mounts) execFileSync('umount', ['-l', m]);
  await cleanupAll();
});

/** Places that are part of the primary (or contain it), with whether they are directories. */
function places(): Array<{ p: string; dir: boolean }> {
  const dd = primary.dataDir;
  const seg = fs.readdirSync(primary.waldir!).find((f) => /^[0-9A-F]{24}$/.test(f))!;
  const ts = fs.readdirSync(primary.tablespaceDir!)[0]!;
  return [
    { p: dd, dir: true },
    { p: `${dd}/base`, dir: true },
    { p: `${dd}/global/pg_control`, dir: false },
    { p: `${dd}/PG_VERSION`, dir: false },
    { p: primary.waldir!, dir: true },
    { p: `${primary.waldir}/${seg}`, dir: false },
    { p: primary.tablespaceDir!, dir: true },
    { p: `${primary.tablespaceDir}/${ts}`, dir: true },
    { p: path.join(root, 'waldisk'), dir: true },
    { p: root, dir: true },
  ];
}

/** Rewrite an absolute path: through the symlinked root, the bind mount, `.`/`//`/`x/..` detours, relative to a cwd, trailing slash. */
function spell(abs: string, s: { via: 'plain' | 'link' | 'bind'; dots: number[]; doubles: number[]; detour: boolean; trailing: boolean; cwd: string }, dir: boolean): { arg: string; cwd: string } {
  let p = abs;
  if (s.via === 'link' && p.startsWith(root + '/')) p = path.join(root, 'link-to-root', p.slice(root.length + 1));
  if (s.via === 'bind' && p.startsWith(primary.dataDir + '/')) p = path.join(root, 'bind', p.slice(primary.dataDir.length + 1));
  let parts = p.split('/').slice(1);
  // A detour through a real (non-symlink) subdirectory and back: `base/..`.
  if (s.detour && p.startsWith(primary.dataDir)) {
    const i = primary.dataDir.split('/').length - 1;
    parts = [...parts.slice(0, i), 'base', '..', ...parts.slice(i)];
  }
  for (const d of s.dots) parts.splice(d % (parts.length + 1), 0, '.');
  let out = '/' + parts.join('/');
  for (const d of s.doubles) {
    const slashes = [...out.matchAll(/\//g)].map((m) => m.index!);
    const at = slashes[d % slashes.length]!;
    out = out.slice(0, at) + '/' + out.slice(at);
  }
  if (s.trailing && dir) out += '/';
  if (s.cwd !== '/') {
    const rel = path.relative(s.cwd, out.replace(/\/\.(?=\/|$)/g, '').replace(/\/+/g, '/')) || '.';
    out = rel + (s.trailing && dir && !rel.endsWith('/') ? '/' : '');
  }
  return { arg: out, cwd: s.cwd };
}

const RM_FLAGS_RECURSIVE = ['-r', '-R', '--recursive', '-rf', '-fr', '-Rf', '--recur', '-rfv', '-vrf'];
const RM_FLAGS_OTHER = ['-f', '--force', '-v', '--verbose', '-I', '--one-file-system', '--no-preserve-root', '--interactive=never'];

it('no spelling of the live primary is ever allowed (fast-check)', () => {
  const cwds = [ '/', root, primary.dataDir, '/tmp', path.join(root, 'waldisk')];
  fc.assert(
    fc.property(
      fc.nat({ max: 9 }),
      fc.record({
        via: fc.constantFrom<'plain' | 'link' | 'bind'>('plain', 'link', 'bind'),
        dots: fc.array(fc.nat({ max: 20 }), { maxLength: 3 }),
        doubles: fc.array(fc.nat({ max: 20 }), { maxLength: 3 }),
        detour: fc.boolean(),
        trailing: fc.boolean(),
        cwd: fc.constantFrom(...cwds),
      }),
      fc.constantFrom(...RM_FLAGS_RECURSIVE),
      fc.subarray(RM_FLAGS_OTHER, { maxLength: 3 }),
      fc.nat({ max: 10 }),
      fc.boolean(),
      (which, s, rflag, others, insertAt, dashdash) => {
        const pl = places()[which % places().length]!;
        const { arg, cwd } = spell(pl.p, s, pl.dir);
        const flags = [rflag, ...others];
        // GNU permutation: flags before or after the operand; `--` only after all flags.
        const args = dashdash ? [...flags, '--', arg] : [...flags.slice(0, insertAt % (flags.length + 1)), arg, ...flags.slice(insertAt % (flags.length + 1))];
        const parsed = parseGuarded('rm', args, {});
        const extra = candidatesFromCommand(parsed, cwd);
        expect(extra.length + facts.clusters.length).toBeGreaterThan(0);
        const command = resolveCommand(parsed, facts, { cwd, mounts: snap.mounts });
        const v = decide(command, facts, { protect: [], degraded: [] });
        if (v.kind !== 'refuse') throw new Error(`allowed: cwd=${cwd} rm ${args.join(' ')} -> ${v.kind}`);
      },
    ),
    { numRuns: 400 },
  );
});
