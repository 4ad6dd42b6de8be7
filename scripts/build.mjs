// Builds the `safeops` bin. Start-up time is a feature (DEVELOPERS.md, "Start-up"):
//  - dist/core.cjs: ONE CommonJS file with everything a guarded command needs (parse, facts,
//    decide, run, audit). CommonJS skips Node's ESM loader and needs no extra files at start.
//  - dist/ui.cjs: the Ink confirmation screen, also one CommonJS file (yoga's top-level await is
//    shimmed away, src/ui/yoga.ts), loaded only when a confirmation is needed.
//  - dist/safeops.cjs (the bin): scripts/loader.cjs, which runs core.cjs and ui.cjs from V8 code
//    caches (dist/*.v8cache, made here by running a harmless command and a confirmation once).
//  - dist/lazy/*.mjs: ESM with code splitting for what only some commands need (yargs CLI, pg,
//    execa, chokidar, conf), loaded on demand through the loader.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// SAFEOPS_BUILD_OUT: another directory (the release builds there, leaving dist/ to the tests).
const out = process.env.SAFEOPS_BUILD_OUT ? path.resolve(process.env.SAFEOPS_BUILD_OUT) : path.join(root, 'dist');
fs.rmSync(out, { recursive: true, force: true });

/** Modules loaded only on demand: name in dist/lazy -> source. */
export const LAZY = {
  cli: 'src/cli.ts',
  sql: 'src/facts/sql.ts',
  size: 'src/facts/size.ts',
  upstream: 'src/facts/upstream.ts',
  'dry-run': 'src/run/dry-run.ts',
  init: 'src/commands/init.ts',
  'restore-info': 'src/guard/restore-info.ts',
};
/** Lazy CommonJS modules run from their own code cache: name in dist -> source. */
const LAZY_CJS = { ui: 'src/ui/run.tsx' };
const stripExt = (src) => path.join(root, src).replace(/\.tsx?$/, '');
const lazyBySource = new Map([...Object.entries(LAZY).map(([name, src]) => [stripExt(src), `./lazy/${name}.mjs`]), ...Object.entries(LAZY_CJS).map(([name, src]) => [stripExt(src), `./${name}.cjs`])]);

