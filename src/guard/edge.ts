// The guard's edge: everything a guarded command does to the world, passed in as one object so
// runGuard reads top to bottom and tests drive it in-process with a fake (docs/guard-flow.md).
// The real edge is built here; its heavy parts (Ink, pg, the plain prompt) load only when used.
import type { ParsedCommand } from '../command/types.js';
import type { LoadedConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { appendAudit } from '../audit/log.js';
import { resolveBinary } from '../run/resolve-bin.js';
import { runInherit, type RunResult } from '../run/spawn.js';
import type { Edge } from '../util/edge.js';
import { trace } from '../util/trace.js';
import type { ConfirmationResult, ConfirmationSession } from '../ui/types.js';
import type { PlainOutcome } from './confirm-plain.js';
import { gatherFacts, type FactsPlan, type Gathered } from './facts.js';
import { rmSurelyHarmless } from './fast-path.js';

export type { FactsPlan, Gathered, PlainOutcome, RunResult };

export interface GuardEdge extends Edge {
  /** `rm ARGS` is surely harmless by the watcher's fresh, trusted footprint (./fast-path.ts). */
  surelyHarmlessRm(args: string[]): boolean;
  /** The configuration (files and environment). */
  loadConfig(): LoadedConfig;
  /** The facts gatherer: reads what `plan` asks for (files, /proc, root's view, Patroni, SQL). */
  gather(parsed: ParsedCommand, plan: FactsPlan, loaded: LoadedConfig): Promise<Gathered>;
  /** The real binary for `name` on PATH, never safeops' own shims (`selfPath`); null if none. */
  resolveBinary(name: string, selfPath: string | null, versions?: string[]): string | null;
  /** Run the real command with the terminal handed over; its exit, or the signal that killed it. */
  run(file: string, argv: string[], env: NodeJS.ProcessEnv): Promise<RunResult>;
  /** Append one audit record, fsynced; throws when it cannot be written. */
  appendAudit(file: string, record: Record<string, unknown>): void;
  /** What the operator reads (the guard never writes to stdout). */
  stderr(text: string): void;
  /** The Ink confirmation screen; throws when it cannot start (the plain prompt is asked then). */
  screen(session: ConfirmationSession): Promise<ConfirmationResult>;
  /** The plain prompt: `text`, then each question in turn; the first wrong answer declines. */
  ask(text: string, prompts: Array<{ question: string; expected: string }>): Promise<PlainOutcome>;
}

/** The real edge around the values main read once. */
export function guardEdge(edge: Edge): GuardEdge {
  return {
    ...edge,
    surelyHarmlessRm: (args) => rmSurelyHarmless(args, edge.env, process.geteuid?.() ?? -1, edge.now().getTime()),
    loadConfig: () => loadConfig(edge.env),
    gather: (parsed, plan, loaded) => gatherFacts(parsed, plan, loaded, edge),
    resolveBinary: (name, selfPath, versions) => resolveBinary(name, edge.env, edge.cwd, selfPath, versions),
    run: (file, argv, env) => runInherit(file, argv, { env }),
    appendAudit,
    stderr: (text) => void process.stderr.write(text),
    screen: async (session) => {
      trace('ui import');
      const ui = await importWithoutFetch(() => import('../ui/run.js'));
      trace('ui imported');
      return ui.runConfirmation(session);
    },
    ask: async (text, prompts) => (await import('./confirm-plain.js')).askPlain(text, prompts),
  };
}

/**
 * Import with `fetch` hidden: Ink's layout engine (yoga) decodes its embedded WebAssembly through
 * fetch() of a data: URL when fetch exists, which loads undici and costs ~55 ms; without fetch
 * it decodes the same bytes directly. Restored right after.
 */
async function importWithoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    if (saved) Object.defineProperty(globalThis, 'fetch', saved);
    else delete (globalThis as { fetch?: unknown }).fetch;
  }
}
