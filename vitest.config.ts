import { defineConfig } from 'vitest/config';

// Tests that read the whole host's state (what a watcher sees: every running postmaster, not
// only their own) run last and alone: another file's running primary would keep the host's
// colour red when their failover expects it to change; stand-in postmasters of one would hold up
// another's harmless rm.
// release.test.ts installs the .deb on the host (/usr/bin/safeops, /etc/safeops). Tests that
// lower fs.protected_* sysctls run here too: two overlapping would each restore the other's
// lowered value.
const HOST_WIDE = [
  'test/integration/e2e-terminal.test.ts',
  'test/integration/guard-prechdir.test.ts',
  'test/integration/release.test.ts',
  'test/integration/guard-race.test.ts',
  'test/integration/shell-registration.test.ts',
  'test/integration/demo-teardown-race.test.ts',
  // Two watchers posing as two hosts on one machine see every postmaster on it: alone, and
  // without the rest of the suite's load on their first etcd sync.
  'test/integration/fleet.test.ts',
  'test/integration/patroni.test.ts',
  // WAL switched in a loop while archiving fails: heavy I/O that the suite's servers would share;
  // and the quiet cases, whose root watcher (it finds every postmaster on the host) did not
  // publish within 90 s twice in CI while the rest of the suite ran (diagnostics in the test).
  'test/integration/watch-archiving-busy.test.ts',
  'test/integration/watch-archiving.test.ts',
];

export default defineConfig({
  test: {
    // Integration tests start real PostgreSQL servers, shells and tmux sessions.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['test/setup.ts'],
    // One run directory as TMPDIR, a readable copy of the build for other users, clean-up of
    // whatever a failed test left running: test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    reporters: process.env.SAFEOPS_JSON_REPORT ? ['default', ['json', { outputFile: process.env.SAFEOPS_JSON_REPORT }]] : ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: HOST_WIDE, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'host-wide', include: HOST_WIDE, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
