// runGuard in-process with a fake edge: no process, no terminal, no disk. What the real edge does
// (spawn, fsync, Ink) is covered by the integration tests (guard-rm, guard-cli, confirm-tty).
import { describe, expect, it } from 'vitest';
import type { ResolvedOp } from '../../src/command/types.js';
import { defaultConfig } from '../../src/config/schema.js';
import { answersFor } from '../../src/guard/confirm.js';
import type { GuardEdge, RunResult } from '../../src/guard/edge.js';
import { runGuard, type GuardRequest } from '../../src/guard/guard.js';
import type { ClusterFacts } from '../../src/facts/types.js';
import { clusterNames } from '../../src/ui/state.js';
import { expectedAnswers } from '../../src/ui/answers.js';
import type { ConfirmationResult, ConfirmationSession } from '../../src/ui/types.js';
import { NO_CONFIG, cluster, host, target } from './fixtures.js';

const DD = '/var/lib/postgresql/15/main';
const rmDD: ResolvedOp[] = [{ type: 'remove', recursive: true, targets: [target(DD)] }];
const rmFile: ResolvedOp[] = [{ type: 'remove', recursive: false, targets: [target('/root/notes.txt', { isDir: false })] }];
const rmRequest = (args = ['-rf', DD], confirm: string | null = null): GuardRequest => ({ mode: 'tool', tool: 'rm', args, confirm, selfPath: null });

interface Fake {
  edge: GuardEdge;
  runs: Array<{ file: string; argv: string[] }>;
  audit: Array<Record<string, unknown>>;
  stderr: () => string;
  gathers: () => number;
  screens: ConfirmationSession[];
  asked: Array<Array<{ question: string; expected: string }>>;
}

/** A fake edge: the facts of each gather in turn (the last repeats), the screen's answer, the child's exit. */
function fake(opts: {
  clusters: Array<ClusterFacts[] | Error>;
  ops: ResolvedOp[];
  tty?: boolean;
  screen?: (s: ConfirmationSession) => Promise<ConfirmationResult>;
  ask?: (prompts: Array<{ question: string; expected: string }>) => { outcome: 'confirmed' | 'declined'; typed: string[] };
  child?: RunResult;
  binary?: string | null;
  auditFails?: boolean;
  /** What the footprint fast path says of an `rm` (./fast-path.ts). */
  fastRm?: boolean;
}): Fake {
  const runs: Fake['runs'] = [];
  const audit: Fake['audit'] = [];
  const screens: ConfirmationSession[] = [];
  const asked: Fake['asked'] = [];
  let err = '';
  let gathers = 0;
  const tty = opts.tty ?? true;
  const edge: GuardEdge = {
    env: { NO_COLOR: '1' },
    cwd: '/root',
    now: () => new Date('2026-12-01T03:12:04.000Z'),
    hostname: 'db-01.example.com',
    shortHostname: 'db-01',
    uid: 0,
    userName: 'root',
    sudoUser: null,
    tty: tty ? '/dev/pts/3' : null,
    stdinIsTTY: tty,
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    surelyHarmlessRm: () => opts.fastRm ?? false,
    loadConfig: () => ({ config: defaultConfig(), files: [], problems: [], protectionDegraded: false }),
    gather: async (parsed) => {
      const now = opts.clusters[Math.min(gathers++, opts.clusters.length - 1)]!;
      if (now instanceof Error) throw now;
      return { command: { parsed, ops: opts.ops, cwd: '/root' }, facts: host(structuredClone(now)), policy: NO_CONFIG };
    },
    resolveBinary: (name) => (opts.binary === undefined ? `/usr/bin/${name}` : opts.binary),
    run: async (file, argv) => {
      runs.push({ file, argv });
      return opts.child ?? { code: 0, signal: null, error: null };
    },
    appendAudit: (_file, rec) => {
      if (opts.auditFails) throw new Error('EROFS: read-only file system');
      audit.push(rec);
    },
    stderr: (t) => void (err += t),
    screen: async (s) => {
      screens.push(s);
      if (!opts.screen) throw new Error('no screen in this test');
      return opts.screen(s);
    },
    ask: async (_text, prompts) => {
      asked.push(prompts);
      return (opts.ask ?? (() => ({ outcome: 'declined', typed: [''] })))(prompts);
    },
  };
  return { edge, runs, audit, stderr: () => err, gathers: () => gathers, screens, asked };
}

