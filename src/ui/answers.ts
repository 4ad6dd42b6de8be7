// What the operator must type to confirm, and whether what they typed counts.
//
// The rule (the one place it is written down; README "Confirmations" should point here):
// - A normal confirmation: type the host's short name (`db-01`, not `db-01.prod.example.com`),
//   then Enter.
// - A strong confirmation (Verdict.strong: e.g. `rm` of a stopped cluster with no standby.signal,
//   which may be the only copy, or `-m immediate` on a running primary): first the host's
//   short name, then, one prompt each, the name of every touched cluster exactly as the screen
//   shows it (`15/main`), in the order the screen lists them. Two things to read and type:
//   the host ("am I where I think I am?") and the cluster ("is this the one I mean?").
// - An answer counts when it equals the expected text after trimming surrounding whitespace.
//   Case matters (cluster names are case-sensitive). An empty answer or anything else cancels;
//   there is no second try, the command is simply not run.
// - When the facts change while the screen is open, every answer typed so far is void.
// - A strong verdict touching no named cluster (none in practice: decide() marks strong only
//   for clusters) asks for the host name alone.

import type { Verdict } from '../policy/types.js';

/** The answers to type, in order: the short host name, then (strong) each cluster name. */
export function expectedAnswers(verdict: Verdict, shortHost: string, clusterNames: string[]): string[] {
  if (!verdict.strong) return [shortHost];
  const names: string[] = [];
  for (const n of clusterNames) if (n && !names.includes(n)) names.push(n);
  return [shortHost, ...names];
}

/** Whether one typed answer matches the expected one (surrounding whitespace ignored). */
export function checkAnswer(expected: string, typed: string): boolean {
  return expected.length > 0 && typed.trim() === expected;
}

/** Whether every expected answer was typed, in order. */
export function checkAnswers(expected: string[], typed: string[]): boolean {
  return expected.length > 0 && expected.length === typed.length && expected.every((e, i) => checkAnswer(e, typed[i] ?? ''));
}
