// The watcher's side of live recolouring: after a publish that changed the role or label, one
// pass over the registered shells (src/watch/notify.ts, loaded on the first pass). Passes never
// overlap: a publish during a pass asks for one more pass after it (src/util/coalesce.ts).
import type { Config } from '../config/schema.js';
import { coalescing } from '../util/coalesce.js';

type NotifyModule = typeof import('./notify.js');

export interface ShellNotifierOptions {
  stateDir: string;
  shortHostname: string;
  /** The config in force at each pass (colours and titles may change with a reload). */
  config: () => Config;
  log: (line: string) => void;
  stopped: () => boolean;
}

/** A function that tells the shells; call it after each publish that asks for it. */
export function createShellNotifier(opts: ShellNotifierOptions): () => void {
  let mod: NotifyModule | null | undefined;
  const pass = coalescing(async () => {
    try {
      if (mod === undefined) {
        try {
          mod = await import('./notify.js');
        } catch (e) {
          mod = null;
          opts.log(`shell notifier unavailable: ${(e as Error).message}`);
        }
      }
      if (!mod) return;
      const sh = opts.config().shell;
      await mod.notifyShells(opts.stateDir, {
        colorFor: (role) => (sh.background ? (sh.colors[role] ?? null) : null),
        titleFor: (_role, label) => (sh.title ? `${opts.shortHostname}: ${label}` : null),
        noEscapes: !sh.background && !sh.title,
        log: opts.log,
      });
    } catch (e) {
      opts.log(`notifying shells failed: ${(e as Error).message}`);
    }
  }, () => !opts.stopped());
  return () => void pass();
}
