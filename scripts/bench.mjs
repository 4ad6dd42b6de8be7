// `npm run bench`: bundles bench/run.ts (it reuses the test fixtures for real PostgreSQL and
// tmux) and runs it. Needs root, like the integration tests. Writes BENCHMARKS.md.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!fs.existsSync(path.join(root, 'dist/safeops.cjs'))) {
  console.error('bench: build first (npm run build)');
  process.exit(1);
}
// One bundle per checkout: worktrees share node_modules (and so this cache) with main.
const out = path.join(root, 'node_modules/.cache/safeops-bench', `run-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.mjs`);
await esbuild.build({ absWorkingDir: root, entryPoints: ['bench/run.ts'], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root, env: { ...process.env, SAFEOPS_REPO_ROOT: root } });
process.exit(r.status ?? 1);
