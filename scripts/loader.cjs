#!/usr/bin/env node
'use strict';
// safeops start-up loader. Runs dist/boot.cjs (the footprint fast path of a harmless `rm`), which
// loads dist/core.cjs (the whole guard and CLI, one CommonJS file) unless that was all; and, when
// a confirmation is needed, dist/ui.cjs (the Ink screen), each from a V8 code cache: that saves
// the compiling that dominates a cold start (DEVELOPERS.md, "Start-up"). A cache made by another
// Node/V8 is rejected by V8 itself; the code then compiles as usual and, where this directory is
// writable, a fresh cache is written at exit (temp file + rename).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { pathToFileURL } = require('node:url');

const writeCache = (process.env.SAFEOPS_WRITE_CODE_CACHE || '').split(',');

/** Lazy ESM modules (yargs CLI, pg, execa...), beside this file. */
const lazyImport = (rel) => import(pathToFileURL(path.join(__dirname, rel)).href);

/** Compile and run dist/<name>.cjs with its code cache; returns its exports. */
function load(name) {
  const file = path.join(__dirname, `${name}.cjs`);
  const cacheFile = path.join(__dirname, `${name}.v8cache`);
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname, __safeopsImport, __safeopsRequire, __safeopsLoad) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  if (script.cachedDataRejected !== false || writeCache.includes(name)) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        // read-only install: run without a cache
      }
    });
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, file, __dirname, lazyImport, lazyRequire, load);
  return mod.exports;
}

/** Lazy CommonJS modules with their own code cache (the confirmation screen). */
const lazyRequire = (rel) => Promise.resolve().then(() => load(path.basename(rel, '.cjs')));

load('boot');
