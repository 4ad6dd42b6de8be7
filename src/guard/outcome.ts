// outcome: the one table from (verdict, answer) to what happens: run or not, the exit code, the
// audit record's decision and what the operator reads. Pure. Exit codes: docs/design.md §3.
import type { VerdictKind } from '../policy/types.js';
import { EXIT } from '../util/errors.js';

/** How the question ended, or how the facts moved after the verdict the operator saw. */
export type Answer =
  /** Nothing was asked (allow, or refuse before asking). */
  | 'none'
  /** The right answers typed (screen or plain prompt), or --confirm named this host. */
  | 'confirmed'
  /** A wrong answer, an empty one, end of input, or --confirm naming another host. */
  | 'declined'
  /** Ctrl-C, SIGTERM or SIGHUP while asking. */
  | 'interrupted'
  /** A confirmation is needed, and there is no terminal and no --confirm. */
  | 'no-terminal'
  /** The facts changed while the screen was open, into a refusal. */
  | 'changed'
  /** The facts read again just before running differ from what was confirmed (or allowed). */
  | 'stale';

export const ANSWERS: readonly Answer[] = ['none', 'confirmed', 'declined', 'interrupted', 'no-terminal', 'changed', 'stale'];

/** What the operator reads when nothing runs (src/guard/guard.ts `tell`). */
export type Say = 'refused' | 'no-terminal' | 'changed' | 'stale-refused' | 'stale' | 'declined' | 'interrupted';

export type Outcome =
  | {
      runs: true;
      /** The audit record's decision. */
      decision: 'allow' | 'confirmed';
      /**
       * 'unless-harmless': recorded when a cluster is touched, and the command runs even if the
       * log cannot be written. 'required': a confirmed command without its record is refused (77).
       */
      audit: 'unless-harmless' | 'required';
    }
  | {
      runs: false;
      /** The exit code; nothing ran. */
      code: number;
      /** The audit record's decision (always written, best effort). */
      decision: 'refuse' | 'declined' | 'interrupted';
      say: Say;
    };

const RUN_ALLOWED: Outcome = { runs: true, decision: 'allow', audit: 'unless-harmless' };
const RUN_CONFIRMED: Outcome = { runs: true, decision: 'confirmed', audit: 'required' };
const stop = (code: number, decision: 'refuse' | 'declined' | 'interrupted', say: Say): Outcome => ({ runs: false, code, decision, say });
const REFUSED = stop(EXIT.refused, 'refuse', 'refused');
const DECLINED = stop(EXIT.declined, 'declined', 'declined');
const INTERRUPTED = stop(EXIT.interrupted, 'interrupted', 'interrupted');
const NO_TERMINAL = stop(EXIT.refused, 'refuse', 'no-terminal');
const CHANGED = stop(EXIT.refused, 'refuse', 'changed');
const STALE = stop(EXIT.declined, 'declined', 'stale');
const STALE_REFUSED = stop(EXIT.refused, 'refuse', 'stale-refused');

/**
 * Rows: the verdict in force (after a refresh on the screen or the re-read before running).
 * Columns: the answer. Cells no flow reaches fail closed (nothing runs).
 */
const TABLE: Record<VerdictKind, Record<Answer, Outcome>> = {
  allow: { none: RUN_ALLOWED, confirmed: RUN_ALLOWED, declined: DECLINED, interrupted: INTERRUPTED, 'no-terminal': NO_TERMINAL, changed: CHANGED, stale: STALE },
  // A confirm verdict nobody answered never runs.
  confirm: { none: REFUSED, confirmed: RUN_CONFIRMED, declined: DECLINED, interrupted: INTERRUPTED, 'no-terminal': NO_TERMINAL, changed: CHANGED, stale: STALE },
  // A refusal is never asked: whatever the answer, nothing runs.
  refuse: { none: REFUSED, confirmed: REFUSED, declined: REFUSED, interrupted: REFUSED, 'no-terminal': REFUSED, changed: CHANGED, stale: STALE_REFUSED },
};

export function outcome(verdict: VerdictKind, answer: Answer): Outcome {
  return TABLE[verdict][answer];
}

/** The words for `say`: a verdict report (title, detail) or a single line. Pure. */
export function sayText(say: Say, host: string, shortHost: string, quote: (s: string) => string): { title: string; detail: string } | { line: string } {
  switch (say) {
    case 'refused':
      return { title: 'REFUSED', detail: 'nothing was run.' };
    case 'no-terminal':
      return { title: 'REFUSED', detail: `this needs a typed confirmation and there is no terminal; nothing was run.\n  To confirm from a script, add ${quote(`--confirm=${shortHost}`)} (or ${quote(`SAFEOPS_CONFIRM=${shortHost}`)}).` };
    case 'changed':
      return { title: 'REFUSED', detail: 'the facts changed while the confirmation was open; nothing was run.' };
    case 'stale-refused':
      return { title: 'REFUSED', detail: 'the facts changed just before running; nothing was run.' };
    case 'stale':
      return { title: 'NOT RUN', detail: 'the facts changed after your confirmation; nothing was run. Run the command again.' };
    case 'declined':
      return { line: `not confirmed — nothing was run on ${host}.` };
    case 'interrupted':
      return { line: `interrupted — nothing was run on ${host}.` };
  }
}
