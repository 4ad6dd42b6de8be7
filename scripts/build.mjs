// Bundles src/main.ts into dist/safeops.mjs (the `safeops` bin). Heavy parts (yargs, pg, ink,
// chokidar) are split into lazily imported chunks so a harmless guarded command never loads
// them: a single file carrying them costs ~45 ms more at every start (see DEVELOPERS.md).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist');
fs.rmSync(out, { recursive: true, force: true });

/** `import text from './file?raw'` (as in Vite/vitest) bundles the file's text. */
const rawPlugin = {
  name: 'raw',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -4)),
      namespace: 'raw',
    }));
    build.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({
      contents: fs.readFileSync(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { safeops: 'src/main.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  keepNames: false,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.DEV': '"false"' },
  alias: { 'react-devtools-core': path.join(root, 'scripts/stubs/react-devtools-core.mjs') },
  plugins: [rawPlugin],
  banner: {
    js: "#!/usr/bin/env node\nimport{createRequire as __safeopsCreateRequire}from'node:module';const require=__safeopsCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
fs.chmodSync(path.join(out, 'safeops.mjs'), 0o755);
fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(result.metafile));
const size = fs.statSync(path.join(out, 'safeops.mjs')).size;
console.log(`built dist/safeops.mjs (${(size / 1024).toFixed(0)} KiB entry, ${(fs.existsSync(path.join(out, 'chunks')) ? fs.readdirSync(path.join(out, 'chunks')).length : 0)} lazy chunks)`);
