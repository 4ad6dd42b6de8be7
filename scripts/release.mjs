#!/usr/bin/env node
// `npm run release`: what a database host installs without Node or npm (docs/release.md).
//   release/safeops-<version>-linux-<arch>           one executable: Node's single executable
//                                                     application (SEA) carrying the whole build
//   release/safeops_<version>_<debarch>.deb          that executable, units, completions, man page,
//                                                     /etc/safeops/config.json (a conffile)
//   release/safeops-<version>-linux-<arch>.tar.gz    the same files and an offline install.sh
//   release/SHA256SUMS
// SAFEOPS_RELEASE_VERSION=V builds version V (default: package.json's); SAFEOPS_RELEASE_DIR=DIR
// writes there instead of release/; SAFEOPS_RELEASE_NO_BUILD=1 reuses dist/ (it must have been
// built for the same version; otherwise the build goes to DIR/work/dist and dist/ is left alone);
// SAFEOPS_RELEASE_ONLY=sea skips the .deb and the tarball.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeb } from './release-deb.mjs';
import { manPage } from './release-man.mjs';
import { buildTarball } from './release-tar.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const version = process.env.SAFEOPS_RELEASE_VERSION || pkg.version;
// Debian's rules for an upstream version (no epoch, no hyphen: the revision is added below).
if (!/^[0-9][A-Za-z0-9.+~]*$/.test(version)) throw new Error(`release: version ${JSON.stringify(version)} is not a Debian upstream version (digits first, then A-Za-z0-9.+~)`);
const archs = { x64: { name: 'x64', deb: 'amd64' }, arm64: { name: 'arm64', deb: 'arm64' } };
const arch = archs[process.arch];
if (!arch) throw new Error(`release: no release for ${process.arch} (x64 and arm64 only)`);
if (process.platform !== 'linux') throw new Error('release: builds Linux executables on Linux only');
const outDir = path.resolve(process.env.SAFEOPS_RELEASE_DIR || path.join(root, 'release'));
const work = path.join(outDir, 'work');
const started = Date.now();
const step = (what) => console.log(`release: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(path.join(work, 'assets', 'lazy'), { recursive: true });

// 1. The ordinary build (bundles and the code caches, made by this same Node), into the work
//    directory: dist/ stays what it was (tests may be running from it).
const dist = process.env.SAFEOPS_RELEASE_NO_BUILD === '1' ? path.join(root, 'dist') : path.join(work, 'dist');
if (process.env.SAFEOPS_RELEASE_NO_BUILD !== '1') {
  step('build (scripts/build.mjs)');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, env: { ...process.env, SAFEOPS_RELEASE_VERSION: version, SAFEOPS_BUILD_OUT: dist }, stdio: 'inherit' });
}
const built = execFileSync(process.execPath, [path.join(dist, 'safeops.cjs'), '--version'], { encoding: 'utf8' }).trim();
if (built !== version) throw new Error(`release: dist/ was built as ${built}, not ${version} (drop SAFEOPS_RELEASE_NO_BUILD)`);

// 2. dist/lazy/*.mjs (ESM, shared chunks) -> one CommonJS file per entry: a SEA runs no import().
step('lazy modules as CommonJS');
const assets = {};
const put = (name, file) => {
  assets[name] = file;
};
for (const name of ['boot.cjs', 'boot.v8cache', 'core.cjs', 'core.v8cache', 'ui.cjs', 'ui.v8cache', 'yoga.wasm']) {
  if (fs.existsSync(path.join(dist, name))) put(name, path.join(dist, name));
  else if (!name.endsWith('.v8cache')) throw new Error(`release: dist/${name} is missing`);
}
const lazyNames = fs.readdirSync(path.join(dist, 'lazy')).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).sort();
for (const name of lazyNames) {
  const outfile = path.join(work, 'assets', 'lazy', `${name}.cjs`);
  await esbuild.build({
    entryPoints: [path.join(dist, 'lazy', `${name}.mjs`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    // createRequire(import.meta.url) (the ESM build's banner, yargs' shims): any file URL does,
    // only builtins are ever required.
    define: { 'import.meta.url': JSON.stringify(`file:///safeops-sea/lazy/${name}.cjs`) },
    // The etcd client is in the lazy chunks already, its .proto files as JSON (scripts/build.mjs,
    // etcd3Protos): the executable's watcher has the fleet too.
    logLevel: 'error',
  });
  const text = fs.readFileSync(outfile, 'utf8');
  if (/\bimport\(/.test(text)) throw new Error(`release: lazy/${name}.cjs still has an import(): a SEA cannot run it`);
  put(`lazy/${name}.cjs`, outfile);
}

