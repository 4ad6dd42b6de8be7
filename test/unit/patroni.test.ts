// Patroni-managed clusters (issue 13 item 4): the rows that refuse pg_ctl/systemctl/rm behind a
// running Patroni's back, the patronictl command they suggest, and the config/argv readers.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/policy/decide.js';
import type { ResolvedOp } from '../../src/command/types.js';
import type { ClusterState, VerdictKind } from '../../src/policy/types.js';
import type { PatroniFacts } from '../../src/facts/types.js';
import { patroniArgv, patroniConfigFrom, safeWord } from '../../src/patroni/detect.js';
import { parseYamlMaps } from '../../src/patroni/yaml.js';
import { NO_CONFIG, cluster, command, host, ref, target } from './fixtures.js';

const DD = '/var/lib/postgresql/15/main';
const COLUMNS: ClusterState[] = ['running-primary', 'running-standby', 'stopped-standby', 'stopped', 'unknown'];
const PATRONI: PatroniFacts = { how: 'patroni pid 42 runs with /etc/patroni/p 1.yml', running: true, pid: 42, configFile: '/etc/patroni/p 1.yml', scope: 'pg-ha', member: 'node1', namespace: '/service/', restApi: '127.0.0.1:8008', etcdHosts: [], view: null };

const ops: Array<[string, ResolvedOp, string]> = [
  ['stop', { type: 'stop', mode: 'fast', restart: false, refs: [ref([DD])] }, "patronictl -c '/etc/patroni/p 1.yml' pause pg-ha"],
  ['restart', { type: 'stop', mode: 'fast', restart: true, refs: [ref([DD])] }, "patronictl -c '/etc/patroni/p 1.yml' restart pg-ha node1"],
  ['stop immediate', { type: 'stop', mode: 'immediate', restart: false, refs: [ref([DD])] }, 'pause pg-ha'],
  ['kill', { type: 'kill', signal: 'KILL', refs: [ref([DD])] }, 'pause pg-ha'],
  ['promote', { type: 'promote', refs: [ref([DD])] }, "patronictl -c '/etc/patroni/p 1.yml' switchover pg-ha --candidate node1"],
  ['rm -r', { type: 'remove', recursive: true, targets: [target(DD)] }, "patronictl -c '/etc/patroni/p 1.yml' reinit pg-ha node1"],
];

describe('decide: a cluster managed by a running Patroni', () => {
  for (const [name, op, hint] of ops) {
    it.each(COLUMNS.filter((c) => name === 'rm -r' || (c !== 'stopped' && c !== 'stopped-standby')))(`${name} on %s is refused, naming patronictl`, (col) => {
      const v = decide(command('pg_ctl', [op]), host([cluster(col, DD, { patroni: PATRONI })]), NO_CONFIG);
      expect(v.kind).toBe('refuse');
      const r = v.reasons.find((x) => x.role?.startsWith('managed by Patroni'))!;
      expect(r.role).toContain('scope pg-ha, member node1');
      expect(r.next).toContain(hint);
    });
  }

  it('without Patroni running, the table is as before (pg_ctl is the operator\'s in a maintenance window)', () => {
    const v = decide(command('pg_ctl', [ops[0]![1]]), host([cluster('running-standby', DD, { patroni: { ...PATRONI, running: false, pid: null } })]), NO_CONFIG);
    expect(v.kind).toBe('allow');
  });

  it('a Patroni whose config cannot be read counts as running (unknown is the dangerous case)', () => {
    const v = decide(command('pg_ctl', [ops[0]![1]]), host([cluster('running-standby', DD, { patroni: { ...PATRONI, running: 'unknown' } })]), NO_CONFIG);
    expect(v.kind).toBe('refuse');
  });

  it('stop of a stopped member does nothing and stays allowed', () => {
    const v = decide(command('pg_ctl', [ops[0]![1]]), host([cluster('stopped', DD, { patroni: PATRONI })]), NO_CONFIG);
    expect(v.kind).toBe('allow');
  });

  it('never makes a verdict milder', () => {
    const expected: Record<ClusterState, VerdictKind> = { 'running-primary': 'refuse', 'running-standby': 'refuse', 'stopped-standby': 'refuse', stopped: 'refuse', unknown: 'refuse' };
    for (const col of COLUMNS) expect(decide(command('rm', [ops[5]![1]]), host([cluster(col, DD, { patroni: PATRONI })]), NO_CONFIG).kind).toBe(expected[col]);
  });
});

describe('Patroni config and process readers', () => {
  it('reads the keys safeops uses from a real-looking config', () => {
    const doc = parseYamlMaps(`scope: pg-ha
namespace: /db/
name: node1   # this host
restapi:
  listen: 0.0.0.0:8009
  connect_address: 127.0.0.1:8009
etcd3:
  hosts:
  - 127.0.0.1:2379
  - "127.0.0.2:2379"
bootstrap:
  dcs:
    ttl: 30
postgresql:
  listen: 127.0.0.1:5432
  data_dir: '/var/lib/postgresql/15/main'
  authentication:
    superuser:
      username: postgres
`);
    const c = patroniConfigFrom(doc, '/etc/patroni/x.yml');
    expect(c).toMatchObject({ scope: 'pg-ha', name: 'node1', namespace: '/db/', dataDir: '/var/lib/postgresql/15/main', restApi: '127.0.0.1:8009', etcdHosts: ['127.0.0.1:2379', '127.0.0.2:2379'] });
    expect(patroniConfigFrom(parseYamlMaps('restapi:\n  listen: :8008\n'), 'f').restApi).toBe('127.0.0.1:8008');
    expect(patroniConfigFrom({}, 'f', { PATRONI_POSTGRESQL_DATA_DIR: '/d', PATRONI_SCOPE: 's' })).toMatchObject({ dataDir: '/d', scope: 's', namespace: '/service/' });
  });

  it('recognises the daemon, not its tools', () => {
    expect(patroniArgv(['/usr/bin/python3', '/usr/bin/patroni', '/etc/patroni/a.yml'])).toEqual({ isPatroni: true, configArg: '/etc/patroni/a.yml' });
    expect(patroniArgv(['python3', '-u', '/usr/bin/patroni', 'a.yml'])).toEqual({ isPatroni: true, configArg: 'a.yml' });
    expect(patroniArgv(['python3', '-m', 'patroni', 'a.yml']).isPatroni).toBe(true);
    expect(patroniArgv(['/usr/bin/python3', '/usr/bin/patronictl', '-c', 'a.yml', 'list']).isPatroni).toBe(false);
    expect(patroniArgv(['/usr/bin/patroni', '--validate-config', 'a.yml']).isPatroni).toBe(false);
    expect(patroniArgv(['vim', 'patroni']).isPatroni).toBe(false);
  });

  it('hostile names are reduced to a narrow charset', () => {
    expect(safeWord('pg\x1b]11;#ff0000\x07$(reboot)')).toBe('pg__11__ff0000___reboot_');
    expect(safeWord('x'.repeat(500))!.length).toBe(64);
  });
});
