// The prompt file's rendering (format, order, hostile names, caps) and the atomic writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterFacts, HostFacts } from '../../src/facts/types.js';
import { cluster as base } from './fixtures.js';
import {
  buildStateDoc,
  clusterPromptRole,
  docText,
  ensureStateDir,
  hostRole,
  publishFiles,
  removeStaleTemps,
  renderLabel,
  renderPrompt,
  sanitizeName,
  writeAtomic,
} from '../../src/watch/publish.js';

type Kind = 'primary' | 'standby' | 'recovering' | 'unknown' | 'stopped' | 'running-unknown';

/** A cluster named `name` in one of the states the prompt shows (SQL-confirmed when running). */
function cluster(name: string, kind: Kind, dataDir = `/var/lib/postgresql/${name}`): ClusterFacts {
  const state = kind === 'stopped' ? 'stopped' : kind === 'running-unknown' ? 'unknown' : kind === 'standby' ? 'running-standby' : kind === 'recovering' ? 'recovering' : 'running-primary';
  return base(state, dataDir, { name, ...(kind === 'unknown' ? { role: 'unknown', inRecovery: null } : {}) });
}

const host = (clusters: ClusterFacts[], unidentified: number[] = []): HostFacts => ({
  hostname: 'db-01.example.com',
  shortHostname: 'db-01',
  clusters,
  unidentifiedPostmasters: unidentified.map((pid) => ({ pid, why: 'cwd not readable' })),
  observedAt: '2025-01-01T00:00:00.000Z',
  problems: [],
});

/** What the shells accept (shell/safeops.*): anything else makes the state "stale". */
const SHELL_OK = /^[A-Za-z0-9 ._,:/@()+=-]*$/;

/** The shells' own validation of a prompt file, restated (DEVELOPERS.md). */
function shellAccepts(text: string): boolean {
  const lines = text.split('\n');
  if (lines.pop() !== '') return false;
  if (lines.length > 32 || lines[0] !== 'safeops-prompt 1' || lines[lines.length - 1] !== 'end') return false;
  let alerts = 0;
  for (const l of lines) {
    if (Buffer.byteLength(l) > 200 || !SHELL_OK.test(l)) return false;
    if (l.startsWith('alert ')) alerts++;
  }
  return alerts <= 8 && /^heartbeat \d{1,12}$/.test(lines[1] ?? '') && /^role (primary|unknown|recovering|standby|stopped|none)$/.test(lines[2] ?? '');
}

