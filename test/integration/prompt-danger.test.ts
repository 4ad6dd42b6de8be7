// The prompt never shows less danger than the guard assumes (issue 15.4): a real running primary
// with a stray standby.signal and no SQL, and a real standby whose server does not answer
// (SIGSTOPped), are `unknown` for the prompt (and its colour), as they are for the guard.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, type CliEnv } from '../support/cli.js';
import { cleanupAll, createStandby, initPrimary, makeTempRoot, postgresIds, readPidFile, type PgNode } from '../support/pg.js';
import { clusterPromptRole, hostRole } from '../../src/watch/publish.js';
import type { ClusterFacts } from '../../src/facts/types.js';

let root: string;
let primary: PgNode;
let standby: PgNode;

beforeAll(async () => {
  root = makeTempRoot('safeops-danger-');
  primary = await initPrimary({ root, name: 'primary' });
  standby = await createStandby(primary, { root, name: 'standby' });
}, 180_000);
afterAll(async () => {
  await cleanupAll();
});

type StatusCluster = Pick<ClusterFacts, 'dataDir' | 'running' | 'role' | 'roleSource'> & { state: string };
async function statusOf(env: CliEnv, dataDir: string): Promise<StatusCluster> {
  const r = await safeops(['status', '--json'], env.env);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { clusters: StatusCluster[] }).clusters.find((c) => c.dataDir === dataDir)!;
}

describe('the prompt role of clusters whose role SQL does not confirm', () => {
  it('a primary with a stray standby.signal, SQL failing (sql.user a role that does not exist): unknown, not standby', async () => {
    const sig = path.join(primary.dataDir, 'standby.signal');
    fs.writeFileSync(sig, '');
    fs.chownSync(sig, postgresIds().uid, postgresIds().gid);
    const env = cliEnv({ roots: [root], extra: { sql: { user: 'no_such_role_xyz', connectTimeoutMs: 1000 } } });
    try {
      const c = await statusOf(env, primary.dataDir);
      expect([c.running, c.role, c.roleSource]).toEqual([true, 'standby', 'signal-file']);
      expect(c.state).toBe('unknown'); // the guard's view
      expect(clusterPromptRole(c)).toBe('unknown'); // the prompt's
      expect(hostRole({ clusters: [c as unknown as ClusterFacts], unidentifiedPostmasters: [] })).toBe('unknown');
    } finally {
      fs.rmSync(sig, { force: true });
      fs.rmSync(env.dir, { recursive: true, force: true });
    }
  });

  it('a SIGSTOPped standby: unknown, not standby', async () => {
    const env = cliEnv({ roots: [root], extra: { sql: { connectTimeoutMs: 500 } } });
    const pid = readPidFile(standby)!.pid;
    try {
      const before = await statusOf(env, standby.dataDir);
      expect([before.role, before.roleSource, clusterPromptRole(before)]).toEqual(['standby', 'sql', 'standby']);
      process.kill(pid, 'SIGSTOP');
      const c = await statusOf(env, standby.dataDir);
      expect([c.running, c.role, c.roleSource]).toEqual([true, 'standby', 'signal-file']);
      expect(c.state).toBe('unknown');
      expect(clusterPromptRole(c)).toBe('unknown');
    } finally {
      process.kill(pid, 'SIGCONT');
      fs.rmSync(env.dir, { recursive: true, force: true });
    }
  });
});
