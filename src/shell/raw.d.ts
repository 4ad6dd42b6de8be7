// `import text from './file?raw'`: the file's text, bundled by esbuild (scripts/build.mjs) and vitest.
declare module '*?raw' {
  const s: string;
  export default s;
}
