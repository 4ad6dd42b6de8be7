// The first code the loader runs (dist/boot.cjs, its own small code cache). `safeops rm ARGS` that
// the watcher's fresh, trusted footprint puts surely outside every cluster and protected path
// (src/guard/fast-path.ts: the shells' fast path, read in Node) runs here, without loading the
// core (~190 KiB and its code cache, ~10 ms). Everything else, and every doubt, loads the core,
// whose main (src/main.ts) decides as before: the same check runs there again (~1 ms), so the
// core alone stays complete (tests drive it in-process). DEVELOPERS.md, "Start-up".
import { rmSurelyHarmless } from './guard/fast-path.js';
import { resolveBinary } from './run/resolve-bin.js';
import { exitLike, runInherit } from './run/spawn.js';
import { escapeText } from './util/escape.js';
import { trace } from './util/trace.js';

/** The loader's synchronous load of dist/<name>.cjs (scripts/loader.cjs, scripts/release-sea-main.cjs). */
declare const __safeopsLoad: (name: string) => unknown;

async function fastRm(args: string[]): Promise<{ code: number; signal: NodeJS.Signals | null } | null> {
  if (!rmSurelyHarmless(args, process.env, process.geteuid?.() ?? -1, Date.now())) return null;
  let cwd = process.env.PWD || '/';
  try {
    cwd = process.cwd();
  } catch {
    // deleted: PATH's relative entries (if any) resolve as the core would
  }
  const file = resolveBinary('rm', process.env, cwd, process.argv[1] ?? null);
  if (!file) return null; // the core says "command not found" in its words
  trace('fast path');
  const r = await runInherit(file, ['rm', ...args], { env: process.env });
  // rm has run: from here on nothing may send the command to the core (it would run twice).
  try {
    if (r.error) process.stderr.write(`safeops: ${escapeText(r.error)}\n`);
  } catch {
    // stderr gone: the exit status still says it
  }
  return r;
}

trace('boot');
const argv = process.argv.slice(2);
(argv[0] === 'rm' ? fastRm(argv.slice(1)) : Promise.resolve(null)).then(
  (r) => (r ? exitLike(r) : void __safeopsLoad('core')),
  // Whatever broke before rm ran: the core decides, as if the fast path had said no.
  () => void __safeopsLoad('core'),
);
