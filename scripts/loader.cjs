#!/usr/bin/env node
'use strict';
// safeops start-up loader. Runs dist/core.cjs (the whole fast path, one CommonJS file) from a
// V8 code cache, which saves ~10 ms of compiling at every start (DEVELOPERS.md, "Start-up").
// If the cache is missing or was made by another Node/V8, the code compiles as usual and, where
// this directory is writable, a fresh cache is written (temp file + rename) at exit.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { pathToFileURL } = require('node:url');

const file = path.join(__dirname, 'core.cjs');
const cacheFile = path.join(__dirname, 'core.v8cache');
const source = fs.readFileSync(file, 'utf8');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __safeopsImport) {${source}\n})`, { filename: file, cachedData });
if (script.cachedDataRejected !== false || process.env.SAFEOPS_WRITE_CODE_CACHE === '1') {
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
// Lazy modules (yargs CLI, Ink screen, pg...) are ESM files beside this one, loaded on demand.
const lazyImport = (rel) => import(pathToFileURL(path.join(__dirname, rel)).href);
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, file, __dirname, lazyImport);