describe('prompt rendering', () => {
  it('renders the exact format of DEVELOPERS.md', () => {
    const h = host([cluster('15/replica', 'standby'), cluster('15/main', 'primary')]);
    const text = renderPrompt({ heartbeat: 1763780000.7, role: hostRole(h), label: renderLabel(h), alerts: [{ text: 'archiving failing on 15/main' }] });
    expect(text).toBe('safeops-prompt 1\nheartbeat 1763780000\nrole primary\nlabel PRIMARY 15/main, standby 15/replica\nalert archiving failing on 15/main\nend\n');
    expect(shellAccepts(text)).toBe(true);
  });

  it('the host role is the most dangerous one: primary > unknown > recovering > standby > stopped > none', () => {
    const order: Array<[Kind[], string]> = [
      [['stopped', 'standby', 'recovering', 'unknown', 'primary'], 'primary'],
      [['stopped', 'standby', 'recovering', 'unknown'], 'unknown'],
      [['stopped', 'running-unknown'], 'unknown'],
      [['stopped', 'standby', 'recovering'], 'recovering'],
      [['stopped', 'standby'], 'standby'],
      [['stopped'], 'stopped'],
      [[], 'none'],
    ];
    for (const [kinds, want] of order) expect(hostRole(host(kinds.map((k, i) => cluster(`c${i}`, k))))).toBe(want);
    // A postmaster whose data dir is unknown is a running cluster of unknown role.
    expect(hostRole(host([cluster('a', 'standby')], [4242]))).toBe('unknown');
    expect(renderLabel(host([cluster('a', 'standby')], [4242]))).toBe('UNKNOWN pid 4242, standby a');
  });

  it('orders the label by danger, then by name, and says "no clusters" for none', () => {
    const h = host([cluster('b', 'stopped'), cluster('z', 'standby'), cluster('y', 'primary'), cluster('a', 'stopped'), cluster('x', 'recovering'), cluster('w', 'unknown'), cluster('m', 'primary')]);
    expect(renderLabel(h)).toBe('PRIMARY m, PRIMARY y, UNKNOWN w, recovering x, standby z, stopped a, stopped b');
    expect(renderLabel(host([]))).toBe('no clusters');
    expect(clusterPromptRole({ running: false, role: 'standby' })).toBe('stopped');
    expect(clusterPromptRole({ running: 'unknown', role: 'standby' })).toBe('unknown');
  });

  it('sanitises hostile cluster names: escapes, newlines, $(…), non-ASCII', () => {
    const hostile = ['x\x1b]11;#ff0000\x07', 'a\nrole standby\nend', '$(rm -rf /)', '`id`', 'naïve', 'tab\there', 'semi;colon', '', 'a'.repeat(300), 'quo"te\'s'];
    const h = host(hostile.map((n, i) => cluster(n, i % 2 ? 'standby' : 'primary', `/d/${i}`)));
    const text = renderPrompt({ heartbeat: 1, role: hostRole(h), label: renderLabel(h), alerts: hostile.map((n) => ({ text: `SPLIT BRAIN: ${n} and ${n} are both primaries` })) });
    expect(shellAccepts(text)).toBe(true);
    expect(text).not.toMatch(/\x1b|\$\(|`/);
    expect(text.split('\n').filter((l) => l.startsWith('role '))).toEqual(['role primary']); // no injected second role line
    expect(sanitizeName('$(rm -rf /)')).toBe('__rm_-rf_/_');
    expect(sanitizeName('a\nb')).toBe('a_b');
    expect(sanitizeName('')).toBe('_');
    expect(sanitizeName('15/main')).toBe('15/main');
  });

  it('caps the label at 200 bytes with "+N more", and alerts at 8 lines of 200 bytes', () => {
    const h = host(Array.from({ length: 40 }, (_, i) => cluster(`15/cluster-number-${String(i).padStart(2, '0')}`, i < 3 ? 'primary' : 'stopped')));
    const label = renderLabel(h);
    expect(Buffer.byteLength(`label ${label}`)).toBeLessThanOrEqual(200);
    expect(label).toMatch(/^PRIMARY 15\/cluster-number-00, PRIMARY 15\/cluster-number-01, PRIMARY 15\/cluster-number-02, stopped .*, \+(\d+) more$/);
    const shown = label.split(', ').length - 1;
    expect(Number(/\+(\d+) more$/.exec(label)![1]) + shown).toBe(40);
    const alerts = Array.from({ length: 12 }, (_, i) => ({ text: `alert ${i} ${'x'.repeat(400)}` }));
    const text = renderPrompt({ heartbeat: 2, role: 'primary', label, alerts });
    expect(text.split('\n').filter((l) => l.startsWith('alert '))).toHaveLength(8);
    expect(shellAccepts(text)).toBe(true);
  });

  it('one huge name alone still fits', () => {
    const label = renderLabel(host([cluster('n'.repeat(500), 'primary')]));
    expect(Buffer.byteLength(`label ${label}`)).toBeLessThanOrEqual(200);
    expect(label.startsWith('PRIMARY nnn')).toBe(true);
  });

  it('any names at all give a file the shells accept (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom<Kind>('primary', 'standby', 'recovering', 'unknown', 'stopped', 'running-unknown')), { maxLength: 30 }), fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 12 }), (cs, as) => {
        const h = host(cs.map(([n, k], i) => cluster(n, k, `/d/${i}`)));
        return shellAccepts(renderPrompt({ heartbeat: 1763780000, role: hostRole(h), label: renderLabel(h), alerts: as.map((text) => ({ text })) }));
      }),
    );
  });

  it('state.json follows the contract', () => {
    const h = host([cluster('15/main', 'primary')]);
    const doc = buildStateDoc({ host: h, alerts: [], nowMs: 1763780000123, pid: 77 });
    expect(Object.keys(doc)).toEqual(['schema', 'host', 'generatedAt', 'heartbeat', 'watcherPid', 'clusters', 'alerts']);
    expect(doc).toMatchObject({ schema: 'safeops.state/1', host: 'db-01.example.com', generatedAt: '2025-11-22T02:53:20.123Z', heartbeat: 1763780000, watcherPid: 77 });
  });
});

describe('writing the state dir', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-watch-unit-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('creates the dir and shells/ with the contract modes', () => {
    const sys = path.join(tmp, 'system');
    ensureStateDir(sys, { system: true });
    expect(fs.statSync(sys).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(path.join(sys, 'shells')).mode & 0o7777).toBe(0o1777);
    const usr = path.join(tmp, 'user', 'safeops');
    ensureStateDir(usr, { system: false });
    expect(fs.statSync(usr).mode & 0o7777).toBe(0o700);
    expect(fs.statSync(path.join(usr, 'shells')).mode & 0o7777).toBe(0o700);
  });

  it('writes atomically, leaves no temp file, and recreates a deleted state dir', () => {
    const dir = path.join(tmp, 'w');
    ensureStateDir(dir, { system: false });
    writeAtomic(dir, 'prompt', 'one\n');
    writeAtomic(dir, 'prompt', 'two\n');
    expect(fs.readFileSync(path.join(dir, 'prompt'), 'utf8')).toBe('two\n');
    expect(fs.statSync(path.join(dir, 'prompt')).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(dir).sort()).toEqual(['prompt', 'shells']);
    fs.rmSync(dir, { recursive: true });
    const doc = buildStateDoc({ host: host([]), alerts: [], nowMs: 0, pid: 1 });
    publishFiles(dir, doc, 'p\n', { system: false });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).schema).toBe('safeops.state/1');
    expect(fs.existsSync(path.join(dir, 'shells'))).toBe(true);
  });

  it('never writes through a planted symlink, and removes temp files of dead watchers', () => {
    const dir = path.join(tmp, 's');
    ensureStateDir(dir, { system: false });
    const victim = path.join(tmp, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir, `.prompt.${process.pid}.tmp`));
    writeAtomic(dir, 'prompt', 'new\n');
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(fs.readFileSync(path.join(dir, 'prompt'), 'utf8')).toBe('new\n');
    fs.writeFileSync(path.join(dir, '.state.json.999999999.tmp'), 'half');
    removeStaleTemps(dir);
    expect(fs.existsSync(path.join(dir, '.state.json.999999999.tmp'))).toBe(false);
  });
});

describe('docText: state.json with the fleet view written out once per view', () => {
  it('reads back as the document itself, with and without a fleet, and a view changed for a new one is written anew', () => {
    const doc = buildStateDoc({ host: { hostname: 'db-01', shortHostname: 'db-01', clusters: [base('running-primary')], unidentifiedPostmasters: [], observedAt: '2025-01-01T00:00:00.000Z', problems: [] }, alerts: [], nowMs: 1_763_780_000_000, pid: 42 });
    expect(JSON.parse(docText(doc))).toEqual(JSON.parse(JSON.stringify(doc)));
    const view = { self: 'db-01', connected: true, sets: [{ systemIdentifier: '7', members: [{ host: 'db-02', role: 'standby' }] }] };
    const withFleet = { ...doc, fleet: view };
    expect(JSON.parse(docText(withFleet))).toEqual(JSON.parse(JSON.stringify(withFleet)));
    const next = { ...view, sets: [{ systemIdentifier: '7', members: [{ host: 'db-02', role: 'primary' }] }] };
    expect(JSON.parse(docText({ ...doc, fleet: next } as typeof doc)).fleet.sets[0].members[0].role).toBe('primary');
    expect(JSON.parse(docText({ ...doc, fleet: null } as typeof doc))).toEqual(JSON.parse(JSON.stringify({ ...doc, fleet: null })));
  });
});
