'use strict';
// The single executable's entry (Node SEA, scripts/release.mjs): scripts/loader.cjs for a binary
// that carries its files inside. dist/boot.cjs (the rm fast path), dist/core.cjs (the rest) and dist/ui.cjs (the Ink
// screen) run from the code caches the build made with this same Node (the binary IS that Node,
// so V8 accepts them); what dist/lazy/*.mjs holds comes as one CommonJS file per entry
// (lazy/<name>.cjs, made by the release from the ESM chunks), because a SEA's main script can
// neither import() nor require() anything but builtins. Nothing is written to disk.
const sea = require('node:sea');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

// process.argv[1] is what the caller typed as argv[0] ("safeops", "./safeops"); the code treats
// it as "this program's path" (the init script calls it, the demo and the daemon spawn it):
// make it the absolute path. The usual Node idiom for spawning oneself,
// spawn(process.execPath, [process.argv[1], ...args]), then passes that path as the first
// argument: it is dropped again here, so `safeops /usr/bin/safeops watch` is `safeops watch`.
process.argv[1] = process.execPath;
const first = process.argv[2];
if (first !== undefined && first.startsWith('/')) {
  try {
    const a = fs.statSync(first);
    const b = fs.statSync(process.execPath);
    if (a.dev === b.dev && a.ino === b.ino) process.argv.splice(2, 1);
  } catch {
    // not a file: an ordinary argument
  }
}

/** An embedded file's bytes, or undefined. */
function asset(name) {
  try {
    return new Uint8Array(sea.getAsset(name));
  } catch {
    return undefined;
  }
}
// src/ui/yoga.ts takes the WebAssembly from here (there is no dist/yoga.wasm beside the binary).
globalThis.__safeopsAsset = asset;

// SAFEOPS_SEA_CACHE_DIR=DIR (release build only): write each module's code cache there at exit.
const cacheOut = process.env.SAFEOPS_SEA_CACHE_DIR || '';
const traceRejected = process.env.SAFEOPS_SEA_DEBUG === '1';
const virtualDir = `${process.execPath}:`;
const modules = new Map();

/** Compile and run the embedded <name>.cjs with its code cache; its exports, once. */
function load(name) {
  const done = modules.get(name);
  if (done) return done.exports;
  const source = sea.getAsset(`${name}.cjs`, 'utf8');
  const cachedData = asset(`${name}.v8cache`);
  const file = `${virtualDir}${name}.cjs`;
  const wrapper = `(function (exports, require, module, __filename, __dirname, __safeopsImport, __safeopsRequire, __safeopsLoad) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  if (traceRejected && script.cachedDataRejected !== false) process.stderr.write(`safeops sea: no code cache for ${name} (${cachedData ? 'rejected' : 'none'})\n`);
  if (cacheOut) {
    process.once('exit', () => fs.writeFileSync(path.join(cacheOut, `${name.replace(/\//g, '--')}.v8cache`), script.createCachedData()));
  }
  const mod = { exports: {} };
  modules.set(name, mod);
  script.runInThisContext()(mod.exports, require, mod, file, virtualDir, lazyImport, lazyRequire, load);
  return mod.exports;
}

/** import('./lazy/<name>.mjs') of the core: the embedded lazy/<name>.cjs. */
const lazyImport = (rel) => Promise.resolve().then(() => load(`lazy/${path.basename(rel, '.mjs')}`));
/** The confirmation screen (ui.cjs). */
const lazyRequire = (rel) => Promise.resolve().then(() => load(path.basename(rel, '.cjs')));

load('boot');