/** `import text from './file?raw'` (as in Vite/vitest) bundles the file's text. */
const rawPlugin = {
  name: 'raw',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path.slice(0, -4)), namespace: 'raw' }));
    build.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({ contents: fs.readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

/** In the entry, a dynamic import of a lazy module becomes import('./lazy/<name>.mjs') or import('./<name>.cjs'). */
const lazyExternal = {
  name: 'lazy-external',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const target = lazyBySource.get(path.resolve(args.resolveDir, args.path).replace(/\.js$/, ''));
      return target ? { path: target, external: true } : undefined;
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

/**
 * In the CommonJS core, each Node builtin becomes a small ES module that requires it once and
 * re-exports it: esbuild's own interop (__toESM) copies every property of every builtin into a
 * getter at start (~3 ms). Plain value properties are exported by name (read once, cheap); lazy
 * getters (fs.promises) are left alone, reachable through the default export.
 */
/**
 * Builtins the core requires only when it uses them: each costs milliseconds at start (net and
 * stream come with child_process and tty) and a harmless `safeops rm` needs none of them
 * (src/run/spawn.ts starts the child without child_process; src/util/isatty.ts).
 */
const LAZY_BUILTINS = new Set(['child_process', 'net', 'tty', 'readline', 'dgram']);

const builtinsAsEsm = {
  name: 'builtins-as-esm',
  setup(build) {
    const builtins = new Set(builtinModules);
    build.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
      const bare = args.path.replace(/^node:/, '');
      if (!builtins.has(bare) && !builtins.has(bare.split('/')[0])) return undefined;
      if (args.namespace === 'builtin-esm') return { path: args.path, external: true };
      return { path: args.path, namespace: 'builtin-esm' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin-esm' }, (args) => {
      const mod = createRequire(import.meta.url)(args.path);
      const names = Object.entries(Object.getOwnPropertyDescriptors(mod))
        .filter(([k, d]) => 'value' in d && /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default')
        .map(([k]) => k);
      if (LAZY_BUILTINS.has(args.path.replace(/^node:/, ''))) {
        // Required at first use, not at start: its functions delegate, its default export is an
        // object of getters. A named export that is not a function does not exist here: importing
        // one fails the build (esbuild: no matching export).
        const fns = names.filter((k) => typeof mod[k] === 'function');
        const lines = [
          'let m;',
          `const get = () => (m ??= require(${JSON.stringify(args.path)}));`,
          `export default Object.defineProperties({}, { ${Object.keys(mod).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k)).map((k) => `${k}: { get: () => get().${k}, enumerable: true }`).join(', ')} });`,
          ...fns.map((k) => `export function ${k}(...a) { return new.target ? new (get().${k})(...a) : get().${k}(...a); }`),
        ];
        return { contents: lines.join('\n'), loader: 'js' };
      }
      const lines = [`const m = require(${JSON.stringify(args.path)});`, 'export default m;', ...names.map((k) => `export const ${k} = m.${k};`)];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/**
 * etcd3 parses its .proto files from its own package directory when it loads
 * (`loadSync(`${__dirname}/../proto/rpc.proto`, OPTIONS)`), which a bundle or the single
 * executable cannot do. Here the same proto-loader parses them at build time, with the same
 * options, into protobufjs' JSON descriptor; the bundled module builds the same package
 * definition from it (`fromJSON(JSON, OPTIONS)`). If etcd3's source changes, the build fails here.
 */
const etcd3Protos = {
  name: 'etcd3-protos',
  setup(build) {
    build.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
      const src = fs.readFileSync(args.path, 'utf8');
      const call = '(0, proto_loader_1.loadSync)(`${__dirname}/../proto/rpc.proto`, {';
      if (src.split(call).length !== 2) throw new Error(`${args.path}: etcd3 changed; revisit scripts/build.mjs (etcd3-protos)`);
      const req = createRequire(args.path);
      const util = req(req.resolve('@grpc/proto-loader').replace(/index\.js$/, 'util.js'));
      const proto = path.join(path.dirname(args.path), '../proto/rpc.proto');
      const json = util.loadProtosWithOptionsSync(proto, { keepCase: true }).toJSON();
      return { contents: src.replace(call, `(0, proto_loader_1.fromJSON)(${JSON.stringify(json)}, {`), loader: 'js', resolveDir: path.dirname(args.path) };
    });
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
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.DEV': '"false"', 'process.env.SAFEOPS_BUILD_VERSION': JSON.stringify(process.env.SAFEOPS_RELEASE_VERSION || JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version) },
  alias: {
    'react-devtools-core': path.join(root, 'scripts/stubs/react-devtools-core.mjs'),
    // See the file: the package's own costs ~30 ms before the confirmation screen's first frame.
    'string-width': path.join(root, 'src/ui/string-width.ts'),
    // See the file: CI=1 in an operator's environment must not hide the confirmation screen.
    'is-in-ci': path.join(root, 'scripts/stubs/is-in-ci.mjs'),
  },
  logLevel: 'warning',
};

const entry = await esbuild.build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: path.join(out, 'core.cjs'),
  format: 'cjs',
  plugins: [rawPlugin, lazyExternal, builtinsAsEsm],
});
// The core runs inside the loader's vm.Script, where import() is unavailable on Node 20: its
// lazy imports go through the loader's own import(), passed in as __safeopsImport.
const corePath = path.join(out, 'core.cjs');
const core = fs.readFileSync(corePath, 'utf8');
const rewritten = core.replaceAll('import("./lazy/', '__safeopsImport("./lazy/').replace(/import\("\.\/(\w+)\.cjs"\)/g, '__safeopsRequire("./$1.cjs")');
if (rewritten === core || /\bimport\(/.test(rewritten)) throw new Error('core.cjs: unexpected dynamic import() left after rewriting lazy imports');
fs.writeFileSync(corePath, rewritten);
fs.copyFileSync(path.join(root, 'scripts/loader.cjs'), path.join(out, 'safeops.cjs'));

// dist/boot.cjs: what the loader runs first (src/boot.ts): a harmless `rm` the watcher's footprint
// decides, without the core. No dynamic import in it: it loads the core through the loader.
const boot = await esbuild.build({
  ...common,
  entryPoints: ['src/boot.ts'],
  outfile: path.join(out, 'boot.cjs'),
  format: 'cjs',
  plugins: [builtinsAsEsm],
});
if (/\bimport\(/.test(fs.readFileSync(path.join(out, 'boot.cjs'), 'utf8'))) throw new Error('boot.cjs: a dynamic import() crept in (src/boot.ts must stay synchronous and small)');

/** Ink imports `yoga-layout`; the screen gets the shim without top-level await (src/ui/yoga.ts). */
const yogaShim = {
  name: 'yoga-shim',
  setup(build) {
    build.onResolve({ filter: /^yoga-layout$/ }, () => ({ path: path.join(root, 'src/ui/yoga.ts') }));
  },
};
/**
 * Ink's reconciler awaits at top level only when DEV=true (React devtools, and reading its own
 * package.json for them). safeops never sets DEV: those two awaits are removed so the screen can
 * be CommonJS. If Ink's source changes, the build fails here rather than shipping a broken screen.
 */
const inkNoDevtools = {
  name: 'ink-no-devtools',
  setup(build) {
    build.onLoad({ filter: /ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      const src = fs.readFileSync(args.path, 'utf8');
      const patched = src.replace("await import('./devtools.js');", 'void 0;').replace('? await loadPackageJson()', '? { name: undefined, version: undefined }');
      if ((patched.match(/\bawait\b/g) ?? []).length !== (src.match(/\bawait\b/g) ?? []).length - 2) throw new Error(`${args.path}: Ink changed; revisit scripts/build.mjs (ink-no-devtools)`);
      return { contents: patched, loader: 'js' };
    });
  },
};
// The yoga WebAssembly as bytes (src/ui/yoga.ts reads it instead of decoding base64 at run time).
const yogaJs = fs.readFileSync(path.join(root, 'node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js'), 'utf8');
const yogaB64 = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(yogaJs);
if (!yogaB64) throw new Error('yoga-layout changed: its embedded WebAssembly was not found (scripts/build.mjs)');
fs.writeFileSync(path.join(out, 'yoga.wasm'), Buffer.from(yogaB64[1], 'base64'));

const ui = await esbuild.build({
  ...common,
  entryPoints: [LAZY_CJS.ui],
  outfile: path.join(out, 'ui.cjs'),
  format: 'cjs',
  plugins: [yogaShim, inkNoDevtools, builtinsAsEsm],
});

const lazy = await esbuild.build({
  ...common,
  entryPoints: Object.fromEntries(Object.entries(LAZY)),
  outdir: path.join(out, 'lazy'),
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // etcd3 (only the watcher and the fleet commands load it, when fleet.etcd is configured) is
  // bundled like the rest, its .proto files as a JSON descriptor (etcd3Protos): no node_modules at
  // run time, and the single executable carries the fleet too.
  plugins: [rawPlugin, builtinsViaRequire, etcd3Protos],
  banner: { js: "import{createRequire as __safeopsCreateRequire}from'node:module';const require=__safeopsCreateRequire(import.meta.url);" },
});

fs.chmodSync(path.join(out, 'safeops.cjs'), 0o755);

/**
 * Make the code caches the way they are used: a harmless guarded command for core.cjs, then a
 * real confirmation screen in a pseudo-terminal (python3's pty), answered with Escape, for
 * ui.cjs. Both run isolated from the host's config.
 */
// The mount table's fingerprint as the watcher publishes it (src/util/fingerprint.ts), for the
// footprint of the warm-up below.
const { fingerprint } = await import(`data:text/javascript,${encodeURIComponent((await esbuild.build({ entryPoints: [path.join(root, 'src/util/fingerprint.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'warning' })).outputFiles[0].text)}`);

function makeCodeCaches() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-build-'));
  try {
    const protectedFile = path.join(tmp, 'protected');
    // A stopped cluster in the scanned root, as on a database host: the cache then holds the
    // compiled code that reads clusters, not only the code of an empty host.
    const pg = path.join(tmp, 'pg', '15', 'main');
    fs.mkdirSync(path.join(pg, 'global'), { recursive: true });
    fs.mkdirSync(path.join(pg, 'pg_tblspc'));
    fs.mkdirSync(path.join(tmp, 'waldisk'));
    fs.writeFileSync(path.join(pg, 'PG_VERSION'), '15\n');
    fs.writeFileSync(path.join(pg, 'global', 'pg_control'), Buffer.alloc(8192));
    fs.writeFileSync(path.join(pg, 'standby.signal'), '');
    fs.writeFileSync(path.join(pg, 'postmaster.pid'), '2147483646\n' + pg + '\n1\n5432\n/tmp\n*\n0 0\nready   \n');
    fs.symlinkSync(path.join(tmp, 'waldisk'), path.join(pg, 'pg_wal'));
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify({ discovery: { roots: [path.join(tmp, 'pg')] }, protect: [{ path: protectedFile, action: 'confirm', reason: 'warming the code cache' }] }));
    fs.writeFileSync(path.join(tmp, 'victim'), '');
    fs.writeFileSync(protectedFile, '');
    const env = { ...process.env, SAFEOPS_CONFIG: path.join(tmp, 'config.json'), SAFEOPS_AUDIT_LOG: path.join(tmp, 'audit.jsonl'), SAFEOPS_STATE_DIR: path.join(tmp, 'state'), TERM: 'xterm-256color' };
    delete env.NO_COLOR;
    const bin = path.join(out, 'safeops.cjs');
    // boot.cjs: a harmless rm that a fresh footprint (as the watcher writes it) lets through.
    const state = path.join(tmp, 'state');
    fs.mkdirSync(state, { mode: 0o755 });
    fs.chmodSync(state, 0o755);
    const aboves = [];
    for (let d = path.dirname(pg); ; d = path.dirname(d)) {
      aboves.push(d);
      if (d === '/') break;
    }
    const footprint = ['safeops-footprint 1', `heartbeat ${Math.floor(Date.now() / 1000)}`, 'generation build-1', 'recursive on', `mounts ${fingerprint(fs.readFileSync('/proc/self/mountinfo', 'utf8'))}`, `config ${env.SAFEOPS_CONFIG}`, 'config /etc/safeops/config.json', `path ${pg}`, `path ${protectedFile}`, ...aboves.map((a) => `above ${a}`), `root ${path.join(tmp, 'pg')}`, 'end', ''].join('\n');
    fs.writeFileSync(path.join(state, 'footprint'), footprint, { mode: 0o644 });
    fs.writeFileSync(path.join(tmp, 'victim-fast'), '');
    const traced = path.join(tmp, 'trace');
    execFileSync(process.execPath, [bin, 'rm', path.join(tmp, 'victim-fast')], { env: { ...env, SAFEOPS_WRITE_CODE_CACHE: 'boot', SAFEOPS_TRACE: traced }, stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000, killSignal: 'SIGKILL' });
    if (!/fast path$/m.test(fs.readFileSync(traced, 'utf8'))) console.warn(`build: the code cache of boot.cjs was made without its fast path (${tmp} has bytes a footprint cannot hold?)`);
    // core.cjs: the same rm with no footprint: the whole guard reads the facts.
    fs.rmSync(path.join(state, 'footprint'));
    execFileSync(process.execPath, [bin, 'rm', path.join(tmp, 'victim')], { env: { ...env, SAFEOPS_WRITE_CODE_CACHE: 'core' }, stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000, killSignal: 'SIGKILL' });
    // Bounded: 30 s at most, then the child is killed (a screen that never asks must not hang
    // the build; CI once did, when Ink still hid its frames under CI=1).
    const py = [
      'import os, pty, select, signal, sys, time',
      'pid, fd = pty.fork()',
      'if pid == 0: os.execvpe(sys.argv[1], sys.argv[1:], os.environ)',
      "buf = b''",
      'sent = False',
      'deadline = time.monotonic() + 30',
      'while time.monotonic() < deadline:',
      '    r, _, _ = select.select([fd], [], [], 1)',
      '    if not r: continue',
      '    try: data = os.read(fd, 65536)',
      '    except OSError: break',
      '    if not data: break',
      '    buf += data',
      "    if not sent and b'Type the host name' in buf: os.write(fd, b'\\x1b'); sent = True",
      'end = time.monotonic() + 10',
      'done, status = os.waitpid(pid, os.WNOHANG)',
      'while done == 0 and time.monotonic() < end:',
      '    time.sleep(0.05)',
      '    done, status = os.waitpid(pid, os.WNOHANG)',
      'if done == 0:',
      '    os.kill(pid, signal.SIGKILL)',
      '    os.waitpid(pid, 0)',
      "    sys.exit('the confirmation screen did not end within 40 s')",
      "sys.exit(0 if sent else 'the confirmation screen never asked for the host name')",
    ].join('\n');
    try {
      execFileSync('python3', ['-c', py, process.execPath, bin, 'rm', protectedFile], { env: { ...env, SAFEOPS_WRITE_CODE_CACHE: 'ui' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' });
    } catch (e) {
      // No python3 (a minimal host): the screen's cache is then written at its first use.
      console.warn(`build: no code cache for the confirmation screen yet (${e.code === 'ENOENT' ? 'python3 not found' : (e.stderr?.toString().trim() || e.message).split('\n')[0]})`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
makeCodeCaches();

/** dist/completions/: the completions rendered from src/contract.ts by the built CLI itself (`safeops completions SHELL`). */
function writeCompletions() {
  const dir = path.join(out, 'completions');
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-build-'));
  try {
    fs.writeFileSync(path.join(tmp, 'config.json'), '{}\n');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', SAFEOPS_CONFIG: path.join(tmp, 'config.json'), HOME: tmp };
    for (const [shell, file] of [['bash', 'safeops.bash'], ['zsh', '_safeops'], ['fish', 'safeops.fish']])
      fs.writeFileSync(path.join(dir, file), execFileSync(process.execPath, [path.join(out, 'safeops.cjs'), 'completions', shell], { env, encoding: 'utf8', timeout: 60_000 }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
writeCompletions();
fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify({ entry: entry.metafile, boot: boot.metafile, ui: ui.metafile, lazy: lazy.metafile }));
const size = fs.statSync(corePath).size;
const cache = fs.statSync(path.join(out, 'core.v8cache')).size;
const bootSize = fs.statSync(path.join(out, 'boot.cjs')).size;
const bootCache = fs.existsSync(path.join(out, 'boot.v8cache')) ? fs.statSync(path.join(out, 'boot.v8cache')).size : 0;
const uiCache = fs.existsSync(path.join(out, 'ui.v8cache')) ? fs.statSync(path.join(out, 'ui.v8cache')).size : 0;
const chunks = fs.readdirSync(path.join(out, 'lazy', 'chunks')).length;
console.log(`built dist/safeops.cjs + boot.cjs (${(bootSize / 1024).toFixed(0)} KiB, a harmless rm; code cache ${(bootCache / 1024).toFixed(0)} KiB) + core.cjs (${(size / 1024).toFixed(0)} KiB, the guard and the CLI; code cache ${(cache / 1024).toFixed(0)} KiB) + ui.cjs (code cache ${(uiCache / 1024).toFixed(0)} KiB) + dist/lazy (${Object.keys(LAZY).length} entries, ${chunks} chunks)`);
