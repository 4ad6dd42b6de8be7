// Ink's layout engine, loaded for the confirmation screen. The build points Ink's
// `import Yoga from 'yoga-layout'` here (scripts/build.mjs) because the package's main entry
// awaits at top level (so the screen could not be the one CommonJS file the loader runs from a
// code cache), and decodes ~1 MB of base64 into the WebAssembly in JavaScript (~20 ms of garbage
// collection). Here the bytes come from dist/yoga.wasm, written by the build; where that file
// is absent (tests run the sources), the package decodes its embedded copy as usual.
// The object is filled once the module is ready; runConfirmation awaits `yogaReady` first
// (Ink only touches Yoga when rendering).
import fs from 'node:fs';
import path from 'node:path';
// @ts-expect-error untyped Emscripten factory (not in the package's exports map: reached by path)
import loadYogaImpl from '../../node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js';
// Not in the package's exports map: reached by path.
import wrapAssembly from '../../node_modules/yoga-layout/dist/src/wrapAssembly.js';
import type { loadYoga } from 'yoga-layout/load';

type YogaApi = Awaited<ReturnType<typeof loadYoga>>;

/** dist/yoga.wasm beside the bundle, when running from the build. */
function wasmBinary(): Uint8Array | undefined {
  // The single executable (scripts/release-sea-main.cjs) carries it inside.
  const embedded = (globalThis as { __safeopsAsset?: (name: string) => Uint8Array | undefined }).__safeopsAsset?.('yoga.wasm');
  if (embedded) return embedded;
  if (typeof __dirname === 'undefined') return undefined;
  try {
    return fs.readFileSync(path.join(__dirname, 'yoga.wasm'));
  } catch {
    return undefined;
  }
}

const Yoga = {} as YogaApi;

export const yogaReady: Promise<void> = (loadYogaImpl as (m: object) => Promise<unknown>)({ wasmBinary: wasmBinary() }).then((lib) => {
  Object.assign(Yoga, (wrapAssembly as (l: unknown) => YogaApi)(lib));
});

export default Yoga;
export * from 'yoga-layout/load';
