// Before a restore (issue 11): what the confirmation shows about the restore tool and the backup,
// from a real pgBackRest repository (and a pgbackrest wrapper that claims an older version), and
// from the wal-g recording fixture's backup-list --json --detail.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { olderVersion, restoreNotes, restoreTarget } from '../../src/guard/restore-info.js';
import { FIXTURE_BIN } from '../support/cli.js';
import { cleanupAll, initPrimary, makeTempRoot } from '../support/pg.js';
import { PGBACKREST, setupPgBackRest, type PgBackRestSetup } from '../support/pgbackrest.js';

describe('restore confirmations: tool version and backup age', () => {
  let root: string;
  let bk: PgBackRestSetup;
  const now = () => new Date();

  beforeAll(async () => {
    root = makeTempRoot('so-rinfo-');
    const primary = await initPrimary({ root, name: 'riprim', archive: true });
    bk = await setupPgBackRest(primary, { root });
  }, 300_000);
  afterAll(cleanupAll);

  const pgbr = (bin: string) => restoreNotes({ tool: 'pgbackrest', innerArgv: ['pgbackrest', `--config=${bk.configFile}`, '--stanza=demo', '--delta', 'restore'], envOverrides: {} }, { env: process.env, now, resolve: () => bin });

  it('pgbackrest restore: the version here, the newest backup, its age and the version that made it', async () => {
    const notes = await pgbr(PGBACKREST);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(new RegExp(`^restore tool: pgBackRest 2\\.\\d+ \\(${PGBACKREST}\\); stanza demo: backup \\d{8}-\\d{6}F, \\d+ min old, made by pgBackRest 2\\.\\d+$`));
  }, 60_000);

  it('warns when the restore tool is older than the pgBackRest that made the backup', async () => {
    const old = path.join(root, 'old-pgbackrest');
    fs.writeFileSync(old, `#!/bin/sh\nif [ "$1" = version ]; then echo "pgBackRest 2.1"; exit 0; fi\nexec ${PGBACKREST} "$@"\n`, { mode: 0o755 });
    const notes = await pgbr(old);
    expect(notes[1]).toMatch(/^the restore tool \(pgBackRest 2\.1\) is OLDER than pgBackRest 2\.\d+ that made this backup/);
  }, 60_000);

  it('a --set that is not in the repository is said so', async () => {
    const notes = await restoreNotes({ tool: 'pgbackrest', innerArgv: ['pgbackrest', `--config=${bk.configFile}`, '--stanza=demo', '--set=20200101-000000F', 'restore'], envOverrides: {} }, { env: process.env, now, resolve: () => PGBACKREST });
    expect(notes[0]).toContain('backup 20200101-000000F not found');
  }, 60_000);

  it('wal-g backup-fetch: its version and the backup it would fetch, with its age', async () => {
    const walg = path.join(FIXTURE_BIN, 'wal-g');
    const latest = await restoreNotes({ tool: 'wal-g', innerArgv: ['wal-g', 'backup-fetch', '/tmp/nowhere', 'LATEST'], envOverrides: {} }, { env: process.env, now, resolve: () => walg });
    expect(latest[0]).toMatch(/^restore tool: wal-g version v3\.0\.5 .*; backup base_000000010000000000000004 finished 2025-01-10T03:00:07\.512Z, [\d.]+ days old/);
    const named = await restoreNotes({ tool: 'wal-g', innerArgv: ['/opt/wal-g/wal-g', 'backup-fetch', '/tmp/nowhere', 'base_000000010000000000000099'], envOverrides: {} }, { env: process.env, now, resolve: () => walg });
    expect(named[0]).toContain('backup base_000000010000000000000099 not in backup-list');
    const missing = await restoreNotes({ tool: 'wal-g', innerArgv: ['wal-g', 'backup-fetch', '/tmp/x', 'LATEST'], envOverrides: {} }, { env: process.env, now, resolve: () => null });
    expect(missing[0]).toContain('was not found');
  }, 60_000);

  it('which commands are restores, and version order (pure)', () => {
    expect(restoreTarget({ tool: 'wal-g', innerArgv: ['wal-g', '--config', '/etc/walg.json', 'backup-fetch', '/d', 'LATEST'] })).toEqual({ kind: 'wal-g', options: ['--config', '/etc/walg.json'], backup: 'LATEST' });
    expect(restoreTarget({ tool: 'wal-g', innerArgv: ['wal-g', 'backup-list'] })).toBeNull();
    expect(restoreTarget({ tool: 'pgbackrest', innerArgv: ['pgbackrest', '--stanza=main', '--set=X', 'restore'] })).toEqual({ kind: 'pgbackrest', options: ['--stanza=main'], backup: 'X' });
    expect(restoreTarget({ tool: 'pgbackrest', innerArgv: ['pgbackrest', 'info'] })).toBeNull();
    expect(olderVersion('pgBackRest 2.45', '2.50')).toBe(true);
    expect(olderVersion('pgBackRest 2.50', '2.50')).toBe(false);
    expect(olderVersion('pgBackRest 2.51', '2.50')).toBe(false);
    expect(olderVersion('wal-g version v3.0.5', 'v3.0.10')).toBe(true);
    expect(olderVersion('unknown', '2.5')).toBeNull();
  });
});