// 3. The single executable: a blob with the entry, the code caches and the assets, injected into
//    a copy of this Node. Twice: the first binary runs the commands that load the lazy modules
//    and writes their code caches, which the second one carries.
const exeName = `safeops-${version}-linux-${arch.name}`;
const exe = path.join(outDir, exeName);
function makeSea(target, assetMap) {
  const blob = path.join(work, 'sea.blob');
  const config = path.join(work, 'sea-config.json');
  fs.writeFileSync(config, JSON.stringify({ main: path.join(root, 'scripts/release-sea-main.cjs'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets: assetMap }, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  const tmp = `${target}.tmp`;
  // Node's own binary carries its symbol tables (~12 MB): stripped (what Debian wants of a
  // binary); the dynamic symbols stay.
  try {
    execFileSync('strip', ['--strip-unneeded', '-o', tmp, process.execPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    console.warn('release: no strip(1) (binutils): the executable keeps its symbols');
    fs.copyFileSync(process.execPath, tmp);
  }
  fs.chmodSync(tmp, 0o755);
  execFileSync(process.execPath, [path.join(root, 'node_modules/postject/dist/cli.js'), tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.renameSync(tmp, target);
}
step('single executable, pass 1');
makeSea(exe, assets);
step('code caches of the lazy modules');
{
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'safeops-release-'));
  try {
    const caches = path.join(work, 'caches');
    fs.mkdirSync(caches);
    fs.writeFileSync(path.join(tmp, 'config.json'), '{"discovery": {"roots": []}}\n');
    const env = { PATH: process.env.PATH, HOME: tmp, SAFEOPS_CONFIG: path.join(tmp, 'config.json'), SAFEOPS_AUDIT_LOG: path.join(tmp, 'audit.jsonl'), SAFEOPS_STATE_DIR: path.join(tmp, 'state'), SAFEOPS_SEA_CACHE_DIR: caches };
    for (const args of [['init', 'bash'], ['status'], ['--help']]) execFileSync(exe, args, { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
    for (const f of fs.readdirSync(caches)) {
      const name = f.replace(/--/g, '/');
      if (name.startsWith('lazy/')) put(name, path.join(caches, f));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
step('single executable, pass 2');
makeSea(exe, assets);
const got = execFileSync(exe, ['--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } }).trim();
if (got !== version) throw new Error(`release: ${exeName} --version printed ${JSON.stringify(got)}`);

const outputs = [exe];
if (process.env.SAFEOPS_RELEASE_ONLY !== 'sea') {
  // 4. The man page, from the same text as --help.
  step('man page');
  const man = manPage(exe, version, root);
  const manFile = path.join(work, 'safeops.1');
  fs.writeFileSync(manFile, man);
  const files = { exe, man: manFile, root, version, work, arch, completions: path.join(dist, 'completions') };
  step('.deb');
  outputs.push(buildDeb(files, outDir));
  step('tarball');
  outputs.push(buildTarball(files, outDir));
}
const sums = outputs.map((f) => `${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}  ${path.basename(f)}\n`).join('');
fs.writeFileSync(path.join(outDir, 'SHA256SUMS'), sums);
if (process.env.SAFEOPS_RELEASE_KEEP_WORK !== '1') fs.rmSync(work, { recursive: true, force: true });
step('done');
for (const f of outputs) console.log(`  ${path.relative(process.cwd(), f) || f}  ${(fs.statSync(f).size / 1e6).toFixed(1)} MB`);
