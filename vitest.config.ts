import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Integration tests start real PostgreSQL servers, shells and tmux sessions.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['test/setup.ts'],
    reporters: process.env.SAFEOPS_JSON_REPORT ? ['default', ['json', { outputFile: process.env.SAFEOPS_JSON_REPORT }]] : ['default'],
  },
});