const typesHost = async (s: ConfirmationSession): Promise<ConfirmationResult> => ({ outcome: 'confirmed', typed: ['db-01'], verdict: s.verdict, clusters: s.clusters });

describe('runGuard with a fake edge', () => {
  it('a refusal runs nothing, says why, and writes the audit record', async () => {
    const f = fake({ clusters: [[cluster('running-primary', DD)]], ops: rmDD });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 77, signal: null });
    expect(f.runs).toEqual([]);
    expect(f.screens).toEqual([]);
    expect(f.stderr()).toContain('REFUSED');
    expect(f.audit).toHaveLength(1);
    expect(f.audit[0]).toMatchObject({ event: 'decision', decision: 'refuse', exitCode: 77, ran: false, argv: ['rm', '-rf', DD], host: 'db-01.example.com', time: '2026-12-01T03:12:04.000Z' });
    expect(f.audit[0]!.roles).toEqual([expect.objectContaining({ dataDir: DD, running: true, role: 'primary' })]);
  });

  it('a confirmed action runs once, after the facts are read again, recorded before and after', async () => {
    const f = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, screen: typesHost });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 0, signal: null });
    expect(f.runs).toEqual([{ file: '/usr/bin/rm', argv: ['rm', '-rf', DD] }]);
    expect(f.screens).toHaveLength(1);
    expect(f.gathers()).toBe(2);
    expect(f.audit.map((r) => r.event)).toEqual(['decision', 'exit']);
    expect(f.audit[0]).toMatchObject({ decision: 'confirmed', exitCode: null, ran: true, confirmation: { method: 'screen', matched: true, typed: ['db-01'] } });
    expect(f.audit[1]).toMatchObject({ event: 'exit', exitCode: 0, signal: null });
    expect(f.audit[0]!.id).toBe(f.audit[1]!.id);
  });

  it('a child killed by a signal comes back as {signal}, and its exit is audited', async () => {
    const f = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, screen: typesHost, child: { code: 143, signal: 'SIGTERM', error: null } });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 143, signal: 'SIGTERM' });
    expect(f.runs).toHaveLength(1);
    expect(f.audit[1]).toMatchObject({ event: 'exit', exitCode: 143, signal: 'SIGTERM' });
  });

  it('a harmless command runs at once with no audit record, and its signal comes back too', async () => {
    const f = fake({ clusters: [[cluster('running-primary', DD)]], ops: rmFile, child: { code: 130, signal: 'SIGINT', error: null } });
    expect(await runGuard(rmRequest(['/root/notes.txt']), f.edge)).toEqual({ code: 130, signal: 'SIGINT' });
    expect(f.runs).toEqual([{ file: '/usr/bin/rm', argv: ['rm', '/root/notes.txt'] }]);
    expect(f.gathers()).toBe(1);
    expect(f.audit).toEqual([]);
  });

  it('the footprint fast path: rm runs as typed with no facts read and no record; its exit comes back', async () => {
    const f = fake({ clusters: [new Error('no facts should be read')], ops: rmFile, fastRm: true, child: { code: 1, signal: null, error: null } });
    expect(await runGuard(rmRequest(['-f', '/root/notes.txt']), f.edge)).toEqual({ code: 1, signal: null });
    expect(f.runs).toEqual([{ file: '/usr/bin/rm', argv: ['rm', '-f', '/root/notes.txt'] }]);
    expect(f.gathers()).toBe(0);
    expect(f.audit).toEqual([]);
  });

  it('the footprint fast path is for rm only; without it the guard reads the facts as before', async () => {
    const refused = fake({ clusters: [[cluster('running-primary', DD)]], ops: rmDD, fastRm: false });
    expect(await runGuard(rmRequest(), refused.edge)).toEqual({ code: 77, signal: null });
    expect(refused.runs).toEqual([]);
    const other = fake({ clusters: [[cluster('running-primary', DD)]], ops: rmDD, fastRm: true });
    expect(await runGuard({ ...rmRequest(), mode: 'tool', tool: 'mv' }, other.edge)).toEqual({ code: 77, signal: null });
    expect(other.gathers()).toBe(1);
    expect(other.runs).toEqual([]);
  });

  it('a declined confirmation runs nothing and exits 1', async () => {
    const f = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, screen: async () => ({ outcome: 'declined', typed: ['db-02'] }) });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 1, signal: null });
    expect(f.runs).toEqual([]);
    expect(f.stderr()).toContain('not confirmed — nothing was run on db-01.example.com');
    expect(f.audit).toEqual([expect.objectContaining({ decision: 'declined', exitCode: 1, ran: false, confirmation: { method: 'screen', matched: false, typed: ['db-02'] } })]);
  });

  it('a hang-up during the question comes back as SIGHUP (main dies by it); Ctrl-C as 130', async () => {
    const hup = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, screen: async () => ({ outcome: 'interrupted', signal: 'SIGHUP' }) });
    expect(await runGuard(rmRequest(), hup.edge)).toEqual({ code: 130, signal: 'SIGHUP' });
    expect(hup.audit).toEqual([expect.objectContaining({ decision: 'interrupted', exitCode: 130 })]);
    const int = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, screen: async () => ({ outcome: 'interrupted', signal: 'SIGINT' }) });
    expect(await runGuard(rmRequest(), int.edge)).toEqual({ code: 130, signal: null });
    expect([...hup.runs, ...int.runs]).toEqual([]);
  });

  it('facts that throw fail closed: nothing runs, before or after the confirmation', async () => {
    const first = fake({ clusters: [new Error('/proc unreadable')], ops: rmFile });
    await expect(runGuard(rmRequest(['/root/notes.txt']), first.edge)).rejects.toThrow('/proc unreadable');
    expect(first.runs).toEqual([]);
    const reread = fake({ clusters: [[cluster('stopped-standby', DD)], new Error('mounts unreadable')], ops: rmDD, screen: typesHost });
    await expect(runGuard(rmRequest(), reread.edge)).rejects.toThrow('mounts unreadable');
    expect(reread.runs).toEqual([]);
  });

  it('without a terminal a confirmation is a refusal that says how to confirm from a script', async () => {
    const f = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, tty: false });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 77, signal: null });
    expect(f.stderr()).toContain('add --confirm=db-01 (or SAFEOPS_CONFIRM=db-01)');
    expect(f.runs).toEqual([]);
    expect(f.audit).toEqual([expect.objectContaining({ decision: 'refuse', exitCode: 77, confirmation: { method: 'none', matched: false, typed: [] } })]);
  });

  it('--confirm=HOST confirms without a terminal; another host declines', async () => {
    const ok = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, tty: false });
    expect(await runGuard(rmRequest(['-rf', DD], 'db-01'), ok.edge)).toEqual({ code: 0, signal: null });
    expect(ok.runs).toHaveLength(1);
    const other = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, tty: false });
    expect(await runGuard(rmRequest(['-rf', DD], 'db-02'), other.edge)).toEqual({ code: 1, signal: null });
    expect(other.runs).toEqual([]);
  });

  it('facts that change before running void the answer: a refusal (77) or a changed state (1)', async () => {
    const started = fake({ clusters: [[cluster('stopped-standby', DD)], [cluster('running-primary', DD)]], ops: rmDD, screen: typesHost });
    expect(await runGuard(rmRequest(), started.edge)).toEqual({ code: 77, signal: null });
    expect(started.stderr()).toContain('the facts changed just before running');
    const moved = fake({ clusters: [[cluster('stopped-standby', DD)], [cluster('stopped', DD)]], ops: rmDD, screen: typesHost });
    expect(await runGuard(rmRequest(), moved.edge)).toEqual({ code: 1, signal: null });
    expect(moved.stderr()).toContain('NOT RUN');
    expect(moved.audit).toEqual([expect.objectContaining({ decision: 'declined', exitCode: 1, confirmation: expect.objectContaining({ matched: true }) })]);
    expect([...started.runs, ...moved.runs]).toEqual([]);
  });

  it('an allowed command that becomes a confirmation before running is not run', async () => {
    // A fast stop of a running standby is allowed; promoted meanwhile, it needs a confirmation.
    const stop: ResolvedOp[] = [{ type: 'stop', mode: 'fast', restart: false, refs: [{ ref: { kind: 'path', path: DD }, dataDirs: [DD], unresolved: null }] }];
    const f = fake({ clusters: [[cluster('running-standby', DD)], [cluster('running-primary', DD)]], ops: stop });
    expect(await runGuard({ mode: 'tool', tool: 'pg_ctl', args: ['-D', DD, '-m', 'fast', 'stop'], confirm: null, selfPath: null }, f.edge)).toEqual({ code: 1, signal: null });
    expect(f.stderr()).toContain('NOT RUN');
    expect(f.runs).toEqual([]);
    expect(f.audit).toEqual([expect.objectContaining({ decision: 'declined', exitCode: 1, confirmation: { method: 'none', matched: false, typed: [] } })]);
  });

  it('the plain prompt (screen cannot start) asks for the same answers as the screen would', async () => {
    const strong = [cluster('stopped', DD)];
    const f = fake({ clusters: [strong], ops: rmDD, ask: (prompts) => ({ outcome: 'confirmed', typed: prompts.map((p) => p.expected) }) });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 0, signal: null });
    expect(f.stderr()).toContain('asking plainly');
    expect(f.asked[0]!.map((p) => p.expected)).toEqual(['db-01', '15/main']);
    expect(f.audit[0]).toMatchObject({ decision: 'confirmed', confirmation: { method: 'prompt', matched: true, typed: ['db-01', '15/main'] } });
    expect(f.runs).toHaveLength(1);
  });

  it('answersFor is the screen rule (expectedAnswers of the touched clusters, in order)', () => {
    const a = cluster('stopped', '/srv/pg/a'), b = cluster('stopped', '/srv/pg/b');
    const v = { kind: 'confirm' as const, strong: true, reasons: [], touched: [b.dataDir, a.dataDir, '/srv/gone'], warnings: [], promoteUpstreams: [], dryRunArgv: null };
    expect(answersFor(v, host([a, b]), 'db-01')).toEqual(expectedAnswers(v, 'db-01', clusterNames(v, [a, b])));
    expect(answersFor({ ...v, strong: false }, host([a, b]), 'db-01')).toEqual(['db-01']);
  });

  it('a confirmed command is refused when its audit record cannot be written', async () => {
    const f = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, screen: typesHost, auditFails: true });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 77, signal: null });
    expect(f.runs).toEqual([]);
    expect(f.stderr()).toContain('cannot write the audit log');
  });

  it('a missing binary exits 127 with a record, nothing run', async () => {
    const f = fake({ clusters: [[cluster('stopped-standby', DD)]], ops: rmDD, screen: typesHost, binary: null });
    expect(await runGuard(rmRequest(), f.edge)).toEqual({ code: 127, signal: null });
    expect(f.runs).toEqual([]);
    expect(f.audit).toEqual([expect.objectContaining({ decision: 'confirm', exitCode: 127 })]);
  });
});
