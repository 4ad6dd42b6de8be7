// SQL facts as root with peer authentication (Debian's default): without a monitoring role the
// roles come from signal files only (and a standby counts as unknown); with the README's recipe
// (pgmon + pg_ident map for root) they are confirmed over SQL.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, safeops, safeopsAs, type CliEnv } from '../support/cli.js';
import { cleanupAll, createStandby, initPrimary, makeTempRoot, pgBin, psql, writeOwned, type PgNode } from '../support/pg.js';

const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl';
let root: string;
let primary: PgNode;
let standby: PgNode;
let plain: CliEnv;
let withMonitor: CliEnv;

type Status = { clusters: Array<{ dataDir: string; role: string; roleSource: string; roleDetail: string; problems: string[] }> };
const statusOf = async (env: CliEnv) => JSON.parse((await safeops(['status', '--json'], env.env)).stdout) as Status;

beforeAll(async () => {
  root = makeTempRoot('safeops-sqlroot-');
  primary = await initPrimary({ root, name: 'primary' });
  await psql(primary, 'CREATE ROLE pgmon LOGIN');
  await psql(primary, 'GRANT pg_monitor TO pgmon');
  // The README's recipe, with peer authentication for everyone else (as Debian ships it).
  writeOwned(path.join(primary.dataDir, 'pg_ident.conf'), 'rootmon root pgmon\nrootmon postgres pgmon\n', 0o600);
  writeOwned(path.join(primary.dataDir, 'pg_hba.conf'), 'local all pgmon peer map=rootmon\nlocal all all peer\nlocal replication all peer\n', 0o600);
  await pgBin('pg_ctl', ['-D', primary.dataDir, 'reload']);
  standby = await createStandby(primary, { root, name: 'standby' });
  plain = cliEnv({ roots: [root] });
  withMonitor = cliEnv({ roots: [root], extra: { sql: { user: 'pgmon' } } });
}, 120_000);

afterAll(async () => {
  await cleanupAll();
  for (const e of [plain, withMonitor]) if (e) fs.rmSync(e.dir, { recursive: true, force: true });
});

describe('SQL facts as root', () => {
  it('without a monitoring role, roles come from signal files and say so', async () => {
    const st = await statusOf(plain);
    const p = st.clusters.find((c) => c.dataDir === primary.dataDir)!;
    const s = st.clusters.find((c) => c.dataDir === standby.dataDir)!;
    expect([p.role, p.roleSource]).toEqual(['primary', 'signal-file']);
    expect([s.role, s.roleSource]).toEqual(['standby', 'signal-file']);
    expect(s.roleDetail).toContain('not confirmed over SQL');
    expect(p.problems.join(' ')).toContain('see README "SQL facts as root"');
  });

  it('a standby known only from its signal file counts as unknown: stopping it asks', async () => {
    const r = await safeopsAs('postgres', ['exec', PG_CTL, '-D', standby.dataDir, 'stop'], { ...plain.env, SAFEOPS_CONFIG: plain.config });
    // As postgres, peer authentication works: the role is confirmed, the stop allowed.
    expect(r.exitCode, r.stderr).toBe(0);
    const { startNode } = await import('../support/pg.js');
    await startNode(standby, { waitStreaming: true });
    const explain = await safeops(['explain', 'exec', PG_CTL, '-D', standby.dataDir, 'stop'], plain.env);
    expect(explain.stdout).toContain('CONFIRM');
    expect(explain.stdout).toContain('NOT confirmed over SQL');
  });

  it("with the README's pgmon recipe, root confirms every role over SQL", async () => {
    const st = await statusOf(withMonitor);
    const p = st.clusters.find((c) => c.dataDir === primary.dataDir)!;
    const s = st.clusters.find((c) => c.dataDir === standby.dataDir)!;
    expect([p.role, p.roleSource]).toEqual(['primary', 'sql']);
    expect([s.role, s.roleSource]).toEqual(['standby', 'sql']);
    const explain = await safeops(['explain', 'exec', PG_CTL, '-D', standby.dataDir, 'stop'], withMonitor.env);
    expect(explain.stdout).toContain('ALLOW');
  });
});
