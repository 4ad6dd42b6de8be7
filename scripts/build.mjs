// Builds the `safeops` bin. Start-up time is a feature (DEVELOPERS.md, "Start-up"):
//  - dist/core.cjs: ONE CommonJS file with everything a guarded command needs (parse, facts,
//    decide, run, audit). CommonJS skips Node's ESM loader and needs no extra files at start.
//  - dist/safeops.cjs (the bin): scripts/loader.cjs, which runs core.cjs from a V8 code cache
//    (dist/core.v8cache, made here by running a harmless command once).
//  - dist/lazy/*.mjs: ESM with code splitting for what only some commands need (yargs CLI, the
//    Ink screen, pg, execa, chokidar, conf), loaded on demand through the loader.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist');
fs.rmSync(out, { recursive: true, force: true });

/** Modules loaded only on demand: name in dist/lazy -> source. */
export const LAZY = {
  cli: 'src/cli.ts',
  ui: 'src/ui/run.tsx',
  sql: 'src/facts/sql.ts',
  size: 'src/facts/size.ts',
  upstream: 'src/facts/upstream.ts',
  'dry-run': 'src/run/dry-run.ts',
  init: 'src/commands/init.ts',
};
const lazyBySource = new Map(Object.entries(LAZY).map(([name, src]) => [path.join(root, src).replace(/\.tsx?$/, ''), name]));

/** `import text from './file?raw'` (as in Vite/vitest) bundles the file's text. */
const rawPlugin = {
  name: 'raw',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path.slice(0, -4)), namespace: 'raw' }));
    build.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({ contents: fs.readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

/** In the entry, a dynamic import of a lazy module becomes import('./lazy/<name>.mjs'). */
const lazyExternal = {
  name: 'lazy-external',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = lazyBySource.get(path.resolve(args.resolveDir, args.path).replace(/\.js$/, ''));
      return name ? { path: `./lazy/${name}.mjs`, external: true } : undefined;
    });
  },
};

/**
 * In the ESM build, Node builtins are loaded with require() instead of import: the ESM facade
 * of a builtin copies every export, running lazy getters (fs.promises pulls in streams and
 * readline). The banner's createRequire provides `require`.
 */
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(build) {
    const builtins = new Set(builtinModules);
    build.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
      const bare = args.path.replace(/^node:/, '');
      if (!builtins.has(bare) && !builtins.has(bare.split('/')[0])) return undefined;
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      return { path: args.path, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: process.env.SAFEOPS_BUILD_MINIFY !== '0',
  legalComments: 'none',
  metafile: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.DEV': '"false"' },
  alias: { 'react-devtools-core': path.join(root, 'scripts/stubs/react-devtools-core.mjs') },
  logLevel: 'warning',
};

const entry = await esbuild.build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: path.join(out, 'core.cjs'),
  format: 'cjs',
  plugins: [rawPlugin, lazyExternal],
});
// The core runs inside the loader's vm.Script, where import() is unavailable on Node 20: its
// lazy imports go through the loader's own import(), passed in as __safeopsImport.
const corePath = path.join(out, 'core.cjs');
const core = fs.readFileSync(corePath, 'utf8');
const rewritten = core.replaceAll('import("./lazy/', '__safeopsImport("./lazy/');
if (rewritten === core || /\bimport\(/.test(rewritten)) throw new Error('core.cjs: unexpected dynamic import() left after rewriting lazy imports');
fs.writeFileSync(corePath, rewritten);
fs.copyFileSync(path.join(root, 'scripts/loader.cjs'), path.join(out, 'safeops.cjs'));

const lazy = await esbuild.build({
  ...common,
  entryPoints: Object.fromEntries(Object.entries(LAZY)),
  outdir: path.join(out, 'lazy'),
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [rawPlugin, builtinsViaRequire],
  banner: { js: "import{createRequire as __safeopsCreateRequire}from'node:module';const require=__safeopsCreateRequire(import.meta.url);" },
});

fs.chmodSync(path.join(out, 'safeops.cjs'), 0o755);

/** Make the code cache by running a harmless guarded command once, isolated from the host's config. */
function makeCodeCache() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-build-'));
  try {
    fs.writeFileSync(path.join(tmp, 'config.json'), '{"discovery": {"roots": []}}');
    fs.writeFileSync(path.join(tmp, 'victim'), '');
    const env = { ...process.env, SAFEOPS_WRITE_CODE_CACHE: '1', SAFEOPS_CONFIG: path.join(tmp, 'config.json'), SAFEOPS_AUDIT_LOG: path.join(tmp, 'audit.jsonl'), SAFEOPS_STATE_DIR: path.join(tmp, 'state') };
    execFileSync(process.execPath, [path.join(out, 'safeops.cjs'), 'rm', path.join(tmp, 'victim')], { env, stdio: 'inherit' });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
makeCodeCache();
fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify({ entry: entry.metafile, lazy: lazy.metafile }));
const size = fs.statSync(corePath).size;
const cache = fs.statSync(path.join(out, 'core.v8cache')).size;
const chunks = fs.readdirSync(path.join(out, 'lazy', 'chunks')).length;
console.log(`built dist/safeops.cjs + core.cjs (${(size / 1024).toFixed(0)} KiB, the whole fast path; code cache ${(cache / 1024).toFixed(0)} KiB) + dist/lazy (${Object.keys(LAZY).length} entries, ${chunks} chunks)`);
